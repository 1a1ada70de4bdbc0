"""The stored form of a snapshot: gzip-compressed JSON that always fits in one DynamoDB item.

The worst Describe answer (100 hyperparameters of 2,500 characters, thousands of status transitions) is far over the
400 KB item limit as plain JSON. Compression brings almost every real answer under it. What still does not fit loses
entries of its largest list or map, halved step by step, and the document's `Truncated` member records each cut as
{"Member": {"kept": n, "dropped": m}}. Status, times and the failure reason are never cut.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from jobtracker.models import TrainingJob

# Members that answer "what happened": never cut, whatever the size.
PROTECTED_MEMBERS = frozenset(
    {
        "TrainingJobName",
        "TrainingJobArn",
        "TrainingJobStatus",
        "SecondaryStatus",
        "FailureReason",
        "CreationTime",
        "TrainingStartTime",
        "TrainingEndTime",
        "LastModifiedTime",
        "TrainingTimeInSeconds",
        "BillableTimeInSeconds",
        "SnapshotSource",
        "Truncated",
    }
)
# Lists whose newest entries matter most keep their tail; every other list keeps its head.
_KEEP_NEWEST = frozenset({"SecondaryStatusTransitions"})


def compress(data: dict[str, Any]) -> bytes:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # mtime=0 makes equal documents encode to equal bytes; a lone surrogate, which is no UTF-8, becomes "?".
    return gzip.compress(text.encode("utf-8", "replace"), compresslevel=6, mtime=0)


def decompress(blob: bytes) -> dict[str, Any]:
    data = json.loads(gzip.decompress(blob))
    if not isinstance(data, dict):
        raise ValueError("a stored snapshot document is not a JSON object")
    return data


def encode(job: TrainingJob, budget: int) -> tuple[bytes, TrainingJob]:
    """Compress `job` into at most `budget` bytes, cutting its largest members only when it must.

    Returns the bytes and the job as stored, whose `Truncated` member says what was cut (None when nothing was).
    """
    data = job.model_dump(mode="json", exclude_none=True)
    blob = compress(data)
    cuts: dict[str, dict[str, int]] = {}
    while len(blob) > budget:
        member = _largest_cuttable(data)
        if member is None:
            raise ValueError("a snapshot's protected members alone exceed the item budget")
        _cut(data, member, cuts)
        data["Truncated"] = cuts
        blob = compress(data)
    if not cuts:
        return blob, job
    return blob, TrainingJob.model_validate(data)


def _largest_cuttable(data: dict[str, Any]) -> str | None:
    sizes = {
        name: len(json.dumps(value, ensure_ascii=False))
        for name, value in data.items()
        if name not in PROTECTED_MEMBERS and value not in ({}, [], None)
    }
    return max(sizes, key=sizes.__getitem__) if sizes else None


def _cut(data: dict[str, Any], member: str, cuts: dict[str, dict[str, int]]) -> None:
    value = data[member]
    previous = cuts.get(member, {"kept": 0, "dropped": 0})
    total = previous["kept"] + previous["dropped"] if previous["kept"] or previous["dropped"] else None
    if isinstance(value, list) and len(value) > 1:
        keep = len(value) // 2
        data[member] = value[-keep:] if member in _KEEP_NEWEST else value[:keep]
    elif isinstance(value, dict) and len(value) > 1:
        # Keep the smaller entries: the large values are what breaks the limit, the names still show what was set.
        by_size = sorted(value, key=lambda key: len(json.dumps(value[key], ensure_ascii=False)))
        kept = by_size[: len(value) // 2]
        data[member] = {key: value[key] for key in value if key in kept}
    else:
        del data[member]
    kept_count = len(data[member]) if member in data else 0
    original = total if total is not None else (len(value) if isinstance(value, list | dict) else 1)
    cuts[member] = {"kept": kept_count, "dropped": original - kept_count}
