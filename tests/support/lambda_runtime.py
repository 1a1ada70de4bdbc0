"""Runs the real handler the way Lambda's asynchronous invoke does: a context, retries, and an OnFailure queue."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from tests.support.fake_sagemaker import REPO_ROOT

APP_PATH = REPO_ROOT / "functions" / "tracker" / "app.py"


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


def load_app() -> ModuleType:
    """Import functions/tracker/app.py afresh, with a fresh jobtracker.handler built from the current environment."""
    for name in [name for name in sys.modules if name == "jobtracker.handler"]:
        del sys.modules[name]
    spec = importlib.util.spec_from_file_location(f"tracker_app_{uuid.uuid4().hex}", APP_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
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
    """

    def __init__(self, app: ModuleType, *, retries: int = 2, retry_delay: float = 0.3) -> None:
        self.app = app
        self.handler: Callable[[dict[str, Any], Any], dict[str, Any]] = app.lambda_handler
        self.retries = retries
        self.retry_delay = retry_delay
        self.dead_letters: list[Delivery] = []

    @property
    def core(self) -> ModuleType:
        return importlib.import_module("jobtracker.handler")

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        """One synchronous invocation; exceptions propagate."""
        return self.handler(event, FakeLambdaContext())

    def deliver(self, event: dict[str, Any]) -> Delivery:
        delivery = Delivery(event)
        for attempt in range(1 + self.retries):
            if attempt:
                time.sleep(self.retry_delay * attempt)
            delivery.attempts += 1
            try:
                delivery.result = self.handler(event, FakeLambdaContext())
            except Exception as exc:
                delivery.errors.append(exc)
            else:
                return delivery
        self.dead_letters.append(delivery)
        return delivery
