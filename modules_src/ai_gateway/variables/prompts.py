"""The prompts a gateway publishes: read from a prompt registry folder into the configuration document.

The folder's layout and the rules are the contract's (`contract.prompts`): `terraform plan`
refuses a published prompt whose files are missing, whose label is undefined or points at
no version, or whose model this gateway does not serve, in the words the router's cold start
uses. The rest of a prompt's shape (variable schemas, templates) is checked by the router at
cold start and, for this repository's `prompts/`, by `make test`.
"""

from __future__ import annotations

import json

from contract import prompts as p
from contract import routing
from contract.catalog import CHAT_KIND
from modules_src.common.expressions import Expr
from modules_src.common.spec import Validation, VariableSpec
from modules_src.common.validations import message, no_offenders

ROOT = "var.prompt_registry_path"
PUBLISHED = "var.prompts"
VERSION_FILE = json.dumps(p.VERSION_FILE_PATTERN)


def _folder(name: str) -> str:
    return f'"${{{ROOT}}}/${{{name}}}"'


def _meta(name: str) -> str:
    """A prompt's meta.yaml, decoded (null when it can't be read: validations guard every use)."""
    return f'try(yamldecode(file("${{{ROOT}}}/${{{name}}}/{p.META_FILE}")), null)'


def _version_files(name: str) -> str:
    return f'[for f in fileset({_folder(name)}, "{p.VERSION_GLOB}") : f if can(regex({VERSION_FILE}, f))]'


def prompts_document() -> Expr:
    """The document's `prompts`: per published prompt its meta (labels cut to the published ones) and every
    version's messages (a `text` version becomes one user message)."""
    version = f'yamldecode(file("${{{ROOT}}}/${{name}}/${{f}}"))'
    messages = (
        f'[for m in try({version}.messages, [{{{p.ROLE} = "user", {p.CONTENT} = {version}.text}}]) : '
        f"{{{p.ROLE} = m.{p.ROLE}, {p.CONTENT} = m.{p.CONTENT}}}]"
    )
    meta = _meta("name")
    return Expr(
        f"{{for name, published in {PUBLISHED} : name => merge("
        f'{{for k, v in {meta} : k => v if k != "{p.LABELS}" && v != null}}, '
        f"{{{p.VERSIONS} = {{for f in {_version_files('name')} : regex({VERSION_FILE}, f)[0] => {messages}}}, "
        f"{p.LABELS} = {{for label in published.labels : label => {meta}.{p.LABELS}[label]}}}}, "
        # The environment's own model for the prompt, when its catalog names the model otherwise.
        f"{{for k, v in {{{p.MODEL} = published.{p.MODEL}}} : k => v if v != null}})}}"
    )


def _chat_aliases() -> str:
    """Catalog chat models and routed aliases whose first target is one."""
    return (
        f'concat([for a, m in var.models : a if m.kind == "{CHAT_KIND}"], '
        f'[for a, r in var.routing.aliases : a if try(var.models[r.targets[0].model].kind, "") == "{CHAT_KIND}"])'
    )


def _label_points_at_versions(name: str, label: str) -> str:
    """The published label names one existing version, or weights of existing versions (some above 0)."""
    spec = f"{_meta(name)}.{p.LABELS}[{label}]"
    files = _version_files(name)
    one = f'contains({files}, "v${{try({spec}.{p.LABEL_VERSION}, "")}}.yaml")'
    weights = f"try({spec}.{p.LABEL_WEIGHTS}, {{}})"
    weighted = (
        f"length({weights}) > 0 && alltrue([for v, w in {weights} : "
        f'contains({files}, "v${{v}}.yaml") && w >= 0 && floor(w) == w]) && '
        f"sum(concat([0], values({weights}))) > 0"
    )
    return f"try({one} || ({weighted}), false)"


MODEL_OF = f'try(coalesce(x.{p.MODEL}, tostring({_meta("name")}.{p.MODEL})), "-")'

