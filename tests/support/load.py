"""Load, ordering and fault harness: many jobs' lifecycles, duplicated and shuffled, delivered by concurrent workers.

`build_plan` generates N jobs from a seeded RNG, each with a realistic lifecycle of strictly later LastModifiedTimes:

    InProgress/Starting -> InProgress/Downloading -> InProgress/Training -> one end:
        Completed/Completed | Failed/Failed (with a FailureReason) | Stopping/Stopping -> Stopped/Stopped
        | Stopped/MaxRuntimeExceeded

Each state is an EventBridge event made from the matching events/*.json template, renamed to a job name unique to the
run, and its DescribeTrainingJob answer (`describe_from_event`). Each state change is delivered 1 to 3 times (each
copy with a new event id, as EventBridge redelivers), all deliveries shuffled. `Environments` hands them to K worker
threads, each with its own Lambda execution environment (a fresh copy of the handler, one invocation at a time, with
Lambda's hard timeout), calling `AsyncInvoker.deliver` (Lambda's async invoke: retries with a delay, then a
dead-letter list).

`linearizable_moto_dynamodb` makes moto's DynamoDB atomic per request first: as it is, moto loses writes under
concurrency, and a concurrency test against it would measure moto.

`LaggingSageMaker` is the fake SageMaker endpoint whose current state of each job is its final state, except that
with probability p a DescribeTrainingJob answers one of the job's OLDER states, as a slow caller racing the job sees.

`check` then reads the table and the subscriber queue and reports, as a `LoadReport`, whether anything was lost,
moved backwards, stored twice or alerted twice. `Scenario` and `run_scenario` add faults on every AWS dependency and
a redrive of the dead-lettered events; `render_matrix` prints the fault matrix.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import json
import queue
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from jobtracker import keys
from jobtracker.models import TrainingJob
from jobtracker.timestamps import format_timestamp
from tests.support.fake_sagemaker import FakeSageMaker, describe_from_event, load_event
from tests.support.faults import ClientFaults, Crashes
from tests.support.lambda_runtime import AsyncInvoker, Delivery, SimulatedCrash, load_app

if TYPE_CHECKING:
    from botocore.config import Config

    from tests.support.aws import Stack

# A fixed origin, so that no run depends on today's date.
BASE_TIME = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

Outcome = Literal["Completed", "Failed", "Stopped", "MaxRuntimeExceeded"]
OUTCOMES: tuple[Outcome, ...] = ("Completed", "Failed", "Stopped", "MaxRuntimeExceeded")

_TEMPLATES: Mapping[tuple[str, str], str] = {
    ("InProgress", "Starting"): "in-progress-starting",
    ("InProgress", "Downloading"): "in-progress-training",
    ("InProgress", "Training"): "in-progress-training",
    ("Completed", "Completed"): "completed",
    ("Failed", "Failed"): "failed",
    ("Stopping", "Stopping"): "stopping",
    ("Stopped", "Stopped"): "stopped",
    ("Stopped", "MaxRuntimeExceeded"): "stopped-max-runtime",
}
_RUNNING: tuple[tuple[str, str], ...] = (
    ("InProgress", "Starting"),
    ("InProgress", "Downloading"),
    ("InProgress", "Training"),
)
_ENDINGS: Mapping[Outcome, tuple[tuple[str, str], ...]] = {
    "Completed": (("Completed", "Completed"),),
    "Failed": (("Failed", "Failed"),),
    "Stopped": (("Stopping", "Stopping"), ("Stopped", "Stopped")),
    "MaxRuntimeExceeded": (("Stopped", "MaxRuntimeExceeded"),),
}
_MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "The training job was stopped",
    "MaxRuntimeExceeded": "Training job stopped: it reached its MaxRuntimeInSeconds",
}
_FAILURE_REASONS = (
    'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "RuntimeError: CUDA out of memory. Tried to '
    'allocate 2.00 GiB (GPU 0; 22.19 GiB total capacity)"\nCommand "/usr/local/bin/python3.10 train.py --epochs 10"',
    "ClientError: Data download failed:Could not download s3://acme-ml-datasets-123456789012/train/part-0007.parquet:"
    " insufficient disk space. Increase VolumeSizeInGB.",
    "CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance "
    "type.",
    'AlgorithmError: ExecuteUserScriptError:\nExitCode 137\nErrorMessage ""\nCommand "torchrun --nproc_per_node 8 '
    'train.py"',
    "InternalServerError: We encountered an internal error.  Please try again.",
)
_TIME_MEMBERS = ("CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime")
_TEMPLATE_JOB_NAMES = tuple(
    sorted({load_event(name)["detail"]["TrainingJobName"] for name in set(_TEMPLATES.values())}, key=len, reverse=True)
)


# --------------------------------------------------------------------------------------------------------------------
# The plan: jobs, their states, and the deliveries
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobState:
    """One state change of one job: its event and what DescribeTrainingJob answers while the job is in it."""

    status: str
    secondary: str
    modified: datetime
    event: dict[str, Any]
    answer: dict[str, Any]

    @property
    def label(self) -> tuple[str, str, str]:
        """(status, secondary status, LastModifiedTime as stored): a state, whatever its event id."""
        return self.status, self.secondary, format_timestamp(self.modified)

    @property
    def snapshot_key(self) -> str:
        job = TrainingJob(
            TrainingJobName=self.answer["TrainingJobName"],
            TrainingJobStatus=self.status,
            SecondaryStatus=self.secondary,
            LastModifiedTime=self.modified,
        )
        return keys.snapshot_sk(job)


@dataclass(frozen=True)
class JobPlan:
    name: str
    outcome: Outcome
    states: tuple[JobState, ...]

    @property
    def final(self) -> JobState:
        return self.states[-1]


@dataclass(frozen=True)
class LoadPlan:
    run_id: str
    seed: int
    jobs: tuple[JobPlan, ...]
    deliveries: tuple[dict[str, Any], ...]

    @property
    def events(self) -> int:
        """Distinct state changes (before duplication)."""
        return sum(len(job.states) for job in self.jobs)


def _time_value(template_value: Any, moment: datetime) -> Any:
    """`moment` as epoch milliseconds, in the template's own shape (number, or string of digits)."""
    millis = int(moment.timestamp() * 1000)
    return str(millis) if isinstance(template_value, str) else millis


