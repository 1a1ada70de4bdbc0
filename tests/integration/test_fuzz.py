"""Fuzzing: whatever arrives, the tracker either stores a whole, safe snapshot or refuses it with InvalidEventError.

The parser (`jobtracker.events.parse_event`, pure) gets many examples; the real handler against the emulator fewer.
Inputs are the sample events mutated: malformed envelopes, missing and mistyped fields, enormous and non-ASCII
values, hostile job names (the name pattern must refuse them) and hostile failure reasons (control characters, bidi
overrides, HTML, markdown links, @channel). The `test_*` tests at the end pin the bugs this fuzzing found, each
with its smallest reproduction.
"""

from __future__ import annotations

import copy
import gzip
import json
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from jobtracker.errors import InvalidEventError
from jobtracker.events import parse_event
from jobtracker.models import TrainingJob, TrainingJobEvent
from jobtracker.redaction import Redactor
from tests.support.aws import Stack
from tests.support.fake_sagemaker import FakeSageMaker, describe_from_event, event_names, load_event
from tests.support.lambda_runtime import AsyncInvoker

CANARY = "CANARY-5e1f"  # planted in every generated string value: an error message must never repeat it
NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# DynamoDB numbers: at most 38 significant digits, magnitude below 1E+126 (moto does not enforce either).
DYNAMODB_DIGITS, DYNAMODB_MAGNITUDE = 38, Decimal("1E+126")

HOSTILE_NAMES = [
    "",
    "-leading-hyphen",
    "trailing-hyphen-",
    "a" * 64,
    "has space",
    "under_score",
    "dot.ted",
    "jöb-ümlaut",
    "job\n",
    "job\x00nul",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "job;DROP TABLE jobs",
    "ジョブ",
    "job\u202egnp",
    "zero\u200bwidth",
    "JOB#LATEST",
    "job%20encoded",
]
HOSTILE_TEXT = [
    "\x00\x01\x02\x07\x08\x0b\x0c\x1b[31mred\x1b[0m\x7f\x9b",
    "\u202eevil\u202c and \u2066isolate\u2069 and \u200e\u200f marks",
    "\u200b\u200c\u200d\ufeff zero width",
    "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>",
    "[click here](javascript:alert(1)) ![x](http://evil.example/x.png)",
    "@channel @here <!channel> <!everyone> <@U123>",
    "line one\r\nline two\rline three\u2028line four\u2029line five\x85line six",
    "\ttabbed\tcolumns\t",
    "emoji 🎉🔥 and combining e\u0301 and ﷺ and \U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522",
    "עברית and العربية mixed with English",
    "'; DROP TABLE jobs; -- \" OR 1=1",
    "%s %n %x {0} {{}} ${jndi:ldap://evil.example/a}",
    "\\u0000 \\n escaped-looking text",
]


def strict_name(name: str) -> bool:
    """The job name rule, restated independently: 1-63 alphanumerics and hyphens, alphanumeric at both ends."""
    return 0 < len(name) <= 63 and set(name) <= NAME_CHARACTERS and name[0] != "-" and name[-1] != "-"


def canaried(text: str) -> str:
    return f"{text}{CANARY}"


# --------------------------------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------------------------------

