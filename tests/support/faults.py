"""Faults injected at a boto3 client's HTTP boundary, for services the emulator cannot fail on demand (SNS, DynamoDB).

A `before-send` hook that returns a response stops botocore from sending the request: the client then parses our
response exactly as if the service had answered it, and its retry policy applies as it would in AWS. A `before-send`
hook that raises is caught by botocore's endpoint like an exception of its HTTP client (`_do_get_response` catches
every Exception and hands it to the retry handler), so a raised `ConnectionClosedError`, `ReadTimeoutError` or
`EndpointConnectionError` is retried exactly like a real one; tests/integration/test_faults.py holds that.

Fault kinds, for `ClientFaults.inject` and `ClientFaults.fault_rate` (the same names as `FakeSageMaker`'s):

    throttle   the service's throttling error (DynamoDB 400 ProvisionedThroughputExceededException, SNS 429 Throttled)
    500        an internal error (DynamoDB 500 InternalServerError, SNS 500 InternalError)
    reset      the connection is closed before any answer: ConnectionClosedError; the request was not applied
    connect    the endpoint cannot be reached: EndpointConnectionError; the request was not applied
    timeout    the request IS sent and applied, and its answer is lost: ReadTimeoutError. The hard case of a timeout:
               the client cannot tell, and its retry repeats a write that already happened
    conflict   TransactWriteItems only: 400 TransactionCanceledException with a TransactionConflict reason
    ok         no fault

`Crashes` kills the invocation at one operation instead (`SimulatedCrash`, a BaseException): just before the request
is sent, or just after the service accepted it.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from botocore.httpsession import URLLib3Session

from tests.support.lambda_runtime import SimulatedCrash

FAULT_KINDS = frozenset({"throttle", "500", "reset", "connect", "timeout", "conflict", "ok"})
ALL_OPERATIONS = "*"
"""`fault_rate`'s operation wildcard: every operation of the client."""


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterable[bytes]:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


def error_response(status: int, code: str, *, query_protocol: bool, extra: dict[str, Any] | None = None) -> AWSResponse:
    if query_protocol:  # SNS speaks the query protocol: XML errors
        body = (
            f"<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code><Message>injected</Message></Error>"
            "<RequestId>injected</RequestId></ErrorResponse>"
        ).encode()
        headers = {"Content-Type": "text/xml"}
    else:  # DynamoDB speaks JSON 1.0
        payload = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected", **(extra or {})}
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse("https://injected", status, headers, _Raw(body))  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Fault:
    kind: str
    status: int = 0
    code: str = ""


def _check_kind(kind: str | None) -> str:
    checked = "ok" if kind is None else kind
    if checked not in FAULT_KINDS:
        raise ValueError(f"unknown fault {kind!r}; expected one of {sorted(FAULT_KINDS)} or None")
    return checked


