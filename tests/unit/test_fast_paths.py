"""The cold-start and per-event shortcuts give exactly what the straightforward code they replace gave.

Each test holds one shortcut taken for benchmarks/bench.py's figures against the code it replaced: timestamp text,
alert text cleaning, the timestamp schema, the SNS client built on first use, garbage collection paused during init.
"""

from __future__ import annotations

import gc
import threading
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, BeforeValidator, PlainSerializer

from jobtracker.alerts import clean_text
from jobtracker.clients import SNS_CONFIG, Clients
from jobtracker.errors import ConfigurationError
from jobtracker.timestamps import Timestamp, format_timestamp, parse_timestamp
from tests.support.lambda_runtime import load_app

ENVIRONMENT = {
    "TABLE_NAME": "jobs",
    "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:alerts",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def strftime_text(value: datetime) -> str:
    """format_timestamp as it was written before its shortcut."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def category_clean(text: str) -> str:
    """clean_text as it was written before its ASCII shortcut."""
    kept = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    return "".join(kept)


offsets = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59))


@given(
    moment=st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    offset=offsets,
)
def test_timestamp_text_is_strftimes_for_every_year_and_offset(moment: datetime, offset: timedelta) -> None:
    aware = moment.replace(tzinfo=timezone(offset))
    assert format_timestamp(aware) == strftime_text(aware)


@pytest.mark.parametrize("year", [1, 999, 1000, 2026, 9999])
def test_timestamp_text_is_strftimes_around_four_digit_years(year: int) -> None:
    moment = datetime(year, 6, 1, 12, 0, 0, 999_999, tzinfo=UTC)
    assert format_timestamp(moment) == strftime_text(moment)


@given(text=st.text() | st.text(alphabet=st.characters(max_codepoint=127)))
def test_cleaning_alert_text_removes_what_the_category_rule_removes(text: str) -> None:
    assert clean_text(text) == category_clean(text)


def test_cleaning_ascii_keeps_tabs_and_line_breaks_and_drops_every_other_control() -> None:
    every_ascii = "".join(chr(code) for code in range(128))
    assert clean_text(every_ascii) == category_clean(every_ascii)
    assert clean_text("a\tb\r\nc\rd\x1b[2J\x07\x7f") == "a\tb\nc\nd[2J"


def test_the_timestamp_schema_is_the_validator_and_serializer_it_replaces() -> None:
    replaced = Annotated[
        datetime, BeforeValidator(parse_timestamp), PlainSerializer(format_timestamp, return_type=str, when_used="json")
    ]

    class Now(BaseModel):
        at: Timestamp | None = None

    class Before(BaseModel):
        at: replaced | None = None  # type: ignore[valid-type]

    def shape(model: type[BaseModel]) -> str:
        schema = model.__pydantic_core_schema__["schema"]["fields"]["at"]  # type: ignore[index]
        return repr(schema)

    assert shape(Now) == shape(Before)
    for value in (1796119201873, "1796119201873", "2026-12-01T11:41:58.214Z", 1796119201.5, None):
        assert Now.model_validate({"at": value}).model_dump(mode="json") == Before.model_validate(
            {"at": value}
        ).model_dump(mode="json")


def test_the_sns_client_is_built_once_on_first_use_with_its_retry_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    clients = Clients.create()
    assert clients._sns is None  # not built by create: only alerting invocations need it
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(clients.sns)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in seen}) == 1
    assert clients.sns is seen[0]
    assert clients.sns.meta.config.retries == SNS_CONFIG.retries
    assert clients.sns.meta.region_name == "us-east-1"


def test_the_handler_init_leaves_garbage_collection_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    assert gc.isenabled()
    load_app()
    assert gc.isenabled()
    monkeypatch.setenv("TOPIC_ARN", "not-an-arn")
    with pytest.raises(ConfigurationError):
        load_app()
    assert gc.isenabled()  # also when the init fails
