"""The model catalog: what each model entry holds, the values it may take, and what is said when it is wrong.

Messages are `str.format` templates; each names its placeholders. The Lambda fills
them with the offending entry, the module renders them into Terraform validation
messages, so a bad catalog is refused with the same words at plan time and at cold start.
"""

from __future__ import annotations

from contract.fields import Field, object_type
from contract.messages import literal
from contract.urls import OUTBOUND_URL_PATTERN

BEDROCK_PROVIDER = "bedrock"
HTTP_PROVIDER = "openai_compatible"
SAGEMAKER_PROVIDER = "sagemaker"
PROVIDERS = (BEDROCK_PROVIDER, HTTP_PROVIDER, SAGEMAKER_PROVIDER)
# `prediction`: a custom model (tabular, scoring) served on the transform route, never by the router.
CHAT_KIND = "chat"
# The roles of a chat conversation, in the router's terms (OpenAI's `developer` is read as `system`).
CHAT_ROLES = ("system", "user", "assistant")
PREDICTION_KIND = "prediction"
KINDS = (CHAT_KIND, "embedding", PREDICTION_KIND)
# How a SageMaker endpoint's container speaks, and the kind each serves: `openai` (LMI/TGI messages
# API), `tgi` (inputs/parameters), `tei` (Text Embeddings Inference), `jumpstart_embedding`, and
# `tabular` (rows in, predictions out, as the model's transform spec shapes them).
SAGEMAKER_FORMATS = {
    "openai": "chat",
    "tgi": "chat",
    "tei": "embedding",
    "jumpstart_embedding": "embedding",
    "tabular": PREDICTION_KIND,
}
# The format a SageMaker model speaks when it names none, by kind.
DEFAULT_SAGEMAKER_FORMATS = {"chat": "openai", "embedding": "tei", PREDICTION_KIND: "tabular"}
# Aliases are what clients send as `model`; they never hold the context list separator (`,`).
MODEL_ALIAS_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$"
SECRET_ARN_PATTERN = "^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$"
BASE_URL_PATTERN = OUTBOUND_URL_PATTERN
MAX_TEXT_LENGTH = 256
MAX_PRICE_PER_1K = 1_000_000
PRICE_FIELDS = ("input_price_per_1k", "output_price_per_1k")
# An embedding model's vector size: bounds its answers before the model is called (with `dimensions`
# in the request, that wins). Unset, the router assumes the widest common size.
MAX_DIMENSIONS = 16_384
DEFAULT_EMBEDDING_DIMENSIONS = 3072

MODEL_FIELDS: tuple[Field, ...] = (
    Field("provider", "string"),
    Field("model_id", "string"),
    Field("owned_by", "string", None),
    Field("created", "number", 0),
    Field("kind", "string", "chat"),
    Field("base_url", "string", None),
    Field("secret_arn", "string", None),
    Field("format", "string", None),
    Field("input_price_per_1k", "number", None),
    Field("output_price_per_1k", "number", None),
    Field("dimensions", "number", None),
)
MODELS_TYPE = f"map({object_type(MODEL_FIELDS)})"

# Placeholders: {alias} always; {value} the offending value; {served} and {kind} for formats; {field}.
NO_MODELS = "models must name at least one model"
ALIAS_INVALID = "model alias '{alias}' is invalid; expected " + literal(MODEL_ALIAS_PATTERN)
NOT_AN_OBJECT = "model '{alias}': expected an object with provider and model_id"
PROVIDER_UNKNOWN = "model '{alias}': provider '{value}' is unknown; expected one of: " + ", ".join(PROVIDERS)
KIND_UNKNOWN = "model '{alias}': kind '{value}' is unknown; expected one of: " + ", ".join(KINDS)
TEXT_INVALID = "model '{alias}': {field} must be a non-empty string of at most " + f"{MAX_TEXT_LENGTH} characters"
CREATED_INVALID = "model '{alias}': created must be a whole number of seconds since the epoch, 0 or more"
HTTP_FIELDS_MISSING = f"model '{{alias}}': an {HTTP_PROVIDER} model needs base_url and secret_arn"
HTTP_FIELDS_MISPLACED = f"model '{{alias}}': base_url and secret_arn apply to {HTTP_PROVIDER} models only"
BASE_URL_INVALID = "model '{alias}': base_url must be an https:// URL (plain http only to 127.0.0.1 or localhost)"
SECRET_ARN_INVALID = "model '{alias}': secret_arn must be the ARN of a Secrets Manager secret"
PREDICTION_NOT_SAGEMAKER = (
    f"model '{{alias}}': kind {PREDICTION_KIND} is for {SAGEMAKER_PROVIDER} models (served on the transform route)"
)
FORMAT_MISPLACED = f"model '{{alias}}': format applies to {SAGEMAKER_PROVIDER} models only"
FORMAT_UNKNOWN = "model '{alias}': format '{value}' is unknown; expected one of: " + ", ".join(SAGEMAKER_FORMATS)
FORMAT_WRONG_KIND = "model '{alias}': format '{value}' serves {served} models, not {kind}"
PRICE_INVALID = (
    "model '{alias}': {field} must be a number of USD per 1,000 tokens, from 0 to " + f"{MAX_PRICE_PER_1K:,}"
)
DIMENSIONS_INVALID = (
    "model '{alias}': dimensions must be a whole number from 1 to "
    + f"{MAX_DIMENSIONS:,}"
    + ", on embedding models only"
)
