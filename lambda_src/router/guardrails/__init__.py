"""Guardrails: personal data, prompt injection, deny-lists, size and Bedrock Guardrails, by policy."""
