"""The router Lambda: one OpenAI-compatible API in front of the configured model providers."""
