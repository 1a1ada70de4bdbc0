"""The function's settings: a typed model of its environment, read once at start-up, failing fast when wrong.

The variable names are those of `Environment.Variables` in template.yaml; a test holds the two together.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jobtracker.errors import ConfigurationError
from jobtracker.redaction import DEFAULT_SENSITIVE_NAME_PATTERN


@dataclass(frozen=True)
class AlertRule:
    """Alert when a job reaches `status`, and, when `secondary` is set, only with that secondary status."""

    status: str
    secondary: str | None = None

    def matches(self, status: str, secondary: str | None) -> bool:
        return status == self.status and (self.secondary is None or secondary == self.secondary)


def parse_alert_rules(text: str) -> tuple[AlertRule, ...]:
    """Parse "Failed,Stopped:MaxRuntimeExceeded" into rules; an empty text means no alerts at all."""
    rules = []
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        status, _, secondary = entry.partition(":")
        if not re.fullmatch(r"[A-Za-z]+", status) or (secondary and not re.fullmatch(r"[A-Za-z]+", secondary)):
            raise ValueError(f"alert status {entry!r} is not Status or Status:SecondaryStatus")
        rules.append(AlertRule(status, secondary or None))
    return tuple(rules)


class Settings(BaseModel):
    """Everything the tracker reads from its environment."""

    model_config = ConfigDict(frozen=True)

    table_name: str = Field(alias="TABLE_NAME", min_length=3, max_length=255)
    topic_arn: str = Field(alias="TOPIC_ARN", pattern=r"^arn:aws[a-z-]*:sns:")
    alert_statuses: tuple[AlertRule, ...] = Field(alias="ALERT_STATUSES", default=(AlertRule("Failed"),))
    sensitive_hyperparameter_pattern: str = Field(
        alias="SENSITIVE_HYPERPARAMETER_PATTERN", default=DEFAULT_SENSITIVE_NAME_PATTERN
    )
    snapshot_retention_days: int = Field(alias="SNAPSHOT_RETENTION_DAYS", default=0, ge=0, le=36500)

    @field_validator("alert_statuses", mode="before")
    @classmethod
    def _alert_rules(cls, value: object) -> object:
        return parse_alert_rules(value) if isinstance(value, str) else value

    @field_validator("sensitive_hyperparameter_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        if not value:
            return DEFAULT_SENSITIVE_NAME_PATTERN
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from `environ` (default: the process environment)."""
        source = os.environ if environ is None else environ
        names = {field.alias for field in cls.model_fields.values() if field.alias}
        try:
            return cls.model_validate({name: source[name] for name in names if name in source})
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()]
            raise ConfigurationError("invalid jobtracker settings: " + "; ".join(problems)) from None

    def should_alert(self, status: str, secondary: str | None) -> bool:
        return any(rule.matches(status, secondary) for rule in self.alert_statuses)


class ReconcileSettings(Settings):
    """The tracker's settings plus what the scheduled reconcile function reads."""

    # Built on first use: the tracker imports this module and never validates these settings.
    model_config = ConfigDict(frozen=True, defer_build=True)

    reconcile_lookback_days: int = Field(alias="RECONCILE_LOOKBACK_DAYS", default=3, ge=1, le=90)
    # On by default: a failure whose event was lost would otherwise never alert. The alert-once claim keeps an alert
    # the tracker already sent from going out again.
    reconcile_alerts: bool = Field(alias="RECONCILE_ALERTS", default=True)
    # The tracker's rule only lets jobs with this prefix through (EventBridge prefix matching, case-sensitive); the
    # reconcile must not track the others.
    job_name_prefix: str = Field(alias="JOB_NAME_PREFIX", default="", pattern=r"^([a-zA-Z0-9][a-zA-Z0-9-]{0,62})?$")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ReconcileSettings:
        settings = super().from_environment(environ)
        if not isinstance(settings, ReconcileSettings):  # pragma: no cover - model_validate builds `cls`
            raise TypeError("ReconcileSettings.from_environment built another type")
        return settings
