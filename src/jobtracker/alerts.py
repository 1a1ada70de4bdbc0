"""Failure alerts: what the message says (pure functions) and publishing it exactly once (Powertools Idempotency).

Exactly once: before publishing, Powertools Idempotency claims the key (job name, status) in the jobs table with a
conditional put; the claim is completed after SNS accepts the message, and removed when publishing fails so a retry
can publish. A concurrent delivery of the same alert finds the claim in progress and fails, so Lambda retries it and
the retry finds the alert completed. The one window left, which no system can close, is a crash between SNS
accepting the message and the claim being completed: after the claim's in-progress lease (the invocation's remaining
time) expires, a retry publishes again.

We use Powertools rather than our own conditional write because it already handles the lease tied to the Lambda
timeout, the expired-claim takeover and the stored result, each tested upstream; our code only chooses the key.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jobtracker.keys import ALERT_PK
from jobtracker.models import TrainingJob
from jobtracker.timestamps import format_timestamp

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

SUBJECT_LIMIT = 99  # SNS: "under 100 characters"
BODY_LIMIT = 200_000  # SNS allows 256 KB; a failure reason is at most 1,024 characters, so this is only a guard.
# NOTE: alert records live 400 days, longer than any redelivery window (Lambda 6 h, EventBridge 24 h) and any
# sensible backfill window; a record that expired would let a replay of that old event alert again.
ALERT_RECORD_SECONDS = 400 * 86_400
_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):sagemaker:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):")
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # what clean_text drops from ASCII text: not \t or \n
_CONSOLE = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


@dataclass(frozen=True)
class Alert:
    subject: str
    body: str
    attributes: dict[str, str]


def clean_text(text: str) -> str:
    """Drop control and format characters (bidi overrides, zero-width marks) but keep line breaks and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii():
        # Of ASCII, only the C0 controls and DEL are in those categories: one pass of a regular expression instead of
        # a lookup for every character (an alert body is a few thousand of them).
        return _ASCII_CONTROLS.sub("", text)
    kept = []
    for char in text:
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    return "".join(kept)


def ascii_line(text: str, limit: int) -> str:
    """Printable ASCII only, on one line, at most `limit` characters: what SNS accepts as a subject."""
    # Decompose accented letters and drop their combining marks ("é" becomes "e"); anything else becomes a space.
    flat = "".join(char for char in unicodedata.normalize("NFKD", text) if unicodedata.category(char) != "Mn")
    printable = "".join(char if " " <= char <= "~" else " " for char in flat)
    single = " ".join(printable.split())
    return single if len(single) <= limit else single[: limit - 3].rstrip() + "..."


def job_location(job: TrainingJob, default_region: str) -> tuple[str, str, str | None]:
    """(partition, region, account) of the job, from its ARN when it has one."""
    match = _ARN.match(job.TrainingJobArn or "")
    if match:
        return match["partition"], match["region"], match["account"]
    return "aws", default_region, None


def console_links(job: TrainingJob, default_region: str) -> tuple[str, str]:
    """Links to the job's SageMaker console page and to its CloudWatch log streams."""
    partition, region, _ = job_location(job, default_region)
    host = _CONSOLE.get(partition, _CONSOLE["aws"])
    base = f"https://{region}.{host}" if partition == "aws" else f"https://{host}"
    name = quote(job.TrainingJobName, safe="")
    console = f"{base}/sagemaker/home?region={region}#/jobs/{name}"
    # CloudWatch's console encodes its fragment twice: "/" is $252F, "?" is $3F and "=" is $3D.
    logs = (
        f"{base}/cloudwatch/home?region={region}#logsV2:log-groups/log-group/"
        f"$252Faws$252Fsagemaker$252FTrainingJobs$3FlogStreamNameFilter$3D{name}"
    )
    return console, logs


def human_duration(seconds: int | float | None) -> str:
    if seconds is None:
        return "unknown"
    remaining = int(seconds)
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if remaining >= size:
            parts.append(f"{remaining // size}{unit}")
            remaining %= size
    parts.append(f"{remaining}s")
    return " ".join(parts)


def _when(moment: datetime | None) -> str:
    return format_timestamp(moment) if moment else "not recorded"


def job_duration(job: TrainingJob) -> int | None:
    if job.TrainingTimeInSeconds is not None:
        return job.TrainingTimeInSeconds
    if job.TrainingStartTime and job.TrainingEndTime:
        return int((job.TrainingEndTime - job.TrainingStartTime).total_seconds())
    return None


def state_label(job: TrainingJob) -> str:
    secondary = job.SecondaryStatus
    if secondary and secondary != job.TrainingJobStatus:
        return f"{job.TrainingJobStatus} ({secondary})"
    return job.TrainingJobStatus


