"""How the command line shows training jobs: rich tables for people, JSON for programs.

Nothing here talks to AWS. Free text from SageMaker (failure reasons, status messages) is shown as `rich.text.Text`,
never as markup, and without control characters, so a job cannot restyle or rewrite the terminal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.json import JSON
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from jobtracker.alerts import clean_text, human_duration, job_duration
from jobtracker.history import Change, changes
from jobtracker.models import TrainingJob
from jobtracker.timestamps import parse_timestamp

STATUS_STYLES = {
    "Failed": "red",
    "Completed": "green",
    "Stopped": "yellow",
    "Stopping": "yellow",
    "InProgress": "cyan",
}
# Members shown as key facts by `job_details`; every other member is printed below them as it is stored.
_FACT_MEMBERS = frozenset(
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
_TIME_MEMBERS = frozenset({"CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime"})
_CHANGE_VALUE_LIMIT = 100
# The narrowest the jobs table's columns after Job wrap to: status, date over time (its header is 13), duration,
# "1 x" over the instance type, and the four gaps of three.
_JOBS_STATUS_MINIMUM = 10
_JOBS_REST_MINIMUM = 13 + 9 + 13 + 4 * 3
_PIPE_WIDTH = 200  # the width of tables written to a pipe or file, so that long names are not wrapped
NOTHING = "-"


def console(*, stderr: bool = False) -> Console:
    """A console without markup or emoji codes; when writing to a pipe or file, wide enough not to wrap names."""
    made = Console(stderr=stderr, markup=False, emoji=False, highlight=False)
    if not made.is_terminal and "COLUMNS" not in os.environ:
        made = Console(stderr=stderr, markup=False, emoji=False, highlight=False, width=_PIPE_WIDTH)
    return made


# JSON ----------------------------------------------------------------------------------------------------------------


def job_record(job: TrainingJob) -> dict[str, Any]:
    """A snapshot as JSON data: DescribeTrainingJob's member names, times as ISO-8601 UTC, absent members left out."""
    return job.model_dump(mode="json", exclude_none=True)


def to_json(data: Any) -> str:
    """Strict JSON (no NaN or Infinity), indented for reading, ASCII-only so any terminal or pipe can carry it."""
    return json.dumps(data, indent=2, allow_nan=False)


# Pieces --------------------------------------------------------------------------------------------------------------


class Clock:
    """Shows moments in local time, or in UTC."""

    def __init__(self, *, utc: bool) -> None:
        self.utc = utc

    def __call__(self, moment: datetime | None) -> str:
        if moment is None:
            return NOTHING
        if self.utc:
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def safe(text: str) -> str:
    """Free text without control or format characters (line breaks and tabs kept)."""
    return clean_text(text)


def status_text(job: TrainingJob, *, stacked: bool = False) -> Text:
    """The status in its colour, then the secondary status when it says more (`stacked`: on a line of its own)."""
    text = Text(job.TrainingJobStatus, style=STATUS_STYLES.get(job.TrainingJobStatus, ""))
    if job.SecondaryStatus and job.SecondaryStatus != job.TrainingJobStatus:
        text.append(f"{chr(10) if stacked else ' '}({job.SecondaryStatus})", style="dim")
    return text


def duration(job: TrainingJob) -> str:
    seconds = job_duration(job)
    return NOTHING if seconds is None else human_duration(seconds)


def instances(job: TrainingJob) -> str:
    resources = job.ResourceConfig
    if resources is None or not resources.InstanceType:
        return NOTHING
    return safe(f"{resources.InstanceCount or 1} x {resources.InstanceType}")


def change_value(member: str, value: Any, clock: Clock) -> str:
    """One side of a change, on one line and short: times in the chosen zone, structures as compact JSON."""
    if value is None:
        return NOTHING
    if member in _TIME_MEMBERS and isinstance(value, str):
        try:
            return clock(parse_timestamp(value))
        except ValueError:
            pass
    text = value if isinstance(value, str) else json.dumps(value, separators=(", ", ": "), ensure_ascii=False)
    lines = safe(text).split("\n")
    single = lines[0] + (" ..." if len(lines) > 1 else "")
    if len(single) > _CHANGE_VALUE_LIMIT:
        single = single[: _CHANGE_VALUE_LIMIT - 4].rstrip() + " ..."
    return single


