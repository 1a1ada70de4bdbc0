"""The `jobtracker` command line: read a jobs table, and backfill the states whose events were lost.

The commands only parse options, find the table, call the typed API (`jobtracker.history`, `jobtracker.reconcile`)
and render what it returns (`jobtracker.output`). AWS clients are plain boto3 clients from one session, so
`--profile`, `--region`, `AWS_PROFILE`, `AWS_REGION` and `AWS_ENDPOINT_URL` work as they do for the AWS CLI.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import boto3
import typer
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, ProfileNotFound
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from jobtracker import output
from jobtracker.clients import DYNAMODB_CONFIG, Clients
from jobtracker.config import Settings
from jobtracker.errors import JobTrackerError
from jobtracker.history import JobHistory, JobNotFoundError, parse_moment
from jobtracker.reconcile import LISTING_CONFIG, Reconciler
from jobtracker.redrive import Redriver, RedriveSummary
from jobtracker.tracker import Tracker

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sagemaker import SageMakerClient

# The reconcile logs each failed job; the summary already lists them, so the CLI keeps those records off stderr.
# Not on the "jobtracker" logger itself: that one is Powertools' in the Lambda functions, and it owns its handlers.
logging.getLogger("jobtracker.reconcile").addHandler(logging.NullHandler())

_DYNAMODB_OPERATIONS = frozenset(
    {"DescribeTable", "GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}
)
_NO_SUCH_STACK_CODES = frozenset({"ValidationError", "ValidationException"})
_KNOWN_STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped", "Deleting")
# Stack parameters of template.yaml that the tracker's settings mirror, so a backfill stores what the function would.
_STACK_SETTINGS = {
    "AlertStatuses": "ALERT_STATUSES",
    "SensitiveHyperParameterPattern": "SENSITIVE_HYPERPARAMETER_PATTERN",
    "SnapshotRetentionDays": "SNAPSHOT_RETENTION_DAYS",
}
_WINDOW_HELP = (
    "A duration back from now (30m, 12h, 7d, 2w) or an ISO-8601 date or time (2026-11-01, 2026-11-01T08:00:00+01:00;"
    " UTC when it has no offset)."
)
_AWS_PANEL = "Table and AWS"
_OUTPUT_PANEL = "Output"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class CliError(Exception):
    """A problem the user can fix, reported as one `error:` line and exit code 1."""


app = typer.Typer(
    name="jobtracker",
    help=(
        "Read the SageMaker training job history that jobtracker records in DynamoDB, and backfill the states"
        " whose events were lost.\n\n"
        "Every command finds the table from --table (or JOBTRACKER_TABLE) or from --stack-name, and reads AWS"
        " credentials and region like the AWS CLI. Output is a table for people, or JSON with --output json."
    ),
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Options every command takes ----------------------------------------------------------------------------------------

TableOption = Annotated[
    str | None,
    typer.Option(
        "--table",
        envvar="JOBTRACKER_TABLE",
        show_envvar=True,
        metavar="NAME",
        help="The jobs table.",
        rich_help_panel=_AWS_PANEL,
    ),
]
StackOption = Annotated[
    str | None,
    typer.Option(
        "--stack-name",
        metavar="NAME",
        help="Find the table (output TableName) and alert topic (AlertTopicArn) from this CloudFormation stack.",
        rich_help_panel=_AWS_PANEL,
    ),
]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="REGION",
        help="AWS region (default: AWS_REGION or the profile's).",
        rich_help_panel=_AWS_PANEL,
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile", metavar="NAME", help="Named AWS profile (default: AWS_PROFILE).", rich_help_panel=_AWS_PANEL
    ),
]
OutputOption = Annotated[
    OutputFormat,
    typer.Option("--output", "-o", help="table for people, json for programs.", rich_help_panel=_OUTPUT_PANEL),
]
UtcOption = Annotated[
    bool, typer.Option("--utc", help="Show times in UTC instead of local time.", rich_help_panel=_OUTPUT_PANEL)
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", metavar="WHEN", help="End of the window, in the forms --since takes (default: now)."),
]
LimitOption = Annotated[int | None, typer.Option("--limit", min=1, metavar="N", help="Show at most N jobs.")]


@dataclass
class _Scope:
    """What the error messages may name: filled in as a command resolves its target."""

    table: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Stack:
    name: str
    outputs: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    session: boto3.session.Session
    region: str
    table: str
    stack: Stack | None


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime | None


# Errors --------------------------------------------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextlib.contextmanager
def _reported() -> Iterator[_Scope]:
    """Turn every expected failure into one `error:` line on stderr and exit code 1; usage errors stay Typer's."""
    scope = _Scope()
    try:
        yield scope
    except (typer.Exit, typer.Abort, typer.BadParameter):  # exit codes and usage errors: Typer's own
        raise
    except CliError as exc:
        _fail(str(exc))
    except NoCredentialsError:
        _fail("no AWS credentials found: use --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run `aws configure`")
    except ProfileNotFound as exc:
        _fail(f"AWS profile {exc.kwargs.get('profile')} not found in the AWS config files")
    except NoRegionError:
        _fail("no AWS region: pass --region or set AWS_REGION")
    except ClientError as exc:
        code = _error_code(exc)
        if code == "ResourceNotFoundException" and exc.operation_name in _DYNAMODB_OPERATIONS and scope.table:
            _fail(f"table {scope.table} not found in {scope.region}")
        message = exc.response.get("Error", {}).get("Message", "")
        _fail(f"{exc.operation_name} failed: {code}: {message}" if message else f"{exc.operation_name} failed: {code}")
    except BotoCoreError as exc:
        _fail(str(exc))
    except JobTrackerError as exc:
        _fail(str(exc))
    except Exception as exc:
        if os.environ.get("JOBTRACKER_DEBUG"):
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc} (set JOBTRACKER_DEBUG=1 to see the traceback)")


