"""Load and ordering: many jobs' lifecycles, duplicated, shuffled and delivered concurrently, lose and repeat nothing.

The large run is `make load` (benchmarks/load.py); this is its small size, fast enough for `make test`.
"""

from __future__ import annotations

import copy
import re
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from jobtracker.events import parse_event
from jobtracker.models import TRAINING_JOB_NAME_PATTERN
from tests.support.aws import Stack
from tests.support.lambda_runtime import AsyncInvoker, load_app
from tests.support.load import (
    BASE_TIME,
    LaggingSageMaker,
    LoadPlan,
    build_plan,
    check,
    deliver_all,
    lambda_environments,
    linearizable_moto_dynamodb,
    prepare_sagemaker,
    run_load,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

JOBS, WORKERS, STALE = 40, 4, 0.25


@pytest.fixture(scope="module")
def lagging_sagemaker() -> Iterator[LaggingSageMaker]:
    with LaggingSageMaker(timeout_seconds=1.0) as fake:
        yield fake


@pytest.fixture
def linearizable() -> Iterator[None]:
    with linearizable_moto_dynamodb():
        yield


@pytest.fixture
def invoker(
    aws: Stack, lagging_sagemaker: LaggingSageMaker, linearizable: None, monkeypatch: pytest.MonkeyPatch
) -> AsyncInvoker:
    """The real handler, pointed at the lagging SageMaker; warnings and errors are all it logs."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", lagging_sagemaker.endpoint_url)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")
    return AsyncInvoker(load_app())


def test_the_plan_is_realistic_seeded_and_unique_per_run() -> None:
    plan = build_plan(12, seed=5)
    again = build_plan(12, seed=5)
    other_run = build_plan(12, seed=5)

    assert len({job.name for job in plan.jobs}) == 12
    assert {job.outcome for job in plan.jobs} == {"Completed", "Failed", "Stopped", "MaxRuntimeExceeded"}
    assert not {job.name for job in plan.jobs} & {job.name for job in other_run.jobs}  # unique names per run
    assert [[s.label for s in j.states] for j in plan.jobs] == [[s.label for s in j.states] for j in again.jobs]
    for job in plan.jobs:
        moments = [state.modified for state in job.states]
        assert moments == sorted(moments) and len(set(moments)) == len(moments)  # strictly increasing
        assert moments[0] > BASE_TIME
        labels = [(state.status, state.secondary) for state in job.states]
        assert labels[:3] == [("InProgress", "Starting"), ("InProgress", "Downloading"), ("InProgress", "Training")]
        assert (
            labels[3:]
            == {
                "Completed": [("Completed", "Completed")],
                "Failed": [("Failed", "Failed")],
                "Stopped": [("Stopping", "Stopping"), ("Stopped", "Stopped")],
                "MaxRuntimeExceeded": [("Stopped", "MaxRuntimeExceeded")],
            }[job.outcome]
        )
        for state in job.states:
            parsed = parse_event(state.event).detail  # every event is one the handler accepts
            assert parsed.TrainingJobName == job.name
            assert parsed.LastModifiedTime == state.modified
            assert state.answer["LastModifiedTime"] == state.modified
            assert (parsed.FailureReason is not None) is (state.status == "Failed")
            assert len(parsed.SecondaryStatusTransitions or []) == job.states.index(state) + 1
    names = [event["detail"]["TrainingJobName"] for event in plan.deliveries]
    assert all(re.fullmatch(TRAINING_JOB_NAME_PATTERN, name) for name in names)
    copies = Counter((e["detail"]["TrainingJobName"], e["detail"]["LastModifiedTime"]) for e in plan.deliveries)
    assert set(copies.values()) == {1, 2, 3}
    assert len(copies) == plan.events
    assert len({event["id"] for event in plan.deliveries}) == len(plan.deliveries)
    assert names != sorted(names)  # shuffled


def test_a_duplicated_shuffled_concurrent_load_loses_repeats_and_regresses_nothing(
    aws: Stack, invoker: AsyncInvoker, lagging_sagemaker: LaggingSageMaker, fast_retries: None
) -> None:
    plan = build_plan(JOBS, seed=11)
    environments = lambda_environments(WORKERS)  # one Lambda execution environment per worker

    report = run_load(aws, lagging_sagemaker, environments, plan, stale_probability=STALE)

    print("\n" + report.render())
    assert report.violations() == []
    assert report.lost == 0 and not environments.dead_letters and sum(environments.kills.values()) == 0
    assert report.wrong_latest == {}
    assert report.missing_alerts == [] and report.duplicate_alerts == {} and report.unexpected_alerts == []
    assert report.alerts_sent_by_results == report.failed_jobs > 0
    assert report.snapshots_stored_twice == 0 and report.foreign_snapshots == []
    assert report.claims_in_progress == 0
    # The run exercised what it claims to: lagging answers, repeats and stale refusals all happened.
    assert report.stale_answers > 0
    assert report.outcomes["duplicate"] > 0 and report.outcomes["stale"] > 0
    # A delivery can store its snapshot and fail in the alert path (a concurrent copy holds the claim): its retry
    # finds the state DUPLICATE. So STORED answers never exceed the snapshot items, and each final state is one.
    assert report.outcomes["stored"] <= report.snapshots and report.snapshots >= len(plan.jobs)
    assert report.deliveries == len(plan.deliveries) > plan.events


def test_the_checker_catches_a_regressed_state_a_lost_and_a_repeated_alert_and_a_foreign_snapshot(
    aws: Stack, invoker: AsyncInvoker, lagging_sagemaker: LaggingSageMaker, fast_retries: None
) -> None:
    plan = build_plan(6, seed=3, copies=(1, 1), outcomes=("Completed", "Failed"))
    prepare_sagemaker(lagging_sagemaker, plan, stale_probability=0.0)
    deliveries = deliver_all(invoker, plan.deliveries, WORKERS)
    completed, failed, other_failed = _sabotage(aws, plan)

    report = check(aws, plan, deliveries, invoker.dead_letters, workers=WORKERS)

    assert set(report.wrong_latest) == {completed}
    assert report.duplicate_alerts == {failed: 1}
    assert report.missing_alerts == [other_failed]
    assert report.foreign_snapshots and report.foreign_snapshots[0].startswith(completed)
    assert report.snapshots_stored_twice == 1  # the invented key repeats the final state's facts
    assert len(report.violations()) == 5


def _sabotage(aws: Stack, plan: LoadPlan) -> tuple[str, str, str]:
    """Break the table and the queue the ways the invariants must notice; the names of the jobs broken."""
    completed = next(job for job in plan.jobs if job.outcome == "Completed")
    failed, other_failed = [job for job in plan.jobs if job.outcome == "Failed"][:2]
    latest = next(item for item in aws.items(completed.name) if item["sk"]["S"] == "LATEST")
    regressed = copy.deepcopy(latest)
    regressed["TrainingJobStatus"] = {"S": "InProgress"}
    aws.dynamodb.put_item(TableName=aws.table_name, Item=regressed)
    foreign = copy.deepcopy(latest)
    foreign["sk"] = {"S": latest["snapshot_sk"]["S"].replace("Completed#Completed", "Completed#Invented")}
    aws.dynamodb.put_item(TableName=aws.table_name, Item=foreign)
    alerts = aws.alerts(wait_seconds=1)
    for alert in alerts:
        name = alert.attributes["TrainingJobName"]
        if name == other_failed.name:
            continue  # lost
        copies = 2 if name == failed.name else 1  # repeated
        for _ in range(copies):
            attributes: dict[str, MessageAttributeValueTypeDef] = {
                key: {"DataType": "String", "StringValue": value} for key, value in alert.attributes.items()
            }
            aws.sns.publish(TopicArn=aws.topic_arn, Subject=alert.subject, Message=alert.message,
                            MessageAttributes=attributes)  # fmt: skip
    return completed.name, failed.name, other_failed.name


def test_the_linearizable_emulator_lets_exactly_one_of_concurrent_conditional_writes_win(
    aws: Stack, linearizable: None
) -> None:
    writers = 8
    barrier = threading.Barrier(writers)

    def claim(writer: int) -> tuple[int, set[str]]:
        barrier.wait()
        wins, refusals = 0, set()
        for key in range(25):
            try:
                aws.dynamodb.put_item(
                    TableName=aws.table_name,
                    Item={"pk": {"S": "RACE"}, "sk": {"S": f"k{key}"}, "writer": {"N": str(writer)}},
                    ConditionExpression="attribute_not_exists(pk)",
                )
                wins += 1
            except ClientError as exc:
                refusals.add(exc.response["Error"]["Code"])
        return wins, refusals

    with ThreadPoolExecutor(max_workers=writers) as pool:
        answers = list(pool.map(claim, range(writers)))

    stored = [item for item in aws.dump_table() if item["pk"]["S"] == "RACE"]
    assert sum(wins for wins, _ in answers) == len(stored) == 25  # one winner per key, however many raced for it
    assert set().union(*(refusals for _, refusals in answers)) == {"ConditionalCheckFailedException"}


def test_a_cancelled_transaction_undoes_its_own_writes_and_only_those(aws: Stack, linearizable: None) -> None:
    table = aws.table_name
    aws.dynamodb.put_item(TableName=table, Item={"pk": {"S": "A"}, "sk": {"S": "1"}, "v": {"S": "old"}})
    aws.dynamodb.put_item(TableName=table, Item={"pk": {"S": "B"}, "sk": {"S": "1"}})

    def put(pk: str, value: str, condition: str) -> TransactWriteItemTypeDef:
        item = {"pk": {"S": pk}, "sk": {"S": "1"}, "v": {"S": value}}
        return {"Put": {"TableName": table, "Item": item, "ConditionExpression": condition}}

    with pytest.raises(ClientError) as raised:
        # A's put is applied first, then B's condition fails: moto must undo A's, and only A's.
        aws.dynamodb.transact_write_items(
            TransactItems=[put("A", "new", "attribute_exists(pk)"), put("B", "new", "attribute_not_exists(pk)")]
        )
    aws.dynamodb.put_item(TableName=table, Item={"pk": {"S": "C"}, "sk": {"S": "1"}})

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    items = {item["pk"]["S"]: item for item in aws.dump_table()}
    assert items["A"]["v"] == {"S": "old"}
    assert "v" not in items["B"]
    assert set(items) == {"A", "B", "C"}
