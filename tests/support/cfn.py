"""Offline helpers for the SAM template: parse it, translate it to plain CloudFormation, read the table design.

``python -m tests.support.cfn translate template.yaml`` prints the translated template as JSON, so that
cfn-lint can check the CloudFormation that the SAM transform produces (linting the SAM template alone misses
errors in the generated resources). Nothing here calls AWS: no credentials are needed.
"""

import argparse
import copy
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import yaml

__all__ = [
    "TemplateError",
    "load_template",
    "main",
    "table_definition",
    "translate_template",
    "ttl_attribute",
]

DEFAULT_REGION = "us-east-1"
# Where translate_template pretends that local CodeUri / ContentUri folders were uploaded.
PLACEHOLDER_BUCKET = "jobtracker-local-artifacts"

# Short-form tags of CloudFormation YAML and the long-form key each one becomes.
_TAGS: dict[str, str] = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    "!Sub": "Fn::Sub",
    "!If": "Fn::If",
    "!Equals": "Fn::Equals",
    "!Not": "Fn::Not",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Select": "Fn::Select",
    "!Join": "Fn::Join",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
    "!ImportValue": "Fn::ImportValue",
    "!GetAZs": "Fn::GetAZs",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
}
_INTRINSICS = frozenset(_TAGS.values()) | {"Fn::Transform", "Fn::Length", "Fn::ToJsonString"}

# aws-sam-translator asks for a name -> ARN map of AWS managed policies when a function lists policies by
# name. Fetching it needs IAM credentials, so a fixed map stands in; the template itself uses none of them.
_MANAGED_POLICIES: dict[str, str] = {
    name: f"arn:aws:iam::aws:policy/{path}"
    for name, path in {
        "AWSLambdaBasicExecutionRole": "service-role/AWSLambdaBasicExecutionRole",
        "AWSLambdaVPCAccessExecutionRole": "service-role/AWSLambdaVPCAccessExecutionRole",
        "AWSXRayDaemonWriteAccess": "AWSXRayDaemonWriteAccess",
        "AWSXrayWriteOnlyAccess": "AWSXrayWriteOnlyAccess",
        "CloudWatchLambdaInsightsExecutionRolePolicy": "CloudWatchLambdaInsightsExecutionRolePolicy",
    }.items()
}


class TemplateError(ValueError):
    """The template cannot be parsed, translated, or does not hold what the caller asked for."""


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short-form tags into their long form.

    Dates stay strings (``AWSTemplateFormatVersion: 2010-09-09`` unquoted is a string to CloudFormation) and a
    key repeated within one mapping is an error rather than silently overriding the first.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, Any]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_node(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return _construct_mapping(loader, node)
    raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node.id}", node.start_mark)


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    tag = f"!{tag_suffix}"
    if tag not in _TAGS:
        raise yaml.constructor.ConstructorError(None, None, f"unknown CloudFormation tag {tag}", node.start_mark)
    value = _construct_node(loader, node)
    if tag == "!GetAtt" and isinstance(value, str):
        # "!GetAtt Resource.Attribute": the attribute may itself contain dots (Endpoint.Address).
        resource, dot, attribute = value.partition(".")
        if not dot or not resource or not attribute:
            raise yaml.constructor.ConstructorError(
                None, None, f"!GetAtt {value!r} is not Resource.Attribute", node.start_mark
            )
        value = [resource, attribute]
    return {_TAGS[tag]: value}


CfnLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: str | Path = "template.yaml") -> dict[str, Any]:
    """Parse a CloudFormation / SAM YAML (or JSON) template, short-form tags turned into long-form dicts."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        template = yaml.load(text, Loader=CfnLoader)  # CfnLoader is a SafeLoader subclass
    except yaml.YAMLError as error:
        raise TemplateError(f"{path}: {error}") from error
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources mapping)")
    return template


def _with_placeholder_artifacts(template: dict[str, Any]) -> dict[str, Any]:
    """Point local CodeUri / ContentUri folders at a placeholder S3 object, as `sam package` would."""
    prepared = copy.deepcopy(template)
    for resource in prepared["Resources"].values():
        properties = resource.get("Properties") if isinstance(resource, dict) else None
        if not isinstance(properties, dict):
            continue
        for key in ("CodeUri", "ContentUri"):
            value = properties.get(key)
            if isinstance(value, str) and not value.startswith("s3://"):
                properties[key] = {"Bucket": PLACEHOLDER_BUCKET, "Key": value.strip("./") or "root"}
    return prepared


def translate_template(
    path: str | Path = "template.yaml",
    *,
    region: str = DEFAULT_REGION,
    parameter_values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the SAM transform offline and return the resulting plain CloudFormation template.

    Local code folders become a placeholder S3 location, so the result is for inspection and linting,
    not for deployment.
    """
    # Imported here: samtranslator is a dev dependency that the other helpers do not need.
    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = _with_placeholder_artifacts(load_template(path))
    # A session made with an explicit region only supplies the region and partition: no credentials are read.
    session = boto3.session.Session(region_name=region)
    translator = Translator(dict(_MANAGED_POLICIES), Parser(), boto_session=session)
    try:
        translated: dict[str, Any] = translator.translate(
            template,
            parameter_values=dict(parameter_values or {}),
            get_managed_policy_map=lambda: dict(_MANAGED_POLICIES),
        )
    except InvalidDocumentException as error:
        messages = "; ".join(cause.message for cause in error.causes)
        raise TemplateError(f"{path}: SAM transform failed: {messages}") from error
    return translated


