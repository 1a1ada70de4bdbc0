"""One timestamp type for every shape SageMaker, EventBridge and boto3 hand us.

Training job events carry epoch milliseconds as numbers or as strings of digits, other SageMaker event kinds carry ISO
strings or epoch seconds as floats, and boto3 returns timezone-aware datetimes. All become aware UTC datetimes.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

# Epoch values above this are milliseconds: 1e11 seconds is the year 5138, 1e11 milliseconds is March 1973.
_MILLISECONDS_THRESHOLD = 100_000_000_000


def parse_timestamp(value: Any) -> datetime:
    """Turn epoch seconds or milliseconds (number or digits), an ISO-8601 string or a datetime into aware UTC."""
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
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def epoch_millis(value: datetime) -> int:
    """Whole milliseconds since the epoch, the precision SageMaker events carry."""
    return int(value.timestamp() * 1000)


Timestamp = Annotated[
    datetime,
    BeforeValidator(parse_timestamp),
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
]
