"""How problems are told: message templates, and how several are joined into one refusal.

Templates are `str.format` strings whose placeholders the Lambda fills with the
offending values and the module renders as HCL interpolations, so plan-time and
cold-start refusals use the same words and the same separator.
"""

from __future__ import annotations

# Messages themselves use "; " (e.g. "is unknown; expected one of"), so problems are joined otherwise.
PROBLEM_SEPARATOR = " | "


def literal(text: str) -> str:
    """`text` made safe inside a message template (braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


def join_problems(problems: list[str]) -> str:
    """Every problem, in the order found, as one message."""
    return PROBLEM_SEPARATOR.join(problems)
