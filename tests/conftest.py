"""Fixtures shared by every test level. Integration fixtures start emulated AWS on 127.0.0.1 once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.aws import CREDENTIALS, REGION, MotoServer, Stack
from tests.support.fake_sagemaker import FakeSageMaker
from tests.support.lambda_runtime import AsyncInvoker, load_app
from tests.support.load import linearizable_moto_dynamodb


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    # moto's DynamoDB takes no lock between concurrent requests (see linearizable_moto_dynamodb); without one, the
    # concurrency tests would measure moto's races instead of ours.
    server = MotoServer()
    with linearizable_moto_dynamodb():
        yield server.start()
        server.stop()


@pytest.fixture(scope="session")
def sagemaker_fake() -> Iterator[FakeSageMaker]:
    with FakeSageMaker(timeout_seconds=3.0) as fake:
        yield fake


@pytest.fixture
def aws(moto_endpoint: str, sagemaker_fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """Environment pointing every AWS client at the emulators, and a fresh stack built from template.yaml."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", sagemaker_fake.endpoint_url)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    sagemaker_fake.clear()
    stack = Stack.create(moto_endpoint)
    for name, value in stack.environment().items():
        monkeypatch.setenv(name, value)
    yield stack
    stack.delete()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retry backoff without its waits: the same attempts and decisions, in a fraction of the time."""
    from botocore.retries.standard import ExponentialBackoff

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


@pytest.fixture
def lambda_(aws: Stack) -> AsyncInvoker:
    """The real handler (functions/tracker/app.py), loaded with the test's environment."""
    return AsyncInvoker(load_app())