def change_lines(found: Sequence[Change], clock: Clock) -> Text:
    text = Text()
    for index, change in enumerate(found):
        if index:
            text.append("\n")
        text.append(change.member, style="bold")
        if change.member == "SecondaryStatusTransitions" and isinstance(change.after, list):
            text.append(f": {change.before} ({', '.join(str(status) for status in change.after)})")
        else:
            before = change_value(change.member, change.before, clock)
            after = change_value(change.member, change.after, clock)
            text.append(f": {before} → {after}")
    return text


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# Views ---------------------------------------------------------------------------------------------------------------


def headed(heading: str, view: RenderableType) -> Group:
    """A view under a one-line heading (a table's own title would wrap to the table's width)."""
    return Group(Text(heading, style="bold"), view)


def jobs_table(jobs: Sequence[TrainingJob], clock: Clock, *, width: int | None = None) -> Table:
    """The latest state of each job, in the order given (newest first).

    Names are never wrapped, so they can be copied; the other columns wrap at spaces. When `width` (the console's)
    is too narrow for every column, Instances is left out.
    """
    longest = max((len(job.TrainingJobName) for job in jobs), default=10)
    statuses = [status_text(job, stacked=True) for job in jobs]
    widest_status = max((len(line) for status in statuses for line in status.plain.split("\n")), default=10)
    show_instances = width is None or width >= longest + _JOBS_STATUS_MINIMUM + _JOBS_REST_MINIMUM
    # Keep "(MaxRuntimeExceeded)" whole when there is room for it, rather than fold it.
    roomy = width is None or width >= longest + widest_status + _JOBS_REST_MINIMUM
    # (Column minimum widths are not used: rich can then make the table wider than the console, and crop it.)
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Job", no_wrap=True)
    table.add_column("Status", no_wrap=roomy, overflow="fold")
    table.add_column("Last modified", overflow="fold")
    table.add_column("Duration", justify="right", no_wrap=True)
    if show_instances:
        table.add_column("Instances", overflow="fold")
    for job, status in zip(jobs, statuses, strict=True):
        cells = [
            Text(job.TrainingJobName),
            status,
            Text(clock(job.LastModifiedTime)),
            Text(duration(job)),
            Text(instances(job)),
        ]
        table.add_row(*(cells if show_instances else cells[:-1]))
    return table


def failures_table(jobs: Iterable[TrainingJob], clock: Clock) -> Table:
    """Failed jobs with their whole failure reason, line breaks kept."""
    table = Table(header_style="bold", show_lines=True)
    table.add_column("Job", no_wrap=True)
    table.add_column("Failure reason", overflow="fold")
    for job in jobs:
        facts = Text(job.TrainingJobName, style="bold")
        facts.append("\n")
        facts.append_text(status_text(job))
        facts.append(f"\n{clock(job.LastModifiedTime)}", style="dim")
        ran = " ".join(
            part
            for part in (
                f"ran {duration(job)}" if job_duration(job) is not None else "",
                f"on {instances(job)}" if instances(job) != NOTHING else "",
            )
            if part
        )
        if ran:
            facts.append(f"\n{ran}", style="dim")
        reason = safe(job.FailureReason) if job.FailureReason else "SageMaker gave no failure reason."
        table.add_row(facts, Text(reason))
    return table