huge_integers = st.integers(min_value=-(10**400), max_value=10**400)
any_text = st.text(st.characters(codec="utf-8"), max_size=60) | st.sampled_from(HOSTILE_TEXT)
enormous_text = st.tuples(st.sampled_from(["x", "é", "語", "🎉", "\x1b", "ab\n"]), st.integers(10_000, 140_000)).map(
    lambda pair: pair[0] * pair[1]
)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
iso_strings = st.builds(
    lambda moment, zone, z: moment.replace(tzinfo=zone).isoformat() if not z else moment.isoformat() + "Z",
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    offsets,
    st.booleans(),
)
timestamps = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15),
    huge_integers,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(0, 4 * 10**12).map(str),
    iso_strings,
    st.sampled_from(
        ["", "yesterday", "2026-13-01T00:00:00Z", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"]
    ),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    huge_integers,
    st.floats(allow_nan=False, allow_infinity=False),
    any_text.map(canaried),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
FIELDS = [
    ("id",), ("source",), ("detail-type",), ("time",), ("account",), ("region",), ("resources",), ("detail",),
    ("detail", "TrainingJobName"), ("detail", "TrainingJobStatus"), ("detail", "SecondaryStatus"),
    ("detail", "LastModifiedTime"), ("detail", "FailureReason"), ("detail", "HyperParameters"),
    ("detail", "ResourceConfig"), ("detail", "ResourceConfig", "InstanceType"),
    ("detail", "ResourceConfig", "InstanceCount"), ("detail", "CreationTime"), ("detail", "TrainingStartTime"),
    ("detail", "TrainingEndTime"), ("detail", "SecondaryStatusTransitions"), ("detail", "Tags"),
    ("detail", "TrainingTimeInSeconds"), ("detail", "BillableTimeInSeconds"), ("detail", "TrainingJobArn"),
    ("detail", "AlgorithmSpecification"), ("detail", "FinalMetricDataList"), ("detail", "SomeFutureField"),
]  # fmt: skip
TIME_FIELDS = {"time", "LastModifiedTime", "CreationTime", "TrainingStartTime", "TrainingEndTime"}


@st.composite
def mutations(draw: st.DrawFn) -> tuple[tuple[str, ...], str, Any]:
    """One change to an event: ("delete", None) or ("set", value) at a field path."""
    path = draw(st.sampled_from(FIELDS))
    if draw(st.integers(0, 4)) == 0:
        return path, "delete", None
    leaf = path[-1]
    if leaf in TIME_FIELDS:
        value = draw(timestamps | json_values)
    elif leaf == "TrainingJobName":
        value = draw(st.sampled_from(HOSTILE_NAMES) | st.text(max_size=70) | st.from_regex(r"\A[a-z0-9]{1,20}\Z"))
    elif leaf in ("FailureReason", "InstanceType", "TrainingJobArn"):
        value = draw(any_text.map(canaried) | enormous_text | json_values)
    elif leaf == "SecondaryStatusTransitions":
        value = draw(st.lists(st.fixed_dictionaries({"Status": any_text, "StartTime": timestamps}), max_size=3))
    else:
        value = draw(json_values)
    return path, "set", value


def mutated(event: dict[str, Any], changes: list[tuple[tuple[str, ...], str, Any]]) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    for path, action, value in changes:
        target: Any = changed
        for part in path[:-1]:
            if not isinstance(target, dict) or not isinstance(target.get(part), dict):
                break
            target = target[part]
        else:
            if action == "delete":
                target.pop(path[-1], None)
            else:
                target[path[-1]] = value
    return changed


events = st.builds(
    mutated, st.sampled_from(event_names()).map(load_event), st.lists(mutations(), min_size=1, max_size=4)
)
not_objects = st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(json_scalars, max_size=3))


# --------------------------------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------------------------------


def parse_or_refuse(event: Any) -> TrainingJobEvent | InvalidEventError:
    """parse_event's answer, or the InvalidEventError it raised; any other exception fails the test."""
    try:
        return parse_event(event)
    except InvalidEventError as refused:
        return refused


def assert_parser_contract(event: Any) -> None:
    answer = parse_or_refuse(event)
    if isinstance(answer, InvalidEventError):
        assert answer.problems
        assert CANARY not in str(answer), "the error message repeats an input value"
        assert answer.__cause__ is None
        return
    assert answer.source == "aws.sagemaker"
    assert answer.detail_type == "SageMaker Training Job State Change"
    assert strict_name(answer.detail.TrainingJobName)
    assert answer.detail.LastModifiedTime.utcoffset() == timedelta(0)


@settings(max_examples=400, deadline=None)
@given(event=events | not_objects)
@example(event=mutated(load_event("failed"), [(("detail", "LastModifiedTime"), "set", 10**400)]))
@example(event=mutated(load_event("failed"), [(("detail", "LastModifiedTime"), "set", "9999-12-31T23:59:59-05:00")]))
def test_the_parser_accepts_or_refuses_every_input_with_invalid_event_error_only(event: Any) -> None:
    assert_parser_contract(event)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(HOSTILE_NAMES) | st.text(max_size=70) | st.from_regex(r"\A[a-zA-Z0-9-]{1,70}\Z"))
def test_a_job_name_is_accepted_exactly_when_it_matches_the_name_pattern(name: str) -> None:
    event = mutated(load_event("failed"), [(("detail", "TrainingJobName"), "set", name)])
    answer = parse_or_refuse(event)
    assert isinstance(answer, TrainingJobEvent) is strict_name(name), repr(name)


# --------------------------------------------------------------------------------------------------------------------
# The real handler
# --------------------------------------------------------------------------------------------------------------------