def format_alert(job: TrainingJob, default_region: str) -> Alert:
    """The alert for `job`, as subscribers receive it: subject, plain-text body and filterable attributes."""
    _, region, account = job_location(job, default_region)
    console, logs = console_links(job, default_region)
    resources = job.ResourceConfig
    instances = "unknown"
    if resources is not None and resources.InstanceType:
        instances = f"{resources.InstanceCount or 1} x {resources.InstanceType}"
    reason = clean_text(job.FailureReason) if job.FailureReason else "SageMaker gave no failure reason."
    billable = job.BillableTimeInSeconds
    lines = [
        f"SageMaker training job {job.TrainingJobName} is {state_label(job)}.",
        "",
        f"Job:               {job.TrainingJobName}",
        f"Status:            {job.TrainingJobStatus}",
        f"Secondary status:  {job.SecondaryStatus or 'unknown'}",
        f"Account / region:  {account or 'unknown'} / {region}",
        f"Started:           {_when(job.TrainingStartTime)}",
        f"Ended:             {_when(job.TrainingEndTime)}",
        f"Duration:          {human_duration(job_duration(job))}",
        f"Billable seconds:  {billable if billable is not None else 'not reported'}",
        f"Instances:         {instances}",
        "",
        "Failure reason:",
        *(f"  {line}" for line in reason.split("\n")),
        "",
        f"SageMaker console: {console}",
        f"CloudWatch logs:   {logs}",
        "",
        f"Last modified {_when(job.LastModifiedTime)}; recorded from {job.SnapshotSource}.",
    ]
    # Every member printed is cleaned, not only the reason: any text of the answer (an instance type, an extra
    # member) is SageMaker's or the caller's, and a terminal or chat client would interpret control characters.
    body = clean_text("\n".join(lines))
    if len(body) > BODY_LIMIT:
        body = body[:BODY_LIMIT] + "\n[cut to fit SNS's message limit]"
    subject = ascii_line(f"SageMaker training job {state_label(job)}: {job.TrainingJobName}", SUBJECT_LIMIT)
    attributes = {"TrainingJobName": job.TrainingJobName, "TrainingJobStatus": job.TrainingJobStatus}
    if job.SecondaryStatus:
        attributes["SecondaryStatus"] = job.SecondaryStatus
    return Alert(subject=subject, body=body, attributes=attributes)


class _RemainingTime:
    """Stands in for the Lambda context outside Lambda (CLI, backfill): a claim's lease of `seconds`."""

    def __init__(self, seconds: int) -> None:
        self._millis = seconds * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._millis


class AlertPublisher:
    """Publishes each (job, status) alert once, whatever the number of deliveries, retries and workers."""

    def __init__(
        self,
        sns: SNSClient,
        dynamodb: DynamoDBClient,
        *,
        table_name: str,
        topic_arn: str,
        default_region: str,
    ) -> None:
        # Imported here, not at module level: only alerting invocations pay for Powertools Idempotency's import.
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self._sns = sns
        self._topic_arn = topic_arn
        self._default_region = default_region
        persistence = DynamoDBPersistenceLayer(
            table_name=table_name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=ALERT_PK,
            expiry_attr="expires_at",
            boto3_client=dynamodb,
        )
        self._config = IdempotencyConfig(
            event_key_jmespath="[TrainingJobName, TrainingJobStatus]",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=ALERT_RECORD_SECONDS,
        )
        self._config.register_lambda_context(_RemainingTime(60))  # type: ignore[arg-type]
        self._send_once = idempotent_function(
            data_keyword_argument="claim",
            persistence_store=persistence,
            config=self._config,
            key_prefix="alert",
        )(self._publish)

    def set_lease_from(self, context: Any) -> None:
        """Tie an in-progress claim's lease to the invocation's remaining time (Powertools' Lambda timeout guard)."""
        self._config.register_lambda_context(context)

    def ensure_sent(self, job: TrainingJob) -> bool:
        """Publish the alert for `job` unless it was published before; True when this call published it."""
        claim = {"TrainingJobName": job.TrainingJobName, "TrainingJobStatus": job.TrainingJobStatus}
        # The token is not part of the idempotency key. A replay returns the stored result of the call that
        # published, carrying that call's token, so comparing tokens tells "sent now" from "sent before" without
        # shared state between threads.
        token = uuid.uuid4().hex
        result = self._send_once(claim=claim, job=job, token=token)
        return isinstance(result, dict) and result.get("token") == token

    def _publish(self, claim: dict[str, str], job: TrainingJob, token: str) -> dict[str, str]:
        alert = format_alert(job, self._default_region)
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            name: {"DataType": "String", "StringValue": value} for name, value in alert.attributes.items()
        }
        answer = self._sns.publish(
            TopicArn=self._topic_arn, Subject=alert.subject, Message=alert.body, MessageAttributes=attributes
        )
        return {**claim, "MessageId": answer["MessageId"], "token": token}