def history_table(snapshots: Sequence[TrainingJob], clock: Clock) -> Table:
    """Every snapshot, oldest first, each with what changed since the one before."""
    table = Table(header_style="bold", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Last modified")
    table.add_column("Status", overflow="fold")
    table.add_column("What changed", overflow="fold")
    previous: TrainingJob | None = None
    for number, snapshot in enumerate(snapshots, start=1):
        if previous is None:
            what = Text("first recorded state", style="dim")
        else:
            found = changes(previous, snapshot)
            what = change_lines(found, clock) if found else Text("nothing besides the time", style="dim")
        # Date over time and status over secondary status: the changes get the width.
        status = status_text(snapshot, stacked=True)
        if snapshot.SnapshotSource != "describe":
            status.append(f"\nfrom the {snapshot.SnapshotSource}", style="dim")
        when = clock(snapshot.LastModifiedTime).replace(" ", "\n", 1)
        table.add_row(Text(str(number)), Text(when), status, what)
        previous = snapshot
    return table


def job_details(job: TrainingJob, clock: Clock) -> Group:
    """The key facts of one snapshot, then every other member as stored (redacted)."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(overflow="fold")

    def fact(name: str, value: str | Text) -> None:
        facts.add_row(Text(name), value if isinstance(value, Text) else Text(value))

    fact("Job", job.TrainingJobName)
    fact("ARN", safe(job.TrainingJobArn or NOTHING))
    fact("Status", status_text(job))
    if job.FailureReason:
        fact("Failure reason", safe(job.FailureReason))
    fact("Created", clock(job.CreationTime))
    fact("Started", clock(job.TrainingStartTime))
    fact("Ended", clock(job.TrainingEndTime))
    fact("Last modified", clock(job.LastModifiedTime))
    fact("Duration", duration(job))
    billable = job.BillableTimeInSeconds
    fact("Billable", NOTHING if billable is None else f"{human_duration(billable)} ({billable} s)")
    fact("Instances", instances(job))
    fact("Recorded from", job.SnapshotSource)
    if job.Truncated:
        cuts = ", ".join(f"{member}: {cut.get('dropped', 0)} dropped" for member, cut in job.Truncated.items())
        fact("Truncated", Text(cuts, style="yellow"))
    rest = {member: value for member, value in job_record(job).items() if member not in _FACT_MEMBERS}
    parts: list[RenderableType] = [facts]
    if rest:
        # Control characters are escaped by JSON itself; bidi and other format characters are dropped here.
        text = safe(json.dumps(rest, indent=2, ensure_ascii=False))
        parts += [Text(""), Text("Other members", style="bold underline"), JSON(text, indent=2)]
    return Group(*parts)


def backfill_view(summary: dict[str, int], errors: Sequence[str], *, heading: str) -> Group:
    """What a backfill saw and did, then one line per job that failed."""
    table = Table(header_style="bold")
    table.add_column("Jobs")
    table.add_column("Count", justify="right")
    labels = {
        "seen": "seen (modified in the window)",
        "stored": "stored",
        "already_current": "already current",
        "unchanged": "unchanged (stored meanwhile)",
        "vanished": "vanished (no longer described)",
        "alerts_sent": "alerts sent",
        "failed": "failed",
    }
    for key, label in labels.items():
        count = summary.get(key, 0)
        style = "red" if key == "failed" and count else ""
        table.add_row(Text(label), Text(str(count), style=style))
    parts: list[RenderableType] = [Text(heading, style="bold"), table]
    if errors:
        lines = Text("\n".join(safe(error).replace("\n", " ") for error in errors), style="red")
        parts += [Text("Errors:", style="bold red"), Padding(lines, (0, 0, 0, 2))]
    return Group(*parts)


def redrive_view(summary: dict[str, Any], *, heading: str) -> Group:
    """What a redrive received and recorded, then one line per message left in its queue, with the reason."""
    table = Table(header_style="bold")
    table.add_column("Messages")
    table.add_column("Count", justify="right")
    for key, label in (
        ("received", "received"),
        ("recorded", "recorded and deleted"),
        ("alerts_sent", "alerts sent"),
        ("failed", "left in the queue"),
    ):
        count = summary.get(key, 0)
        table.add_row(Text(label), Text(str(count), style="red" if key == "failed" and count else ""))
    parts: list[RenderableType] = [Text(heading, style="bold"), table]
    failures = summary.get("failures", [])
    if failures:
        lines = "\n".join(safe(f"{f['message_id']}: {f['reason']}").replace("\n", " ") for f in failures)
        parts += [Text("Left in the queue:", style="bold red"), Padding(Text(lines, style="red"), (0, 0, 0, 2))]
    return Group(*parts)
