"""`jobtracker redrive`: dead-lettered events back through the handler's path, deleted only once recorded."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from jobtracker.cli import app
from tests.support.aws import Stack
from tests.support.fake_sagemaker import FakeSageMaker, describe_from_event, load_event
from tests.support.lambda_runtime import AsyncInvoker

XGB = "xgb-churn-2026-12-01-11-30-00"
BERT = "bert-finetune-2026-12-01-10-00-00"


def lambda_destination_record(event: dict[str, Any]) -> dict[str, Any]:
    """What Lambda's OnFailure destination sends to SQS after the retries are exhausted."""
    return {
        "version": "1.0",
        "timestamp": "2026-12-01T11:45:00.000Z",
        "requestContext": {
            "requestId": "c0f1e2d3-0000-4000-8000-000000000000",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:jobtracker-tracker:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "Rate exceeded", "errorType": "ClientError"},
    }


@pytest.fixture
def queues(aws: Stack) -> tuple[str, str]:
    rule_dlq = aws.sqs.create_queue(QueueName=f"rule-dlq-{aws.table_name[-8:]}")["QueueUrl"]
    function_dlq = aws.sqs.create_queue(QueueName=f"function-dlq-{aws.table_name[-8:]}")["QueueUrl"]
    return rule_dlq, function_dlq


def redrive(aws: Stack, *queue_urls: str, extra: tuple[str, ...] = ()) -> Any:
    arguments = ["redrive", "--table", aws.table_name, "--topic-arn", aws.topic_arn, "--output", "json"]
    for url in queue_urls:
        arguments += ["--queue-url", url]
    return CliRunner().invoke(app, [*arguments, *extra])


def visible(aws: Stack, queue_url: str) -> int:
    attributes = aws.sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_both_kinds_of_dead_letter_are_recorded_alerted_once_and_deleted(
    aws: Stack, sagemaker_fake: FakeSageMaker, queues: tuple[str, str]
) -> None:
    rule_dlq, function_dlq = queues
    failed, completed = load_event("failed"), load_event("completed")
    for event in (failed, completed):
        sagemaker_fake.put_job(describe_from_event(event))
    aws.sqs.send_message(QueueUrl=rule_dlq, MessageBody=json.dumps(completed))
    aws.sqs.send_message(QueueUrl=function_dlq, MessageBody=json.dumps(lambda_destination_record(failed)))
    # The same failure also dead-lettered twice: the redrive must still alert once.
    aws.sqs.send_message(QueueUrl=function_dlq, MessageBody=json.dumps(lambda_destination_record(failed)))

    result = redrive(aws, rule_dlq, function_dlq)

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary == {**summary, "received": 3, "recorded": 3, "alerts_sent": 1, "failed": 0}
    assert visible(aws, rule_dlq) == visible(aws, function_dlq) == 0
    assert {item["TrainingJobName"]["S"] for item in aws.items(XGB) + aws.items(BERT)} == {XGB, BERT}
    [alert] = aws.alerts()
    assert alert.attributes["TrainingJobName"] == XGB


def test_a_message_that_fails_again_stays_in_its_queue_with_its_reason_and_a_second_run_is_safe(
    aws: Stack, sagemaker_fake: FakeSageMaker, queues: tuple[str, str], lambda_: AsyncInvoker
) -> None:
    rule_dlq, _ = queues
    failed = load_event("failed")
    sagemaker_fake.put_job(describe_from_event(failed))
    broken = copy.deepcopy(failed)
    del broken["detail"]["TrainingJobStatus"]
    aws.sqs.send_message(QueueUrl=rule_dlq, MessageBody=json.dumps(broken))
    aws.sqs.send_message(QueueUrl=rule_dlq, MessageBody="not json at all")
    aws.sqs.send_message(QueueUrl=rule_dlq, MessageBody=json.dumps(failed))
    lambda_.invoke(failed)  # meanwhile, the live function recorded the same failure and alerted

    first = redrive(aws, rule_dlq, extra=("--visibility-timeout", "0"))
    second = redrive(aws, rule_dlq, extra=("--visibility-timeout", "0"))

    assert first.exit_code == second.exit_code == 1
    summary = json.loads(first.stdout)
    assert summary["recorded"] == 1
    assert summary["alerts_sent"] == 0
    reasons = sorted(failure["reason"] for failure in summary["failures"])
    assert reasons[0].startswith("InvalidEventError: invalid training job state change event: detail.TrainingJobStatus")
    assert reasons[1] == "InvalidEventError: invalid training job state change event: message: the body is not JSON"
    assert json.loads(second.stdout)["received"] == 2
    assert visible(aws, rule_dlq) == 2
    assert len(aws.alerts()) == 1
    assert "error: 2 of 3 messages failed again" in first.stderr


def test_redrive_needs_a_queue_and_a_topic(aws: Stack) -> None:
    no_queue = CliRunner().invoke(app, ["redrive", "--table", aws.table_name, "--topic-arn", aws.topic_arn])
    assert no_queue.exit_code == 1
    assert no_queue.stderr.strip() == "error: no dead-letter queue: pass --queue-url or --stack-name"
