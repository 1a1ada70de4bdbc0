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
        return self._masked(values, self._sensitive_names(values))

    def secrets(self, job: TrainingJob) -> list[str]:
        """Values to scrub from free text, longest first so a secret containing another is replaced whole."""
        hyperparameters = job.HyperParameters or {}
        return self._secrets(hyperparameters, self._sensitive_names(hyperparameters), job.Environment or {})

    def scrub(self, text: str, secrets: list[str]) -> str:
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return _AWS_ACCESS_KEY_VALUE.sub(REDACTED, text)

    def redact(self, job: TrainingJob) -> TrainingJob:
        """A copy of `job` that is safe to store, log and send."""
        # Each hyperparameter is judged once, for both its mask and the secrets scrubbed from free text; members whose
        # text holds no secret keep their objects (they are immutable), so only what changes is copied.
        hyperparameters = job.HyperParameters or {}
        sensitive = self._sensitive_names(hyperparameters)
        secrets = self._secrets(hyperparameters, sensitive, job.Environment or {})
        update: dict[str, object] = {}
        if job.Environment:
            update["Environment"] = dict.fromkeys(job.Environment, REDACTED)
        if job.HyperParameters:
            update["HyperParameters"] = self._masked(job.HyperParameters, sensitive)
        if job.FailureReason:
            update["FailureReason"] = self.scrub(job.FailureReason, secrets)
        if job.SecondaryStatusTransitions:
            transitions = []
            for transition in job.SecondaryStatusTransitions:
                if transition.StatusMessage:
                    message = self.scrub(transition.StatusMessage, secrets)
                    if message != transition.StatusMessage:
                        transition = transition.model_copy(update={"StatusMessage": message})  # noqa: PLW2901
                transitions.append(transition)
            update["SecondaryStatusTransitions"] = transitions
        algorithm = job.AlgorithmSpecification
        if algorithm and (algorithm.ContainerArguments or algorithm.ContainerEntrypoint):
            scrubbed = {
                member: [self.scrub(part, secrets) for part in parts]
                for member in ("ContainerArguments", "ContainerEntrypoint")
                if (parts := getattr(algorithm, member))
            }
            if any(scrubbed[member] != getattr(algorithm, member) for member in scrubbed):
                update["AlgorithmSpecification"] = algorithm.model_copy(update=scrubbed)
        return job.model_copy(update=update)

    def _sensitive_names(self, hyperparameters: dict[str, str]) -> set[str]:
        return {name for name, value in hyperparameters.items() if self.is_sensitive(name, value)}

    @staticmethod
    def _masked(hyperparameters: dict[str, str], sensitive: set[str]) -> dict[str, str]:
        return {name: REDACTED if name in sensitive else value for name, value in hyperparameters.items()}

    def _secrets(self, hyperparameters: dict[str, str], sensitive: set[str], environment: dict[str, str]) -> list[str]:
        found: set[str] = set()
        values = [value for name, value in hyperparameters.items() if name in sensitive]
        values += [value for name, value in environment.items() if self.is_sensitive(name, value)]
        for value in values:
            # The SageMaker Python SDK stores string hyperparameters JSON-quoted ("\"abc\""), and the training
            # toolkit echoes them unquoted on the command line: scrub both forms.
            found.update(form for form in (value, value.strip('"')) if len(form) >= _MIN_SCRUBBED_LENGTH)
        return sorted(found, key=len, reverse=True)
