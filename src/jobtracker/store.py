"""Writes snapshots and the latest state of each job to DynamoDB, under conditions that make delivery safe.

One TransactWriteItems per observation puts both items, each with its own condition:

- the snapshot: `attribute_not_exists(pk)`, so a repeated state (same job, status, secondary status and
  LastModifiedTime, whatever its event id) is stored once;
- the latest state: absent, or older by `ordering.order_key`, and, unless the new state is terminal, not terminal.
  The latest state never moves backwards, whatever order events arrive in.

A race between two deliveries of one job, as DynamoDB serialises it:

    worker A: Describe -> Training (t1)          worker B: Describe -> Failed (t2)
    B: transaction commits (latest = Failed t2)
    A: transaction cancelled, latest condition fails -> STALE, nothing written

Because the two items change together, a stored snapshot implies a latest state at least as new; a cancelled
snapshot condition therefore means DUPLICATE, and a cancelled latest condition alone means STALE.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from jobtracker import document, keys
from jobtracker.errors import StorageConflictError
from jobtracker.models import TrainingJob
from jobtracker.ordering import is_terminal, order_key
from jobtracker.timestamps import format_timestamp

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

# DynamoDB refuses items over 409,600 bytes (moto at 405,000); the budget leaves room for our size estimate's error.
ITEM_BYTES_BUDGET = 380_000
SCHEMA_VERSION = 1
_CONFLICT_ATTEMPTS = 4

Item = dict[str, "AttributeValueTypeDef"]


class RecordOutcome(StrEnum):
    STORED = "stored"  # a new state: snapshot added, latest state moved forward
    DUPLICATE = "duplicate"  # this exact state was stored before; nothing written
    STALE = "stale"  # older than the stored latest state, or a terminal state regressing; refused


@dataclass(frozen=True)
class StoredSnapshot:
    """What `record` stored (or would have): the outcome and the snapshot as the table holds it."""

    outcome: RecordOutcome
    job: TrainingJob
    item_bytes: int


# DynamoDB numbers hold at most 38 significant digits; a larger one fails the write on every retry.
_NUMBER_LIMIT = 10**38


def _s(value: str) -> AttributeValueTypeDef:
    # A lone surrogate ("\ud800" is valid JSON) is no UTF-8: DynamoDB would refuse it. It becomes U+FFFD.
    return {"S": value if value.isascii() else value.encode("utf-8", "replace").decode("utf-8")}


def _n(value: int) -> AttributeValueTypeDef:
    return {"N": str(value)}


def summary_attributes(job: TrainingJob) -> Item:
    """The key facts as top-level attributes, readable straight from the table without decompressing `doc`."""
    item: Item = {
        "TrainingJobName": _s(job.TrainingJobName),
        "TrainingJobStatus": _s(job.TrainingJobStatus),
        "LastModifiedTime": _s(format_timestamp(keys.modified(job))),
        "SnapshotSource": _s(job.SnapshotSource),
    }
    for name in ("SecondaryStatus", "FailureReason", "TrainingJobArn"):
        value = getattr(job, name)
        if value:
            item[name] = _s(value)
    for name in ("CreationTime", "TrainingStartTime", "TrainingEndTime"):
        moment = getattr(job, name)
        if moment is not None:
            item[name] = _s(format_timestamp(moment))
    for name in ("TrainingTimeInSeconds", "BillableTimeInSeconds"):
        number = getattr(job, name)
        if number is not None and abs(number) < _NUMBER_LIMIT:  # the document keeps any number, whatever its size
            item[name] = _n(number)
    if job.ResourceConfig is not None:
        if job.ResourceConfig.InstanceType:
            item["InstanceType"] = _s(job.ResourceConfig.InstanceType)
        count = job.ResourceConfig.InstanceCount
        if count is not None and abs(count) < _NUMBER_LIMIT:
            item["InstanceCount"] = _n(count)
    return item


def item_size(item: Item) -> int:
    """An upper bound of DynamoDB's size of an item of scalar attributes: names plus values, in bytes."""
    total = 0
    for name, value in item.items():
        total += len(name.encode("utf-8"))
        if "S" in value:
            total += len(value["S"].encode("utf-8"))
        elif "B" in value:
            total += len(value["B"])
        elif "N" in value:
            total += len(value["N"]) + 1
        else:
            total += 8
    return total


