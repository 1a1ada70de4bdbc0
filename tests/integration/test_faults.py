"""Faults on every AWS dependency, alone and together, and crashes around SNS Publish: nothing is lost, and the only
duplicate alerts are those of the one open window (SNS accepted the message, the claim was not completed).

The full matrix, with more jobs, is `make faults` (benchmarks/load.py --matrix); this is its small size.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from jobtracker.clients import DYNAMODB_CONFIG
from tests.support.aws import REGION, Stack
from tests.support.fake_sagemaker import describe_from_event, load_event
from tests.support.faults import ClientFaults, Crashes
from tests.support.lambda_runtime import AsyncInvoker, SimulatedCrash, load_app
from tests.support.load import (
    NETWORK_FAULTS,
    FaultSpec,
    LaggingSageMaker,
    Scenario,
    build_plan,
    lambda_environments,
    linearizable_moto_dynamodb,
    render_details,
    render_matrix,
    run_scenario,
)

pytestmark = pytest.mark.usefixtures("fast_retries")

# Lambda's times, scaled down: a 2 s timeout (the alert claim's lease), retries 2 s and 4 s after a failure, so a
# retry always comes after the failed invocation's lease, as Lambda's (1 and 2 minutes after up to 15) do. Describe
# gives up reading after 0.2 s against a fake that holds a "timeout" request 0.4 s. Scenarios without Describe
# timeouts finish every invocation well inside 1 s, and use that (the overrun check says when it was not enough).
CONTEXT_TIMEOUT = RETRY_DELAY = 2.0
SHORT_TIMEOUT = 1.0
READ_TIMEOUT, HOLD = 0.2, 0.4
XGB = "xgb-churn-2026-12-01-11-30-00"
ATTEMPTS: int = DYNAMODB_CONFIG.retries["total_max_attempts"]  # type: ignore[attr-defined]
MIXED = FaultSpec((*NETWORK_FAULTS, "connect"), 0.4)


@pytest.fixture(scope="module")
def lagging_sagemaker() -> Iterator[LaggingSageMaker]:
    with LaggingSageMaker(timeout_seconds=HOLD) as fake:
        yield fake


@pytest.fixture
def linearizable() -> Iterator[None]:
    with linearizable_moto_dynamodb():
        yield


def scaled_invoker(*, context_timeout: float = CONTEXT_TIMEOUT, retry_delay: float = RETRY_DELAY) -> AsyncInvoker:
    app = load_app(client_overrides={"sagemaker": Config(read_timeout=READ_TIMEOUT)})
    return AsyncInvoker(app, retry_delay=retry_delay, context_timeout=context_timeout)


@pytest.fixture
def environment(
    aws: Stack, lagging_sagemaker: LaggingSageMaker, linearizable: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", lagging_sagemaker.endpoint_url)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")


@pytest.fixture
def invoker(environment: None) -> AsyncInvoker:
    return scaled_invoker()


def dynamodb_client(endpoint: str, attempts: int = ATTEMPTS) -> Any:
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts})
    return boto3.session.Session().client("dynamodb", region_name=REGION, endpoint_url=endpoint, config=config)


# --------------------------------------------------------------------------------------------------------------------
# The injection itself: raised connection errors are retried like real ones
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("reset", ConnectionClosedError), ("connect", EndpointConnectionError), ("timeout", ReadTimeoutError)],
)
def test_a_connection_error_raised_before_send_is_retried_like_a_real_one(
    kind: str, expected: type[Exception], aws: Stack, moto_endpoint: str, lagging_sagemaker: LaggingSageMaker
) -> None:
    client = dynamodb_client(moto_endpoint)
    faults = ClientFaults(client)
    faults.inject("DescribeTable", [kind] * ATTEMPTS)

    with pytest.raises(expected) as injected:
        client.describe_table(TableName=aws.table_name)

    assert faults.requests["DescribeTable"] == ATTEMPTS  # every attempt of the retry policy was made
    # The same fault for real: a TCP reset or a held answer from the fake SageMaker, a refused connection.
    if kind == "connect":
        real = dynamodb_client("http://127.0.0.1:9")  # the discard port: nothing listens there
        counted = ClientFaults(real)
        with pytest.raises(expected) as real_error:
            real.list_tables()
        assert counted.requests["ListTables"] == ATTEMPTS
    else:
        lagging_sagemaker.clear()
        lagging_sagemaker.inject("DescribeTrainingJob", [kind] * ATTEMPTS)
        real = lagging_sagemaker.client(max_attempts=ATTEMPTS, read_timeout=READ_TIMEOUT)
        with pytest.raises(expected) as real_error:
            real.describe_training_job(TrainingJobName="x")
        assert lagging_sagemaker.requests["DescribeTrainingJob"] == ATTEMPTS
    assert type(injected.value) is type(real_error.value)
    # A fault the retries absorb leaves no trace: the call succeeds on the attempt after the last fault.
    faults.inject("DescribeTable", [kind] * (ATTEMPTS - 1))
    assert client.describe_table(TableName=aws.table_name)["Table"]["TableName"] == aws.table_name
    assert faults.requests["DescribeTable"] == 2 * ATTEMPTS


def test_a_timeout_fault_applies_the_write_and_loses_only_its_answer(aws: Stack, moto_endpoint: str) -> None:
    client = dynamodb_client(moto_endpoint)
    faults = ClientFaults(client)
    faults.inject("PutItem", ["timeout"])
    item = {"pk": {"S": "T"}, "sk": {"S": "1"}}

    with pytest.raises(ClientError) as raised:  # the retry finds its own write: the hard case of a timeout
        client.put_item(TableName=aws.table_name, Item=item, ConditionExpression="attribute_not_exists(pk)")

    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert faults.requests["PutItem"] == 2
    assert [stored["pk"] for stored in aws.dump_table()] == [{"S": "T"}]  # the first attempt's write, once


def test_transaction_conflicts_are_retried_by_the_store(aws: Stack, invoker: AsyncInvoker) -> None:
    event = load_event("completed")
    dynamodb = ClientFaults(invoker.core.clients.dynamodb)
    dynamodb.inject("TransactWriteItems", ["conflict", "conflict"])

    result = invoker.invoke(event)

    assert result["outcome"] == "stored"
    assert dynamodb.requests["TransactWriteItems"] == 3


# --------------------------------------------------------------------------------------------------------------------
# A death in the middle of the alert path
# --------------------------------------------------------------------------------------------------------------------


def alert_claims(aws: Stack) -> list[str]:
    return [item["status"]["S"] for item in aws.dump_table() if item["pk"]["S"] == "ALERT"]


def test_a_crash_after_sns_accepted_sends_exactly_one_extra_alert_once_the_lease_ran_out(
    aws: Stack, invoker: AsyncInvoker, lagging_sagemaker: LaggingSageMaker
) -> None:
    event = load_event("failed")
    lagging_sagemaker.clear()
    lagging_sagemaker.put_job(describe_from_event(event))
    crash = Crashes(invoker.core.clients.sns, "Publish", when="after", limit=1)

    delivery = invoker.deliver(event)

    assert crash.crashes == 1
    assert isinstance(delivery.errors[0], SimulatedCrash)
    assert delivery.attempts == 2 and delivery.result is not None
    assert delivery.result["outcome"] == "duplicate" and delivery.result["alert"] == "sent"
    assert len(aws.alerts(wait_seconds=1)) == 2  # the window: SNS had it, the claim was never completed
    assert alert_claims(aws) == ["COMPLETED"]
    assert invoker.deliver(event).result["alert"] == "already-sent"  # type: ignore[index]
    assert aws.alerts() == []


def test_a_crash_just_before_publish_neither_duplicates_nor_loses_the_alert(
    aws: Stack, invoker: AsyncInvoker, lagging_sagemaker: LaggingSageMaker
) -> None:
    event = load_event("failed")
    lagging_sagemaker.clear()
    lagging_sagemaker.put_job(describe_from_event(event))
    crash = Crashes(invoker.core.clients.sns, "Publish", when="before", limit=1)

    delivery = invoker.deliver(event)

    assert crash.crashes == 1 and delivery.attempts == 2
    assert delivery.result is not None and delivery.result["alert"] == "sent"
    assert len(aws.alerts(wait_seconds=1)) == 1
    assert alert_claims(aws) == ["COMPLETED"]


def test_a_crashed_claim_blocks_retries_until_its_lease_runs_out(
    aws: Stack, lagging_sagemaker: LaggingSageMaker, environment: None
) -> None:
    # With Lambda's real timeout as the lease and retries sooner than it, the claim left by the crash is still valid
    # when the retries come: they are refused, the event is dead-lettered, and no second alert goes out.
    invoker = scaled_invoker(context_timeout=60.0, retry_delay=0.2)
    event = load_event("failed")
    lagging_sagemaker.clear()
    lagging_sagemaker.put_job(describe_from_event(event))
    Crashes(invoker.core.clients.sns, "Publish", when="after", limit=1)

    delivery = invoker.deliver(event)

    assert delivery.dead_lettered
    assert [type(error).__name__ for error in delivery.errors[1:]] == ["IdempotencyAlreadyInProgressError"] * 2
    assert len(aws.alerts(wait_seconds=1)) == 1
    assert alert_claims(aws) == ["INPROGRESS"]


# --------------------------------------------------------------------------------------------------------------------
# The small matrix
# --------------------------------------------------------------------------------------------------------------------

SCENARIOS = [
    Scenario("describe mixed 40%", describe=FaultSpec(NETWORK_FAULTS, 0.4)),
    Scenario("transact mixed 40%", transact=FaultSpec((*NETWORK_FAULTS, "connect", "conflict"), 0.4)),
    Scenario("idempotency mixed 40%", idempotency=MIXED),
    Scenario("sns mixed 40%", sns=MIXED),
    Scenario("sns outage 100%", sns=FaultSpec((*NETWORK_FAULTS, "connect"), 1.0)),
    Scenario(
        "all together 25%",
        describe=FaultSpec(NETWORK_FAULTS, 0.25),
        transact=FaultSpec((*NETWORK_FAULTS, "conflict"), 0.25),
        idempotency=FaultSpec((*NETWORK_FAULTS, "connect"), 0.25),
        sns=FaultSpec((*NETWORK_FAULTS, "connect"), 0.25),
    ),
    Scenario("crash before publish 60%", crash="before-publish", crash_probability=0.6),
    Scenario("crash after publish 60%", crash="after-publish", crash_probability=0.6),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.name for scenario in SCENARIOS])
def test_under_faults_every_event_is_recorded_or_dead_lettered_and_the_redrive_loses_nothing(
    scenario: Scenario, aws: Stack, environment: None, lagging_sagemaker: LaggingSageMaker
) -> None:
    slow = scenario.describe is not None and "timeout" in scenario.describe.kinds
    lease = CONTEXT_TIMEOUT if slow else SHORT_TIMEOUT
    overrides = {"sagemaker": Config(read_timeout=READ_TIMEOUT)}
    environments = lambda_environments(8, retry_delay=lease, context_timeout=lease, client_overrides=overrides)
    plan = build_plan(10, seed=21, outcomes=("Failed", "Completed", "Failed", "Stopped", "Failed"))

    result = run_scenario(aws, lagging_sagemaker, environments, plan, scenario, stale_probability=0.25)

    print("\n" + render_matrix([result]) + "\n" + render_details(result))
    assert result.violations() == []
    assert sum(result.faults_injected.values()) > 0
    # Every delivery of the first pass was recorded or dead-lettered with its reason, and the redrive recorded all.
    assert result.before.unaccounted == 0
    assert all(reason for reason in result.before.dead_lettered)
    assert result.after.lost == 0 and result.after.wrong_latest == {} and result.after.missing_alerts == []
    assert result.after.claims_in_progress == 0
    if scenario.name.startswith("sns outage"):
        assert result.before.lost > 0 and result.redriven == result.before.lost  # the redrive had work to do
    if scenario.crash:
        assert result.crashes > 0
        # Exactly one extra alert per crash after publish (and per Lambda timeout that struck the same window).
        expected = (result.crashes if scenario.crash_after_publish else 0) + result.kills["UpdateItem"]
        assert result.after.duplicated_alerts == expected
    elif not (scenario.sns and "timeout" in scenario.sns.kinds) and not scenario.idempotency:
        assert result.after.duplicated_alerts == result.kills["UpdateItem"]
    assert result.after.duplicated_alerts <= result.window