# Resolving the target ------------------------------------------------------------------------------------------------


def _from_command_line(ctx: typer.Context, parameter: str) -> bool:
    source = ctx.get_parameter_source(parameter)
    return source is not None and source.name == "COMMANDLINE"


def _moment(option: str, text: str, now: datetime) -> datetime:
    try:
        return parse_moment(text, now=now)
    except ValueError as exc:
        raise CliError(f"{option}: {exc}") from None


def _window(since: str, until: str | None) -> Window:
    now = datetime.now(UTC)
    start = _moment("--since", since, now)
    end = _moment("--until", until, now) if until is not None else None
    if start >= (end or now):
        raise CliError(f"--since {since} is not before --until {until or 'now'}")
    return Window(start, end)


def _status(status: str | None) -> str | None:
    if status is None:
        return None
    for known in _KNOWN_STATUSES:
        if status.lower() == known.lower():
            return known
    if not status.isascii() or not status.isalpha():
        raise CliError(f"--status {status!r} is not a status; known statuses are {', '.join(_KNOWN_STATUSES)}")
    return status  # SageMaker may add statuses: an unknown word is looked up as given


def _session(profile: str | None, region: str | None) -> tuple[boto3.session.Session, str]:
    session = boto3.session.Session(profile_name=profile, region_name=region)
    found = session.region_name
    if not found:
        raise NoRegionError()
    return session, found


def describe_stack(session: boto3.session.Session, name: str, region: str) -> Stack:
    """The outputs and parameters of a CloudFormation stack."""
    cloudformation: Any = session.client("cloudformation")
    try:
        answer = cloudformation.describe_stacks(StackName=name)
    except ClientError as exc:
        # CloudFormation answers an unknown stack with ValidationError (its query protocol's code; some emulators say
        # ValidationException), and nothing else we send can fail validation: the name is passed as given.
        if _error_code(exc) in _NO_SUCH_STACK_CODES:
            raise CliError(f"no CloudFormation stack named {name} in {region}") from None
        raise
    stacks: list[dict[str, Any]] = answer.get("Stacks", [])
    if not stacks:
        raise CliError(f"no CloudFormation stack named {name} in {region}")
    stack = stacks[0]
    return Stack(
        name=name,
        outputs={str(o["OutputKey"]): str(o.get("OutputValue", "")) for o in stack.get("Outputs", [])},
        parameters={str(p["ParameterKey"]): str(p.get("ParameterValue", "")) for p in stack.get("Parameters", [])},
    )


def _target(
    ctx: typer.Context,
    scope: _Scope,
    *,
    table: str | None,
    stack_name: str | None,
    region: str | None,
    profile: str | None,
) -> Target:
    """The session and table a command works on.

    --table and --stack-name exclude each other on the command line; --stack-name beats JOBTRACKER_TABLE.
    """
    if table and stack_name and _from_command_line(ctx, "table"):
        raise typer.BadParameter("pass --table or --stack-name, not both", ctx=ctx, param_hint="--table")
    if not table and not stack_name:
        raise CliError("no table given: pass --table NAME, set JOBTRACKER_TABLE, or pass --stack-name")
    session, found_region = _session(profile, region)
    scope.region = found_region
    stack = describe_stack(session, stack_name, found_region) if stack_name else None
    if stack is not None and not (table and _from_command_line(ctx, "table")):
        table = stack.outputs.get("TableName")
        if not table:
            raise CliError(f"stack {stack.name} has no output TableName")
    if not table:
        raise CliError("no table given: pass --table NAME, set JOBTRACKER_TABLE, or pass --stack-name")
    scope.table = table
    return Target(session=session, region=found_region, table=table, stack=stack)


