"""Queries: what `jobtracker jobs --status Failed --since 7d` and `jobtracker history JOB` read from a large table.

The table gets tens of thousands of snapshots, loaded with BatchWriteItem. Every item is built by
`SnapshotStore._items`, the store's own item builder, from snapshots of the events/*.json jobs renamed and moved in
time, so each has the real shape and size (compressed document, summary attributes, index keys on the latest state).
Each job's latest state is the item of its last snapshot, as the conditional transaction leaves it.

The queries are those of src/jobtracker/history.py, which counts its requests and the items DynamoDB read
(`ScannedCount`: what a query pays for, filtered or not).
"""

from __future__ import annotations

import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.aws import Stack
from tests.support.fake_sagemaker import describe_from_event, load_event

from jobtracker.history import JobHistory, parse_moment
from jobtracker.models import TrainingJob
from jobtracker.store import SnapshotStore

_LIFE = [("in-progress-starting", "Starting"), ("in-progress-training", "Downloading"), ("in-progress-training", None)]
_ENDS = {  # final state of a job: (template, secondary override), and how often it ends that way
    "Completed": (("completed", None), 0.72),
    "Failed": (("failed", None), 0.12),
    "Stopped": (("stopped", None), 0.08),
    "InProgress": (("in-progress-training", None), 0.08),
}


_END_STATES = [end for end, _ in _ENDS.values()]


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item: attribute names plus values, by the rules of the developer guide."""

    def value_size(value: dict[str, Any]) -> int:
        (kind, data), *_ = value.items()
        if kind == "S":
            return len(data.encode("utf-8"))
        if kind == "B":
            return len(data)
        if kind == "N":
            digits = data.lstrip("-").replace(".", "").strip("0") or "0"
            return math.ceil(len(digits) / 2) + 1
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "M":
            return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in data.items())
        if kind == "L":
            return 3 + sum(value_size(v) + 1 for v in data)
        if kind in ("SS", "NS", "BS"):
            return sum(value_size({kind[0]: v}) for v in data)
        raise ValueError(f"unknown attribute type {kind}")

    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


@dataclass(frozen=True)
class LoadedTable:
    stack: Stack
    jobs: int
    snapshots: int
    latest: int
    seconds: float
    typical_job: str
    long_job: str
    long_job_snapshots: int


def _bases() -> dict[tuple[str, str | None], TrainingJob]:
    bases: dict[tuple[str, str | None], TrainingJob] = {}
    for template, secondary in [*_LIFE, ("stopping", None), ("in-progress-training", "Training"), *_END_STATES]:
        event = load_event(template)
        if secondary:
            event["detail"]["SecondaryStatus"] = secondary
        bases[(template, secondary)] = TrainingJob.model_validate(
            {k: v for k, v in describe_from_event(event).items() if k != "ResponseMetadata"}
        )
    return bases


def _snapshots(
    name: str, life: list[tuple[str, str | None]], ends_at: datetime, bases: dict[tuple[str, str | None], TrainingJob]
) -> list[TrainingJob]:
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}"
    step = timedelta(minutes=3)
    first = ends_at - step * (len(life) - 1)
    return [
        bases[key].model_copy(update={"TrainingJobName": name, "TrainingJobArn": arn, "LastModifiedTime": moment})
        for key, moment in zip(life, (first + step * i for i in range(len(life))), strict=True)
    ]


def load(stack: Stack, *, jobs: int, days: int = 60, seed: int = 7, long_job_snapshots: int = 250) -> LoadedTable:
    """Fill the stack's table with `jobs` jobs whose last change falls in the last `days` days."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    bases = _bases()
    store = SnapshotStore(stack.dynamodb, stack.table_name)
    ends = list(_ENDS.items())
    items: list[dict[str, Any]] = []
    snapshots = 0
    typical = long = ""
    started = time.perf_counter()
    for number in range(jobs):
        name = f"q-{number:06d}-job"
        status = rng.choices([s for s, _ in ends], weights=[w for _, (_, w) in ends])[0]
        life = list(_LIFE[: rng.randint(1, len(_LIFE))]) if status == "InProgress" else list(_LIFE)
        if status == "Stopped":
            life.append(("stopping", None))
        if status != "InProgress":
            life.append(_ENDS[status][0])
        if number == 0:  # one long job: a spot job interrupted and restarted many times
            long = name
            life = list(_LIFE) + [("in-progress-training", "Training")] * (long_job_snapshots - len(_LIFE) - 1)
            life.append(("failed", None))
        elif number == 1:
            typical = name
        ends_at = now - timedelta(seconds=rng.uniform(60, days * 86_400))
        if number == 0:
            ends_at = now - timedelta(hours=6)
        history = _snapshots(name, life, ends_at, bases)
        built = [store._items(snapshot) for snapshot in history]  # the store's own item builder
        items.extend(snapshot for snapshot, _, _ in built)
        items.append(built[-1][1])  # the latest state: the last snapshot's latest-state item
        snapshots += len(built)
    _batch_write(stack, items)
    return LoadedTable(stack, jobs, snapshots, jobs, time.perf_counter() - started, typical, long, long_job_snapshots)


def _batch_write(stack: Stack, items: list[dict[str, Any]], threads: int = 4) -> None:
    def write(chunk: list[dict[str, Any]]) -> None:
        request = {stack.table_name: [{"PutRequest": {"Item": item}} for item in chunk]}
        while request:
            answer = stack.dynamodb.batch_write_item(RequestItems=request)
            request = answer.get("UnprocessedItems") or {}

    chunks = [items[i : i + 25] for i in range(0, len(items), 25)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, chunks))


@dataclass(frozen=True)
class QueryResult:
    label: str
    returned: int
    items_read: int
    requests: int
    bytes_read: int
    seconds: float

    @property
    def read_per_returned(self) -> float:
        return self.items_read / self.returned if self.returned else float("inf")

    @property
    def read_units(self) -> float:
        """Eventually consistent Query read units: half a unit per 4 KB read, rounded up per request (an estimate
        from the returned items' sizes, spread evenly over the requests)."""
        if not self.requests:
            return 0.0
        per_request = self.bytes_read / self.requests
        return self.requests * math.ceil(per_request / 4096) * 0.5


def run_queries(table: LoadedTable) -> list[QueryResult]:
    stack = table.stack
    sizes: dict[tuple[str, str], int] = {}

    def measured(label: str, run: Any) -> QueryResult:
        history = JobHistory(_SizingClient(stack.dynamodb, sizes), stack.table_name)
        sizes.clear()
        started = time.perf_counter()
        found = run(history)
        return QueryResult(
            label, len(found), history.items_read, history.requests, sum(sizes.values()), time.perf_counter() - started
        )

    since = parse_moment("7d")
    return [
        measured("jobs --status Failed --since 7d", lambda h: list(h.jobs(since=since, status="Failed"))),
        measured("jobs --since 7d", lambda h: list(h.jobs(since=since))),
        measured(f"history {table.typical_job}", lambda h: h.timeline(table.typical_job)),
        measured(f"history {table.long_job} (long)", lambda h: h.timeline(table.long_job)),
    ]


class _SizingClient:
    """A DynamoDB client that notes the size of every item a Query returns, for the read-unit estimate."""

    def __init__(self, client: Any, sizes: dict[tuple[str, str], int]) -> None:
        self._client = client
        self._sizes = sizes

    def query(self, **kwargs: Any) -> Any:
        page = self._client.query(**kwargs)
        for item in page["Items"]:
            self._sizes[(item["pk"]["S"], item["sk"]["S"])] = item_size(item)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)