class ClientFaults:
    """Queue faults for one operation of one client; every sent request of the client is counted by operation.

    `fail` queues an error answer with a given status and code; `inject` queues faults by kind; `fault_rate` serves
    random faults. Queued faults come first. `faults_served` counts what was served, by "<Operation>:<kind>".
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._queued: dict[str, list[_Fault]] = {}
        self._rates: dict[str, tuple[tuple[str, ...], float, random.Random]] = {}
        self.requests: Counter[str] = Counter()
        self.faults_served: Counter[str] = Counter()
        self._query = client.meta.service_model.protocol == "query"
        self._http: URLLib3Session | None = None
        client.meta.events.register("before-send", self._before_send)

    def fail(self, operation: str, times: int, *, status: int = 500, code: str = "InternalFailure") -> None:
        with self._lock:
            self._queued.setdefault(operation, []).extend([_Fault("error", status, code)] * times)

    def inject(self, operation: str, faults: Sequence[str | None]) -> None:
        """Queue faults by kind for `operation`, one per request, in order (appended to those already queued)."""
        kinds = [_check_kind(fault) for fault in faults]
        with self._lock:
            self._queued.setdefault(operation, []).extend(_Fault(kind) for kind in kinds)

    def fault_rate(
        self, operations: str | Iterable[str], kinds: Sequence[str], probability: float, seed: int | None = None
    ) -> None:
        """Serve a random fault from `kinds` with `probability` on requests of `operations` no queued fault claims.

        `operations` is an operation name, several, or `ALL_OPERATIONS`. Draws come from one `random.Random(seed)`
        per call. A probability of 0 (or no kinds) turns random faults off for those operations.
        """
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        checked = tuple(_check_kind(kind) for kind in kinds)
        names = [operations] if isinstance(operations, str) else list(operations)
        rng = random.Random(seed)
        with self._lock:
            for name in names:
                if probability == 0 or not checked:
                    self._rates.pop(name, None)
                else:
                    self._rates[name] = (checked, probability, rng)

    def disarm(self) -> None:
        """No more faults (queued or random); the counters are kept."""
        with self._lock:
            self._queued.clear()
            self._rates.clear()

    def close(self) -> None:
        """Disarm and unregister from the client: its requests are no longer seen."""
        self.disarm()
        self._client.meta.events.unregister("before-send", self._before_send)

    @property
    def faults_total(self) -> int:
        return sum(self.faults_served.values())

    def _pick(self, operation: str) -> _Fault | None:
        with self._lock:
            self.requests[operation] += 1
            queue = self._queued.get(operation)
            fault: _Fault | None = queue.pop(0) if queue else None
            if fault is None:
                rate = self._rates.get(operation) or self._rates.get(ALL_OPERATIONS)
                if rate is not None:
                    kinds, probability, rng = rate
                    if rng.random() < probability:
                        fault = _Fault(rng.choice(kinds))
            if fault is None or fault.kind == "ok":
                return None
            self.faults_served[f"{operation}:{fault.kind}"] += 1
            return fault

    def _before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        operation = _operation_of(request, self._query)
        fault = self._pick(operation)
        if fault is None:
            return None
        if fault.kind == "error":
            return error_response(fault.status, fault.code, query_protocol=self._query)
        if fault.kind == "throttle":
            if self._query:
                return error_response(429, "Throttled", query_protocol=True)
            return error_response(400, "ProvisionedThroughputExceededException", query_protocol=False)
        if fault.kind == "500":
            return error_response(
                500, "InternalError" if self._query else "InternalServerError", query_protocol=self._query
            )
        if fault.kind == "conflict":
            reasons = [{"Code": "None"}, {"Code": "TransactionConflict", "Message": "Transaction is ongoing"}]
            return error_response(
                400, "TransactionCanceledException", query_protocol=self._query, extra={"CancellationReasons": reasons}
            )
        if fault.kind == "reset":
            raise ConnectionClosedError(endpoint_url=request.url, request=request)
        if fault.kind == "connect":
            raise EndpointConnectionError(endpoint_url=request.url, error="injected: connection refused")
        # "timeout": the service gets the request and acts on it; only its answer is lost.
        self._sender().send(request)
        raise ReadTimeoutError(endpoint_url=request.url, request=request, error="injected: read timed out")

    def _sender(self) -> URLLib3Session:
        with self._lock:
            if self._http is None:
                self._http = URLLib3Session(timeout=10)
            return self._http


class Crashes:
    """Kill invocations at one operation of a client: `when="before"` the request is sent (the service never sees it),
    or `when="after"` the service accepted it (a success answer) and before the caller can act on the answer.

    Each call of the operation crashes with `probability`, at most `limit` times in all (None: no limit). `crashes`
    counts the crashes raised, `calls` every call seen.
    """

    def __init__(
        self,
        client: Any,
        operation: str,
        *,
        when: Literal["before", "after"],
        probability: float = 1.0,
        limit: int | None = None,
        seed: int | None = None,
    ) -> None:
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        self._client = client
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.probability = probability
        self.limit = limit
        self.when = when
        self.crashes = 0
        self.calls = 0
        service = client.meta.service_model.service_id.hyphenize()
        self._event = f"{'before' if when == 'before' else 'after'}-call.{service}.{operation}"
        client.meta.events.register(self._event, self._hook)

    def disarm(self) -> None:
        with self._lock:
            self.probability = 0.0

    def close(self) -> None:
        self.disarm()
        self._client.meta.events.unregister(self._event, self._hook)

    def _hook(self, **kwargs: Any) -> None:
        if self.when == "after":
            response = kwargs.get("http_response")
            if response is None or response.status_code >= 300:
                return  # the service refused it: nothing was accepted, so this is no crash "after"
        with self._lock:
            self.calls += 1
            if self.limit is not None and self.crashes >= self.limit:
                return
            if self._rng.random() >= self.probability:
                return
            self.crashes += 1
        raise SimulatedCrash(f"injected crash {self.when} {self._event}")


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
