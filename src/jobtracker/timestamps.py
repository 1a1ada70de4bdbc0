"""One timestamp type for every shape SageMaker, EventBridge and boto3 hand us.

Training job events carry epoch milliseconds as numbers or as strings of digits, other SageMaker event kinds carry ISO
strings or epoch seconds as floats, and boto3 returns timezone-aware datetimes. All become aware UTC datetimes.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

# Epoch values above this are milliseconds: 1e11 seconds is the year 5138, 1e11 milliseconds is March 1973.
_MILLISECONDS_THRESHOLD = 100_000_000_000


def parse_timestamp(value: Any) -> datetime:
    """Turn epoch seconds or milliseconds (number or digits), an ISO-8601 string or a datetime into aware UTC."""
    try:
        return _parse_timestamp(value)
    except OverflowError:
        # float(10**400), or a time near year 1 or 9999 moved to UTC: out of range, which is a ValueError to pydantic.
        raise ValueError("timestamp out of range") from None


def _parse_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        raise ValueError("a boolean is not a timestamp")
    if isinstance(value, int | float | Decimal):
        return _from_epoch(float(value))
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("an empty string is not a timestamp")
        try:
            return _from_epoch(float(text))
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError("not an epoch number or an ISO-8601 timestamp") from None
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError(f"a {type(value).__name__} is not a timestamp")


def _from_epoch(number: float) -> datetime:
    if not math.isfinite(number):
        raise ValueError("not a finite epoch number")
    seconds = number / 1000 if abs(number) >= _MILLISECONDS_THRESHOLD else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError("epoch number out of range") from None


def format_timestamp(value: datetime) -> str:
    """ISO-8601 in UTC with millisecond precision and a `Z`; such strings sort in time order."""
    utc = value.astimezone(UTC)
    if utc.year >= 1000:
        # The same text as strftime's below, at half its cost (a snapshot formats a dozen times); strftime's %Y does
        # not pad years below 1000 to four digits, and those keep its exact output.
        return utc.isoformat(timespec="seconds")[:19] + f".{value.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def epoch_millis(value: datetime) -> int:
    """Whole milliseconds since the epoch, the precision SageMaker events carry."""
    return int(value.timestamp() * 1000)


class _TimestampSchema:
    """The pydantic schema of `Timestamp`: `parse_timestamp` before datetime validation, `format_timestamp` for JSON.

    The same schema as `BeforeValidator(parse_timestamp)` with `PlainSerializer(format_timestamp, return_type=str,
    when_used="json")`, built directly: those two inspect both functions' signatures at every use of the type, and
    the models use it thirteen times, each paid again at every cold start.
    """

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(
            parse_timestamp,
            handler(source),
            serialization=core_schema.plain_serializer_function_ser_schema(
                format_timestamp, info_arg=False, return_schema=core_schema.str_schema(), when_used="json"
            ),
        )


Timestamp = Annotated[datetime, _TimestampSchema()]
