"""Parse the configuration document's transform specs, reporting every problem with the contract's words.

Terraform already refused these at plan time; this is the cold-start check of the same
rules, for a document written some other way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from contract import transforms as t

FEATURE_NAME = re.compile(t.FEATURE_NAME_PATTERN)
VARIANT_NAME = re.compile(t.VARIANT_NAME_PATTERN)
DECISION_NAME = re.compile(t.DECISION_PATTERN)
NUMERIC = frozenset({"number", "integer", "boolean"})


@dataclass(frozen=True)
class Feature:
    name: str
    type: str = "number"
    default: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    categories: dict[str, float] | None = None
    unknown_category: float | None = None
    mean: float | None = None
    std: float | None = None


@dataclass(frozen=True)
class Decision:
    at_least: float
    decision: str


@dataclass(frozen=True)
class OutputSpec:
    kind: str = "probabilities"
    labels: tuple[str, ...] | None = None
    top_k: int | None = None
    decision_label: str | None = None
    # Highest threshold first.
    decisions: tuple[Decision, ...] = ()
    default_decision: str | None = None
    masked_fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class VariantSpec:
    weights: dict[str, int]
    sticky: str = "none"
    targetable: dict[str, frozenset[str]] | None = None

    def may_target(self, tenant: str, variant: str) -> bool:
        return variant in (self.targetable or {}).get(tenant, frozenset())


@dataclass(frozen=True)
class TransformSpec:
    alias: str
    endpoint: str
    features: tuple[Feature, ...]
    output: OutputSpec
    input_format: str = "csv"
    max_instances: int = t.DEFAULT_MAX_INSTANCES
    variants: VariantSpec | None = None

    @property
    def content_type(self) -> str:
        return t.CONTENT_TYPES[self.input_format]

    @cached_property
    def feature_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.features)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _whole(value: Any, low: int, high: int) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() and low <= number <= high else None


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_transforms(raw: Any, endpoints: dict[str, str], problems: list[str]) -> dict[str, TransformSpec]:
    """alias -> spec; `endpoints` maps the catalog's SageMaker aliases to their endpoint names."""
    specs: dict[str, TransformSpec] = {}
    for alias, value in sorted(_map(raw).items()):
        before = len(problems)
        if alias not in endpoints:
            problems.append(t.NOT_SAGEMAKER.format(alias=alias))
        entry = _map(value)
        input_format = entry.get("input_format", "csv")
        if input_format not in t.INPUT_FORMATS:
            problems.append(t.FORMAT_UNKNOWN.format(alias=alias, value=input_format))
        max_instances = _whole(entry.get("max_instances", t.DEFAULT_MAX_INSTANCES), 1, t.MAX_INSTANCES)
        if max_instances is None:
            problems.append(t.MAX_INSTANCES_INVALID.format(alias=alias))
        features = _features(alias, entry.get("features"), problems)
        output = _output(alias, _map(entry.get("output")), problems)
        variants = _variants(alias, entry.get("variants"), problems)
        if len(problems) == before:
            specs[alias] = TransformSpec(
                alias, endpoints[alias], features, output, input_format, max_instances or 1, variants
            )
    return specs


def _features(alias: str, raw: Any, problems: list[str]) -> tuple[Feature, ...]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= t.MAX_FEATURES:
        problems.append(t.NO_FEATURES.format(alias=alias))
        return ()
    features, seen = [], set()
    for value in raw:
        item = _map(value)
        name = item.get("name")
        if not isinstance(name, str) or not FEATURE_NAME.match(name):
            problems.append(t.FEATURE_NAME_INVALID.format(alias=alias, value=name))
            continue
        if name in seen:
            problems.append(t.FEATURE_DUPLICATE.format(alias=alias, value=name))
        seen.add(name)
        feature = _feature(alias, name, item, problems)
        if feature is not None:
            features.append(feature)
    return tuple(features)


def _feature(alias: str, name: str, item: dict[str, Any], problems: list[str]) -> Feature | None:
    kind = item.get("type", "number")
    if kind not in t.FEATURE_TYPES:
        problems.append(t.FEATURE_TYPE_UNKNOWN.format(alias=alias, feature=name, value=kind))
        return None
    categories = item.get("categories")
    unknown = item.get("unknown_category")
    codes = {k: _number(v) for k, v in categories.items()} if isinstance(categories, dict) else None
    bad_categories = (kind == "category") != (codes is not None and len(codes) > 0) or (
        kind != "category" and unknown is not None
    )
    if bad_categories or (codes and None in codes.values()) or (unknown is not None and _number(unknown) is None):
        problems.append(t.CATEGORIES_MISPLACED.format(alias=alias, feature=name))
        return None
    mean, std = item.get("mean"), item.get("std")
    if (mean, std) != (None, None) and (kind not in NUMERIC or _number(mean) is None or (_number(std) or 0) <= 0):
        problems.append(t.SCALING_INVALID.format(alias=alias, feature=name))
        return None
    low, high = item.get("minimum"), item.get("maximum")
    if (low is not None or high is not None) and (
        kind not in ("number", "integer")
        or (low is not None and _number(low) is None)
        or (high is not None and _number(high) is None)
        or (low is not None and high is not None and low > high)
    ):
        problems.append(t.BOUNDS_INVALID.format(alias=alias, feature=name))
        return None
    default = item.get("default")
    feature = Feature(
        name=name,
        type=kind,
        default=default if isinstance(default, str) else None,
        minimum=_number(low),
        maximum=_number(high),
        categories={k: v for k, v in (codes or {}).items() if v is not None} or None,
        unknown_category=_number(unknown),
        mean=_number(mean),
        std=_number(std),
    )
    if default is not None:
        from transform.features import FeatureError, coerce  # one home for what a valid value is

        try:
            if not isinstance(default, str):
                raise FeatureError(name, "text")
            coerce(feature, default)
        except FeatureError:
            problems.append(t.DEFAULT_INVALID.format(alias=alias, feature=name, value=str(default)[:64]))
            return None
    return feature


