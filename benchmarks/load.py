"""`make load` and `make faults`: the large load run and the full fault matrix, through the real handler, no pytest.

Starts a moto server and the fake SageMaker endpoint on 127.0.0.1 (as tests/support/demo.py does), creates the stack
from template.yaml for each run, and plays tests.support.load's plan through `AsyncInvoker.deliver` on K threads.

    python -m benchmarks.load                      # 500 jobs, 8 workers, 25% stale Describe answers (make load)
    python -m benchmarks.load --jobs 100 --workers 4
    python -m benchmarks.load --matrix             # 26 fault scenarios of 40 jobs, 16 workers (make faults)
    python -m benchmarks.load --matrix --only sns  # the scenarios whose name contains "sns"

Exits 1 when an invariant is broken (anything lost, regressed, stored twice, or alerted twice outside the window).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator

from botocore.config import Config
from botocore.retries.standard import ExponentialBackoff
from tests.support.aws import CREDENTIALS, REGION, MotoServer, Stack
from tests.support.load import (
    LaggingSageMaker,
    Outcome,
    ScenarioResult,
    build_plan,
    lambda_environments,
    linearizable_moto_dynamodb,
    matrix,
    render_details,
    render_matrix,
    render_row,
    run_load,
    run_scenario,
)

# The fault runs scale Lambda's times down: a 2.5 s function timeout (the alert claim's lease) and a retry that comes
# after it, as Lambda's does (1 and 2 minutes after a 60 s timeout). DescribeTrainingJob's read timeout is 0.25 s
# against a fake that holds a "timeout" request 0.5 s, so six attempts stay inside the function's time.
FAULT_CONTEXT_TIMEOUT = 2.5
FAULT_RETRY_DELAY = 2.5
FAULT_READ_TIMEOUT = 0.25
FAULT_HOLD = 0.5


# Half the matrix's jobs fail, so that the alert path (idempotency, SNS, crashes) sees as much traffic as the rest.
MATRIX_OUTCOMES: tuple[Outcome, ...] = ("Failed", "Completed", "Failed", "Stopped", "Failed", "MaxRuntimeExceeded")


@contextlib.contextmanager
def emulators(*, raw_moto: bool = False) -> Iterator[tuple[MotoServer, LaggingSageMaker]]:
    os.environ.update({**CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION})
    os.environ.pop("AWS_PROFILE", None)
    # The handler's JSON logs and metrics would bury the figures; the tests read them, the benchmark does not.
    os.environ.update({"POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"})
    server = MotoServer()
    fake = LaggingSageMaker(timeout_seconds=FAULT_HOLD)
    try:
        os.environ["AWS_ENDPOINT_URL"] = server.start()
        os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] = fake.start()
        with contextlib.nullcontext() if raw_moto else linearizable_moto_dynamodb():
            yield server, fake
    finally:
        fake.stop()
        server.stop()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Powertools prints a metrics blob whenever a metric reaches 100 values, disabled or not; threads sharing one
    process reach that often. Those prints go to /dev/null while the deliveries run."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        yield


def fresh_stack(server: MotoServer, prefix: str) -> Stack:
    stack = Stack.create(server.endpoint_url, prefix=prefix)
    os.environ.update(stack.environment())
    os.environ.update({"POWERTOOLS_LOG_LEVEL": "ERROR"})
    return stack


def no_backoff() -> None:
    """botocore's retry decisions without its waits (the `fast_retries` fixture of tests/conftest.py)."""
    ExponentialBackoff.delay_amount = lambda self, context: 0.0  # type: ignore[method-assign]


def load(args: argparse.Namespace) -> int:
    no_backoff()
    with emulators(raw_moto=args.raw_moto) as (server, fake):
        stack = fresh_stack(server, "load")
        environments = lambda_environments(args.workers)
        plan = build_plan(args.jobs, seed=args.seed, copies=(args.min_copies, args.max_copies))
        print(
            f"load: {args.jobs} jobs, {plan.events} events, {len(plan.deliveries)} deliveries, {args.workers} workers, "
            f"stale answers p={args.stale}, seed {args.seed}; moto {server.endpoint_url}, table {stack.table_name}"
        )
        with quiet():
            report = run_load(stack, fake, environments, plan, stale_probability=args.stale)
        print(report.render())
        problems = report.violations()
        for problem in problems:
            print(f"VIOLATION: {problem}")
        print("invariants: " + ("BROKEN" if problems else "all hold"))
        return 1 if problems else 0


def faults(args: argparse.Namespace) -> int:
    no_backoff()
    scenarios = [s for s in matrix(args.rate, args.outage) if not args.only or args.only in s.name]
    results: list[ScenarioResult] = []
    started = time.monotonic()
    with emulators(raw_moto=args.raw_moto) as (server, fake):
        print(
            f"fault matrix: {len(scenarios)} scenarios, {args.jobs} jobs each, {args.workers} workers, stale p="
            f"{args.stale}; context timeout {FAULT_CONTEXT_TIMEOUT} s, retry delay {FAULT_RETRY_DELAY} s, Describe "
            f"read timeout {FAULT_READ_TIMEOUT} s"
        )
        for index, scenario in enumerate(scenarios):
            stack = fresh_stack(server, "faults")
            environments = lambda_environments(
                args.workers,
                retry_delay=FAULT_RETRY_DELAY,
                context_timeout=FAULT_CONTEXT_TIMEOUT,
                client_overrides={"sagemaker": Config(read_timeout=FAULT_READ_TIMEOUT)},
            )
            plan = build_plan(args.jobs, seed=args.seed + index, outcomes=MATRIX_OUTCOMES)
            with quiet():
                result = run_scenario(stack, fake, environments, plan, scenario, stale_probability=args.stale)
            results.append(result)
            print(render_row(result), flush=True)
            for problem in result.violations():
                print(f"  VIOLATION: {problem}", flush=True)
            stack.delete()
    print()
    print(render_matrix(results))
    print()
    print("faults injected and dead-letter reasons (exception type<-cause) per scenario:")
    for result in results:
        print(render_details(result))
    broken = [result.scenario.name for result in results if result.violations()]
    print(
        f"\n{len(results)} scenarios in {time.monotonic() - started:.0f} s; invariants: "
        + (f"BROKEN in {broken}" if broken else "all hold")
    )
    return 1 if broken else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--matrix", action="store_true", help="run the fault matrix instead of the load run")
    parser.add_argument("--jobs", type=int, help="jobs per run (default 500; 40 per scenario with --matrix)")
    parser.add_argument("--workers", type=int, help="worker threads (default 8; 16 with --matrix, mostly asleep)")
    parser.add_argument("--stale", type=float, default=0.25, help="probability of an older Describe answer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-copies", type=int, default=1)
    parser.add_argument("--max-copies", type=int, default=3)
    parser.add_argument("--rate", type=float, default=0.3, help="fault probability of the per-kind scenarios")
    parser.add_argument("--outage", type=float, default=0.9, help="fault probability of the outage scenarios")
    parser.add_argument("--only", default="", help="only the scenarios whose name contains this")
    parser.add_argument(
        "--raw-moto",
        action="store_true",
        help="moto's DynamoDB without tests.support.load.linearizable_moto_dynamodb: shows moto's own races",
    )
    args = parser.parse_args(argv)
    if args.jobs is None:
        args.jobs = 40 if args.matrix else 500
    if args.workers is None:
        args.workers = 16 if args.matrix else 8
    return faults(args) if args.matrix else load(args)


if __name__ == "__main__":
    sys.exit(main())
