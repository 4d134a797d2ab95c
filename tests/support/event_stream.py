"""AWS event streams for Stubber: the binary messages botocore reads, so adapters parse real event streams.

Stubber validates a stubbed response against the operation's output shape, and an event
stream member there is a parsed stream object, not data: `EventStreamStubber` skips that
check for operations whose output is an event stream, and `event_stream` builds the
botocore EventStream from encoded messages (fed in small pieces, as a socket would).
"""

from __future__ import annotations

import binascii
import json
import struct
from collections.abc import Iterator
from typing import Any

from botocore.eventstream import EventStream
from botocore.parsers import EventStreamJSONParser
from botocore.stub import Stubber


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return bytes([len(raw_name)]) + raw_name + bytes([7]) + struct.pack(">H", len(raw_value)) + raw_value


def message(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message: prelude, its CRC, headers, payload, the message CRC."""
    encoded = b"".join(_header(k, v) for k, v in headers.items())
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    body = prelude + struct.pack(">I", binascii.crc32(prelude)) + encoded + payload
    return body + struct.pack(">I", binascii.crc32(body))


def event(event_type: str, payload: Any) -> bytes:
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return message(headers, json.dumps(payload).encode())


def blob_event(event_type: str, payload: bytes) -> bytes:
    """An event whose member is the payload itself (`PayloadPart.Bytes` of SageMaker's response stream)."""
    headers = {":event-type": event_type, ":content-type": "application/octet-stream", ":message-type": "event"}
    return message(headers, payload)


def exception(exception_type: str, text: str) -> bytes:
    headers = {":exception-type": exception_type, ":content-type": "application/json", ":message-type": "exception"}
    return message(headers, json.dumps({"message": text}).encode())


class _Raw:
    def __init__(self, data: bytes, piece: int) -> None:
        self.data, self.piece = data, piece

    def stream(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.piece):
            yield self.data[start : start + self.piece]

    def close(self) -> None:
        return


def event_stream(client: Any, operation: str, member: str, data: bytes, piece: int = 64) -> EventStream:
    """The parsed stream `client` would give for `data` (the operation's output `member`)."""
    shape = client.meta.service_model.operation_model(operation).output_shape.members[member]
    return EventStream(_Raw(data, piece), shape, EventStreamJSONParser(), operation)


class EventStreamStubber(Stubber):
    """A Stubber whose responses may hold event streams (their shape is not checked; everything else is)."""

    def _validate_operation_response(self, operation_name: str, service_response: Any) -> None:
        shape = self.client.meta.service_model.operation_model(operation_name).output_shape
        if shape is not None and any(
            getattr(m, "serialization", {}).get("eventstream") for m in shape.members.values()
        ):
            return
        super()._validate_operation_response(operation_name, service_response)
