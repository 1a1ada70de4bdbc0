"""The read side: a job's timeline, the latest state of every job, jobs by status in a time window.

Every read is a Query or GetItem on the table's keys and indexes, never a Scan, and every Query pages through
LastEvaluatedKey. Items come back as `TrainingJob` snapshots decoded from their compressed document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from jobtracker import document, keys
from jobtracker.models import TrainingJob
from jobtracker.timestamps import format_timestamp

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SAGEMAKER_EPOCH = datetime(2017, 11, 1, tzinfo=UTC)
_RELATIVE = re.compile(r"^(?P<count>\d+)(?P<unit>[mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# Sort keys are "<ISO time>#<name>"; "~" sorts after every character of a name, so "<t>~" bounds all keys at <t>.
_AFTER_NAMES = "~"


def parse_moment(text: str, *, now: datetime | None = None) -> datetime:
    """A window bound: "7d", "12h", "30m", "2w" before now, or an ISO date or time ("2026-11-01", UTC if naive)."""
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(text.strip())
    if match:
        try:
            return now - timedelta(**{_UNITS[match["unit"]]: int(match["count"])})
        except OverflowError:
            raise ValueError(f"{text!r} reaches back before the year 1") from None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is neither a duration like 7d or 12h nor an ISO date like 2026-11-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def decode_item(item: dict[str, Any]) -> TrainingJob:
    """The snapshot an item holds, from its compressed document."""
    blob = item["doc"]["B"]
    return TrainingJob.model_validate(document.decompress(bytes(blob)))


@dataclass(frozen=True)
class Change:
    """One member that differs between two consecutive snapshots of a job."""

    member: str
    before: Any
    after: Any


# Members whose change is the timeline itself or noise; reported separately or not at all.
_UNCOMPARED = frozenset({"LastModifiedTime", "SecondaryStatusTransitions", "SnapshotSource", "Truncated"})


def changes(before: TrainingJob, after: TrainingJob) -> list[Change]:
    """What changed from one snapshot to the next, member by member, in the API's member order."""
    old = before.model_dump(mode="json", exclude_none=True)
    new = after.model_dump(mode="json", exclude_none=True)
    found = [
        Change(member, old.get(member), new.get(member))
        for member in dict.fromkeys([*new, *old])
        if member not in _UNCOMPARED and old.get(member) != new.get(member)
    ]
    added = len(after.SecondaryStatusTransitions or []) - len(before.SecondaryStatusTransitions or [])
    if added > 0:
        found.append(
            Change(
                "SecondaryStatusTransitions",
                f"{added} new",
                [t.Status for t in (after.SecondaryStatusTransitions or [])[-added:]],
            )
        )
    return found


class JobNotFoundError(LookupError):
    """The table has no record of the job."""


class JobHistory:
    """Queries over a jobs table. Pass a DynamoDB client; nothing here reads the environment."""

    def __init__(self, client: DynamoDBClient, table_name: str, *, page_size: int = 100) -> None:
        self._client = client
        self.table_name = table_name
        self._page_size = page_size
        self.requests = 0
        self.items_read = 0

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {"TableName": self.table_name, "Limit": self._page_size, **kwargs}
        while True:
            page = self._client.query(**request)
            self.requests += 1
            self.items_read += page.get("ScannedCount", len(page["Items"]))
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def latest(self, name: str) -> TrainingJob:
        """The job's latest recorded state, with its full redacted snapshot."""
        answer = self._client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": keys.job_pk(name)}, "sk": {"S": keys.LATEST_SK}},
        )
        self.requests += 1
        if "Item" not in answer:
            raise JobNotFoundError(name)
        self.items_read += 1
        return decode_item(answer["Item"])

    def timeline(self, name: str) -> list[TrainingJob]:
        """Every stored snapshot of one job, oldest first (its latest state alone once its snapshots expired)."""
        items = self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": keys.job_pk(name)}, ":prefix": {"S": keys.SNAPSHOT_PREFIX}},
        )
        snapshots = [decode_item(item) for item in items]
        if not snapshots:
            # With SnapshotRetentionDays set, old snapshots expire but the latest state never does.
            return [self.latest(name)]
        return snapshots

    def jobs(
        self,
        *,
        since: datetime,
        until: datetime | None = None,
        status: str | None = None,
        name_prefix: str | None = None,
        limit: int | None = None,
    ) -> Iterator[TrainingJob]:
        """The latest state of each job last modified in [since, until], newest first.

        With `status`, one Query on the by-status index. Without, one Query per month on the by-month index,
        from the newest month back. A name prefix is a filter: items of other names are read, then dropped.
        """
        until = until or datetime.now(UTC)
        if limit is not None and limit <= 0:
            return
        # NOTE: no training job predates SageMaker (November 2017); an earlier bound would only add empty month
        # queries, one per month.
        since = max(since, SAGEMAKER_EPOCH)
        bounds = {":from": {"S": format_timestamp(since)}, ":to": {"S": format_timestamp(until) + _AFTER_NAMES}}
        extra: dict[str, Any] = {}
        if name_prefix:
            extra = {
                "FilterExpression": "begins_with(TrainingJobName, :prefix)",
            }
            bounds[":prefix"] = {"S": name_prefix}
        if status:
            partitions = [("by-status", "gsi1pk", "gsi1sk", keys.status_pk(status))]
        else:
            partitions = [("by-month", "gsi2pk", "gsi2sk", month) for month in _months_between(since, until)]
        returned = 0
        for index, pk_name, sk_name, pk_value in partitions:
            items = self._query(
                IndexName=index,
                ScanIndexForward=False,
                KeyConditionExpression=f"{pk_name} = :pk AND {sk_name} BETWEEN :from AND :to",
                ExpressionAttributeValues={":pk": {"S": pk_value}, **bounds},
                **extra,
            )
            for item in items:
                yield decode_item(item)
                returned += 1
                if limit is not None and returned >= limit:
                    return

    def failures(
        self, *, since: datetime, until: datetime | None = None, limit: int | None = None
    ) -> Iterator[TrainingJob]:
        """Jobs whose latest state is Failed, newest first: the question asked most."""
        return self.jobs(since=since, until=until, status="Failed", limit=limit)


def _months_between(since: datetime, until: datetime) -> list[str]:
    """Month partition keys from until's month back to since's, newest first."""
    months = []
    year, month = until.astimezone(UTC).year, until.astimezone(UTC).month
    first = (since.astimezone(UTC).year, since.astimezone(UTC).month)
    while (year, month) >= first:
        months.append(keys.month_pk(datetime(year, month, 1, tzinfo=UTC)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months