def _history(target: Target) -> JobHistory:
    client: DynamoDBClient = target.session.client("dynamodb", config=DYNAMODB_CONFIG)
    return JobHistory(client, target.table)


# Rendering -----------------------------------------------------------------------------------------------------------


def _print_json(data: Any) -> None:
    typer.echo(output.to_json(data))


def _window_text(window: Window, clock: output.Clock) -> str:
    return f"{clock(window.since)} to {clock(window.until) if window.until else 'now'}"


# Commands ------------------------------------------------------------------------------------------------------------


@app.command("jobs")
def jobs_command(
    ctx: typer.Context,
    *,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="Only jobs whose latest status is this: InProgress, Completed, Failed, Stopping or Stopped.",
        ),
    ] = None,
    since: Annotated[
        str,
        typer.Option(
            "--since",
            metavar="WHEN",
            help=(
                f"Start of the window of last-modified times. {_WINDOW_HELP} The by-month index is queried month by"
                " month, so there is no unbounded window: give an early date to look further back."
            ),
        ),
    ] = "30d",
    until: UntilOption = None,
    name_prefix: Annotated[
        str | None, typer.Option("--name-prefix", metavar="PREFIX", help="Only jobs whose name starts with this.")
    ] = None,
    limit: LimitOption = None,
    table: TableOption = None,
    stack_name: StackOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    output_format: OutputOption = OutputFormat.table,
    utc: UtcOption = False,
) -> None:
    """The latest state of each job last modified in the window, newest first."""
    with _reported() as scope:
        window = _window(since, until)
        wanted = _status(status)
        target = _target(ctx, scope, table=table, stack_name=stack_name, region=region, profile=profile)
        found = list(
            _history(target).jobs(
                since=window.since, until=window.until, status=wanted, name_prefix=name_prefix, limit=limit
            )
        )
        if output_format is OutputFormat.json:
            _print_json([output.job_record(job) for job in found])
            return
        clock = output.Clock(utc=utc)
        console = output.console()
        noun = f"{wanted} job" if wanted else "job"
        named = f" named {name_prefix}*" if name_prefix else ""
        where = f"{named} last modified {_window_text(window, clock)} in {target.table}"
        if not found:
            console.print(f"No {noun}s{where}.")
            return
        limited = " (limit reached)" if limit and len(found) >= limit else ""
        console.print(
            output.headed(
                f"{output.plural(len(found), noun)}{where}{limited}",
                output.jobs_table(found, clock, width=console.width),
            )
        )


@app.command("history")
def history_command(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(metavar="JOB", help="The training job's name.")],
    *,
    table: TableOption = None,
    stack_name: StackOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    output_format: OutputOption = OutputFormat.table,
    utc: UtcOption = False,
) -> None:
    """Every recorded state of one job, oldest first, with what changed from one to the next."""
    with _reported() as scope:
        target = _target(ctx, scope, table=table, stack_name=stack_name, region=region, profile=profile)
        try:
            snapshots = _history(target).timeline(job)
        except JobNotFoundError:
            raise CliError(f"no job named {job} in table {target.table}") from None
        if output_format is OutputFormat.json:
            _print_json([output.job_record(snapshot) for snapshot in snapshots])
            return
        view = output.history_table(snapshots, output.Clock(utc=utc))
        output.console().print(output.headed(f"{job}: {output.plural(len(snapshots), 'recorded state')}", view))


@app.command("show")
def show_command(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(metavar="JOB", help="The training job's name.")],
    *,
    table: TableOption = None,
    stack_name: StackOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    output_format: OutputOption = OutputFormat.table,
    utc: UtcOption = False,
) -> None:
    """The latest recorded state of one job in full, with secrets masked as stored."""
    with _reported() as scope:
        target = _target(ctx, scope, table=table, stack_name=stack_name, region=region, profile=profile)
        try:
            latest = _history(target).latest(job)
        except JobNotFoundError:
            raise CliError(f"no job named {job} in table {target.table}") from None
        if output_format is OutputFormat.json:
            _print_json(output.job_record(latest))
            return
        output.console().print(output.job_details(latest, output.Clock(utc=utc)))


