"""Keeps secrets from leaving SageMaker through us.

AWS tells users not to put secrets in Environment or HyperParameters, and users do anyway: DescribeTrainingJob returns
both in plain text. Before a snapshot is stored, logged or sent, every Environment value is replaced (names kept, so
a reader still sees which variables were set) and every hyperparameter whose name looks like a credential, or whose
value looks like an AWS access key, is masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jobtracker.models import TrainingJob

REDACTED = "***REDACTED***"
DEFAULT_SENSITIVE_NAME_PATTERN = (
    r"(?i)(key|secret|token|passw|pwd|credential|auth|private|signature|session|cookie|cert)"
)
# Access key ids of IAM users and of temporary credentials; a value like this is a secret whatever its name.
_AWS_ACCESS_KEY_VALUE = re.compile(r"\b(AKIA|ASIA|A3T[A-Z0-9])[A-Z0-9]{16}\b")


@dataclass(frozen=True)
class Redactor:
    """Masks Environment values and credential-like hyperparameters of a training job snapshot."""

    sensitive_name: re.Pattern[str] = field(default_factory=lambda: re.compile(DEFAULT_SENSITIVE_NAME_PATTERN))

    @classmethod
    def from_pattern(cls, pattern: str | None) -> Redactor:
        """Build from a configured regular expression; an empty pattern keeps the default, never disables masking."""
        return cls(re.compile(pattern)) if pattern else cls()

    def is_sensitive(self, name: str, value: str) -> bool:
        """Whether a hyperparameter must be masked, by its name or by its value."""
        return bool(self.sensitive_name.search(name) or _AWS_ACCESS_KEY_VALUE.search(value))

    def hyperparameters(self, values: dict[str, str]) -> dict[str, str]:
        return {name: REDACTED if self.is_sensitive(name, value) else value for name, value in values.items()}

    def redact(self, job: TrainingJob) -> TrainingJob:
        """A copy of `job` that is safe to store, log and send."""
        update: dict[str, object] = {}
        if job.Environment:
            update["Environment"] = dict.fromkeys(job.Environment, REDACTED)
        if job.HyperParameters:
            update["HyperParameters"] = self.hyperparameters(job.HyperParameters)
        return job.model_copy(update=update) if update else job
