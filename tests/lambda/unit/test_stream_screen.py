"""The PII step on a streamed answer: whatever the pieces, what leaves equals the whole answer screened, and
no entity ever leaves unmasked (not even split across pieces)."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from router.chat import ChatMessage, ChatRequest, ChatResult
from router.guardrails.checks import Screening
from router.guardrails.policy import parse_guardrails
from router.guardrails.stream_screen import WINDOW, StreamScreen

EMAIL = "ada.lovelace@example.com"
CARD = "4111 1111 1111 1111"


def screening(**pii: object) -> Screening:
    problems: list[str] = []
    guardrails = parse_guardrails({"policies": {"p": {"pii": {"restore": True, **pii}}}, "default_policy": "p"},
                                  problems)  # fmt: skip
    policy = guardrails.policy_for("t", "standard")
    assert policy is not None and not problems
    return Screening(policy, lambda *_: None)


def streamed(screen: Screening, pieces: list[str]) -> list[str]:
    window = StreamScreen(screen)
    out = [window.feed(p) for p in pieces]
    return [*out, window.flush()]


filler = st.text(st.sampled_from(list("abc xyz.,\n")), max_size=700)


@settings(max_examples=300, deadline=None)
@given(before=filler, middle=filler, after=filler, cuts=st.lists(st.integers(0, 3000), max_size=12))
def test_any_split_leaves_what_the_whole_answer_screened_would(before: str, middle: str, after: str,
                                                                 cuts: list[int]) -> None:  # fmt: skip
    prompt_side = screening()
    # The prompt held an email the answer may quote through its placeholder.
    masked_prompt = prompt_side.screen_request(ChatRequest((ChatMessage("user", f"mail {EMAIL}"),)), 10)
    placeholder = masked_prompt.messages[0].content.removeprefix("mail ")
    answer = f"{before}write to {placeholder} or card {CARD}.{middle} again {CARD}{after}"
    bounds = sorted({c for c in cuts if c < len(answer)} | {0, len(answer)})
    pieces = [answer[a:b] for a, b in pairwise(bounds)]
    whole_side = screening()
    whole_side.masking = prompt_side.masking
    expected = whole_side.screen_answer(ChatResult(answer, "stop", 1, 1)).text
    released = streamed(prompt_side, pieces)
    assert "".join(released) == expected
    assert EMAIL in "".join(released), "the prompt's own value is restored"
    assert all("4111 1111" not in piece for piece in released)
    assert CARD not in "".join(released)


def test_the_window_holds_back_only_its_width() -> None:
    window = StreamScreen(screening())
    released = window.feed("x" * (WINDOW + 100))
    assert released == "x" * 100
    assert window.flush() == "x" * WINDOW


def test_a_blocked_entity_ends_the_stream_with_a_refusal() -> None:
    import pytest

    from shared.errors import GatewayError

    window = StreamScreen(screening(entities={"CREDIT_CARD": "block"}))
    with pytest.raises(GatewayError) as blocked:
        window.feed("pay with " + CARD + " " + "y" * WINDOW)
    assert blocked.value.code == "content_blocked"
