"""What other code and operators rely on: the template's wiring, the event rule's pattern, the request budget."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from jobtracker.config import Settings
from tests.support.aws import REGION, Stack
from tests.support.cfn import load_template
from tests.support.fake_sagemaker import REPO_ROOT, FakeSageMaker, describe_from_event, load_event
from tests.support.faults import ClientFaults
from tests.support.lambda_runtime import AsyncInvoker

TEMPLATE = load_template(REPO_ROOT / "template.yaml")


def resolved_pattern(prefix: str) -> dict[str, Any]:
    """The rule's EventPattern with the JobNamePrefix condition resolved, as CloudFormation would."""
    pattern = TEMPLATE["Resources"]["TrainingJobStateChangeRule"]["Properties"]["EventPattern"]

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "Fn::If" in node:
                condition, when_true, when_false = node["Fn::If"]
                assert condition == "HasJobNamePrefix"
                return resolve(when_true if prefix else when_false)
            if node == {"Ref": "JobNamePrefix"}:
                return prefix
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(pattern)
    return resolved


def test_the_function_environment_names_exactly_the_settings_the_code_reads() -> None:
    variables = TEMPLATE["Resources"]["TrackerFunction"]["Properties"]["Environment"]["Variables"]
    settings_names = {field.alias for field in Settings.model_fields.values()}
    assert settings_names <= set(variables)
    assert set(variables) - settings_names == {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
    }
    assert variables["TABLE_NAME"] == {"Ref": "JobsTable"}
    assert variables["TOPIC_ARN"] == {"Ref": "AlertTopic"}


@pytest.mark.parametrize("prefix", ["", "xgb-"])
def test_the_rule_matches_training_job_state_changes_only(prefix: str, aws: Stack, moto_endpoint: str) -> None:
    events = boto3.client("events", region_name=REGION, endpoint_url=moto_endpoint)
    queue_arn = aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    # moto's TestEventPattern answers nothing, but rules targeting SQS deliver: route the rule into the queue.
    rule = f"pattern-{aws.table_name[-8:]}"
    events.put_rule(Name=rule, EventPattern=json.dumps(resolved_pattern(prefix)))
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])
    failed, completed = load_event("failed"), load_event("completed")
    processing = {**completed, "detail-type": "SageMaker Processing Job State Change"}
    endpoint = {**completed, "detail-type": "SageMaker Endpoint State Change"}
    other_source = {**completed, "source": "aws.batch"}
    try:
        for event in (failed, completed, processing, endpoint, other_source):
            events.put_events(
                Entries=[
                    {
                        "Source": event["source"],
                        "DetailType": event["detail-type"],
                        "Detail": json.dumps(event["detail"]),
                        "Resources": event["resources"],
                    }
                ]
            )
        received = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        names = sorted(json.loads(m["Body"])["detail"]["TrainingJobName"] for m in received.get("Messages", []))
    finally:
        events.remove_targets(Rule=rule, Ids=["queue"])
        events.delete_rule(Name=rule)
    expected = [completed["detail"]["TrainingJobName"], failed["detail"]["TrainingJobName"]]
    assert names == sorted(name for name in expected if name.startswith(prefix))


def count_requests(lambda_: AsyncInvoker) -> list[ClientFaults]:
    core = lambda_.core
    return [ClientFaults(client) for client in (core.clients.sagemaker, core.clients.dynamodb, core.clients.sns)]


def total(counters: list[ClientFaults]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for counter in counters:
        for operation, count in counter.requests.items():
            merged[operation] = merged.get(operation, 0) + count
    return merged


@pytest.mark.parametrize("name", ["in-progress-training", "completed", "stopped"])
def test_an_event_that_does_not_alert_costs_two_aws_requests(
    name: str, aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event(name)
    sagemaker_fake.put_job(describe_from_event(event))
    counters = count_requests(lambda_)

    lambda_.invoke(event)
    first = total(counters)
    lambda_.invoke(event)  # a duplicate costs the same, never more

    assert first == {"DescribeTrainingJob": 1, "TransactWriteItems": 1}
    assert sum(total(counters).values()) == 4


def test_an_alerting_event_costs_at_most_five_aws_requests(
    aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("failed")
    sagemaker_fake.put_job(describe_from_event(event))
    counters = count_requests(lambda_)

    lambda_.invoke(event)
    first = total(counters)
    lambda_.invoke(event)
    second = {op: count - first.get(op, 0) for op, count in total(counters).items()}

    assert first == {"DescribeTrainingJob": 1, "TransactWriteItems": 1, "PutItem": 1, "Publish": 1, "UpdateItem": 1}
    assert sum(second.values()) <= 3  # Describe, the refused write, and the claim that finds the alert sent
    assert "Publish" not in {op for op, count in second.items() if count}