@app.command("failures")
def failures_command(
    ctx: typer.Context,
    *,
    since: Annotated[
        str, typer.Option("--since", metavar="WHEN", help=f"Start of the window of failure times. {_WINDOW_HELP}")
    ] = "7d",
    until: UntilOption = None,
    limit: LimitOption = None,
    table: TableOption = None,
    stack_name: StackOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    output_format: OutputOption = OutputFormat.table,
    utc: UtcOption = False,
) -> None:
    """Jobs whose latest state is Failed, newest first, with their whole failure reasons."""
    with _reported() as scope:
        window = _window(since, until)
        target = _target(ctx, scope, table=table, stack_name=stack_name, region=region, profile=profile)
        found = list(_history(target).failures(since=window.since, until=window.until, limit=limit))
        if output_format is OutputFormat.json:
            _print_json([output.job_record(job) for job in found])
            return
        clock = output.Clock(utc=utc)
        console = output.console()
        where = f"last modified {_window_text(window, clock)} in {target.table}"
        if not found:
            console.print(f"No failed jobs {where}.")
            return
        heading = f"{output.plural(len(found), 'failed job')} {where}"
        console.print(output.headed(heading, output.failures_table(found, clock)))


def _topic(ctx: typer.Context, topic_arn: str | None, stack: Stack | None) -> str | None:
    """--topic-arn beats the stack's AlertTopicArn, which beats JOBTRACKER_TOPIC_ARN."""
    if topic_arn and _from_command_line(ctx, "topic_arn"):
        return topic_arn
    if stack is not None and stack.outputs.get("AlertTopicArn"):
        return stack.outputs["AlertTopicArn"]
    return topic_arn or None


