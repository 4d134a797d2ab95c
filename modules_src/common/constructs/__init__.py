"""Constructs every module builds from: each takes all it needs as props and exposes what it made.

No construct reads a module variable: the module's stack turns variables into props
(`Expr` for values Terraform decides at plan time). Logical ids are props too, because
they are Terraform addresses and part of a module's public API.
"""
