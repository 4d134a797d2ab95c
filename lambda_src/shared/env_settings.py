"""Numbers from a function's environment, checked the same way by every Lambda's settings."""

from __future__ import annotations

from collections.abc import Mapping


def seconds_from_env(environ: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """`environ[name]` as seconds within [low, high]; `default` when unset or empty.

    Raises
    ------
    ValueError
        Naming the variable and what it must be (each caller wraps it in its SettingsError).
    """
    raw = environ.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw[:20]!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low:g} to {high:g} seconds, got {value:g}")
    return value
