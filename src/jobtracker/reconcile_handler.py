"""The scheduled reconcile Lambda handler: catch up on the jobs whose events were lost, then emit metrics.

An EventBridge schedule invokes it. It lists the jobs modified in the last RECONCILE_LOOKBACK_DAYS days, describes
only those whose stored state is missing or older, and stores them through the tracker's own path (`Reconciler`).
Settings and clients are built at import, in Lambda's init phase, once per execution environment.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from jobtracker.clients import Clients
from jobtracker.config import ReconcileSettings
from jobtracker.errors import JobTrackerError
from jobtracker.reconcile import LISTING_CONFIG, Reconciler, ReconcileSummary
from jobtracker.tracker import Tracker

if TYPE_CHECKING:
    pass

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "jobtracker"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "JobTracker"))


class ReconcileIncompleteError(JobTrackerError):
    """Some jobs could not be caught up. Raised after all the others were, so the invocation counts as failed.

    The message holds counts only: the per-job errors can quote AWS answers, and Lambda logs the message. Each failed
    job is logged by name with its error type ("reconcile of a job failed").
    """

    def __init__(self, failed: int, attempted: int) -> None:
        self.failed = failed
        self.attempted = attempted
        super().__init__(f"reconcile could not catch up {failed} of the {attempted} jobs it had to describe")


settings = ReconcileSettings.from_environment()
session = boto3.session.Session()
clients = Clients.create(session)
# ListTrainingJobs' low rate limit wants adaptive retries; the Reconciler also describes through this client.
listing = session.client("sagemaker", config=LISTING_CONFIG)
tracker = Tracker(clients, settings, region=clients.sagemaker.meta.region_name)
reconciler = Reconciler(
    tracker,
    sagemaker=listing,
    dynamodb=clients.dynamodb,
    table_name=settings.table_name,
    name_prefix=settings.job_name_prefix,
)


def emit_metrics(summary: ReconcileSummary) -> None:
    """Every metric on every run, zeros included, so a quiet day reads 0 rather than no data.

    ReconcileFailures counts the jobs that could not be caught up; a run that could not list counts one.
    """
    metrics.add_metric(name="JobsReconciled", unit=MetricUnit.Count, value=summary.stored)
    metrics.add_metric(name="JobsAlreadyCurrent", unit=MetricUnit.Count, value=summary.already_current)
    metrics.add_metric(name="ReconcileFailures", unit=MetricUnit.Count, value=summary.failed)
    metrics.add_metric(name="AlertsSent", unit=MetricUnit.Count, value=summary.alerts_sent)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, log_event=False, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    since = datetime.now(UTC) - timedelta(days=settings.reconcile_lookback_days)
    logger.append_keys(since=since.isoformat(), lookback_days=settings.reconcile_lookback_days)
    logger.info("reconcile started", extra={"alert": settings.reconcile_alerts})
    try:
        summary = reconciler.run(since=since, alert=settings.reconcile_alerts, lease=context)
    except Exception as exc:
        # Listing or the table lookup failed: nothing was caught up. Counted as one failure and re-raised so the
        # invocation fails and the alarm fires; the next scheduled run covers the same window again.
        metrics.add_metric(name="ReconcileFailures", unit=MetricUnit.Count, value=1)
        logger.warning("reconcile failed", extra={"error_type": type(exc).__name__})
        raise
    emit_metrics(summary)
    result = summary.as_dict()
    if summary.failed:
        # summary.errors is left out of the logs: it quotes exception messages, which can carry AWS answers.
        logger.warning("reconcile finished with failures", extra=result)
        raise ReconcileIncompleteError(summary.failed, summary.seen - summary.already_current)
    logger.info("reconcile finished", extra=result)
    return result
