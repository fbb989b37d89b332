"""Report emails after a simulated week: who gets what, both parts, the outbox, and the
figures equal to the public ones for the same periods."""

from __future__ import annotations

import email
import re
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.config import settings
from chalicelib.figures.domain.reports import percent
from chalicelib.figures.services.report_figures import COUNT_ROWS, RATE_ROWS
from tests.integration import report_helpers as rh
from tests.integration.conftest import Stack, body


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stack: Stack) -> Path:
    folder = tmp_path / "outbox"
    monkeypatch.setenv("MINSHENG_OUTBOX_DIR", str(folder))
    settings.cache_clear()
    rh.verify_sender()
    yield folder
    monkeypatch.delenv("MINSHENG_OUTBOX_DIR")
    settings.cache_clear()


def public(client: Any, path: str) -> Any:
    response = client.http.get(path)
    assert response.status_code == 200, response.body
    return body(response)


@pytest.mark.long(60)
def test_both_schedules_send_the_public_figures_to_each_recipient(
    client: Any, stack: Stack, outbox: Path
) -> None:
    # Given a simulated week of traffic and the admin's recipients
    ids = rh.simulated_week(client)
    rh.put_recipients(client, stack, stack.token("admin"))

    # When both schedules fire on Monday at 08:00
    daily = rh.fire(client, "daily_report", rh.SEND_AT)
    weekly = rh.fire(client, "weekly_report", rh.SEND_AT)

    # Then every leader got the daily of Sunday and every listed address its department's
    assert (daily["sent"], daily["failed"], daily["periods"]) == (2, 0, [rh.DAY])
    assert (weekly["sent"], weekly["failed"], weekly["periods"]) == (3, 0, [rh.WEEK])
    messages = rh.sent_messages()
    assert sorted(m.to[0] for m in messages) == sorted(
        rh.LEADERS + [a for addresses in rh.WEEKLY.values() for a in addresses]
    )
    assert all(len(m.to) == 1 and m.source == settings().report_sender for m in messages)
    dailies = [m for m in messages if m.to[0] in rh.LEADERS]
    assert {m.subject for m in dailies} == {"【民生诉求日报】2026年11月29日（含11月累计）"}
    text, html = dailies[0].part("plain"), dailies[0].part("html")
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "daily-report.txt").write_text(text, "utf-8")
    assert dailies[0].message.get_content_type() == "multipart/alternative"
    assert "<script" not in html.replace("&lt;script&gt;", "")

    # and its figures are the public ones: the day and the month to date
    stats_day = public(client, f"/public/stats?period={rh.DAY}")
    stats_month = public(client, f"/public/stats?period={rh.MONTH}")
    assert stats_day["counters"]["submitted"] > 0 and stats_month["counters"]["replied"] > 0
    for label, name in COUNT_ROWS:
        day, month = stats_day["counters"], stats_month["counters"]
        line = f"{label}：{day.get(name, 0)} / {month.get(name, 0)}"
        assert line in text, line
    for label, name in RATE_ROWS:
        day_rate, month_rate = stats_day["rates"][name], stats_month["rates"][name]
        assert f"{label}：{percent(day_rate)} / {percent(month_rate)}" in text
        assert percent(month_rate) in html
    boards = public(client, f"/public/rankings?period={rh.MONTH}")["boards"]
    assert len(boards) == 4
    for board in boards:
        ranked = [e for e in board["entries"] if e["ranked"] and e["value"] is not None][:10]
        assert ranked, board["board"]
        lines = [
            f"{e['rank']}. {e['name']} "
            + (str(e["value"]) if board["board"] == "volume" else percent(e["value"]))
            for e in ranked
        ]
        titles = {"volume": "办件量", "overdue_rate": "超期率", "return_rate": "退回率"}
        titles["satisfaction"] = "满意度"
        ranking_part = text[text.index("部门排名】") : text.index("【热点话题】")]
        section = ranking_part[ranking_part.index(f"  {titles[board['board']]}（") :]
        following = re.search(r"\n  \S", section)
        section = section[: following.start() if following else None]
        positions = [section.index(line) for line in lines]
        assert positions == sorted(positions), board["board"]
        assert all(e["name"] in html for e in ranked)
    # received by channel, deputies' appeals, the overdue list with the markup as text
    intake = [line for line in text.splitlines() if line.startswith("  代表委员：")]
    assert intake and intake[0].split("：")[1].split(" / ")[0] != "0"
    assert (
        "关于般阳路学校门口增设信号灯的建议" in text
        and "关于般阳路学校门口增设信号灯的建议" in html
    )
    assert rh.SCRIPT_TITLE in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    # The weekly copies: the department's figures equal its entries on the week's boards
    week_boards = {
        b["board"]: {e["department_id"]: e for e in b["entries"]}
        for b in public(client, f"/public/rankings?period={rh.WEEK}")["boards"]
    }
    city = [m for m in messages if m.to[0] in rh.WEEKLY["urban-management-bureau"]]
    assert len(city) == 2
    assert {m.subject for m in city} == {
        "【部门周报】区综合行政执法局 2026-W48（11月23日—11月29日）"
    }
    for department, addresses in rh.WEEKLY.items():
        copy = next(m for m in messages if m.to[0] == addresses[0])
        weekly_text = copy.part("plain")
        entry = week_boards["volume"][department]
        assert f"答复：{entry['count']} /" in weekly_text
        for board, label in (
            ("overdue_rate", "超期率"),
            ("return_rate", "退回率"),
            ("satisfaction", "满意率"),
        ):
            value = week_boards[board][department]["value"]
            assert f"{label}：{percent(value)} /" in weekly_text, (department, board)
        assert copy.part("html").count("<table") > 3

    # Every sent message is in the outbox as its MIME message and its HTML
    for message in messages:
        name = "daily-2026-11-29" if message.to[0] in rh.LEADERS else "weekly-2026-W48-"
        found = [p for p in outbox.iterdir() if p.name.startswith(name) and message.to[0] in p.name]
        assert sorted(p.suffix for p in found) == [".eml", ".html"], message.to
        eml = next(p for p in found if p.suffix == ".eml")
        kept = email.message_from_bytes(eml.read_bytes(), policy=default)
        assert kept["Subject"] == message.subject
        html_file = next(p for p in found if p.suffix == ".html")
        assert html_file.read_text("utf-8") == message.part("html")
    assert ids["markup"]


