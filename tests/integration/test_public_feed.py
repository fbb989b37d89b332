"""In public: the feed of public appeals, one appeal's page, 附议 and its count in the feed,
the operator's queue and hot topics; the daily volume; the dashboard page and its policy;
and no personal data in anything the public reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.integration.test_events import stream_records

NAME = "欧阳建国"
PHONE = "13812345678"
ID_NUMBER = "370102198001011234"
LANDLINE = "0531-88776655"


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def public_appeal(
    people: People, title: str = "路灯不亮", replied: bool = True, **extra: Any
) -> str:
    appeal = people.submit(
        title=title,
        content=f"东门路灯坏了，联系人{NAME}，电话{PHONE}，身份证{ID_NUMBER}，座机{LANDLINE}",
        is_public=True,
        contact={"name": NAME, "phone": PHONE},
        location={"lat": 36.6512, "lng": 117.1201, "address": "历下区泉城路188号3单元"},
        **extra,
    )["id"]
    assert (
        people.act("operator", appeal, "dispatch", {"department_id": DEPARTMENT}).status_code == 200
    )
    if replied:
        dept = f"department:{DEPARTMENT}"
        for action in ("sign", "contact"):
            assert people.act(dept, appeal, action).status_code == 200
        reply = {
            "content": f"已修复。经办人王强 {PHONE}",
            "handler_name": "王强",
            "handler_phone": "13900001111",
            "public_reply": f"路灯已修复，感谢{NAME}反映（电话{PHONE}）",
        }
        assert people.act(dept, appeal, "reply", reply).status_code == 200
    return str(appeal)


def get(people: People, path: str) -> Any:
    response = people.client.http.get(path)
    assert response.status_code == 200, (path, response.body)
    return body(response)


def test_the_feed_lists_public_vetted_appeals_newest_first_with_filters(people: People) -> None:
    first = public_appeal(people, "第一件")
    later = Clock(shanghai("2026-11-26T10:00:00"))
    second = public_appeal(people, "第二件", replied=False)
    later.advance(minutes=5)
    private = people.submit(title="私密诉求", content="不公开")["id"]
    people.act("operator", private, "dispatch", {"department_id": DEPARTMENT})
    unvetted = people.submit(title="未受理", content="尚未受理", is_public=True)["id"]
    items = get(people, "/public/appeals")["items"]
    assert [i["id"] for i in items] == [second, first]
    assert {private, unvetted}.isdisjoint(i["id"] for i in items)
    assert items[1]["department"] and items[1]["replied"] is True
    assert [i["id"] for i in get(people, "/public/appeals?replied=true")["items"]] == [first]
    assert [i["id"] for i in get(people, "/public/appeals?state=dispatched")["items"]] == [second]
    assert get(people, f"/public/appeals?department_id={DEPARTMENT}&limit=1")["next_cursor"]
    assert get(people, "/public/appeals?department_id=nobody")["items"] == []
    page = get(people, "/public/appeals?limit=1")
    rest = get(people, f"/public/appeals?limit=1&cursor={page['next_cursor']}")
    assert [i["id"] for i in page["items"] + rest["items"]] == [second, first]
    for bad in ("?state=rejected", "?replied=maybe", "?colour=red", "?cursor=bogus", "?limit=0"):
        response = people.client.http.get(f"/public/appeals{bad}")
        assert response.status_code == 400, bad
        assert response.headers["Content-Type"] == "application/problem+json"
    # Detail: the public view; anything not public is 404
    detail = get(people, f"/public/appeals/{first}")
    assert detail["department"] and detail["reply"]["public_reply"]
    for hidden in (private, unvetted, "20261126-00000000", "nonsense"):
        assert people.client.http.get(f"/public/appeals/{hidden}").status_code == 404


def test_support_once_shows_in_the_feed_the_queue_and_hot_topics(people: People) -> None:
    appeal = public_appeal(people, "小区暖气不热")
    supporters = [f"citizen:s{i}" for i in range(3)]
    for who in supporters:
        people.tokens[who] = people.stack.token("citizen")
        for _ in range(2):  # once each, however often
            response = people.client.http.put(
                f"/appeals/{appeal}/support", headers=people.stack.headers(people.token(who))
            )
            assert response.status_code == 200, response.body
    assert body(response)["supporters"] == 3
    own = people.client.http.put(
        f"/appeals/{appeal}/support", headers=people.stack.headers(people.token("citizen"))
    )
    assert own.status_code == 409
    staff = people.client.http.put(
        f"/appeals/{appeal}/support", headers=people.stack.headers(people.token("operator"))
    )
    assert staff.status_code == 403
    withdrawn = people.client.http.delete(
        f"/appeals/{appeal}/support", headers=people.stack.headers(people.token("citizen:s2"))
    )
    assert body(withdrawn) == {"appeal_id": appeal, "supporting": False, "supporters": 2}
    [item] = get(people, "/public/appeals")["items"]
    assert item["supporters"] == 2
    queue = body(people.get("operator", f"/work-orders?department_id={DEPARTMENT}"))["items"]
    assert [w["supporters"] for w in queue if w["id"] == appeal] == [2]
    private = people.submit(title="私密", content="不公开")["id"]
    hidden = people.client.http.put(
        f"/appeals/{private}/support", headers=people.stack.headers(people.token("citizen:s0"))
    )
    assert hidden.status_code == 404
    # The supporters are citizens raising the appeal's words (the filer is the fourth)
    records = stream_records(settings().supports_table)
    assert [r["eventName"] for r in records].count("INSERT") == 3
    for _ in range(2):  # redelivered: once
        result = people.client.lambda_.invoke("support_topics", {"Records": records}).payload
        assert result == {"batchItemFailures": []}
    topics = get(people, "/public/hot-topics?period=2026-11-26")["topics"]
    assert {t["word"]: t["citizens"] for t in topics}.get("暖气") == 3
    assert all(t["appeals"] == 0 for t in topics if t["word"] == "暖气")


def test_daily_volume_and_the_dashboard_page(people: People) -> None:
    volume = get(people, "/public/daily-volume?month=2026-11")
    assert [d["date"] for d in volume["days"]][:2] == ["2026-11-01", "2026-11-02"]
    assert volume["days"][-1]["date"] == "2026-11-26"
    assert people.client.http.get("/public/daily-volume?month=11-2026").status_code == 400
    page = people.client.http.get("/")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = page.body.decode() if isinstance(page.body, bytes) else page.body
    assert '<script src="dashboard/app.js"' in html and "<script>" not in html
    assert "http://" not in html and "https://" not in html
    script = people.client.http.get("/dashboard/app.js")
    assert script.status_code == 200 and "textContent" in str(script.body)
    assert "innerHTML" not in str(script.body)
    assert people.client.http.get("/dashboard/secrets.txt").status_code == 404


def test_nothing_the_public_reads_holds_personal_data(people: People) -> None:
    appeal = public_appeal(people, f"{NAME}反映路灯问题 {PHONE}")
    assert (
        people.act(
            "citizen",
            appeal,
            "rating",
            {"score": 5, "resolved": True, "comment": f"谢谢，我是{NAME} {PHONE}"},
        ).status_code
        == 200
    )
    bodies = [
        json.dumps(get(people, path), ensure_ascii=False)
        for path in (
            "/public/appeals",
            "/public/appeals?replied=true",
            f"/public/appeals/{appeal}",
            "/public/rankings",
            "/public/stats",
            "/public/hot-topics",
            "/public/daily-volume",
        )
    ]
    # The same appeal through Open311, in JSON and in XML, and the dashboard page itself
    for path in (
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{appeal}.json",
        f"/open311/v2/requests/{appeal}.xml",
        "/",
    ):
        response = people.client.http.get(path)
        assert response.status_code == 200, (path, response.body)
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        assert appeal in text or path == "/", path
        bodies.append(text)
    for text in bodies:
        for secret in (NAME, PHONE, ID_NUMBER, LANDLINE, "泉城路188号", "13900001111", "王强"):
            assert secret not in text, (secret, text[:300])
