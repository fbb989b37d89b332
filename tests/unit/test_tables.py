"""One definition of each table: the models give boto3 (local stack, tests) and the
deployed template the same keys, indexes and streams."""

from __future__ import annotations

from chalicelib.core.store.models import ALL_MODELS, AppealModel
from chalicelib.core.store.tables import (
    cloudformation_resource,
    create_table_request,
    ttl_attribute,
)


def test_every_key_schema_lists_hash_before_range() -> None:
    for model in ALL_MODELS:
        request = create_table_request(model)
        schemas = [request["KeySchema"]] + [
            i["KeySchema"] for i in request.get("GlobalSecondaryIndexes", [])
        ]
        for schema in schemas:
            assert schema[0]["KeyType"] == "HASH", (model.__name__, schema)
            assert [k["KeyType"] for k in schema[1:]] in ([], ["RANGE"]), model.__name__


def test_each_table_resource_is_the_create_table_request_kept_and_protected() -> None:
    for model in ALL_MODELS:
        request = create_table_request(model)
        resource = cloudformation_resource(model)
        properties = resource["Properties"]
        for key in ("KeySchema", "AttributeDefinitions", "BillingMode", "GlobalSecondaryIndexes"):
            assert properties.get(key) == request.get(key), (model.__name__, key)
        assert resource["DeletionPolicy"] == "RetainExceptOnCreate"
        assert resource["UpdateReplacePolicy"] == "Retain"
        assert properties["DeletionProtectionEnabled"] is True
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }
        stream = request.get("StreamSpecification")
        if stream:  # CloudFormation has no StreamEnabled property
            assert properties["StreamSpecification"] == {"StreamViewType": stream["StreamViewType"]}
        ttl = ttl_attribute(model)
        assert properties.get("TimeToLiveSpecification") == (
            {"AttributeName": ttl, "Enabled": True} if ttl else None
        )


def test_ttl_attributes_come_from_the_models() -> None:
    ttls = {m.__name__: ttl_attribute(m) for m in ALL_MODELS}
    assert ttls["IdempotencyModel"] == "expiration"
    assert ttls["StatsModel"] == "expires_at"
    assert ttls["AppealModel"] is None


def test_appeals_table_has_stream_and_its_indexes() -> None:
    request = create_table_request(AppealModel)
    assert request["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    indexes = {i["IndexName"]: i for i in request["GlobalSecondaryIndexes"]}
    assert set(indexes) == {
        "by-citizen",
        "by-department-state",
        "by-department",
        "by-department-changes",
        "by-state",
        "by-month",
        "supervision",
        "by-next-due",
        "public-feed",
    }
    due = indexes["by-next-due"]
    assert [k["AttributeName"] for k in due["KeySchema"]] == ["due_shard", "next_due"]
    assert due["Projection"] == {"ProjectionType": "ALL"}  # the sweep writes from what it reads
    # Projected list indexes never carry the content or the timeline
    for name in set(indexes) - {"by-next-due"}:
        projected = indexes[name]["Projection"]["NonKeyAttributes"]
        assert "timeline" not in projected and "content" not in projected
