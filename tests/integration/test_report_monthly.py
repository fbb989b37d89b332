"""The monthly bulletin (月度通报) after two simulated months: emailed on the 1st at 09:00 to
the leaders exactly once, its figures equal to the month's public figures and boards, each
unit's change from last month, the knowledge base's upkeep; what SES refused goes out the
next day; read over HTTP (leaders, admins) and at phone width in a browser."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.domain.clock import TZ
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.figures.domain.bulletin import PLATFORM_ROWS, UNIT_COLUMNS
from chalicelib.figures.domain.reports import percent
from chalicelib.figures.domain.statistics import department_scope
from chalicelib.figures.services.report_delivery import DeliveryIncomplete
from chalicelib.figures.store import report_log
from chalicelib.figures.store import statistics as statistics_store
from tests.integration import report_helpers as rh
from tests.integration.conftest import Stack, body

SEND_AT = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
TRAFFIC_END = datetime(2026, 12, 1, 7, 0, tzinfo=TZ)
MONTH, BEFORE = "2026-11", "2026-10"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
OWNER = "transport-bureau"


def two_months(client: Any) -> None:
    """Traffic from 10 October to the morning of 1 December, counted by the consumers and
    the boards refreshed; and the transport bureau's knowledge base: an article written in
    October and reviewed in November, one written in November, one past its review date."""
    from chalicelib.figures.services import rankings
    from chalicelib.knowledge.services import knowledge
    from chalicelib.local.simulate import simulate

    simulate(TRAFFIC_END, days=52, per_day=5, seed=23, sweep_minutes=240)
    staff = Principal("kb-keeper", Role.DEPARTMENT, department_id=OWNER)
    article = {"category": "road-facilities", "owner_department_id": OWNER}
    moments = iter(
        datetime(2026, month, day, 10, 0, tzinfo=TZ)
        for month, day in ((10, 12), (11, 3), (11, 20), (10, 14))
    )
    at = next(moments)
    clock.set_clock(lambda: at)
    try:
        reviewed = knowledge.create_article(
            staff, {**article, "title": "公交卡办理", "answer": "携带身份证到服务网点办理。"}
        )
        at = next(moments)
        knowledge.update_article(staff, reviewed["id"], {"review_at": "2027-11-03"})
        at = next(moments)
        knowledge.create_article(
            staff, {**article, "title": "占道施工审批", "answer": "向交通运输局提交申请。"}
        )
        at = next(moments)
        knowledge.create_article(
            staff,
            {
                **article,
                "title": "出租车投诉",
                "answer": "拨打服务热线。",
                "review_at": "2026-11-15",
            },
        )
    finally:
        clock.set_clock(None)
    rh.feed_consumers(client)
    clock.set_clock(lambda: TRAFFIC_END)
    try:
        rankings.refresh()
    finally:
        clock.set_clock(None)


def public(client: Any, path: str) -> Any:
    response = client.http.get(path)
    assert response.status_code == 200, response.body
    return body(response)


def shown(kind: str, value: Any) -> str:
    if value is None:
        return "—"
    return percent(value) if kind == "rate" else str(value)


def unit_line(text: str, name: str) -> str:
    """The figures line under a unit's name in the text part."""
    lines = text.splitlines()
    heading = re.compile(rf"\A(\d+|—)\. {re.escape(name)}(（不排名）)?\Z")
    index = next(i for i, line in enumerate(lines) if heading.match(line.strip()))
    return lines[index + 1]


