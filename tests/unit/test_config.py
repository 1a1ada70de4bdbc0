import pytest

from jobtracker.config import AlertRule, Settings, parse_alert_rules
from jobtracker.errors import ConfigurationError

BASE = {"TABLE_NAME": "jobs", "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:alerts"}


def test_defaults_alert_on_failed_only_and_keep_snapshots() -> None:
    settings = Settings.from_environment(BASE)
    assert settings.alert_statuses == (AlertRule("Failed"),)
    assert settings.snapshot_retention_days == 0
    assert settings.should_alert("Failed", "Failed")
    assert not settings.should_alert("Completed", "Completed")
    assert not settings.should_alert("Stopped", "Stopped")


def test_stopped_can_alert_for_time_limits_only() -> None:
    settings = Settings.from_environment(
        {**BASE, "ALERT_STATUSES": "Failed, Stopped:MaxRuntimeExceeded,Stopped:MaxWaitTimeExceeded"}
    )
    assert settings.should_alert("Stopped", "MaxRuntimeExceeded")
    assert settings.should_alert("Stopped", "MaxWaitTimeExceeded")
    assert not settings.should_alert("Stopped", "Stopped")


def test_an_empty_alert_list_turns_alerts_off() -> None:
    assert parse_alert_rules(" , ") == ()


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({}, "TABLE_NAME"),
        ({**BASE, "TOPIC_ARN": "not-an-arn"}, "TOPIC_ARN"),
        ({**BASE, "ALERT_STATUSES": "Failed;Stopped"}, "ALERT_STATUSES"),
        ({**BASE, "SENSITIVE_HYPERPARAMETER_PATTERN": "(unclosed"}, "SENSITIVE_HYPERPARAMETER_PATTERN"),
        ({**BASE, "SNAPSHOT_RETENTION_DAYS": "-1"}, "SNAPSHOT_RETENTION_DAYS"),
    ],
)
def test_bad_settings_fail_fast_naming_the_variable(environ: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        Settings.from_environment(environ)
