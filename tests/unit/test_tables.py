"""One definition of each table: the models, the local stack and infra/ agree."""

from __future__ import annotations

import json
from pathlib import Path

from chalicelib.dal.models import ALL_MODELS, AppealModel
from chalicelib.dal.tables import create_table_request
from infra.template import LOGICAL_IDS, template

ROOT = Path(__file__).resolve().parents[2]


def test_committed_infra_template_matches_the_models() -> None:
    committed = json.loads((ROOT / "infra" / "resources.json").read_text("utf-8"))
    assert committed == template(), "run: python -m infra.template > infra/resources.json"


def test_each_table_resource_is_the_create_table_request() -> None:
    resources = template()["Resources"]
    for model in ALL_MODELS:
        request = create_table_request(model)
        properties = resources[LOGICAL_IDS[model.__name__]]["Properties"]
        for key in (
            "KeySchema",
            "AttributeDefinitions",
            "BillingMode",
            "StreamSpecification",
            "GlobalSecondaryIndexes",
        ):
            assert properties.get(key) == request.get(key), (model.__name__, key)


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
