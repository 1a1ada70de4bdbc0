"""Catch up on jobs the events missed: list what changed in a window, describe what the table lacks, store it.

AWS delivers service events on a best-effort basis. ListTrainingJobs finds every job modified in the window; a
BatchGetItem of their latest-state items tells which the table already holds at that state or later; only the
others are described and stored, through `Tracker.track`, the handler's own path: conditional, never backwards,
and alerting at most once per job and status.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.config import Config

from jobtracker import keys
from jobtracker.describe import describe_training_job
from jobtracker.models import TrainingJob
from jobtracker.ordering import order_key
from jobtracker.store import RecordOutcome
from jobtracker.tracker import AlertOutcome

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sagemaker import SageMakerClient

    from jobtracker.tracker import Tracker

logger = logging.getLogger(__name__)

# ListTrainingJobs has a low, unpublished rate limit. Adaptive retries add a client-side token bucket that slows
# down after throttling, on top of the pause between pages.
LISTING_CONFIG = Config(retries={"mode": "adaptive", "total_max_attempts": 10}, connect_timeout=3, read_timeout=10)
_BATCH_GET_LIMIT = 100


@dataclass
class ReconcileSummary:
    """What a reconcile run saw and did."""

    seen: int = 0
    already_current: int = 0
    stored: int = 0
    unchanged: int = 0  # described, but the table already held that state (it changed since it was listed)
    vanished: int = 0
    alerts_sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "seen": self.seen,
            "already_current": self.already_current,
            "stored": self.stored,
            "unchanged": self.unchanged,
            "vanished": self.vanished,
            "alerts_sent": self.alerts_sent,
            "failed": self.failed,
        }


def summary_order(summary: dict[str, Any]) -> int:
    """The order key of a ListTrainingJobs summary, comparable with a stored latest state's `order`."""
    job = TrainingJob.model_validate(
        {
            "TrainingJobName": summary["TrainingJobName"],
            "TrainingJobStatus": summary["TrainingJobStatus"],
            "SecondaryStatus": summary.get("SecondaryStatus"),
            "LastModifiedTime": summary.get("LastModifiedTime"),
        }
    )
    return order_key(job)


class Reconciler:
    """Runs the catch-up for one table, with the tracker's own rules."""

    def __init__(
        self,
        tracker: Tracker,
        *,
        sagemaker: SageMakerClient,
        dynamodb: DynamoDBClient,
        table_name: str,
        name_prefix: str = "",
        page_interval: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._tracker = tracker
        self._name_prefix = name_prefix
        self._sagemaker = sagemaker
        self._dynamodb = dynamodb
        self._table = table_name
        self._page_interval = page_interval
        self._sleep = sleep

    def list_modified(self, since: datetime, until: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Summaries of every job last modified after `since` (and before `until`), paced between pages.

        With a name prefix, only the jobs the tracker's rule lets through: NameContains narrows the pages (it is
        a case-insensitive substring match), and a case-sensitive prefix test, EventBridge's own rule, decides.
        """
        request: dict[str, Any] = {
            "LastModifiedTimeAfter": since,
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": 100,
        }
        if until is not None:
            request["LastModifiedTimeBefore"] = until
        if self._name_prefix:
            request["NameContains"] = self._name_prefix
        while True:
            page = self._sagemaker.list_training_jobs(**request)
            for job in page["TrainingJobSummaries"]:
                if job["TrainingJobName"].startswith(self._name_prefix):
                    yield dict(job)
            token = page.get("NextToken")
            if not token:
                return
            request["NextToken"] = token
            self._sleep(self._page_interval)

    def stored_orders(self, names: list[str]) -> dict[str, int]:
        """The `order` of each named job's latest-state item, for the jobs the table has."""
        orders: dict[str, int] = {}
        for start in range(0, len(names), _BATCH_GET_LIMIT):
            pending: dict[str, Any] = {
                self._table: {
                    "Keys": [
                        {"pk": {"S": keys.job_pk(name)}, "sk": {"S": keys.LATEST_SK}}
                        for name in names[start : start + _BATCH_GET_LIMIT]
                    ],
                    "ProjectionExpression": "TrainingJobName, #order",
                    "ExpressionAttributeNames": {"#order": "order"},
                }
            }
            attempt = 0
            while pending:
                answer = self._dynamodb.batch_get_item(RequestItems=pending)
                for item in answer["Responses"].get(self._table, []):
                    orders[item["TrainingJobName"]["S"]] = int(item["order"]["N"])
                pending = dict(answer.get("UnprocessedKeys") or {})
                if pending:
                    attempt += 1
                    self._sleep(min(0.05 * 2**attempt, 2.0))
        return orders

    def run(
        self,
        since: datetime,
        until: datetime | None = None,
        *,
        alert: bool = False,
        progress: Callable[[int, int], None] | None = None,
        lease: Any = None,
    ) -> ReconcileSummary:
        """Store every job modified in the window whose stored state is missing or older.

        `alert`: whether a state found here that alerts sends its alert (once, as always). `progress` is called
        with (done, total) after each job that needed a look. `lease` is passed to `Tracker.track`: the Lambda
        context, when there is one.
        """
        summary = ReconcileSummary()
        listed = list(self.list_modified(since, until))
        summary.seen = len(listed)
        stored = self.stored_orders([job["TrainingJobName"] for job in listed])
        behind = [job for job in listed if stored.get(job["TrainingJobName"], -1) < summary_order(job)]
        summary.already_current = summary.seen - len(behind)
        for done, listed_job in enumerate(behind, start=1):
            name = listed_job["TrainingJobName"]
            try:
                self._catch_up(name, alert=alert, summary=summary, lease=lease)
            except Exception as exc:  # one job's failure must not stop the catch-up of the others
                summary.failed += 1
                summary.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                logger.warning(
                    "reconcile of a job failed", extra={"training_job_name": name, "error_type": type(exc).__name__}
                )
            if progress is not None:
                progress(done, len(behind))
        return summary

    def _catch_up(self, name: str, *, alert: bool, summary: ReconcileSummary, lease: Any = None) -> None:
        described = describe_training_job(self._sagemaker, name)
        if described is None:
            summary.vanished += 1
            return
        result = self._tracker.track(described, alert=alert, lease=lease)
        if result.outcome is RecordOutcome.STORED:
            summary.stored += 1
        else:
            summary.unchanged += 1
        if result.alert is AlertOutcome.SENT:
            summary.alerts_sent += 1
