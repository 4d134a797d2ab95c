"""Backend adapters: one module per provider, all implementing `router.backends.base.Backend`.

Adding a provider is one file here (a class with `complete` and `embed`) and one line
in `router.backends.registry`.
"""
