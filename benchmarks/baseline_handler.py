"""The yardstick: the tracker as a competent engineer would write it by hand, with boto3 and nothing else.

It does the same job as jobtracker's TrackerFunction, without a framework: DescribeTrainingJob, secrets masked,
the whole answer stored gzip-compressed with its key fields as top-level attributes in one conditional PutItem (a
state is stored once), and, for a status that alerts, a conditional PutItem that claims the alert before SNS Publish
(the claim is deleted again when Publish fails, so a retry can send it). One JSON log line per event.

What it leaves out, as a hand-written function typically does, is what makes jobtracker's writes order-safe: no
latest-state item (so no status or month index), no "newer of event and Describe", no cutting to the item limit,
and an alert claim with no lease, so a crash between the claim and Publish loses that alert. Those are the
features the comparison prices.

Clients are built once, at import, in Lambda's init phase. Settings come from the same environment variables.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

TABLE_NAME = os.environ["TABLE_NAME"]
TOPIC_ARN = os.environ["TOPIC_ARN"]
ALERT_STATUSES = {s.strip() for s in os.environ.get("ALERT_STATUSES", "Failed").split(",") if s.strip()}
SENSITIVE = re.compile(
    os.environ.get("SENSITIVE_HYPERPARAMETER_PATTERN")
    or r"(?i)(key|secret|token|passw|pwd|credential|auth|private|signature|session|cookie|cert)"
)
ACCESS_KEY = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")
ALERT_RECORD_SECONDS = 400 * 86_400

sagemaker = boto3.client("sagemaker", config=Config(retries={"mode": "standard", "total_max_attempts": 6}))
dynamodb = boto3.client("dynamodb", config=Config(retries={"mode": "standard", "total_max_attempts": 4}))
sns = boto3.client("sns", config=Config(retries={"mode": "standard", "total_max_attempts": 3}))


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _masked(job: dict[str, Any]) -> dict[str, Any]:
    if "Environment" in job:
        job["Environment"] = dict.fromkeys(job["Environment"], "***")
    if "HyperParameters" in job:
        job["HyperParameters"] = {
            k: "***" if SENSITIVE.search(k) or ACCESS_KEY.search(v) else v for k, v in job["HyperParameters"].items()
        }
    if "FailureReason" in job:
        job["FailureReason"] = ACCESS_KEY.sub("***", job["FailureReason"])
    return job


def _claim_alert(name: str, status: str) -> bool:
    """Claim the (job, status) alert; False when an earlier delivery claimed it."""
    try:
        dynamodb.put_item(
            TableName=TABLE_NAME,
            Item={
                "pk": {"S": "ALERT"},
                "sk": {"S": f"alert#{name}#{status}"},
                "expires_at": {"N": str(int(time.time()) + ALERT_RECORD_SECONDS)},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _publish(job: dict[str, Any]) -> None:
    name, status = job["TrainingJobName"], job["TrainingJobStatus"]
    region = sagemaker.meta.region_name
    body = "\n".join(
        [
            f"SageMaker training job {name} is {status}.",
            "",
            f"Secondary status: {job.get('SecondaryStatus', 'unknown')}",
            f"Failure reason:   {job.get('FailureReason', 'not reported')}",
            f"Console: https://{region}.console.aws.amazon.com/sagemaker/home?region={region}#/jobs/{name}",
        ]
    )
    try:
        sns.publish(
            TopicArn=TOPIC_ARN,
            Subject=f"SageMaker training job {status}: {name}"[:99],
            Message=body,
            MessageAttributes={
                "TrainingJobName": {"DataType": "String", "StringValue": name},
                "TrainingJobStatus": {"DataType": "String", "StringValue": status},
            },
        )
    except Exception:
        # Give the claim back so that Lambda's retry can send the alert.
        dynamodb.delete_item(TableName=TABLE_NAME, Key={"pk": {"S": "ALERT"}, "sk": {"S": f"alert#{name}#{status}"}})
        raise


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    detail = event["detail"]
    name = detail["TrainingJobName"]
    try:
        job = sagemaker.describe_training_job(TrainingJobName=name)
        job.pop("ResponseMetadata", None)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ValidationException":
            raise
        job = dict(detail)  # the job is gone: keep what the event says
    job = _masked(job)
    status = job["TrainingJobStatus"]
    secondary = job.get("SecondaryStatus", "-")
    modified = job.get("LastModifiedTime") or datetime.now(UTC)
    modified_text = _iso(modified) if isinstance(modified, datetime) else str(modified)
    item: dict[str, Any] = {
        "pk": {"S": f"JOB#{name}"},
        "sk": {"S": f"SNAP#{modified_text}#{status}#{secondary}"},
        "TrainingJobName": {"S": name},
        "TrainingJobStatus": {"S": status},
        "SecondaryStatus": {"S": secondary},
        "LastModifiedTime": {"S": modified_text},
        "recorded_at": {"S": _iso(datetime.now(UTC))},
        "doc": {"B": gzip.compress(json.dumps(job, default=_iso, separators=(",", ":")).encode(), mtime=0)},
    }
    for key in ("TrainingJobArn", "FailureReason"):
        if job.get(key):
            item[key] = {"S": job[key]}
    for key in ("CreationTime", "TrainingStartTime", "TrainingEndTime"):
        if isinstance(job.get(key), datetime):
            item[key] = {"S": _iso(job[key])}
    for key in ("TrainingTimeInSeconds", "BillableTimeInSeconds"):
        if job.get(key) is not None:
            item[key] = {"N": str(job[key])}
    resources = job.get("ResourceConfig") or {}
    if resources.get("InstanceType"):
        item["InstanceType"] = {"S": resources["InstanceType"]}
    if resources.get("InstanceCount") is not None:
        item["InstanceCount"] = {"N": str(resources["InstanceCount"])}
    outcome = "stored"
    try:
        dynamodb.put_item(TableName=TABLE_NAME, Item=item, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        outcome = "duplicate"
    alert = "not-due"
    if status in ALERT_STATUSES:
        alert = "already-sent"
        if _claim_alert(name, status):
            _publish(job)
            alert = "sent"
    result = {"training_job_name": name, "training_job_status": status, "outcome": outcome, "alert": alert}
    print(json.dumps({"level": "INFO", "message": "training job state tracked", **result}))
    return result
