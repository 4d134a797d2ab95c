"""Serving one model request: route, cache, budget, call with resilience, settle, measure."""
