"""Warm cost: CPU time and AWS requests per delivered event, ours against the baseline, on the same emulated AWS.

The bench process hosts the emulators (a moto server and the fake SageMaker on 127.0.0.1, in its own threads) and runs
this module as a child process with the runtime's Python 3.13 and the byte-compiled layer (benchmarks/runtime.py):

    python3.13 -m benchmarks.warm CONFIG.json

The child loads both handlers in-process (ours through tests.support.lambda_runtime.load_app, as the tests do; the
baseline by import), sends each the same sequence of events, alternating which goes first, and measures
`time.process_time()` and wall time around each handler call. Only the child's own thread runs in the child, so its
CPU time is the handler's alone; the emulators' work is in the other process. AWS requests are counted with botocore
`before-send` hooks on each handler's clients (tests.support.faults.ClientFaults, as test_contracts.py counts them).

The plan: training jobs with a realistic life (Starting, Downloading, Training, then Uploading and Completed, or
Failed), their events interleaved across jobs, every Describe answering the state of its event. Failing and
completing jobs are mixed so that one event in ten alerts. The first few jobs warm both handlers up (their first
alert builds the alert path: Powertools Idempotency, the SNS client) and are reported apart.

`--rss` runs one handler alone for a few jobs and reports the process's peak RSS, for the memory choice.
"""

from __future__ import annotations

import copy
import cProfile
import gc
import importlib
import json
import os
import random
import resource
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ALERTING_SHARE = 0.10
# Per job: (template event, SecondaryStatus override or None).
_FAILING = [("in-progress-starting", None), ("in-progress-training", "Downloading"), ("in-progress-training", None),
            ("failed", None)]  # fmt: skip
_COMPLETING = [("in-progress-starting", None), ("in-progress-training", "Downloading"),
               ("in-progress-training", None), ("in-progress-training", "Uploading"), ("completed", None)]  # fmt: skip


@dataclass(frozen=True)
class PlannedEvent:
    job: int
    event: dict[str, Any]
    alerting: bool


def jobs_for_share(events_wanted: int) -> tuple[int, int]:
    """(failing, completing) job counts that give about `events_wanted` events, ALERTING_SHARE of them alerting."""
    # F failing jobs give 4F events and F alerts, C completing jobs 5C events: F / (4F + 5C) = share.
    failing = max(1, round(events_wanted * ALERTING_SHARE))
    completing = max(1, round(failing * (1 / ALERTING_SHARE - len(_FAILING)) / len(_COMPLETING)))
    return failing, completing


