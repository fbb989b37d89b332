"""The pure rules of issue 27: what 举报, transfers, rejections and urges add to the
counters and the notices, and how a reporter's name leaves a text."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chalicelib.core.domain.masking import without_reporter
from chalicelib.figures.domain.statistics import Round, event_counters, increments
from chalicelib.notifications.domain.notices import notices, text_for

AT = "2026-11-26T10:00:00.000+08:00"
DUE = {"sign_due": AT, "contact_due": AT, "reply_due": "2026-11-30T10:00:00.000+08:00"}


def _event(type_: str, at: str = AT, **data: Any) -> dict[str, Any]:
    return {"type": type_, "at": at, "actor": {"role": "operator", "id": "op"}, "data": data}


def test_without_reporter_removes_the_name_and_number_however_written() -> None:
    text = "我是李建国，电话139 8765-4321，李**也行，+86 13987654321，13987654321"
    out = without_reporter(text, "李建国", "13987654321")
    assert out == "我是举报人，电话***********，举报人也行，***********，***********"
    # A one-character name is not a name to look for; other numbers stay
    assert without_reporter("李说 13800001111", "李", "13987654321") == "李说 13800001111"
    assert without_reporter(None, "李建国", None) is None


def test_a_rejection_and_a_transfer_count_for_the_platform_by_code() -> None:
    rnd = Round()
    rejected = event_counters(_event("rejected", reason_code="duplicate"), rnd)
    assert rejected == [(None, AT, Counter({"rejected": 1, "rejected:duplicate": 1}))]
    moved = event_counters(_event("transferred", to="119", name="119 火警"), rnd)
    assert moved == [(None, AT, Counter({"transferred": 1, "transferred:119": 1}))]
    uncoded = event_counters(_event("rejected"), rnd)
    assert uncoded == [(None, AT, Counter({"rejected": 1}))]


def test_an_urge_counts_for_the_department_holding_the_order() -> None:
    rnd = Round()
    event_counters(_event("dispatched", department_id="roads", deadlines=DUE), rnd)
    urged = event_counters(_event("urged", department_id="roads", count=1), rnd)
    assert urged == [("roads", AT, Counter({"urged": 1}))]
    # Without the department on the event, the round's
    assert event_counters(_event("urged"), rnd) == [("roads", AT, Counter({"urged": 1}))]


def test_a_transfer_ends_the_round_nothing_more_is_late() -> None:
    old = {"timeline": [_event("submitted", channel="app")]}
    later = "2026-12-10T10:00:00.000+08:00"
    new = {
        "timeline": [
            *old["timeline"],
            _event("transferred", to="110", name="110 报警服务台"),
            _event("commented", at=later),
        ]
    }
    added = increments(old, new)
    assert added[("2026-11", "platform")] == Counter({"transferred": 1, "transferred:110": 1})
    assert ("2026-12", "platform") not in added


def _image(timeline: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"citizen_id": "c1", "department_id": "roads", "timeline": timeline, **fields}


def test_an_urge_tells_the_department_system_and_its_staff() -> None:
    before = [_event("submitted"), _event("dispatched", department_id="roads")]
    urge = _event("urged", department_id="roads", count=2, overdue=["sign"])
    found = notices("a1", _image(before), _image([*before, urge]))
    told = [(n.type, n.kind, n.recipient, n.data) for n in found if n.type == "work_order.urged"]
    facts = {"count": 2, "overdue": ["sign"]}
    assert told == [
        ("work_order.urged", "department", "roads", facts),
        ("work_order.urged", "department_staff", "roads", facts),
    ]
    assert (
        text_for("work_order.urged", "路灯", facts)[1] == "工单“路灯”被催办（第2次），请抓紧办理。"
    )


def test_a_transfer_tells_the_citizen_where_it_went() -> None:
    before = [_event("submitted")]
    moved = _event("transferred", to="other", name="区人民法院")
    found = notices("a1", _image(before), _image([*before, moved], department_id=None))
    [told] = [n for n in found if n.kind == "citizen"]
    assert (told.type, told.recipient, told.data) == (
        "appeal.transferred",
        "c1",
        {"to": "other", "name": "区人民法院"},
    )
    assert "区人民法院" in text_for(told.type, "诉求", told.data)[1]
    assert "120 急救中心" in text_for(told.type, "诉求", {"to": "120"})[1]
