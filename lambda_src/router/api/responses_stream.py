"""The Responses API's streamed events (`POST /v1/responses` with `stream: true`), framing the chat relay.

The order OpenAI sends and its SDK's stream state checks (`client.responses.stream`):
`response.created` and `response.in_progress` (status `in_progress`, no output yet); per
output item `response.output_item.added`, then for the text `response.content_part.added`
and `response.output_text.delta` pieces, for a tool call `response.function_call_arguments.delta`
pieces; at the end each item's `...done` events (`output_text.done`, `content_part.done`,
`function_call_arguments.done`, `output_item.done`) and `response.completed` (or
`response.incomplete` when the answer was cut at its output cap) with the whole response
and its usage. Every event has a `sequence_number`, counted from 0. A failure after the
first byte is an `error` event (OpenAI's `code`, `message` and `param`, beside the
gateway's envelope, which the SDK raises as an `APIError`). There is no `[DONE]`.

The text is one message item whatever tool calls come around it; items are numbered in
the order they begin, and the final response lists them in that order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from router.api.responses import call_item, message_item, response_envelope, status_of
from router.api.sse import StreamIdentity, named_event

if TYPE_CHECKING:
    from router.chat import ChatResult


class _Call:
    def __init__(self, output_index: int, call_id: str, name: str) -> None:
        self.output_index, self.call_id, self.name = output_index, call_id, name
        self.arguments: list[str] = []


class ResponseFraming:
    """The events of one streamed response, for the Responses request `request`."""

    def __init__(self, request: dict[str, Any], identity: StreamIdentity) -> None:
        self.request, self.identity = request, identity
        self.sequence = 0
        self.count = 0  # output items begun
        self.message_index: int | None = None
        self.text_pieces: list[str] = []
        self.calls: dict[int, _Call] = {}

    def _event(self, kind: str, /, **fields: Any) -> str:
        data = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return named_event(kind, data)

    def _response(self, output: list[dict[str, Any]], status: str, usage: tuple[int, int] | None) -> dict[str, Any]:
        identity = self.identity
        return response_envelope(self.request, request_id=identity.request_id, created=identity.created,
                                 model=identity.model, output=output, status=status, usage=usage)  # fmt: skip

    @property
    def _message_id(self) -> str:
        return f"msg_{self.identity.request_id}"

    def opening(self) -> str:
        shell = self._response([], "in_progress", None)
        return self._event("response.created", response=shell) + self._event("response.in_progress", response=shell)

    def text(self, text: str) -> str:
        begun = ""
        if self.message_index is None:
            self.message_index = self.count
            self.count += 1
            item = message_item(self.identity.request_id, "", status="in_progress")
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            begun = self._event(
                "response.output_item.added", output_index=self.message_index, item=item
            ) + self._event(
                "response.content_part.added",
                item_id=self._message_id, output_index=self.message_index, content_index=0, part=part,
            )  # fmt: skip
        self.text_pieces.append(text)
        delta = self._event("response.output_text.delta", item_id=self._message_id,
                            output_index=self.message_index, content_index=0, delta=text, logprobs=[])  # fmt: skip
        return begun + delta

    def tool_start(self, index: int, call_id: str, name: str) -> str:
        call = self.calls[index] = _Call(self.count, call_id, name)
        self.count += 1
        item = call_item(call_id, name, "", status="in_progress")
        return self._event("response.output_item.added", output_index=call.output_index, item=item)

    def tool_arguments(self, index: int, arguments: str) -> str:
        call = self.calls[index]
        call.arguments.append(arguments)
        return self._event("response.function_call_arguments.delta", item_id=f"fc_{call.call_id}",
                           output_index=call.output_index, delta=arguments)  # fmt: skip

    def closing(self, result: ChatResult, note: dict[str, Any] | None) -> str:
        # Each item's done events in the order the items began (sequence numbers keep rising).
        ends: dict[int, _Call | None] = {call.output_index: call for call in self.calls.values()}
        if self.message_index is not None:
            ends[self.message_index] = None
        events = ""
        output: list[dict[str, Any]] = []
        for index in sorted(ends):
            call = ends[index]
            item, item_events = self._text_done(index) if call is None else self._call_done(call)
            output.append(item)
            events += item_events + self._event("response.output_item.done", output_index=index, item=item)
        status = status_of(result.finish_reason)
        response = self._response(output, status, (result.input_tokens, result.output_tokens))
        if note:
            response["aigw"] = note
        return events + self._event(f"response.{status}", response=response)

    def _text_done(self, index: int) -> tuple[dict[str, Any], str]:
        text = "".join(self.text_pieces)
        item = message_item(self.identity.request_id, text)
        events = self._event("response.output_text.done", item_id=self._message_id, output_index=index,
                             content_index=0, text=text, logprobs=[])  # fmt: skip
        events += self._event("response.content_part.done", item_id=self._message_id, output_index=index,
                              content_index=0, part=item["content"][0])  # fmt: skip
        return item, events

    def _call_done(self, call: _Call) -> tuple[dict[str, Any], str]:
        arguments = "".join(call.arguments)
        item = call_item(call.call_id, call.name, arguments)
        return item, self._event("response.function_call_arguments.done", item_id=item["id"],
                                 output_index=call.output_index, name=call.name, arguments=arguments)  # fmt: skip

    def failure(self, body: dict[str, Any]) -> str:
        error = body.get("error") or {}
        return self._event("error", code=error.get("code"), message=error.get("message"), param=error.get("param"),
                           **body)  # fmt: skip
