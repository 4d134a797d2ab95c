"""The `waf` module: a regional web ACL for one gateway stage, tuned for LLM traffic."""
