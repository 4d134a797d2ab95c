"""Render a prompt version's messages with Jinja2's sandbox: undefined names are errors, values are data.

Templates come from the repository, never from clients (Jinja's sandbox is not a full
security boundary). Each version is compiled once per container, on first use: the
cold start does not import Jinja2. Variable values reach the template as context, so a
value holding `{{ ... }}` or `{% ... %}` is printed as the characters it is.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from router.chat import ChatMessage

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

    from router.prompts.registry import Message


class TemplateError(Exception):
    """A template does not compile or fails while rendering (the registry test compiles every one)."""


@cache
def environment() -> SandboxedEnvironment:
    """The one sandboxed environment: strict about undefined names, no autoescape (this is not HTML)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    # Immutable: a template can't change the lists it is given either (`append`, `pop` refused).
    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, auto_reload=False
    )


# Compiled templates by their source text: versions are immutable, so the text is the key.
_COMPILED: dict[str, Template] = {}


def compile_template(source: str) -> Template:
    """`source` compiled in the sandbox, once per container.

    Raises
    ------
    TemplateError
        The source is not a valid Jinja2 template.
    """
    template = _COMPILED.get(source)
    if template is None:
        from jinja2 import TemplateSyntaxError

        try:
            template = environment().from_string(source)
        except TemplateSyntaxError as err:
            raise TemplateError(f"line {err.lineno}: {err.message}") from None
        _COMPILED[source] = template
    return template


def render_messages(messages: tuple[Message, ...], values: dict[str, Any]) -> tuple[ChatMessage, ...]:
    """The version's messages rendered with `values`; a message that renders empty is left out.

    Raises
    ------
    TemplateError
        A template failed (an undefined name, a sandbox refusal, a syntax error).
    """
    rendered = []
    for message in messages:
        template = compile_template(message.template)
        try:
            text = template.render(values).strip()
        except Exception as err:  # a template's own fault (undefined, sandbox, 1/0) is the caller's 500
            raise TemplateError(f"{type(err).__name__}: {err}") from None
        if text:
            rendered.append(ChatMessage(message.role, text))
    return tuple(rendered)
