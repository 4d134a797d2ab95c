"""What routing rules may look at in a request: who sent it, what it carries, and cheap facts about its text.

Pure and cheap: built once per request, and only for an alias that has rules. Nothing
here reads a model's answer or calls out. `code` is a heuristic (`has_code`): a fenced
block, or a line that reads as a definition, an import, a declaration, a statement
ending in `;` or `{`, or SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from router.chat import ChatRequest
from router.complexity import score

# Lines that start like code in the common languages (string tests: a regular expression cost 25 µs a prompt).
DEFINITIONS = (
    "def ",
    "class ",
    "import ",
    "function ",
    "func ",
    "fn ",
    "package ",
    "public ",
    "private ",
    "#include",
    "using namespace",
    "SELECT ",
    "INSERT INTO ",
    "UPDATE ",
    "DELETE FROM ",
    "CREATE TABLE ",
)
# `let me know` is prose: a declaration assigns.
DECLARATIONS = ("const ", "let ", "var ")


def has_code(text: str) -> bool:
    """A fenced block, or a line that starts a definition, import, declaration or SQL statement, or ends in `;`
    or `{` as statements and blocks do."""
    if "```" in text:
        return True
    for line in text.splitlines():
        stripped = line.strip()
        if (
            stripped.startswith(DEFINITIONS)
            or (stripped.startswith(DECLARATIONS) and "=" in stripped)
            or (stripped.startswith("from ") and " import " in stripped)
            or (len(stripped) > 1 and stripped.endswith((";", "{")))
        ):
            return True
    return False


@dataclass(frozen=True)
class RequestFeatures:
    """The request as rules see it; `headers` has lower-case names, as the proxy event gives them."""

    tier: str = ""
    user: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    input_tokens: int = 0
    code: bool = False
    images: bool = False
    tools: bool = False
    response_format: str = "text"
    prompt: str | None = None
    # Scores the request's difficulty (router.complexity): called once, and only by the `complexity` strategy.
    scorer: Callable[[], float] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def complexity(self) -> float:
        """The request's difficulty, 0-1 (0 when nothing scores it)."""
        return self.scorer() if self.scorer is not None else 0.0


def chat_features(
    request: ChatRequest,
    *,
    tier: str,
    metadata: Mapping[str, str],
    headers: Mapping[str, str],
    input_tokens: int,
    prompt: str | None,
) -> RequestFeatures:
    """The features of a chat request (`input_tokens`: its input bound, the budget's estimate)."""
    texts = [request.system or "", *(m.content for m in request.messages)]
    code = any(has_code(text) for text in texts if text)
    return RequestFeatures(
        tier=tier,
        user=request.user,
        metadata=metadata,
        headers=headers,
        input_tokens=input_tokens,
        code=code,
        images=request.multimodal,
        tools=request.uses_tools,
        response_format=request.response_format.type if request.response_format else "text",
        prompt=prompt,
        scorer=lambda: score(request, input_tokens, code),
    )
