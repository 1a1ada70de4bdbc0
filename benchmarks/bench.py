"""`make bench`: jobtracker's TrackerFunction side by side with a hand-written boto3 function doing the same job.

    python -m benchmarks.bench                  # everything (a few minutes)
    python -m benchmarks.bench --quick          # fewer runs, events and snapshots: a smoke run
    python -m benchmarks.bench --only cold,warm # some sections: artifact, cold, warm, queries (cost needs warm)

`BENCH_PROFILE=ours` (or `baseline`) with `BENCH_PROFILE_OUTPUT=FILE` writes a cProfile of that handler's warm calls.

Sections:

- artifact: the size of what `sam build` made (.aws-sam/build: the layer and the function), on disk and zipped.
- cold: importing the handler module and building its clients in a fresh Python 3.13, byte-compiled and not
  (benchmarks/cold.py), ours against benchmarks/baseline_handler.py, alternating runs, medians.
- warm: CPU time and AWS requests per delivered event on emulated AWS, a 90/10 mix of non-alerting and alerting
  events (benchmarks/warm.py), plus each function's peak RSS.
- queries: `jobs --status Failed --since 7d` and `history JOB` over a table of tens of thousands of snapshots
  (benchmarks/queries.py).
- cost: per million events, from the warm section's durations and the items it wrote (benchmarks/cost.py); the
  memory size the measurements choose.

Timing is never part of the test suite: this is the only place where it is measured. The figures are this machine's;
the ratios are what the goals are about. On a machine shared with other work the timings move from run to run; the
instruction counts of the cold section (valgrind, when installed) do not. Exits 1 when a goal does not hold.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import cold, cost, queries, warm
from benchmarks.runtime import REPO, Variant, machine_description, prepare, runtime_python

GOAL_COLD = 1.25  # cold init, ours / baseline
GOAL_WARM_CPU = 1.3  # warm CPU per event, ours / baseline
GOAL_READS = 1.1  # items read per item returned, each query
MEMORY_HEADROOM = 1.5  # configured memory at least this times the peak RSS measured
# In 128 MB steps: finer steps change the bill by cents per million events, and would make the choice follow this
# machine's load from run to run.
MEMORY_CHOICES = (128, 256, 384, 512, 768, 1024, 1769)
# Half of Lambda's 10 s INIT limit (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html): room
# for Lambda's arm64 cores being slower than this machine's, and for an unlucky start.
INIT_BUDGET_MS = 5000
BUILD = REPO / ".aws-sam" / "build"


@dataclass
class Report:
    goals: list[tuple[str, bool, str]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def goal(self, name: str, held: bool, detail: str) -> None:
        self.goals.append((name, held, detail))


def heading(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 110 - len(title)))


def table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print(
            "  ".join(
                str(cell).rjust(w) if i else str(cell).ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


# ------------------------------------------------------------------------------------------------------------ artifact


def _du(path: Path) -> tuple[int, int, int]:
    """(apparent bytes, disk bytes, files) of a tree."""
    apparent = disk = files = 0
    for item in path.rglob("*"):
        if item.is_file():
            stat = item.stat()
            apparent += stat.st_size
            disk += stat.st_blocks * 512
            files += 1
    return apparent, disk, files


def _size(count: int) -> str:
    return f"{count / 2**20:.2f} MiB" if count >= 2**20 else f"{count / 1024:.1f} KiB"


def _zipped(path: Path) -> int:
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in sorted(path.rglob("*")):
                if item.is_file():
                    archive.write(item, item.relative_to(path))
        return handle.tell()


def section_artifact(report: Report) -> None:
    heading("artifact: .aws-sam/build (what `sam build` made: arm64 layer + function)")
    layer, function = BUILD / "JobTrackerLayer", BUILD / "TrackerFunction"
    if not layer.is_dir() or not function.is_dir():
        print("  no .aws-sam/build: run `make build` first (make bench does)")
        return
    rows = []
    totals = [0, 0, 0]
    for label, path in (("JobTrackerLayer", layer), ("TrackerFunction", function)):
        apparent, disk, files = _du(path)
        zipped = _zipped(path)
        totals = [totals[0] + apparent, totals[1] + disk, totals[2] + zipped]
        rows.append([label, f"{files}", _size(apparent), _size(disk), _size(zipped)])
    rows.append(["layer + function", "", *(_size(total) for total in totals)])
    table(rows, ["artifact", "files", "size", "du", "zipped"])
    pyc = sum(1 for _ in layer.rglob("*.pyc"))
    stale = [
        source.name
        for source in (REPO / "src" / "jobtracker").glob("*.py")
        if not (layer / "python" / "jobtracker" / source.name).is_file()
        or (layer / "python" / "jobtracker" / source.name).read_bytes() != source.read_bytes()
    ]
    freshness = f"STALE against src/jobtracker: {', '.join(sorted(stale))}" if stale else "jobtracker matches src/"
    print(f"  layer byte-compiled: {'yes' if pyc else 'NO'} ({pyc} .pyc files); {freshness}")


# ---------------------------------------------------------------------------------------------------------------- cold


def section_cold(report: Report, variants: list[Variant], runs: int) -> None:
    heading(f"cold init: import the handler module and build its clients, fresh Python 3.13, median of {runs}")
    rows = []
    for variant in variants:
        result = cold.measure(variant, runs)
        for who in ("ours", "baseline"):
            sample = result.samples[who][0]
            rows.append([
                f"{variant.name}: {who}", ms(result.median(who, "wall")), ms(min(s.wall for s in result.samples[who])),
                ms(result.median(who, "cpu")), f"{sample.modules}", f"{sample.rss_kb / 1024:.0f} MiB",
            ])  # fmt: skip
        rows.append([f"{variant.name}: ratio", f"{result.ratio('wall'):.3f}", "", f"{result.ratio('cpu'):.3f}", "", ""])
        report.data.setdefault("cold_paired", {})[variant.name] = result.paired("wall")
        report.data[f"cold_{variant.name}"] = {
            who: {
                "wall": result.median(who, "wall"),
                "cpu": result.median(who, "cpu"),
                "cpu_min": min(sample.cpu for sample in result.samples[who]),
            }
            for who in ("ours", "baseline")
        }
        if variant.compiled:
            report.goal(
                "cold init (byte-compiled layer, as deployed) within 1.25x",
                result.ratio("wall") <= GOAL_COLD,
                f"{result.ratio('wall'):.3f}x wall, {result.ratio('cpu'):.3f}x CPU",
            )
        else:
            report.data["cold_source_ratio"] = result.ratio("wall")
    table(rows, ["run", "wall ms", "min ms", "CPU ms", "modules", "peak RSS"])
    print(
        "  median of each run's own ratio (wall): "
        + ", ".join(f"{name} {paired:.3f}" for name, paired in report.data["cold_paired"].items())
    )
    compiled = variants[0]
    counted = cold.instructions(compiled)
    if counted:
        print(
            f"  instructions of the byte-compiled import (valgrind, load-independent): ours {counted['ours']:.0f} M,"
            f" baseline {counted['baseline']:.0f} M, ratio {counted['ours'] / counted['baseline']:.3f}"
        )
    print(
        "  ours, byte-compiled, slowest imports by own time (python -X importtime, one run; jobtracker.handler's own"
        " time is its init: settings, Logger, Metrics and the two clients):"
    )
    for name, own, cumulative in cold.top_imports(compiled, "ours", 8):
        print(f"    {name:<48} {own:7.1f} ms own  {cumulative:7.1f} ms with its imports")


# ---------------------------------------------------------------------------------------------------------------- warm


def _child_env(variant: Variant) -> dict[str, str]:
    profiling = {name: value for name, value in os.environ.items() if name.startswith("BENCH_PROFILE")}
    return profiling | variant.environment(PYTHONPATH=os.pathsep.join([str(variant.task), str(variant.opt), str(REPO)]),
                               PYTHONDONTWRITEBYTECODE="1")  # fmt: skip


def _run_child(variant: Variant, args: list[str], config: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        config_path, output = Path(folder) / "config.json", Path(folder) / "output.json"
        config_path.write_text(json.dumps({**config, "output": str(output)}))
        done = subprocess.run(
            [variant.python, "-s", "-m", "benchmarks.warm", *args, str(config_path)],
            env=_child_env(variant), cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"benchmarks.warm {' '.join(args)} failed:\n{done.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(output.read_text())
        return result


def _events(planned: list[warm.PlannedEvent]) -> list[dict[str, Any]]:
    return [{"event": item.event, "alerting": item.alerting} for item in planned]


@dataclass(frozen=True)
class Writes:
    """DynamoDB write units per event of one design, from the items its events left in the table."""

    per_event: float
    detail: str


def _ours_writes(stack: Any, summary: warm.WarmSummary, jobs: int) -> Writes:
    items = stack.dump_table()
    snapshots = [i for i in items if i.get("entity", {}).get("S") == "snapshot"]
    latest = {i["pk"]["S"]: i for i in items if i.get("entity", {}).get("S") == "latest"}
    alerts = [i for i in items if i["pk"]["S"] == "ALERT"]
    snapshot_by_key = {(i["pk"]["S"], i["sk"]["S"]): i for i in snapshots}
    # The latest-state item written with a snapshot is the snapshot plus index keys: measure that difference on the
    # latest items the table holds, and apply it to every snapshot.
    deltas = [
        queries.item_size(item) - queries.item_size(snapshot_by_key[(pk, item["snapshot_sk"]["S"])])
        for pk, item in latest.items()
        if (pk, item["snapshot_sk"]["S"]) in snapshot_by_key
    ]
    delta = statistics.fmean(deltas) if deltas else 0.0
    snap_sizes = [queries.item_size(s) for s in snapshots]
    transact = statistics.fmean(2 * (cost.write_units(s) + cost.write_units(s + delta)) for s in snap_sizes)
    # Both indexes project ALL. A job's first latest state is one index write per index; every later one moves the
    # job's index entry (its sort key holds the time): a delete and a put in each index.
    first_share = jobs / len(snap_sizes)
    index = statistics.fmean(
        2 * cost.write_units(s + delta) * (first_share * 1 + (1 - first_share) * 2) for s in snap_sizes
    )
    alert_size = statistics.fmean(queries.item_size(a) for a in alerts) if alerts else 0.0
    claim = summary.operations.get("PutItem", 0) * cost.write_units(alert_size)  # the claim, at most the final size
    complete = summary.operations.get("UpdateItem", 0) * cost.write_units(alert_size)
    per_event = transact + index + claim + complete
    detail = (
        f"snapshot {statistics.fmean(snap_sizes) / 1024:.2f} KB and latest"
        f" {(statistics.fmean(snap_sizes) + delta) / 1024:.2f} KB"
        f" in a transaction (2x): {transact:.2f} WRU; 2 indexes: {index:.2f} WRU; alert claim + completion:"
        f" {claim + complete:.2f} WRU"
    )
    return Writes(per_event, detail)


def _baseline_writes(stack: Any, summary: warm.WarmSummary) -> Writes:
    items = stack.dump_table()
    snapshots = [i for i in items if i["sk"]["S"].startswith("SNAP#")]
    alerts = [i for i in items if i["pk"]["S"] == "ALERT"]
    sizes = [queries.item_size(s) for s in snapshots]
    put = statistics.fmean(cost.write_units(s) for s in sizes)
    claim_units = cost.write_units(statistics.fmean(queries.item_size(a) for a in alerts)) if alerts else 0
    claim = claim_units * (summary.operations.get("PutItem", 0) - 1)
    per_event = put + claim
    return Writes(
        per_event, f"snapshot {statistics.fmean(sizes) / 1024:.2f} KB: {put:.2f} WRU; alert claim: {claim:.2f} WRU"
    )


def section_warm(report: Report, variant: Variant, emulated: Any, events_wanted: int) -> None:
    failing, completing = warm.jobs_for_share(events_wanted)
    heading(
        f"warm: per delivered event, {failing} failing and {completing} completing jobs"
        f" ({failing * 4 + completing * 5} events, {failing} alerting), Python 3.13, byte-compiled layer"
    )
    stacks = {"ours": emulated.stack("bench-ours"), "baseline": emulated.stack("bench-base")}
    start = datetime.now(UTC) - timedelta(days=2)
    plans: dict[str, list[warm.PlannedEvent]] = {}
    warmups: dict[str, list[warm.PlannedEvent]] = {}
    for who, prefix in (("ours", "o"), ("baseline", "b")):
        warmups[who] = warm.plan(f"{prefix}w", 2, 2, start=start - timedelta(hours=12), seed=11)
        plans[who] = warm.plan(prefix, failing, completing, start=start, seed=42)
        warm.register_answers(emulated.sagemaker, warmups[who] + plans[who])
    environment = {who: emulated.function_environment(stack) for who, stack in stacks.items()}
    raw = _run_child(variant, [], {
        "environment": environment,
        "events": {who: _events(warmups[who] + plans[who]) for who in stacks},
        "warmup": len(warmups["ours"]),
    })  # fmt: skip
    summaries = {who: warm.summarize(raw[who]) for who in stacks}
    ours, base = summaries["ours"], summaries["baseline"]
    rows = []
    for label, getter in (
        ("CPU ms per event (mean)", lambda s: f"{s.cpu_ms:.2f}"),
        ("CPU ms per event (median)", lambda s: f"{s.cpu_median_ms:.2f}"),
        ("  non-alerting events", lambda s: f"{s.cpu_ms_plain:.2f}"),
        ("  alerting events", lambda s: f"{s.cpu_ms_alerting:.2f}"),
        ("wall ms per event (emulator)", lambda s: f"{s.wall_ms:.2f}"),
        ("AWS requests per event", lambda s: f"{s.requests_per_event:.2f}"),
        ("  non-alerting events", lambda s: f"{s.requests_plain:.2f}"),
        ("  alerting events", lambda s: f"{s.requests_alerting:.2f}"),
        ("first alert's one-time extra CPU ms (lazy init)", lambda s: f"{s.first_alert_extra_ms:.1f}"),
    ):
        rows.append([label, getter(ours), getter(base)])
    ratio = ours.cpu_ms / base.cpu_ms
    rows.append(["CPU ratio ours / baseline", f"{ratio:.3f}", ""])
    table(rows, ["per event", "ours", "baseline"])
    for who, summary in summaries.items():
        operations = ", ".join(f"{op} {n:.2f}" for op, n in sorted(summary.operations.items()))
        print(f"  {who} requests per event: {operations}; outcomes: {summary.outcomes}")
    report.goal(
        "warm CPU per event within 1.3x",
        ratio <= GOAL_WARM_CPU,
        f"{ratio:.3f}x ({ours.cpu_ms:.2f} vs {base.cpu_ms:.2f} ms)",
    )
    report.goal(
        "AWS requests per event no more than the baseline's",
        ours.requests_per_event <= base.requests_per_event + 1e-9,
        f"{ours.requests_per_event:.2f} vs {base.requests_per_event:.2f}"
        f" (non-alerting {ours.requests_plain:.0f} vs {base.requests_plain:.0f},"
        f" alerting {ours.requests_alerting:.0f} vs {base.requests_alerting:.0f})",
    )
    jobs = failing + completing
    report.data["warm"] = summaries
    report.data["writes"] = {
        "ours": _ours_writes(stacks["ours"], ours, jobs),
        "baseline": _baseline_writes(stacks["baseline"], base),
    }
    # Peak RSS of each function alone: after init, after a few jobs (alerts included), after the largest answer.
    rss = {}
    for who, prefix in (("ours", "mo"), ("baseline", "mb")):
        planned = warm.plan(prefix, 2, 2, start=start - timedelta(hours=20), seed=5)
        largest, answer = warm.largest_job(f"{prefix}-largest", start=start - timedelta(hours=21))
        warm.register_answers(emulated.sagemaker, planned)
        emulated.sagemaker.put_job(answer)
        rss[who] = _run_child(variant, ["--rss"], {
            "who": who, "task": str(variant.task), "environment": environment[who], "events": _events(planned),
            "largest": {"event": largest.event, "alerting": True},
        })  # fmt: skip
        rss[who]["events"] = len(planned)
    print("  peak RSS (VmHWM), each function alone in a fresh process:")
    for who, r in rss.items():
        print(
            f"    {who:<8} {r['after_init_kb'] / 1024:5.0f} MiB after init,"
            f" {r['after_events_kb'] / 1024:5.0f} MiB after"
            f" {r['events']} events, {r['after_largest_kb'] / 1024:5.0f} MiB after the largest answer the API allows"
            " (100 x 2,500-character hyperparameters, 2,000 transitions)"
        )
    report.data["rss_mib"] = {who: r["after_largest_kb"] / 1024 for who, r in rss.items()}


# ------------------------------------------------------------------------------------------------------------- queries


def section_queries(report: Report, emulated: Any, jobs: int) -> None:
    stack = emulated.stack("bench-query")
    loaded = queries.load(stack, jobs=jobs)
    heading(
        f"queries: {loaded.snapshots} snapshots and {loaded.latest} latest states of {loaded.jobs} jobs"
        f" (built by SnapshotStore's item builder, loaded with BatchWriteItem in {loaded.seconds:.0f} s)"
    )
    rows = []
    worst = 0.0
    for result in queries.run_queries(loaded):
        worst = max(worst, result.read_per_returned)
        rows.append([
            result.label, f"{result.returned}", f"{result.items_read}", f"{result.read_per_returned:.3f}",
            f"{result.requests}", f"{result.bytes_read / 1024:.0f} KB", f"{result.read_units:.1f}",
        ])  # fmt: skip
    table(rows, ["query", "returned", "items read", "read/returned", "requests", "read size", "~read units"])
    report.goal("query reads within 1.1 items per item returned", worst <= GOAL_READS, f"worst {worst:.3f}")
    stack.delete()


# ---------------------------------------------------------------------------------------------------------------- cost


def _template_memory() -> int:
    from tests.support.cfn import load_template

    return int(load_template(REPO / "template.yaml")["Parameters"]["FunctionMemorySize"]["Default"])


def section_cost(report: Report) -> None:
    summaries: dict[str, warm.WarmSummary] = report.data["warm"]
    writes: dict[str, Writes] = report.data["writes"]
    memory = _template_memory()
    heading(f"cost per million delivered events (us-east-1 prices of {cost.PRICES_DATE}; template memory {memory} MB)")
    print(
        f"  prices: Lambda arm64 ${cost.LAMBDA_ARM_PRICE_PER_GB_SECOND:.10f}/GB-s and"
        f" ${cost.LAMBDA_PRICE_PER_REQUEST * 1e6:.2f}/M requests;"
        f" DynamoDB on-demand ${cost.DYNAMODB_PRICE_PER_WRITE_UNIT * 1e6:.3f}/M write units;"
        f" SNS ${cost.SNS_PRICE_PER_PUBLISH * 1e6:.2f}/M publishes (sources in benchmarks/cost.py)"
    )
    for who, item in writes.items():
        print(f"  {who} writes: {item.detail}")
    rows = []
    costs: dict[str, cost.EventCost] = {}
    for who, summary in summaries.items():
        wait = cost.aws_wait_ms(summary.operations)
        for label, duration in (
            ("emulator wall time", summary.wall_ms),
            (f"at {memory} MB", cost.lambda_duration_ms(summary.cpu_ms, wait, memory)),
        ):
            estimate = cost.EventCost(
                who, memory, math.ceil(duration), writes[who].per_event, summary.operations.get("Publish", 0.0)
            )
            if label != "emulator wall time":
                costs[who] = estimate
            rows.append([
                f"{who}, {label}", f"{estimate.billed_ms:.0f}", f"{estimate.write_units:.2f}",
                f"{estimate.publishes:.2f}", f"${estimate.lambda_requests:.2f}", f"${estimate.lambda_duration:.2f}",
                f"${estimate.dynamodb:.2f}", f"${estimate.sns:.2f}", f"${estimate.total:.2f}",
            ])  # fmt: skip
    table(rows, ["design, duration", "billed ms", "WRU/event", "publish/event", "Lambda req", "Lambda GB-s",
                 "DynamoDB", "SNS", "total"])  # fmt: skip
    latencies = ", ".join(f"{op} {ms:.0f}" for op, ms in cost.AWS_LATENCY_MS.items())
    print(
        f"  'at {memory} MB': the CPU time measured, scaled to the function's share of a vCPU ({memory}/"
        f"{cost.MB_PER_VCPU}), plus assumed AWS round trips (ms: {latencies}), the same for both designs."
        " 'emulator wall time' is the duration measured here, moto's own slowness included."
    )
    for who in costs:
        cold_ms = report.data.get("cold_compiled", {}).get(who, {}).get("cpu")
        if cold_ms is not None:
            init = cost.lambda_duration_ms(cold_ms * 1000, 0.0, memory)
            print(
                f"  {who}: one cold start's INIT ~{init:.0f} ms at {memory} MB,"
                f" ${cost.init_cost(init, memory) * 1e6:.2f} per million cold starts"
            )
    section_memory(report, summaries["ours"], writes["ours"], memory)


def section_memory(report: Report, summary: warm.WarmSummary, writes: Writes, memory: int) -> None:
    rss = report.data.get("rss_mib", {}).get("ours", 0.0)
    cold_cpu = report.data.get("cold_compiled", {}).get("ours", {}).get("cpu", 0.0) * 1000
    heading(
        "memory: ours at each size, CPU scaled to the size's vCPU share; the cheapest size that holds 1.5x the peak RSS"
        " and whose INIT stays within half of Lambda's 10 s limit"
    )
    rows = []
    wait = cost.aws_wait_ms(summary.operations)
    choice = None
    for size in MEMORY_CHOICES:
        duration = cost.lambda_duration_ms(summary.cpu_ms, wait, size)
        init = cost.lambda_duration_ms(cold_cpu, 0, size)
        estimate = cost.EventCost(
            "ours", size, math.ceil(duration), writes.per_event, summary.operations.get("Publish", 0)
        )
        fits = size >= rss * MEMORY_HEADROOM
        starts = init <= INIT_BUDGET_MS
        if fits and starts and choice is None:
            choice = size
        rows.append([
            f"{size} MB", f"{duration:.0f}", f"{init:.0f}",
            f"${estimate.lambda_duration + estimate.lambda_requests:.2f}", f"${estimate.total:.2f}",
            "yes" if fits else "no", "yes" if starts else "no",
        ])  # fmt: skip
    table(
        rows,
        [
            "memory",
            "warm ms",
            "INIT ms",
            "Lambda $/M",
            "total $/M",
            f">= {MEMORY_HEADROOM}x RSS",
            f"INIT <= {INIT_BUDGET_MS / 1000:.0f} s",
        ],
    )
    print(
        f"  peak RSS {rss:.0f} MiB. INIT: the cold section's median CPU ({cold_cpu:.0f} ms, byte-compiled) on the"
        " size's vCPU share, as if init's CPU followed memory like the handler's; Lambda limits INIT to"
        " 10 s, then retries it inside the first invocation. Below 1,769 MB the CPU part of the bill is the same at"
        " every size and the waits on AWS cost more the larger the size: the smallest size that passes is the cheapest."
    )
    report.data["memory_choice"] = choice
    print(
        f"  -> {choice} MB. Template FunctionMemorySize default: {memory} MB"
        + (" (matches)" if choice == memory else f" (the measurements choose {choice} MB)")
    )


# ---------------------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 5 cold runs, 100 events, 600 jobs")
    parser.add_argument("--runs", type=int, default=21, help="cold runs per function and variant (default 21)")
    parser.add_argument("--events", type=int, default=500, help="warm events per function (default 500)")
    parser.add_argument("--jobs", type=int, default=7500, help="jobs in the query table (default 7500)")
    parser.add_argument("--only", default="artifact,cold,warm,queries,cost", help="comma-separated sections")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.events, args.jobs = 5, 100, 600
    sections = set(args.only.split(","))
    started = time.perf_counter()
    report = Report()
    python = runtime_python()
    heading("machine")
    print(f"  {machine_description()}")
    print(
        f"  runtime Python: {python or 'NOT FOUND (install 3.13.0 with pyenv)'}; bench Python {sys.version.split()[0]}"
    )
    print(f"  load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if python is None:
        print("  the cold and warm sections need the runtime's Python 3.13")
        return 1
    if "artifact" in sections:
        section_artifact(report)
    variants = prepare(python) if sections & {"cold", "warm", "cost"} else []
    if "cold" in sections:
        section_cold(report, variants, args.runs)
    if sections & {"warm", "queries", "cost"}:
        from benchmarks.emulated import emulators

        with emulators() as emulated:
            if sections & {"warm", "cost"}:
                section_warm(report, variants[0], emulated, args.events)
            if "queries" in sections:
                section_queries(report, emulated, args.jobs)
    if "cost" in sections and "warm" in report.data:
        section_cost(report)
    heading("goals")
    for name, held, detail in report.goals:
        print(f"  {'HOLDS' if held else 'MISSES'}  {name}: {detail}")
    print(
        f"\n  load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())};"
        f" bench took {time.perf_counter() - started:.0f} s"
    )
    return 0 if all(held for _, held, _ in report.goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())
