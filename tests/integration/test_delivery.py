"""Real delivery: repeats, reordering, concurrency, retries after errors, throttling and vanished jobs."""

from __future__ import annotations

import copy
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from jobtracker.clients import DYNAMODB_CONFIG, SAGEMAKER_CONFIG, SNS_CONFIG
from tests.support.aws import Stack
from tests.support.builders import job_arn
from tests.support.fake_sagemaker import FakeSageMaker, describe_from_event, load_event
from tests.support.faults import ClientFaults
from tests.support.lambda_runtime import AsyncInvoker

pytestmark = pytest.mark.usefixtures("fast_retries")

BERT = "bert-finetune-2026-12-01-10-00-00"
XGB = "xgb-churn-2026-12-01-11-30-00"


def latest(aws: Stack, name: str) -> dict[str, Any]:
    return next(item for item in aws.items(name) if item["sk"]["S"] == "LATEST")


def snapshots(aws: Stack, name: str) -> list[str]:
    return [item["sk"]["S"] for item in aws.items(name) if item["sk"]["S"].startswith("SNAP#")]


def test_an_older_event_arriving_after_the_final_one_does_not_move_the_state_back(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    training, completed = load_event("in-progress-training"), load_event("completed")
    # Given the job has completed and its Completed event was recorded
    sagemaker_fake.put_job(describe_from_event(completed))
    assert lambda_.invoke(completed)["outcome"] == "stored"
    # When a slow caller's Describe still sees the Training state (read before the job finished)
    sagemaker_fake.set_answers(BERT, [describe_from_event(training)])
    result = lambda_.invoke(training)
    # Then the old state is refused and the latest state stays Completed
    assert result["outcome"] == "stale"
    assert latest(aws, BERT)["TrainingJobStatus"]["S"] == "Completed"
    assert len(snapshots(aws, BERT)) == 1


def test_events_in_any_order_record_each_distinct_state_and_end_at_the_newest(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    starting, training = load_event("in-progress-starting"), load_event("in-progress-training")
    completed = load_event("completed")
    # Describe answers what the job looked like when each delivery was processed
    sagemaker_fake.set_answers(BERT, [describe_from_event(e) for e in (training, starting, completed)])
    sagemaker_fake.put_job(describe_from_event(completed))
    outcomes = [lambda_.invoke(e)["outcome"] for e in (training, starting, completed)]
    assert outcomes == ["stored", "stale", "stored"]
    assert latest(aws, BERT)["TrainingJobStatus"]["S"] == "Completed"
    assert len(snapshots(aws, BERT)) == 2
    assert snapshots(aws, BERT) == sorted(snapshots(aws, BERT))


def test_when_describe_lags_behind_the_event_the_event_detail_is_recorded(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    failed = load_event("failed")
    older = describe_from_event(
        load_event("failed"),
        TrainingJobStatus="InProgress",
        SecondaryStatus="Training",
        FailureReason=None,
        TrainingEndTime=None,
    )
    older["LastModifiedTime"] -= timedelta(minutes=5)
    sagemaker_fake.set_answers(XGB, [older])
    result = lambda_.invoke(failed)
    assert result["snapshot_source"] == "event"
    assert result["training_job_status"] == "Failed"
    assert result["alert"] == "sent"


def test_concurrent_deliveries_of_one_failure_alert_exactly_once(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("failed")
    sagemaker_fake.put_job(describe_from_event(event))
    copies = []
    for index in range(8):
        duplicate = copy.deepcopy(event)
        duplicate["id"] = f"duplicate-{index}"
        copies.append(duplicate)
    barrier = threading.Barrier(len(copies))

    def deliver(one: dict[str, Any]) -> Any:
        barrier.wait()
        return lambda_.deliver(one)

    with ThreadPoolExecutor(max_workers=len(copies)) as pool:
        deliveries = list(pool.map(deliver, copies))

    assert all(not delivery.dead_lettered for delivery in deliveries)
    assert sorted(d.result["alert"] for d in deliveries if d.result)[-1] == "sent"
    assert [d.result["alert"] for d in deliveries if d.result].count("sent") == 1
    assert len(aws.alerts()) == 1
    assert len(snapshots(aws, XGB)) == 1


def test_a_retry_after_an_sns_error_sends_the_alert_that_failed_and_only_once(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("failed")
    sagemaker_fake.put_job(describe_from_event(event))
    sns = ClientFaults(lambda_.core.clients.sns)
    # As many 500s as the SNS client's own retries absorb: the first invocation fails after storing the snapshot
    sns.fail("Publish", times=SNS_CONFIG.retries["total_max_attempts"])

    delivery = lambda_.deliver(event)

    assert delivery.attempts == 2
    assert delivery.result is not None and delivery.result["outcome"] == "duplicate"
    assert delivery.result["alert"] == "sent"
    assert len(aws.alerts()) == 1
    assert lambda_.deliver(event).result["alert"] == "already-sent"  # type: ignore[index]
    assert aws.alerts() == []


def test_throttled_describe_calls_are_retried_by_botocore(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("completed")
    sagemaker_fake.put_job(describe_from_event(event))
    sagemaker_fake.inject("DescribeTrainingJob", ["throttle", "throttle", "500"])

    result = lambda_.invoke(event)

    assert result["outcome"] == "stored"
    assert result["snapshot_source"] == "describe"
    assert sagemaker_fake.requests["DescribeTrainingJob"] == 4


def test_throttling_beyond_the_retry_budget_fails_the_invocation_and_writes_nothing(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("completed")
    sagemaker_fake.put_job(describe_from_event(event))
    sagemaker_fake.inject("DescribeTrainingJob", ["throttle"] * 3 * SAGEMAKER_CONFIG.retries["total_max_attempts"])

    delivery = lambda_.deliver(event)

    assert delivery.dead_lettered
    assert all(
        getattr(e, "response", {}).get("Error", {}).get("Code") == "ThrottlingException" for e in delivery.errors
    )
    assert aws.items(BERT) == []
    sagemaker_fake.clear()
    sagemaker_fake.put_job(describe_from_event(event))
    assert lambda_.deliver(delivery.event).result["outcome"] == "stored"  # type: ignore[index]


def test_a_vanished_job_is_recorded_from_the_event_detail_and_still_alerts(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("failed")  # the fake knows no job: Describe answers ValidationException

    result = lambda_.invoke(event)

    assert result["snapshot_source"] == "event"
    item = latest(aws, XGB)
    assert item["SnapshotSource"]["S"] == "event"
    assert item["TrainingJobArn"]["S"] == job_arn(XGB)
    [alert] = aws.alerts()
    assert "recorded from event" in alert.message


def test_a_dynamodb_outage_fails_the_invocation_so_lambda_retries_it(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("failed")
    sagemaker_fake.put_job(describe_from_event(event))
    dynamodb = ClientFaults(lambda_.core.clients.dynamodb)
    dynamodb.fail("TransactWriteItems", times=DYNAMODB_CONFIG.retries["total_max_attempts"], code="InternalServerError")

    delivery = lambda_.deliver(event)

    assert delivery.attempts == 2
    assert delivery.result is not None and delivery.result["alert"] == "sent"
    assert len(aws.alerts()) == 1


@pytest.mark.parametrize("retention", ["0", "7"])
def test_snapshots_expire_only_when_retention_is_set_and_the_latest_state_never_does(
    retention: str, aws: Stack, sagemaker_fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.lambda_runtime import load_app

    monkeypatch.setenv("SNAPSHOT_RETENTION_DAYS", retention)
    invoker = AsyncInvoker(load_app())
    event = load_event("completed")
    sagemaker_fake.put_job(describe_from_event(event))
    invoker.invoke(event)
    items = {item["sk"]["S"][:5]: item for item in aws.items(BERT)}
    assert "expires_at" not in items["LATES"]
    assert ("expires_at" in items["SNAP#"]) is (retention != "0")
