import pytest

from jobtracker.redaction import REDACTED, Redactor
from tests.support.builders import make_job


def test_environment_values_are_replaced_and_names_kept() -> None:
    job = Redactor().redact(make_job(Environment={"WANDB_API_KEY": "s3cr3t", "HF_HOME": "/opt/ml/cache"}))
    assert job.Environment == {"WANDB_API_KEY": REDACTED, "HF_HOME": REDACTED}


@pytest.mark.parametrize(
    "name",
    ["api_key", "AWS_SECRET_ACCESS_KEY", "hf_token", "db_password", "passwd", "credentials", "auth_header", "pwd"],
)
def test_credential_like_hyperparameter_names_are_masked(name: str) -> None:
    job = Redactor().redact(make_job(HyperParameters={name: "value-123", "epochs": "3"}))
    assert job.HyperParameters == {name: REDACTED, "epochs": "3"}


def test_a_value_that_is_an_aws_access_key_is_masked_whatever_its_name() -> None:
    job = Redactor().redact(make_job(HyperParameters={"notes": "use AKIAIOSFODNN7EXAMPLE here"}))
    assert job.HyperParameters == {"notes": REDACTED}


def test_a_configured_pattern_replaces_the_default() -> None:
    redactor = Redactor.from_pattern(r"^internal_")
    job = redactor.redact(make_job(HyperParameters={"internal_url": "https://x", "api_key": "kept-by-choice"}))
    assert job.HyperParameters == {"internal_url": REDACTED, "api_key": "kept-by-choice"}


def test_an_empty_pattern_keeps_the_default_rather_than_disabling_masking() -> None:
    job = Redactor.from_pattern("").redact(make_job(HyperParameters={"api_key": "x"}))
    assert job.HyperParameters == {"api_key": REDACTED}


def test_redaction_leaves_the_original_untouched_and_everything_else_intact() -> None:
    original = make_job()
    redacted = Redactor().redact(original)
    assert original.Environment is not None and original.Environment["WANDB_API_KEY"] == "0123456789abcdef"
    assert redacted.model_dump(exclude={"Environment", "HyperParameters"}) == original.model_dump(
        exclude={"Environment", "HyperParameters"}
    )


def test_a_masked_value_quoted_in_the_failure_reason_is_scrubbed_there_too() -> None:
    job = make_job(
        "j",
        "Failed",
        "Failed",
        HyperParameters={"wandb_api_key": "9d41b7c3e0a2", "epochs": "10"},
        Environment={"DB_PASSWORD": "hunter2hunter2", "NCCL_DEBUG": "WARN"},
        FailureReason='Command "python train.py --epochs 10 --wandb_api_key 9d41b7c3e0a2 --db hunter2hunter2" WARN',
        SecondaryStatusTransitions=[
            {"Status": "Failed", "StartTime": "2026-12-01T10:00:00Z", "StatusMessage": "key AKIAIOSFODNN7EXAMPLE"}
        ],
        AlgorithmSpecification={"TrainingInputMode": "File", "ContainerArguments": ["--key", "9d41b7c3e0a2"]},
    )
    redacted = Redactor().redact(job)
    assert redacted.FailureReason == (
        f'Command "python train.py --epochs 10 --wandb_api_key {REDACTED} --db {REDACTED}" WARN'
    )
    assert redacted.SecondaryStatusTransitions is not None
    assert redacted.SecondaryStatusTransitions[0].StatusMessage == f"key {REDACTED}"
    assert redacted.AlgorithmSpecification is not None
    assert redacted.AlgorithmSpecification.ContainerArguments == ["--key", REDACTED]


def test_a_json_quoted_secret_is_scrubbed_where_the_toolkit_echoes_it_unquoted() -> None:
    job = make_job(
        "j",
        "Failed",
        "Failed",
        HyperParameters={"wandb_api_key": '"5f0c1d2e3f4a"'},
        FailureReason="Command python train.py --wandb_api_key 5f0c1d2e3f4a",
    )
    assert Redactor().redact(job).FailureReason == f"Command python train.py --wandb_api_key {REDACTED}"
