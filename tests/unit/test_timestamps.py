from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from jobtracker.timestamps import epoch_millis, format_timestamp, parse_timestamp

MOMENT = datetime(2026, 12, 1, 11, 30, 5, 123000, tzinfo=UTC)
MILLIS = 1796124605123


@pytest.mark.parametrize(
    "value",
    [MILLIS, str(MILLIS), f" {MILLIS} ", float(MILLIS), Decimal(MILLIS), MILLIS / 1000, str(MILLIS / 1000)],
    ids=["ms-int", "ms-digits", "ms-padded", "ms-float", "ms-decimal", "seconds-float", "seconds-string"],
)
def test_epoch_numbers_and_digit_strings_are_accepted(value: object) -> None:
    assert abs(parse_timestamp(value) - MOMENT) < timedelta(milliseconds=1)


@pytest.mark.parametrize(
    "value",
    ["2026-12-01T11:30:05.123Z", "2026-12-01T11:30:05.123+00:00", "2026-12-01T12:30:05.123+01:00"],
)
def test_iso_strings_are_accepted_in_any_offset(value: str) -> None:
    assert parse_timestamp(value) == MOMENT


def test_datetimes_become_aware_utc() -> None:
    naive = MOMENT.replace(tzinfo=None)
    assert parse_timestamp(naive) == MOMENT
    assert parse_timestamp(MOMENT.astimezone(timezone(timedelta(hours=-5)))) == MOMENT
    assert parse_timestamp(naive).tzinfo is UTC


@pytest.mark.parametrize("value", [True, "", "yesterday", float("inf"), float("nan"), 10**30, None, [1]])
def test_other_values_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"timestamp|epoch|range"):
        parse_timestamp(value)


def test_format_is_sortable_iso_with_milliseconds() -> None:
    assert format_timestamp(MOMENT) == "2026-12-01T11:30:05.123Z"
    assert format_timestamp(MOMENT.replace(microsecond=0)) == "2026-12-01T11:30:05.000Z"
    assert epoch_millis(MOMENT) == MILLIS