RULES: tuple[Validation, ...] = (
    no_offenders(
        f"[for name, x in {PUBLISHED} : {message(p.NAME_INVALID, prompt='name')} "
        f"if !can(regex({json.dumps(p.NAME_PATTERN)}, name))]"
    ),
    Validation(
        f"${{length({PUBLISHED}) == 0 || {ROOT} != null}}",
        "prompts needs prompt_registry_path: the folder that holds each prompt's meta.yaml and versions.",
    ),
    Validation(
        f"${{length({PUBLISHED}) <= {p.MAX_PROMPTS}}}",
        f"{p.TOO_MANY}.",
    ),
    no_offenders(
        f"[for name, x in {PUBLISHED} : {message(p.NO_VERSIONS, prompt='name')} "
        f"if {_meta('name')} == null || length(try({_version_files('name')}, [])) == 0]"
    ),
    no_offenders(
        f"flatten([for name, x in {PUBLISHED} : [for label in x.labels : "
        f"{message(p.LABEL_UNKNOWN, prompt='name', value='label')} "
        f"if try({_meta('name')}.{p.LABELS}[label], null) == null]])"
    ),
    no_offenders(
        f"flatten([for name, x in {PUBLISHED} : [for label in x.labels : "
        f"{message(p.LABEL_INVALID, prompt='name', value='label')} "
        f"if try({_meta('name')}.{p.LABELS}[label], null) != null && "
        f"(!can(regex({json.dumps(p.LABEL_PATTERN)}, label)) || !{_label_points_at_versions('name', 'label')})]])"
    ),
    no_offenders(
        f"[for name, x in {PUBLISHED} : {message(p.MODEL_UNKNOWN, prompt='name', value=MODEL_OF)} "
        f"if {_meta('name')} != null && !contains({_chat_aliases()}, {MODEL_OF})]"
    ),
    # Routing rules on prompts name published ones (checked here: the routing's checks cannot read the prompts,
    # whose own checks read the routing).
    no_offenders(
        "flatten([for alias, r in var.routing.aliases : [for rule in r.rules : [for prompt in rule.when.prompts : "
        f"{message(routing.RULE_PROMPT_UNKNOWN, None, alias='alias', name='rule.name', value='prompt')} "
        f"if !contains(keys({PUBLISHED}), prompt)]]])"
    ),
)

VARIABLES: tuple[VariableSpec, ...] = (
    VariableSpec(
        "prompt_registry_path",
        "string",
        'Folder of the prompt registry (this repository\'s `prompts/`, e.g. `"${path.root}/../../prompts"`): '
        f"one folder per prompt holding `{p.META_FILE}` (description, `variables` schema, default `model` and "
        "`parameters`, `overridable`, `labels`) and immutable versions `v1.yaml`, `v2.yaml`, ... (`messages` of "
        "`role` and Jinja2 `content`, or one `text`). `null` (default): no prompts.",
        default=None,
        nullable=True,
        validations=(
            Validation(
                f'${{{ROOT} == null ? true : length(fileset({ROOT}, "*/{p.META_FILE}")) > 0}}',
                f"prompt_registry_path must be null or a folder holding <name>/{p.META_FILE} for each prompt.",
            ),
        ),
    ),
    VariableSpec(
        "prompts",
        "map(object({labels = list(string), model = optional(string)}))",
        "Prompts this environment publishes, by name, with the `labels` of each it publishes (every version is "
        "published: versions never change), and optionally the `model` alias it runs on here instead of its "
        "meta.yaml's (an environment's catalog may name models otherwise). Clients call "
        "`POST /v1/prompts/{name}` with `variables` and a "
        f"`label` (default `{p.DEFAULT_LABEL}`) or `version`, or name the prompt in a chat completion "
        '(`"prompt": {"name", "label" | "version", "variables"}`); a label with `weights` is an A/B test sticky '
        "per `user`. Moving a label is an edit of its `meta.yaml` and a plan and apply. A tenant must be allowed "
        "the prompt's model like any chat model.",
        default={},
        validations=RULES,
    ),
)
