"""Open311 GeoReport v2 through the app (chalice test client, moto in-process): services,
requests with the spec's filters and defaults, POST with API keys, errors in the spec's
format, XML escaping, and what the public must never read."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai

V2 = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Personal data that must never reach a public body.
CITIZEN_NAME = "欧阳明"
PHONE = "13912345678"
ID_CARD = "370303199001011234"
HANDLER_PHONE = "13900001111"
SECRETS = (CITIZEN_NAME, PHONE, ID_CARD, HANDLER_PHONE, "王强", "华光路88号", "内部答复")


@pytest.fixture
def people(stack: Stack, client: Any) -> Any:
    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def replied(people: People, is_public: bool = True, **fields: Any) -> str:
    """A public appeal answered by the transport bureau, with personal data everywhere."""
    appeal = people.submit(
        is_public=is_public,
        category="public-transport",
        contact={"name": CITIZEN_NAME, "phone": PHONE},
        location={"lat": 36.6512345, "lng": 117.9667891, "address": "般阳路街道华光路88号"},
        **fields,
    )["id"]
    dept = f"department:{DEPARTMENT}"
    assert people.act("operator", appeal, "accept").status_code == 200
    assert people.act("operator", appeal, "dispatch").status_code == 200
    for action in ("sign", "contact"):
        assert people.act(dept, appeal, action).status_code == 200
    reply = {
        "content": "内部答复：已联系欧阳明 13912345678",
        "handler_name": "王强",
        "handler_phone": HANDLER_PHONE,
        "public_reply": "已调整22路公交发车间隔，联系电话13912345678",
    }
    assert people.act(dept, appeal, "reply", reply).status_code == 200
    return str(appeal)


def accepted(people: People, **fields: Any) -> str:
    appeal = people.submit(**fields)["id"]
    assert people.act("operator", appeal, "accept").status_code == 200
    return str(appeal)


def get(client: Any, path: str) -> Any:
    return client.http.get(path)


def xml(response: Any) -> ElementTree.Element:
    assert response.headers["Content-Type"].startswith("text/xml"), response.headers
    return ElementTree.fromstring(response.body)


def new_key(people: People, name: str = "FixMyStreet 淄川") -> dict[str, Any]:
    response = people.post("admin", "/open311/keys", {"name": name})
    assert response.status_code == 201, response.body
    return dict(body(response))


def post(client: Any, fields: dict[str, str], fmt: str = "json") -> Any:
    return client.http.post(f"{V2}/requests.{fmt}", headers=FORM, body=urlencode(fields))


GOOD_FORM = {
    "service_code": "road-facilities",
    "lat": "36.65",
    "long": "117.96",
    "description": "东门路灯不亮两周了",
    "first_name": "三",
    "last_name": "张",
    "phone": "13812341234",
    "email": "zhang@example.com",
}


def test_services_and_definitions_in_json_and_xml(client: Any, people: People) -> None:
    services = body(get(client, f"{V2}/services.json"))
    road = next(s for s in services if s["service_code"] == "road-facilities")
    assert road == {**road, "service_name": "道路与交通设施", "metadata": False, "type": "realtime"}
    tree = xml(get(client, f"{V2}/services.xml"))
    assert tree.tag == "services"
    assert len(tree.findall("service")) == len(services)
    assert {s.findtext("service_code") for s in tree} == {s["service_code"] for s in services}
    assert tree.find("service/metadata").text == "false"  # type: ignore[union-attr]

    definition = body(get(client, f"{V2}/services/road-facilities.json"))
    assert definition == {"service_code": "road-facilities", "attributes": []}
    assert xml(get(client, f"{V2}/services/road-facilities.xml")).findtext("service_code") == (
        "road-facilities"
    )
    missing = get(client, f"{V2}/services/no-such.json")
    assert missing.status_code == 404
    assert body(missing) == [{"code": 404, "description": "no service 'no-such'"}]
    error = xml(get(client, f"{V2}/services/no-such.xml"))
    assert error.tag == "errors" and error.findtext("error/code") == "404"
    assert get(client, f"{V2}/services/road-facilities").status_code == 404  # no format
    discovery = body(get(client, f"{V2}/discovery.json"))
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2")
    assert xml(get(client, f"{V2}/discovery.xml")).findtext("endpoints/endpoint/formats/format")


def test_requests_show_public_appeals_as_the_public_reads_them(client: Any, people: People) -> None:
    # Given a replied public appeal with personal data in contact, text and reply, an
    # accepted one with markup in its title, a private one and one not yet accepted
    answered = replied(
        people,
        title="公交22路间隔太长",
        content=f"我是{CITIZEN_NAME}，身份证{ID_CARD}，电话{PHONE}",
    )
    Clock(shanghai("2026-11-26T10:00:00"))
    markup = accepted(people, is_public=True, title="<b>路灯</b> & 井盖", content="a < b && c")
    private = replied(people, is_public=False, title="私密", content="私密内容")
    waiting = people.submit(is_public=True)["id"]

    # When the public lists requests, in JSON and in XML
    listing = get(client, f"{V2}/requests.json")
    as_xml = get(client, f"{V2}/requests.xml")

    # Then only the public, vetted ones are there, newest first
    items = body(listing)
    assert [i["service_request_id"] for i in items] == [markup, answered]
    assert {private, waiting}.isdisjoint(i["service_request_id"] for i in items)
    closed = items[1]
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "已调整22路公交发车间隔，联系电话139****5678"
    assert closed["agency_responsible"] == "区交通运输局"
    assert closed["service_code"] == "public-transport"
    assert closed["service_name"] == "公交与出租"
    assert (closed["lat"], closed["long"], closed["address"]) == (36.65, 117.97, "般阳路街道")
    assert closed["requested_datetime"] == "2026-11-26T09:00:00.000+08:00"
    assert items[0]["status"] == "open" and items[0]["status_notes"] is None
    # and markup is escaped in XML, read back as written
    raw = as_xml.body.decode() if isinstance(as_xml.body, bytes) else as_xml.body
    assert "&lt;b&gt;路灯&lt;/b&gt; &amp; 井盖" in raw and "a &lt; b &amp;&amp; c" in raw
    tree = ElementTree.fromstring(raw)
    assert [r.findtext("service_request_id") for r in tree.findall("request")] == [markup, answered]
    assert tree.findtext("request/description") == "<b>路灯</b> & 井盖\na < b && c"
    # and no personal data is in either body, nor in one request's
    one = get(client, f"{V2}/requests/{answered}.json")
    one_xml = get(client, f"{V2}/requests/{answered}.xml")
    assert body(one) == [closed]
    for response in (listing, as_xml, one, one_xml):
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        for secret in SECRETS:
            assert secret not in text, (secret, text)
    # and what is not public is 404 alike, in the spec's format
    for appeal in (private, waiting, "20261126-00000000", "nonsense"):
        missing = get(client, f"{V2}/requests/{appeal}.json")
        assert missing.status_code == 404
        assert body(missing)[0]["code"] == 404
    assert xml(get(client, f"{V2}/requests/{private}.xml")).findtext("error/code") == "404"


def test_request_filters_and_the_ninety_day_default(client: Any, people: People) -> None:
    Clock(shanghai("2026-08-01T10:00:00"))
    old = accepted(people, is_public=True, category="road-facilities")
    Clock(shanghai("2026-10-15T10:00:00"))
    water = accepted(people, is_public=True, category="water-supply")
    Clock(shanghai("2026-11-26T09:00:00"))
    answered = replied(people)
    private = accepted(people, is_public=False)

    def ids(query: str) -> list[str]:
        response = get(client, f"{V2}/requests.json{query}")
        assert response.status_code == 200, response.body
        return [i["service_request_id"] for i in body(response)]

    assert ids("") == [answered, water]  # the last 90 days, newest first
    assert ids("?start_date=2026-07-20T00:00:00Z&end_date=2026-08-10T00:00:00Z") == [old]
    assert ids("?start_date=2026-07-20T00:00:00%2B08:00") == [water, old]  # 90 days on
    assert ids("?end_date=2026-10-29") == [water, old]  # 90 days before
    assert ids("?status=closed") == [answered]
    assert ids("?status=open") == [water]
    assert ids("?status=open,closed") == [answered, water]
    assert ids("?service_code=water-supply,road-facilities") == [water]
    # ids override every other filter; private ones never appear
    assert ids(f"?service_request_id={old},{private},{answered}&status=open") == [old, answered]

    def errors(query: str) -> list[dict[str, Any]]:
        response = get(client, f"{V2}/requests.json{query}")
        assert response.status_code == 400, response.body
        return list(body(response))

    assert errors("?status=pending") == [
        {"code": 400, "description": "status: 'pending' is not open or closed"}
    ]
    assert errors("?start_date=yesterday&colour=red") == [
        {"code": 400, "description": "colour: is not a parameter of this call"},
        {
            "code": 400,
            "description": "start_date: is not a W3C date-time (2026-11-01T00:00:00+08:00)",
        },
    ]
    assert errors("?start_date=2026-01-01&end_date=2026-11-01")[0]["description"] == (
        "end_date: may be at most 90 days after start_date"
    )
    assert errors("?start_date=2026-11-01&end_date=2026-10-01")[0]["description"].startswith(
        "end_date: is before"
    )
    assert errors("?service_code=no-such")[0]["description"].startswith("service_code:")
    assert errors("?service_request_id=1,2")[0]["description"].startswith("service_request_id:")
    bad = xml(get(client, f"{V2}/requests.xml?status=pending"))
    assert bad.findtext("error/description") == "status: 'pending' is not open or closed"


def count_appeals(stack: Stack) -> int:
    return len(stack.items(settings().appeals_table))


def test_post_needs_a_valid_key_and_lands_in_the_operators_queue(
    client: Any, stack: Stack, people: People
) -> None:
    # Without a key, with a made-up one: 403 in the spec's format, nothing stored
    before = count_appeals(stack)
    for fields in (GOOD_FORM, {**GOOD_FORM, "api_key": "o311_0123456789abcdef_nope"}):
        for fmt in ("json", "xml"):
            refused = post(client, fields, fmt)
            assert refused.status_code == 403, refused.body
            if fmt == "json":
                assert body(refused)[0]["code"] == 403
                assert body(refused)[0]["description"].startswith("api_key:")
            else:
                assert xml(refused).findtext("error/code") == "403"
    # With a key the admin issued (shown once, stored hashed)
    key = new_key(people)
    assert key["api_key"].startswith("o311_") and not key["revoked"]
    stored = stack.items(settings().api_keys_table)
    assert len(stored) == 1 and key["api_key"] not in json.dumps(stored)
    created = post(client, {**GOOD_FORM, "api_key": key["api_key"]})
    assert created.status_code == 201, created.body
    (answer,) = body(created)
    appeal_id = answer["service_request_id"]
    assert count_appeals(stack) == before + 1
    as_xml = post(client, {**GOOD_FORM, "api_key": key["api_key"]}, "xml")
    assert as_xml.status_code == 201
    assert xml(as_xml).findtext("request/service_request_id")
    # Then the operator's queue shows it, channel open311, contact for handlers only
    queue = body(people.get("operator", "/work-orders?state=submitted&channel=open311"))
    assert appeal_id in [i["id"] for i in queue["items"]]
    full = body(people.get("operator", f"/appeals/{appeal_id}"))
    assert full["channel"] == "open311" and full["category"] == "road-facilities"
    assert full["contact"] == {"name": "张三", "phone": "13812341234"}
    assert full["location"] == {"lat": 36.65, "lng": 117.96}
    assert full["content"] == "东门路灯不亮两周了" and full["title"] == "东门路灯不亮两周了"
    assert "zhang@example.com" not in json.dumps(full)  # e-mail is not kept
    # and the public sees it once the center accepts it, without the contact
    assert get(client, f"{V2}/requests/{appeal_id}.json").status_code == 404
    assert people.act("operator", appeal_id, "accept").status_code == 200
    shown = get(client, f"{V2}/requests/{appeal_id}.json")
    assert body(shown)[0]["status"] == "open"
    assert "13812341234" not in shown.body.decode() and "张三" not in shown.body.decode()
    # A revoked key opens nothing, at once
    revoked = client.http.delete(
        f"/open311/keys/{key['key_id']}", headers=stack.headers(people.token("admin"))
    )
    assert revoked.status_code == 200 and body(revoked)["revoked"] is True
    again = post(client, {**GOOD_FORM, "api_key": key["api_key"]})
    assert again.status_code == 403
    assert body(again) == [{"code": 403, "description": "api_key: is not a valid key"}]


def test_every_bad_field_is_named_and_nothing_is_stored(
    client: Any, stack: Stack, people: People
) -> None:
    key = new_key(people)["api_key"]
    before = count_appeals(stack)
    bad = {
        "api_key": key,
        "service_code": "no-such",
        "lat": "91",
        "description": "  ",
        "phone": "call me",
        "media_url": "http://example.com/a.jpg",
        "attribute[size]": "big",
    }
    response = post(client, bad)
    assert response.status_code == 400
    described = [e["description"] for e in body(response)]
    assert [d.split(":")[0] for d in described] == [
        "attribute[size]",
        "service_code",
        "description",
        "lat",
        "phone",
        "media_url",
    ]
    unknown = post(client, {**GOOD_FORM, "api_key": key, "service_code": "no-such"})
    assert body(unknown) == [
        {"code": 400, "description": "service_code: is not a known service code"}
    ]
    half = post(client, {**GOOD_FORM, "api_key": key, "long": ""})
    assert body(half)[0]["description"].startswith("long: is required")
    nowhere = {k: v for k, v in GOOD_FORM.items() if k not in ("lat", "long")}
    assert body(post(client, {**nowhere, "api_key": key}))[0]["description"].startswith("lat:")
    twice = client.http.post(
        f"{V2}/requests.json",
        headers=FORM,
        body=urlencode({**GOOD_FORM, "api_key": key}) + "&lat=1",
    )
    assert body(twice) == [{"code": 400, "description": "lat: is given more than once"}]
    as_json = client.http.post(
        f"{V2}/requests.xml",
        headers={"Content-Type": "application/json"},
        body=json.dumps({**GOOD_FORM, "api_key": key}),
    )
    assert as_json.status_code == 415 and xml(as_json).findtext("error/code") == "415"
    assert count_appeals(stack) == before
    # An address alone is kept in the text (there is no point to store)
    by_address = {**nowhere, "api_key": key, "address_string": "般阳路街道华光路88号"}
    created = post(client, by_address)
    assert created.status_code == 201, created.body
    appeal = body(people.get("operator", f"/appeals/{body(created)[0]['service_request_id']}"))
    assert appeal["content"].endswith("地址：般阳路街道华光路88号") and appeal["location"] is None


def test_keys_are_the_admins(client: Any, stack: Stack, people: People) -> None:
    assert people.post("operator", "/open311/keys", {"name": "x"}).status_code == 403
    assert client.http.post("/open311/keys", body="{}").status_code == 401
    assert people.post("admin", "/open311/keys", {"name": ""}).status_code == 400
    assert people.post("admin", "/open311/keys", {"name": "x", "scope": 1}).status_code == 400
    gone = client.http.delete(
        "/open311/keys/0123456789abcdef", headers=stack.headers(people.token("admin"))
    )
    assert gone.status_code == 404
    assert gone.headers["Content-Type"] == "application/problem+json"


def test_each_key_may_post_so_many_requests_a_window(
    client: Any, stack: Stack, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Security review, finding 12: posting is limited per API key
    (``MINSHENG_OPEN311_LIMITS``): beyond it, 429 in the call's format with Retry-After,
    nothing stored; another key, and the next window, are not held back."""
    monkeypatch.setenv("MINSHENG_OPEN311_LIMITS", "2/minute,4/day")
    settings.cache_clear()
    time = Clock(shanghai("2026-11-26T09:00:10"))
    key = new_key(people)["api_key"]
    other = new_key(people, "311 app")["api_key"]
    for _ in range(2):
        assert post(client, {**GOOD_FORM, "api_key": key}).status_code == 201
    before = count_appeals(stack)
    refused = post(client, {**GOOD_FORM, "api_key": key})
    assert refused.status_code == 429, refused.body
    assert int(refused.headers["Retry-After"]) == 51  # until 09:01:00, rounded up
    [error] = body(refused)
    assert error["code"] == 429 and "2 appeals per minute" in error["description"]
    as_xml = post(client, {**GOOD_FORM, "api_key": key}, "xml")
    assert as_xml.status_code == 429 and as_xml.headers["Retry-After"]
    assert xml(as_xml).find("error/code").text == "429"  # type: ignore[union-attr]
    assert count_appeals(stack) == before
    assert post(client, {**GOOD_FORM, "api_key": other}).status_code == 201
    time.advance(minutes=1)
    assert post(client, {**GOOD_FORM, "api_key": key}).status_code == 201
    # A bad request counts against nothing
    assert post(client, {**GOOD_FORM, "api_key": key, "lat": "x"}).status_code == 400
    assert post(client, {**GOOD_FORM, "api_key": key}).status_code == 201
    time.advance(minutes=1)
    day_full = post(client, {**GOOD_FORM, "api_key": key})
    assert day_full.status_code == 429 and "4 appeals per day" in body(day_full)[0]["description"]
    settings.cache_clear()


def test_the_per_key_limit_has_a_default() -> None:
    from chalicelib.core.config import load_settings

    assert load_settings().open311_limits == ((30, 60), (1000, 86400))
