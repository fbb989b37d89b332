"""Exactly once per period and recipient; what SES refused goes out with the next run; the
recipients' list and who may read which report."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.figures.services.report_delivery import DeliveryIncomplete
from chalicelib.figures.store import report_log
from tests.integration import report_helpers as rh
from tests.integration.conftest import Stack, body


@pytest.fixture
def listed(client: Any, stack: Stack) -> None:
    rh.put_recipients(client, stack, stack.token("admin"))


def subjects() -> list[str]:
    return sorted(m.subject for m in rh.sent_messages())


@pytest.mark.usefixtures("listed")
def test_a_schedule_fired_twice_for_one_period_sends_once(client: Any) -> None:
    rh.verify_sender()
    # Given both schedules fired once on Monday 08:00
    first = [rh.fire(client, h, rh.SEND_AT) for h in ("daily_report", "weekly_report")]
    assert [(r["sent"], r["skipped"]) for r in first] == [(2, 0), (3, 0)]
    # When EventBridge fires them again for the same periods
    again = [
        rh.fire(client, h, rh.SEND_AT + timedelta(minutes=1))
        for h in ("daily_report", "weekly_report")
    ]
    # Then nothing is sent twice
    assert [(r["sent"], r["skipped"], r["failed"]) for r in again] == [(0, 2, 0), (0, 3, 0)]
    assert len(rh.sent_messages()) == 5
    assert sorted(m.to[0] for m in rh.sent_messages()) == sorted(
        rh.LEADERS + [a for addresses in rh.WEEKLY.values() for a in addresses]
    )


@pytest.mark.usefixtures("listed")
def test_what_ses_refused_on_the_first_run_is_sent_by_the_next(
    client: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # Given SES refuses the first run: the sender's identity is not verified yet
    with pytest.raises(DeliveryIncomplete, match="2 daily report"):
        rh.fire(client, "daily_report", rh.SEND_AT)
    # Then nothing went out, each failure was logged and counted, and the markers released
    assert rh.sent_messages() == []
    failures = [r for r in caplog.records if r.getMessage() == "report not sent"]
    assert sorted(r.recipient for r in failures) == sorted(rh.LEADERS)  # type: ignore[attr-defined]
    assert '"ReportSendFailed":[1.0,1.0]' in capsys.readouterr().out
    markers = report_log.markers("daily", rh.DAY)
    assert sorted((m.key, m.status) for m in markers) == [(a, "failed") for a in sorted(rh.LEADERS)]
    # When the identity is verified and the schedule runs again (Lambda's retry)
    rh.verify_sender()
    retry = rh.fire(client, "daily_report", rh.SEND_AT + timedelta(minutes=2))
    # Then each leader gets the report once, and a further run sends nothing
    assert (retry["sent"], retry["skipped"], retry["failed"]) == (2, 0, 0)
    assert subjects() == ["【民生诉求日报】2026年11月29日（含11月累计）"] * 2
    assert rh.fire(client, "daily_report", rh.SEND_AT + timedelta(minutes=3))["sent"] == 0
    assert {m.status for m in report_log.markers("daily", rh.DAY)} == {"sent"}


@pytest.mark.usefixtures("listed")
def test_a_day_that_failed_every_retry_goes_out_with_the_next_days_report(client: Any) -> None:
    with pytest.raises(DeliveryIncomplete):
        rh.fire(client, "daily_report", rh.SEND_AT)
    rh.verify_sender()
    next_day = rh.fire(client, "daily_report", rh.SEND_AT + timedelta(days=1))
    assert (next_day["sent"], next_day["failed"]) == (4, 0)
    assert subjects() == sorted(
        ["【民生诉求日报】2026年11月29日（含11月累计）"] * 2
        + ["【民生诉求日报】2026年11月30日（含11月累计）"] * 2
    )


@pytest.mark.usefixtures("listed")
def test_a_claim_left_by_a_run_that_died_is_taken_again_after_the_lease(client: Any) -> None:
    rh.verify_sender()
    # Given a run that claimed one leader's message and died before sending it
    at = clock.iso(rh.SEND_AT)
    assert report_log.claim("daily", rh.DAY, rh.LEADERS[0], at, at)
    # When the schedule runs again within the lease, then after it
    soon = rh.fire(client, "daily_report", rh.SEND_AT + timedelta(minutes=5))
    later = rh.fire(client, "daily_report", rh.SEND_AT + timedelta(minutes=16))
    # Then the other leader is served at once, the first one only once the claim is stale
    assert (soon["sent"], soon["skipped"]) == (1, 1)
    assert (later["sent"], later["skipped"]) == (1, 1)
    assert sorted(m.to[0] for m in rh.sent_messages()) == sorted(rh.LEADERS)


def test_recipients_are_checked_field_by_field_and_nothing_is_stored_on_error(
    client: Any, stack: Stack
) -> None:
    admin = stack.headers(stack.token("admin"))
    first = {"daily": ["leader@example.com"], "weekly": {"transport-bureau": ["t@example.com"]}}
    assert (
        client.http.put("/report-recipients", headers=admin, body=json.dumps(first)).status_code
        == 200
    )
    bad = {
        "daily": ["leader@example.com", "张三 <zhang@example.com>", "LEADER@example.com"],
        "weekly": {"no-such-office": ["x@example.com"], "transport-bureau": ["t@", 5]},
        "monthly": [],
    }
    refused = client.http.put("/report-recipients", headers=admin, body=json.dumps(bad))
    assert refused.status_code == 400
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in body(refused)["errors"]} == {
        "monthly",
        "daily[1]",
        "daily[2]",
        "weekly.no-such-office",
        "weekly.transport-bureau[0]",
        "weekly.transport-bureau[1]",
    }
    stored = body(client.http.get("/report-recipients", headers=admin))
    assert (stored["daily"], stored["weekly"]) == (first["daily"], first["weekly"])
    assert stored["version"] == 1
    leader = stack.headers(stack.token("leader"))
    assert client.http.get("/report-recipients", headers=leader).status_code == 403
    assert (
        client.http.put("/report-recipients", headers=leader, body=json.dumps(first)).status_code
        == 403
    )


def test_who_reads_which_report(client: Any, stack: Stack) -> None:
    clock.set_clock(lambda: rh.SEND_AT)
    try:

        def get(role: str, path: str, department: str | None = None) -> Any:
            return client.http.get(path, headers=stack.headers(stack.token(role, department)))

        for role in ("leader", "admin"):
            page = get(role, "/reports/daily?date=2026-11-29")
            assert page.status_code == 200
            assert page.headers["Content-Type"] == "text/html; charset=utf-8"
            assert "default-src 'none'" in page.headers["Content-Security-Policy"]
            assert "2026年11月29日" in page.body.decode()
            weekly = get(role, "/reports/weekly?week=2026-W48&department_id=transport-bureau")
            assert weekly.status_code == 200 and "区交通运输局" in weekly.body.decode()
        own = get("department", "/reports/weekly?week=2026-W48", "transport-bureau")
        assert own.status_code == 200 and "区交通运输局 · 部门周报" in own.body.decode()
        other = get(
            "department",
            "/reports/weekly?week=2026-W48&department_id=health-commission",
            "transport-bureau",
        )
        assert other.status_code == 403
        assert get("department", "/reports/daily", "transport-bureau").status_code == 403
        assert get("citizen", "/reports/daily").status_code == 403
        assert get("operator", "/reports/weekly?department_id=transport-bureau").status_code == 403
        for path, field in (
            ("/reports/daily?date=2026-13-01", "date"),
            ("/reports/daily?date=2026-12-01", "date"),
            ("/reports/weekly?week=2026-W99&department_id=transport-bureau", "week"),
            ("/reports/weekly", "department_id"),
            ("/reports/weekly?department_id=no-such-office", "department_id"),
        ):
            refused = get("leader", path)
            assert refused.status_code == 400, path
            assert [e["field"] for e in body(refused)["errors"]] == [field]
    finally:
        clock.set_clock(None)
