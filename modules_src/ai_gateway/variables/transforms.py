"""The transform Lambda's specs: one per SageMaker model alias that clients score with named features.

The rules and their words are the contract's (`contract.transforms`): `terraform plan`
refuses a bad spec as the transform would at cold start. The one rule left to cold
start is whether a feature's `default` is a valid value of it (that needs the coercion
code itself); the transform then refuses the whole document, naming it.
"""

from __future__ import annotations

import json

from contract import transforms as t
from contract.catalog import PREDICTION_KIND, SAGEMAKER_PROVIDER
from modules_src.common.spec import Validation, VariableSpec
from modules_src.common.validations import each, json_list, message, no_offenders, whole_number_between

SPECS = "var.transforms"
NUMERIC = json_list(("number", "integer", "boolean"))
FEATURES = f"flatten([for alias, s in {SPECS} : [for f in s.features : {{alias = alias, f = f}}]])"


def _feature_rule(violation: str, template: str, value: str | None = None) -> Validation:
    values = {"alias": "x.alias", "feature": "x.f.name", **({"value": value} if value else {})}
    return no_offenders(f"[for x in {FEATURES} : {message(template, None, **values)} if {violation}]")


RULES: tuple[Validation, ...] = (
    each(
        SPECS,
        "alias, s",
        f'!contains([for a, m in var.models : a if m.provider == "{SAGEMAKER_PROVIDER}" && '
        f'm.kind == "{PREDICTION_KIND}"], alias)',
        t.NOT_SAGEMAKER,
        alias="alias",
    ),
    each(
        SPECS,
        "alias, s",
        f"!contains({json_list(t.INPUT_FORMATS)}, s.input_format)",
        t.FORMAT_UNKNOWN,
        alias="alias",
        value="s.input_format",
    ),
    each(
        SPECS,
        "alias, s",
        f"length(s.features) == 0 || length(s.features) > {t.MAX_FEATURES}",
        t.NO_FEATURES,
        alias="alias",
    ),
    no_offenders(
        f"[for x in {FEATURES} : {message(t.FEATURE_NAME_INVALID, alias='x.alias', value='x.f.name')} "
        f"if !can(regex({json.dumps(t.FEATURE_NAME_PATTERN)}, x.f.name))]"
    ),
    no_offenders(
        f"flatten([for alias, s in {SPECS} : [for name in distinct([for f in s.features : f.name]) : "
        f"{message(t.FEATURE_DUPLICATE, alias='alias', value='name')} "
        "if length([for f in s.features : f if f.name == name]) > 1]])"
    ),
    _feature_rule(f"!contains({json_list(t.FEATURE_TYPES)}, x.f.type)", t.FEATURE_TYPE_UNKNOWN, value="x.f.type"),
    _feature_rule(
        '(x.f.type == "category") != (x.f.categories == null ? false : length(x.f.categories) > 0) || '
        '(x.f.type != "category" && x.f.unknown_category != null)',
        t.CATEGORIES_MISPLACED,
    ),
    _feature_rule(
        "x.f.mean == null && x.f.std == null ? false : "
        f"(!contains({NUMERIC}, x.f.type) || x.f.mean == null || (x.f.std == null ? true : x.f.std <= 0))",
        t.SCALING_INVALID,
    ),
    _feature_rule(
        "x.f.minimum == null && x.f.maximum == null ? false : "
        '(!contains(["number", "integer"], x.f.type) || '
        "(x.f.minimum != null && x.f.maximum != null ? x.f.minimum > x.f.maximum : false))",
        t.BOUNDS_INVALID,
    ),
    each(
        SPECS,
        "alias, s",
        f"s.max_instances < 1 || s.max_instances > {t.MAX_INSTANCES} || floor(s.max_instances) != s.max_instances",
        t.MAX_INSTANCES_INVALID,
        alias="alias",
    ),
    each(
        SPECS,
        "alias, s",
        f"!contains({json_list(t.OUTPUT_KINDS)}, s.output.kind)",
        t.KIND_UNKNOWN,
        alias="alias",
        value="s.output.kind",
    ),
    each(
        SPECS,
        "alias, s",
        "s.output.labels == null ? false : "
        f'(s.output.kind == "score" || length(s.output.labels) == 0 || length(s.output.labels) > {t.MAX_LABELS} || '
        "length(distinct(s.output.labels)) != length(s.output.labels) || "
        'anytrue([for l in s.output.labels : l == ""]))',
        t.LABELS_INVALID,
        alias="alias",
    ),
    each(
        SPECS,
        "alias, s",
        "s.output.top_k == null ? false : "
        '(s.output.kind != "probabilities" || s.output.top_k < 1 || floor(s.output.top_k) != s.output.top_k || '
        f"s.output.top_k > (s.output.labels == null ? {t.MAX_LABELS} : length(s.output.labels)))",
        t.TOP_K_INVALID,
        alias="alias",
    ),
    each(
        SPECS,
        "alias, s",
        "s.output.decision_label == null ? false : "
        "!contains(s.output.labels == null ? [] : s.output.labels, s.output.decision_label)",
        t.DECISION_LABEL_INVALID,
        alias="alias",
        value="s.output.decision_label",
    ),
    each(
        SPECS,
        "alias, s",
        "s.output.decisions == null && s.output.default_decision == null ? false : "
        '(s.output.kind == "label" || s.output.decisions == null || s.output.default_decision == null || '
        "(s.output.decisions == null ? true : length(s.output.decisions) == 0) || "
        f'!can(regex({json.dumps(t.DECISION_PATTERN)}, coalesce(s.output.default_decision, "-"))) || '
        "(s.output.decisions == null ? false : (length(distinct([for d in s.output.decisions : d.at_least])) != "
        "length(s.output.decisions) || "
        f"anytrue([for d in s.output.decisions : !can(regex({json.dumps(t.DECISION_PATTERN)}, d.decision))]))))",
        t.DECISIONS_INVALID,
        alias="alias",
    ),
    no_offenders(
        f"flatten([for alias, s in {SPECS} : [for field in s.output.masked_fields : "
        f"{message(t.MASK_UNKNOWN, alias='alias', value='field')} "
        f"if !contains({json_list(t.PREDICTION_FIELDS)}, field)]])"
    ),
    each(
        SPECS,
        "alias, s",
        "s.variants == null ? false : "
        f"(length(s.variants.weights) == 0 || length(s.variants.weights) > {t.MAX_VARIANTS} || "
        "anytrue([for w in values(s.variants.weights) : w < 0 || floor(w) != w]) || "
        "sum(concat([0], values(s.variants.weights))) <= 0)",
        t.WEIGHTS_INVALID,
        alias="alias",
    ),
    no_offenders(
        f"flatten([for alias, s in {SPECS} : [for name in (s.variants == null ? [] : keys(s.variants.weights)) : "
        f"{message(t.VARIANT_NAME_INVALID, alias='alias', value='name')} "
        f"if !can(regex({json.dumps(t.VARIANT_NAME_PATTERN)}, name))]])"
    ),
    each(
        SPECS,
        "alias, s",
        f"s.variants == null ? false : !contains({json_list(t.STICKY_MODES)}, s.variants.sticky)",
        t.STICKY_UNKNOWN,
        alias="alias",
        value='s.variants == null ? "" : s.variants.sticky',
    ),
    no_offenders(
        # try(): Terraform evaluates the filter even for a spec without variants.
        f"flatten([for alias, s in {SPECS} : "
        "[for name in distinct(flatten(values(try(s.variants.targetable, {})))) : "
        f"{message(t.TARGETABLE_UNKNOWN, alias='alias', value='name')} "
        "if !contains(keys(try(s.variants.weights, {})), name)]])"
    ),
    Validation(
        f"${{length({SPECS}) <= {t.MAX_TRANSFORMS}}}",
        f"transforms may name at most {t.MAX_TRANSFORMS} models (the transform's role lists each endpoint).",
    ),
)

VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "transforms",
        t.TRANSFORMS_TYPE,
        "Transform specs by the alias of a `sagemaker` model in `models`: clients call "
        "`POST /v1/transform/{alias}` with `instances` of named features, and the transform Lambda checks and "
        "shapes them for the endpoint, then shapes its answer. `features` (in the model's column order): "
        f"`name`, `type` (`{'`, `'.join(t.FEATURE_TYPES)}`), a `default` (text, coerced like a client's string; "
        "without one the feature is required), `minimum`/`maximum`, `categories` (value -> code) with an "
        "optional `unknown_category` code, and standard scaling (`mean`, `std`). `input_format`: `csv` (rows, "
        'what SageMaker\'s framework containers take; default) or `json` (`{"instances": [[...]]}`); '
        f"`max_instances` per request (default {t.DEFAULT_MAX_INSTANCES}, at most {t.MAX_INSTANCES}). `output`: "
        f"`kind` (`{'`, `'.join(t.OUTPUT_KINDS)}`), `labels` (class index -> label), `top_k`, `decisions` "
        "(thresholds `at_least` -> `decision`, highest first, on the top label's probability or "
        "`decision_label`'s, or on the score) with a `default_decision`, and `masked_fields` left out of "
        f"answers (`{'`, `'.join(t.PREDICTION_FIELDS)}`). `variants` (optional): the endpoint's variant "
        "`weights` (the `sagemaker_endpoint` module's `variant_weights` output), `sticky` "
        f"(`{'`, `'.join(t.STICKY_MODES)}`: the same tenant or `user` always reaches the same variant) and "
        "`targetable` (tenant id -> the variants it may name in a request; anyone else naming one gets 403). "
        "A tenant reaches a transform only for aliases in its `allowed_models`.",
        default={},
        validations=RULES,
    ),
    VariableSpec(
        "transform_memory_size_mb",
        "number",
        "Memory of the transform Lambda in MB (also scales its CPU): 128-10240. Its timeout is the router's "
        "(`router_timeout_seconds`).",
        default=256,
        validations=(whole_number_between("transform_memory_size_mb", 128, 10240),),
    ),
)
