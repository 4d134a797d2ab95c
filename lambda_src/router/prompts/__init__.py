"""Registered prompts: the registry in the configuration document, variables, rendering and resolution."""
