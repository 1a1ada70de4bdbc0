"""Bad input, secrets and size: what the tracker refuses, what it never lets out, and what it still stores."""

from __future__ import annotations

import copy
import gzip
import json
import random
import string
from datetime import timedelta
from typing import Any

import pytest

from jobtracker.errors import InvalidEventError
from tests.support.aws import Stack
from tests.support.fake_sagemaker import DEFAULT_ENVIRONMENT, FakeSageMaker, describe_from_event, load_event
from tests.support.lambda_runtime import AsyncInvoker

XGB = "xgb-churn-2026-12-01-11-30-00"
EVENT_SECRET = "9d41b7c3e0a2f65d8c1b4e7a3f09d2c6b5e8a14f"  # the wandb_api_key hyperparameter of events/failed.json


def everything_stored(aws: Stack) -> str:
    """All the table holds, documents decompressed, as one text to search."""
    parts = []
    for item in aws.dump_table():
        for value in item.values():
            if "B" in value:
                parts.append(gzip.decompress(value["B"]).decode())
            else:
                parts.append(json.dumps(value))
    return "\n".join(parts)


def without(mapping: dict[str, Any], path: str) -> dict[str, Any]:
    changed = copy.deepcopy(mapping)
    *parents, leaf = path.split(".")
    target = changed
    for parent in parents:
        target = target[parent]
    del target[leaf]
    return changed


def replaced(mapping: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(mapping)
    *parents, leaf = path.split(".")
    target = changed
    for parent in parents:
        target = target[parent]
    target[leaf] = value
    return changed


@pytest.mark.parametrize("fallback", [False, True], ids=["described", "vanished-job"])
def test_no_secret_reaches_the_table_the_alert_or_the_logs(
    fallback: bool, aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    event = load_event("failed")
    if not fallback:
        sagemaker_fake.put_job(describe_from_event(event, environment={**DEFAULT_ENVIRONMENT, "DB_PASSWORD": "pw-1"}))

    lambda_.invoke(event)

    secrets = [EVENT_SECRET, DEFAULT_ENVIRONMENT["HF_TOKEN"], "pw-1"]
    stored, [alert], logs = everything_stored(aws), aws.alerts(), capsys.readouterr().out
    for secret in secrets:
        assert secret not in stored
        assert secret not in alert.message
        assert secret not in logs
    assert "wandb_api_key" in stored  # the name is kept, only the value is masked
    assert "CUDA out of memory" in alert.message
    if not fallback:
        assert '"HF_TOKEN":"***REDACTED***"' in stored


BAD_EVENTS = {
    "not-an-object": ["a", "list"],
    "empty": {},
    "other-source": replaced(load_event("failed"), "source", "aws.ec2"),
    "other-sagemaker-kind": replaced(load_event("failed"), "detail-type", "SageMaker Processing Job State Change"),
    "no-detail": without(load_event("failed"), "detail"),
    "no-job-name": without(load_event("failed"), "detail.TrainingJobName"),
    "bad-job-name": replaced(load_event("failed"), "detail.TrainingJobName", "bad name; DROP TABLE"),
    "no-status": without(load_event("failed"), "detail.TrainingJobStatus"),
    "status-not-text": replaced(load_event("failed"), "detail.TrainingJobStatus", 3),
    "no-last-modified": without(load_event("failed"), "detail.LastModifiedTime"),
    "bad-time": replaced(load_event("failed"), "detail.LastModifiedTime", "yesterday"),
    "hyperparameters-not-a-map": replaced(load_event("failed"), "detail.HyperParameters", ["epochs", "10"]),
}


@pytest.mark.parametrize("name", sorted(BAD_EVENTS))
def test_a_malformed_event_raises_a_validation_error_naming_the_problem_and_writes_nothing(
    name: str, aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    sagemaker_fake.put_job(describe_from_event(load_event("failed")))

    with pytest.raises(InvalidEventError) as raised:
        lambda_.invoke(BAD_EVENTS[name])

    assert raised.value.problems
    assert EVENT_SECRET not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__context__ is None or raised.value.__suppress_context__
    assert aws.dump_table() == []
    assert aws.alerts() == []
    assert sagemaker_fake.requests["DescribeTrainingJob"] == 0


def test_the_validation_error_says_which_field_is_wrong(aws: Stack, lambda_: AsyncInvoker) -> None:
    with pytest.raises(InvalidEventError, match=r"detail\.LastModifiedTime"):
        lambda_.invoke(BAD_EVENTS["bad-time"])
    with pytest.raises(InvalidEventError, match=r"detail-type"):
        lambda_.invoke(BAD_EVENTS["other-sagemaker-kind"])


def test_fields_sagemaker_adds_later_do_not_break_parsing_and_are_kept(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = replaced(load_event("completed"), "detail.FutureField", {"Nested": [1, 2]})
    event["another-envelope-field"] = "x"

    result = lambda_.invoke(event)  # the fake has no such job: the detail itself is stored

    assert result["outcome"] == "stored"
    assert '"FutureField":{"Nested":[1,2]}' in everything_stored(aws)


@pytest.mark.parametrize("shape", ["number", "digits", "iso"])
def test_every_timestamp_shape_in_events_is_accepted(
    shape: str, aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("completed")
    millis = int(event["detail"]["LastModifiedTime"])
    value: Any = {"number": millis, "digits": str(millis), "iso": "2026-12-01T12:10:00.500Z"}[shape]
    result = lambda_.invoke(replaced(event, "detail.LastModifiedTime", value))
    assert result["outcome"] == "stored"


def test_the_worst_case_describe_answer_is_stored_under_the_item_limit_with_its_facts_intact(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    rng = random.Random(3)
    noise = lambda length: "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))
    event = load_event("failed")
    answer = describe_from_event(
        event,
        environment={f"VAR_{i:03d}": noise(512) for i in range(100)},
        HyperParameters={f"param_{i:03d}": noise(2500) for i in range(100)},
        FailureReason="Failed:\n" + noise(1000),
    )
    start = answer["CreationTime"]
    answer["SecondaryStatusTransitions"] = [
        {"Status": "Training", "StartTime": start + timedelta(seconds=i), "StatusMessage": f"step {i} " + noise(60)}
        for i in range(6000)
    ]
    sagemaker_fake.put_job(answer)

    result = lambda_.invoke(event)

    assert result["outcome"] == "stored"
    latest = next(item for item in aws.items(XGB) if item["sk"]["S"] == "LATEST")
    assert latest["FailureReason"]["S"] == answer["FailureReason"]
    document = json.loads(gzip.decompress(latest["doc"]["B"]))
    assert document["TrainingJobStatus"] == "Failed"
    assert document["FailureReason"] == answer["FailureReason"]
    assert document["LastModifiedTime"] == latest["LastModifiedTime"]["S"]
    if result["truncated"]:
        assert set(document["Truncated"]) <= {"SecondaryStatusTransitions", "HyperParameters", "Environment"}
    [alert] = aws.alerts()
    assert answer["FailureReason"].split("\n")[1] in alert.message