@pytest.mark.long(90)
def test_the_bulletin_is_the_months_public_figures_sent_once_on_the_first(
    client: Any, stack: Stack
) -> None:
    # Given two months of traffic and the admin's recipients
    two_months(client)
    rh.put_recipients(client, stack, stack.token("admin"))
    rh.verify_sender()

    # When the schedule fires at 09:00 on 1 December, and fires again
    first = rh.fire(client, "monthly_report", SEND_AT)
    again = rh.fire(client, "monthly_report", SEND_AT + timedelta(minutes=1))
    later = rh.fire(client, "monthly_report", SEND_AT + timedelta(days=1))

    # Then each leader got November's bulletin once
    assert (first["sent"], first["failed"], first["periods"]) == (2, 0, [MONTH])
    assert (again["sent"], again["skipped"]) == (0, 2)
    assert later["sent"] == 0
    messages = rh.sent_messages()
    assert sorted(m.to[0] for m in messages) == sorted(rh.LEADERS)
    assert {m.subject for m in messages} == {"【民生诉求月度通报】2026年11月"}
    text, html = messages[0].part("plain"), messages[0].part("html")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "monthly-bulletin.txt").write_text(text, "utf-8")

    # and its platform figures are November's public statistics, next to October's
    stats, before = (public(client, f"/public/stats?period={p}") for p in (MONTH, BEFORE))
    assert stats["counters"]["dispatched"] > 0 and before["counters"]["dispatched"] > 0
    for key, label, kind in PLATFORM_ROWS:
        if key in stats["rates"]:
            now, then = stats["rates"][key], before["rates"][key]
        elif key in stats["counters"] or key in ("disputes_upheld", "urged", "disputed"):
            now, then = stats["counters"].get(key, 0), before["counters"].get(key, 0)
        elif key in stats["knowledge"]:
            now, then = stats["knowledge"][key], before["knowledge"][key]
        else:
            continue  # the knowledge base's upkeep and excluded ratings: below
        line = f"  {label}：{shown(kind, now)} / {shown(kind, then)} / "
        assert line in text, line

    # and the four boards are the month's public rankings, in their order
    boards = public(client, f"/public/rankings?period={MONTH}")["boards"]
    part = text[text.index("【2026年11月部门排名】") : text.index("【本月热点话题】")]
    titles = {"volume": "办件量", "overdue_rate": "超期率", "return_rate": "退回率"}
    titles["satisfaction"] = "满意度"
    for board in boards:
        section = part[part.index(f"  {titles[board['board']]}（") :]
        following = re.search(r"\n  \S", section)
        section = section[: following.start() if following else None]
        ranked = [e for e in board["entries"] if e["ranked"] and e["value"] is not None][:10]
        assert ranked, board["board"]
        lines = [
            f"{e['rank']}. {e['name']} "
            + (str(e["value"]) if board["board"] == "volume" else percent(e["value"]))
            for e in ranked
        ]
        positions = [section.index(line) for line in lines]
        assert positions == sorted(positions), board["board"]

    # and every unit's figures are its entries on the month's boards, with the change
    # from its entries on October's
    entries = {
        b["board"]: {e["department_id"]: e for e in b["entries"]}
        for b in public(client, f"/public/rankings?period={MONTH}")["boards"]
    }
    earlier = {
        b["board"]: {e["department_id"]: e for e in b["entries"]}
        for b in public(client, f"/public/rankings?period={BEFORE}")["boards"]
    }
    labels = {key: label for key, label, _kind in UNIT_COLUMNS}
    checked = 0
    for unit, entry in entries["volume"].items():
        line = unit_line(text, entry["name"])
        replied, replied_before = entry["count"], earlier["volume"][unit]["count"]
        change = replied - replied_before
        assert f"{labels['replied']} {replied}（{f'{change:+d}' if change else '±0'}）" in line
        on_time = entry["on_time_completion_rate"]
        assert f"{labels['on_time_completion_rate']} {percent(on_time)}" in line
        satisfaction = entries["satisfaction"][unit]["value"]
        assert f"{labels['satisfaction_rate']} {percent(satisfaction)}" in line
        assert f"{labels['overdue_orders']} {entries['overdue_rate'][unit]['count']}（" in line
        assert f"{labels['returned']} {entries['return_rate'][unit]['count']}（" in line
        # 差评审核: the excluded ratings the statistics counted for the unit, each month
        excluded, excluded_before = (
            statistics_store.period_counters(p, [department_scope(unit)])
            .get(department_scope(unit), {})
            .get("ratings_excluded", 0)
            for p in (MONTH, BEFORE)
        )
        moved = excluded - excluded_before
        shown_excluded = f"{excluded}（{f'{moved:+d}' if moved else '±0'}）"
        assert f"{labels['ratings_excluded']} {shown_excluded}" in line
        checked += 1
    assert checked == len(entries["volume"]) > 20
    # towns and streets apart from departments, ranked units first
    assert text.index("【部门月度排名】") < text.index("【镇街月度排名】")
    towns = text[text.index("【镇街月度排名】") : text.index("【2026年11月部门排名】")]
    assert "般阳路街道" in towns and "区交通运输局" not in towns
    assert "  1. " in text

    # and the knowledge base's upkeep: two articles written or reviewed in November, one
    # past review at the month's end (one written in October, reviewed in November)
    transport = unit_line(text, "区交通运输局")
    assert f"{labels['knowledge_updated']} 2（±0）" in transport, transport
    assert f"{labels['knowledge_review_due']} 1（+1）" in transport, transport

    # and the HTML carries the same figures and the trend as inline SVG
    assert "<svg" in html and "<polyline" in html and "<script" not in html
    assert percent(stats["rates"]["on_time_completion_rate"]) in html
    assert "区交通运输局" in html and "般阳路街道" in html

    # When a leader reads it over the API, an admin too, and a department may not
    clock.set_clock(lambda: SEND_AT + timedelta(minutes=5))
    try:
        page = client.http.get(
            f"/reports/monthly?month={MONTH}", headers=stack.headers(stack.token("leader"))
        )
        admin = client.http.get("/reports/monthly", headers=stack.headers(stack.token("admin")))
        staff = client.http.get(
            f"/reports/monthly?month={MONTH}",
            headers=stack.headers(stack.token("department", OWNER)),
        )
        future = client.http.get(
            "/reports/monthly?month=2027-01", headers=stack.headers(stack.token("leader"))
        )
        bad = client.http.get(
            "/reports/monthly?month=2026-13", headers=stack.headers(stack.token("leader"))
        )
    finally:
        clock.set_clock(None)
    assert page.status_code == 200 and admin.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    # the page is the HTML emailed, but for the time it was made
    assert page.body.decode().replace("2026-12-01 09:05", "") == html.replace(
        "2026-12-01 09:00", ""
    )
    assert "2026年11月" in admin.body.decode()  # the default: last month
    assert staff.status_code == 403
    for response in (future, bad):
        assert response.status_code == 400
        assert [e["field"] for e in body(response)["errors"]] == ["month"]

    # Then the page read at phone width fits and shows the bulletin
    (ARTIFACTS / "monthly-bulletin.html").write_bytes(page.body)
    browse(ARTIFACTS / "monthly-bulletin.html")


