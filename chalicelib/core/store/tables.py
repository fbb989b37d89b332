"""Table definitions in DynamoDB's own terms, derived from the PynamoDB models.

``create_table_request`` feeds boto3 (local stack, tests); ``cloudformation_resource``
feeds ``infra/`` — both from the one model definition.
"""

from __future__ import annotations

from typing import Any

from pynamodb.models import Model


def _key_schema(raw: list[Any]) -> list[dict[str, str]]:
    """HASH before RANGE: DynamoDB and CloudFormation refuse any other order (PynamoDB lists
    an index's keys in attribute order)."""
    keys = [dict(k) for k in raw]
    return sorted(keys, key=lambda k: 0 if k["KeyType"] == "HASH" else 1)


def _index(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "IndexName": raw["index_name"],
        "KeySchema": _key_schema(raw["key_schema"]),
        "Projection": dict(raw["projection"]),
    }


def create_table_request(model: type[Model]) -> dict[str, Any]:
    schema = model._get_schema()
    definitions: dict[str, str] = {}
    for item in schema["attribute_definitions"]:
        definitions[item["AttributeName"]] = item["AttributeType"]
    request: dict[str, Any] = {
        "TableName": model.Meta.table_name,
        "KeySchema": _key_schema(schema["key_schema"]),
        "BillingMode": "PAY_PER_REQUEST",
    }
    gsis = [_index(dict(i)) for i in schema["global_secondary_indexes"]]
    if gsis:
        request["GlobalSecondaryIndexes"] = gsis
    request["AttributeDefinitions"] = [
        {"AttributeName": name, "AttributeType": kind} for name, kind in sorted(definitions.items())
    ]
    stream = getattr(model.Meta, "stream_view_type", None)
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    return request


def ttl_attribute(model: type[Model]) -> str | None:
    """The model's TTLAttribute, if it has one (DynamoDB allows one per table)."""
    from pynamodb.attributes import TTLAttribute

    for attribute in model.get_attributes().values():
        if isinstance(attribute, TTLAttribute):
            return str(attribute.attr_name)
    return None


def cloudformation_resource(model: type[Model]) -> dict[str, Any]:
    """An AWS::DynamoDB::Table resource; the table name is left to the stack. Kept when the
    stack is deleted or the resource replaced (deleted only with a first create that
    failed, so a retry starts clean), protected from deletion, recoverable to any second
    of the last 35 days."""
    request = create_table_request(model)
    request.pop("TableName")
    properties: dict[str, Any] = dict(request)
    stream = properties.pop("StreamSpecification", None)
    if stream:
        # CloudFormation's StreamSpecification has no StreamEnabled: naming a view enables it.
        properties["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
    properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    properties["SSESpecification"] = {"SSEEnabled": True}
    properties["DeletionProtectionEnabled"] = True
    ttl = ttl_attribute(model)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "RetainExceptOnCreate",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }
