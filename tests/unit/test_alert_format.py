from datetime import timedelta

import pytest

from jobtracker.alerts import ascii_line, clean_text, console_links, format_alert, human_duration
from jobtracker.models import TrainingJob
from tests.support.builders import BASE_TIME, make_job

REASON = 'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "CUDA OOM"'


def test_the_body_carries_the_facts_a_responder_needs() -> None:
    alert = format_alert(make_job("xgb-churn-7", "Failed", "Failed", minutes=30), "eu-west-1")
    body = alert.body
    assert "xgb-churn-7" in body
    assert '  AlgorithmError: ExecuteUserScriptError:\n  ExitCode 1\n  ErrorMessage "CUDA OOM"' in body
    assert "Secondary status:  Failed" in body
    assert "Started:           2026-12-01T10:02:00.000Z" in body
    assert "Ended:             2026-12-01T10:30:00.000Z" in body
    assert "Duration:          28m 0s" in body
    assert "Billable seconds:  1680" in body
    assert "Instances:         2 x ml.g5.2xlarge" in body
    assert "Account / region:  123456789012 / us-east-1" in body
    assert "https://us-east-1.console.aws.amazon.com/sagemaker/home?region=us-east-1#/jobs/xgb-churn-7" in body
    assert "logStreamNameFilter$3Dxgb-churn-7" in body
    assert alert.attributes == {
        "TrainingJobName": "xgb-churn-7",
        "TrainingJobStatus": "Failed",
        "SecondaryStatus": "Failed",
    }


def test_the_subject_names_the_job_in_printable_ascii_under_100_characters() -> None:
    name = "a" + "-b" * 31
    job = make_job(name, "Stopped", "MaxWaitTimeExceeded")
    subject = format_alert(job, "us-east-1").subject
    assert len(subject) < 100
    assert subject.isascii() and subject.isprintable()
    assert subject.startswith("SageMaker training job Stopped (MaxWaitTimeExceeded):")


def test_a_failed_job_without_times_or_billing_still_alerts_clearly() -> None:
    job = make_job("j", "Failed", "Failed").model_copy(
        update={
            "TrainingStartTime": None,
            "TrainingEndTime": None,
            "TrainingTimeInSeconds": None,
            "BillableTimeInSeconds": None,
            "FailureReason": None,
        }
    )
    body = format_alert(job, "us-east-1").body
    assert "Started:           not recorded" in body
    assert "Duration:          unknown" in body
    assert "Billable seconds:  not reported" in body
    assert "SageMaker gave no failure reason." in body


def test_duration_falls_back_to_start_and_end() -> None:
    job = make_job("j", "Failed", "Failed").model_copy(
        update={
            "TrainingTimeInSeconds": None,
            "TrainingStartTime": BASE_TIME,
            "TrainingEndTime": BASE_TIME + timedelta(hours=26, seconds=5),
        }
    )
    assert "Duration:          1d 2h 5s" in format_alert(job, "us-east-1").body


def test_control_and_bidi_characters_are_removed_but_lines_kept() -> None:
    assert clean_text("a\x00b\x1b[31mc\u202ed\r\ne\tf") == "ab[31mcd\ne\tf"


def test_ascii_line_flattens_and_cuts() -> None:
    assert ascii_line("Fail\u00e9d:\njob\x07", 99) == "Failed: job"
    assert ascii_line("x" * 150, 99) == "x" * 96 + "..."


@pytest.mark.parametrize(
    ("arn", "host"),
    [
        ("arn:aws-cn:sagemaker:cn-north-1:123456789012:training-job/j", "https://console.amazonaws.cn/"),
        ("arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:training-job/j", "https://console.amazonaws-us-gov.com/"),
        ("arn:aws:sagemaker:ap-south-1:123456789012:training-job/j", "https://ap-south-1.console.aws.amazon.com/"),
    ],
)
def test_links_follow_the_partition_of_the_job(arn: str, host: str) -> None:
    job = TrainingJob(TrainingJobName="j", TrainingJobStatus="Failed", TrainingJobArn=arn)
    console, logs = console_links(job, "us-east-1")
    assert console.startswith(host) and logs.startswith(host)


def test_human_duration() -> None:
    assert human_duration(0) == "0s"
    assert human_duration(3600) == "1h 0s"
    assert human_duration(None) == "unknown"
