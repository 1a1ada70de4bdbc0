"""Small builders of training job answers for tests that need a job but not a whole event file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jobtracker.models import TrainingJob

BASE_TIME = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
REGION = "us-east-1"


def job_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{name.lower()}"


def describe_answer(
    name: str = "bert-finetune-1",
    status: str = "InProgress",
    secondary: str = "Training",
    *,
    minutes: int = 10,
    **overrides: Any,
) -> dict[str, Any]:
    """A DescribeTrainingJob answer in boto3's form (datetimes), `minutes` after BASE_TIME."""
    modified = BASE_TIME + timedelta(minutes=minutes)
    answer: dict[str, Any] = {
        "TrainingJobName": name,
        "TrainingJobArn": job_arn(name),
        "ModelArtifacts": {"S3ModelArtifacts": f"s3://ml-artifacts/{name}/output/model.tar.gz"},
        "TrainingJobStatus": status,
        "SecondaryStatus": secondary,
        "HyperParameters": {"epochs": "3", "learning_rate": "0.0001", "hf_token": "hf_abcdefghijklmnop"},
        "AlgorithmSpecification": {
            "TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-gpu-py311",
            "TrainingInputMode": "File",
        },
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerTraining",
        "ResourceConfig": {"InstanceType": "ml.g5.2xlarge", "InstanceCount": 2, "VolumeSizeInGB": 100},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "CreationTime": BASE_TIME,
        "TrainingStartTime": BASE_TIME + timedelta(minutes=2),
        "LastModifiedTime": modified,
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StartTime": BASE_TIME, "StatusMessage": "Preparing the instances for training"}
        ],
        "Environment": {"WANDB_API_KEY": "0123456789abcdef", "HF_HOME": "/opt/ml/cache"},
    }
    if status in ("Completed", "Failed", "Stopped"):
        answer["TrainingEndTime"] = modified
        answer["TrainingTimeInSeconds"] = int((modified - answer["TrainingStartTime"]).total_seconds())
        answer["BillableTimeInSeconds"] = answer["TrainingTimeInSeconds"]
    if status == "Failed":
        answer["FailureReason"] = 'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "CUDA OOM"'
    answer.update(overrides)
    return answer


def make_job(*args: Any, **kwargs: Any) -> TrainingJob:
    return TrainingJob.model_validate(describe_answer(*args, **kwargs))
