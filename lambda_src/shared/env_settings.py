"""Numbers from a function's environment, checked the same way by every Lambda's settings."""

from __future__ import annotations

from collections.abc import Mapping

from contract import environment as env


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


# API Gateway gives an integration 29 s; a function keeps a margin to answer with JSON.
DEFAULT_DEADLINE_SECONDS = 27.0


def deadline_from_env(environ: Mapping[str, str], problems: list[str]) -> float:
    """The function's deadline (`contract.environment.DEADLINE_SECONDS`); a bad value is added to `problems`."""
    try:
        return seconds_from_env(environ, env.DEADLINE_SECONDS, DEFAULT_DEADLINE_SECONDS, 1, env.MAX_DEADLINE_SECONDS)
    except ValueError as err:
        problems.append(str(err))
        return DEFAULT_DEADLINE_SECONDS


def flag_from_env(environ: Mapping[str, str], name: str) -> bool:
    """`true` (any case) is on; anything else, or unset, is off."""
    return environ.get(name, "false").lower() == "true"
