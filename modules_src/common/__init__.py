"""What every generated module shares: typed input/output specs, the stack base and the README."""
