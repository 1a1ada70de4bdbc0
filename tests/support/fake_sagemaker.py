"""A small fake SageMaker endpoint over real HTTP, for the answers moto cannot give.

moto marks every training job Completed at once, never sets FailureReason and returns no Environment. This fake
serves DescribeTrainingJob and ListTrainingJobs on 127.0.0.1 with the wire protocol botocore speaks to SageMaker
(AWS JSON 1.1: ``POST /`` with ``X-Amz-Target: SageMaker.<Operation>``, JSON bodies, timestamps as epoch-seconds
numbers, errors as ``{"__type": ..., "message": ...}``), so the code under test runs its real boto3 client, retries,
timeouts and error handling against it.

Every answer is validated against botocore's own service model before it is stored or sent: first with
``botocore.validate.ParamValidator`` (required members, unknown members, types, minimums), then with the checks that
validator leaves out (maximum lengths and counts, enums, patterns, datetimes for timestamps). A fake therefore cannot
drift from the shape of the real API.

Typical use::

    with FakeSageMaker() as fake:
        fake.put_job(describe_from_event(load_event("failed")))
        fake.inject("DescribeTrainingJob", ["throttle", "reset"])
        client = fake.client(max_attempts=3)
        client.describe_training_job(TrainingJobName="xgb-churn-2026-12-01-11-30-00")
        assert fake.requests["DescribeTrainingJob"] == 3
"""

from __future__ import annotations

import base64
import binascii
import collections
import contextlib
import copy
import functools
import json
import math
import random
import re
import socket
import struct
import sys
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, Self, cast

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ParamValidationError
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import ParamValidator

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

__all__ = [
    "DEFAULT_ENVIRONMENT",
    "EVENTS_DIR",
    "FAULT_KINDS",
    "REPO_ROOT",
    "FakeSageMaker",
    "describe_from_event",
    "event_names",
    "load_event",
    "parse_event_time",
    "validate_describe",
    "validate_output",
]

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
EVENTS_DIR: Final = REPO_ROOT / "events"

DESCRIBE: Final = "DescribeTrainingJob"
LIST: Final = "ListTrainingJobs"
_TARGET_PREFIX: Final = "SageMaker."
_CONTENT_TYPE: Final = "application/x-amz-json-1.1"

FAULT_KINDS: Final = frozenset({"throttle", "500", "reset", "timeout", "ok"})
"""Fault names accepted by `FakeSageMaker.inject` and `FakeSageMaker.fault_rate` (None also means "ok")."""