def _renamed(detail: dict[str, Any], name: str) -> dict[str, Any]:
    text = json.dumps(detail)
    for old in _TEMPLATE_JOB_NAMES:
        text = text.replace(old, name)
    renamed: dict[str, Any] = json.loads(text)
    return renamed


def _event_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _job_states(
    name: str, outcome: Outcome, created: datetime, rng: random.Random, failure_reason: str
) -> tuple[JobState, ...]:
    path = (*_RUNNING, *_ENDINGS[outcome])
    moments: list[datetime] = []
    moment = created + timedelta(milliseconds=rng.randint(1_000, 3_000))
    gaps = {"Downloading": (60, 240), "Training": (15, 120), "Stopped": (20, 200)}
    for _status, secondary in path:
        if moments:
            low, high = gaps.get(secondary, (300, 7_200))
            moment = moments[-1] + timedelta(seconds=rng.randint(low, high), milliseconds=rng.randint(1, 999))
        moments.append(moment)
    started = moments[1]  # the instances are up once data downloads
    states = []
    for index, ((status, secondary), modified) in enumerate(zip(path, moments, strict=True)):
        template = load_event(_TEMPLATES[(status, secondary)])
        detail = _renamed(template["detail"], name)
        original = template["detail"]
        terminal = status in ("Completed", "Failed", "Stopped")
        detail.update(TrainingJobStatus=status, SecondaryStatus=secondary)
        detail["CreationTime"] = _time_value(original.get("CreationTime"), created)
        detail["LastModifiedTime"] = _time_value(original.get("LastModifiedTime"), modified)
        if index >= 1:
            detail["TrainingStartTime"] = _time_value(original.get("TrainingStartTime"), started)
        else:
            detail.pop("TrainingStartTime", None)
        if terminal:
            end = modified - timedelta(milliseconds=rng.randint(100, 900))
            detail["TrainingEndTime"] = _time_value(original.get("TrainingEndTime"), end)
            seconds = int((end - started).total_seconds())
            detail["TrainingTimeInSeconds"] = seconds
            detail["BillableTimeInSeconds"] = seconds
        else:
            for member in ("TrainingEndTime", "TrainingTimeInSeconds", "BillableTimeInSeconds"):
                detail.pop(member, None)
        if status == "Failed":
            detail["FailureReason"] = failure_reason
            detail.pop("TrainingTimeInSeconds", None)
            detail.pop("BillableTimeInSeconds", None)
        else:
            detail.pop("FailureReason", None)
        if status != "Completed":
            detail.pop("FinalMetricDataList", None)
        transitions = []
        for step, ((_, step_secondary), start) in enumerate(zip(path[: index + 1], moments, strict=False)):
            transition: dict[str, Any] = {
                "Status": step_secondary,
                "StartTime": _time_value(original.get("LastModifiedTime"), start),
                "StatusMessage": _MESSAGES[step_secondary],
            }
            if step < index:
                transition["EndTime"] = _time_value(original.get("LastModifiedTime"), moments[step + 1])
            transitions.append(transition)
        detail["SecondaryStatusTransitions"] = transitions
        event = copy.deepcopy(template)
        event["detail"] = detail
        event["id"] = _event_id(rng)
        event["time"] = (modified + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        event["resources"] = [detail["TrainingJobArn"]]
        states.append(JobState(status, secondary, modified, event, describe_from_event(event)))
    return tuple(states)


def build_plan(
    jobs: int,
    *,
    seed: int = 1,
    copies: tuple[int, int] = (1, 3),
    outcomes: Sequence[Outcome] = OUTCOMES,
    run_id: str | None = None,
) -> LoadPlan:
    """`jobs` jobs (outcomes drawn evenly from `outcomes`), each state delivered `copies` times, shuffled."""
    rng = random.Random(seed)
    run = run_id or uuid.uuid4().hex[:8]
    families = ("bert-ft", "xgb-churn", "resnet50", "llama-lora")
    plans = []
    for index in range(jobs):
        outcome = outcomes[index % len(outcomes)] if index < len(outcomes) else rng.choice(outcomes)
        name = f"{families[index % len(families)]}-{run}-{index:05d}"
        created = BASE_TIME + timedelta(seconds=index * 53 + rng.randint(0, 40), milliseconds=rng.randint(0, 999))
        reason = rng.choice(_FAILURE_REASONS)
        plans.append(JobPlan(name, outcome, _job_states(name, outcome, created, rng, reason)))
    deliveries: list[dict[str, Any]] = []
    for job in plans:
        for state in job.states:
            for _ in range(rng.randint(*copies)):
                again = copy.deepcopy(state.event)
                again["id"] = _event_id(rng)
                deliveries.append(again)
    rng.shuffle(deliveries)
    return LoadPlan(run, seed, tuple(plans), tuple(deliveries))


# --------------------------------------------------------------------------------------------------------------------
# A SageMaker whose Describe sometimes lags behind
# --------------------------------------------------------------------------------------------------------------------


class LaggingSageMaker(FakeSageMaker):
    """FakeSageMaker whose DescribeTrainingJob, with probability p, answers one of the job's older states.

    Built on the fake's own queue (`set_answers`): an older answer is queued and served under one lock, so it is the
    answer of the very request that drew it. `stale_served` counts those answers.
    """

    def __init__(self, *, timeout_seconds: float = 2.0) -> None:
        super().__init__(timeout_seconds=timeout_seconds)
        self._lag_lock = threading.Lock()
        self._older: dict[str, list[dict[str, Any]]] = {}
        self._lag_probability = 0.0
        self._lag_rng = random.Random(0)
        self.stale_served = 0

    def lag(self, older: Mapping[str, Sequence[Mapping[str, Any]]], probability: float, *, seed: int = 0) -> None:
        """With `probability`, a Describe of job `name` answers one of `older[name]` instead of its current state."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        with self._lag_lock:
            self._older = {name: [dict(answer) for answer in answers] for name, answers in older.items()}
            self._lag_probability = probability
            self._lag_rng = random.Random(seed)
            self.stale_served = 0

    def clear(self) -> None:
        with self._lag_lock:
            self._older = {}
            self._lag_probability = 0.0
            self.stale_served = 0
        super().clear()

    def _describe(self, params: Mapping[str, Any]) -> dict[str, Any]:
        name = params.get("TrainingJobName")
        with self._lag_lock:
            older = self._older.get(name) if isinstance(name, str) else None
            if older and self._lag_rng.random() < self._lag_probability:
                self.set_answers(str(name), [self._lag_rng.choice(older)])
                self.stale_served += 1
            return super()._describe(params)


def prepare_sagemaker(fake: LaggingSageMaker, plan: LoadPlan, *, stale_probability: float) -> None:
    """Forget what the fake held; each job's current state is its final state, older states answered with p."""
    fake.clear()
    for job in plan.jobs:
        fake.put_job(job.final.answer)
    older = {job.name: [state.answer for state in job.states[:-1]] for job in plan.jobs}
    fake.lag(older, stale_probability, seed=plan.seed)


# --------------------------------------------------------------------------------------------------------------------
# An emulator that is safe to hammer
# --------------------------------------------------------------------------------------------------------------------

_MOTO_DYNAMODB_LOCK = threading.RLock()


class _TableCopyShim:
    """moto.dynamodb.models' `copy` module, except that a whole Table "deep copy" is the table itself.

    moto backs up every table a TransactWriteItems names with copy.deepcopy (O(table) per transaction) and, when the
    transaction is cancelled, puts the backup back over the table. `linearizable_moto_dynamodb` backs up and restores
    only the items the transaction names instead, which under its lock is the same thing, in O(items).
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _locked(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _MOTO_DYNAMODB_LOCK:
            return function(*args, **kwargs)

    return locked


def _item_rollback(transact: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(transact)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        backups = []
        for entry in transact_items:
            for operation, request in entry.items():
                table = self.tables.get(request.get("TableName"))
                if table is None:
                    continue
                attributes = request.get("Item") if operation == "Put" else request.get("Key")
                try:
                    hash_key, range_key = self.get_keys_value(table, attributes or {})
                except Exception:
                    continue
                backups.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        try:
            return transact(self, transact_items)
        except BaseException:
            for table, hash_key, range_key, old in reversed(backups):
                table.delete_item(hash_key, range_key)
                if old is not None:
                    if range_key is not None:
                        table.items[hash_key][range_key] = old
                    else:
                        table.items[hash_key] = old
            raise

    return transact_write_items


@contextlib.contextmanager
def linearizable_moto_dynamodb() -> Iterator[None]:
    """Make the in-process moto server's DynamoDB atomic and isolated per request, as DynamoDB is.

    moto 5's DynamoDB backend takes no lock while werkzeug serves requests on many threads: a conditional PutItem is a
    check-then-act race (two claims can both succeed), and a cancelled TransactWriteItems restores a deep copy of the
    whole table taken when it started, erasing every write other requests made meanwhile (an alert claim marked
    COMPLETED goes back to INPROGRESS), or dies copying a table another request is changing (a 500). Concurrency
    tests against it would measure moto. Inside this context every public method of the backend holds one lock, and
    cancelled transactions restore only their own items. Only for an in-process server (tests.support.aws.MotoServer).
    """
    from moto.dynamodb import models

    backend = models.DynamoDBBackend
    saved = {
        name: member
        for name, member in vars(backend).items()
        if not name.startswith("_") and inspect.isfunction(member)
    }
    saved_copy = models.copy  # type: ignore[attr-defined]
    try:
        for name, member in saved.items():
            wrapped = _item_rollback(member) if name == "transact_write_items" else member
            setattr(backend, name, _locked(wrapped))
        models.copy = _TableCopyShim()  # type: ignore[assignment,attr-defined]
        yield
    finally:
        for name, member in saved.items():
            setattr(backend, name, member)
        models.copy = saved_copy  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------------------------
# Delivery and the invariants
# --------------------------------------------------------------------------------------------------------------------


class Environments:
    """K Lambda execution environments for K worker threads, each a fresh copy of the handler (its own clients,
    tracker and alert publisher) that serves one invocation at a time, as Lambda runs one invocation per environment.

    Deliveries go through `AsyncInvoker.deliver` of whichever environment is free; all share one dead-letter list.
    Lambda's hard timeout is emulated too: once an invocation is past its context's deadline, its next AWS call
    raises `SimulatedCrash` instead of being made, as a killed function makes no more calls. `kills` counts those by
    the operation refused; a kill at UpdateItem (Powertools completing the alert claim) comes after a Publish SNS
    accepted, so it opens the duplicate window exactly like a crash after publish.
    """

    def __init__(self, make: Callable[[], AsyncInvoker], count: int) -> None:
        self.invokers = [make() for _ in range(count)]
        self.dead_letters: list[Delivery] = []
        self.kills: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._current = threading.local()
        self._idle: queue.Queue[AsyncInvoker] = queue.Queue()
        for invoker in self.invokers:
            invoker.dead_letters = self.dead_letters
            invoker.handler = self._with_deadline(invoker.handler)
            for client in self._clients_of(invoker):
                client.meta.events.register("before-call", self._refuse_after_deadline)
            self._idle.put(invoker)

    @property
    def workers(self) -> int:
        return len(self.invokers)

    def clients(self, service: str) -> list[Any]:
        """One client of `service` ("sagemaker", "dynamodb", "sns") per environment."""
        return [getattr(invoker.core.clients, service) for invoker in self.invokers]

    def deliver(self, event: dict[str, Any]) -> Delivery:
        invoker = self._idle.get()
        try:
            return invoker.deliver(event)
        finally:
            self._idle.put(invoker)

    def deliver_all(self, events: Iterable[dict[str, Any]]) -> list[Delivery]:
        """Every event, by one worker thread per environment; the deliveries in the given order."""
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="delivery") as pool:
            return list(pool.map(self.deliver, events))

    @staticmethod
    def _clients_of(invoker: AsyncInvoker) -> list[Any]:
        clients = invoker.core.clients
        return [clients.sagemaker, clients.dynamodb, clients.sns]

    def _with_deadline(
        self, handler: Callable[[dict[str, Any], Any], dict[str, Any]]
    ) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        def invocation(event: dict[str, Any], context: Any) -> dict[str, Any]:
            self._current.context = context
            try:
                return handler(event, context)
            finally:
                self._current.context = None

        return invocation

    def _refuse_after_deadline(self, model: Any, **_: Any) -> None:
        context = getattr(self._current, "context", None)
        if context is not None and context.get_remaining_time_in_millis() <= 0:
            with self._lock:
                self.kills[model.name] += 1
            raise SimulatedCrash(f"Lambda timeout: the invocation is past its deadline before {model.name}")


def lambda_environments(
    count: int,
    *,
    retry_delay: float = 0.3,
    context_timeout: float = 60.0,
    client_overrides: Mapping[str, Config] | None = None,
) -> Environments:
    """`count` environments of the real handler, built from the current process environment (TABLE_NAME, endpoints),
    sharing one botocore session's loaded models so that building them is quick."""
    import botocore.session

    shared = botocore.session.get_session()

    def make() -> AsyncInvoker:
        app = load_app(client_overrides=client_overrides, botocore_session=shared)
        return AsyncInvoker(app, retry_delay=retry_delay, context_timeout=context_timeout)

    return Environments(make, count)


def deliver_all(invoker: AsyncInvoker, events: Iterable[dict[str, Any]], workers: int) -> list[Delivery]:
    """Every event through one `invoker.deliver` shared by `workers` threads (one environment, many threads)."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="delivery") as pool:
        return list(pool.map(invoker.deliver, events))


def _name(exc: BaseException) -> str:
    name = type(exc).__name__
    code = getattr(exc, "response", {}).get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
    return f"{name}({code})" if code and code not in name else name


def reason(exc: BaseException) -> str:
    """An error's type and the types of its causes: "IdempotencyPersistenceLayerError<-ConnectionClosedError"; a
    ClientError not modeled for its operation carries its code: "ClientError(Throttled)"."""
    names = [_name(exc)]
    cause = exc.__cause__
    while cause is not None and len(names) < 4:
        names.append(_name(cause))
        cause = cause.__cause__
    return "<-".join(names)


@dataclass
class LoadReport:
    """What a run delivered and what the table and the subscriber queue hold at its end."""

    jobs: int
    events: int
    deliveries: int
    workers: int
    failed_jobs: int
    attempts: int = 0
    stale_answers: int = 0
    duration_seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    alerts_sent_by_results: int = 0
    dead_lettered: Counter[str] = field(default_factory=Counter)  # last error of each dead-lettered delivery
    unaccounted: int = 0  # deliveries neither recorded nor in the dead-letter list (must be 0)
    wrong_latest: dict[str, str] = field(default_factory=dict)  # job -> what its latest-state item says
    missing_alerts: list[str] = field(default_factory=list)
    duplicate_alerts: dict[str, int] = field(default_factory=dict)  # job -> alerts beyond the first
    unexpected_alerts: list[str] = field(default_factory=list)  # alerts of jobs that must not alert
    snapshots: int = 0
    snapshots_stored_twice: int = 0  # STORED outcomes beyond the snapshot items, plus repeated states
    foreign_snapshots: list[str] = field(default_factory=list)  # snapshots of states the job never had
    claims_in_progress: int = 0  # alert claims left INPROGRESS at the end

    @property
    def lost(self) -> int:
        """Deliveries that ended in the dead-letter list, plus any never accounted for."""
        return sum(self.dead_lettered.values()) + self.unaccounted

    @property
    def duplicated_alerts(self) -> int:
        return sum(self.duplicate_alerts.values())

    def violations(self, *, allow_lost: bool = False, allowed_duplicate_alerts: int = 0) -> list[str]:
        """Every broken invariant, one line each; empty when the run lost, repeated and regressed nothing."""
        problems = []
        if self.unaccounted:
            problems.append(f"{self.unaccounted} deliveries neither recorded nor dead-lettered")
        if self.lost and not allow_lost:
            problems.append(f"{self.lost} deliveries dead-lettered: {dict(self.dead_lettered)}")
        if self.wrong_latest:
            sample = dict(list(self.wrong_latest.items())[:5])
            problems.append(f"{len(self.wrong_latest)} jobs' latest state is not their final state: {sample}")
        if self.missing_alerts:
            problems.append(f"{len(self.missing_alerts)} failed jobs without an alert: {self.missing_alerts[:5]}")
        if self.duplicated_alerts > allowed_duplicate_alerts:
            problems.append(
                f"{self.duplicated_alerts} duplicate alerts (allowed {allowed_duplicate_alerts}): "
                f"{dict(list(self.duplicate_alerts.items())[:5])}"
            )
        if self.unexpected_alerts:
            problems.append(f"alerts for jobs that must not alert: {self.unexpected_alerts[:5]}")
        if self.snapshots_stored_twice:
            problems.append(f"{self.snapshots_stored_twice} snapshots stored twice")
        if self.foreign_snapshots:
            problems.append(f"snapshots of states that never happened: {self.foreign_snapshots[:5]}")
        if self.claims_in_progress:
            problems.append(f"{self.claims_in_progress} alert claims left in progress")
        return problems

    def render(self) -> str:
        outcome = ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))
        rate = self.deliveries / self.duration_seconds if self.duration_seconds else 0.0
        lines = [
            f"jobs                   {self.jobs} ({self.failed_jobs} failed)",
            f"events                 {self.events} distinct state changes",
            f"deliveries             {self.deliveries} ({self.attempts} invocations with retries)",
            f"workers                {self.workers}",
            f"stale answers served   {self.stale_answers}",
            f"outcomes               {outcome}",
            f"snapshots stored       {self.snapshots}",
            f"alerts                 {self.alerts_sent_by_results} sent; missing {len(self.missing_alerts)}, "
            f"duplicated {self.duplicated_alerts}, unexpected {len(self.unexpected_alerts)}",
            f"lost (dead-lettered)   {self.lost}",
            f"wrong latest states    {len(self.wrong_latest)}",
            f"snapshots stored twice {self.snapshots_stored_twice}; foreign {len(self.foreign_snapshots)}",
            f"wall time              {self.duration_seconds:.1f} s ({rate:.0f} deliveries/s)",
        ]
        return "\n".join(lines)


def _drain_alerts(stack: Stack) -> list[Any]:
    alerts = stack.alerts(wait_seconds=1)
    while True:  # moto fans out synchronously; one more pass makes sure nothing arrived late
        more = stack.alerts()
        if not more:
            return alerts
        alerts.extend(more)


def check(
    stack: Stack,
    plan: LoadPlan,
    deliveries: Sequence[Delivery],
    dead_letters: Sequence[Delivery],
    *,
    workers: int,
    alerting: Callable[[JobPlan], bool] = lambda job: job.outcome == "Failed",
) -> LoadReport:
    """The invariants, read from the table and the subscriber queue after the deliveries (alerts drained)."""
    alerting_jobs = {job.name for job in plan.jobs if alerting(job)}
    report = LoadReport(
        jobs=len(plan.jobs),
        events=plan.events,
        deliveries=len(deliveries),
        workers=workers,
        failed_jobs=sum(job.outcome == "Failed" for job in plan.jobs),
    )
    report.attempts = sum(delivery.attempts for delivery in deliveries)
    dead = {id(delivery) for delivery in dead_letters}
    for delivery in deliveries:
        if delivery.result is not None:
            report.outcomes[str(delivery.result["outcome"])] += 1
            report.alerts_sent_by_results += delivery.result["alert"] == "sent"
        elif id(delivery) in dead and delivery.errors:
            report.dead_lettered[reason(delivery.errors[-1])] += 1
        else:
            report.unaccounted += 1

    partitions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in stack.dump_table():
        partitions[item["pk"]["S"]].append(item)
    report.claims_in_progress = sum(
        item.get("status", {}).get("S") == "INPROGRESS" for item in partitions.get(keys.ALERT_PK, [])
    )
    for job in plan.jobs:
        items = partitions.get(keys.job_pk(job.name), [])
        latest = [item for item in items if item["sk"]["S"] == keys.LATEST_SK]
        final = job.final.label
        seen = (
            (
                latest[0]["TrainingJobStatus"]["S"],
                latest[0].get("SecondaryStatus", {}).get("S", ""),
                latest[0]["LastModifiedTime"]["S"],
            )
            if latest
            else None
        )
        if seen != final:
            report.wrong_latest[job.name] = "/".join(seen) if seen else "missing"
        real = {state.snapshot_key: state.label for state in job.states}
        stored_states = []
        for item in items:
            key = item["sk"]["S"]
            if not key.startswith(keys.SNAPSHOT_PREFIX):
                continue
            report.snapshots += 1
            state = (
                item["TrainingJobStatus"]["S"],
                item.get("SecondaryStatus", {}).get("S", ""),
                item["LastModifiedTime"]["S"],
            )
            stored_states.append(state)
            if real.get(key) != state:
                report.foreign_snapshots.append(f"{job.name} {key}")
        report.snapshots_stored_twice += len(stored_states) - len(set(stored_states))
    # Every STORED outcome put a snapshot item; more STORED answers than items means a snapshot was overwritten.
    report.snapshots_stored_twice += max(0, report.outcomes["stored"] - report.snapshots)

    by_job: Counter[str] = Counter()
    for alert in _drain_alerts(stack):
        by_job[alert.attributes.get("TrainingJobName", "?")] += 1
    for name, count in by_job.items():
        if name not in alerting_jobs:
            report.unexpected_alerts.append(name)
        elif count > 1:
            report.duplicate_alerts[name] = count - 1
    report.missing_alerts = sorted(name for name in alerting_jobs if by_job[name] == 0)
    return report


def run_load(
    stack: Stack, fake: LaggingSageMaker, environments: Environments, plan: LoadPlan, *, stale_probability: float
) -> LoadReport:
    """Deliver the whole plan concurrently and check every invariant (no faults, no redrive)."""
    prepare_sagemaker(fake, plan, stale_probability=stale_probability)
    started = time.monotonic()
    deliveries = environments.deliver_all(plan.deliveries)
    duration = time.monotonic() - started
    report = check(stack, plan, deliveries, environments.dead_letters, workers=environments.workers)
    report.stale_answers = fake.stale_served
    report.duration_seconds = duration
    return report


# --------------------------------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------------------------------

IDEMPOTENCY_OPERATIONS = ("PutItem", "UpdateItem", "GetItem", "DeleteItem")
NETWORK_FAULTS = ("throttle", "500", "reset", "timeout")


@dataclass(frozen=True)
class FaultSpec:
    kinds: tuple[str, ...]
    probability: float


@dataclass(frozen=True)
class Scenario:
    """Faults armed during the first pass of the deliveries; the redrive runs with every fault off."""

    name: str
    describe: FaultSpec | None = None  # DescribeTrainingJob, served by the fake SageMaker
    transact: FaultSpec | None = None  # DynamoDB TransactWriteItems (snapshot + latest state)
    idempotency: FaultSpec | None = None  # DynamoDB PutItem/UpdateItem/GetItem/DeleteItem of the alert claim
    sns: FaultSpec | None = None  # SNS Publish
    crash: Literal["before-publish", "after-publish"] | None = None
    crash_probability: float = 0.5

    @property
    def crash_after_publish(self) -> bool:
        return self.crash == "after-publish"

    @property
    def crash_only(self) -> bool:
        """A crash scenario without other faults: its duplicates are exactly its crashes after publish."""
        return self.crash is not None and not (self.describe or self.transact or self.idempotency or self.sns)


@dataclass
class ScenarioResult:
    scenario: Scenario
    before: LoadReport  # after the first pass, alerts not yet read
    after: LoadReport  # after the redrive
    faults_injected: Counter[str]
    crashes: int
    publish_timeouts: int  # Publish requests SNS accepted whose answer was lost: each may be sent again
    completion_failures: int  # invocations that published and then could not complete the alert claim
    kills: Counter[str]  # calls refused because their invocation was past its deadline (Lambda's timeout)
    redriven: int
    duration_seconds: float

    @property
    def window(self) -> int:
        """How many duplicates the one open window allows: SNS accepted, but the claim was not completed (a crash
        after publish, a Lambda timeout before the claim's UpdateItem, a lost Publish answer, a failed UpdateItem)."""
        crashes = self.crashes if self.scenario.crash_after_publish else 0
        return crashes + self.kills["UpdateItem"] + self.publish_timeouts + self.completion_failures

    def violations(self) -> list[str]:
        problems = self.after.violations(allowed_duplicate_alerts=self.window)
        if self.before.unaccounted:
            problems.append(f"{self.before.unaccounted} deliveries of the first pass unaccounted for")
        if self.scenario.crash_only and self.after.duplicated_alerts != self.window:
            problems.append(
                f"{self.window} crashes after publish should each send exactly one extra alert, "
                f"got {self.after.duplicated_alerts}"
            )
        return problems


def _count_completion_failures(deliveries: Iterable[Delivery]) -> int:
    # Powertools raises this when SNS accepted the message but the claim could not be marked COMPLETED.
    return sum("update record state to success" in str(error) for delivery in deliveries for error in delivery.errors)


def run_scenario(
    stack: Stack,
    fake: LaggingSageMaker,
    environments: Environments,
    plan: LoadPlan,
    scenario: Scenario,
    *,
    stale_probability: float,
    seed: int = 7,
) -> ScenarioResult:
    """First pass with `scenario`'s faults armed, then a redrive of the dead letters with every fault off."""
    prepare_sagemaker(fake, plan, stale_probability=stale_probability)
    dynamodb = [ClientFaults(client) for client in environments.clients("dynamodb")]
    sns = [ClientFaults(client) for client in environments.clients("sns")]
    crashes: list[Crashes] = []
    if scenario.describe:
        fake.fault_rate("DescribeTrainingJob", scenario.describe.kinds, scenario.describe.probability, seed=seed)
    for index, (table, topic) in enumerate(zip(dynamodb, sns, strict=True)):
        draws = seed + 10 * index  # each environment its own draws, all from the run's seed
        if scenario.transact:
            table.fault_rate("TransactWriteItems", scenario.transact.kinds, scenario.transact.probability, seed=draws)
        if scenario.idempotency:
            spec = scenario.idempotency
            table.fault_rate(IDEMPOTENCY_OPERATIONS, spec.kinds, spec.probability, seed=draws + 1)
        if scenario.sns:
            topic.fault_rate("Publish", scenario.sns.kinds, scenario.sns.probability, seed=draws + 2)
    if scenario.crash:
        when: Literal["before", "after"] = "before" if scenario.crash == "before-publish" else "after"
        crashes = [
            Crashes(client, "Publish", when=when, probability=scenario.crash_probability, seed=seed + 3 + 10 * index)
            for index, client in enumerate(environments.clients("sns"))
        ]
    switches: list[ClientFaults | Crashes] = [*dynamodb, *sns, *crashes]
    started = time.monotonic()
    try:
        first = environments.deliver_all(plan.deliveries)
        dead_before = list(environments.dead_letters)
        before = check_deliveries(plan, first, dead_before, workers=environments.workers)
        for switch in switches:
            switch.disarm()
        fake.fault_rate("DescribeTrainingJob", [], 0)
        # The redrive: every dead-lettered event delivered again, faults off (what `jobtracker redrive` does).
        environments.dead_letters.clear()
        redriven = environments.deliver_all([delivery.event for delivery in dead_before])
        duration = time.monotonic() - started
    finally:
        fake.fault_rate("DescribeTrainingJob", [], 0)
        for switch in switches:
            switch.close()
    recorded = [delivery for delivery in first if delivery.result is not None] + list(redriven)
    after = check(stack, plan, recorded, environments.dead_letters, workers=environments.workers)
    after.deliveries = len(first)
    after.stale_answers = fake.stale_served
    after.duration_seconds = duration
    faults = Counter(fake.faults_served)
    for counter in (*dynamodb, *sns):
        faults += counter.faults_served
    crashed = sum(crash.crashes for crash in crashes)
    if crashed:
        faults[f"Publish:crash-{scenario.crash}"] = crashed
    for operation, count in environments.kills.items():
        faults[f"{operation}:lambda-timeout"] = count
    return ScenarioResult(
        scenario=scenario,
        before=before,
        after=after,
        faults_injected=faults,
        crashes=crashed,
        publish_timeouts=sum(topic.faults_served["Publish:timeout"] for topic in sns),
        completion_failures=_count_completion_failures([*first, *redriven]),
        kills=Counter(environments.kills),
        redriven=len(dead_before),
        duration_seconds=duration,
    )


def check_deliveries(
    plan: LoadPlan, deliveries: Sequence[Delivery], dead_letters: Sequence[Delivery], *, workers: int
) -> LoadReport:
    """The delivery side of `check` only: each delivery recorded or dead-lettered with its reason."""
    report = LoadReport(
        jobs=len(plan.jobs),
        events=plan.events,
        deliveries=len(deliveries),
        workers=workers,
        failed_jobs=sum(job.outcome == "Failed" for job in plan.jobs),
    )
    dead = {id(delivery) for delivery in dead_letters}
    for delivery in deliveries:
        report.attempts += delivery.attempts
        if delivery.result is not None:
            report.outcomes[str(delivery.result["outcome"])] += 1
        elif id(delivery) in dead and delivery.errors:
            report.dead_lettered[reason(delivery.errors[-1])] += 1
        else:
            report.unaccounted += 1
    return report


MATRIX_HEADER = (
    f"{'scenario':<34} {'events':>6} {'deliv.':>6} {'faults':>6} {'DLQ before':>10} {'lost after':>10} "
    f"{'dup alerts':>10} {'window':>6} {'time s':>7}"
)


def render_row(result: ScenarioResult) -> str:
    return (
        f"{result.scenario.name:<34} {result.before.events:>6} {result.before.deliveries:>6} "
        f"{sum(result.faults_injected.values()):>6} {result.before.lost:>10} {result.after.lost:>10} "
        f"{result.after.duplicated_alerts:>10} {result.window:>6} {result.duration_seconds:>7.1f}"
    )


def render_matrix(results: Sequence[ScenarioResult]) -> str:
    lines = [MATRIX_HEADER, "-" * len(MATRIX_HEADER)]
    lines.extend(render_row(result) for result in results)
    return "\n".join(lines)


def render_details(result: ScenarioResult) -> str:
    faults = ", ".join(f"{name} {count}" for name, count in sorted(result.faults_injected.items())) or "none"
    reasons = ", ".join(f"{name} {count}" for name, count in result.before.dead_lettered.most_common()) or "none"
    return f"  {result.scenario.name}: faults [{faults}]; dead-lettered before redrive [{reasons}]"


def matrix(probability: float = 0.3, outage: float = 0.9) -> list[Scenario]:
    """The full fault matrix: each dependency with each fault kind, each dependency in an outage, all together, and
    the crashes around SNS Publish."""
    scenarios = [Scenario("no faults")]
    for kind in NETWORK_FAULTS:
        spec = FaultSpec((kind,), probability)
        scenarios.append(Scenario(f"describe {kind} {probability:.0%}", describe=spec))
        scenarios.append(Scenario(f"transact {kind} {probability:.0%}", transact=spec))
        scenarios.append(Scenario(f"idempotency {kind} {probability:.0%}", idempotency=spec))
        scenarios.append(Scenario(f"sns {kind} {probability:.0%}", sns=spec))
    scenarios.append(Scenario(f"transact conflict {probability:.0%}", transact=FaultSpec(("conflict",), probability)))
    mixed = FaultSpec((*NETWORK_FAULTS, "connect"), outage)
    scenarios.extend(
        [
            Scenario(f"describe outage {outage:.0%}", describe=FaultSpec(NETWORK_FAULTS, outage)),
            Scenario(f"transact outage {outage:.0%}", transact=mixed),
            Scenario(f"idempotency outage {outage:.0%}", idempotency=mixed),
            Scenario(f"sns outage {outage:.0%}", sns=mixed),
        ]
    )
    together = FaultSpec((*NETWORK_FAULTS, "connect"), probability)
    scenarios.extend(
        [
            Scenario(
                f"all together {probability:.0%}",
                describe=FaultSpec(NETWORK_FAULTS, probability),
                transact=FaultSpec((*NETWORK_FAULTS, "conflict"), probability),
                idempotency=together,
                sns=together,
            ),
            Scenario("crash before publish 50%", crash="before-publish"),
            Scenario("crash after publish 50%", crash="after-publish"),
            Scenario(
                f"all together {probability:.0%} + crash after",
                describe=FaultSpec(NETWORK_FAULTS, probability),
                transact=FaultSpec((*NETWORK_FAULTS, "conflict"), probability),
                idempotency=together,
                sns=together,
                crash="after-publish",
            ),
        ]
    )
    return scenarios
