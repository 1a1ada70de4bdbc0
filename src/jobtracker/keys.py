"""The table's key design, the data contract every reader of the table relies on.

    item            pk            sk                                          by-status (gsi1)     by-month (gsi2)
    latest state    JOB#<name>    LATEST                                      STATUS#<status>      MONTH#<yyyy-mm>
    snapshot        JOB#<name>    SNAP#<t>#<rank>#<status>#<secondary>        -                    -
    alert record    ALERT         alert#<hash of name and status>             -                    -

Both indexes sort by <t>#<name>. <t> is the snapshot's LastModifiedTime as ISO-8601 UTC with milliseconds, so sort
keys sort in time order. Only the latest-state item carries index keys: each job appears once in each index, under
its current status and month.
"""

from __future__ import annotations

from datetime import UTC, datetime

from jobtracker.models import TrainingJob
from jobtracker.ordering import state_rank
from jobtracker.timestamps import format_timestamp

LATEST_SK = "LATEST"
SNAPSHOT_PREFIX = "SNAP#"
ALERT_PK = "ALERT"
STATUS_INDEX = "by-status"
MONTH_INDEX = "by-month"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def job_pk(name: str) -> str:
    return f"JOB#{name}"


def modified(job: TrainingJob) -> datetime:
    return job.LastModifiedTime or _EPOCH


def snapshot_sk(job: TrainingJob) -> str:
    """One sort key per business state: (LastModifiedTime, status, secondary status), the dedup key of events."""
    rank = state_rank(job.TrainingJobStatus, job.SecondaryStatus)
    secondary = job.SecondaryStatus or "-"
    return f"{SNAPSHOT_PREFIX}{format_timestamp(modified(job))}#{rank:03d}#{job.TrainingJobStatus}#{secondary}"


def status_pk(status: str) -> str:
    return f"STATUS#{status}"


def month_pk(moment: datetime) -> str:
    return f"MONTH#{moment.astimezone(UTC):%Y-%m}"


def index_sk(moment: datetime, name: str) -> str:
    return f"{format_timestamp(moment)}#{name}"