DEFAULT_ENVIRONMENT: Final[Mapping[str, str]] = {
    "HF_TOKEN": "hf_FAKEtokenForJobtrackerTests000000",
    "WANDB_PROJECT": "jobtracker-fixtures",
    "NCCL_DEBUG": "WARN",
    "PYTHONUNBUFFERED": "TRUE",
    "TOKENIZERS_PARALLELISM": "false",
}
"""Environment added by `describe_from_event` when the caller gives none: realistic, with one secret-looking value."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
# Epoch numbers at or above this are milliseconds: 1e11 seconds is the year 5138, 1e11 milliseconds is March 1973.
_MILLISECONDS_THRESHOLD: Final = 100_000_000_000
_MAX_RESULTS_DEFAULT: Final = 10
_MAX_RESULTS_LIMIT: Final = 100


# --------------------------------------------------------------------------------------------------------------------
# Shape validation
# --------------------------------------------------------------------------------------------------------------------


@functools.cache
def _service_model() -> Any:
    return botocore.session.get_session().get_service_model("sagemaker")


@functools.cache
def _output_shape(operation: str) -> StructureShape:
    return cast(StructureShape, _service_model().operation_model(operation).output_shape)


@functools.cache
def _input_shape(operation: str) -> StructureShape:
    return cast(StructureShape, _service_model().operation_model(operation).input_shape)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    # The model's patterns are Java/ECMA regular expressions; a few (\p{Alnum}) do not compile in Python: skip those.
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _strict_errors(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    """Constraints ParamValidator does not check: maxima, enums, patterns, and datetimes for timestamps.

    Values of the wrong type are skipped here: ParamValidator already reports them.
    """
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if isinstance(value, Mapping):
            members = cast(StructureShape, shape).members
            for key, item in value.items():
                if key in members:
                    _strict_errors(item, members[key], f"{path}.{key}", errors)
    elif kind == "list":
        if isinstance(value, list | tuple):
            if "max" in meta and len(value) > meta["max"]:
                errors.append(f"{path}: {len(value)} items, more than the maximum {meta['max']}")
            member = cast(ListShape, shape).member
            for index, item in enumerate(value):
                _strict_errors(item, member, f"{path}[{index}]", errors)
    elif kind == "map":
        if isinstance(value, Mapping):
            if "max" in meta and len(value) > meta["max"]:
                errors.append(f"{path}: {len(value)} entries, more than the maximum {meta['max']}")
            map_shape = cast(MapShape, shape)
            for key, item in value.items():
                _strict_errors(key, map_shape.key, f"{path} (key: {key!r})", errors)
                _strict_errors(item, map_shape.value, f"{path}.{key}", errors)
    elif kind == "string":
        if isinstance(value, str):
            _string_errors(value, meta, path, errors)
    elif kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool):
            errors.append(f"{path}: a boolean where the model wants a {kind}")
        elif isinstance(value, float) and not math.isfinite(value):
            errors.append(f"{path}: {value} is not a finite number")
        elif isinstance(value, int | float) and "max" in meta and value > meta["max"]:
            errors.append(f"{path}: {value} is more than the maximum {meta['max']}")
    elif kind == "timestamp" and not isinstance(value, datetime):
        errors.append(f"{path}: boto3 form wants a datetime for a timestamp, got {type(value).__name__}")


def _string_errors(value: str, meta: Mapping[str, Any], path: str, errors: list[str]) -> None:
    if "max" in meta and len(value) > meta["max"]:
        errors.append(f"{path}: {len(value)} characters, more than the maximum {meta['max']}")
    enum = meta.get("enum")
    if enum and value not in enum:
        errors.append(f"{path}: {value!r} is not one of {', '.join(enum)}")
    pattern = meta.get("pattern")
    compiled = _compiled(pattern) if pattern else None
    # AWS matches a member against its whole pattern ('.' does not match a line break).
    if compiled is not None and compiled.fullmatch(value) is None:
        errors.append(f"{path}: {value!r} does not match the pattern {pattern!r}")


def validate_output(operation: str, params: Mapping[str, Any]) -> None:
    """Raise ParamValidationError unless ``params`` is a valid boto3-form answer of ``operation``."""
    shape = _output_shape(operation)
    report = ParamValidator().validate(params, shape)
    problems: list[str] = []
    if report.has_errors():
        problems.append(report.generate_report())
    _strict_errors(params, shape, operation, problems)
    if problems:
        raise ParamValidationError(report="\n".join(problems))


def validate_describe(description: Mapping[str, Any]) -> None:
    """Raise ParamValidationError unless ``description`` is shaped like a real DescribeTrainingJob answer."""
    validate_output(DESCRIBE, description)


# --------------------------------------------------------------------------------------------------------------------
# Events and timestamps
# --------------------------------------------------------------------------------------------------------------------


def parse_event_time(value: Any) -> datetime:
    """An aware UTC datetime from what events carry: epoch ms or s (number or digits), ISO-8601, or a datetime."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise TypeError("a boolean is not a timestamp")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+", text):
            value = int(text)
        elif re.fullmatch(r"-?\d+\.\d*", text):
            value = float(text)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, int):
        if abs(value) >= _MILLISECONDS_THRESHOLD:
            return _EPOCH + timedelta(milliseconds=value)
        return _EPOCH + timedelta(seconds=value)
    if isinstance(value, float):
        seconds = value / 1000 if abs(value) >= _MILLISECONDS_THRESHOLD else value
        return _EPOCH + timedelta(seconds=seconds)
    raise TypeError(f"a {type(value).__name__} is not a timestamp")