def handler_events() -> st.SearchStrategy[dict[str, Any]]:
    """Events as Lambda receives them: JSON, so no NaN; mostly failures, with hostile reasons and names."""
    hostile_failure = st.builds(
        lambda reason, name, instance: mutated(
            load_event("failed"),
            [
                (("detail", "FailureReason"), "set", reason),
                (("detail", "TrainingJobName"), "set", name),
                (("detail", "ResourceConfig", "InstanceType"), "set", instance),
            ],
        ),
        any_text | enormous_text,
        st.sampled_from(HOSTILE_NAMES) | st.from_regex(r"\A[a-z][a-z0-9-]{0,20}[a-z0-9]\Z"),
        st.sampled_from(["ml.g5.2xlarge", "ml.p4d.24xlarge"]) | any_text,
    )
    return st.one_of(hostile_failure, events)


def on_the_wire(event: Any) -> Any:
    return json.loads(json.dumps(event, allow_nan=False))


def printable_ascii(text: str) -> bool:
    return all(" " <= char <= "~" for char in text)


def body_is_clean(text: str) -> list[str]:
    return [
        f"U+{ord(char):04X}"
        for char in text
        if (unicodedata.category(char) == "Cc" and char not in "\n\t") or char in BIDI_CONTROLS
    ]


def out_of_range_numbers(items: list[dict[str, Any]]) -> list[str]:
    """Number attributes real DynamoDB would refuse."""
    bad = []
    for item in items:
        for name, value in item.items():
            if "N" not in value:
                continue
            number = Decimal(value["N"])
            # Significant digits, counted exactly (Decimal.normalize would round to the context's 28 digits).
            digits = "".join(map(str, number.as_tuple().digits)).strip("0") or "0"
            if len(digits) > DYNAMODB_DIGITS or abs(number) >= DYNAMODB_MAGNITUDE:
                bad.append(f"{name}={value['N'][:20]}...")
    return bad


def expected_reason(recorded: dict[str, Any]) -> str | None:
    """The failure reason as it must be stored: the recorded answer's (Describe's or the event's), secrets masked."""
    return Redactor().redact(TrainingJob.model_validate(recorded)).FailureReason


@pytest.fixture
def emptied(aws: Stack) -> Callable[[], None]:
    def empty() -> None:
        for item in aws.dump_table():
            aws.dynamodb.delete_item(TableName=aws.table_name, Key={"pk": item["pk"], "sk": item["sk"]})
        aws.alerts()

    return empty


@pytest.fixture
def quiet_handler(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> AsyncInvoker:
    from tests.support.lambda_runtime import load_app

    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    return AsyncInvoker(load_app())


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(event=handler_events(), described=st.booleans())
@example(event=mutated(load_event("failed"), [(("detail", "FailureReason"), "set", HOSTILE_TEXT[0])]), described=True)
@example(
    event=mutated(load_event("failed"), [(("detail", "ResourceConfig", "InstanceType"), "set", "ml.g5\x1b[2J")]),
    described=False,
)
def test_the_handler_stores_a_whole_safe_snapshot_or_refuses_with_invalid_event_error(
    event: dict[str, Any],
    described: bool,
    aws: Stack,
    quiet_handler: AsyncInvoker,
    sagemaker_fake: FakeSageMaker,
    emptied: Callable[[], None],
    fast_retries: None,
) -> None:
    emptied()
    sagemaker_fake.clear()
    try:
        wire = on_the_wire(event)
    except ValueError:  # NaN or infinity: not JSON, so not an event Lambda could receive
        assume(False)
    answer: dict[str, Any] | None = None
    if described:
        try:  # when the event is one SageMaker could describe, Describe answers it; otherwise the job "vanished"
            answer = describe_from_event(wire)
            sagemaker_fake.put_job(answer)
        except Exception:
            answer = None

    try:
        result = quiet_handler.invoke(wire)
    except InvalidEventError:
        assert aws.dump_table() == [], "a refused event wrote something"
        assert aws.alerts() == []
        assert sagemaker_fake.requests["DescribeTrainingJob"] == 0
        return

    items = aws.dump_table()
    name = wire["detail"]["TrainingJobName"]
    latest = [item for item in items if item["sk"]["S"] == "LATEST"]
    snapshots = [item for item in items if item["sk"]["S"].startswith("SNAP#")]
    assert strict_name(name)
    assert result["outcome"] == "stored"
    assert len(latest) == len(snapshots) == 1, "half-written: LATEST and SNAP must come together"
    assert latest[0]["snapshot_sk"] == snapshots[0]["sk"]
    assert {item["pk"]["S"] for item in latest + snapshots} == {f"JOB#{name}"}
    assert out_of_range_numbers(items) == []
    document = json.loads(gzip.decompress(snapshots[0]["doc"]["B"]))
    reason = expected_reason(answer if result["snapshot_source"] == "describe" and answer else wire["detail"])
    for item in (*latest, *snapshots):  # an empty reason is no attribute, but the document keeps it as it came
        assert item.get("FailureReason", {}).get("S") == (reason or None)
    assert document.get("FailureReason") == reason
    alerts = aws.alerts(wait_seconds=1) if result["training_job_status"] == "Failed" else aws.alerts()
    assert len(alerts) == (1 if result["training_job_status"] == "Failed" else 0)
    for alert in alerts:
        assert printable_ascii(alert.subject) and 0 < len(alert.subject) < 100, repr(alert.subject)
        assert body_is_clean(alert.message) == []


# --------------------------------------------------------------------------------------------------------------------
# The bugs found, smallest reproductions (they fail until src/ is fixed)
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("detail", "LastModifiedTime"), 10**400),
        (("time",), 10**400),
        (("detail", "SecondaryStatusTransitions"), [{"Status": "Training", "StartTime": 10**400}]),
        (("detail", "LastModifiedTime"), "9999-12-31T23:59:59-05:00"),
        (("detail", "LastModifiedTime"), "0001-01-01T00:00:00+05:00"),
    ],
    ids=[
        "huge-epoch",
        "huge-envelope-time",
        "huge-transition-time",
        "iso-past-9999-in-utc",
        "iso-before-year-1-in-utc",
    ],
)
def test_an_out_of_range_timestamp_is_refused_as_invalid_not_an_overflow_error(
    path: tuple[str, ...], value: Any
) -> None:
    event = on_the_wire(mutated(load_event("failed"), [(path, "set", value)]))
    with pytest.raises(InvalidEventError):
        parse_event(event)


