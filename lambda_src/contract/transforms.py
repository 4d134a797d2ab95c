"""Transform specs: how the transform Lambda turns a client's named features into a model's input, and the
model's answer into predictions a client can act on.

One spec per SageMaker model alias, in the `transforms` input of `ai_gateway`; Terraform writes
them into the configuration document (`transforms`), the transform Lambda parses them at cold
start. Field names, allowed values, limits and messages live here once: the module's plan-time
validations and the Lambda's cold-start checks say the same words.

A spec, in order of the request's path:
- `features`: the input schema and the shaping, one entry per model column, in column order
  (type, required or a default, bounds, a categorical map, standard scaling);
- `input_format`: `csv` (one row per instance, what SageMaker's framework containers take) or
  `json` (`{"instances": [[...], ...]}`);
- `variants`: A/B targeting (weights, sticky per tenant or user, which tenants may name one);
- `output`: the model's answer to predictions (label map, top-k, thresholds to decisions, masking).
"""

from __future__ import annotations

from contract.fields import Field, object_type

INPUT_FORMATS = ("csv", "json")
CONTENT_TYPES = {"csv": "text/csv", "json": "application/json"}
FEATURE_TYPES = ("number", "integer", "boolean", "category", "string")
OUTPUT_KINDS = ("probabilities", "label", "score")
STICKY_MODES = ("none", "tenant", "user")
# Fields of one prediction in the answer; `masked_fields` removes any of them.
PREDICTION_FIELDS = ("label", "score", "decision", "top_k", "scores")
FEATURE_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"
VARIANT_NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
DECISION_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
MAX_FEATURES = 512
MAX_INSTANCES = 1000
DEFAULT_MAX_INSTANCES = 100
MAX_STRING_LENGTH = 1024
MAX_LABELS = 1000
# The request body's keys.
INSTANCES = "instances"
VARIANT = "variant"
USER = "user"
REQUEST_KEYS = (INSTANCES, VARIANT, USER)
USER_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$"

FEATURE_FIELDS: tuple[Field, ...] = (
    Field("name", "string"),
    Field("type", "string", "number"),
    # A missing value takes `default` (text, coerced like a client's string); without one it is refused.
    Field("default", "string", None),
    Field("minimum", "number", None),
    Field("maximum", "number", None),
    # category -> the number the model was trained with.
    Field("categories", "map(number)", None),
    # The code for a category not in `categories`; without it such a value is refused.
    Field("unknown_category", "number", None),
    # Standard scaling: (value - mean) / std, after the bounds are checked on the raw value.
    Field("mean", "number", None),
    Field("std", "number", None),
)
DECISION_FIELDS: tuple[Field, ...] = (Field("at_least", "number"), Field("decision", "string"))
OUTPUT_FIELDS: tuple[Field, ...] = (
    Field("kind", "string", "probabilities"),
    # Class index -> label (probabilities, label).
    Field("labels", "list(string)", None),
    # The k most likely labels with their probabilities (probabilities only).
    Field("top_k", "number", None),
    # The label whose probability the thresholds read (probabilities); unset, the top label's.
    Field("decision_label", "string", None),
    # Highest `at_least` first wins; a score below every threshold gets `default_decision`.
    Field("decisions", f"list({object_type(DECISION_FIELDS)})", None),
    Field("default_decision", "string", None),
    Field("masked_fields", "list(string)", []),
)
VARIANT_FIELDS: tuple[Field, ...] = (
    # Production variant -> weight, as the endpoint module outputs them.
    Field("weights", "map(number)"),
    Field("sticky", "string", "none"),
    # Tenant id -> the variants that tenant may name in a request (`variant`); anyone else gets 403.
    Field("targetable", "map(list(string))", {}),
)
TRANSFORM_FIELDS: tuple[Field, ...] = (
    Field("input_format", "string", "csv"),
    Field("features", f"list({object_type(FEATURE_FIELDS)})"),
    Field("max_instances", "number", DEFAULT_MAX_INSTANCES),
    Field("output", object_type(OUTPUT_FIELDS)),
    Field("variants", object_type(VARIANT_FIELDS), None),
)
TRANSFORMS_TYPE = f"map({object_type(TRANSFORM_FIELDS)})"

# Spec problems. Placeholders: {alias} always; {value}, {field}, {feature} where named.
NOT_SAGEMAKER = "transform '{alias}': no sagemaker model of kind prediction has this alias in models"
FORMAT_UNKNOWN = "transform '{alias}': input_format '{value}' is unknown; expected one of: " + ", ".join(INPUT_FORMATS)
NO_FEATURES = f"transform '{{alias}}': features must list 1 to {MAX_FEATURES} features"
FEATURE_NAME_INVALID = (
    "transform '{alias}': feature name '{value}' is invalid; expected letters, digits, _ . - (at most 64)"
)
FEATURE_DUPLICATE = "transform '{alias}': feature '{value}' is listed more than once"
FEATURE_TYPE_UNKNOWN = "transform '{alias}': feature '{feature}' has type '{value}'; expected one of: " + ", ".join(
    FEATURE_TYPES
)
CATEGORIES_MISPLACED = (
    "transform '{alias}': feature '{feature}': categories and unknown_category are for type category, "
    "which needs categories"
)
SCALING_INVALID = (
    "transform '{alias}': feature '{feature}': scaling needs both mean and std (std above 0), "
    "on number, integer or boolean features"
)
BOUNDS_INVALID = "transform '{alias}': feature '{feature}': minimum is above maximum, or bounds on a non-numeric type"
DEFAULT_INVALID = "transform '{alias}': feature '{feature}': default '{value}' is not a valid value of the feature"
MAX_INSTANCES_INVALID = f"transform '{{alias}}': max_instances must be a whole number from 1 to {MAX_INSTANCES}"
KIND_UNKNOWN = "transform '{alias}': output kind '{value}' is unknown; expected one of: " + ", ".join(OUTPUT_KINDS)
LABELS_INVALID = (
    f"transform '{{alias}}': output labels must be 1 to {MAX_LABELS} distinct non-empty labels, on kinds "
    "probabilities and label"
)
TOP_K_INVALID = "transform '{alias}': top_k must be a whole number from 1 to the number of labels, on probabilities"
DECISION_LABEL_INVALID = "transform '{alias}': decision_label '{value}' is not one of the output labels"
DECISIONS_INVALID = (
    "transform '{alias}': decisions need default_decision, distinct at_least values and decision names of "
    "letters, digits, _ . - (and a label kind has no score to threshold)"
)
MASK_UNKNOWN = "transform '{alias}': masked field '{value}' is unknown; expected one of: " + ", ".join(
    PREDICTION_FIELDS
)
WEIGHTS_INVALID = (
    "transform '{alias}': variant weights must name 1 to 10 variants with whole-number weights of 0 or more, "
    "at least one above 0"
)
VARIANT_NAME_INVALID = "transform '{alias}': variant name '{value}' is invalid"
STICKY_UNKNOWN = "transform '{alias}': sticky '{value}' is unknown; expected one of: " + ", ".join(STICKY_MODES)
TARGETABLE_UNKNOWN = "transform '{alias}': targetable names variant '{value}', which is not in weights"
MAX_VARIANTS = 10
# The transform's role lists each endpoint in an inline policy (10,240 characters in all).
MAX_TRANSFORMS = 50
