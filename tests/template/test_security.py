"""Static checks of the deployed shape: the SAM-translated template, as CloudFormation receives it."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from tests.support.cfn import translate_template
from tests.support.fake_sagemaker import REPO_ROOT

# Actions that accept no resource narrower than "*": IAM has no resource type for them.
UNSCOPABLE_ACTIONS = frozenset({"sagemaker:ListTrainingJobs"})
# Our functions read items by key and query nothing: a Scan or Query grant would be a grant nobody uses.
FORBIDDEN_ACTIONS = frozenset({"dynamodb:Scan", "dynamodb:Query", "dynamodb:DeleteTable", "dynamodb:UpdateTable"})


@functools.cache
def template() -> dict[str, Any]:
    return translate_template(REPO_ROOT / "template.yaml")


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template()["Resources"].items() if body["Type"] == kind}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements() -> list[tuple[str, dict[str, Any]]]:
    statements = []
    for name, role in resources("AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            statements.extend((name, statement) for statement in policy["PolicyDocument"]["Statement"])
    return statements


def test_functions_use_only_our_roles_and_no_managed_policies() -> None:
    functions = resources("AWS::Lambda::Function")
    assert functions
    for name, function in functions.items():
        role = function["Properties"]["Role"]
        assert role == {"Fn::GetAtt": [role["Fn::GetAtt"][0], "Arn"]}, name
        assert role["Fn::GetAtt"][0] in resources("AWS::IAM::Role")
    for name, role in resources("AWS::IAM::Role").items():
        assert "ManagedPolicyArns" not in role["Properties"], name


def test_every_role_statement_names_actions_exactly_and_scopes_its_resources() -> None:
    statements = role_statements()
    assert statements
    for role, statement in statements:
        assert statement["Effect"] == "Allow", role
        actions = as_list(statement["Action"])
        for action in actions:
            assert "*" not in action, f"{role}: wildcard action {action}"
            assert action not in FORBIDDEN_ACTIONS, f"{role}: {action}"
        for resource in as_list(statement["Resource"]):
            if resource == "*":
                assert set(actions) <= UNSCOPABLE_ACTIONS, f"{role}: {actions} on *"
            elif isinstance(resource, dict) and "Fn::Sub" in resource:
                arn = resource["Fn::Sub"]
                assert "${AWS::AccountId}" in arn or "${" in arn.split(":")[-1], f"{role}: {arn}"
                assert ":*:" not in arn, f"{role}: {arn}"


def test_describe_is_granted_on_training_jobs_only() -> None:
    for role, statement in role_statements():
        if "sagemaker:DescribeTrainingJob" in as_list(statement["Action"]):
            [resource] = as_list(statement["Resource"])
            assert resource == {
                "Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:training-job/*"
            }, role


def test_the_table_topic_and_queues_are_encrypted_with_the_customer_key() -> None:
    key = {"Fn::GetAtt": ["EncryptionKey", "Arn"]}
    [table] = resources("AWS::DynamoDB::Table").values()
    sse = table["Properties"]["SSESpecification"]
    assert sse["SSEEnabled"] is True
    assert sse["SSEType"] == "KMS"
    assert sse["KMSMasterKeyId"] in (key, {"Ref": "EncryptionKey"})
    for name, topic in resources("AWS::SNS::Topic").items():
        assert topic["Properties"]["KmsMasterKeyId"] in (key, {"Ref": "EncryptionKey"}), name
    queues = resources("AWS::SQS::Queue")
    assert len(queues) >= 2
    for name, queue in queues.items():
        assert queue["Properties"]["KmsMasterKeyId"] in (key, {"Ref": "EncryptionKey"}), name
    [key_resource] = resources("AWS::KMS::Key").values()
    assert key_resource["Properties"]["EnableKeyRotation"] is True


def test_alarms_and_event_rules_may_use_the_key_for_the_encrypted_topic_and_queue() -> None:
    [key] = resources("AWS::KMS::Key").values()
    principals = {
        service
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        for service in as_list(statement.get("Principal", {}).get("Service", []))
        if isinstance(service, str) and {"kms:Decrypt", "kms:GenerateDataKey*"} & set(as_list(statement["Action"]))
    }
    assert {"cloudwatch.amazonaws.com", "events.amazonaws.com"} <= principals


def test_the_table_keeps_history_safe() -> None:
    [table] = resources("AWS::DynamoDB::Table").values()
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_every_queue_and_function_has_an_alarm_that_notifies_the_topic() -> None:
    alarms = list(resources("AWS::CloudWatch::Alarm").values())
    assert alarms
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlertTopic"}]

    def watched(dimension: str) -> set[str]:
        found = set()
        for alarm in alarms:
            for item in alarm["Properties"].get("Dimensions", []):
                if item["Name"] == dimension:
                    value = item["Value"]
                    found.add(value.get("Fn::GetAtt", [value.get("Ref")])[0])
        return found

    assert set(resources("AWS::SQS::Queue")) <= watched("QueueName")
    functions_with_error_alarms = {
        (item["Value"].get("Ref"))
        for alarm in alarms
        if alarm["Properties"]["MetricName"] == "Errors"
        for item in alarm["Properties"]["Dimensions"]
    }
    assert set(resources("AWS::Lambda::Function")) <= functions_with_error_alarms


def test_the_event_rule_retries_and_keeps_what_it_cannot_deliver() -> None:
    for name, rule in resources("AWS::Events::Rule").items():
        for target in rule["Properties"]["Targets"]:
            if "EventPattern" in rule["Properties"]:
                assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0, name
                assert "Arn" in target["DeadLetterConfig"], name


@pytest.mark.parametrize("logical_id", ["TrackerFunction"])
def test_async_invocations_retry_twice_then_go_to_the_dead_letter_queue(logical_id: str) -> None:
    configs = [
        body["Properties"]
        for body in resources("AWS::Lambda::EventInvokeConfig").values()
        if body["Properties"]["FunctionName"] == {"Ref": logical_id}
    ]
    [config] = configs
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["FunctionDeadLetterQueue", "Arn"]}


def test_function_logs_are_encrypted_with_the_key_and_expire() -> None:
    groups = resources("AWS::Logs::LogGroup")
    assert len(groups) == len(resources("AWS::Lambda::Function"))
    for name, group in groups.items():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["EncryptionKey", "Arn"]}, name
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_every_policy_scan_skip_gives_its_reason() -> None:
    for name, body in template()["Resources"].items():
        for skip in body.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert skip["id"].startswith("CKV_"), name
            assert len(skip.get("comment", "")) > 40, f"{name}: {skip['id']} has no real justification"
