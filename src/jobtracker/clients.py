"""The AWS clients, built once per process with retries fit for each service.

Plain botocore clients (what boto3 clients are) on one session, so `AWS_ENDPOINT_URL` and
`AWS_ENDPOINT_URL_<SERVICE>` redirect them to an emulator, and callers (the handler, the CLI, tests, benchmarks) pass
them in where they are used.

Cold start: without a session passed in, the clients come from a botocore session directly. boto3 adds nothing to a
client, and importing it (with s3transfer and multiprocessing) costs about a tenth of a bare handler's init. The SNS
client is built on first use: only alerting invocations need it, and they pay for it once per execution environment.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore.config import Config

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sns import SNSClient

# NOTE: SageMaker publishes no rate for DescribeTrainingJob and its limits are not adjustable; hyperparameter tuning
# bursts hit them. Standard retries back off from throttling exponentially with full jitter (up to 1, 2, 4, 8, 16 s),
# so six attempts stay inside the function's 60 s timeout with room for the writes. `total_max_attempts` counts the
# first try.
SAGEMAKER_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 6}, connect_timeout=3, read_timeout=10)
DYNAMODB_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 4}, connect_timeout=3, read_timeout=5)
SNS_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=3, read_timeout=5)
# The tracker's writes are built by its own typed code (and Powertools'), and DynamoDB validates every request itself:
# botocore's client-side check of each request against the service model would walk both items of every transaction,
# attribute by attribute, the largest single CPU cost of a delivered event after the HTTP calls themselves. Errors in
# a request still surface, as DynamoDB's ValidationException instead of botocore's ParamValidationError.
_WRITER = Config(parameter_validation=False)


class Clients:
    """The SageMaker, DynamoDB and SNS clients of one process; `sns` is built the first time it is read."""

    def __init__(
        self,
        sagemaker: SageMakerClient,
        dynamodb: DynamoDBClient,
        sns: SNSClient | None = None,
        *,
        sns_factory: Any = None,
    ) -> None:
        if sns is None and sns_factory is None:
            raise TypeError("Clients needs an SNS client or a way to build one")
        self.sagemaker = sagemaker
        self.dynamodb = dynamodb
        self._sns = sns
        self._sns_factory = sns_factory
        self._lock = threading.Lock()

    @property
    def sns(self) -> SNSClient:
        if self._sns is None:
            # A lock, because botocore sessions are not safe to build clients from concurrently, and because every
            # caller must get the same client (hooks registered on it must see every publish).
            with self._lock:
                if self._sns is None:
                    self._sns = cast("SNSClient", self._sns_factory())
        return self._sns

    @classmethod
    def create(cls, session: boto3.session.Session | None = None) -> Clients:
        # The configs are read now, not when the SNS client is built, so a caller that adjusts them while creating
        # (tests/support/lambda_runtime.py) gets what it asked for.
        sns_config = SNS_CONFIG
        if session is not None:
            boto3_session = session
            return cls(
                sagemaker=boto3_session.client("sagemaker", config=SAGEMAKER_CONFIG),
                dynamodb=boto3_session.client("dynamodb", config=DYNAMODB_CONFIG.merge(_WRITER)),
                sns_factory=lambda: boto3_session.client("sns", config=sns_config),
            )
        core = botocore.session.Session()
        return cls(
            sagemaker=cast("SageMakerClient", core.create_client("sagemaker", config=SAGEMAKER_CONFIG)),
            dynamodb=cast("DynamoDBClient", core.create_client("dynamodb", config=DYNAMODB_CONFIG.merge(_WRITER))),
            sns_factory=lambda: core.create_client("sns", config=sns_config),
        )
