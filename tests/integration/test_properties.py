"""Property: any permutation and duplication of a job's events ends at its true final state with exactly one alert."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.aws import Stack
from tests.support.fake_sagemaker import FakeSageMaker, describe_from_event, load_event
from tests.support.lambda_runtime import AsyncInvoker


def lifecycle(name: str) -> list[dict[str, Any]]:
    """Starting, Training, Failed: three events of one job, in true order."""
    starting, training, completed = (
        copy.deepcopy(load_event(n)) for n in ("in-progress-starting", "in-progress-training", "completed")
    )
    failed = completed
    failed["detail"].update(
        TrainingJobStatus="Failed",
        SecondaryStatus="Failed",
        FailureReason="AlgorithmError: ExecuteUserScriptError:\nExitCode 1",
    )
    failed["detail"].pop("FinalMetricDataList", None)
    events = [starting, training, failed]
    for event in events:
        event["id"] = str(uuid.uuid4())
        event["detail"]["TrainingJobName"] = name
        event["detail"]["TrainingJobArn"] = event["detail"]["TrainingJobArn"].rsplit("/", 1)[0] + "/" + name
    return events


deliveries = st.lists(st.integers(0, 2), max_size=6).flatmap(
    lambda extra: st.permutations([0, 1, 2, *extra]).flatmap(
        lambda order: st.tuples(st.just(order), st.tuples(*(st.integers(i, 2) for i in order)))
    )
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=deliveries)
def test_any_delivery_order_ends_failed_with_one_alert(
    plan: tuple[list[int], tuple[int, ...]], aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    order, described = plan
    name = f"prop-{uuid.uuid4().hex[:12]}"
    events = lifecycle(name)
    answers = [describe_from_event(event) for event in events]
    # Each delivery's Describe sees the job at its event's state or later, never earlier.
    sagemaker_fake.set_answers(name, [answers[i] for i in described])
    sagemaker_fake.put_job(answers[2])

    results = [lambda_.deliver(copy.deepcopy(events[i])) for i in order]

    assert all(not delivery.dead_lettered for delivery in results)
    items = aws.items(name)
    latest = next(item for item in items if item["sk"]["S"] == "LATEST")
    assert latest["TrainingJobStatus"]["S"] == "Failed"
    snapshot_keys = [item["sk"]["S"] for item in items if item["sk"]["S"].startswith("SNAP#")]
    assert len(snapshot_keys) == len(set(snapshot_keys)) <= len(set(described) | {2})
    alerts = [alert for alert in aws.alerts() if alert.attributes["TrainingJobName"] == name]
    assert len(alerts) == 1
    assert [d.result["alert"] for d in results if d.result].count("sent") == 1