def _tracker_settings(target: Target, topic: str | None, *, alert: bool) -> Settings:
    """The function's settings for this table: the stack's parameters when known, and no alerts unless asked for."""
    values = {
        "TABLE_NAME": target.table,
        # Never used without --alert: alert statuses are empty then, so nothing can publish.
        "TOPIC_ARN": topic or f"arn:aws:sns:{target.region}:000000000000:unused",
    }
    if target.stack is not None:
        values |= {
            env: target.stack.parameters[name]
            for name, env in _STACK_SETTINGS.items()
            if name in target.stack.parameters
        }
    if not alert:
        values["ALERT_STATUSES"] = ""
    return Settings.from_environment(values)


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar on stderr, only when stderr is a terminal."""
    console = output.console(stderr=True)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task("listing training jobs", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, description="describing and storing", completed=done, total=total)

        yield report


@app.command("backfill")
def backfill_command(
    ctx: typer.Context,
    *,
    since: Annotated[
        str, typer.Option("--since", metavar="WHEN", help=f"Catch up on jobs modified after this. {_WINDOW_HELP}")
    ] = "30d",
    until: UntilOption = None,
    alert: Annotated[
        bool,
        typer.Option(
            "--alert/--no-alert",
            help="Send the alert of an alerting state found here (once per job and status, as the function does).",
        ),
    ] = False,
    topic_arn: Annotated[
        str | None,
        typer.Option(
            "--topic-arn",
            envvar="JOBTRACKER_TOPIC_ARN",
            show_envvar=True,
            metavar="ARN",
            help="The alert topic; needed with --alert unless --stack-name gives AlertTopicArn.",
        ),
    ] = None,
    name_prefix: Annotated[
        str | None,
        typer.Option(
            "--name-prefix",
            metavar="PREFIX",
            help="Only jobs whose name starts with this (default: the stack's JobNamePrefix with --stack-name).",
        ),
    ] = None,
    table: TableOption = None,
    stack_name: StackOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    output_format: OutputOption = OutputFormat.table,
    utc: UtcOption = False,
) -> None:
    """Store the jobs modified in the window whose latest state the table lacks, as the function would have.

    Lists the jobs with ListTrainingJobs, looks up their stored states with BatchGetItem, and describes and stores
    only the ones missing or behind. With --stack-name, the stack's AlertStatuses, SensitiveHyperParameterPattern,
    SnapshotRetentionDays and JobNamePrefix apply; otherwise the function's defaults. Exit code 1 if any job failed.
    """
    with _reported() as scope:
        window = _window(since, until)
        target = _target(ctx, scope, table=table, stack_name=stack_name, region=region, profile=profile)
        topic = _topic(ctx, topic_arn, target.stack)
        if alert and topic is None:
            raise CliError(
                "--alert needs the alert topic: pass --topic-arn, set JOBTRACKER_TOPIC_ARN, or pass --stack-name"
            )
        if name_prefix is None and target.stack is not None:
            name_prefix = target.stack.parameters.get("JobNamePrefix") or None
        settings = _tracker_settings(target, topic, alert=alert)
        clients = Clients.create(target.session)
        clients.dynamodb.describe_table(TableName=target.table)  # a missing table is an error even with no jobs
        listing: SageMakerClient = target.session.client("sagemaker", config=LISTING_CONFIG)
        tracker = Tracker(clients, settings, region=target.region)
        reconciler = Reconciler(
            tracker,
            sagemaker=listing,
            dynamodb=clients.dynamodb,
            table_name=target.table,
            name_prefix=name_prefix or "",
        )
        with _progress_bar() as report:
            summary = reconciler.run(window.since, window.until, alert=alert, progress=report)
        if output_format is OutputFormat.json:
            _print_json(summary.as_dict() | {"errors": summary.errors})
        else:
            clock = output.Clock(utc=utc)
            heading = (
                f"Backfill of {target.table} ({target.region}): jobs modified {_window_text(window, clock)}"
                + (f" named {name_prefix}*" if name_prefix else "")
                + (", alerts on" if alert else ", alerts off")
            )
            output.console().print(output.backfill_view(summary.as_dict(), summary.errors, heading=heading))
        if summary.failed:
            attempted = summary.seen - summary.already_current
            _fail(f"{summary.failed} of the {attempted} jobs to catch up failed; see the errors in the summary")


_DEAD_LETTER_OUTPUTS = ("EventRuleDeadLetterQueueUrl", "FunctionDeadLetterQueueUrl")


@app.command("redrive")
def redrive_command(
    ctx: typer.Context,
    *,
    queue_url: Annotated[
        list[str] | None,
        typer.Option(
            "--queue-url",
            metavar="URL",
            help="A dead-letter queue to drain (repeatable); default: both of the stack's with --stack-name.",
        ),
    ] = None,
    topic_arn: Annotated[
        str | None,
        typer.Option(
            "--topic-arn",
            envvar="JOBTRACKER_TOPIC_ARN",
            show_envvar=True,
            metavar="ARN",
            help="The alert topic, for the alerts the redriven events owe; default: the stack's AlertTopicArn.",
        ),
    ] = None,
    visibility_timeout: Annotated[
        int,
        typer.Option(
            "--visibility-timeout",
            min=0,
            max=43200,
            metavar="SECONDS",
            help="How long a message that fails again stays hidden before a later redrive sees it.",
        ),
    ] = 300,
    table: TableOption = None,
    stack_name: StackOption = None,
    region: RegionOption = None,
    profile: ProfileOption = None,
    output_format: OutputOption = OutputFormat.table,
) -> None:
    """Re-process the events the dead-letter queues kept, deleting each one only once its state is recorded.

    Each event goes through the function's own path (describe, store, alert once), so a redrive is safe to run
    twice and while new events arrive. Alerts the events owe are sent, which needs the topic. Messages that fail
    again stay in their queue and are listed with the reason. Exit code 1 if any did.
    """
    with _reported() as scope:
        target = _target(ctx, scope, table=table, stack_name=stack_name, region=region, profile=profile)
        queues = list(queue_url or [])
        if not queues and target.stack is not None:
            queues = [target.stack.outputs[name] for name in _DEAD_LETTER_OUTPUTS if name in target.stack.outputs]
        if not queues:
            raise CliError("no dead-letter queue: pass --queue-url or --stack-name")
        topic = _topic(ctx, topic_arn, target.stack)
        if topic is None:
            raise CliError(
                "the alert topic is needed: pass --topic-arn, set JOBTRACKER_TOPIC_ARN, or pass --stack-name"
            )
        settings = _tracker_settings(target, topic, alert=True)
        clients = Clients.create(target.session)
        tracker = Tracker(clients, settings, region=target.region)
        redriver = Redriver(tracker, target.session.client("sqs"), visibility_timeout=visibility_timeout)
        summary = RedriveSummary()
        for queue in queues:
            redriver.redrive(queue, summary)
        if output_format is OutputFormat.json:
            _print_json(summary.as_dict())
        else:
            heading = f"Redrive into {target.table} ({target.region}) from " + ", ".join(queues)
            output.console().print(output.redrive_view(summary.as_dict(), heading=heading))
        if summary.failed:
            _fail(f"{len(summary.failed)} of {summary.received} messages failed again and stay in their queue")


def main() -> None:
    """The console script `jobtracker`."""
    app()