def _output(alias: str, raw: dict[str, Any], problems: list[str]) -> OutputSpec:
    kind = raw.get("kind", "probabilities")
    if kind not in t.OUTPUT_KINDS:
        problems.append(t.KIND_UNKNOWN.format(alias=alias, value=kind))
        return OutputSpec()
    labels_raw = raw.get("labels")
    labels: tuple[str, ...] | None = None
    if labels_raw is not None:
        ok = (
            isinstance(labels_raw, list)
            and 1 <= len(labels_raw) <= t.MAX_LABELS
            and all(isinstance(x, str) and x for x in labels_raw)
            and len(set(labels_raw)) == len(labels_raw)
            and kind != "score"
        )
        if not ok:
            problems.append(t.LABELS_INVALID.format(alias=alias))
        else:
            labels = tuple(labels_raw)
    top_k_raw = raw.get("top_k")
    top_k = None
    if top_k_raw is not None:
        top_k = _whole(top_k_raw, 1, len(labels) if labels else t.MAX_LABELS)
        if top_k is None or kind != "probabilities":
            problems.append(t.TOP_K_INVALID.format(alias=alias))
    decision_label = raw.get("decision_label")
    if decision_label is not None and (labels is None or decision_label not in labels):
        problems.append(t.DECISION_LABEL_INVALID.format(alias=alias, value=decision_label))
    decisions = _decisions(alias, kind, raw.get("decisions"), raw.get("default_decision"), problems)
    masked = raw.get("masked_fields") or []
    for field in masked if isinstance(masked, list) else [masked]:
        if field not in t.PREDICTION_FIELDS:
            problems.append(t.MASK_UNKNOWN.format(alias=alias, value=field))
    return OutputSpec(
        kind=kind,
        labels=labels,
        top_k=top_k,
        decision_label=decision_label if isinstance(decision_label, str) else None,
        decisions=decisions,
        default_decision=raw.get("default_decision") if decisions else None,
        masked_fields=frozenset(m for m in masked if isinstance(m, str)) if isinstance(masked, list) else frozenset(),
    )


def _decisions(alias: str, kind: str, raw: Any, default: Any, problems: list[str]) -> tuple[Decision, ...]:
    if raw is None and default is None:
        return ()
    items = raw if isinstance(raw, list) else []
    parsed = [(_number(_map(d).get("at_least")), _map(d).get("decision")) for d in items]
    ok = (
        kind != "label"
        and len(items) > 0
        and isinstance(default, str)
        and DECISION_NAME.match(default) is not None
        and all(a is not None and isinstance(n, str) and DECISION_NAME.match(n) for a, n in parsed)
        and len({a for a, _ in parsed}) == len(parsed)
    )
    if not ok:
        problems.append(t.DECISIONS_INVALID.format(alias=alias))
        return ()
    ordered = sorted(((a or 0.0, str(n)) for a, n in parsed), reverse=True)
    return tuple(Decision(a, n) for a, n in ordered)


def _variants(alias: str, raw: Any, problems: list[str]) -> VariantSpec | None:
    if raw is None:
        return None
    raw = _map(raw)
    weights_raw = _map(raw.get("weights"))
    weights = {k: _whole(v, 0, 1_000_000) for k, v in weights_raw.items()}
    if not 1 <= len(weights) <= t.MAX_VARIANTS or None in weights.values() or not any(weights.values()):
        problems.append(t.WEIGHTS_INVALID.format(alias=alias))
        return None
    for name in weights:
        if not VARIANT_NAME.match(name):
            problems.append(t.VARIANT_NAME_INVALID.format(alias=alias, value=name))
    sticky = raw.get("sticky", "none")
    if sticky not in t.STICKY_MODES:
        problems.append(t.STICKY_UNKNOWN.format(alias=alias, value=sticky))
    targetable: dict[str, frozenset[str]] = {}
    for tenant, names in _map(raw.get("targetable")).items():
        chosen = frozenset(n for n in names if isinstance(n, str)) if isinstance(names, list) else frozenset()
        for name in sorted(chosen - set(weights)):
            problems.append(t.TARGETABLE_UNKNOWN.format(alias=alias, value=name))
        targetable[tenant] = chosen
    return VariantSpec({k: v or 0 for k, v in weights.items()}, str(sticky), targetable)
