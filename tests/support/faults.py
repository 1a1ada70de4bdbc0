"""Faults injected at a boto3 client's HTTP boundary, for services the emulator cannot fail on demand (SNS, DynamoDB).

A `before-send` hook that returns a response stops botocore from sending the request: the client then parses our
response exactly as if the service had answered it, and its retry policy applies as it would in AWS.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from botocore.awsrequest import AWSResponse


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterable[bytes]:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


def error_response(status: int, code: str, *, query_protocol: bool) -> AWSResponse:
    if query_protocol:  # SNS speaks the query protocol: XML errors
        body = (
            f"<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code><Message>injected</Message></Error>"
            "<RequestId>injected</RequestId></ErrorResponse>"
        ).encode()
        headers = {"Content-Type": "text/xml"}
    else:  # DynamoDB speaks JSON 1.0
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse("https://injected", status, headers, _Raw(body))  # type: ignore[arg-type]


class ClientFaults:
    """Queue faults for one operation of one client; every sent request of the client is counted by operation."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._queued: dict[str, list[tuple[int, str]]] = {}
        self.requests: Counter[str] = Counter()
        self._query = client.meta.service_model.protocol == "query"
        client.meta.events.register("before-send", self._before_send)

    def fail(self, operation: str, times: int, *, status: int = 500, code: str = "InternalFailure") -> None:
        with self._lock:
            self._queued.setdefault(operation, []).extend([(status, code)] * times)

    def _before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        operation = _operation_of(request, self._query)
        with self._lock:
            self.requests[operation] += 1
            queue = self._queued.get(operation)
            fault = queue.pop(0) if queue else None
        if fault is None:
            return None
        return error_response(fault[0], fault[1], query_protocol=self._query)


def _operation_of(request: Any, query_protocol: bool) -> str:
    if query_protocol:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        for part in body.split("&"):
            if part.startswith("Action="):
                return part.removeprefix("Action=")
        return "unknown"
    target = request.headers.get("X-Amz-Target", b"")
    text = target.decode() if isinstance(target, bytes) else str(target)
    return text.rsplit(".", 1)[-1] or "unknown"
