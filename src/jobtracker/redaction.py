"""Keeps secrets from leaving SageMaker through us.

AWS tells users not to put secrets in Environment or HyperParameters, and users do anyway: DescribeTrainingJob returns
both in plain text. Before a snapshot is stored, logged or sent, every Environment value is replaced (names kept, so
a reader still sees which variables were set) and every hyperparameter whose name looks like a credential, or whose
value looks like an AWS access key, is masked.

Secrets also leak into free text: a failed job's FailureReason often quotes the command line, hyperparameters
included. Every value masked for a credential-like name, and any AWS access key id, is therefore also replaced
wherever it appears in the failure reason, the status messages and the container's entrypoint and arguments.
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
# Shorter values ("1", "true") would garble free text when replaced, and are no credential anyway.
_MIN_SCRUBBED_LENGTH = 4


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

    def secrets(self, job: TrainingJob) -> list[str]:
        """Values to scrub from free text, longest first so a secret containing another is replaced whole."""
        found: set[str] = set()
        for source in (job.HyperParameters or {}, job.Environment or {}):
            for name, value in source.items():
                if not self.is_sensitive(name, value):
                    continue
                # The SageMaker Python SDK stores string hyperparameters JSON-quoted ("\"abc\""), and the training
                # toolkit echoes them unquoted on the command line: scrub both forms.
                found.update(form for form in (value, value.strip('"')) if len(form) >= _MIN_SCRUBBED_LENGTH)
        return sorted(found, key=len, reverse=True)

    def scrub(self, text: str, secrets: list[str]) -> str:
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return _AWS_ACCESS_KEY_VALUE.sub(REDACTED, text)

    def redact(self, job: TrainingJob) -> TrainingJob:
        """A copy of `job` that is safe to store, log and send."""
        secrets = self.secrets(job)
        update: dict[str, object] = {}
        if job.Environment:
            update["Environment"] = dict.fromkeys(job.Environment, REDACTED)
        if job.HyperParameters:
            update["HyperParameters"] = self.hyperparameters(job.HyperParameters)
        if job.FailureReason:
            update["FailureReason"] = self.scrub(job.FailureReason, secrets)
        if job.SecondaryStatusTransitions:
            update["SecondaryStatusTransitions"] = [
                transition.model_copy(update={"StatusMessage": self.scrub(transition.StatusMessage, secrets)})
                if transition.StatusMessage
                else transition
                for transition in job.SecondaryStatusTransitions
            ]
        algorithm = job.AlgorithmSpecification
        if algorithm and (algorithm.ContainerArguments or algorithm.ContainerEntrypoint):
            update["AlgorithmSpecification"] = algorithm.model_copy(
                update={
                    member: [self.scrub(part, secrets) for part in parts]
                    for member in ("ContainerArguments", "ContainerEntrypoint")
                    if (parts := getattr(algorithm, member))
                }
            )
        return job.model_copy(update=update)
