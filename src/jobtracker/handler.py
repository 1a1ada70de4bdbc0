"""The Lambda handler: decorators, parse, delegate to the tracker, emit metrics, return.

Settings and clients are built at import, in Lambda's init phase, once per execution environment.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobtracker.clients import Clients
from jobtracker.config import Settings
from jobtracker.events import parse_event
from jobtracker.store import RecordOutcome
from jobtracker.tracker import AlertOutcome, Tracker, TrackResult

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "jobtracker"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "JobTracker"))

settings = Settings.from_environment()
clients = Clients.create()
tracker = Tracker(clients, settings, region=clients.sagemaker.meta.region_name)

_OUTCOME_METRICS = {
    RecordOutcome.STORED: "SnapshotsStored",
    RecordOutcome.DUPLICATE: "DuplicateStatesIgnored",
    RecordOutcome.STALE: "StaleEventsRefused",
}


def emit_metrics(result: TrackResult) -> None:
    metrics.add_metric(name=_OUTCOME_METRICS[result.outcome], unit=MetricUnit.Count, value=1)
    if result.alert is AlertOutcome.SENT:
        metrics.add_metric(name="AlertsSent", unit=MetricUnit.Count, value=1)
    if result.snapshot_source == "event":
        metrics.add_metric(name="SnapshotsFromEventDetail", unit=MetricUnit.Count, value=1)
    if result.truncated:
        metrics.add_metric(name="SnapshotsTruncated", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, log_event=False, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        change = parse_event(event)
        logger.append_keys(
            training_job_name=change.detail.TrainingJobName,
            training_job_status=change.detail.TrainingJobStatus,
            secondary_status=change.detail.SecondaryStatus,
        )
        result = tracker.track_event(change.detail, lease=context)
    except Exception as exc:
        # Re-raised: Lambda's retries and the OnFailure queue keep the event. Only the error's type is logged here;
        # Lambda logs the message, which our errors keep free of event values.
        metrics.add_metric(name="EventsFailed", unit=MetricUnit.Count, value=1)
        logger.warning("training job event failed", extra={"error_type": type(exc).__name__})
        raise
    emit_metrics(result)
    logger.info("training job state tracked", extra=result.as_dict())
    return result.as_dict()
