"""The event catalogue: every event type a department's system can receive has a schema
and a valid example, and the suite's check of each delivery catches what is wrong."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from chalicelib.notifications.domain import catalogue, notices
from tests.support.event_schemas import problems


def _headers(body: dict[str, object]) -> dict[str, str]:
    return {
        "X-Minsheng-Event": str(body["type"]),
        "X-Minsheng-Delivery": str(body["id"]),
        "X-Minsheng-Schema-Version": str(body["schema_version"]),
    }


def test_every_type_the_platform_sends_has_a_schema() -> None:
    sent = {*notices.WORK_ORDER_TYPES, notices.WEBHOOK_CHANGED, notices.WEBHOOK_VERIFY}
    assert sent == set(catalogue.EVENTS)


@pytest.mark.parametrize("type_", sorted(catalogue.EVENTS))
def test_each_example_is_valid_against_its_schema(type_: str) -> None:
    schema = catalogue.payload_schema(type_)
    Draft202012Validator.check_schema(schema)
    example = catalogue.example(type_)
    assert problems(_headers(example), json.dumps(example).encode()) == []


def test_the_check_names_what_is_wrong() -> None:
    good = catalogue.example("work_order.extension_decided")
    # An unknown event type has no schema
    unknown = {**good, "type": "work_order.unheard_of"}
    assert problems(_headers(unknown), json.dumps(unknown).encode()) == [
        "work_order.unheard_of: the event catalogue has no schema for this event type"
    ]
    # A field the catalogue does not know, a missing version, a wrong type in data
    bad = {k: v for k, v in good.items() if k != "schema_version"}
    bad["extra"] = 1
    bad["data"] = {**good["data"], "approve": "yes"}  # type: ignore[dict-item]
    found = problems({**_headers(good)}, json.dumps(bad).encode())
    text = "\n".join(found)
    assert "'schema_version' is a required property" in text
    assert "'extra' was unexpected" in text
    assert "data.approve" in text
    assert any("x-minsheng-schema-version" in p for p in found)
    # The delivery header must be the body's id
    moved = {**_headers(good), "X-Minsheng-Delivery": "another"}
    assert problems(moved, json.dumps(good).encode()) == [
        f"work_order.extension_decided: header x-minsheng-delivery is 'another', "
        f"the body says {good['id']!r}"
    ]
