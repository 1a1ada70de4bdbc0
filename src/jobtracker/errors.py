"""The exceptions jobtracker raises, one small tree under `JobTrackerError`.

    JobTrackerError
    ├── ConfigurationError      the environment does not describe a usable deployment; fix the settings
    ├── InvalidEventError       an event is not a valid training job state change; it is kept for retries and the DLQ
    └── StorageConflictError    DynamoDB kept cancelling a transaction on contention; Lambda retries the event

AWS errors that are not ours to interpret (throttling after botocore's retries, 500s, timeouts) propagate unchanged as
botocore exceptions, so Lambda's retries and the dead-letter queue keep the event.
"""

from __future__ import annotations


class JobTrackerError(Exception):
    """Base class of every error jobtracker raises on purpose."""


class ConfigurationError(JobTrackerError):
    """A setting is missing or malformed; raised at start-up so a bad deployment fails fast."""


class InvalidEventError(JobTrackerError, ValueError):
    """The event is not a training job state change we can process.

    The message lists each problem by field path and never repeats input values: an event can carry secrets in its
    hyperparameters, and Lambda logs the message of an unhandled exception.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid training job state change event: " + "; ".join(problems))


class StorageConflictError(JobTrackerError):
    """Concurrent writers to the same job kept cancelling our transaction; the event is retried as a whole."""


class UnexpectedAnswerError(JobTrackerError):
    """An AWS answer did not have the shape we model (for example a renamed required member); retried, then DLQ."""


def describe_problems(errors: list[dict[str, object]]) -> list[str]:
    """Field paths and messages of pydantic errors, without the offending input values (they may be secrets)."""
    problems = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ())) or "event"  # type: ignore[attr-defined]
        problems.append(f"{location}: {error.get('msg', 'invalid')}")
    return problems
