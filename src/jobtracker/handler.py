"""The Lambda handler: decorators, parse, delegate to the tracker, emit metrics, return.

Settings and clients are built at import, in Lambda's init phase, once per execution environment.

Garbage collection is paused for that init, and what it built is then frozen (`gc.freeze`): the init only creates
what lives as long as the execution environment (modules, models, service models, clients), so collecting during it
frees nothing, and neither do later collections that walk it again. Together they save about 3% of the init
(instruction counts, benchmarks/bench.py). Only the first init of a process freezes, so a process that loads the
handler many times (the tests) does not keep every earlier copy alive. Collection resumes, when it ran before, at the
end of the init, also when the init fails.
"""

from __future__ import annotations

import gc

_COLLECTING = gc.isenabled()
gc.disable()

import os  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from aws_lambda_powertools import Logger, Metrics  # noqa: E402
from aws_lambda_powertools.logging import correlation_paths  # noqa: E402
from aws_lambda_powertools.metrics import MetricUnit  # noqa: E402

from jobtracker.clients import Clients  # noqa: E402
from jobtracker.config import Settings  # noqa: E402
from jobtracker.events import parse_event  # noqa: E402
from jobtracker.store import RecordOutcome  # noqa: E402
from jobtracker.tracker import AlertOutcome, Tracker, TrackResult  # noqa: E402

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

try:
    logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "jobtracker"))
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "JobTracker"))

    settings = Settings.from_environment()
    clients = Clients.create()
    tracker = Tracker(clients, settings, region=clients.sagemaker.meta.region_name)
finally:
    if not gc.get_freeze_count():
        gc.freeze()
    if _COLLECTING:
        gc.enable()

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
    answer = result.as_dict()
    logger.info("training job state tracked", extra=answer)
    return answer
