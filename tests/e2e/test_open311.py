"""Open311 against the running local stack, through the PyPI client ``georeport`` 0.3.1,
unmodified: services, a service definition, requests and one request, in JSON and in XML
(georeport reads XML with xmltodict; the same XML is also read with the standard
library's parser here). Then an integrator's POST: 403 in the spec's format without a
key; with the admin's key the appeal is in the operator's queue."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from georeport import GeoReport

from tests.e2e.conftest import RunningStack, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

NAME = "司马相如"
PHONE = "13712345678"
ID_CARD = "370303198802023456"


def _auth(stack: RunningStack, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.sign_in(username)}"}


def _replied_public_appeal(stack: RunningStack) -> str:
    """A citizen's public appeal with personal data in contact and text (and markup in the
    title), accepted, dispatched and answered with a public reply."""
    api = stack.api
    citizen = _auth(stack, "citizen1")
    created = requests.post(
        f"{api}/appeals",
        headers=citizen,
        json={
            "kind": "complaint",
            "title": "<公交> 22路 & 间隔",
            "content": f"我是{NAME}，身份证{ID_CARD}，电话{PHONE}，22路公交间隔太长。",
            "category": "public-transport",
            "contact": {"name": NAME, "phone": PHONE},
            "location": {"lat": 36.6512345, "lng": 117.9667891, "address": "般阳路街道华光路88号"},
            "is_public": True,
        },
        timeout=wait_seconds(10),
    )
    assert created.status_code == 201, created.text
    appeal = created.json()["id"]
    operator = _auth(stack, "operator1")
    staff = _auth(stack, "staff-transport-bureau")
    steps: list[tuple[dict[str, str], str, dict[str, Any]]] = [
        (operator, "accept", {}),
        (operator, "dispatch", {"department_id": "transport-bureau"}),
        (staff, "sign", {}),
        (staff, "contact", {"method": "phone"}),
        (
            staff,
            "reply",
            {
                "content": f"已联系{NAME}",
                "handler_name": "王强",
                "handler_phone": "13900001111",
                "public_reply": "已调整发车间隔",
            },
        ),
    ]
    for headers, action, payload in steps:
        done = requests.post(
            f"{api}/appeals/{appeal}/{action}",
            headers=headers,
            json=payload,
            timeout=wait_seconds(10),
        )
        assert done.status_code == 200, (action, done.text)
    return str(appeal)


def test_georeport_reads_services_and_requests_in_json_and_xml(
    local_stack: RunningStack,
) -> None:
    appeal = _replied_public_appeal(local_stack)
    root = f"{local_stack.api}/open311/v2"
    as_json = GeoReport(root)
    as_xml = GeoReport(root, output_format="xml")

    services = as_json.get_service_list()
    codes = {s["service_code"] for s in services}
    assert {"road-facilities", "public-transport"} <= codes
    xml_services = as_xml.get_service_list()
    assert {s["service_code"] for s in xml_services} == codes
    assert {s["metadata"] for s in xml_services} == {"false"}
    assert as_json.get_service_definition("public-transport") == {
        "service_code": "public-transport",
        "attributes": [],
    }
    assert as_xml.get_service_definition("public-transport")["service_code"] == "public-transport"

    listed = as_json.get_service_requests()
    mine = next(r for r in listed if r["service_request_id"] == appeal)
    assert mine["status"] == "closed" and mine["status_notes"] == "已调整发车间隔"
    assert mine["agency_responsible"] == "区交通运输局"
    assert (mine["lat"], mine["long"], mine["address"]) == (36.65, 117.97, "般阳路街道")
    assert as_json.get_service_requests(status="closed", service_code="public-transport")
    one = as_json.get_service_request(appeal)
    assert one == mine

    xml_one = as_xml.get_service_request(appeal)
    assert xml_one["service_request_id"] == appeal and xml_one["status"] == "closed"
    assert xml_one["description"] == mine["description"]  # markup read back as written
    assert mine["description"].startswith("<公交> 22路 & 间隔\n")
    xml_listed = as_xml.get_service_requests(service_request_id=appeal)
    assert xml_listed["agency_responsible"] == "区交通运输局"  # one request: a dict
    # The same XML through the standard library's parser
    raw = requests.get(f"{root}/requests.xml", timeout=wait_seconds(10))
    tree = ElementTree.fromstring(raw.content)
    found = {r.findtext("service_request_id"): r for r in tree.findall("request")}
    assert found[appeal].findtext("status_notes") == "已调整发车间隔"
    assert found[appeal].findtext("description") == mine["description"]
    # No personal data in any body, JSON or XML
    for path in (
        "requests.json",
        "requests.xml",
        f"requests/{appeal}.json",
        f"requests/{appeal}.xml",
    ):
        text = requests.get(f"{root}/{path}", timeout=wait_seconds(10)).text
        for secret in (NAME, PHONE, ID_CARD, "13900001111", "王强", "华光路88号"):
            assert secret not in text, (path, secret)


def test_an_integrator_posts_with_the_admins_key_and_the_operator_sees_it(
    local_stack: RunningStack,
) -> None:
    api = local_stack.api
    form = {
        "service_code": "road-facilities",
        "lat": "36.80",
        "long": "117.97",
        "description": "东门路灯坏了两周",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812341234",
    }
    refused = requests.post(f"{api}/open311/v2/requests.json", data=form, timeout=wait_seconds(10))
    assert refused.status_code == 403
    assert refused.json() == [
        {"code": 403, "description": "api_key: is required to create a request"}
    ]
    refused_xml = requests.post(
        f"{api}/open311/v2/requests.xml", data=form, timeout=wait_seconds(10)
    )
    assert refused_xml.status_code == 403
    assert ElementTree.fromstring(refused_xml.content).findtext("error/code") == "403"

    admin = _auth(local_stack, "admin1")
    key = requests.post(
        f"{api}/open311/keys", headers=admin, json={"name": "e2e"}, timeout=wait_seconds(10)
    )
    assert key.status_code == 201, key.text
    created = requests.post(
        f"{api}/open311/v2/requests.json",
        data={**form, "api_key": key.json()["api_key"]},
        timeout=wait_seconds(10),
    )
    assert created.status_code == 201, created.text
    appeal = created.json()[0]["service_request_id"]

    operator = _auth(local_stack, "operator1")
    queue = requests.get(
        f"{api}/work-orders?state=submitted&channel=open311&limit=100",
        headers=operator,
        timeout=wait_seconds(10),
    )
    assert queue.status_code == 200, queue.text
    assert appeal in [item["id"] for item in queue.json()["items"]]
    detail = requests.get(
        f"{api}/appeals/{appeal}", headers=operator, timeout=wait_seconds(10)
    ).json()
    assert detail["channel"] == "open311"
    assert detail["contact"] == {"name": "张三", "phone": "13812341234"}
