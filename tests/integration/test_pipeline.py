"""The whole path, event to snapshot to alert, through the real handler against emulated AWS over HTTP."""

from __future__ import annotations

import gzip
import json

import pytest

from jobtracker.redaction import REDACTED
from tests.support.aws import Stack
from tests.support.fake_sagemaker import FakeSageMaker, describe_from_event, load_event
from tests.support.lambda_runtime import AsyncInvoker

FAILED_JOB = "xgb-churn-2026-12-01-11-30-00"


def stored_document(item: dict) -> dict:
    return json.loads(gzip.decompress(item["doc"]["B"]))


def latest_item(aws: Stack, name: str) -> dict:
    items = {item["sk"]["S"]: item for item in aws.items(name)}
    return items["LATEST"]


def test_a_failed_job_is_stored_and_alerts_once_with_reason_facts_and_links(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("failed")
    sagemaker_fake.put_job(describe_from_event(event))

    result = lambda_.invoke(event)

    assert result["outcome"] == "stored"
    assert result["alert"] == "sent"
    latest = latest_item(aws, FAILED_JOB)
    assert latest["TrainingJobStatus"]["S"] == "Failed"
    assert latest["FailureReason"]["S"] == event["detail"]["FailureReason"].replace(
        "9d41b7c3e0a2f65d8c1b4e7a3f09d2c6b5e8a14f", REDACTED
    )
    assert latest["gsi1pk"]["S"] == "STATUS#Failed"
    document = stored_document(latest)
    assert document["SnapshotSource"] == "describe"
    assert document["ResourceConfig"]["InstanceType"] == "ml.g5.2xlarge"
    [alert] = aws.alerts()
    assert alert.subject == f"SageMaker training job Failed: {FAILED_JOB}"
    assert "CUDA out of memory" in alert.message
    assert "sagemaker/home?region=us-east-1#/jobs/" + FAILED_JOB in alert.message
    assert alert.attributes["TrainingJobStatus"] == "Failed"
    assert alert.attributes["TrainingJobName"] == FAILED_JOB


def test_a_repeated_failed_event_is_stored_once_and_alerts_once(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("failed")
    sagemaker_fake.put_job(describe_from_event(event))
    repeat = {**event, "id": "another-id-for-the-same-state", "time": "2026-12-01T11:42:30Z"}

    outcomes = [lambda_.invoke(e)["outcome"] for e in (event, repeat, event)]

    assert outcomes == ["stored", "duplicate", "duplicate"]
    snapshots = [item for item in aws.items(FAILED_JOB) if item["sk"]["S"].startswith("SNAP#")]
    assert len(snapshots) == 1
    assert len(aws.alerts()) == 1


@pytest.mark.parametrize("name", ["completed", "stopped", "in-progress-training"])
def test_states_that_do_not_alert_are_stored_without_an_alert(
    name: str, aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event(name)
    sagemaker_fake.put_job(describe_from_event(event))

    result = lambda_.invoke(event)

    assert result == {**result, "outcome": "stored", "alert": "not-due"}
    assert aws.alerts() == []