def _event_to_boto(value: Any, shape: Shape) -> Any:
    """Walk an event value along the output shape, turning every timestamp member into a datetime."""
    kind = shape.type_name
    if kind == "timestamp":
        return parse_event_time(value)
    if kind == "structure" and isinstance(value, Mapping):
        members = cast(StructureShape, shape).members
        return {k: (_event_to_boto(v, members[k]) if k in members else copy.deepcopy(v)) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        member = cast(ListShape, shape).member
        return [_event_to_boto(item, member) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        map_value = cast(MapShape, shape).value
        return {k: _event_to_boto(v, map_value) for k, v in value.items()}
    return copy.deepcopy(value)


# Event detail fields DescribeTrainingJob does not return (the event has Tags as a map; the API has ListTags).
_EVENT_ONLY_FIELDS: Final = frozenset({"Tags"})


def describe_from_event(
    event: Mapping[str, Any], *, environment: Mapping[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    """The full DescribeTrainingJob answer (boto3 form, datetimes) matching one EventBridge event.

    ``event`` is a whole event (or just its ``detail``). Event timestamps (epoch ms numbers or digit strings, ISO
    strings) become aware UTC datetimes, ``Tags`` is dropped, ``Environment`` is ``environment`` (default
    `DEFAULT_ENVIRONMENT`; an empty mapping leaves it out), and fields SageMaker returns but the event lacks get
    realistic defaults. ``overrides`` are applied last, at the top level; an override of None removes that field.
    The result is validated against the real output shape before it is returned.
    """
    detail = event.get("detail", event)
    if not isinstance(detail, Mapping):
        raise TypeError("event detail is not an object")
    shape = _output_shape(DESCRIBE)
    members = shape.members
    description: dict[str, Any] = {
        key: (_event_to_boto(value, members[key]) if key in members else copy.deepcopy(value))
        for key, value in detail.items()
        if key not in _EVENT_ONLY_FIELDS
    }
    env = DEFAULT_ENVIRONMENT if environment is None else environment
    if env:
        description["Environment"] = dict(env)
    description.setdefault("EnableNetworkIsolation", False)
    description.setdefault("EnableInterContainerTrafficEncryption", False)
    description.setdefault("EnableManagedSpotTraining", False)
    output_path = description.get("OutputDataConfig", {}).get("S3OutputPath")
    if output_path and "ModelArtifacts" not in description:
        job_name = description.get("TrainingJobName", "")
        description["ModelArtifacts"] = {
            "S3ModelArtifacts": f"{output_path.rstrip('/')}/{job_name}/output/model.tar.gz"
        }
    if output_path:
        description.setdefault("DebugHookConfig", {"S3OutputPath": output_path, "CollectionConfigurations": []})
    description.setdefault("ProfilerConfig", {"DisableProfiler": True})
    description.setdefault("ProfilingStatus", "Disabled")
    for key, value in overrides.items():
        if value is None:
            description.pop(key, None)
        else:
            description[key] = copy.deepcopy(value)
    validate_describe(description)
    return description


def load_event(name: str) -> dict[str, Any]:
    """events/<name>.json from the repository root, e.g. ``load_event("failed")`` (``.json`` is optional)."""
    filename = name if name.endswith(".json") else f"{name}.json"
    path = EVENTS_DIR / filename
    with path.open(encoding="utf-8") as handle:
        loaded = json.load(handle)
    if not isinstance(loaded, dict):
        raise TypeError(f"{path} does not hold a JSON object")
    return loaded


def event_names() -> list[str]:
    """The names `load_event` accepts, sorted: one per events/*.json file."""
    return sorted(path.stem for path in EVENTS_DIR.glob("*.json"))


# --------------------------------------------------------------------------------------------------------------------
# Wire format
# --------------------------------------------------------------------------------------------------------------------


def _to_wire(value: Any) -> Any:
    """boto3 form to AWS JSON 1.1: datetimes become epoch seconds (a number, with the fraction when there is one)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        delta = aware - _EPOCH
        whole = delta.days * 86_400 + delta.seconds
        return (whole * 10**6 + delta.microseconds) / 10**6 if delta.microseconds else whole
    if isinstance(value, Mapping):
        return {k: _to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_wire(v) for v in value]
    return value


def _normalize_times(value: Any) -> Any:
    """A deep copy with every datetime aware and in UTC (naive ones are taken to be UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, Mapping):
        return {k: _normalize_times(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize_times(v) for v in value]
    return copy.deepcopy(value)


class _ApiError(Exception):
    """An error answer: HTTP status and the JSON 1.1 error body."""

    def __init__(self, status: int, code: str, message: str | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"__type": self.code}
        if self.message is not None:
            body["message"] = self.message
        return body


def _validation_error(message: str) -> _ApiError:
    return _ApiError(400, "ValidationException", message)


def _constraint_error(value: Any, member: str, constraint: str) -> _ApiError:
    # The wording AWS's request validation uses, with the member name in lower camel case.
    wire_name = member[:1].lower() + member[1:]
    return _validation_error(
        f"1 validation error detected: Value '{value}' at '{wire_name}' failed to satisfy constraint: {constraint}"
    )


def _request_time(params: Mapping[str, Any], member: str) -> datetime | None:
    if member not in params or params[member] is None:
        return None
    value = params[member]
    try:
        if isinstance(value, bool):
            raise TypeError(member)
        if isinstance(value, int | float):
            return _EPOCH + timedelta(seconds=value)
        if isinstance(value, str):
            return parse_event_time(value)
    except (TypeError, ValueError, OverflowError):
        pass
    raise _ApiError(400, "SerializationException", f"Cannot parse {member} as a timestamp")


# --------------------------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: FakeSageMaker) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that gave up (read timeouts) or sockets we reset on purpose are not errors worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeSageMaker/1.0"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle plus delayed ACKs add ~40 ms a request.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        fake = cast(_Server, self.server).fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target", "")
        operation = target.removeprefix(_TARGET_PREFIX) if target.startswith(_TARGET_PREFIX) else target
        fault = fake._arrived(operation or "<no X-Amz-Target>")
        if fault == "reset":
            self._reset_connection()
            return
        if fault == "timeout" and fake._closing.wait(fake.timeout_seconds):
            self._reset_connection()  # the fake is stopping: do not keep a sleeping thread around
            return
        if fault == "throttle":
            self._send(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
            return
        if fault == "500":
            self._send(500, {"__type": "InternalFailure"})
            return
        try:
            self._send(200, fake._dispatch(operation, body))
        except _ApiError as error:
            self._send(error.status, error.body())

    def do_GET(self) -> None:
        self._send(404, {"__type": "UnknownOperationException"})

    def _send(self, status: int, payload: Mapping[str, Any]) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", _CONTENT_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away (e.g. after its read timeout)

    def _reset_connection(self) -> None:
        """Drop the connection with a TCP reset and no response, like a load balancer or NAT losing it."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.rfile.close()  # makefile() holds a reference: the socket only really closes without it
            self.connection.close()


class FakeSageMaker:
    """A fake SageMaker endpoint on 127.0.0.1 serving DescribeTrainingJob and ListTrainingJobs.

    Use it as a context manager (``with FakeSageMaker() as fake:``) or call `start` and `stop`. Point boto3 at
    `endpoint_url` (``endpoint_url=``, or ``AWS_ENDPOINT_URL_SAGEMAKER`` for code that builds its own client). Every
    method is thread-safe. ``requests`` counts every request that arrived, by operation name, faulted or not;
    ``faults_served`` counts the faults served, by ``"<Operation>:<kind>"``.
    """

    timeout_seconds: float
    """How long a "timeout" fault holds the request before answering; use a shorter client read timeout."""

    default_sort_order: str = "Ascending"
    """ListTrainingJobs' order when the request gives no SortOrder: the API reference says Ascending."""

    def __init__(self, *, timeout_seconds: float = 2.0) -> None:
        self.timeout_seconds = timeout_seconds
        self.requests: collections.Counter[str] = collections.Counter()
        self.faults_served: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._jobs: dict[str, dict[str, Any]] = {}
        self._answers: dict[str, collections.deque[dict[str, Any]]] = {}
        self._faults: dict[str, collections.deque[str]] = {}
        self._rates: dict[str, tuple[tuple[str, ...], float, random.Random]] = {}
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle -------------------------------------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving on a free port of 127.0.0.1 in a daemon thread; return the endpoint URL."""
        if self._server is None:
            self._closing.clear()
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-sagemaker", daemon=True
            )
            self._thread.start()
        return self.endpoint_url

    def stop(self) -> None:
        """Stop serving and free the port; requests held by "timeout" faults are dropped. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._closing.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``; only while started."""
        if self._server is None:
            raise RuntimeError("FakeSageMaker is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def client(
        self,
        *,
        max_attempts: int = 1,
        mode: Literal["standard", "legacy", "adaptive"] = "standard",
        read_timeout: float = 5.0,
        connect_timeout: float = 2.0,
    ) -> SageMakerClient:
        """A boto3 SageMaker client for this fake with dummy credentials; ``max_attempts`` counts the first try."""
        config = Config(
            retries={"total_max_attempts": max_attempts, "mode": mode},
            read_timeout=read_timeout,
            connect_timeout=connect_timeout,
        )
        return boto3.session.Session().client(
            "sagemaker",
            region_name="us-east-1",
            endpoint_url=self.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            config=config,
        )

    # State -----------------------------------------------------------------------------------------------------------

    def put_job(self, description: Mapping[str, Any]) -> None:
        """Store a job's current DescribeTrainingJob answer (boto3 form); a later call for the same name replaces it.

        Raises ParamValidationError if the answer is not shaped like the real API's. Naive datetimes are taken as UTC.
        """
        stored = _normalize_times(description)
        validate_describe(stored)
        with self._lock:
            self._jobs[stored["TrainingJobName"]] = stored

    def set_answers(self, name: str, descriptions: Iterable[Mapping[str, Any]]) -> None:
        """Queue answers served in order by the next Describe calls for ``name``, before the current state again.

        Replaces any queue left for ``name``. Each answer is validated and must carry ``name``.
        """
        queue: collections.deque[dict[str, Any]] = collections.deque()
        for description in descriptions:
            stored = _normalize_times(description)
            validate_describe(stored)
            if stored["TrainingJobName"] != name:
                raise ValueError(f"an answer for {stored['TrainingJobName']!r} queued for {name!r}")
            queue.append(stored)
        with self._lock:
            self._answers[name] = queue

    def remove_job(self, name: str) -> None:
        """Forget a job and its queued answers: Describe then answers ValidationException, as AWS does."""
        with self._lock:
            self._jobs.pop(name, None)
            self._answers.pop(name, None)

    def job(self, name: str) -> dict[str, Any]:
        """A copy of the stored current state of ``name`` (KeyError if there is none)."""
        with self._lock:
            return copy.deepcopy(self._jobs[name])

    def inject(self, operation: str, faults: Sequence[str | None]) -> None:
        """Queue faults for ``operation`` ("DescribeTrainingJob" or "ListTrainingJobs"), one per request, in order.

        Kinds: "throttle" (400 ThrottlingException), "500" (500 InternalFailure), "reset" (connection closed with a
        TCP reset, no response), "timeout" (held `timeout_seconds`, then answered), "ok" or None (served normally).
        Appends to faults already queued.
        """
        kinds = [_check_fault(fault) for fault in faults]
        with self._lock:
            self._faults.setdefault(_operation_name(operation), collections.deque()).extend(kinds)

    def fault_rate(self, operation: str, kinds: Sequence[str], probability: float, seed: int | None = None) -> None:
        """Serve a random fault from ``kinds`` with ``probability`` on requests no queued fault claims.

        The draws come from ``random.Random(seed)``: with a seed, the n-th request to arrive always gets the same
        answer. A probability of 0 (or no kinds) turns random faults off for ``operation``.
        """
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        checked = tuple(_check_fault(kind) for kind in kinds)
        with self._lock:
            name = _operation_name(operation)
            if probability == 0 or not checked:
                self._rates.pop(name, None)
            else:
                self._rates[name] = (checked, probability, random.Random(seed))

    def clear(self) -> None:
        """Forget every job, queued answer and fault, and zero the counters."""
        with self._lock:
            self._jobs.clear()
            self._answers.clear()
            self._faults.clear()
            self._rates.clear()
            self.requests.clear()
            self.faults_served.clear()

    # Request handling (called from server threads) -------------------------------------------------------------------

    def _arrived(self, operation: str) -> str:
        """Count a request and pick its fault: a queued one first, then a random one, else "ok"."""
        with self._lock:
            self.requests[operation] += 1
            queue = self._faults.get(operation)
            fault = "ok"
            if queue:
                fault = queue.popleft()
            elif operation in self._rates:
                kinds, probability, rng = self._rates[operation]
                if rng.random() < probability:
                    fault = rng.choice(kinds)
            if fault != "ok":
                self.faults_served[f"{operation}:{fault}"] += 1
            return fault

    def _dispatch(self, operation: str, body: bytes) -> dict[str, Any]:
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            raise _ApiError(400, "SerializationException", "Request body is not valid JSON") from None
        if not isinstance(params, dict):
            raise _ApiError(400, "SerializationException", "Request body is not a JSON object")
        if operation == DESCRIBE:
            return self._describe(params)
        if operation == LIST:
            return self._list(params)
        raise _ApiError(400, "UnknownOperationException")

    def _describe(self, params: Mapping[str, Any]) -> dict[str, Any]:
        name = params.get("TrainingJobName")
        if not isinstance(name, str):
            raise _validation_error(
                "1 validation error detected: Value null at 'trainingJobName' failed to satisfy constraint: "
                "Member must not be null"
            )
        _check_string(_input_shape(DESCRIBE), "TrainingJobName", name)
        with self._lock:
            queue = self._answers.get(name)
            answer = queue.popleft() if queue else self._jobs.get(name)
        if answer is None:
            raise _validation_error("Requested resource not found")
        return cast(dict[str, Any], _to_wire(answer))

    def _list(self, params: Mapping[str, Any]) -> dict[str, Any]:
        shape = _input_shape(LIST)
        max_results = params.get("MaxResults", _MAX_RESULTS_DEFAULT)
        if isinstance(max_results, bool) or not isinstance(max_results, int):
            raise _ApiError(400, "SerializationException", "MaxResults must be an integer")
        if not 1 <= max_results <= _MAX_RESULTS_LIMIT:
            raise _constraint_error(
                max_results, "MaxResults", f"Member must have value less than or equal to {_MAX_RESULTS_LIMIT}"
            )
        for member in ("NameContains", "StatusEquals", "SortBy", "SortOrder", "NextToken"):
            if member in params:
                _check_string(shape, member, params[member])
        sort_by = params.get("SortBy", "CreationTime")
        descending = params.get("SortOrder", self.default_sort_order) == "Descending"
        offset = _decode_token(params["NextToken"]) if params.get("NextToken") else 0
        created_after = _request_time(params, "CreationTimeAfter")
        created_before = _request_time(params, "CreationTimeBefore")
        modified_after = _request_time(params, "LastModifiedTimeAfter")
        modified_before = _request_time(params, "LastModifiedTimeBefore")
        name_contains = params.get("NameContains")
        status = params.get("StatusEquals")

        with self._lock:
            jobs = [copy.deepcopy(job) for job in self._jobs.values()]

        def keep(job: Mapping[str, Any]) -> bool:
            created: datetime = job["CreationTime"]
            modified: datetime = job.get("LastModifiedTime", created)
            return (
                (created_after is None or created > created_after)
                and (created_before is None or created < created_before)
                and (modified_after is None or modified > modified_after)
                and (modified_before is None or modified < modified_before)
                and (not name_contains or name_contains.lower() in job["TrainingJobName"].lower())
            )

        def sort_key(job: Mapping[str, Any]) -> tuple[Any, ...]:
            primary: Any = {
                "Name": job["TrainingJobName"],
                "CreationTime": job["CreationTime"],
                "Status": job["TrainingJobStatus"],
            }[sort_by]
            return (primary, job["CreationTime"], job["TrainingJobName"])

        matching = sorted(filter(keep, jobs), key=sort_key, reverse=descending)
        page = matching[offset : offset + max_results]
        # As the API reference warns: MaxResults jobs are picked first, then StatusEquals filters that page, so a
        # page can be short or even empty while NextToken says there is more.
        if status:
            page = [job for job in page if job["TrainingJobStatus"] == status]
        answer: dict[str, Any] = {"TrainingJobSummaries": [_summary(job) for job in page]}
        if offset + max_results < len(matching):
            answer["NextToken"] = _encode_token(offset + max_results)
        validate_output(LIST, answer)
        return cast(dict[str, Any], _to_wire(answer))


_SUMMARY_FIELDS: Final = (
    "TrainingJobName",
    "TrainingJobArn",
    "CreationTime",
    "TrainingEndTime",
    "LastModifiedTime",
    "TrainingJobStatus",
    "SecondaryStatus",
    "WarmPoolStatus",
)


def _summary(job: Mapping[str, Any]) -> dict[str, Any]:
    summary = {key: job[key] for key in _SUMMARY_FIELDS if key in job}
    plan = job.get("ResourceConfig", {}).get("TrainingPlanArn")
    if plan:
        summary["TrainingPlanArn"] = plan
    return summary


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: Any) -> int:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        offset = decoded["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _validation_error("Invalid pagination token") from None
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise _validation_error("Invalid pagination token")
    return offset


def _check_string(shape: StructureShape, member: str, value: Any) -> None:
    """Request validation of one string member, answered the way AWS does (ValidationException)."""
    if not isinstance(value, str):
        raise _ApiError(400, "SerializationException", f"{member} must be a string")
    meta = shape.members[member].metadata
    if "enum" in meta and value not in meta["enum"]:
        raise _constraint_error(value, member, f"Member must satisfy enum value set: [{', '.join(meta['enum'])}]")
    if "max" in meta and len(value) > meta["max"]:
        raise _constraint_error(value, member, f"Member must have length less than or equal to {meta['max']}")
    if "min" in meta and len(value) < meta["min"]:
        raise _constraint_error(value, member, f"Member must have length greater than or equal to {meta['min']}")
    pattern = meta.get("pattern")
    compiled = _compiled(pattern) if pattern else None
    if value and compiled is not None and compiled.fullmatch(value) is None:
        raise _constraint_error(value, member, f"Member must satisfy regular expression pattern: {pattern}")


def _operation_name(operation: str) -> str:
    name = operation.removeprefix(_TARGET_PREFIX)
    if name not in (DESCRIBE, LIST):
        raise ValueError(f"the fake serves {DESCRIBE} and {LIST}, not {operation!r}")
    return name


def _check_fault(fault: str | None) -> str:
    kind = "ok" if fault is None else fault
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault {fault!r}; expected one of {sorted(FAULT_KINDS)} or None")
    return kind
