"""Screen an answer's text as it streams: personal data judged whole before any of it leaves.

Used when the policy's only answer steps are the PII check and the restore (Bedrock's
ApplyGuardrail judges whole texts: with it on the answer, the stream is held to its end).
The trade-off: the last `WINDOW` characters are held back until more text arrives (or
the answer ends), and never released in the middle of an entity, so an entity of up to
`WINDOW` characters is always seen whole; the held text also never ends inside a
`<TYPE_n>` placeholder the restore would have to complete. The `CONTEXT` characters
already released are kept for the scan, since some types need the words before them
(a phone number's "call"). A `block` entity ends the stream with a refusal; the text
before it has left, masked.
"""

from __future__ import annotations

from contract import guardrails as g
from router.guardrails import pii
from router.guardrails.checks import Screening

WINDOW = 512
CONTEXT = 128
# The longest placeholder the masking writes (`<` + a type name of up to 32 + `_` + a number + `>`).
PLACEHOLDER_MAX = 48


def streams_answer(screening: Screening) -> bool:
    """Whether this policy's answer steps can run on a stream (no Bedrock step on the answer)."""
    bedrock = screening.policy.bedrock
    return bedrock is None or not bedrock.output


class StreamScreen:
    """The answer's text through the PII step piece by piece: `feed` what arrives, `flush` at the end."""

    def __init__(self, screening: Screening) -> None:
        self.screening = screening
        self.pending = ""
        self.released = ""
        # The answer's own placeholders, numbered after the prompt's, the same across pieces.
        self.masking = pii.Masking(after=screening.masking)
        step = screening.policy.pii
        self.check = step is not None and step.output
        self.restore = step is not None and step.restore

    def feed(self, text: str) -> str:
        """What may leave now of the text so far (masked, restored)."""
        self.pending += text
        if len(self.pending) <= WINDOW:
            return ""
        return self._release(len(self.pending) - WINDOW)

    def flush(self) -> str:
        """The rest, at the end of the answer."""
        return self._release(len(self.pending)) if self.pending else ""

    def _release(self, cut: int) -> str:
        out: list[str] = []
        self.screening.guard(g.OUTPUT, g.PII, lambda: out.append(self._screened(cut)))
        if not out:  # the step failed and the policy lets the answer through unchecked
            out.append(self.pending[:cut])
            self.pending = self.pending[cut:]
        return out[0]

    def _screened(self, cut: int) -> str:
        offset = len(self.released)
        spans: list[pii.Span] = []
        if self.check:
            found = self.screening.pii_spans(self.released + self.pending)
            spans = [pii.Span(s.start - offset, s.end - offset, s.type) for s in found if s.start >= offset]
            for span in spans:
                if span.start < cut < span.end:
                    cut = span.start
        if self.restore and cut < len(self.pending):
            opened = self.pending.rfind("<", max(0, cut - PLACEHOLDER_MAX), cut)
            if opened >= 0 and ">" not in self.pending[opened:cut]:
                cut = opened
        head = self.pending[:cut]
        text = (
            self.screening.pii_acted(g.OUTPUT, head, [s for s in spans if s.end <= cut], self.masking)
            if (self.check)
            else head
        )
        # Only once the piece was judged: a failed step leaves the text pending.
        self.pending, self.released = self.pending[cut:], (self.released + head)[-CONTEXT:]
        return self.screening.masking.restore(text) if self.restore else text
