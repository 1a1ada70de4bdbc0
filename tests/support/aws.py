"""Emulated AWS for tests and the demo: a moto server on 127.0.0.1 and resources built from template.yaml.

The table is created from the `JobsTable` definition of template.yaml itself, so tests exercise the key schema and
indexes that deploy. Alerts are observed as a subscriber sees them: an SQS queue subscribed to the topic.
"""

from __future__ import annotations

import json
import logging
import socket
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from tests.support.cfn import load_template, table_definition, ttl_attribute
from tests.support.fake_sagemaker import REPO_ROOT

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MotoServer:
    """moto's threaded server on a free loopback port."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        # werkzeug logs every request at INFO; tests and the demo want only what goes wrong.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        self.port = free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.endpoint_url = f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        self._server.start()
        return self.endpoint_url

    def stop(self) -> None:
        self._server.stop()


@dataclass(frozen=True)
class Alert:
    """One SNS notification as an SQS subscriber receives it."""

    subject: str
    message: str
    attributes: dict[str, str]


@dataclass
class Stack:
    """The tracker's resources in the emulator: the table, the alert topic and a queue subscribed to it."""

    table_name: str
    topic_arn: str
    queue_url: str
    dynamodb: DynamoDBClient
    sns: SNSClient
    sqs: SQSClient

    @classmethod
    def create(cls, endpoint_url: str, *, prefix: str = "jobtracker") -> Stack:
        suffix = uuid.uuid4().hex[:8]
        session = boto3.session.Session(region_name=REGION)
        dynamodb = session.client("dynamodb", endpoint_url=endpoint_url)
        sns = session.client("sns", endpoint_url=endpoint_url)
        sqs = session.client("sqs", endpoint_url=endpoint_url)
        template = load_template(REPO_ROOT / "template.yaml")
        table_name = f"{prefix}-jobs-{suffix}"
        dynamodb.create_table(TableName=table_name, **table_definition(template))
        attribute = ttl_attribute(template)
        if attribute:
            dynamodb.update_time_to_live(
                TableName=table_name, TimeToLiveSpecification={"AttributeName": attribute, "Enabled": True}
            )
        topic_arn = sns.create_topic(Name=f"{prefix}-alerts-{suffix}")["TopicArn"]
        queue_url = sqs.create_queue(QueueName=f"{prefix}-subscriber-{suffix}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        return cls(table_name, topic_arn, queue_url, dynamodb, sns, sqs)

    def environment(self) -> dict[str, str]:
        """The function's environment, as template.yaml sets it, pointing at these resources."""
        return {
            "TABLE_NAME": self.table_name,
            "TOPIC_ARN": self.topic_arn,
            "ALERT_STATUSES": "Failed",
            "SNAPSHOT_RETENTION_DAYS": "0",
            "POWERTOOLS_SERVICE_NAME": "jobtracker",
            "POWERTOOLS_METRICS_NAMESPACE": "JobTracker",
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }

    def alerts(self, wait_seconds: int = 0) -> list[Alert]:
        """Every notification delivered to the subscriber queue so far (drains the queue)."""
        received: list[Alert] = []
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
            )
            messages = answer.get("Messages", [])
            if not messages:
                return received
            for message in messages:
                envelope: dict[str, Any] = json.loads(message["Body"])
                attributes = {name: value["Value"] for name, value in envelope.get("MessageAttributes", {}).items()}
                received.append(Alert(envelope.get("Subject", ""), envelope["Message"], attributes))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            wait_seconds = 0

    def items(self, name: str) -> list[dict[str, Any]]:
        """Every item of one job's partition, in sort-key order."""
        answer = self.dynamodb.query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"JOB#{name}"}},
            ConsistentRead=True,
        )
        return list(answer["Items"])

    def dump_table(self) -> list[dict[str, Any]]:
        """Every item in the table. Tests only: the product never scans."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": self.table_name}
        while True:
            page = self.dynamodb.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete(self) -> None:
        self.dynamodb.delete_table(TableName=self.table_name)
        self.sns.delete_topic(TopicArn=self.topic_arn)
        self.sqs.delete_queue(QueueUrl=self.queue_url)
