"""Self-test of tests/support/fake_sagemaker.py through a real boto3 SageMaker client over HTTP.

Also checks that every events/*.json file is a coherent, realistic event and turns into a valid Describe answer.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from tests.support.fake_sagemaker import (
    DEFAULT_ENVIRONMENT,
    FakeSageMaker,
    describe_from_event,
    event_names,
    load_event,
    parse_event_time,
    validate_describe,
)

NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
EXPECTED_EVENTS = {
    "in-progress-starting": ("bert-finetune-2026-12-01-10-00-00", "InProgress", "Starting"),
    "in-progress-training": ("bert-finetune-2026-12-01-10-00-00", "InProgress", "Training"),
    "completed": ("bert-finetune-2026-12-01-10-00-00", "Completed", "Completed"),
    "failed": ("xgb-churn-2026-12-01-11-30-00", "Failed", "Failed"),
    "stopping": ("resnet50-sweep-2026-12-01-09-15-00", "Stopping", "Stopping"),
    "stopped": ("resnet50-sweep-2026-12-01-09-15-00", "Stopped", "Stopped"),
    "stopped-max-runtime": ("llama-lora-2026-11-30-22-00-00", "Stopped", "MaxRuntimeExceeded"),
}
TIME_FIELDS = ("CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime")
FAILED_JOB = "xgb-churn-2026-12-01-11-30-00"
BERT_JOB = "bert-finetune-2026-12-01-10-00-00"


# Fixtures and helpers -----------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Dummy credentials, no profile, config or retry settings from the machine."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


@pytest.fixture
def fake() -> Iterator[FakeSageMaker]:
    with FakeSageMaker(timeout_seconds=1.0) as server:
        yield server


@functools.cache
def _session() -> boto3.session.Session:
    # One session for the module: a fresh one loads the service model again (about 0.3 s a client).
    return boto3.session.Session()


def make_client(fake: FakeSageMaker, retries: dict[str, Any] | None = None, read_timeout: float = 5.0) -> Any:
    """A plain boto3 client as the code under test builds one: credentials come from the environment."""
    config = Config(
        retries=retries or {"total_max_attempts": 1, "mode": "standard"},  # type: ignore[arg-type]
        read_timeout=read_timeout,
        connect_timeout=2,
    )
    return _session().client("sagemaker", region_name="us-east-1", endpoint_url=fake.endpoint_url, config=config)


def error_code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def job_variant(event_name: str, name: str, created: datetime, modified: datetime) -> dict[str, Any]:
    """A Describe answer built from an event file, renamed and moved in time."""
    return describe_from_event(
        load_event(event_name),
        TrainingJobName=name,
        TrainingJobArn=f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        CreationTime=created,
        LastModifiedTime=modified,
    )


# Describe -----------------------------------------------------------------------------------------------------------


def test_describe_returns_the_stored_job_with_parsed_datetimes(fake: FakeSageMaker) -> None:
    stored = describe_from_event(load_event("completed"))
    fake.put_job(stored)

    answer = make_client(fake).describe_training_job(TrainingJobName=BERT_JOB)

    assert answer["TrainingJobStatus"] == "Completed"
    assert answer["SecondaryStatus"] == "Completed"
    for field in TIME_FIELDS:
        assert isinstance(answer[field], datetime)
        assert answer[field].tzinfo is not None
        assert answer[field] == stored[field]
    assert answer["CreationTime"] == datetime(2026, 12, 1, 10, 0, 0, 412_000, tzinfo=UTC)
    assert [t["StartTime"] for t in answer["SecondaryStatusTransitions"]] == [
        t["StartTime"] for t in stored["SecondaryStatusTransitions"]
    ]
    assert answer["FinalMetricDataList"][2]["Value"] == pytest.approx(0.9127)
    assert isinstance(answer["FinalMetricDataList"][0]["Timestamp"], datetime)
    assert answer["Environment"] == dict(DEFAULT_ENVIRONMENT)
    assert answer["HyperParameters"]["wandb_api_key"] == stored["HyperParameters"]["wandb_api_key"]
    assert "Tags" not in answer
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert fake.requests["DescribeTrainingJob"] == 1


def test_put_job_replaces_the_current_state(fake: FakeSageMaker) -> None:
    client = make_client(fake)
    for event_name, (_, status, secondary) in list(EXPECTED_EVENTS.items())[:3]:
        fake.put_job(describe_from_event(load_event(event_name)))
        answer = client.describe_training_job(TrainingJobName=BERT_JOB)
        assert (answer["TrainingJobStatus"], answer["SecondaryStatus"]) == (status, secondary)


def test_set_answers_are_served_in_order_then_the_current_state(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("completed")))
    fake.set_answers(
        BERT_JOB,
        [
            describe_from_event(load_event("in-progress-starting")),
            describe_from_event(load_event("in-progress-training")),
        ],
    )
    client = make_client(fake)

    seen = [client.describe_training_job(TrainingJobName=BERT_JOB)["SecondaryStatus"] for _ in range(4)]

    assert seen == ["Starting", "Training", "Completed", "Completed"]


def test_set_answers_rejects_an_answer_for_another_job(fake: FakeSageMaker) -> None:
    with pytest.raises(ValueError, match="queued for"):
        fake.set_answers(BERT_JOB, [describe_from_event(load_event("failed"))])


def test_a_removed_or_unknown_job_is_a_validation_exception(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    client = make_client(fake)
    assert client.describe_training_job(TrainingJobName=FAILED_JOB)["TrainingJobStatus"] == "Failed"

    fake.remove_job(FAILED_JOB)

    for name in (FAILED_JOB, "never-existed-1"):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            client.describe_training_job(TrainingJobName=name)
        assert error_code(caught.value) == "ValidationException"
        assert caught.value.response["Error"]["Message"] == "Requested resource not found"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_invalid_job_name_is_rejected_like_aws(fake: FakeSageMaker) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        make_client(fake).describe_training_job(TrainingJobName="bad_name")
    assert error_code(caught.value) == "ValidationException"
    assert "trainingJobName" in caught.value.response["Error"]["Message"]


def test_the_endpoint_url_environment_variable_and_client_helper(
    fake: FakeSageMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", fake.endpoint_url)

    from_env = boto3.session.Session().client("sagemaker", region_name="us-east-1")

    assert from_env.describe_training_job(TrainingJobName=FAILED_JOB)["TrainingJobStatus"] == "Failed"
    assert fake.client().describe_training_job(TrainingJobName=FAILED_JOB)["FailureReason"].count("\n") >= 3
    assert fake.requests["DescribeTrainingJob"] == 2


# Faults -------------------------------------------------------------------------------------------------------------


def test_a_throttle_without_retries_is_a_throttling_exception(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    fake.inject("DescribeTrainingJob", ["throttle"])

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        make_client(fake).describe_training_job(TrainingJobName=FAILED_JOB)

    assert error_code(caught.value) == "ThrottlingException"
    assert caught.value.response["Error"]["Message"] == "Rate exceeded"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert fake.requests["DescribeTrainingJob"] == 1


def test_throttles_are_retried_transparently_with_standard_retries(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    fake.inject("DescribeTrainingJob", ["throttle", "throttle"])
    client = make_client(fake, retries={"mode": "standard", "total_max_attempts": 3})

    answer = client.describe_training_job(TrainingJobName=FAILED_JOB)

    assert answer["TrainingJobStatus"] == "Failed"
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert fake.requests["DescribeTrainingJob"] == 3
    assert fake.faults_served["DescribeTrainingJob:throttle"] == 2


def test_retries_max_attempts_counts_retries_not_attempts(fake: FakeSageMaker) -> None:
    """A botocore quirk worth knowing: retries={"max_attempts": 1} still makes two attempts."""
    fake.put_job(describe_from_event(load_event("failed")))
    fake.inject("DescribeTrainingJob", ["throttle", "throttle"])

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        make_client(fake, retries={"max_attempts": 1}).describe_training_job(TrainingJobName=FAILED_JOB)

    assert error_code(caught.value) == "ThrottlingException"
    assert fake.requests["DescribeTrainingJob"] == 2


def test_a_500_is_an_internal_failure_and_retried(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    fake.inject("DescribeTrainingJob", ["500", "500"])

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        make_client(fake).describe_training_job(TrainingJobName=FAILED_JOB)
    assert error_code(caught.value) == "InternalFailure"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500

    retrying = make_client(fake, retries={"mode": "standard", "total_max_attempts": 3})
    assert retrying.describe_training_job(TrainingJobName=FAILED_JOB)["TrainingJobStatus"] == "Failed"
    assert fake.requests["DescribeTrainingJob"] == 3


def test_a_reset_is_a_connection_error(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    fake.inject("DescribeTrainingJob", ["reset", "reset"])

    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        make_client(fake).describe_training_job(TrainingJobName=FAILED_JOB)

    retrying = make_client(fake, retries={"mode": "standard", "total_max_attempts": 2})
    assert retrying.describe_training_job(TrainingJobName=FAILED_JOB)["TrainingJobStatus"] == "Failed"
    assert fake.requests["DescribeTrainingJob"] == 3


def test_a_timeout_is_a_read_timeout(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    fake.inject("DescribeTrainingJob", ["timeout"])
    client = make_client(fake, read_timeout=0.3)

    started = time.monotonic()
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        client.describe_training_job(TrainingJobName=FAILED_JOB)
    assert time.monotonic() - started < fake.timeout_seconds

    # The held request is answered later into a closed socket; the server carries on serving.
    assert client.describe_training_job(TrainingJobName=FAILED_JOB)["TrainingJobStatus"] == "Failed"


def test_ok_and_none_pass_through_and_faults_are_per_operation(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    fake.inject("DescribeTrainingJob", [None, "ok", "throttle"])
    fake.inject("ListTrainingJobs", ["500"])
    client = make_client(fake)

    assert client.describe_training_job(TrainingJobName=FAILED_JOB)["TrainingJobStatus"] == "Failed"
    assert client.describe_training_job(TrainingJobName=FAILED_JOB)["TrainingJobStatus"] == "Failed"
    with pytest.raises(botocore.exceptions.ClientError, match="ThrottlingException"):
        client.describe_training_job(TrainingJobName=FAILED_JOB)
    with pytest.raises(botocore.exceptions.ClientError, match="InternalFailure"):
        client.list_training_jobs()
    assert len(client.list_training_jobs()["TrainingJobSummaries"]) == 1
    assert fake.requests == {"DescribeTrainingJob": 3, "ListTrainingJobs": 2}


def test_bad_fault_arguments_are_rejected(fake: FakeSageMaker) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        fake.inject("DescribeTrainingJob", ["slow"])
    with pytest.raises(ValueError, match="serves"):
        fake.inject("CreateTrainingJob", ["throttle"])
    with pytest.raises(ValueError, match="probability"):
        fake.fault_rate("DescribeTrainingJob", ["throttle"], 1.5)


def _outcomes(fake: FakeSageMaker, calls: int) -> list[str]:
    client = make_client(fake)
    outcomes = []
    for _ in range(calls):
        try:
            client.describe_training_job(TrainingJobName=FAILED_JOB)
            outcomes.append("ok")
        except botocore.exceptions.ClientError as exc:
            outcomes.append(error_code(exc))
    return outcomes


def test_fault_rate_is_deterministic_with_a_seed(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    fake.fault_rate("DescribeTrainingJob", ["throttle", "500"], 0.4, seed=1234)
    first = _outcomes(fake, 40)
    fake.fault_rate("DescribeTrainingJob", ["throttle", "500"], 0.4, seed=1234)
    second = _outcomes(fake, 40)

    assert first == second
    assert {"ok", "ThrottlingException", "InternalFailure"} == set(first)
    fake.fault_rate("DescribeTrainingJob", [], 0)
    assert _outcomes(fake, 5) == ["ok"] * 5


def test_counters_are_thread_safe_under_concurrent_load(fake: FakeSageMaker) -> None:
    fake.put_job(describe_from_event(load_event("failed")))
    fake.fault_rate("DescribeTrainingJob", ["throttle"], 0.2, seed=7)
    client = make_client(fake)  # boto3 clients are thread-safe

    def call(_: int) -> str:
        try:
            return str(client.describe_training_job(TrainingJobName=FAILED_JOB)["TrainingJobStatus"])
        except botocore.exceptions.ClientError as exc:
            return error_code(exc)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(400)))

    assert fake.requests["DescribeTrainingJob"] == 400
    assert results.count("ThrottlingException") == fake.faults_served["DescribeTrainingJob:throttle"]
    assert results.count("Failed") + results.count("ThrottlingException") == 400


# Validation of fakes ------------------------------------------------------------------------------------------------


def _without(description: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in description.items() if k != key}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _without(d, "SecondaryStatus"), "Missing required parameter"),
        (lambda d: {**d, "Tags": [{"Key": "team", "Value": "nlp"}]}, "Unknown parameter"),
        (lambda d: {**d, "SecondaryStatus": "Running"}, "is not one of"),
        (lambda d: {**d, "TrainingJobStatus": "Succeeded"}, "is not one of"),
        (lambda d: {**d, "TrainingJobName": "bert_finetune"}, "does not match the pattern"),
        (lambda d: {**d, "FailureReason": "x" * 1025}, "more than the maximum 1024"),
        (lambda d: {**d, "HyperParameters": {f"p{i}": "1" for i in range(101)}}, "more than the maximum 100"),
        (lambda d: {**d, "CreationTime": 1796119200412}, "wants a datetime"),
        (lambda d: {**d, "TrainingTimeInSeconds": "5947"}, "Invalid type"),
        (lambda d: {**d, "EnableNetworkIsolation": "false"}, "Invalid type"),
        (lambda d: {**d, "ResourceConfig": {**d["ResourceConfig"], "InstanceType": "ml.g5.3xlarge"}}, "is not one of"),
    ],
)
def test_put_job_validates_against_the_real_output_shape(fake: FakeSageMaker, change: Any, message: str) -> None:
    good = describe_from_event(load_event("completed"))
    with pytest.raises(botocore.exceptions.ParamValidationError, match=message):
        fake.put_job(change(good))


def test_naive_datetimes_are_taken_as_utc(fake: FakeSageMaker) -> None:
    naive = describe_from_event(load_event("failed"), CreationTime=datetime(2026, 12, 1, 11, 30))
    fake.put_job(naive)
    answer = make_client(fake).describe_training_job(TrainingJobName=FAILED_JOB)
    assert answer["CreationTime"] == datetime(2026, 12, 1, 11, 30, tzinfo=UTC)


# ListTrainingJobs ---------------------------------------------------------------------------------------------------

BASE = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
STATUS_CYCLE = ("completed", "failed", "in-progress-training", "stopped")


@pytest.fixture
def many_jobs(fake: FakeSageMaker) -> list[dict[str, Any]]:
    """25 jobs, created an hour apart (stored in shuffled order), each modified 30 minutes after creation."""
    jobs = []
    for index in (7, 3, 19, 0, 24, 11, 5, 16, 22, 1, 9, 14, 2, 20, 8, 12, 4, 23, 17, 6, 10, 21, 13, 18, 15):
        created = BASE + timedelta(hours=index, milliseconds=index)
        job = job_variant(STATUS_CYCLE[index % 4], f"job-{index:02d}", created, created + timedelta(minutes=30))
        fake.put_job(job)
        jobs.append(job)
    return sorted(jobs, key=lambda job: job["CreationTime"])


def test_list_defaults_to_ten_by_creation_time_ascending(fake: FakeSageMaker, many_jobs: list[dict[str, Any]]) -> None:
    page = make_client(fake).list_training_jobs()

    assert [s["TrainingJobName"] for s in page["TrainingJobSummaries"]] == [f"job-{i:02d}" for i in range(10)]
    assert "NextToken" in page
    summary = page["TrainingJobSummaries"][0]
    assert set(summary) == {
        "TrainingJobName",
        "TrainingJobArn",
        "CreationTime",
        "TrainingEndTime",
        "LastModifiedTime",
        "TrainingJobStatus",
        "SecondaryStatus",
    }
    assert summary["CreationTime"] == many_jobs[0]["CreationTime"]
    in_progress = page["TrainingJobSummaries"][2]
    assert in_progress["TrainingJobStatus"] == "InProgress"
    assert "TrainingEndTime" not in in_progress


def test_list_paginates_with_next_token_and_the_boto3_paginator(
    fake: FakeSageMaker, many_jobs: list[dict[str, Any]]
) -> None:
    client = make_client(fake)
    names: list[str] = []
    kwargs: dict[str, Any] = {"MaxResults": 7}
    while True:
        page = client.list_training_jobs(**kwargs)
        names += [s["TrainingJobName"] for s in page["TrainingJobSummaries"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert names == [job["TrainingJobName"] for job in many_jobs]

    pages = list(client.get_paginator("list_training_jobs").paginate(PaginationConfig={"PageSize": 7}))
    assert [len(p["TrainingJobSummaries"]) for p in pages] == [7, 7, 7, 4]


def test_list_time_filters_are_strict_and_keep_milliseconds(
    fake: FakeSageMaker, many_jobs: list[dict[str, Any]]
) -> None:
    client = make_client(fake)
    tenth = many_jobs[10]

    def names(**filters: Any) -> list[str]:
        return [
            s["TrainingJobName"] for s in client.list_training_jobs(MaxResults=100, **filters)["TrainingJobSummaries"]
        ]

    assert names(LastModifiedTimeAfter=tenth["LastModifiedTime"]) == [f"job-{i:02d}" for i in range(11, 25)]
    assert names(LastModifiedTimeAfter=tenth["LastModifiedTime"] - timedelta(milliseconds=1))[0] == "job-10"
    assert names(LastModifiedTimeBefore=tenth["LastModifiedTime"]) == [f"job-{i:02d}" for i in range(10)]
    assert names(CreationTimeAfter=many_jobs[20]["CreationTime"]) == ["job-21", "job-22", "job-23", "job-24"]
    assert names(CreationTimeBefore=many_jobs[2]["CreationTime"]) == ["job-00", "job-01"]
    assert names(
        LastModifiedTimeAfter=many_jobs[4]["LastModifiedTime"], LastModifiedTimeBefore=many_jobs[8]["LastModifiedTime"]
    ) == ["job-05", "job-06", "job-07"]


def test_list_name_and_sorting(fake: FakeSageMaker, many_jobs: list[dict[str, Any]]) -> None:
    client = make_client(fake)

    contains = client.list_training_jobs(NameContains="JOB-1", MaxResults=100)["TrainingJobSummaries"]
    assert [s["TrainingJobName"] for s in contains] == [f"job-{i}" for i in range(10, 20)]

    by_name = client.list_training_jobs(SortBy="Name", SortOrder="Descending", MaxResults=3)
    assert [s["TrainingJobName"] for s in by_name["TrainingJobSummaries"]] == ["job-24", "job-23", "job-22"]

    by_status = client.list_training_jobs(SortBy="Status", MaxResults=100)["TrainingJobSummaries"]
    statuses = [s["TrainingJobStatus"] for s in by_status]
    assert statuses == sorted(statuses)


def test_list_status_filter_applies_after_the_page_is_cut(fake: FakeSageMaker, many_jobs: list[dict[str, Any]]) -> None:
    """As the API reference documents: MaxResults jobs are taken first, then filtered by StatusEquals."""
    client = make_client(fake)

    first = client.list_training_jobs(StatusEquals="Failed", MaxResults=4)
    assert [s["TrainingJobName"] for s in first["TrainingJobSummaries"]] == ["job-01"]
    assert "NextToken" in first

    pages = client.get_paginator("list_training_jobs").paginate(StatusEquals="Failed", PaginationConfig={"PageSize": 4})
    failed = [s["TrainingJobName"] for page in pages for s in page["TrainingJobSummaries"]]
    assert failed == [job["TrainingJobName"] for job in many_jobs if job["TrainingJobStatus"] == "Failed"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"SortBy": "LastModifiedTime"}, "enum value set: [Name, CreationTime, Status]"),
        ({"SortOrder": "Down"}, "enum value set"),
        ({"StatusEquals": "Running"}, "enum value set"),
        ({"MaxResults": 101}, "less than or equal to 100"),
        ({"NameContains": "bad_name"}, "regular expression pattern"),
        ({"NextToken": "not-a-token"}, "Invalid pagination token"),
    ],
)
def test_list_rejects_what_aws_rejects(fake: FakeSageMaker, kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        make_client(fake).list_training_jobs(**kwargs)
    assert error_code(caught.value) == "ValidationException"
    assert fragment in caught.value.response["Error"]["Message"]


# The events/ files ---------------------------------------------------------------------------------------------------


def test_the_expected_event_files_exist() -> None:
    assert set(event_names()) == set(EXPECTED_EVENTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_EVENTS))
def test_event_file_is_a_realistic_eventbridge_event(name: str) -> None:
    event = load_event(name)
    job, status, secondary = EXPECTED_EVENTS[name]
    detail = event["detail"]

    assert event["version"] == "0"
    assert uuid.UUID(event["id"])
    assert event["detail-type"] == "SageMaker Training Job State Change"
    assert event["source"] == "aws.sagemaker"
    assert event["account"] == "123456789012"
    assert event["region"] == "us-east-1"
    assert event["resources"] == [detail["TrainingJobArn"]]
    assert (detail["TrainingJobName"], detail["TrainingJobStatus"], detail["SecondaryStatus"]) == (
        job,
        status,
        secondary,
    )
    assert NAME_PATTERN.fullmatch(job)
    assert detail["TrainingJobArn"] == f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{job}"
    assert "Environment" not in detail
    assert isinstance(detail["Tags"], dict)
    assert "team" in detail["Tags"]
    assert {"epochs", "learning_rate", "wandb_api_key"} <= set(detail["HyperParameters"])
    assert detail["AlgorithmSpecification"]["TrainingInputMode"] == "File"
    assert ".dkr.ecr.us-east-1.amazonaws.com/" in detail["AlgorithmSpecification"]["TrainingImage"]
    assert "EnableSageMakerMetricsTimeSeries" in detail["AlgorithmSpecification"]
    assert detail["ResourceConfig"]["InstanceType"] == "ml.g5.2xlarge"
    assert detail["ResourceConfig"]["InstanceCount"] in (1, 2)
    assert detail["InputDataConfig"][0]["ChannelName"] == "train"
    assert "S3DataSource" in detail["InputDataConfig"][0]["DataSource"]
    assert detail["StoppingCondition"]["MaxRuntimeInSeconds"] > 0

    times = {field: parse_event_time(detail[field]) for field in TIME_FIELDS if field in detail}
    assert times["CreationTime"] < times["LastModifiedTime"]
    if "TrainingStartTime" in times:
        assert times["CreationTime"] < times["TrainingStartTime"] < times["LastModifiedTime"]
    if "TrainingEndTime" in times:
        assert times["TrainingStartTime"] < times["TrainingEndTime"] <= times["LastModifiedTime"]
    assert parse_event_time(event["time"]) >= times["LastModifiedTime"].replace(microsecond=0)

    transitions = detail["SecondaryStatusTransitions"]
    assert transitions[-1]["Status"] == secondary
    assert parse_event_time(transitions[0]["StartTime"]) > times["CreationTime"]
    for earlier, later in itertools.pairwise(transitions):
        assert earlier["EndTime"] == later["StartTime"]
    assert all(t["StatusMessage"] for t in transitions)

    if "TrainingTimeInSeconds" in detail:
        elapsed = times["TrainingEndTime"] - times["TrainingStartTime"]
        assert detail["TrainingTimeInSeconds"] == int(elapsed.total_seconds())
        assert detail["BillableTimeInSeconds"] <= detail["TrainingTimeInSeconds"]
    assert ("FailureReason" in detail) == (status == "Failed")
    assert ("FinalMetricDataList" in detail) == (status == "Completed")
    if status == "Failed":
        assert detail["FailureReason"].count("\n") >= 3
        assert len(detail["FailureReason"]) <= 1024
        assert "BillableTimeInSeconds" not in detail
    if secondary == "MaxRuntimeExceeded":
        elapsed = times["TrainingEndTime"] - times["TrainingStartTime"]
        assert elapsed.total_seconds() >= detail["StoppingCondition"]["MaxRuntimeInSeconds"]


def test_events_use_numbers_and_strings_of_digits_for_timestamps() -> None:
    kinds = {name: type(load_event(name)["detail"]["CreationTime"]) for name in EXPECTED_EVENTS}
    assert kinds["stopping"] is str
    assert re.fullmatch(r"\d{13}", load_event("stopping")["detail"]["CreationTime"])
    assert kinds["failed"] is int


def test_one_job_per_scenario_progresses_coherently() -> None:
    bert = [load_event(name)["detail"] for name in ("in-progress-starting", "in-progress-training", "completed")]
    assert len({d["CreationTime"] for d in bert}) == 1
    modified = [parse_event_time(d["LastModifiedTime"]) for d in bert]
    assert modified == sorted(modified)
    assert len(set(modified)) == 3
    stopping, stopped = (load_event(name)["detail"] for name in ("stopping", "stopped"))
    assert parse_event_time(stopping["CreationTime"]) == parse_event_time(stopped["CreationTime"])
    assert parse_event_time(stopping["LastModifiedTime"]) < parse_event_time(stopped["LastModifiedTime"])
    ids = {load_event(name)["id"] for name in EXPECTED_EVENTS}
    assert len(ids) == len(EXPECTED_EVENTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_EVENTS))
def test_every_event_becomes_a_valid_describe_answer(fake: FakeSageMaker, name: str) -> None:
    event = load_event(name)
    description = describe_from_event(event)
    validate_describe(description)
    assert "Tags" not in description
    assert description["Environment"]["HF_TOKEN"].startswith("hf_")
    assert description["EnableManagedSpotTraining"] is False
    assert description["ProfilingStatus"] == "Disabled"

    fake.put_job(description)
    answer = make_client(fake).describe_training_job(TrainingJobName=event["detail"]["TrainingJobName"])

    for field in TIME_FIELDS:
        if field in event["detail"]:
            assert answer[field] == parse_event_time(event["detail"][field])
    for sent, got in zip(
        event["detail"]["SecondaryStatusTransitions"], answer["SecondaryStatusTransitions"], strict=True
    ):
        assert got["StartTime"] == parse_event_time(sent["StartTime"])
        assert got["Status"] == sent["Status"]
    assert answer["HyperParameters"] == event["detail"]["HyperParameters"]
    assert answer.get("FailureReason") == event["detail"].get("FailureReason")


def test_describe_from_event_environment_and_overrides() -> None:
    event = load_event("failed")

    custom = describe_from_event(event, environment={"ONLY": "this"})
    assert custom["Environment"] == {"ONLY": "this"}
    assert "Environment" not in describe_from_event(event, environment={})

    trimmed = describe_from_event(event, TrainingEndTime=None, WarmPoolStatus={"Status": "Terminated"})
    assert "TrainingEndTime" not in trimmed
    assert trimmed["WarmPoolStatus"] == {"Status": "Terminated"}

    from_detail = describe_from_event(event["detail"])
    assert from_detail == describe_from_event(event)

    with pytest.raises(botocore.exceptions.ParamValidationError, match="SecondaryStatus"):
        describe_from_event(event, SecondaryStatus="Exploded")
    # The source event is not changed by any of this.
    assert json.dumps(event, sort_keys=True) == json.dumps(load_event("failed"), sort_keys=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1796119200412, datetime(2026, 12, 1, 10, 0, 0, 412_000, tzinfo=UTC)),
        ("1796119200412", datetime(2026, 12, 1, 10, 0, 0, 412_000, tzinfo=UTC)),
        (1796119200.412, datetime(2026, 12, 1, 10, 0, 0, 412_000, tzinfo=UTC)),
        ("2026-12-01T10:00:00.412Z", datetime(2026, 12, 1, 10, 0, 0, 412_000, tzinfo=UTC)),
        ("2026-12-01T10:00:00Z", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_parse_event_time_accepts_what_events_carry(value: Any, expected: datetime) -> None:
    assert parse_event_time(value) == expected
