"""DescribeTrainingJob, answered as a typed snapshot, or None when the job no longer exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from pydantic import ValidationError

from jobtracker.errors import UnexpectedAnswerError, describe_problems
from jobtracker.models import TrainingJob

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient


def describe_training_job(client: SageMakerClient, name: str) -> TrainingJob | None:
    """The job's current description, or None when SageMaker cannot find it (deleted, or another account's)."""
    try:
        answer = client.describe_training_job(TrainingJobName=name)
    except ClientError as exc:
        # SageMaker answers a missing job with ValidationException ("Requested resource not found"). The name was
        # checked against the API's own pattern when the event was parsed, so no other validation can fail here and
        # the code alone tells the case apart, without reading the message.
        if exc.response.get("Error", {}).get("Code") == "ValidationException":
            return None
        raise
    fields = {key: value for key, value in answer.items() if key != "ResponseMetadata"}
    try:
        return TrainingJob.model_validate(fields)
    except ValidationError as exc:
        raise UnexpectedAnswerError(
            "DescribeTrainingJob answered an unexpected shape: " + "; ".join(describe_problems(exc.errors()))  # type: ignore[arg-type]
        ) from None
