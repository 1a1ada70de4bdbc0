"""What "newer" means for a training job's state: the rule that keeps the latest-state record from moving backwards.

States are ordered by LastModifiedTime first. Two observations with the same LastModifiedTime are ordered by how far
along the job's life their status and secondary status are. A terminal state (Completed, Failed, Stopped) is never
replaced by a non-terminal one, whatever its time says: SageMaker does not resume a finished job, so such an
observation can only be a stale or skewed one.
"""

from __future__ import annotations

from jobtracker.models import TrainingJob
from jobtracker.timestamps import epoch_millis

TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Stopped", "Deleting"})

_STATUS_RANK = {"InProgress": 1, "Stopping": 2, "Completed": 3, "Failed": 3, "Stopped": 3, "Deleting": 4}
_SECONDARY_RANK = {
    # Retired secondary statuses first: they named the steps now reported as Starting and Downloading.
    "LaunchingMLInstances": 1,
    "PreparingTraining": 2,
    "DownloadingTrainingImage": 3,
    "Starting": 4,
    "Pending": 5,
    "Downloading": 6,
    "Training": 7,
    "Interrupted": 8,
    "Restarting": 9,
    "Updating": 10,
    "Uploading": 11,
    "Stopping": 12,
    "Completed": 20,
    "Failed": 20,
    "Stopped": 20,
    "MaxRuntimeExceeded": 20,
    "MaxWaitTimeExceeded": 20,
}
# The rank fits in three decimal digits, so `order_key` can pack time and rank into one DynamoDB number.
_RANK_SPAN = 1000


def is_terminal(status: str) -> bool:
    return status in TERMINAL_STATUSES


def state_rank(status: str, secondary: str | None) -> int:
    """How far along its life a job in this state is; unknown values rank lowest, never above a known one."""
    return _STATUS_RANK.get(status, 0) * 100 + _SECONDARY_RANK.get(secondary or "", 0)


def order_key(job: TrainingJob) -> int:
    """One integer that sorts observations of a job in time, then life-stage, order.

    A job without LastModifiedTime (possible only in a Describe answer) sorts at time zero, below any dated one.
    """
    millis = epoch_millis(job.LastModifiedTime) if job.LastModifiedTime else 0
    return millis * _RANK_SPAN + state_rank(job.TrainingJobStatus, job.SecondaryStatus)


def supersedes(new: TrainingJob, current: TrainingJob) -> bool:
    """Whether `new` may replace `current` as a job's latest state. Mirrors the condition of the DynamoDB write."""
    if is_terminal(current.TrainingJobStatus) and not is_terminal(new.TrainingJobStatus):
        return False
    return order_key(new) > order_key(current)


def newest(*candidates: TrainingJob | None) -> TrainingJob:
    """The newest of several observations of one job; ties go to the earliest argument (pass the richest first)."""
    present = [job for job in candidates if job is not None]
    if not present:
        raise ValueError("newest() needs at least one observation")
    best = present[0]
    for job in present[1:]:
        if supersedes(job, best):
            best = job
    return best
