"""The business step: from one observed state change to a stored snapshot and, when due, one alert.

It is the same path for the Lambda handler, the backfill and the redrive, so every way in obeys the same rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from jobtracker.describe import describe_training_job
from jobtracker.models import TrainingJob, TrainingJobStateChange
from jobtracker.ordering import newest
from jobtracker.redaction import Redactor
from jobtracker.store import RecordOutcome, SnapshotStore

if TYPE_CHECKING:
    from jobtracker.alerts import AlertPublisher
    from jobtracker.clients import Clients
    from jobtracker.config import Settings

logger = logging.getLogger(__name__)


class AlertOutcome(StrEnum):
    NOT_DUE = "not-due"  # the state does not alert (or alerting is off for this caller)
    SENT = "sent"  # this call published the alert
    ALREADY_SENT = "already-sent"  # an earlier delivery published it


@dataclass(frozen=True)
class TrackResult:
    training_job_name: str
    training_job_status: str
    secondary_status: str | None
    snapshot_source: str
    outcome: RecordOutcome
    alert: AlertOutcome
    truncated: bool

    def as_dict(self) -> dict[str, str | bool | None]:
        return {
            "training_job_name": self.training_job_name,
            "training_job_status": self.training_job_status,
            "secondary_status": self.secondary_status,
            "snapshot_source": self.snapshot_source,
            "outcome": self.outcome.value,
            "alert": self.alert.value,
            "truncated": self.truncated,
        }


class Tracker:
    """Describes, redacts, stores and alerts. Clients come in; nothing here reads the environment."""

    def __init__(self, clients: Clients, settings: Settings, *, region: str) -> None:
        self._clients = clients
        self._settings = settings
        self._region = region
        self._redactor = Redactor.from_pattern(settings.sensitive_hyperparameter_pattern)
        self._store = SnapshotStore(
            clients.dynamodb, settings.table_name, retention_days=settings.snapshot_retention_days
        )
        self._publisher: AlertPublisher | None = None

    @property
    def publisher(self) -> AlertPublisher:
        """Built on the first alert, so invocations that never alert never import Powertools Idempotency."""
        if self._publisher is None:
            from jobtracker.alerts import AlertPublisher

            self._publisher = AlertPublisher(
                self._clients.sns,
                self._clients.dynamodb,
                table_name=self._settings.table_name,
                topic_arn=self._settings.topic_arn,
                default_region=self._region,
            )
        return self._publisher

    def track_event(self, change: TrainingJobStateChange, *, alert: bool = True, lease: Any = None) -> TrackResult:
        """Record the newest of what the event and DescribeTrainingJob report for the event's job."""
        # The detail's members as they are (the nested models are immutable and already validated), not dumped and
        # validated again: Tags, a member of the detail only, becomes an extra member of the snapshot.
        observed = TrainingJob.model_validate({**dict(change), "SnapshotSource": "event"})
        described = describe_training_job(self._clients.sagemaker, change.TrainingJobName)
        if described is None:
            logger.warning(
                "training job not found; recording the event detail",
                extra={"training_job_name": change.TrainingJobName},
            )
            job = observed
        else:
            # Describe first: on a tie its richer answer wins.
            job = newest(described, observed)
            if job is described and change.Tags and "Tags" not in (described.model_extra or {}):
                # Describe does not return tags; the event's map is the only place they are known.
                job = described.model_copy(update={"Tags": change.Tags})
        return self.track(job, alert=alert, lease=lease)

    def track(self, job: TrainingJob, *, alert: bool = True, lease: Any = None) -> TrackResult:
        """Redact, store and, when the state is one that alerts, make sure its alert went out once.

        `lease` is the Lambda context, when there is one: an alert claim left by a crash is then taken over once the
        invocation's time is up, instead of after the default lease.
        """
        safe = self._redactor.redact(job)
        stored = self._store.record(safe)
        alert_outcome = AlertOutcome.NOT_DUE
        # Alert on every observation of an alerting state, duplicates included: when an earlier delivery stored the
        # state but failed to publish, its retry finds the state DUPLICATE and must still send the alert.
        if alert and self._settings.should_alert(safe.TrainingJobStatus, safe.SecondaryStatus):
            publisher = self.publisher
            if lease is not None:
                publisher.set_lease_from(lease)
            sent = publisher.ensure_sent(stored.job)
            alert_outcome = AlertOutcome.SENT if sent else AlertOutcome.ALREADY_SENT
        return TrackResult(
            training_job_name=safe.TrainingJobName,
            training_job_status=safe.TrainingJobStatus,
            secondary_status=safe.SecondaryStatus,
            snapshot_source=safe.SnapshotSource,
            outcome=stored.outcome,
            alert=alert_outcome,
            truncated=bool(stored.job.Truncated),
        )
