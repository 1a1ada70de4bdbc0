"""Parsing of the EventBridge event into our models, with errors that name the problem and never echo values."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from pydantic import ValidationError

from jobtracker.errors import InvalidEventError, describe_problems
from jobtracker.models import TrainingJobEvent


def parse_event(event: Any) -> TrainingJobEvent:
    """Validate a Lambda event as a "SageMaker Training Job State Change" with Powertools Parser and our models.

    Raises InvalidEventError, whose message lists each problem by path (never the values: they may be secrets).
    The exception is raised from None so the pydantic error, whose text does include values, is not chained
    into the traceback Lambda logs.
    """
    if not isinstance(event, dict):
        raise InvalidEventError([f"event: expected a JSON object, got {type(event).__name__}"])
    try:
        return parse(event=event, model=TrainingJobEvent)
    except ValidationError as exc:
        problems = describe_problems(exc.errors())  # type: ignore[arg-type]
    raise InvalidEventError(problems) from None