def plan(prefix: str, failing: int, completing: int, *, start: datetime, seed: int) -> list[PlannedEvent]:
    """Events of failing and completing jobs named <prefix>-<n>, interleaved across jobs, each job's in order."""
    from tests.support.fake_sagemaker import load_event

    kinds = [True] * failing + [False] * completing
    random.Random(seed).shuffle(kinds)
    namespace = uuid.UUID(int=seed)
    templates: dict[str, dict[str, Any]] = {}
    lives: list[list[PlannedEvent]] = []
    for job_number, fails in enumerate(kinds):
        name = f"{prefix}-{job_number:05d}"
        base = start + timedelta(minutes=10 * job_number)
        life = []
        for step, (template_name, secondary) in enumerate(_FAILING if fails else _COMPLETING):
            template = templates.setdefault(template_name, load_event(template_name))
            event = copy.deepcopy(template)
            detail = event["detail"]
            arn = detail["TrainingJobArn"].rsplit("/", 1)[0] + "/" + name
            detail.update(TrainingJobName=name, TrainingJobArn=arn)
            if secondary:
                detail["SecondaryStatus"] = secondary
            moment = base + timedelta(minutes=step)
            detail["LastModifiedTime"] = int(moment.timestamp() * 1000)
            event["time"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            event["resources"] = [arn]
            event["id"] = str(uuid.uuid5(namespace, f"{name}/{step}"))
            life.append(PlannedEvent(job_number, event, alerting=template_name == "failed"))
        lives.append(life)
    # Interleave: round-robin over a few jobs in flight at a time, as a busy account's events arrive.
    interleaved: list[PlannedEvent] = []
    in_flight = 8
    active: list[list[PlannedEvent]] = []
    while lives or active:
        while lives and len(active) < in_flight:
            active.append(lives.pop(0))
        for life in list(active):
            interleaved.append(life.pop(0))
            if not life:
                active.remove(life)
    return interleaved


def largest_job(name: str, *, start: datetime) -> tuple[PlannedEvent, dict[str, Any]]:
    """A failure with the largest answer the API allows where it matters: 100 hyperparameters of 2,500 characters
    (random, so they barely compress) and 2,000 status transitions. Its document has to be cut to fit the item
    limit. Returns the event and its Describe answer."""
    from tests.support.fake_sagemaker import describe_from_event, load_event

    rng = random.Random(name)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    event = load_event("failed")
    detail = event["detail"]
    arn = detail["TrainingJobArn"].rsplit("/", 1)[0] + "/" + name
    detail.update(TrainingJobName=name, TrainingJobArn=arn, LastModifiedTime=int(start.timestamp() * 1000))
    event["resources"] = [arn]
    hyperparameters = {f"param_{i:03d}": "".join(rng.choices(alphabet, k=2500)) for i in range(100)}
    transitions = [
        {
            "Status": "Training" if i % 2 else "Restarting",
            "StartTime": start - timedelta(seconds=2000 - i),
            "EndTime": start - timedelta(seconds=1999 - i),
            "StatusMessage": f"Restarting training after a spot interruption ({i}): " + "x" * 150,
        }
        for i in range(2000)
    ]
    answer = describe_from_event(event, HyperParameters=hyperparameters, SecondaryStatusTransitions=transitions)
    return PlannedEvent(0, event, alerting=True), answer


def register_answers(fake: Any, planned: list[PlannedEvent]) -> None:
    """Queue, for each job, the Describe answers its events will get, in order: the state of each event."""
    from tests.support.fake_sagemaker import describe_from_event

    by_job: dict[str, list[dict[str, Any]]] = {}
    for item in planned:
        by_job.setdefault(item.event["detail"]["TrainingJobName"], []).append(describe_from_event(item.event))
    for name, answers in by_job.items():
        fake.put_job(answers[-1])
        fake.set_answers(name, answers)


# ---------------------------------------------------------------------------------------------------------- the child


@dataclass
class HandlerRun:
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    alerting: list[bool] = field(default_factory=list)
    requests: list[dict[str, int]] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    warmup_cpu: list[float] = field(default_factory=list)
    warmup_alerting: list[bool] = field(default_factory=list)


def _counters(clients: list[Any]) -> Any:
    from tests.support.faults import ClientFaults

    faults = [ClientFaults(client) for client in clients]

    def snapshot() -> dict[str, int]:
        merged: dict[str, int] = {}
        for counter in faults:
            for operation, count in counter.requests.items():
                merged[operation] = merged.get(operation, 0) + count
        return merged

    return snapshot


def _load_handlers(config: dict[str, Any]) -> dict[str, tuple[Any, list[Any]]]:
    from tests.support.lambda_runtime import load_app

    handlers: dict[str, tuple[Any, list[Any]]] = {}
    os.environ.update(config["environment"]["ours"])
    app = load_app()
    core = importlib.import_module("jobtracker.handler")
    handlers["ours"] = (app.lambda_handler, [core.clients.sagemaker, core.clients.dynamodb, core.clients.sns])
    os.environ.update(config["environment"]["baseline"])
    baseline = importlib.import_module("baseline_handler")
    handlers["baseline"] = (baseline.lambda_handler, [baseline.sagemaker, baseline.dynamodb, baseline.sns])
    return handlers


def child(config_path: Path) -> None:
    from tests.support.lambda_runtime import FakeLambdaContext

    config = json.loads(config_path.read_text())
    events: dict[str, list[dict[str, Any]]] = config["events"]
    warmup = config["warmup"]
    real_stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the functions' logs and metrics go where Lambda's would
    try:
        handlers = _load_handlers(config)
        # jobtracker's handler freezes what its init built (gc.freeze); freeze again with the baseline loaded, so that
        # neither handler's collections walk the other's or this harness's objects. (Deployed, the baseline would not
        # have that: this is to the baseline's advantage.)
        gc.freeze()
        runs = {who: HandlerRun() for who in handlers}
        counters = {who: _counters(clients) for who, (_, clients) in handlers.items()}
        count = len(events["ours"])
        # BENCH_PROFILE=ours (or baseline) profiles that handler's measured calls into BENCH_PROFILE_OUTPUT.
        profiled = os.environ.get("BENCH_PROFILE")
        profiler = cProfile.Profile() if profiled else None
        for index in range(count):
            order = ("ours", "baseline") if index % 2 == 0 else ("baseline", "ours")
            for who in order:
                handler, _ = handlers[who]
                item = events[who][index]
                event, alerting = item["event"], item["alerting"]
                context = FakeLambdaContext()
                before = counters[who]()
                profiling = profiler is not None and who == profiled and index >= warmup
                if profiling:
                    profiler.enable()  # type: ignore[union-attr]
                wall, cpu = time.perf_counter(), time.process_time()
                result = handler(event, context)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                if profiling:
                    profiler.disable()  # type: ignore[union-attr]
                after = counters[who]()
                run = runs[who]
                if index < warmup:
                    run.warmup_cpu.append(cpu)
                    run.warmup_alerting.append(alerting)
                    continue
                run.cpu.append(cpu)
                run.wall.append(wall)
                run.alerting.append(alerting)
                run.requests.append({op: after.get(op, 0) - before.get(op, 0) for op in after})
                run.outcomes.append(f"{result['outcome']}/{result['alert']}")
        if profiler is not None:
            profiler.dump_stats(os.environ.get("BENCH_PROFILE_OUTPUT", "bench.prof"))
    finally:
        sys.stdout.close()
        sys.stdout = real_stdout
    Path(config["output"]).write_text(json.dumps({who: run.__dict__ for who, run in runs.items()}))


def _peak_rss_kb() -> int:
    """This process's peak RSS in KiB: VmHWM, which exec resets (getrusage's ru_maxrss keeps the parent's peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_child(config_path: Path) -> None:
    """One handler alone: peak RSS after init and after its events (KiB, as getrusage reports it on Linux)."""
    config = json.loads(config_path.read_text())
    who = config["who"]
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    os.environ.update(config["environment"])
    sys.path.insert(0, config["task"])
    module = importlib.import_module("app" if who == "ours" else "baseline_handler")
    after_init = _peak_rss_kb()

    class Context:
        function_name = "jobtracker-tracker"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:jobtracker-tracker"
        aws_request_id = "rss"

        def get_remaining_time_in_millis(self) -> int:
            return 60_000

    for item in config["events"]:
        module.lambda_handler(item["event"], Context())
    after_events = _peak_rss_kb()
    module.lambda_handler(config["largest"]["event"], Context())
    after_largest = _peak_rss_kb()
    Path(config["output"]).write_text(
        json.dumps({"after_init_kb": after_init, "after_events_kb": after_events, "after_largest_kb": after_largest})
    )


# ---------------------------------------------------------------------------------------------- summary (the parent)


@dataclass(frozen=True)
class WarmSummary:
    events: int
    alerting: int
    cpu_ms: float  # mean CPU per event
    cpu_median_ms: float
    cpu_ms_plain: float
    cpu_ms_alerting: float
    wall_ms: float
    wall_ms_plain: float
    wall_ms_alerting: float
    requests_per_event: float
    requests_plain: float
    requests_alerting: float
    operations: dict[str, float]  # per event, by operation
    first_alert_extra_ms: float  # the warm-up's first alert over the median alert: the alert path's one-time init
    outcomes: dict[str, int]


def summarize(raw: dict[str, Any]) -> WarmSummary:
    cpu, wall, alerting, requests = raw["cpu"], raw["wall"], raw["alerting"], raw["requests"]
    count = len(cpu)
    plain = [i for i in range(count) if not alerting[i]]
    alerts = [i for i in range(count) if alerting[i]]
    totals = [sum(r.values()) for r in requests]
    operations: dict[str, float] = {}
    for r in requests:
        for op, n in r.items():
            operations[op] = operations.get(op, 0) + n / count
    outcomes: dict[str, int] = {}
    for outcome in raw["outcomes"]:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    def mean(values: list[float], indexes: list[int]) -> float:
        return statistics.fmean(values[i] for i in indexes) if indexes else 0.0

    warm_alerts = [c for c, a in zip(raw["warmup_cpu"], raw["warmup_alerting"], strict=True) if a]
    alert_median = statistics.median(cpu[i] for i in alerts) if alerts else 0.0
    return WarmSummary(
        events=count,
        alerting=len(alerts),
        cpu_ms=statistics.fmean(cpu) * 1000,
        cpu_median_ms=statistics.median(cpu) * 1000,
        cpu_ms_plain=mean(cpu, plain) * 1000,
        cpu_ms_alerting=mean(cpu, alerts) * 1000,
        wall_ms=statistics.fmean(wall) * 1000,
        wall_ms_plain=mean(wall, plain) * 1000,
        wall_ms_alerting=mean(wall, alerts) * 1000,
        requests_per_event=statistics.fmean(totals),
        requests_plain=mean(totals, plain),
        requests_alerting=mean(totals, alerts),
        operations=operations,
        first_alert_extra_ms=(warm_alerts[0] - alert_median) * 1000 if warm_alerts else 0.0,
        outcomes=outcomes,
    )


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--rss":
        rss_child(Path(sys.argv[2]))
    elif len(sys.argv) == 2:
        child(Path(sys.argv[1]))
    else:
        raise SystemExit("usage: python -m benchmarks.warm [--rss] CONFIG.json (run by benchmarks.bench)")


if __name__ == "__main__":
    main()
