"""Run a guardrail policy on a chat request before any model sees it, and on the answer before the client does.

Pure apart from the Bedrock step, which calls through the `BedrockCheck` it is given. A
refusal is a 400 `content_blocked` naming the category, never the matched text; a step
that raises refuses with a 503 `guardrail_unavailable` unless the policy says
`on_error = "allow"` (then the step is skipped and counted). What each step did is
recorded as events (category, action) for the metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from contract import guardrails as g
from router.chat import ChatMessage, ChatRequest, ChatResult
from router.guardrails import injection, pii
from shared.errors import GatewayError

if TYPE_CHECKING:
    from router.guardrails.policy import Policy

# Bedrock's ApplyGuardrail: (guardrail id, version, INPUT | OUTPUT, texts) -> None when it let the
# texts through, else the texts it answered with and whether it only masked (anonymized) them.
BedrockCheck = Callable[[str, str, str, list[str]], "BedrockVerdict | None"]

BLOCKED = "blocked"
MASKED = "masked"
FLAGGED = "flagged"
LOGGED = "logged"
FAILED = "failed"


@dataclass(frozen=True)
class BedrockVerdict:
    texts: list[str]
    masked_only: bool


class StepFailed(Exception):
    """A guardrail step could not run (its cause is logged; the client gets a fixed 503)."""


@dataclass
class Screening:
    """One request's guardrail state: the policy, what acted, and the masking to restore in the answer."""

    policy: Policy
    bedrock: BedrockCheck
    events: list[tuple[str, str, str]] = field(default_factory=list)
    masking: pii.Masking = field(default_factory=pii.Masking)
    # The first failure's cause, for the log (never for the client).
    failure: str | None = None

    def _event(self, where: str, category: str, action: str) -> None:
        self.events.append((where, category, action))

    def _blocked(self, where: str, category: str, detail: str = "") -> GatewayError:
        self._event(where, category, BLOCKED)
        side = "prompt" if where == g.INPUT else "answer"
        what = f"{category} ({detail})" if detail else category
        return GatewayError(
            400,
            g.BLOCKED_CODE,
            f"the {side} was blocked by the gateway's guardrails: {what}",
            param="messages" if where == g.INPUT else None,
        )

    def guard(self, where: str, category: str, step: Callable[[], None]) -> None:
        """Run one step; a failure refuses (fail closed) unless the policy allows skipping it."""
        try:
            step()
        except GatewayError:
            raise
        except Exception as err:  # any step fault: fail closed by default
            self._event(where, category, FAILED)
            self.failure = self.failure or f"{category}: {type(err).__name__}: {err}"[:500]
            if not self.policy.fail_open:
                raise GatewayError(
                    503,
                    g.FAILED_CODE,
                    "a guardrail could not check this request; try again later",
                    error_type="server_error",
                    headers={"Retry-After": "1"},
                ) from None

    # -- the prompt ------------------------------------------------------------------------------------

    def screen_request(self, request: ChatRequest, token_bound: int) -> ChatRequest:
        """`request` as the model may see it (masked), or a refusal.

        Raises
        ------
        GatewayError
            400 `content_blocked` naming the category; 503 when a step failed and the policy fails closed.
        """
        policy = self.policy
        # The system text, each turn's text, then the arguments of the conversation's tool calls.
        calls = [c for m in request.messages for c in m.tool_calls]
        texts = [request.system or "", *(m.content for m in request.messages), *(c.arguments for c in calls)]
        if policy.max_prompt_tokens is not None and token_bound > policy.max_prompt_tokens:
            raise self._blocked(g.INPUT, g.PROMPT_TOO_LARGE, f"at most {policy.max_prompt_tokens} tokens")
        self.guard(g.INPUT, g.DENIED_WORD, lambda: self._deny(texts))
        if policy.block_at is not None:
            self.guard(g.INPUT, g.PROMPT_INJECTION, lambda: self._injection(texts))
        if policy.pii is not None:
            masked: list[str] = []
            self.guard(g.INPUT, g.PII, lambda: masked.extend(self._pii(g.INPUT, texts)))
            if masked:
                texts = masked
        if policy.bedrock is not None and policy.bedrock.input:
            checked: list[str] = []
            self.guard(g.INPUT, g.BEDROCK_GUARDRAIL, lambda: checked.extend(self._bedrock(g.INPUT, texts)))
            if checked:
                texts = checked
        return replace(request, system=texts[0] or None, messages=_rebuilt(request.messages, texts[1:]))

    def _deny(self, texts: list[str]) -> None:
        policy = self.policy
        if policy.deny_words is not None and any(policy.deny_words.search(t) for t in texts):
            raise self._blocked(g.INPUT, g.DENIED_WORD)
        for topic, pattern in policy.deny_topics.items():
            if any(pattern.search(t) for t in texts):
                raise self._blocked(g.INPUT, g.DENIED_TOPIC, topic)

    def _injection(self, texts: list[str]) -> None:
        policy = self.policy
        # The system prompt is the operator's (or a registered prompt's): only the conversation is scored.
        result = max((injection.score(t) for t in texts[1:]), key=lambda s: s.value)
        if policy.block_at is not None and result.value >= policy.block_at:
            raise self._blocked(g.INPUT, g.PROMPT_INJECTION, ", ".join(result.signals))
        if policy.flag_at is not None and result.value >= policy.flag_at:
            self._event(g.INPUT, g.PROMPT_INJECTION, FLAGGED)

    def _pii(self, where: str, texts: list[str]) -> list[str]:
        """The texts with the step's `mask` entities masked; a `block` entity refuses."""
        step = self.policy.pii
        if step is None:
            return texts
        # The answer's own values get their own placeholders: restoring the prompt's must not unmask them.
        return [
            self.pii_acted(where, text, self.pii_spans(text), self.masking if where == g.INPUT else None)
            for text in texts
        ]

    def pii_spans(self, text: str) -> list[pii.Span]:
        step = self.policy.pii
        return [] if step is None else pii.find(text, [t for t in pii.ENTITY_TYPES if t in step.actions], step.custom)

    def pii_acted(self, where: str, text: str, spans: list[pii.Span], masking: pii.Masking | None) -> str:
        """`text` with the step's actions on `spans`: a `block` entity refuses, `mask` ones are masked with
        `masking` (None: an answer's own, numbered after the prompt's), the others only counted."""
        step = self.policy.pii
        if step is None:
            return text
        blocked = sorted({s.type for s in spans if step.actions.get(s.type) == "block"})
        if blocked:
            raise self._blocked(where, g.PII, ", ".join(blocked))
        for kind in sorted({s.type for s in spans}):
            self._event(where, g.PII, MASKED if step.actions.get(kind) == "mask" else LOGGED)
        masking = pii.Masking(after=self.masking) if masking is None else masking
        return masking.mask(text, [s for s in spans if step.actions.get(s.type) == "mask"])

    def _bedrock(self, where: str, texts: list[str]) -> list[str]:
        step = self.policy.bedrock
        if step is None:
            return texts
        source = "INPUT" if where == g.INPUT else "OUTPUT"
        shown = [t for t in texts if t]
        verdict = self.bedrock(step.guardrail_id, step.guardrail_version, source, shown)
        if verdict is None:
            return texts
        if not verdict.masked_only or len(verdict.texts) != len(shown):
            raise self._blocked(where, g.BEDROCK_GUARDRAIL)
        self._event(where, g.BEDROCK_GUARDRAIL, MASKED)
        replaced = iter(verdict.texts)
        return [next(replaced) if t else t for t in texts]

    # -- the answer ------------------------------------------------------------------------------------

    def screen_answer(self, result: ChatResult) -> ChatResult:
        """The answer as the client may see it: checked, masked, and with the prompt's masked values restored
        when the policy says so.

        Raises
        ------
        GatewayError
            400 `content_blocked`; 503 when a step failed and the policy fails closed.
        """
        policy = self.policy
        text = [result.text, *(c.arguments for c in result.tool_calls)]
        if policy.pii is not None and policy.pii.output:
            masked: list[str] = []
            self.guard(g.OUTPUT, g.PII, lambda: masked.extend(self._pii(g.OUTPUT, text)))
            text = masked or text
        if policy.bedrock is not None and policy.bedrock.output and any(text):
            checked: list[str] = []
            self.guard(g.OUTPUT, g.BEDROCK_GUARDRAIL, lambda: checked.extend(self._bedrock(g.OUTPUT, text)))
            text = checked or text
        if policy.pii is not None and policy.pii.restore:
            text = [self.masking.restore(t) for t in text]
        calls = tuple(replace(c, arguments=a) for c, a in zip(result.tool_calls, text[1:], strict=True))
        return replace(result, text=text[0], tool_calls=calls)


def _rebuilt(messages: tuple[ChatMessage, ...], texts: list[str]) -> tuple[ChatMessage, ...]:
    """`messages` with their texts, then their tool calls' arguments, replaced in order by `texts`."""
    contents, arguments = iter(texts[: len(messages)]), iter(texts[len(messages) :])
    return tuple(
        replace(
            m, content=next(contents), tool_calls=tuple(replace(c, arguments=next(arguments)) for c in m.tool_calls)
        )
        for m in messages
    )
