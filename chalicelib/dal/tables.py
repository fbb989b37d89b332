"""Table definitions in DynamoDB's own terms, derived from the PynamoDB models.

``create_table_request`` feeds boto3 (local stack, tests); ``cloudformation_resource``
feeds ``infra/`` — both from the one model definition.
"""

from __future__ import annotations

from typing import Any

from pynamodb.models import Model

TTL_ATTRIBUTES = {"IdempotencyModel": "expiration", "StatsModel": "expires_at"}


def _index(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "IndexName": raw["index_name"],
        "KeySchema": [dict(k) for k in raw["key_schema"]],
        "Projection": dict(raw["projection"]),
    }


def create_table_request(model: type[Model]) -> dict[str, Any]:
    schema = model._get_schema()
    definitions: dict[str, str] = {}
    for item in schema["attribute_definitions"]:
        definitions[item["AttributeName"]] = item["AttributeType"]
    request: dict[str, Any] = {
        "TableName": model.Meta.table_name,
        "KeySchema": [dict(k) for k in schema["key_schema"]],
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
    return TTL_ATTRIBUTES.get(model.__name__)


def cloudformation_resource(model: type[Model]) -> dict[str, Any]:
    """An AWS::DynamoDB::Table resource; the table name is left to the stack."""
    request = create_table_request(model)
    request.pop("TableName")
    properties: dict[str, Any] = dict(request)
    properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    properties["SSESpecification"] = {"SSEEnabled": True}
    ttl = ttl_attribute(model)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "Properties": properties}
