"""WAFv2 rules built from typed Python, rendered as the AWS provider's (5.100) nested blocks.

The cdktn bindings leave statements untyped; here each statement is a small frozen
class whose fields are checked when it is made, so a wrong rule fails at synth, not
at apply. `render()` returns the Terraform JSON of the block: values may be HCL
expressions (`Expr`), interpolated once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modules_src.common.expressions import Expr

ACTIONS = ("allow", "block", "count", "captcha", "challenge")
TEXT_TRANSFORMS = ("NONE", "LOWERCASE", "URL_DECODE", "COMPRESS_WHITE_SPACE")
OVERSIZE_HANDLING = ("CONTINUE", "MATCH", "NO_MATCH")
RATE_WINDOWS = (60, 120, 300, 600)
NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def _value(value: object) -> object:
    return str(value) if isinstance(value, Expr) else value


class Statement:
    """A WAF statement: `render()` is the content of its `statement` block."""

    def render(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class UriPathRegex(Statement):
    """The request's URI path matches `pattern` (a regular expression WAF accepts: at most 512 characters)."""

    pattern: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.pattern) <= 512:
            raise ValueError("a WAF regex is 1 to 512 characters")
        re.compile(self.pattern)

    def render(self) -> dict[str, Any]:
        return {
            "regex_match_statement": {
                "regex_string": self.pattern,
                "field_to_match": {"uri_path": {}},
                "text_transformation": [{"priority": 0, "type": "NONE"}],
            }
        }


@dataclass(frozen=True)
class Label(Statement):
    """The request carries `key` (a label another rule added)."""

    key: str

    def __post_init__(self) -> None:
        if not self.key.startswith("awswaf:") or " " in self.key:
            raise ValueError(f"a label key names a namespace and a name, got {self.key!r}")

    def render(self) -> dict[str, Any]:
        return {"label_match_statement": {"scope": "LABEL", "key": self.key}}


@dataclass(frozen=True)
class Not(Statement):
    inner: Statement

    def render(self) -> dict[str, Any]:
        return {"not_statement": {"statement": [self.inner.render()]}}


@dataclass(frozen=True)
class And(Statement):
    parts: tuple[Statement, ...]

    def __post_init__(self) -> None:
        if len(self.parts) < 2:
            raise ValueError("an and_statement needs at least two statements")

    def render(self) -> dict[str, Any]:
        return {"and_statement": {"statement": [p.render() for p in self.parts]}}


@dataclass(frozen=True)
class Or(Statement):
    parts: tuple[Statement, ...]

    def __post_init__(self) -> None:
        if len(self.parts) < 2:
            raise ValueError("an or_statement needs at least two statements")

    def render(self) -> dict[str, Any]:
        return {"or_statement": {"statement": [p.render() for p in self.parts]}}


@dataclass(frozen=True)
class IpSet(Statement):
    arn: str

    def render(self) -> dict[str, Any]:
        return {"ip_set_reference_statement": {"arn": self.arn}}


@dataclass(frozen=True)
class Geo(Statement):
    country_codes: Expr

    def render(self) -> dict[str, Any]:
        return {"geo_match_statement": {"country_codes": _value(self.country_codes)}}


@dataclass(frozen=True)
class BodyLargerThan(Statement):
    """The body is larger than `size` bytes; what WAF does past its inspection limit is `oversize_handling`."""

    size: Expr
    oversize_handling: Expr

    def render(self) -> dict[str, Any]:
        return {
            "size_constraint_statement": {
                "comparison_operator": "GT",
                "size": _value(self.size),
                "field_to_match": {"body": {"oversize_handling": _value(self.oversize_handling)}},
                "text_transformation": [{"priority": 0, "type": "NONE"}],
            }
        }


@dataclass(frozen=True)
class RateLimit(Statement):
    """At most `limit` requests per `window_seconds` per client IP, or per value of `header` when named."""

    limit: Expr
    window_seconds: Expr
    header: str | None = None

    def render(self) -> dict[str, Any]:
        body: dict[str, Any] = {"limit": _value(self.limit), "evaluation_window_sec": _value(self.window_seconds)}
        if self.header is None:
            body["aggregate_key_type"] = "IP"
        else:
            # A request without the header is not counted by this rule (the per-IP rule still is).
            body["aggregate_key_type"] = "CUSTOM_KEYS"
            body["custom_key"] = [
                {"header": {"name": self.header, "text_transformation": [{"priority": 0, "type": "NONE"}]}}
            ]
        return {"rate_based_statement": body}


@dataclass(frozen=True)
class ManagedGroup(Statement):
    """An AWS managed rule group; `overrides` is an HCL map (rule name -> action) rendered as dynamic blocks."""

    name: str
    overrides: Expr | None = None
    vendor: str = "AWS"

    def render(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "vendor_name": self.vendor}
        if self.overrides is not None:
            body["dynamic"] = {
                "rule_action_override": {
                    "for_each": str(self.overrides),
                    "iterator": "override",
                    "content": {
                        "name": "${override.key}",
                        "action_to_use": {
                            "dynamic": {
                                action: {"for_each": f'${{override.value == "{action}" ? [1] : []}}', "content": {}}
                                for action in ACTIONS
                            }
                        },
                    },
                }
            }
        return {"managed_rule_group_statement": body}


@dataclass(frozen=True)
class Response:
    """A custom response for a block: status, a key of the ACL's custom bodies, extra headers."""

    status: int
    body_key: str
    headers: tuple[tuple[str, str], ...] = ()

    def render(self) -> dict[str, Any]:
        response: dict[str, Any] = {"response_code": self.status, "custom_response_body_key": self.body_key}
        if self.headers:
            response["response_header"] = [{"name": n, "value": v} for n, v in self.headers]
        return {"custom_response": response}


@dataclass(frozen=True)
class Rule:
    """One rule of the ACL: a statement and what happens when it matches.

    `action` for statements of our own; managed groups take `override_none` (their own actions) instead.
    `when` (an HCL condition) makes the rule exist only when it holds.
    """

    name: str
    priority: int
    statement: Statement
    action: str | None = None
    response: Response | None = None
    when: Expr | None = None

    def __post_init__(self) -> None:
        problems = []
        if not NAME.match(self.name):
            problems.append(f"name {self.name!r} must be 1-128 letters, digits, _ or -")
        is_group = isinstance(self.statement, ManagedGroup)
        if is_group and self.action is not None:
            problems.append("a managed rule group takes no action (its rules have their own; override them)")
        if not is_group and self.action not in ACTIONS:
            problems.append(f"action {self.action!r} is not one of {', '.join(ACTIONS)}")
        if self.response is not None and self.action != "block":
            problems.append("only a block has a custom response")
        if problems:
            raise ValueError(f"WAF rule {self.name}: " + "; ".join(problems))

    @property
    def metric_name(self) -> str:
        return self.name

    def render(self) -> dict[str, Any]:
        block: dict[str, Any] = {
            "name": self.name,
            "priority": self.priority,
            "statement": [self.statement.render()],
            "visibility_config": [
                {"cloudwatch_metrics_enabled": True, "metric_name": self.metric_name, "sampled_requests_enabled": True}
            ],
        }
        if isinstance(self.statement, ManagedGroup):
            block["override_action"] = [{"none": {}}]
        else:
            block["action"] = [{str(self.action): self.response.render() if self.response else {}}]
        return block


def check_rules(rules: tuple[Rule, ...]) -> None:
    """Names and priorities must be unique in an ACL."""
    names = [r.name for r in rules]
    priorities = [r.priority for r in rules]
    problems = sorted({f"name {n}" for n in names if names.count(n) > 1})
    problems += sorted({f"priority {p}" for p in priorities if priorities.count(p) > 1})
    if problems:
        raise ValueError("WAF rules collide: " + ", ".join(problems))