def browse(page_file: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs chromium and fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport=PHONE, device_scale_factor=2)
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            text = page.inner_text("body")
            width = page.evaluate("document.documentElement.scrollWidth")
            chart = page.locator("svg").first.bounding_box()
            units = page.locator("[data-group='部门']").first
            scrolls = units.evaluate(
                "t => t.parentElement.scrollWidth > t.parentElement.clientWidth"
            )
            page.screenshot(path=str(ARTIFACTS / "monthly-bulletin-390.png"), full_page=True)
        finally:
            browser.close()
    assert "民生诉求月度通报" in text and "部门月度排名" in text and "镇街月度排名" in text
    assert width <= PHONE["width"], f"the page is {width} px wide: it scrolls sideways"
    assert chart is not None and 300 <= chart["width"] <= PHONE["width"]
    assert scrolls, "the units' table scrolls within its box"
    assert (ARTIFACTS / "monthly-bulletin-390.png").stat().st_size > 20_000


def test_a_bulletin_ses_refused_goes_out_the_next_day_and_only_to_whom_it_failed(
    client: Any, stack: Stack
) -> None:
    rh.put_recipients(client, stack, stack.token("admin"))
    # Given SES refuses the run of the 1st (the sender is not verified yet)
    with pytest.raises(DeliveryIncomplete, match="2 monthly report"):
        rh.fire(client, "monthly_report", SEND_AT)
    assert rh.sent_messages() == []
    assert {m.status for m in report_log.markers("monthly", MONTH)} == {"failed"}
    # When the sender is verified and the schedule runs the next morning
    rh.verify_sender()
    retry = rh.fire(client, "monthly_report", SEND_AT + timedelta(days=1))
    # Then each leader gets November's bulletin once, and no later day sends it again
    assert (retry["sent"], retry["failed"]) == (2, 0)
    assert sorted(m.to[0] for m in rh.sent_messages()) == sorted(rh.LEADERS)
    assert rh.fire(client, "monthly_report", SEND_AT + timedelta(days=2))["sent"] == 0
    # and a leader added to the list after the 1st gets no old bulletin
    response = client.http.put(
        "/report-recipients",
        headers=stack.headers(stack.token("admin")),
        body=json.dumps({"daily": [*rh.LEADERS, "leader.three@example.com"], "weekly": {}}),
    )
    assert response.status_code == 200, response.body
    assert rh.fire(client, "monthly_report", SEND_AT + timedelta(days=3))["sent"] == 0
    assert len(rh.sent_messages()) == 2
