"""Turn a request that names a registered prompt into the chat request it stands for.

Pure. The version comes from the request (`version`), or from a label (`label`, else
`production`): one version, or an A/B arm sticky per `user`. The request's variables
are checked against the prompt's schema and rendered into the version's messages,
which come before the request's own; the prompt's parameters apply where the request
sets none, and a request may set only those the prompt's `overridable` lists. An
unknown prompt, label or version is a 404: never a silent fallback to another one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from contract import prompts as p
from router.api.messages import NO_CONVERSATION
from router.api.parse import ParsedChat, PromptReference
from router.chat import ChatMessage
from router.prompts.render import TemplateError, render_messages
from router.prompts.variables import bind
from shared.errors import GatewayError
from shared.sticky import weighted_pick

if TYPE_CHECKING:
    from router.prompts.registry import Prompt, PromptRegistry


class PromptRenderFailed(GatewayError):
    """A published template failed to render: a registry defect (the registry test renders every version)."""

    def __init__(self, name: str, version: int, detail: str) -> None:
        message = f"prompt '{name}' version {version} could not be rendered; the gateway's log has the cause"
        super().__init__(500, "prompt_template_error", message, error_type="api_error")
        self.detail = detail


def _not_found(message: str, param: str) -> GatewayError:
    return GatewayError(404, "prompt_not_found", message, error_type="invalid_request_error", param=param)


def choose_version(prompt: Prompt, reference: PromptReference, sticky_key: str) -> tuple[int, str | None]:
    """The version to render and the label it came through (None when the request named the version).

    Raises
    ------
    GatewayError
        404 for a version or label the prompt does not publish.
    """
    if reference.version is not None:
        if reference.version not in prompt.versions:
            published = ", ".join(str(v) for v in sorted(prompt.versions))
            message = f"prompt '{prompt.name}' has no version {reference.version}; published: {published}"
            raise _not_found(message, reference.where(p.REQUEST_VERSION))
        return reference.version, None
    name = reference.label or p.DEFAULT_LABEL
    label = prompt.labels.get(name)
    if label is None:
        labels = ", ".join(sorted(prompt.labels)) or "none (name a version)"
        message = f"prompt '{prompt.name}' has no label '{name}'; its labels: {labels}"
        raise _not_found(message, reference.where(p.REQUEST_LABEL))
    if len(label.weights) == 1:
        return label.weights[0][0], name
    return weighted_pick(f"{prompt.name}\x00{name}", sticky_key, label.weights), name


def _check_overrides(prompt: Prompt, parsed: ParsedChat) -> None:
    explicit = set(parsed.explicit)
    if parsed.alias == prompt.model:
        explicit.discard("model")  # naming the prompt's own model is no override
    refused = sorted(explicit - prompt.overridable)
    if refused:
        allowed = ", ".join(sorted(prompt.overridable)) or "none"
        message = f"prompt '{prompt.name}' does not let a request set '{refused[0]}'; it allows: {allowed}"
        raise GatewayError(400, "override_not_allowed", message, param=refused[0])


def resolve(registry: PromptRegistry | None, parsed: ParsedChat, request_id: str) -> ParsedChat:
    """The chat request `parsed` stands for once its prompt reference is rendered (unchanged without one).

    Raises
    ------
    GatewayError
        404 for an unknown prompt, label or version; 400 for a variable or override the prompt refuses;
        500 `prompt_template_error` when the template itself fails (a registry defect, logged by the caller).
    """
    reference = parsed.reference
    if reference is None:
        return parsed
    prompt = registry.prompts.get(reference.name) if registry is not None else None
    if prompt is None:
        where = reference.where(p.REQUEST_NAME) if reference.param else p.REQUEST_NAME
        raise _not_found(f"no prompt is published as '{reference.name}'", where)
    _check_overrides(prompt, parsed)
    request = parsed.request
    version, label = choose_version(prompt, reference, request.user or request_id)
    values = bind(prompt, reference.variables, reference.where(p.REQUEST_VARIABLES))
    try:
        rendered = render_messages(prompt.versions[version], values)
    except TemplateError as err:
        # The template's own words stay in the log: the client learns which version failed, not how.
        raise PromptRenderFailed(prompt.name, version, str(err)) from None
    system = [m.content for m in rendered if m.role == "system"]
    if request.system:
        system.append(request.system)
    messages: tuple[ChatMessage, ...] = tuple(m for m in rendered if m.role != "system") + request.messages
    if not messages:
        raise NO_CONVERSATION
    defaults = prompt.parameters
    request = replace(
        request,
        messages=messages,
        system="\n\n".join(system) if system else None,
        temperature=request.temperature if request.temperature is not None else defaults.get("temperature"),
        top_p=request.top_p if request.top_p is not None else defaults.get("top_p"),
        max_tokens=request.max_tokens if request.max_tokens is not None else defaults.get("max_tokens"),
        stop=request.stop or tuple(defaults.get("stop", ())),
    )
    return replace(
        parsed,
        alias=parsed.alias or prompt.model,
        request=request,
        prompt=prompt.name,
        prompt_version=version,
        prompt_label=label,
    )
