"""The pure parts of the reports: addresses, periods, how figures are shown, what the
statistics consumer adds for them, and the rendering (escaped, both parts)."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.core.domain.clock import TZ
from chalicelib.core.errors import ValidationFailed
from chalicelib.figures.domain import reports
from chalicelib.figures.domain.statistics import increments, marks

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    "address",
    ["leader@example.com", "a.b+c@sub.example.gov.cn", "x_y@district.example"],
)
def test_addresses_mail_clients_accept(address: str) -> None:
    assert reports.is_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "leader",
        "leader@",
        "@example.com",
        "a@b",
        "张三 <z@example.com>",
        "a b@example.com",
        "a@example..com",
        "a@-example.com",
        "领导@example.com",
        5,
        None,
    ],
)
def test_addresses_refused(address: object) -> None:
    assert not reports.is_address(address)


def test_recipients_are_checked_as_a_whole() -> None:
    ok = reports.check_recipients(
        {"daily": ["a@example.com"], "weekly": {"d1": ["b@example.com"], "d2": []}}, ["d1", "d2"]
    )
    assert ok == {"daily": ["a@example.com"], "weekly": {"d1": ["b@example.com"]}}
    with pytest.raises(ValidationFailed) as refused:
        reports.check_recipients({"daily": "a@example.com", "weekly": []}, ["d1"])
    assert [e["field"] for e in refused.value.errors] == ["daily", "weekly"]
    with pytest.raises(ValidationFailed) as refused:
        reports.check_recipients({"daily": ["a@example.com"] * 2 + ["x"] * 49}, ["d1"])
    fields = [e["field"] for e in refused.value.errors]
    assert fields[:3] == ["weekly", "daily", "daily[1]"] and "daily[50]" in fields


def test_periods_default_to_the_last_complete_one_and_refuse_the_future() -> None:
    assert reports.parse_day(None, NOW) == "2026-11-29"
    assert reports.parse_week(None, NOW) == "2026-W48"
    assert reports.parse_day("2026-11-30", NOW) == "2026-11-30"
    assert reports.parse_week("2026-W49", NOW) == "2026-W49"
    for bad in ("2026-12-01", "2026-11-31", "26-11-01", "2026-11-01T00:00"):
        with pytest.raises(ValidationFailed):
            reports.parse_day(bad, NOW)
    for bad in ("2026-W50", "2026-W54", "2026W48", "2026-w48"):
        with pytest.raises(ValidationFailed):
            reports.parse_week(bad, NOW)
    assert reports.previous_week(datetime(2027, 1, 4, 8, tzinfo=TZ)) == "2026-W53"
    assert reports.earlier_periods("2026-03-01", 2) == ["2026-02-28", "2026-02-27"]
    assert reports.earlier_periods("2027-W01", 2) == ["2026-W53", "2026-W52"]
    assert reports.week_days("2026-W48")[0].isoformat() == "2026-11-23"


def test_figures_as_shown() -> None:
    assert reports.percent(0.98765) == "98.8%" and reports.percent(None) == "—"
    assert reports.median([3, None, 1, 2]) == 2 and reports.median([None]) is None
    assert reports.median([1, 2, 3, 4]) == 2.5
    assert reports.bar_width(0, 10) == 0 and reports.bar_width(1, 1000) == 2
    assert reports.bar_width(5, 10) == 50 and reports.bar_width(3, None) == 0
    assert reports.how_late("2026-11-28T05:30:00.000+08:00", NOW) == "2天2小时"
    assert reports.how_late("2026-11-30T06:45:00.000+08:00", NOW) == "1小时15分"
    assert reports.how_late("2026-11-30T07:59:30.000+08:00", NOW) == "1分钟"
    deadlines = {
        "sign_due": "2026-11-30T07:00:00.000+08:00",
        "reply_due": "2026-11-29T07:00:00.000+08:00",
    }
    assert reports.first_missed(deadlines, ["sign", "reply"]) == deadlines["reply_due"]
    assert reports.first_missed(deadlines, []) is None


def _event(kind: str, at: str, **data: object) -> dict[str, object]:
    return {"type": kind, "at": at, "actor": {"role": "x", "id": "y"}, "data": data}


def test_the_statistics_consumer_counts_intake_and_marks_what_reports_list() -> None:
    due = {
        "sign_due": "2026-11-24T09:15:00.000+08:00",
        "contact_due": "2026-11-24T09:30:00.000+08:00",
        "reply_due": "2026-11-27T09:00:00.000+08:00",
    }
    submitted = _event("submitted", "2026-11-24T09:00:00.000+08:00", channel="deputy")
    appeal = {"kind": "complaint", "channel": "deputy", "timeline": [submitted]}
    counts = increments(None, appeal)
    assert counts[("2026-11-24", "intake")] == {"channel:deputy": 1, "kind:complaint": 1}
    assert counts[("2026-11", "intake")] == counts[("2026-W48", "intake")]
    assert marks(None, appeal) == {("2026-11-24", "deputy"): {"submitted": 1}}

    dispatched = _event(
        "dispatched", "2026-11-24T09:00:00.000+08:00", department_id="d1", deadlines=due
    )
    returned = {
        **_event("returned", "2026-11-24T10:00:00.000+08:00", department_id="d1"),
        "note": "不属于本单位",
    }
    later = {**appeal, "timeline": [submitted, dispatched, returned]}
    before = {**appeal, "timeline": [submitted, dispatched]}
    assert marks(before, later) == {
        ("2026-W48", "dept#d1"): {"overdue_sign": 1, "overdue_contact": 1, "returned": 1}
    }
    assert ("2026-11-24", "intake") not in increments(before, later)
    rated = {
        **_event("rated", "2026-11-30T10:00:00.000+08:00", department_id="d1", score=2),
        "note": "没解决",
    }
    assert marks(later, {**later, "timeline": [*later["timeline"], rated]}) == {
        ("2026-W49", "dept#d1"): {"ratings": 1, "commented": 1},
        ("2026-11-30", "low-ratings"): {"low": 1},  # the leaders' daily list of low ratings
    }


def test_rendering_escapes_html_and_keeps_the_text_part_plain() -> None:
    from chalicelib.figures.services import report_render as render

    figures = {
        "kind": "weekly",
        "week": "2026-W48",
        "week_label": "11月23日—11月29日",
        "department_id": "d1",
        "department_name": "<b>局</b>",
        "generated_at": "2026-11-30 08:00",
        "departments": 3,
        "counts": [{"label": "派单", "value": 3, "median": 2.5}],
        "rates": [
            {"label": "响应率", "value": "50.0%", "median": "—", "width": 50, "median_width": 0}
        ],
        "ratings": {
            "total": 1,
            "mean": 2.0,
            "satisfied": 0,
            "commented": 1,
            "rows": [
                {
                    "id": "a",
                    "title": "t",
                    "score": 2,
                    "resolved": False,
                    "rework": True,
                    "comment": "<img src=x onerror=alert(1)>",
                    "link": "https://x.example/console/#/appeals/a",
                }
            ],
        },
        "overdue": {"total": 0, "rows": []},
        "returned": {"total": 0, "rows": []},
        "review_due": {
            "total": 2,
            "rows": [
                {
                    "id": "kb-1",
                    "title": "<script>x</script>",
                    "review_at": "2026-11-01",
                    "link": None,
                }
            ],
        },
    }
    out = render.weekly(figures)
    assert "&lt;script&gt;x&lt;/script&gt;" in out.html and "<script>" not in out.html
    assert "<script>x</script>｜应于 2026-11-01 复核" in out.text
    assert out.subject == "【部门周报】<b>局</b> 2026-W48（11月23日—11月29日）"
    assert "&lt;img src=x onerror=alert(1)&gt;" in out.html and "<img" not in out.html
    assert "&lt;b&gt;局&lt;/b&gt;" in out.html
    assert "<img src=x onerror=alert(1)>" in out.text and "&lt;" not in out.text
    assert 'href="https://x.example/console/#/appeals/a"' in out.html
    assert 'width="50%"' in out.html and "2.5" in out.html
