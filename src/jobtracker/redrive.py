"""Re-process what the dead-letter queues kept, through the handler's own path, and delete only what is recorded.

Two queues hold events: the EventBridge rule's DLQ keeps the event itself (delivery to Lambda failed), and the
function's OnFailure destination keeps Lambda's invocation record, whose `requestPayload` is the event (the function
failed three times). Each message is parsed and tracked like a delivery: conditional writes make a redrive safe to
run twice and while new events arrive, and the alert claim keeps alerts to one. A message is deleted only after its
state is recorded; one that fails again stays in its queue, invisible for the visibility timeout, and is reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jobtracker.errors import InvalidEventError
from jobtracker.events import parse_event
from jobtracker.tracker import AlertOutcome

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from jobtracker.tracker import Tracker


@dataclass
class RedriveFailure:
    queue_url: str
    message_id: str
    reason: str


@dataclass
class RedriveSummary:
    received: int = 0
    recorded: int = 0
    alerts_sent: int = 0
    failed: list[RedriveFailure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "recorded": self.recorded,
            "alerts_sent": self.alerts_sent,
            "failed": len(self.failed),
            "failures": [vars(failure) for failure in self.failed],
        }


def event_of(body: str) -> Any:
    """The EventBridge event a DLQ message carries: the body itself, or a Lambda destination record's payload."""
    try:
        message = json.loads(body)
    except json.JSONDecodeError:
        raise InvalidEventError(["message: the body is not JSON"]) from None
    if isinstance(message, dict) and "requestContext" in message and "requestPayload" in message:
        return message["requestPayload"]
    return message


class Redriver:
    """Drains dead-letter queues into the tracker."""

    def __init__(self, tracker: Tracker, sqs: SQSClient, *, visibility_timeout: int = 300) -> None:
        self._tracker = tracker
        self._sqs = sqs
        self._visibility_timeout = visibility_timeout

    def redrive(
        self, queue_url: str, summary: RedriveSummary | None = None, *, progress: Callable[[int], None] | None = None
    ) -> RedriveSummary:
        """Process every message visible in the queue now; each message is tried at most once per run."""
        summary = summary or RedriveSummary()
        # A message that failed comes back once its visibility timeout ends, at once with a timeout of 0: the run
        # ends when a receive brings nothing it has not already tried.
        tried: set[str] = set()
        while True:
            answer = self._sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                VisibilityTimeout=self._visibility_timeout,
            )
            messages = [message for message in answer.get("Messages", []) if message["MessageId"] not in tried]
            if not messages:
                return summary
            for message in messages:
                tried.add(message["MessageId"])
                summary.received += 1
                self._process(queue_url, message, summary)
                if progress is not None:
                    progress(summary.received)

    def _process(self, queue_url: str, message: Any, summary: RedriveSummary) -> None:
        message_id = message["MessageId"]
        try:
            change = parse_event(event_of(message.get("Body", "")))
            result = self._tracker.track_event(change.detail)
        except Exception as exc:  # each message's failure is reported; the others go on
            # Our errors never carry event values; AWS errors carry codes and resource names.
            summary.failed.append(RedriveFailure(queue_url, message_id, f"{type(exc).__name__}: {exc}"))
            return
        self._sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        summary.recorded += 1
        if result.alert is AlertOutcome.SENT:
            summary.alerts_sent += 1
