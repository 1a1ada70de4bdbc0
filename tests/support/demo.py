"""`make demo`: a day of training jobs through the real handler, on an embedded AWS emulator, then the CLI's view.

Starts a moto server and the fake SageMaker endpoint on 127.0.0.1, creates the table, topic and a subscriber queue
from template.yaml's own definitions, and plays the event files of events/, moved to the last hours, with the
deliveries real AWS makes: duplicates, reordering, a concurrent pair, and one job whose events never arrived, which
the reconcile finds. It then prints an alert as its subscriber receives it and the answers of `jobtracker failures`,
`jobtracker jobs` and `jobtracker history`, and stops the emulator.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.aws import CREDENTIALS, REGION, MotoServer, Stack
from tests.support.fake_sagemaker import FakeSageMaker, describe_from_event, load_event
from tests.support.lambda_runtime import AsyncInvoker, load_app
from tests.support.load import linearizable_moto_dynamodb

_TIME_MEMBERS = frozenset(
    {"CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime", "StartTime", "EndTime", "Timestamp"}
)
MISSED_JOB = "gpt2-distill-2026-12-01-13-05-00"


def _shift(value: Any, delta: timedelta) -> Any:
    millis = int(delta.total_seconds() * 1000)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return type(value)(value + millis)
    if isinstance(value, str) and value.isdigit():
        return str(int(value) + millis)
    return value


def shifted(event: dict[str, Any], delta: timedelta) -> dict[str, Any]:
    """The event moved in time by `delta`, every timestamp keeping its shape (number or string of digits)."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: _shift(value, delta) if key in _TIME_MEMBERS else walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    moved: dict[str, Any] = walk(copy.deepcopy(event))
    moment = datetime.fromisoformat(moved["time"].replace("Z", "+00:00")) + delta
    moved["time"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moved


def the_day() -> dict[str, dict[str, Any]]:
    """The event files, moved so that the day's last change happened an hour ago."""
    names = [
        "in-progress-starting", "in-progress-training", "completed", "failed",
        "stopping", "stopped", "stopped-max-runtime",
    ]  # fmt: skip
    events = {name: load_event(name) for name in names}
    latest = max(int(event["detail"]["LastModifiedTime"]) for event in events.values())
    delta = datetime.now(UTC) - timedelta(hours=1) - datetime.fromtimestamp(latest / 1000, tz=UTC)
    day = {name: shifted(event, delta) for name, event in events.items()}
    missed = copy.deepcopy(day["failed"])
    missed["detail"].update(
        TrainingJobName=MISSED_JOB,
        TrainingJobArn=missed["detail"]["TrainingJobArn"].rsplit("/", 1)[0] + "/" + MISSED_JOB,
        FailureReason="ClientError: Data download failed:Could not download s3://acme-ml-datasets-123456789012/"
        "gpt2/train/part-0007.parquet: insufficient disk space. Increase VolumeSizeInGB.",
        HyperParameters={"epochs": "2", "model_name_or_path": '"gpt2"'},
    )
    day["missed"] = missed
    return day


def redelivered(event: dict[str, Any]) -> dict[str, Any]:
    """The same state change delivered again, as SageMaker and EventBridge may: a new event id."""
    again = copy.deepcopy(event)
    again["id"] = str(uuid.uuid4())
    return again


def banner(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(0, 100 - len(title)))


def play(lambda_: AsyncInvoker, fake: FakeSageMaker, day: dict[str, dict[str, Any]]) -> None:
    answers = {name: describe_from_event(event) for name, event in day.items()}
    for name in ("completed", "failed", "stopped", "stopped-max-runtime", "missed"):
        fake.put_job(answers[name])  # each job's state by the end of the day
    job = lambda key: day[key]["detail"]["TrainingJobName"]

    def deliver(label: str, event: dict[str, Any], describe_sees: str | None = None) -> None:
        if describe_sees is not None:
            fake.set_answers(job(describe_sees), [answers[describe_sees]])
        delivery = lambda_.deliver(event)
        outcome = delivery.result or {"outcome": "dead-lettered", "alert": "-"}
        detail = event["detail"]
        retried = (
            f" (attempt {delivery.attempts}: {type(delivery.errors[0]).__name__} first)" if delivery.errors else ""
        )
        print(
            f"{label:<34} {detail['TrainingJobName']:<35} {detail['TrainingJobStatus']:>10}/"
            f"{detail.get('SecondaryStatus', ''):<19} -> {outcome['outcome']:<9} alert: {outcome['alert']}{retried}"
        )

    banner("a day of SageMaker events through the real handler")
    deliver("training event arrives first", day["in-progress-training"], "in-progress-training")
    deliver("starting event arrives late", day["in-progress-starting"], "in-progress-starting")
    deliver("completed", day["completed"], "completed")
    deliver("completed, delivered again", redelivered(day["completed"]), "completed")
    deliver("user stopped: stopped comes first", day["stopped"], "stopped")
    deliver("stopping arrives after stopped", day["stopping"], "stopping")
    deliver("hit its time limit", day["stopped-max-runtime"], "stopped-max-runtime")
    # The failure, delivered twice at the same moment to two concurrent invocations.
    twins = [day["failed"], redelivered(day["failed"])]
    threads = [
        threading.Thread(target=deliver, args=(f"failed, concurrent copy {i + 1}", e)) for i, e in enumerate(twins)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def reconcile(lambda_: AsyncInvoker, fake: FakeSageMaker, stack: Stack) -> None:
    from jobtracker.reconcile import Reconciler

    core = lambda_.core
    reconciler = Reconciler(
        core.tracker, sagemaker=core.clients.sagemaker, dynamodb=stack.dynamodb, table_name=stack.table_name,
        page_interval=0,
    )  # fmt: skip
    banner(f"reconcile: ListTrainingJobs finds {MISSED_JOB}, whose events never arrived")
    summary = reconciler.run(datetime.now(UTC) - timedelta(days=3), alert=True)
    print("  ".join(f"{key}={value}" for key, value in summary.as_dict().items()))


def show_alerts(stack: Stack) -> None:
    alerts = stack.alerts(wait_seconds=1)
    banner(f"{len(alerts)} alerts reached the subscriber queue; the first, exactly as received")
    first = alerts[0]
    print(f"Subject: {first.subject}")
    print("MessageAttributes: " + ", ".join(f"{k}={v}" for k, v in sorted(first.attributes.items())))
    print()
    print(first.message)
    for other in alerts[1:]:
        print(f"\n(also: {other.subject})")


def cli(stack: Stack, *arguments: str) -> None:
    executable = shutil.which("jobtracker", path=str(Path(sys.executable).parent)) or "jobtracker"
    banner("jobtracker " + " ".join(arguments))
    command = [executable, *arguments, "--table", stack.table_name, "--region", REGION]
    # A fixed width keeps the tables readable in a terminal and in the README, whatever runs the demo.
    completed = subprocess.run(command, env={**os.environ, "COLUMNS": "110"}, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"jobtracker {' '.join(arguments)} exited with {completed.returncode}")


def main() -> int:
    os.environ.update({**CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION})
    os.environ.pop("AWS_PROFILE", None)
    server = MotoServer()
    fake = FakeSageMaker()
    with linearizable_moto_dynamodb():
        return _run(server, fake)


def _run(server: MotoServer, fake: FakeSageMaker) -> int:
    try:
        os.environ["AWS_ENDPOINT_URL"] = server.start()
        os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] = fake.start()
        stack = Stack.create(server.endpoint_url, prefix="demo")
        os.environ.update(stack.environment())
        # The function's own JSON logs and metrics would bury the story; the tests read them, the demo does not.
        os.environ.update({"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"})
        print(f"emulated AWS on {server.endpoint_url}, fake SageMaker on {fake.endpoint_url}, table {stack.table_name}")
        lambda_ = AsyncInvoker(load_app())
        day = the_day()
        play(lambda_, fake, day)
        reconcile(lambda_, fake, stack)
        show_alerts(stack)
        cli(stack, "failures", "--since", "7d")
        cli(stack, "jobs", "--since", "7d")
        cli(stack, "history", day["completed"]["detail"]["TrainingJobName"])
    finally:
        fake.stop()
        server.stop()
    print("\ndemo finished: emulator stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
