"""Early warning (未诉先办) through the real consumer and schedule handler on moto: a
planted rise (6 distinct citizens about 噪音 in one town in one week after 8 quiet weeks)
raises one alert, told to the leaders; steady traffic raises none; the alert holds no
name or number; an operator acts on it with a note or a proactive work order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import Clock, People, shanghai
from tests.integration.test_events import stream_records

NOW = shanghai("2026-12-09T10:00:00")  # a Wednesday of 2026-W50
NOISE = "environment-noise"


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(NOW)
    yield People(stack, client)
    clock.set_clock(None)


def file(people: People, citizen: str, at: datetime, title: str, content: str) -> str:
    Clock(at)
    if citizen not in people.tokens:
        people.tokens[citizen] = people.stack.token("citizen")
    appeal = people.submit(
        citizen,
        title=title,
        content=content,
        category=NOISE,
        contact={"name": "张三丰", "phone": "13812345678"},
    )
    assert people.act("operator", appeal["id"], "accept").status_code == 200
    return str(appeal["id"])


def weeks_before(count: int) -> list[datetime]:
    return [NOW - timedelta(weeks=n) for n in range(count, 0, -1)]


def count_and_detect(people: People) -> dict[str, Any]:
    records = stream_records()
    for _ in range(2):  # redelivered: still once
        result = people.client.lambda_.invoke("appeal_topics", {"Records": records}).payload
        assert result == {"batchItemFailures": []}
    Clock(NOW)
    event = people.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    return dict(people.client.lambda_.invoke("rankings_refresh", event).payload["early_warning"])


def alerts(people: People, who: str = "operator", query: str = "") -> list[dict[str, Any]]:
    response = people.get(who, f"/alerts{query}")
    assert response.status_code == 200, response.body
    return list(body(response)["items"])


def queued() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    out = []
    while True:
        page = sqs.receive_message(
            QueueUrl=settings().notifications_queue, MaxNumberOfMessages=10
        ).get("Messages", [])
        if not page:
            return out
        out += [json.loads(m["Body"]) for m in page]


def plant_rise(people: People) -> None:
    # 8 quiet weeks: one citizen a week writes about a street lamp in 寨里镇
    for n, at in enumerate(weeks_before(8)):
        file(people, f"citizen:quiet{n}", at, "路灯不亮", "寨里镇路灯不亮")
    # then 6 different citizens about noise there this week
    for n in range(6):
        at = NOW - timedelta(hours=n + 1)
        file(people, f"citizen:rise{n}", at, "夜间噪音", "寨里镇工地夜间施工噪音扰民")


def test_a_planted_rise_raises_one_alert_for_the_leaders(people: People) -> None:
    people.token("leader")
    plant_rise(people)
    # When the consumer counts the records and the hourly schedule runs
    result = count_and_detect(people)
    # Then 噪音 in 寨里镇 (the word, and the category) are raised, once each
    assert result["raised"] >= 2, result
    found = alerts(people)
    raised = {(a["place_id"], a["dimension"], a["key"]) for a in found}
    assert ("zhaili-town", "word", "噪音") in raised
    assert ("zhaili-town", "category", NOISE) in raised
    noise = next(a for a in found if a["key"] == "噪音")
    assert noise["citizens"] == 6 and noise["baseline"] == [0] * 8
    assert noise["week"] == "2026-W50" and noise["state"] == "open"
    assert noise["p_value"] < 0.01
    assert "路灯" not in {a["key"] for a in found}  # one citizen a week: steady
    # And every leader is told, in the app, once per alert
    from tests.integration.test_webhooks import Flow

    Flow(people.client).deliver()
    mine = body(people.get("leader", "/me/notifications"))["items"]
    messages = [n for n in mine if n["type"] == "appeal.alert"]
    assert len(messages) == len(found) and all(n["appeal_id"] is None for n in messages)
    noise = next(n for n in messages if "“噪音”" in n["text"])
    assert noise["title"] == "未诉先办预警"
    assert noise["text"] == "寨里镇本周有6位市民反映“噪音”，明显多于此前8周（周均0.5）。"
    # When the schedule runs again in the same week
    again = count_and_detect(people)
    # Then nothing more is raised or told
    assert again["raised"] == 0
    assert len(alerts(people)) == len(found)
    assert not [m for m in queued() if m["type"] == "appeal.alert"]
    # And no name or number is in any alert, its list or its notice
    shown = json.dumps([found, messages], ensure_ascii=False)
    for private in ("张三丰", "13812345678", "张", "1381234"):
        assert private not in shown
    # And leaders read the list too
    assert alerts(people, "leader") == found
    # And the day's report lists the day's alerts, the day before's none
    report = people.get("leader", "/reports/daily?date=2026-12-09").body.decode()
    section = report[report.index("未诉先办预警") :]
    assert "寨里镇" in section and "噪音" in section and "噪声与油烟（类别）" in section
    for private in ("张三丰", "13812345678"):
        assert private not in report
    before = people.get("leader", "/reports/daily?date=2026-12-08").body.decode()
    assert "当日没有新的预警" in before


def test_steady_traffic_raises_nothing(people: People) -> None:
    # 6 citizens a week about noise in 罗村镇, 8 weeks and this one
    for at in [*weeks_before(8), NOW - timedelta(hours=1)]:
        for m in range(6):
            file(people, f"citizen:s{m}", at - timedelta(minutes=m), "噪音", "罗村镇夜间噪音扰民")
    result = count_and_detect(people)
    assert result["raised"] == 0 and result["candidates"] >= 1, result
    assert alerts(people) == []


def test_an_operator_acts_on_an_alert_with_a_note_or_a_work_order(people: People) -> None:
    plant_rise(people)
    count_and_detect(people)
    found = {a["key"]: a for a in alerts(people)}
    word, category = found["噪音"], found[NOISE]
    # A note
    acted = people.post("operator", f"/alerts/{word['id']}/act", {"note": "已通知城管夜查"})
    assert acted.status_code == 200, acted.body
    assert body(acted)["action"]["note"] == "已通知城管夜查"
    again = people.post("operator", f"/alerts/{word['id']}/act", {"note": "再次"})
    assert again.status_code == 409
    # A proactive work order (主动治理), dispatched to the town
    made = people.post(
        "operator", f"/alerts/{category['id']}/work-order", {"department_id": "zhaili-town"}
    )
    assert made.status_code == 201, made.body
    appeal_id = body(made)["action"]["appeal_id"]
    appeal = body(people.get("operator", f"/appeals/{appeal_id}"))
    assert appeal["channel"] == "proactive" and appeal["state"] == "dispatched"
    assert appeal["department_id"] == "zhaili-town" and appeal["category"] == NOISE
    assert not appeal.get("contact")
    # The town sees it in its list
    listed = body(people.get("department:zhaili-town", "/work-orders"))["items"]
    assert appeal_id in {a["id"] for a in listed}
    # And it counts as 主动治理 in the month's intake, not as a citizen's topic
    records = stream_records()
    assert people.client.lambda_.invoke("appeal_statistics", {"Records": records}).payload == {
        "batchItemFailures": []
    }
    stats = body(people.client.http.get("/public/stats?period=2026-12"))
    assert stats["channels"]["proactive"] == 1, stats["channels"]
    acted = {a["id"] for a in alerts(people, query="?state=acted")}
    assert acted == {word["id"], category["id"]}
    assert len(alerts(people, query="?state=open")) == len(found) - 2


def test_bad_input_and_who_may(people: People) -> None:
    plant_rise(people)
    count_and_detect(people)
    alert = alerts(people)[0]
    url = f"/alerts/{alert['id']}"
    cases = [
        (f"{url}/act", {}, "note"),
        (f"{url}/act", {"note": ""}, "note"),
        (f"{url}/act", {"note": "x", "extra": 1}, "extra"),
        (f"{url}/work-order", {}, "department_id"),
        (f"{url}/work-order", {"department_id": "no-such-unit"}, "department_id"),
        (f"{url}/work-order", {"department_id": "zhaili-town", "kind": "whistle"}, "kind"),
    ]
    for path, payload, field in cases:
        response = people.post("operator", path, payload)
        assert response.status_code == 400, (path, payload, response.body)
        assert response.headers["Content-Type"] == "application/problem+json"
        assert field in json.dumps(body(response)["errors"]), body(response)
    # Nothing was written: the alert is still open, no work order was opened
    assert body(people.get("operator", "/alerts?state=open"))["items"][0]["state"] == "open"
    assert all(
        "proactive" not in json.dumps(i.get("channel", {}))
        for i in people.stack.items(settings().appeals_table)
    )
    assert (
        people.post("operator", "/alerts/2026-W50-000000000000/act", {"note": "x"}).status_code
        == 404
    )
    assert people.get("operator", "/alerts?state=closed").status_code == 400
    assert people.get("operator", "/alerts?cursor=bogus").status_code == 400
    assert people.get("department:zhaili-town", "/alerts").status_code == 403
    assert people.post("leader", f"{url}/act", {"note": "x"}).status_code == 403


def test_one_work_order_per_alert_even_when_a_step_fails(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.errors import ServiceUnavailable
    from chalicelib.figures.store import warnings as store
    from chalicelib.work_orders.services import dispatch

    plant_rise(people)
    count_and_detect(people)
    alert = next(a for a in alerts(people) if a["key"] == "噪音")
    url = f"/alerts/{alert['id']}/work-order"
    before = len(people.stack.items(settings().appeals_table))

    # When the dispatch fails halfway, the alert is open again (and can be acted on)
    def down(*_args: Any, **_kwargs: Any) -> Any:
        raise ServiceUnavailable("the appeals table is unreachable")

    monkeypatch.setattr(dispatch, "dispatch_appeal", down)
    assert people.post("operator", url, {"department_id": "zhaili-town"}).status_code == 503
    assert next(a for a in alerts(people) if a["id"] == alert["id"])["state"] == "open"
    monkeypatch.undo()
    # While another operator is opening its work order, a second one is refused
    store.move_alert(alert["id"], "open", "acting")
    second = people.post("operator", url, {"department_id": "zhaili-town"})
    assert second.status_code == 409, second.body
    assert people.post("operator", f"/alerts/{alert['id']}/act", {"note": "x"}).status_code == 409
    store.move_alert(alert["id"], "acting", "open")
    assert people.post("operator", url, {"department_id": "zhaili-town"}).status_code == 201
    assert people.post("operator", url, {"department_id": "zhaili-town"}).status_code == 409
    # the failed attempt's stored appeal (submitted, never dispatched) and the one made
    assert len(people.stack.items(settings().appeals_table)) == before + 2
