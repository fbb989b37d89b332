"""Every channel into one network (issue 12): the hotline taking calls for a phone number,
the SMS follow-up that rates a reply through a single-use link, and deputies' appeals
flagged for the center and the leaders, counted per channel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.integration.test_events import stream_records
from tests.integration.test_webhooks import Flow

CALLER = "+8613912345678"
CALL = {
    "caller": {"phone": "139-1234-5678", "name": "王女士"},
    "kind": "complaint",
    "title": "小区停水",
    "content": "幸福小区三天没有水，请尽快处理",
    "category": "water-supply",
}


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def appeal_count() -> int:
    table = settings().appeals_table
    return int(boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table)["Count"])


def sms_sent() -> list[tuple[str, str]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values())


def fields(response: Any) -> list[str]:
    assert response.headers["Content-Type"] == "application/problem+json", response.body
    return [e["field"] for e in body(response)["errors"]]


# -- the hotline ----------------------------------------------------------------------------


def test_a_call_is_recorded_for_the_callers_number_and_is_theirs_when_they_sign_in(
    people: People, stack: Stack, client: Any
) -> None:
    recorded = people.post("operator", "/hotline/appeals", CALL)
    assert recorded.status_code == 201, recorded.body
    appeal = body(recorded)
    assert recorded.headers["Location"] == f"/appeals/{appeal['id']}"
    assert appeal["channel"] == "hotline" and appeal["state"] == "submitted"
    assert appeal["contact"] == {"name": "王女士", "phone": CALLER}
    assert appeal["timeline"][0]["data"]["channel"] == "hotline"

    # The operator finds it again by the number, written any usual way
    for written in ("13912345678", "%2B86%20139%201234%205678", "+8613912345678"):
        found = body(people.get("operator", f"/hotline/callers/{written}/appeals"))
        assert [a["id"] for a in found["items"]] == [appeal["id"]], written

    # A citizen who signs in with that number, verified, sees it among their own, merged
    # with what they filed in the app, newest first, page by page
    token = stack.sign_in(*stack.user(phone=CALLER))
    people.tokens["caller"] = token
    Clock(shanghai("2026-11-26T10:00:00"))
    own = people.submit("caller")["id"]
    listed: list[str] = []
    cursor = ""
    while True:
        page = body(people.get("caller", f"/appeals/mine?limit=1{cursor}"))
        listed += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert listed == [own, appeal["id"]]
    shown = body(people.get("caller", f"/appeals/{appeal['id']}"))
    assert shown["contact"]["phone"] == CALLER  # the owner's own view, unmasked

    # Someone else, or the same number unverified, does not own it
    people.tokens["stranger"] = stack.sign_in(*stack.user(phone="+8613800000000"))
    assert people.get("stranger", f"/appeals/{appeal['id']}").status_code == 404
    assert body(people.get("stranger", "/appeals/mine"))["items"] == []
    unverified, password = stack.user()
    stack.cognito.admin_update_user_attributes(
        UserPoolId=stack.pool_id,
        Username=unverified,
        UserAttributes=[{"Name": "phone_number", "Value": CALLER}],
    )
    people.tokens["unverified"] = stack.sign_in(unverified, password)
    assert people.get("unverified", f"/appeals/{appeal['id']}").status_code == 404


def test_a_call_can_be_dispatched_in_the_same_request(people: People) -> None:
    call = {**CALL, "dispatch": {"department_id": DEPARTMENT, "note": "请尽快上门"}}
    appeal = body(people.post("operator", "/hotline/appeals", call))
    assert appeal["state"] == "dispatched" and appeal["department_id"] == DEPARTMENT
    steps = [(e["type"], e.get("data", {}).get("accepted")) for e in appeal["timeline"]]
    assert steps == [("submitted", None), ("dispatched", True)]
    accepted = body(people.post("operator", "/hotline/appeals", {**CALL, "accept": True}))
    assert accepted["state"] == "accepted"
    # Work orders from the hotline are filterable in the queue
    listed = body(people.get("operator", "/work-orders?channel=hotline"))["items"]
    assert {a["id"] for a in listed} == {appeal["id"], accepted["id"]}
    assert body(people.get("operator", "/work-orders?channel=app"))["items"] == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"caller": {"phone": "12345"}}, ["caller.phone"]),
        ({"caller": {"phone": "+1 202 555 01"}}, ["caller.phone"]),
        ({"caller": {}}, ["caller.phone"]),
        ({"title": "   "}, ["title"]),
        ({"category": "no-such-category"}, ["category"]),
        ({"dispatch": {"department_id": "nowhere"}}, ["dispatch.department_id"]),
        (
            {"dispatch": {"department_id": DEPARTMENT, "co_department_ids": [DEPARTMENT]}},
            ["dispatch.co_department_ids[0]"],
        ),
        ({"channel": "app"}, ["channel"]),
        ({"citizen_id": "someone"}, ["citizen_id"]),
    ],
)
def test_a_bad_call_is_refused_by_field_and_writes_nothing(
    people: People, change: dict[str, Any], expected: list[str]
) -> None:
    before = appeal_count()
    refused = people.post("operator", "/hotline/appeals", {**CALL, **change})
    assert refused.status_code == 400, refused.body
    assert fields(refused) == expected
    assert appeal_count() == before


def test_only_operators_take_calls(people: People) -> None:
    for who in ("citizen", f"department:{DEPARTMENT}", "leader"):
        assert people.post(who, "/hotline/appeals", CALL).status_code == 403, who
        assert people.get(who, "/hotline/callers/13912345678/appeals").status_code == 403
    refused = people.get("operator", "/hotline/callers/not-a-number/appeals")
    assert refused.status_code == 400 and fields(refused) == ["phone"]


# -- SMS follow-up --------------------------------------------------------------------------


def replied_call(people: People) -> str:
    call = {**CALL, "dispatch": {"department_id": DEPARTMENT}}
    appeal_id = str(body(people.post("operator", "/hotline/appeals", call))["id"])
    dept = f"department:{DEPARTMENT}"
    for action in ("sign", "contact", "reply"):
        assert people.act(dept, appeal_id, action).status_code == 200
    return appeal_id


def link_token(text: str) -> str:
    return text.split("/r/")[1].split()[0]


def test_the_caller_rates_the_reply_once_through_the_sms_link(people: People, client: Any) -> None:
    appeal_id = replied_call(people)
    flow = Flow(client)
    flow.run()
    texts = sms_sent()
    assert len(texts) == 1
    phone, text = texts[0]
    assert phone == CALLER
    assert appeal_id in text and "已安排维修" in text
    token = link_token(text)
    assert len(token) >= 40

    # The notice again (a redelivered record): no second text
    flow.replay(stream_records())
    flow.deliver()
    assert len(sms_sent()) == 1

    page = client.http.get(f"/r/{token}")
    assert page.status_code == 200
    html = page.body.decode()
    assert "已安排维修" in html and appeal_id in html and 'name="score"' in html
    assert "<script" not in html
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    bad = client.http.post(f"/r/{token}", headers=form, body="score=9&resolved=maybe")
    assert bad.status_code == 400
    assert "评分" in bad.body.decode() and "是否解决" in bad.body.decode()
    assert body(people.get("operator", f"/appeals/{appeal_id}"))["state"] == "replied"

    rated = client.http.post(
        f"/r/{token}", headers=form, body="score=4&resolved=yes&comment=%E5%BE%88%E5%A5%BD"
    )
    assert rated.status_code == 200, rated.body
    appeal = body(people.get("operator", f"/appeals/{appeal_id}"))
    assert appeal["state"] == "closed"
    assert appeal["rating"]["score"] == 4 and appeal["rating"]["resolved"] is True
    rated_event = appeal["timeline"][-1]
    assert rated_event["type"] == "rated" and rated_event["actor"]["role"] == "citizen"

    # Used once: the link opens no more, and a second rating is refused
    again = client.http.post(f"/r/{token}", headers=form, body="score=1&resolved=no")
    assert again.status_code in (404, 409)
    assert body(people.get("operator", f"/appeals/{appeal_id}"))["rating"]["score"] == 4
    assert client.http.get(f"/r/{token}").status_code in (404, 409)

    # It counts like an app rating: the statistics consumer sees a rating
    records = stream_records()
    result = client.lambda_.invoke("appeal_statistics", {"Records": records}).payload
    assert result == {"batchItemFailures": []}
    stats = body(client.http.get("/public/stats?period=2026-11"))
    assert stats["counters"]["ratings"] == 1 and stats["counters"]["satisfied"] == 1


def test_a_link_that_was_never_issued_or_has_expired_opens_nothing(
    people: People, client: Any
) -> None:
    appeal_id = replied_call(people)
    Flow(client).run()
    token = link_token(sms_sent()[-1][1])
    for unknown in ("x" * 43, "short", token[:-1] + ("A" if token[-1] != "A" else "B")):
        assert client.http.get(f"/r/{unknown}").status_code == 404
    Clock(shanghai("2026-12-05T09:00:00"))  # past the 7-day rating window
    assert client.http.get(f"/r/{token}").status_code == 404
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    late = client.http.post(f"/r/{token}", headers=form, body="score=5&resolved=yes")
    assert late.status_code == 404
    assert body(people.get("operator", f"/appeals/{appeal_id}"))["state"] == "replied"


def test_an_app_appeal_gets_no_sms(people: People, client: Any) -> None:
    # Given an app appeal with a contact phone, dispatched, signed, contacted and replied to
    appeal_id = people.submit(contact={"name": "李先生", "phone": "13700001111"})["id"]
    dept = f"department:{DEPARTMENT}"
    dispatched = people.act("operator", appeal_id, "dispatch")
    assert dispatched.status_code == 200, dispatched.body
    for action in ("sign", "contact", "reply"):
        response = people.act(dept, appeal_id, action)
        assert response.status_code == 200, (action, response.body)
    assert body(people.get("operator", f"/appeals/{appeal_id}"))["state"] == "replied"
    # When every consumer has run on what that wrote
    Flow(client).run()
    # Then no SMS went out: the reply's follow-up is for the hotline's callers only
    assert sms_sent() == []


def test_a_caller_abroad_gets_no_text(people: People, client: Any) -> None:
    """Security review (issue 23), finding 3: follow-up texts go to mainland mobiles only."""
    # Given a call from a UK mobile, recorded for that number, dispatched and replied to
    call = {
        **CALL,
        "caller": {"phone": "+44 7911 123456"},
        "dispatch": {"department_id": DEPARTMENT},
    }
    appeal = body(people.post("operator", "/hotline/appeals", call))
    assert appeal["contact"]["phone"] == "+447911123456"
    for action in ("sign", "contact", "reply"):
        assert people.act(f"department:{DEPARTMENT}", appeal["id"], action).status_code == 200
    # When every consumer has run on it
    Flow(client).run()
    # Then no text went out: the reply waits in the appeal, unrated, as an app's would
    assert sms_sent() == []
    assert body(people.get("operator", f"/appeals/{appeal['id']}"))["state"] == "replied"


@pytest.mark.parametrize(
    "number",
    ["+447911123456", "+85261234567", "+12025550143", "+861065123456", "+8612012345678", "x"],
)
def test_the_sms_sender_refuses_any_number_but_a_mainland_mobile(stack: Stack, number: str) -> None:
    from chalicelib.channels.hotline.integrations import sms

    with pytest.raises(ValueError):
        sms.send(number, "【民生诉求】您反映的问题已答复", "rating-test")
    assert sms_sent() == []
    assert sms.send("+8613912345678", "【民生诉求】您反映的问题已答复", "rating-test")
    assert [phone for phone, _ in sms_sent()] == ["+8613912345678"]


# -- deputies -------------------------------------------------------------------------------


def test_a_deputys_appeal_is_flagged_for_the_center_and_the_leaders(
    people: People, client: Any, stack: Stack
) -> None:
    admin = stack.headers(people.token("admin"))
    client.http.put("/categories/water-supply", headers=admin, body='{"auto_dispatch": true}')
    people.token("leader")  # a leader exists before the appeal comes in
    appeal = people.submit("deputy", category="water-supply", channel="app")
    assert appeal["channel"] == "deputy"
    ordinary = people.submit(category="water-supply")["id"]

    supervision = body(people.get("leader", "/supervision"))["items"]
    assert [a["id"] for a in supervision] == [appeal["id"]]

    records = stream_records()
    for handler in ("appeal_routing", "appeal_statistics"):
        result = client.lambda_.invoke(handler, {"Records": records}).payload
        assert result == {"batchItemFailures": []}, handler
    flow = Flow(client)
    flow.run()
    # Routing left the deputy's appeal with the center; the ordinary one went out
    assert body(people.get("operator", f"/appeals/{appeal['id']}"))["state"] == "submitted"
    assert body(people.get("operator", f"/appeals/{ordinary}"))["state"] == "dispatched"
    # Every leader is told at once
    notices = body(people.get("leader", "/me/notifications"))["items"]
    assert [(n["type"], n["appeal_id"]) for n in notices] == [("appeal.deputy", appeal["id"])]
    # Counted by channel in the public figures
    stats = body(client.http.get("/public/stats?period=2026-11-26"))
    assert stats["channels"]["deputy"] == 1 and stats["channels"]["app"] == 1
    assert stats["channels"]["hotline"] == 0
    assert sum(stats["kinds"].values()) == 2
    # Once closed it leaves the leaders' list
    people.act("operator", appeal["id"], "reject")
    assert body(people.get("leader", "/supervision"))["items"] == []


def test_public_stats_count_every_channel(people: People, client: Any) -> None:
    people.post("operator", "/hotline/appeals", CALL)
    people.submit(channel="wechat")
    people.submit(channel="web")
    result = client.lambda_.invoke("appeal_statistics", {"Records": stream_records()}).payload
    assert result == {"batchItemFailures": []}
    stats = body(client.http.get("/public/stats?period=2026-11"))
    assert {k: v for k, v in stats["channels"].items() if v} == {
        "hotline": 1,
        "wechat": 1,
        "web": 1,
    }


def test_the_rating_forms_comment_refuses_control_characters_like_the_api(
    people: People, client: Any
) -> None:
    """Security review, finding 11: the SMS form's comment is checked as the API's is
    (the RATING schema): a control character is a 400, nothing is written, and the link
    still rates."""
    appeal_id = replied_call(people)
    Flow(client).run()
    token = link_token(sms_sent()[-1][1])
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for comment in ("%E5%BE%88%1B%5B2J%E5%A5%BD", "ok%00", "bell%07"):
        refused = client.http.post(
            f"/r/{token}", headers=form, body=f"score=4&resolved=yes&comment={comment}"
        )
        assert refused.status_code == 400, (comment, refused.body)
        assert "意见" in refused.body.decode()
        assert body(people.get("operator", f"/appeals/{appeal_id}"))["state"] == "replied"
    rated = client.http.post(
        f"/r/{token}", headers=form, body="score=4&resolved=yes&comment=%E5%BE%88%E5%A5%BD%0A"
    )
    assert rated.status_code == 200, rated.body
