"""The prompt registry: how a prompt is laid out in the repository, in the configuration document, and in a request.

A prompt is a folder `prompts/<name>/` of immutable versions (`v<N>.yaml`: chat
`messages` of role and Jinja2 `content`, or one `text`) and a `meta.yaml` of what may
change: description, the variables schema, the default model and parameters, which
parameters a request may override, and labels (movable pointers at one version, or A/B
weights across versions). An environment root publishes some prompts and labels; the
`ai_gateway` module reads the files and writes them into the configuration document
(`prompts`), where the router parses them at cold start. Names, limits and messages live
here once: the module's plan-time checks, the router's cold-start checks and the
repository's lock test say the same words.
"""

from __future__ import annotations

from contract.catalog import CHAT_ROLES
from contract.messages import literal

NAME_PATTERN = "^[a-z0-9][a-z0-9_-]{0,63}$"
LABEL_PATTERN = "^[a-z0-9][a-z0-9_.:-]{0,63}$"
VARIABLE_PATTERN = "^[a-z_][a-z0-9_]{0,63}$"
# A version file: `v1.yaml` ... (the number is the version; published ones never change).
VERSION_FILE_PATTERN = r"^v([1-9][0-9]{0,5})\.yaml$"
VERSION_GLOB = "v*.yaml"
META_FILE = "meta.yaml"
# The lock file beside the prompt folders: "<name>/v<N>.yaml" -> sha256 of the file's bytes.
LOCK_FILE = "prompts.lock.json"

# Without a label or a version, a request gets this label's version.
DEFAULT_LABEL = "production"
ROLES = CHAT_ROLES
VARIABLE_TYPES = ("string", "integer", "number", "boolean", "string_list")
# What a request may override, when the prompt's `overridable` lists it.
OVERRIDABLE = ("model", "temperature", "top_p", "max_tokens", "stop")
# Default parameters a prompt may set (its `parameters`).
PARAMETERS = ("temperature", "top_p", "max_tokens", "stop")

MAX_PROMPTS = 100
MAX_VERSIONS = 100
MAX_LABELS = 50
MAX_MESSAGES = 20
MAX_VARIABLES = 50
MAX_TEMPLATE_LENGTH = 32_000
MAX_DESCRIPTION_LENGTH = 500
# A variable's `max_length` (characters) when its schema sets none, and the most it may set.
DEFAULT_MAX_LENGTH = 4_000
MAX_LENGTH_LIMIT = 100_000
MAX_LIST_ITEMS = 100

# Document fields (one prompt).
DESCRIPTION = "description"
MODEL = "model"
PARAMETERS_FIELD = "parameters"
OVERRIDABLE_FIELD = "overridable"
VARIABLES = "variables"
VERSIONS = "versions"
LABELS = "labels"
# A label: `version` (one) or `weights` (version -> weight, an A/B test sticky per `user`).
LABEL_VERSION = "version"
LABEL_WEIGHTS = "weights"
# A message of a version.
ROLE = "role"
CONTENT = "content"
# A variable's schema.
VARIABLE_FIELDS = ("type", "required", "default", "max_length", "enum", "minimum", "maximum", "max_items")

# A request: `POST /v1/prompts/{promptName}` takes these keys, plus the overrides its prompt allows;
# `/v1/chat/completions` takes `{"prompt": {"name", "label" | "version", "variables"}}`.
REQUEST_PROMPT = "prompt"
REQUEST_NAME = "name"
REQUEST_LABEL = "label"
REQUEST_VERSION = "version"
REQUEST_VARIABLES = "variables"
PROMPT_ROUTE_KEYS = (REQUEST_LABEL, REQUEST_VERSION, REQUEST_VARIABLES, "user", "metadata")
REFERENCE_KEYS = (REQUEST_NAME, REQUEST_LABEL, REQUEST_VERSION, REQUEST_VARIABLES)

# Answer headers.
PROMPT_HEADER = "x-aigw-prompt"
PROMPT_VERSION_HEADER = "x-aigw-prompt-version"
PROMPT_LABEL_HEADER = "x-aigw-prompt-label"

# Problems with a published prompt (plan time and cold start), `{prompt}` named.
NAME_INVALID = "prompt name '{prompt}' must match " + literal(NAME_PATTERN)
LABEL_UNKNOWN = "prompt '{prompt}' publishes label '{value}', which its meta.yaml does not define"
LABEL_INVALID = (
    "prompt '{prompt}' label '{value}' must match "
    + literal(LABEL_PATTERN)
    + " and name one existing `version` or `weights` (whole numbers, some above 0) of existing versions"
)
NO_VERSIONS = "prompt '{prompt}' has no version file (v1.yaml, v2.yaml, ...)"
VERSION_INVALID = (
    "prompt '{prompt}' version {value} must hold `messages` (1-"
    + str(MAX_MESSAGES)
    + " of role "
    + "/".join(ROLES)
    + " and content, a Jinja2 template of at most "
    + str(MAX_TEMPLATE_LENGTH)
    + " characters) or one `text` template"
)
MODEL_UNKNOWN = "prompt '{prompt}' names model '{value}', which is not a chat model or routed alias of this gateway"
VARIABLE_INVALID = (
    "prompt '{prompt}' variable '{value}' must be named like "
    + literal(VARIABLE_PATTERN)
    + " with a `type` of "
    + ", ".join(VARIABLE_TYPES)
    + " and a default, max_length, enum, minimum, maximum or max_items that fit it"
)
PARAMETERS_INVALID = (
    "prompt '{prompt}' parameters must be among "
    + ", ".join(PARAMETERS)
    + " and overridable among "
    + ", ".join(OVERRIDABLE)
)
DESCRIPTION_INVALID = "prompt '{prompt}' needs a description of 1-" + str(MAX_DESCRIPTION_LENGTH) + " characters"
TOO_MANY = (
    f"at most {MAX_PROMPTS} prompts may be published, each with at most {MAX_VERSIONS} versions, "
    f"{MAX_LABELS} labels and {MAX_VARIABLES} variables"
)
