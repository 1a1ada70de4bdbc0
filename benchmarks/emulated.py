"""Emulated AWS for the bench, in the bench's own process: a moto server and the fake SageMaker on 127.0.0.1.

The measured handlers run in child processes (benchmarks/warm.py), so the emulators' CPU never counts as theirs.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

from tests.support.aws import CREDENTIALS, REGION, MotoServer, Stack
from tests.support.fake_sagemaker import FakeSageMaker


@dataclass
class Emulators:
    moto: MotoServer
    sagemaker: FakeSageMaker

    @property
    def endpoints(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.moto.endpoint_url, "AWS_ENDPOINT_URL_SAGEMAKER": self.sagemaker.endpoint_url}

    def stack(self, prefix: str) -> Stack:
        return Stack.create(self.moto.endpoint_url, prefix=prefix)

    def function_environment(self, stack: Stack) -> dict[str, str]:
        """What the function's process sees: the template's variables for `stack`, credentials, region, endpoints."""
        return {
            **CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            **self.endpoints,
            **stack.environment(),
        }


@contextlib.contextmanager
def emulators() -> Iterator[Emulators]:
    saved = dict(os.environ)
    os.environ.update({**CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION})
    os.environ.pop("AWS_PROFILE", None)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = MotoServer()
    fake = FakeSageMaker(timeout_seconds=3.0)
    try:
        moto.start()
        fake.start()
        yield Emulators(moto, fake)
    finally:
        fake.stop()
        moto.stop()
        os.environ.clear()
        os.environ.update(saved)
