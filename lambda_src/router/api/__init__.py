"""The OpenAI wire format: request bodies in (`parse`), response bodies out (`render`). Pure."""
