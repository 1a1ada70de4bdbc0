"""Runs the real handler the way Lambda's asynchronous invoke does: a context, retries, and an OnFailure queue."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from tests.support.fake_sagemaker import REPO_ROOT

if TYPE_CHECKING:
    import botocore.session
    from botocore.config import Config

APP_PATH = REPO_ROOT / "functions" / "tracker" / "app.py"
# The retry policies of jobtracker.clients, by service: what `load_app(client_overrides=...)` may adjust.
_CLIENT_CONFIGS = {"sagemaker": "SAGEMAKER_CONFIG", "dynamodb": "DYNAMODB_CONFIG", "sns": "SNS_CONFIG"}


class SimulatedCrash(BaseException):
    """The execution environment died in the middle of an invocation: a Lambda timeout, an out-of-memory kill.

    A BaseException, not an Exception, so that no `except Exception` of the code under test (nor Powertools, which
    cleans its idempotency record up only on Exception) runs: what was written stays written, as after a real crash.
    `AsyncInvoker.deliver` counts it as a failed attempt, as Lambda does, and retries the event.
    """


@dataclass
class FakeLambdaContext:
    """The members of Lambda's context object that Powertools and the handler read."""

    function_name: str = "jobtracker-tracker"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:jobtracker-tracker"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_seconds: float = 60.0
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


@contextlib.contextmanager
def _client_configs(overrides: Mapping[str, Config]) -> Iterator[None]:
    """jobtracker.clients' configs merged with `overrides` while the handler builds its clients, then restored."""
    import jobtracker.clients

    unknown = set(overrides) - set(_CLIENT_CONFIGS)
    if unknown:
        raise ValueError(f"no client config for {sorted(unknown)}; expected some of {sorted(_CLIENT_CONFIGS)}")
    saved = {name: getattr(jobtracker.clients, _CLIENT_CONFIGS[name]) for name in overrides}
    try:
        for name, override in overrides.items():
            setattr(jobtracker.clients, _CLIENT_CONFIGS[name], saved[name].merge(override))
        yield
    finally:
        for name, config in saved.items():
            setattr(jobtracker.clients, _CLIENT_CONFIGS[name], config)


@contextlib.contextmanager
def _botocore_session(shared: botocore.session.Session | None) -> Iterator[None]:
    """While the handler builds its clients, every botocore session it makes reads service models through `shared`'s
    data loader, which keeps them parsed: clients then take milliseconds instead of a large share of a second."""
    if shared is None:
        yield
        return
    import botocore.session

    original = botocore.session.Session
    loader = shared.get_component("data_loader")

    class SharingSession(original):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.register_component("data_loader", loader)

    botocore.session.Session = SharingSession  # type: ignore[misc]
    try:
        yield
    finally:
        botocore.session.Session = original  # type: ignore[misc]


def load_app(
    *,
    client_overrides: Mapping[str, Config] | None = None,
    botocore_session: botocore.session.Session | None = None,
) -> ModuleType:
    """Import functions/tracker/app.py afresh, with a fresh jobtracker.handler built from the current environment.

    `client_overrides` ({"sagemaker": Config(read_timeout=0.3)}, ...) are merged into the product's client configs for
    this handler only: a test scales a timeout down the way `AsyncInvoker.retry_delay` scales Lambda's waits down.
    `botocore_session` lets many handlers of one run share its loaded service models (only its data loader: each handler
    still has its own sessions and clients, each client its own event hooks and retry quota).
    """
    for name in [name for name in sys.modules if name == "jobtracker.handler"]:
        del sys.modules[name]
    spec = importlib.util.spec_from_file_location(f"tracker_app_{uuid.uuid4().hex}", APP_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with _client_configs(client_overrides or {}), _botocore_session(botocore_session):
        spec.loader.exec_module(module)
    module.jobtracker_handler = sys.modules["jobtracker.handler"]  # type: ignore[attr-defined]  # for `core`
    return module


@dataclass
class Delivery:
    """What happened to one event under Lambda's asynchronous retry policy."""

    event: dict[str, Any]
    attempts: int = 0
    result: dict[str, Any] | None = None
    errors: list[BaseException] = field(default_factory=list)

    @property
    def dead_lettered(self) -> bool:
        return self.result is None


class AsyncInvoker:
    """Invokes the handler like Lambda's async invoke: one try plus up to `retries` on error, then the DLQ.

    Lambda waits about a minute before the first retry and two before the second; `retry_delay` is that wait, scaled
    down. It matters: a retry of a delivery that found an alert claim in progress must come after the claim's owner
    had time to finish.

    `context_timeout` is the function's timeout as each invocation's context reports it (the alert claim's lease). In
    Lambda a retry never comes before the failed invocation's timeout is over; to replay a crash faithfully, keep
    `retry_delay` at least `context_timeout`. A `SimulatedCrash` is a failed attempt like any error.
    """

    def __init__(
        self, app: ModuleType, *, retries: int = 2, retry_delay: float = 0.3, context_timeout: float = 60.0
    ) -> None:
        self.app = app
        self.handler: Callable[[dict[str, Any], Any], dict[str, Any]] = app.lambda_handler
        self.retries = retries
        self.retry_delay = retry_delay
        self.context_timeout = context_timeout
        self.dead_letters: list[Delivery] = []

    @property
    def core(self) -> ModuleType:
        """The jobtracker.handler module of this invoker's app (its clients, tracker and settings)."""
        own = getattr(self.app, "jobtracker_handler", None)
        return own if isinstance(own, ModuleType) else importlib.import_module("jobtracker.handler")

    def context(self) -> FakeLambdaContext:
        return FakeLambdaContext(timeout_seconds=self.context_timeout)

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        """One synchronous invocation; exceptions propagate."""
        return self.handler(event, self.context())

    def deliver(self, event: dict[str, Any]) -> Delivery:
        delivery = Delivery(event)
        for attempt in range(1 + self.retries):
            if attempt:
                time.sleep(self.retry_delay * attempt)
            delivery.attempts += 1
            try:
                delivery.result = self.handler(event, self.context())
            except (Exception, SimulatedCrash) as exc:
                delivery.errors.append(exc)
            else:
                return delivery
        self.dead_letters.append(delivery)
        return delivery