class SnapshotStore:
    """The write side of the jobs table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        retention_days: int = 0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._retention_seconds = retention_days * 86_400
        self._clock = clock
        self._sleep = sleep

    def record(self, job: TrainingJob) -> StoredSnapshot:
        """Store `job` as a snapshot and, when newer, as the job's latest state. Idempotent and order-insensitive."""
        snapshot, latest, stored_job = self._items(job)
        order = order_key(stored_job)
        condition = "attribute_not_exists(pk) OR #order < :order"
        values: Item = {":order": _n(order)}
        if not is_terminal(stored_job.TrainingJobStatus):
            condition = "attribute_not_exists(pk) OR (#terminal = :false AND #order < :order)"
            values[":false"] = {"BOOL": False}
        request: list[Any] = [
            {"Put": {"TableName": self._table, "Item": snapshot, "ConditionExpression": "attribute_not_exists(pk)"}},
            {
                "Put": {
                    "TableName": self._table,
                    "Item": latest,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#order": "order", "#terminal": "terminal"}
                    if ":false" in values
                    else {"#order": "order"},
                    "ExpressionAttributeValues": values,
                }
            },
        ]
        for attempt in range(_CONFLICT_ATTEMPTS):
            try:
                self._client.transact_write_items(TransactItems=request)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                reasons = [reason.get("Code", "None") for reason in exc.response.get("CancellationReasons", [])]
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    return StoredSnapshot(RecordOutcome.DUPLICATE, stored_job, item_size(latest))
                if reasons[1:2] == ["ConditionalCheckFailed"]:
                    return StoredSnapshot(RecordOutcome.STALE, stored_job, item_size(latest))
                if "TransactionConflict" not in reasons:
                    raise
                # Another writer holds one of the items; back off with jitter and try again.
                self._sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not cryptography
            else:
                return StoredSnapshot(RecordOutcome.STORED, stored_job, item_size(latest))
        raise StorageConflictError(f"transaction for {job.TrainingJobName} kept conflicting")

    def _items(self, job: TrainingJob) -> tuple[Item, Item, TrainingJob]:
        pk = keys.job_pk(job.TrainingJobName)
        moment = keys.modified(job)
        index_sk = keys.index_sk(moment, job.TrainingJobName)
        recorded_at = self._clock()
        common: Item = {
            "pk": _s(pk),
            "schema_version": _n(SCHEMA_VERSION),
            "recorded_at": _s(format_timestamp(datetime.fromtimestamp(recorded_at, tz=UTC))),
            "order": _n(order_key(job)),
            "terminal": {"BOOL": is_terminal(job.TrainingJobStatus)},
        }
        latest: Item = {
            **common,
            "sk": _s(keys.LATEST_SK),
            "entity": _s("latest"),
            "gsi1pk": _s(keys.status_pk(job.TrainingJobStatus)),
            "gsi1sk": _s(index_sk),
            "gsi2pk": _s(keys.month_pk(moment)),
            "gsi2sk": _s(index_sk),
            "snapshot_sk": _s(keys.snapshot_sk(job)),
            **summary_attributes(job),
        }
        budget = ITEM_BYTES_BUDGET - item_size(latest) - len("doc") - len("truncated") - 16
        blob, stored_job = document.encode(job, budget)
        latest["doc"] = {"B": blob}
        if stored_job.Truncated:
            latest["truncated"] = {"BOOL": True}
        snapshot: Item = {
            key: value for key, value in latest.items() if key not in ("gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
        }
        snapshot["sk"] = latest["snapshot_sk"]
        snapshot["entity"] = _s("snapshot")
        del snapshot["snapshot_sk"]
        if self._retention_seconds:
            snapshot["expires_at"] = _n(int(recorded_at) + self._retention_seconds)
        return snapshot, latest, stored_job