CITIZEN_NAME = "张伟"
PHONE = "13812345678"


def test_reports_mask_phone_numbers_and_names_in_titles_reasons_and_comments(
    client: Any, stack: Stack, outbox: Path
) -> None:
    from chalicelib.core.domain import clock
    from chalicelib.work_orders.services import sla
    from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai

    # Given, on Sunday 29 November, appeals whose titles, the department's return reason
    # and the citizen's rating comment carry the citizen's name and phone number
    people = People(stack, client)
    time = Clock(shanghai("2026-11-29T09:00:00"))
    try:
        contact = {"name": CITIZEN_NAME, "phone": PHONE}
        title = f"{CITIZEN_NAME}反映路灯不亮 {PHONE}"
        staff = f"department:{DEPARTMENT}"

        def appeal(who: str = "citizen") -> str:
            made = people.submit(who, title=title, content="东门路灯坏了", contact=contact)
            response = people.act("operator", made["id"], "dispatch")
            assert response.status_code == 200, response.body
            return str(made["id"])

        deputy = appeal("deputy")  # on the daily's deputies' list, and escalated
        escalation = {"level": 2, "reason": f"{CITIZEN_NAME}多次来电"}
        assert people.act("operator", deputy, "escalate", escalation).status_code == 200
        returned = appeal()
        time.advance(minutes=5)
        reason = {"reason": f"经与{CITIZEN_NAME}（{PHONE}）核实，不属于本单位职责"}
        assert people.act(staff, returned, "return", reason).status_code == 200
        rated = appeal()
        for action in ("sign", "contact", "reply"):
            assert people.act(staff, rated, action).status_code == 200, action
        comment = {"score": 2, "resolved": False, "comment": f"我是{CITIZEN_NAME}，电话{PHONE}"}
        assert people.act("citizen", rated, "rating", comment).status_code == 200
        appeal()  # never signed: overdue on both reports
    finally:
        clock.set_clock(None)
    sla.sweep(rh.TRAFFIC_END)
    rh.feed_consumers(client)
    rh.put_recipients(client, stack, stack.token("admin"))

    # When both schedules fire on Monday at 08:00
    daily = rh.fire(client, "daily_report", rh.SEND_AT)
    weekly = rh.fire(client, "weekly_report", rh.SEND_AT)
    assert daily["sent"] == 2 and weekly["sent"] == 3, (daily, weekly)

    # Then the rows are there, masked, and neither the name nor the number in clear
    masked_title = "张*反映路灯不亮 138****5678"
    messages = rh.sent_messages()
    leaders = [m for m in messages if m.to[0] in rh.LEADERS]
    transport = [m for m in messages if m.to[0] in rh.WEEKLY[DEPARTMENT]]
    assert len(leaders) == 2 and len(transport) == 1
    for message in leaders:
        for part in (message.part("plain"), message.part("html")):
            assert part.count(masked_title) >= 3, part  # deputy's list, supervision: 2 + 1
    for part in (transport[0].part("plain"), transport[0].part("html")):
        assert part.count(masked_title) >= 3, part  # the overdue, returned and rated orders
        assert "经与张*（138****5678）核实，不属于本单位职责" in part
        assert "我是张*，电话138****5678" in part
    for message in messages:
        for part in (message.subject, message.part("plain"), message.part("html")):
            assert CITIZEN_NAME not in part and PHONE not in part, (message.to, part)
