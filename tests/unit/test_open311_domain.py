"""Open311 shaping without I/O: XML that every parser reads, the form as an intake
request, the query's window."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

import pytest

from chalicelib.channels.open311.domain import open311 as spec
from chalicelib.core.domain.clock import TZ
from chalicelib.core.errors import ValidationFailed

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=TZ)


def test_xml_escapes_markup_and_replaces_what_xml_cannot_carry() -> None:
    text = spec.to_xml("service_requests", [{"description": "<a href='x'>&</a>\x00\x1b ok"}])
    assert "&lt;a href='x'&gt;&amp;&lt;/a&gt;" in text
    parsed = ElementTree.fromstring(text)
    assert parsed.findtext("request/description") == "<a href='x'>&</a>\ufffd\ufffd ok"


def test_xml_lists_repeat_their_items_and_empty_values_are_empty_elements() -> None:
    tree = ElementTree.fromstring(
        spec.to_xml("services", [{"service_code": "a", "metadata": False, "group": None}] * 2)
    )
    assert [s.findtext("service_code") for s in tree.findall("service")] == ["a", "a"]
    assert tree.findtext("service/metadata") == "false"
    assert tree.findtext("service/group") == ""


def test_the_form_becomes_the_intake_request_every_channel_uses() -> None:
    request = spec.intake_request(
        {
            "api_key": "k",
            "service_code": "road-facilities",
            "lat": "36.8",
            "long": "118",
            "description": "路灯坏了，" + "很久" * 30,
            "first_name": "John",
            "last_name": "Smith",
            "email": "j@example.com",
        },
        lambda code: code == "road-facilities",
    )
    assert request["channel"] == "open311" and request["is_public"] is True
    assert request["title"] == ("路灯坏了，" + "很久" * 30)[:29] + "…"
    assert request["location"] == {"lat": 36.8, "lng": 118.0}
    assert request["contact"] == {"name": "John Smith"}
    assert "email" not in str(request)


@pytest.mark.parametrize(
    ("fields", "at_fault"),
    [
        ({"lat": "nan", "long": "1"}, ["lat"]),
        ({"lat": "1", "long": "inf"}, ["long"]),
        ({"lat": "1"}, ["long"]),
        ({}, ["lat"]),
        ({"address_id": "7", "address_string": "x"}, ["address_id"]),
        ({"address_string": "x" * 201}, ["address_string"]),
        ({"lat": "1", "long": "1", "email": "nobody"}, ["email"]),
        ({"lat": "1", "long": "1", "first_name": "x" * 60}, ["last_name"]),
    ],
)
def test_each_field_at_fault_is_named(fields: dict[str, str], at_fault: list[str]) -> None:
    form = {"service_code": "road-facilities", "description": "d", **fields}
    with pytest.raises(ValidationFailed) as failure:
        spec.intake_request(form, lambda code: True)
    assert [e["field"] for e in failure.value.errors] == at_fault


def test_the_window_defaults_to_ninety_days_and_names_its_months() -> None:
    query = spec.parse_request_query({}, NOW)
    assert query.months() == ["2026-11", "2026-10", "2026-09", "2026-08"]
    assert query.bounds() == ("2026-08-28T09:00:00.000+08:00", "2026-11-26T09:00:00.000+08:00")
    utc = spec.parse_request_query({"start_date": "2025-12-31T20:00:00Z"}, NOW)
    assert utc.months()[-1] == "2026-01"  # 04:00 on 1 January in Shanghai