def test_control_characters_of_the_instance_type_are_removed_from_the_alert_body(
    aws: Stack, quiet_handler: AsyncInvoker
) -> None:
    event = mutated(load_event("failed"), [(("detail", "ResourceConfig", "InstanceType"), "set", "ml.g5\x1b[2J\x07")])
    quiet_handler.invoke(event)  # no such job in the fake: the event detail is recorded and alerted
    [alert] = aws.alerts(wait_seconds=1)
    assert body_is_clean(alert.message) == []


def test_a_lone_surrogate_in_the_failure_reason_is_refused_or_stored_not_a_unicode_error(
    aws: Stack, quiet_handler: AsyncInvoker
) -> None:
    event = json.loads(json.dumps(load_event("failed")).replace("CUDA out of memory", "CUDA \\ud800 out of memory"))
    try:
        result = quiet_handler.invoke(event)
    except InvalidEventError:
        return
    assert result["outcome"] == "stored"


def test_an_enormous_failure_reason_is_refused_or_stored_not_a_value_error(
    aws: Stack, quiet_handler: AsyncInvoker
) -> None:
    reason = "".join(chr(0x4E00 + (index * 7919) % 20_000) for index in range(150_000))  # 450 KB of UTF-8
    event = mutated(load_event("failed"), [(("detail", "FailureReason"), "set", reason)])
    try:
        result = quiet_handler.invoke(event)
    except InvalidEventError:
        return
    assert result["outcome"] == "stored"


def test_a_number_dynamodb_cannot_hold_is_kept_out_of_the_item_attributes(
    aws: Stack, quiet_handler: AsyncInvoker
) -> None:
    event = mutated(load_event("completed"), [(("detail", "BillableTimeInSeconds"), "set", 2**200)])
    try:
        quiet_handler.invoke(event)
    except InvalidEventError:
        return
    assert out_of_range_numbers(aws.dump_table()) == []


def test_the_fuzz_oracles_themselves_tell_good_from_bad() -> None:
    assert strict_name("a--b") and strict_name("A" * 63) and strict_name("x")
    assert not any(strict_name(name) for name in HOSTILE_NAMES)
    assert body_is_clean("a\tb\nc") == [] and body_is_clean("a\x1bb\u202ec") == ["U+001B", "U+202E"]
    assert printable_ascii("Subject: ok ~") and not printable_ascii("tab\there")
    big = {"n": {"N": str(2**200)}}
    fine = {"n": {"N": str(10**40)}, "m": {"N": "12345678901234567890123456789012345678"}}
    assert out_of_range_numbers([big]) and out_of_range_numbers([fine]) == []
