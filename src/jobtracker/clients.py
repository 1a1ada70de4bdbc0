"""The AWS clients, built once per process with retries fit for each service.

Plain boto3 clients on one session, so `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` redirect them to an
emulator, and callers (the handler, the CLI, tests, benchmarks) pass them in where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
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


@dataclass(frozen=True)
class Clients:
    sagemaker: SageMakerClient
    dynamodb: DynamoDBClient
    sns: SNSClient

    @classmethod
    def create(cls, session: boto3.session.Session | None = None) -> Clients:
        session = session or boto3.session.Session()
        return cls(
            sagemaker=session.client("sagemaker", config=SAGEMAKER_CONFIG),
            dynamodb=session.client("dynamodb", config=DYNAMODB_CONFIG),
            sns=session.client("sns", config=SNS_CONFIG),
        )
