"""The `jobtracker` command line against emulated AWS: jobs recorded through the real handler, read back by the CLI.

The sample events are dated 2026-12-01, so every command gets an explicit window (`WINDOW`): no test depends on
today's date.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner, Result

from jobtracker.cli import app
from jobtracker.history import JobHistory
from jobtracker.redaction import REDACTED
from tests.support.aws import REGION, Stack
from tests.support.fake_sagemaker import DEFAULT_ENVIRONMENT, FakeSageMaker, describe_from_event, load_event
from tests.support.lambda_runtime import AsyncInvoker

WINDOW = ["--since", "2026-11-01", "--until", "2026-12-02"]
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 12, 2, tzinfo=UTC)

BERT = "bert-finetune-2026-12-01-10-00-00"  # Starting, Training, Completed; last modified 11:42:20.101
XGB = "xgb-churn-2026-12-01-11-30-00"  # Failed at 11:41:59.017
RESNET = "resnet50-sweep-2026-12-01-09-15-00"  # Stopping, Stopped at 10:04:52.533
LLAMA = "llama-lora-2026-11-30-22-00-00"  # Stopped (MaxRuntimeExceeded) at 02:06:13.002
NEWEST_FIRST = [BERT, XGB, RESNET, LLAMA]
# Each event's describe answer is put just before its delivery, so a job's history holds every state it went through.
DELIVERIES = [
    "in-progress-starting",
    "in-progress-training",
    "completed",
    "stopping",
    "stopped",
    "failed",
    "stopped-max-runtime",
]
BACKFILLED = "xgb-churn-2026-12-01-12-00-00"  # a failed job only SageMaker knows: its events were lost
NOVEMBER_JOB = "bert-finetune-2026-11-20-08-00-00"

SECRETS = sorted(
    {load_event(name)["detail"]["HyperParameters"]["wandb_api_key"].strip('"') for name in DELIVERIES}
    | {DEFAULT_ENVIRONMENT["HF_TOKEN"]}
)
FAILED_REASON = load_event("failed")["detail"]["FailureReason"].replace(
    "9d41b7c3e0a2f65d8c1b4e7a3f09d2c6b5e8a14f", REDACTED
)
CONSOLE_SCRIPT = Path(sys.executable).with_name("jobtracker")
NO_CREDENTIAL_VARIABLES = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
]


# Helpers -------------------------------------------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def ok(*args: str, env: dict[str, str | None] | None = None) -> str:
    result = cli(*args, env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.output
    return result.stdout


def as_json(*args: str) -> Any:
    stdout = ok(*args, "--output", "json")
    return json.loads(stdout)


def names(records: list[dict[str, Any]]) -> list[str]:
    return [record["TrainingJobName"] for record in records]


def assert_error(result: Result, message: str, *, exact: bool = True) -> None:
    """One `error:` line on stderr, nothing on stdout, exit code 1, no traceback."""
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    assert "Traceback" not in result.output
    line = result.stderr.rstrip("\n")
    if exact:
        assert line == f"error: {message}"
    else:
        assert line.startswith(f"error: {message}"), line


def row(stdout: str, name: str) -> str:
    [line] = [line for line in stdout.splitlines() if name in line]
    return line.rstrip()


def fact(stdout: str, name: str) -> str:
    [line] = [line for line in stdout.splitlines() if line.startswith(f"{name}  ")]
    return line.rstrip()


def in_order(stdout: str, expected: list[str]) -> bool:
    positions = [stdout.index(name) for name in expected]
    return positions == sorted(positions)


def put_backfill_only_job(sagemaker_fake: FakeSageMaker) -> None:
    """A job that failed at 12:30, after every recorded one, whose events never arrived."""
    failed = load_event("failed")
    arn = failed["detail"]["TrainingJobArn"].replace(XGB, BACKFILLED)
    description = describe_from_event(
        failed,
        TrainingJobName=BACKFILLED,
        TrainingJobArn=arn,
        LastModifiedTime=datetime(2026, 12, 1, 12, 30, tzinfo=UTC),
    )
    sagemaker_fake.put_job(description)


def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere botocore looks: variables, shared files, container and instance metadata."""
    for name in NO_CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in ("credentials", "config"):
        (tmp_path / name).write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def recorded(aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker) -> Stack:
    """Four jobs through the real handler: seven state changes, one alert (drained)."""
    for name in DELIVERIES:
        event = load_event(name)
        sagemaker_fake.put_job(describe_from_event(event))
        assert lambda_.invoke(event)["outcome"] == "stored"
    assert len(aws.alerts()) == 1
    return aws


@pytest.fixture
def stack_of(moto_endpoint: str) -> Iterator[Any]:
    """Creates small CloudFormation stacks in moto whose outputs name the test's resources."""
    cloudformation = boto3.client("cloudformation", region_name=REGION, endpoint_url=moto_endpoint)
    created: list[str] = []

    def create(outputs: dict[str, str], parameters: dict[str, str] | None = None) -> str:
        name = f"jobtracker-cli-{uuid.uuid4().hex[:8]}"
        template = {
            "Parameters": {key: {"Type": "String", "Default": value} for key, value in (parameters or {}).items()},
            "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
        cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
        created.append(name)
        return name

    yield create
    for name in created:
        cloudformation.delete_stack(StackName=name)


@pytest.fixture
def japan_time() -> Iterator[None]:
    """Local time UTC+9, from a POSIX TZ rule (no tz database needed)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "JST-9"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


# jobs ----------------------------------------------------------------------------------------------------------------


def test_jobs_shows_the_latest_state_of_each_job_newest_first(recorded: Stack) -> None:
    stdout = ok("jobs", "--table", recorded.table_name, *WINDOW, "--utc")

    assert in_order(stdout, NEWEST_FIRST)
    assert f"4 jobs last modified 2026-11-01 00:00:00 UTC to 2026-12-02 00:00:00 UTC in {recorded.table_name}" in stdout
    assert "Completed" in row(stdout, BERT) and "2026-12-01 11:42:20 UTC" in row(stdout, BERT)
    assert "Failed" in row(stdout, XGB) and "1 x ml.g5.2xlarge" in row(stdout, XGB)
    assert "Stopped" in row(stdout, RESNET)
    assert "Stopped" in row(stdout, LLAMA)
    lines = stdout.splitlines()
    after_llama = lines[next(index for index, line in enumerate(lines) if LLAMA in line) + 1]
    assert after_llama.strip() == "(MaxRuntimeExceeded)"  # the secondary status, under the status
    assert re.search(r"\d+m \d+s", row(stdout, BERT)), row(stdout, BERT)  # human-readable duration
    assert not any(secret in stdout for secret in SECRETS)


def test_jobs_json_is_each_latest_snapshot_with_describe_member_names(recorded: Stack) -> None:
    records = as_json("jobs", "--table", recorded.table_name, *WINDOW)

    assert names(records) == NEWEST_FIRST
    expected = JobHistory(recorded.dynamodb, recorded.table_name).jobs(since=SINCE, until=UNTIL)
    assert records == [job.model_dump(mode="json", exclude_none=True) for job in expected]
    bert = records[0]
    assert bert["TrainingJobStatus"] == "Completed"
    assert bert["SecondaryStatus"] == "Completed"
    assert bert["LastModifiedTime"] == "2026-12-01T11:42:20.101Z"
    assert bert["ResourceConfig"]["InstanceType"]
    assert bert["HyperParameters"]["wandb_api_key"] == REDACTED
    assert set(bert["Environment"].values()) == {REDACTED}
    assert records[1]["FailureReason"] == FAILED_REASON
    assert not any(secret in json.dumps(records) for secret in SECRETS)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Failed", [XGB]),
        ("failed", [XGB]),
        ("Completed", [BERT]),
        ("Stopped", [RESNET, LLAMA]),
        ("InProgress", []),
    ],
)
def test_jobs_status_filter(status: str, expected: list[str], recorded: Stack) -> None:
    assert names(as_json("jobs", "--table", recorded.table_name, *WINDOW, "--status", status)) == expected


def test_jobs_status_filter_as_a_table(recorded: Stack) -> None:
    stdout = ok("jobs", "--table", recorded.table_name, *WINDOW, "--status", "Stopped")

    assert in_order(stdout, [RESNET, LLAMA])
    assert BERT not in stdout and XGB not in stdout
    assert stdout.startswith("2 Stopped jobs last modified")


def test_jobs_name_prefix_filter(recorded: Stack) -> None:
    table = recorded.table_name
    assert names(as_json("jobs", "--table", table, *WINDOW, "--name-prefix", "resnet50-")) == [RESNET]
    assert names(as_json("jobs", "--table", table, *WINDOW, "--name-prefix", "llama", "--status", "Stopped")) == [LLAMA]
    assert names(as_json("jobs", "--table", table, *WINDOW, "--name-prefix", "gpt")) == []
    stdout = ok("jobs", "--table", table, *WINDOW, "--name-prefix", "bert")
    assert BERT in stdout and not any(name in stdout for name in (XGB, RESNET, LLAMA))
    assert stdout.startswith("1 job named bert* last modified")


def test_jobs_limit_keeps_the_newest(recorded: Stack) -> None:
    assert names(as_json("jobs", "--table", recorded.table_name, *WINDOW, "--limit", "2")) == [BERT, XGB]
    stdout = ok("jobs", "--table", recorded.table_name, *WINDOW, "--limit", "1")
    assert BERT in stdout and XGB not in stdout
    assert "(limit reached)" in stdout


def test_jobs_walks_the_months_newest_first_and_keeps_to_the_window(
    recorded: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker
) -> None:
    event = load_event("completed")
    event["detail"]["TrainingJobName"] = NOVEMBER_JOB
    event["detail"]["LastModifiedTime"] = int(datetime(2026, 11, 20, 9, tzinfo=UTC).timestamp() * 1000)
    sagemaker_fake.put_job(describe_from_event(event))
    lambda_.invoke(event)
    table = recorded.table_name

    assert names(as_json("jobs", "--table", table, *WINDOW)) == [*NEWEST_FIRST, NOVEMBER_JOB]
    assert names(as_json("jobs", "--table", table, "--since", "2026-12-01", "--until", "2026-12-02")) == NEWEST_FIRST
    assert names(as_json("jobs", "--table", table, "--since", "2026-11-01", "--until", "2026-11-30")) == [NOVEMBER_JOB]
    window = ["--since", "2026-12-01T10:00:00Z", "--until", "2026-12-01T11:42:00Z"]
    assert names(as_json("jobs", "--table", table, *window)) == [XGB, RESNET]


def test_jobs_with_nothing_in_the_window_says_so(recorded: Stack) -> None:
    stdout = ok("jobs", "--table", recorded.table_name, "--since", "2026-10-01", "--until", "2026-10-31", "--utc")
    assert stdout.startswith("No jobs last modified 2026-10-01 00:00:00 UTC to 2026-10-31 00:00:00 UTC")
    assert as_json("jobs", "--table", recorded.table_name, "--since", "2026-10-01", "--until", "2026-10-31") == []


def test_times_are_local_unless_utc_is_asked_for(recorded: Stack, japan_time: None) -> None:
    local = ok("jobs", "--table", recorded.table_name, *WINDOW, "--status", "Completed")
    utc = ok("jobs", "--table", recorded.table_name, *WINDOW, "--status", "Completed", "--utc")

    assert "2026-12-01 20:42:20 JST" in row(local, BERT)
    assert "2026-12-01 11:42:20 UTC" in row(utc, BERT)
    # JSON stays in UTC whatever the local time.
    [record] = as_json("jobs", "--table", recorded.table_name, *WINDOW, "--status", "Completed")
    assert record["LastModifiedTime"] == "2026-12-01T11:42:20.101Z"


def test_statuses_are_coloured_on_a_terminal(recorded: Stack) -> None:
    colour = {"FORCE_COLOR": "1", "NO_COLOR": None, "TERM": "xterm-256color"}
    stdout = ok("jobs", "--table", recorded.table_name, *WINDOW, env=colour)

    assert "\x1b[31mFailed" in stdout
    assert "\x1b[32mCompleted" in stdout
    assert "\x1b[33mStopped" in stdout
    # JSON is pure JSON, colour forced or not.
    result = cli("jobs", "--table", recorded.table_name, *WINDOW, "--output", "json", env=colour)
    assert "\x1b" not in result.stdout
    assert names(json.loads(result.stdout)) == NEWEST_FIRST


# history, show, failures ---------------------------------------------------------------------------------------------


def test_history_shows_every_state_oldest_first_with_what_changed(recorded: Stack) -> None:
    stdout = ok("history", BERT, "--table", recorded.table_name, "--utc")

    assert stdout.startswith(f"{BERT}: 3 recorded states")
    assert in_order(stdout, ["(Starting)", "(Training)", "Completed"])
    assert "first recorded state" in stdout
    assert "SecondaryStatus: Starting → Training" in stdout
    assert "SecondaryStatus: Training → Completed" in stdout
    assert "TrainingJobStatus: InProgress → Completed" in stdout
    assert "2026-12-01" in stdout and "10:00:01 UTC" in stdout  # the first state's last-modified time, date over time


def test_history_json_is_every_snapshot_oldest_first(recorded: Stack) -> None:
    snapshots = as_json("history", RESNET, "--table", recorded.table_name)

    assert [s["TrainingJobStatus"] for s in snapshots] == ["Stopping", "Stopped"]
    assert [s["LastModifiedTime"] for s in snapshots] == sorted(s["LastModifiedTime"] for s in snapshots)
    expected = JobHistory(recorded.dynamodb, recorded.table_name).timeline(RESNET)
    assert snapshots == [job.model_dump(mode="json", exclude_none=True) for job in expected]
    bert = as_json("history", BERT, "--table", recorded.table_name)
    assert [s["SecondaryStatus"] for s in bert] == ["Starting", "Training", "Completed"]


def test_show_gives_the_latest_snapshot_redacted(recorded: Stack) -> None:
    stdout = ok("show", XGB, "--table", recorded.table_name, "--utc")

    assert fact(stdout, "Job").endswith(XGB)
    assert fact(stdout, "Status").endswith("Failed")
    assert "CUDA out of memory" in stdout
    assert fact(stdout, "Last modified").endswith("2026-12-01 11:41:59 UTC")
    assert fact(stdout, "Instances").endswith("1 x ml.g5.2xlarge")
    assert fact(stdout, "Duration").endswith("9m 10s")
    assert "Other members" in stdout and '"HyperParameters"' in stdout and '"Environment"' in stdout
    for variable in DEFAULT_ENVIRONMENT:
        assert f'"{variable}": "{REDACTED}"' in stdout
    assert not any(secret in stdout for secret in SECRETS)
    assert "hf_FAKE" not in stdout


def test_show_json_is_one_redacted_snapshot(recorded: Stack) -> None:
    record = as_json("show", XGB, "--table", recorded.table_name)

    assert isinstance(record, dict)
    assert record == JobHistory(recorded.dynamodb, recorded.table_name).latest(XGB).model_dump(
        mode="json", exclude_none=True
    )
    assert record["TrainingJobName"] == XGB
    assert record["Environment"] == dict.fromkeys(DEFAULT_ENVIRONMENT, REDACTED)
    assert record["HyperParameters"]["wandb_api_key"] == REDACTED
    assert record["HyperParameters"]["max_depth"] == "8"
    assert record["FailureReason"] == FAILED_REASON
    assert not any(secret in json.dumps(record) for secret in SECRETS)


def test_failures_show_the_whole_reason(recorded: Stack) -> None:
    stdout = ok("failures", "--table", recorded.table_name, *WINDOW, env={"COLUMNS": "1000"})

    assert XGB in stdout and not any(name in stdout for name in (BERT, RESNET, LLAMA))
    assert "\n" in FAILED_REASON
    for line in FAILED_REASON.splitlines():
        assert line in stdout
    assert not any(secret in stdout for secret in SECRETS)


def test_failures_json(recorded: Stack, sagemaker_fake: FakeSageMaker) -> None:
    [record] = as_json("failures", "--table", recorded.table_name, *WINDOW)
    assert record["TrainingJobName"] == XGB
    assert record["FailureReason"] == FAILED_REASON
    assert as_json("failures", "--table", recorded.table_name, *WINDOW, "--limit", "1") == [record]


def test_free_text_cannot_drive_the_terminal(aws: Stack, lambda_: AsyncInvoker, sagemaker_fake: FakeSageMaker) -> None:
    hostile = "AlgorithmError: \x1b[2J\x1b]0;owned\x07cleared [bold red]not markup[/bold red] \u202eesrever\nline two"
    event = load_event("failed")
    event["detail"]["FailureReason"] = hostile
    sagemaker_fake.put_job(describe_from_event(event, FailureReason=hostile))
    lambda_.invoke(event)

    for command in (["failures", *WINDOW], ["show", XGB]):
        stdout = ok(*command, "--table", aws.table_name, env={"COLUMNS": "1000"})
        assert "\x1b" not in stdout and "\x07" not in stdout and "\u202e" not in stdout
        assert "[bold red]not markup[/bold red]" in stdout
        assert "line two" in stdout
    assert as_json("show", XGB, "--table", aws.table_name)["FailureReason"] == hostile


# backfill ------------------------------------------------------------------------------------------------------------


def test_backfill_stores_what_only_sagemaker_knows_without_alerting(
    recorded: Stack, sagemaker_fake: FakeSageMaker
) -> None:
    put_backfill_only_job(sagemaker_fake)
    table = recorded.table_name

    summary = as_json("backfill", "--table", table, *WINDOW)

    assert summary == {
        "seen": 5,
        "already_current": 4,
        "stored": 1,
        "unchanged": 0,
        "vanished": 0,
        "alerts_sent": 0,
        "failed": 0,
        "errors": [],
    }
    assert recorded.alerts() == []
    assert names(as_json("failures", "--table", table, *WINDOW)) == [BACKFILLED, XGB]
    stored = as_json("show", BACKFILLED, "--table", table)
    assert stored["HyperParameters"]["wandb_api_key"] == REDACTED
    assert not any(secret in json.dumps(stored) for secret in SECRETS)

    again = as_json("backfill", "--table", table, *WINDOW)
    assert again | {"already_current": 0, "seen": 0} == summary | {"stored": 0, "already_current": 0, "seen": 0}
    assert (again["seen"], again["already_current"], again["stored"]) == (5, 5, 0)
    assert recorded.alerts() == []


def test_backfill_alerts_once_when_asked(recorded: Stack, sagemaker_fake: FakeSageMaker) -> None:
    put_backfill_only_job(sagemaker_fake)
    table = recorded.table_name

    first = as_json("backfill", "--table", table, *WINDOW, "--alert", "--topic-arn", recorded.topic_arn)

    assert (first["stored"], first["alerts_sent"], first["failed"]) == (1, 1, 0)
    [alert] = recorded.alerts()
    assert alert.subject == f"SageMaker training job Failed: {BACKFILLED}"
    assert "CUDA out of memory" in alert.message
    second = as_json("backfill", "--table", table, *WINDOW, "--alert", "--topic-arn", recorded.topic_arn)
    assert (second["stored"], second["already_current"], second["alerts_sent"]) == (0, 5, 0)
    assert recorded.alerts() == []


def test_backfill_summary_as_a_table(recorded: Stack, sagemaker_fake: FakeSageMaker) -> None:
    put_backfill_only_job(sagemaker_fake)

    stdout = ok("backfill", "--table", recorded.table_name, *WINDOW, "--utc")

    assert stdout.startswith(
        f"Backfill of {recorded.table_name} ({REGION}): jobs modified 2026-11-01 00:00:00 UTC to"
        " 2026-12-02 00:00:00 UTC, alerts off"
    )
    counts = {label: int(count) for label, count in re.findall(r"│ ([a-z][a-z ()]+?) +│ +(\d+) │", stdout)}
    assert counts == {
        "seen (modified in the window)": 5,
        "stored": 1,
        "already current": 4,
        "unchanged (stored meanwhile)": 0,
        "vanished (no longer described)": 0,
        "alerts sent": 0,
        "failed": 0,
    }
    assert "Errors" not in stdout


def test_backfill_reports_each_job_it_could_not_catch_up_and_exits_1(
    recorded: Stack, sagemaker_fake: FakeSageMaker, fast_retries: None
) -> None:
    put_backfill_only_job(sagemaker_fake)
    sagemaker_fake.inject("DescribeTrainingJob", ["500"] * 10)  # every attempt LISTING_CONFIG allows

    result = cli("backfill", "--table", recorded.table_name, *WINDOW, "--output", "json")

    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert (summary["failed"], summary["stored"]) == (1, 0)
    [error] = summary["errors"]
    assert error.startswith(f"{BACKFILLED}: ClientError: ")
    assert result.stderr == "error: 1 of the 1 jobs to catch up failed; see the errors in the summary\n"

    table = cli("backfill", "--table", recorded.table_name, *WINDOW)  # the fault queue is empty now: it is stored
    assert table.exit_code == 0


def test_backfill_alert_needs_a_topic(aws: Stack) -> None:
    assert_error(
        cli("backfill", "--table", aws.table_name, *WINDOW, "--alert"),
        "--alert needs the alert topic: pass --topic-arn, set JOBTRACKER_TOPIC_ARN, or pass --stack-name",
    )


def test_backfill_of_an_unknown_table(aws: Stack) -> None:
    assert_error(cli("backfill", "--table", "no-such-table", *WINDOW), f"table no-such-table not found in {REGION}")


# Finding the table ---------------------------------------------------------------------------------------------------


def test_the_table_from_the_environment(recorded: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOBTRACKER_TABLE", recorded.table_name)
    assert names(as_json("jobs", *WINDOW)) == NEWEST_FIRST


def test_the_table_and_topic_from_a_stack(recorded: Stack, sagemaker_fake: FakeSageMaker, stack_of: Any) -> None:
    stack = stack_of(
        {"TableName": recorded.table_name, "AlertTopicArn": recorded.topic_arn}, {"AlertStatuses": "Failed"}
    )

    assert names(as_json("jobs", "--stack-name", stack, *WINDOW)) == NEWEST_FIRST
    assert as_json("show", XGB, "--stack-name", stack)["TrainingJobStatus"] == "Failed"
    put_backfill_only_job(sagemaker_fake)
    summary = as_json("backfill", "--stack-name", stack, *WINDOW, "--alert")
    assert (summary["stored"], summary["alerts_sent"]) == (1, 1)
    [alert] = recorded.alerts()
    assert BACKFILLED in alert.subject


def test_a_stack_beats_the_table_variable_but_not_both_options(
    recorded: Stack, stack_of: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = stack_of({"TableName": recorded.table_name})
    monkeypatch.setenv("JOBTRACKER_TABLE", "some-other-table")

    assert names(as_json("jobs", "--stack-name", stack, *WINDOW)) == NEWEST_FIRST
    both = cli("jobs", "--stack-name", stack, "--table", recorded.table_name, *WINDOW)
    assert both.exit_code == 2
    assert "not both" in both.output and "Traceback" not in both.output


def test_a_stack_backfill_keeps_to_the_job_name_prefix(
    recorded: Stack, sagemaker_fake: FakeSageMaker, stack_of: Any
) -> None:
    stack = stack_of({"TableName": recorded.table_name}, {"JobNamePrefix": "bert-"})
    put_backfill_only_job(sagemaker_fake)

    summary = as_json("backfill", "--stack-name", stack, *WINDOW)

    assert (summary["seen"], summary["already_current"], summary["stored"]) == (1, 1, 0)


def test_a_stack_without_a_table_output(aws: Stack, stack_of: Any) -> None:
    stack = stack_of({"AlertTopicArn": aws.topic_arn})
    assert_error(cli("jobs", "--stack-name", stack, *WINDOW), f"stack {stack} has no output TableName")


def test_an_unknown_stack(aws: Stack) -> None:
    assert_error(
        cli("jobs", "--stack-name", "no-such-stack", *WINDOW),
        f"no CloudFormation stack named no-such-stack in {REGION}",
    )


# Errors --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["jobs", *WINDOW], ["history", XGB], ["show", XGB], ["failures", *WINDOW]],
    ids=lambda command: command[0],
)
def test_an_unknown_table(command: list[str], aws: Stack) -> None:
    assert_error(cli(*command, "--table", "no-such-table"), f"table no-such-table not found in {REGION}")


@pytest.mark.parametrize("command", ["history", "show"])
def test_an_unknown_job(command: str, recorded: Stack) -> None:
    assert_error(
        cli(command, "no-such-job", "--table", recorded.table_name),
        f"no job named no-such-job in table {recorded.table_name}",
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--since", "yesterday"],
            "--since: 'yesterday' is neither a duration like 7d or 12h nor an ISO date like 2026-11-01",
        ),
        (
            ["--since", "7d", "--until", "2026-13-01"],
            "--until: '2026-13-01' is neither a duration like 7d or 12h nor an ISO date like 2026-11-01",
        ),
        (["--since", "2026-12-02", "--until", "2026-12-01"], "--since 2026-12-02 is not before --until 2026-12-01"),
        (["--since", "99999999999d"], "--since: '99999999999d' reaches back before the year 1"),
    ],
)
def test_a_bad_window(arguments: list[str], message: str, aws: Stack) -> None:
    assert_error(cli("jobs", "--table", aws.table_name, *arguments), message)
    assert_error(cli("failures", "--table", aws.table_name, *arguments), message)
    assert_error(cli("backfill", "--table", aws.table_name, *arguments), message)


def test_no_table_given(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOBTRACKER_TABLE", raising=False)
    message = "no table given: pass --table NAME, set JOBTRACKER_TABLE, or pass --stack-name"
    assert_error(cli("jobs", *WINDOW), message)
    assert_error(cli("show", XGB), message)
    assert_error(cli("backfill"), message)


def test_no_credentials(aws: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_environment(monkeypatch, tmp_path)
    message = "no AWS credentials found: use --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run `aws configure`"
    assert_error(cli("jobs", "--table", aws.table_name, *WINDOW), message)
    assert_error(cli("backfill", "--table", aws.table_name, *WINDOW), message)
    assert_error(cli("jobs", "--stack-name", "any-stack", *WINDOW), message)


def test_an_unknown_profile(aws: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_environment(monkeypatch, tmp_path)
    assert_error(
        cli("jobs", "--table", aws.table_name, "--profile", "nobody", *WINDOW),
        "AWS profile nobody not found in the AWS config files",
    )


def test_a_profile_gives_credentials_and_region(
    recorded: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_environment(monkeypatch, tmp_path)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    (tmp_path / "config").write_text(f"[profile ci]\nregion = {REGION}\n")
    (tmp_path / "credentials").write_text("[ci]\naws_access_key_id = testing\naws_secret_access_key = testing\n")

    assert names(as_json("jobs", "--table", recorded.table_name, "--profile", "ci", *WINDOW)) == NEWEST_FIRST
    assert_error(cli("jobs", "--table", recorded.table_name, *WINDOW), "no AWS region: pass --region or set AWS_REGION")


def test_the_region_option_picks_the_region(recorded: Stack) -> None:
    # moto keeps each region's tables apart, as AWS does.
    assert_error(
        cli("jobs", "--table", recorded.table_name, "--region", "eu-west-1", *WINDOW),
        f"table {recorded.table_name} not found in eu-west-1",
    )


def test_an_unexpected_failure_is_one_line_too(recorded: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: JobHistory, name: str) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(JobHistory, "latest", broken)
    monkeypatch.delenv("JOBTRACKER_DEBUG", raising=False)
    assert_error(
        cli("show", XGB, "--table", recorded.table_name),
        "unexpected RuntimeError: the disk is on fire (set JOBTRACKER_DEBUG=1 to see the traceback)",
    )
    monkeypatch.setenv("JOBTRACKER_DEBUG", "1")
    assert isinstance(cli("show", XGB, "--table", recorded.table_name).exception, RuntimeError)


@pytest.mark.parametrize(
    "arguments",
    [["jobs", "--limit", "0"], ["jobs", "--output", "xml"], ["history"], ["jobs", "--bogus"], ["nonsense"]],
)
def test_usage_errors_are_typers_own(arguments: list[str], aws: Stack) -> None:
    result = cli(*arguments, "--table", aws.table_name)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_help_describes_every_command() -> None:
    stdout = ok("--help")
    for command in ("jobs", "history", "show", "failures", "backfill"):
        assert command in stdout
    jobs_help = " ".join(ok("jobs", "--help", env={"COLUMNS": "200"}).split())
    assert "month by month" in jobs_help and "[default: 30d]" in jobs_help
    assert "JOBTRACKER_TABLE" in jobs_help


# The installed console script ----------------------------------------------------------------------------------------


def run_script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    assert CONSOLE_SCRIPT.exists(), f"{CONSOLE_SCRIPT} is missing: pip install -e . --no-deps"
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_the_console_script(recorded: Stack, sagemaker_fake: FakeSageMaker) -> None:
    table = recorded.table_name
    listed = run_script("jobs", "--table", table, *WINDOW, "--output", "json")
    assert listed.returncode == 0, listed.stderr
    assert names(json.loads(listed.stdout)) == NEWEST_FIRST

    readable = run_script("jobs", "--table", table, *WINDOW)
    assert readable.returncode == 0, readable.stderr
    assert in_order(readable.stdout, NEWEST_FIRST)
    assert "\x1b" not in readable.stdout  # a pipe gets no colour codes

    # Colour forced and a backfill with a progress bar: stdout is still nothing but the JSON summary.
    put_backfill_only_job(sagemaker_fake)
    backfill = run_script("backfill", "--table", table, *WINDOW, "--output", "json", FORCE_COLOR="1")
    assert backfill.returncode == 0, backfill.stderr
    assert json.loads(backfill.stdout)["stored"] == 1

    missing = run_script("history", "no-such-job", "--table", table)
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr == f"error: no job named no-such-job in table {table}\n"
