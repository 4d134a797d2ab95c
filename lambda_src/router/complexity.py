"""How hard a chat request looks, from cheap features of its text: a score from 0 (trivial) to 1 (hard).

The `complexity` strategy sends a request to the cheapest target whose `max_complexity`
covers its score. Pure and cheap (string tests, no model, no regular expression): it
runs on every request of such an alias. The weights add up evidence, each kind capped:

- length: the input bound, up to `LONG_INPUT_TOKENS` (longer prompts carry more to do);
- code: a fenced block or a line of code (router.request_features.has_code);
- reasoning cues: words that ask for analysis, proof, design, comparison or a plan;
- multi-step structure: numbered or sequenced instructions, several questions;
- structured output: a JSON schema to fill, or tools to call;
- several scripts: text mixing Latin and other alphabets (translation and multilingual work).

bench/data/complexity_prompts.jsonl is a labeled set to measure it on (`make bench`).
"""

from __future__ import annotations

from router.chat import ChatRequest

LONG_INPUT_TOKENS = 600
LENGTH_WEIGHT = 0.25
CODE_WEIGHT = 0.45
CUE_WEIGHT = 0.2
MAX_CUES = 3
STEPS_WEIGHT = 0.2
STRUCTURED_WEIGHT = 0.15
SCRIPTS_WEIGHT = 0.1
# Words (lower case, matched anywhere in the text) that ask for more than a fact.
CUES = (
    "step by step", "step-by-step", "explain why", "explain how", "why ", "prove", "derive", "analy", "compare",
    "contrast", "trade-off", "tradeoff", "pros and cons", "evaluate", "assess", "critique", "review",
    "design", "architect", "propose", "plan ", "strategy", "optimi", "refactor", "debug", "implement",
    "algorithm", "complexity", "formulate", "estimate", "forecast", "calculate", "reason", "implications",
    "in detail", "detailed", "comprehensive", "essay", "specification", "postmortem", "outline",
    "discuss", "weigh", "justify", "investigat", "model", "migrat", "scale", "threat", "explain", "solve",
    "difference", "example", "write a ", "write an ", "function", "program", "script", "query", "schema",
    "test", "python", "java", "rust", "typescript", "haskell", "sql", "regular expression", "manifest",
    "workflow", "dockerfile", "terraform", "kubernetes", "api ",
)  # fmt: skip
# Words that ask for a short answer: each takes a cue's weight off (never below 0).
SHORT_CUES = ("one sentence", "one word", "one-line", "one line", "yes or no", "in one", "two-word", "short title")
STEP_WORDS = ("first,", "then,", "finally,", "after that", "next,", "1.", "2.", "3.")


def score(request: ChatRequest, input_tokens: int, code: bool) -> float:
    """The request's difficulty in [0, 1] (`input_tokens`: its input bound; `code`: it holds code)."""
    text = "\n".join(m.content for m in request.messages if m.role == "user").lower()
    cues = max(0, sum(1 for cue in CUES if cue in text) - sum(1 for cue in SHORT_CUES if cue in text))
    steps = sum(1 for word in STEP_WORDS if word in text) + max(0, text.count("?") - 1)
    total = (
        LENGTH_WEIGHT * min(1.0, input_tokens / LONG_INPUT_TOKENS)
        + (CODE_WEIGHT if code else 0.0)
        + CUE_WEIGHT * min(cues, MAX_CUES)
        + (STEPS_WEIGHT if steps >= 2 else 0.0)
        + (STRUCTURED_WEIGHT if request.tools or _schema(request) else 0.0)
        + (SCRIPTS_WEIGHT if _mixed_scripts(text) else 0.0)
    )
    return round(min(1.0, total), 4)


def _schema(request: ChatRequest) -> bool:
    return request.response_format is not None and request.response_format.type == "json_schema"


def _mixed_scripts(text: str) -> bool:
    """Latin letters beside letters of another alphabet (one look per character, stopping at the first proof)."""
    if text.isascii():
        return False
    latin = other = False
    for char in text:
        if char.isascii():
            latin = latin or char.isalpha()
        elif char.isalpha():
            other = True
        if latin and other:
            return True
    return False
