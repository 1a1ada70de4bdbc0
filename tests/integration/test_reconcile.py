"""The scheduled reconcile function (functions/reconcile/app.py) against the emulators, and its template contract.

Event files are dated 2026-12-01; every job here is moved to a few hours before now, so the tests never depend on
today's date and always fall inside the lookback window.
"""

from __future__ import annotations

import copy
import functools
import importlib
import importlib.util
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from jobtracker.config import ReconcileSettings
from jobtracker.errors import ConfigurationError
from jobtracker.reconcile import LISTING_CONFIG
from tests.support.aws import REGION, Stack
from tests.support.builders import ACCOUNT, job_arn
from tests.support.cfn import load_template, translate_template
from tests.support.fake_sagemaker import REPO_ROOT, FakeSageMaker, describe_from_event, load_event, parse_event_time
from tests.support.lambda_runtime import AsyncInvoker, FakeLambdaContext

APP_PATH = REPO_ROOT / "functions" / "reconcile" / "app.py"
CORE = "jobtracker.reconcile_handler"
TEMPLATE = load_template(REPO_ROOT / "template.yaml")


# ---------------------------------------------------------------------------------------------------------- harness


def load_reconcile_app() -> ModuleType:
    """Import functions/reconcile/app.py afresh, with a new jobtracker.reconcile_handler built from the environment."""
    sys.modules.pop(CORE, None)
    spec = importlib.util.spec_from_file_location(f"reconcile_app_{uuid.uuid4().hex}", APP_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scheduled_event() -> dict[str, Any]:
    """What an EventBridge schedule sends."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/jobtracker-reconcile"],
        "detail": {},
    }


class Reconcile:
    """The loaded reconcile function; `invoke` runs it once, as the schedule does."""

    def __init__(self, app: ModuleType) -> None:
        self.app = app
        self.core = importlib.import_module(CORE)

    def invoke(self) -> dict[str, int]:
        context = FakeLambdaContext(
            function_name="jobtracker-recon",
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:jobtracker-recon",
            timeout_seconds=900.0,
        )
        result: dict[str, int] = self.app.lambda_handler(scheduled_event(), context)
        return result


@pytest.fixture
def reconcile_env(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("RECONCILE_LOOKBACK_DAYS", "3")
    monkeypatch.setenv("RECONCILE_ALERTS", "true")
    monkeypatch.setenv("JOB_NAME_PREFIX", "")
    return monkeypatch


@pytest.fixture
def reconcile(reconcile_env: pytest.MonkeyPatch) -> Reconcile:
    return Reconcile(load_reconcile_app())


def recent(event_name: str, *, ago: timedelta, name: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """An event file moved in time so that its job was last modified `ago` before now, and its Describe answer.

    Every epoch-millisecond `...Time` member of the detail moves by the same amount, so the job keeps its own
    timeline. `name` renames the job.
    """
    event = copy.deepcopy(load_event(event_name))
    detail = event["detail"]
    shift = datetime.now(UTC) - ago - parse_event_time(detail["LastModifiedTime"])
    shift_ms = int(shift.total_seconds() * 1000)

    def move(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: (
                    value + shift_ms
                    if key.endswith("Time") and isinstance(value, int) and not isinstance(value, bool)
                    else move(value)
                )
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [move(item) for item in node]
        return node

    event["detail"] = move(detail)
    event["time"] = (parse_event_time(event["time"]) + shift).strftime("%Y-%m-%dT%H:%M:%SZ")
    if name is not None:
        event["detail"]["TrainingJobName"] = name
        event["detail"]["TrainingJobArn"] = job_arn(name)
        event["resources"] = [job_arn(name)]
    return event, describe_from_event(event)


def lost(fake: FakeSageMaker, event_name: str, *, ago: timedelta, name: str | None = None) -> str:
    """A job only SageMaker knows: its events never reached the tracker."""
    _, description = recent(event_name, ago=ago, name=name)
    fake.put_job(description)
    return str(description["TrainingJobName"])


def latest(aws: Stack, name: str) -> dict[str, Any] | None:
    return next((item for item in aws.items(name) if item["sk"]["S"] == "LATEST"), None)


def table_contents(aws: Stack) -> list[str]:
    return sorted(json.dumps(item, sort_keys=True, default=bytes.hex) for item in aws.dump_table())


def emitted_metrics(output: str) -> dict[str, float]:
    """Sum of every Powertools EMF metric printed in `output`, by name."""
    totals: dict[str, float] = {}
    for line in output.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                name = metric["Name"]
                values = blob[name] if isinstance(blob[name], list) else [blob[name]]
                totals[name] = totals.get(name, 0) + sum(values)
    return totals


# ---------------------------------------------------------------------------------------------------------- behaviour


def test_a_job_whose_events_were_lost_is_stored_and_alerts_exactly_once(
    aws: Stack, reconcile: Reconcile, sagemaker_fake: FakeSageMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    name = lost(sagemaker_fake, "failed", ago=timedelta(hours=1))

    summary = reconcile.invoke()

    assert summary == {
        "seen": 1,
        "already_current": 0,
        "stored": 1,
        "unchanged": 0,
        "vanished": 0,
        "alerts_sent": 1,
        "failed": 0,
    }
    stored = latest(aws, name)
    assert stored is not None
    assert stored["TrainingJobStatus"]["S"] == "Failed"
    assert stored["SnapshotSource"]["S"] == "describe"
    [alert] = aws.alerts()
    assert alert.attributes["TrainingJobName"] == name
    assert alert.attributes["TrainingJobStatus"] == "Failed"
    assert "9d41b7c3e0a2f65d8c1b4e7a3f09d2c6b5e8a14f" not in alert.message  # the redaction applies here too
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics == {"JobsReconciled": 1, "JobsAlreadyCurrent": 0, "ReconcileFailures": 0, "AlertsSent": 1}


def test_a_second_run_stores_nothing_and_describes_nothing(
    aws: Stack, reconcile: Reconcile, sagemaker_fake: FakeSageMaker
) -> None:
    names = [
        lost(sagemaker_fake, "failed", ago=timedelta(hours=1)),
        lost(sagemaker_fake, "completed", ago=timedelta(hours=5)),
        lost(sagemaker_fake, "in-progress-training", ago=timedelta(days=2), name="bert-still-training"),
    ]
    first = reconcile.invoke()
    assert (first["seen"], first["stored"], first["alerts_sent"]) == (3, 3, 1)
    assert len(aws.alerts()) == 1
    table = table_contents(aws)
    describes = sagemaker_fake.requests["DescribeTrainingJob"]

    second = reconcile.invoke()

    assert second == {
        "seen": 3,
        "already_current": 3,
        "stored": 0,
        "unchanged": 0,
        "vanished": 0,
        "alerts_sent": 0,
        "failed": 0,
    }
    assert sagemaker_fake.requests["DescribeTrainingJob"] == describes
    assert table_contents(aws) == table
    assert aws.alerts() == []
    assert all(latest(aws, name) is not None for name in names)


def test_a_job_the_tracker_recorded_is_already_current_and_costs_no_describe(
    aws: Stack, lambda_: AsyncInvoker, reconcile: Reconcile, sagemaker_fake: FakeSageMaker
) -> None:
    event, description = recent("failed", ago=timedelta(hours=2))
    sagemaker_fake.put_job(description)
    assert lambda_.invoke(event)["alert"] == "sent"
    assert len(aws.alerts()) == 1
    missed = lost(sagemaker_fake, "completed", ago=timedelta(hours=1))
    describes = sagemaker_fake.requests["DescribeTrainingJob"]

    summary = reconcile.invoke()

    assert (summary["seen"], summary["already_current"], summary["stored"]) == (2, 1, 1)
    assert summary["alerts_sent"] == 0
    assert sagemaker_fake.requests["DescribeTrainingJob"] == describes + 1  # the missed job only
    assert latest(aws, missed) is not None
    assert aws.alerts() == []  # the tracker's alert is not sent again


def test_the_lost_event_arriving_after_the_reconcile_does_not_alert_again(
    aws: Stack, lambda_: AsyncInvoker, reconcile: Reconcile, sagemaker_fake: FakeSageMaker
) -> None:
    event, description = recent("failed", ago=timedelta(hours=1))
    sagemaker_fake.put_job(description)
    assert reconcile.invoke()["alerts_sent"] == 1

    result = lambda_.invoke(event)  # EventBridge delivered it after all

    assert (result["outcome"], result["alert"]) == ("duplicate", "already-sent")
    assert len(aws.alerts()) == 1


def test_a_job_that_vanishes_between_list_and_describe_is_counted(
    aws: Stack, reconcile: Reconcile, sagemaker_fake: FakeSageMaker
) -> None:
    gone = lost(sagemaker_fake, "failed", ago=timedelta(hours=1))
    kept = lost(sagemaker_fake, "completed", ago=timedelta(hours=2))
    reconcile.core.listing.meta.events.register(
        "after-call.sagemaker.ListTrainingJobs", lambda **_: sagemaker_fake.remove_job(gone)
    )

    summary = reconcile.invoke()

    assert (summary["seen"], summary["vanished"], summary["stored"], summary["failed"]) == (2, 1, 1, 0)
    assert latest(aws, gone) is None
    assert latest(aws, kept) is not None
    assert aws.alerts() == []


@pytest.mark.usefixtures("fast_retries")
def test_a_describe_failure_is_reported_without_stopping_the_others_and_fails_the_invocation(
    aws: Stack, reconcile: Reconcile, sagemaker_fake: FakeSageMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [
        lost(sagemaker_fake, "completed", ago=timedelta(hours=1)),
        lost(sagemaker_fake, "stopped", ago=timedelta(hours=3)),
        lost(sagemaker_fake, "failed", ago=timedelta(hours=5)),
    ]
    # Listed newest-created first: the failing job is described first, so the others come after its failure.
    failing, *others = sorted(names, key=lambda name: sagemaker_fake.job(name)["CreationTime"], reverse=True)
    assert failing == names[0]
    attempts = LISTING_CONFIG.retries["total_max_attempts"]
    sagemaker_fake.inject("DescribeTrainingJob", ["500"] * attempts)  # every attempt of the first Describe

    with pytest.raises(reconcile.core.ReconcileIncompleteError) as raised:
        reconcile.invoke()

    assert (raised.value.failed, raised.value.attempted) == (1, 3)
    assert sagemaker_fake.faults_served["DescribeTrainingJob:500"] == attempts
    assert latest(aws, failing) is None
    assert all(latest(aws, name) is not None for name in others)
    assert len(aws.alerts()) == 1  # the Failed job, described after the failure
    assert "InternalFailure" not in str(raised.value)  # counts only: AWS's messages stay out of Lambda's log
    metrics = emitted_metrics(capsys.readouterr().out)  # flushed although the invocation failed
    assert metrics == {"JobsReconciled": 2, "JobsAlreadyCurrent": 0, "ReconcileFailures": 1, "AlertsSent": 1}

    # The next scheduled run catches up the job that failed, and only that one.
    summary = reconcile.invoke()
    assert (summary["already_current"], summary["stored"], summary["failed"]) == (2, 1, 0)
    assert latest(aws, failing) is not None


@pytest.mark.usefixtures("fast_retries")
def test_a_listing_failure_fails_the_invocation_and_writes_nothing(
    aws: Stack, reconcile: Reconcile, sagemaker_fake: FakeSageMaker, capsys: pytest.CaptureFixture[str]
) -> None:
    lost(sagemaker_fake, "failed", ago=timedelta(hours=1))
    sagemaker_fake.inject("ListTrainingJobs", ["500"] * LISTING_CONFIG.retries["total_max_attempts"])

    with pytest.raises(Exception, match="InternalFailure"):
        reconcile.invoke()
    assert emitted_metrics(capsys.readouterr().out) == {"ReconcileFailures": 1}

    assert aws.dump_table() == []
    assert sagemaker_fake.requests["DescribeTrainingJob"] == 0


def test_the_lookback_window_bounds_what_is_reconciled(
    aws: Stack, reconcile_env: pytest.MonkeyPatch, sagemaker_fake: FakeSageMaker
) -> None:
    reconcile_env.setenv("RECONCILE_LOOKBACK_DAYS", "1")
    reconcile = Reconcile(load_reconcile_app())
    recent_job = lost(sagemaker_fake, "completed", ago=timedelta(hours=20))
    old_job = lost(sagemaker_fake, "completed", ago=timedelta(days=2), name="bert-two-days-ago")

    summary = reconcile.invoke()

    assert (summary["seen"], summary["stored"]) == (1, 1)
    assert latest(aws, recent_job) is not None
    assert latest(aws, old_job) is None


def test_with_reconcile_alerts_off_states_are_stored_without_alerting(
    aws: Stack, reconcile_env: pytest.MonkeyPatch, sagemaker_fake: FakeSageMaker
) -> None:
    reconcile_env.setenv("RECONCILE_ALERTS", "false")
    reconcile = Reconcile(load_reconcile_app())
    name = lost(sagemaker_fake, "failed", ago=timedelta(hours=1))

    summary = reconcile.invoke()

    assert (summary["stored"], summary["alerts_sent"]) == (1, 0)
    assert latest(aws, name) is not None
    assert aws.alerts() == []


def test_only_jobs_with_the_tracked_prefix_are_reconciled(
    aws: Stack, reconcile_env: pytest.MonkeyPatch, sagemaker_fake: FakeSageMaker
) -> None:
    reconcile_env.setenv("JOB_NAME_PREFIX", "xgb-")
    reconcile = Reconcile(load_reconcile_app())
    tracked = lost(sagemaker_fake, "failed", ago=timedelta(hours=1))
    other = lost(sagemaker_fake, "completed", ago=timedelta(hours=2))
    upper = lost(sagemaker_fake, "completed", ago=timedelta(hours=3), name="XGB-upper-case")  # prefixes match case

    summary = reconcile.invoke()

    assert (summary["seen"], summary["stored"]) == (1, 1)
    assert latest(aws, tracked) is not None
    assert latest(aws, other) is None
    assert latest(aws, upper) is None


def test_reconcile_settings_defaults_and_bounds() -> None:
    base = {"TABLE_NAME": "jobs", "TOPIC_ARN": f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"}
    settings = ReconcileSettings.from_environment(base)
    assert (settings.reconcile_lookback_days, settings.reconcile_alerts, settings.job_name_prefix) == (3, True, "")
    assert not ReconcileSettings.from_environment({**base, "RECONCILE_ALERTS": "false"}).reconcile_alerts
    for name, value in [
        ("RECONCILE_LOOKBACK_DAYS", "0"),
        ("RECONCILE_LOOKBACK_DAYS", "91"),
        ("RECONCILE_ALERTS", "sometimes"),
        ("JOB_NAME_PREFIX", "-x"),
    ]:
        with pytest.raises(ConfigurationError, match=name):
            ReconcileSettings.from_environment({**base, name: value})


# ---------------------------------------------------------------------------------------------------------- contract


@functools.cache
def translated() -> dict[str, Any]:
    return translate_template(REPO_ROOT / "template.yaml")


def role_statements(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = template["Resources"][function]["Properties"]["Role"]
    assert role == {"Fn::GetAtt": [f"{function}Role", "Arn"]}
    properties = template["Resources"][f"{function}Role"]["Properties"]
    assert not properties.get("ManagedPolicyArns")
    statements: list[dict[str, Any]] = []
    for policy in properties["Policies"]:
        statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_reconcile_environment_names_every_setting_the_code_reads() -> None:
    resources = TEMPLATE["Resources"]
    variables = resources["ReconcileFunction"]["Properties"]["Environment"]["Variables"]
    aliases = {field.alias for field in ReconcileSettings.model_fields.values()}
    assert aliases <= set(variables)
    assert variables["RECONCILE_LOOKBACK_DAYS"] == {"Ref": "ReconcileLookbackDays"}
    assert variables["RECONCILE_ALERTS"] == {"Ref": "ReconcileAlerts"}
    assert variables["JOB_NAME_PREFIX"] == {"Ref": "JobNamePrefix"}
    # Same table, topic, alert rules and masking as the tracker.
    tracker = resources["TrackerFunction"]["Properties"]["Environment"]["Variables"]
    assert {name: variables[name] for name in tracker} == tracker


def test_the_reconcile_role_has_no_wildcard_actions_and_never_queries_or_scans() -> None:
    statements = role_statements(translated(), "ReconcileFunction")
    actions = [action for statement in statements for action in as_list(statement["Action"])]
    assert all(statement["Effect"] == "Allow" for statement in statements)
    assert not [action for action in actions if "*" in action]
    assert not {action for action in actions if action.startswith("dynamodb:")} & {
        "dynamodb:Scan",
        "dynamodb:Query",
        "dynamodb:PartiQLSelect",
    }
    assert "dynamodb:BatchGetItem" in actions
    # Resource "*" only where IAM accepts nothing else.
    unscoped = {
        action
        for statement in statements
        if "*" in as_list(statement["Resource"])
        for action in as_list(statement["Action"])
    }
    assert unscoped <= {"sagemaker:ListTrainingJobs"}


def test_the_schedule_invokes_the_reconcile_function_without_retries() -> None:
    resources = translated()["Resources"]
    rule = resources["ReconcileScheduleRule"]["Properties"]
    assert rule["ScheduleExpression"] == {"Ref": "ReconcileSchedule"}
    assert [target["Arn"] for target in rule["Targets"]] == [{"Fn::GetAtt": ["ReconcileFunction", "Arn"]}]
    permission = resources["ReconcileFunctionInvokePermission"]["Properties"]
    assert permission["SourceArn"] == {"Fn::GetAtt": ["ReconcileScheduleRule", "Arn"]}
    invoke_config = resources["ReconcileFunctionEventInvokeConfig"]["Properties"]
    assert invoke_config["MaximumRetryAttempts"] == 0
    alarm = resources["ReconcileFunctionErrorsAlarm"]["Properties"]
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "ReconcileFunction"}}]
    assert alarm["AlarmActions"] == [{"Ref": "AlertTopic"}]


def test_both_function_names_fit_lambdas_limit_for_the_documented_stack_name_length() -> None:
    # README: stack names of at most 56 characters; Lambda function names are at most 64.
    for function in ("TrackerFunction", "ReconcileFunction"):
        name = TEMPLATE["Resources"][function]["Properties"]["FunctionName"]["Fn::Sub"]
        suffix = name.removeprefix("${AWS::StackName}")
        assert suffix != name and len(suffix) <= 64 - 56, function
        log_group = TEMPLATE["Resources"][function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert TEMPLATE["Resources"][log_group]["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{name}"}