def _table_properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    resource = template.get("Resources", {}).get(logical_id)
    if not isinstance(resource, dict) or resource.get("Type") != "AWS::DynamoDB::Table":
        raise TemplateError(f"{logical_id} is not an AWS::DynamoDB::Table resource")
    properties = resource.get("Properties", {})
    if not isinstance(properties, dict):
        raise TemplateError(f"{logical_id} has no Properties mapping")
    return properties


def _literal(value: Any, where: str) -> Any:
    """Return value unchanged, refusing intrinsic functions that only CloudFormation could resolve."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in _INTRINSICS:
            raise TemplateError(f"{where} uses {next(iter(value))}, which cannot be resolved offline")
        return {key: _literal(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_literal(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return value


def table_definition(template: dict[str, Any], logical_id: str = "JobsTable") -> dict[str, Any]:
    """Keyword arguments for boto3 ``create_table`` reproducing the table's keys and indexes.

    The caller adds ``TableName``. Encryption, TTL and recovery settings are left out: ``create_table`` takes
    them in other shapes or other calls (see ``ttl_attribute``).
    """
    properties = _table_properties(template, logical_id)
    where = f"{logical_id}.Properties"
    billing_mode = _literal(properties.get("BillingMode", "PROVISIONED"), f"{where}.BillingMode")
    definition: dict[str, Any] = {
        "BillingMode": billing_mode,
        "KeySchema": _literal(properties["KeySchema"], f"{where}.KeySchema"),
        "AttributeDefinitions": _literal(properties["AttributeDefinitions"], f"{where}.AttributeDefinitions"),
    }
    if billing_mode == "PROVISIONED" and "ProvisionedThroughput" in properties:
        definition["ProvisionedThroughput"] = _literal(
            properties["ProvisionedThroughput"], f"{where}.ProvisionedThroughput"
        )
    indexes = _literal(properties.get("GlobalSecondaryIndexes", []), f"{where}.GlobalSecondaryIndexes")
    if indexes:
        wanted = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
        definition["GlobalSecondaryIndexes"] = [
            {key: index[key] for key in wanted if key in index} for index in indexes
        ]
    return definition


def ttl_attribute(template: dict[str, Any], logical_id: str = "JobsTable") -> str | None:
    """The table's enabled TTL attribute name, or None when TTL is absent or disabled."""
    specification = _table_properties(template, logical_id).get("TimeToLiveSpecification")
    if not isinstance(specification, dict):
        return None
    enabled = _literal(specification.get("Enabled", False), f"{logical_id}.TimeToLiveSpecification.Enabled")
    if enabled not in (True, "true", "True"):
        return None
    name = _literal(specification.get("AttributeName"), f"{logical_id}.TimeToLiveSpecification.AttributeName")
    return name if isinstance(name, str) and name else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.cfn", description="Offline SAM template helpers.")
    commands = parser.add_subparsers(dest="command", required=True)
    translate = commands.add_parser("translate", help="print the SAM-translated CloudFormation template as JSON")
    translate.add_argument("template", nargs="?", default="template.yaml")
    translate.add_argument("--region", default=DEFAULT_REGION)
    load = commands.add_parser("load", help="print the parsed template (long-form intrinsics) as JSON")
    load.add_argument("template", nargs="?", default="template.yaml")
    args = parser.parse_args(argv)

    try:
        if args.command == "translate":
            result = translate_template(args.template, region=args.region)
        else:
            result = load_template(args.template)
    except (OSError, TemplateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
