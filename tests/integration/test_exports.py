"""Exports (导出): asked for over the API, built by the exports queue's consumer (invoked as
Lambda would, on the messages moto's queue holds), fetched through the presigned link the
record gives, and opened as a person would: openpyxl for XLSX, Python's csv for CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.clock import TZ
from chalicelib.exports.domain.exports import (
    BULLETIN_COLUMNS,
    RANKING_COLUMNS,
    WORK_ORDER_COLUMNS,
)
from chalicelib.local.pump import sqs_record
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.integration.test_events import stream_records

END = datetime(2026, 11, 26, 18, 0, tzinfo=TZ)
MOBILE = re.compile(r"1[3-9]\d{9}")
MASKED_MOBILE = re.compile(r"^1[3-9]\d\*{4}\d{4}$")
REPORTER_NAME = "李举报"
REPORTER_PHONE = "13987654321"
HEADERS = [c.header for c in WORK_ORDER_COLUMNS]


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def build_queued(client: Any) -> list[Any]:
    """Every message on the exports queue, handed to its consumer as Lambda would (one a
    batch, as declared), deleted unless reported failed; the consumer's answers."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = settings().exports_queue
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    answers = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", [])
        if not got:
            return answers
        event = {"Records": [sqs_record(m, arn, "us-east-1") for m in got]}
        answer = client.lambda_.invoke("build_exports", event).payload
        answers.append(answer)
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        for message in got:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def queued_messages() -> int:
    sqs = boto3.client("sqs", region_name="us-east-1")
    attributes = sqs.get_queue_attributes(
        QueueUrl=settings().exports_queue,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def export_records() -> list[dict[str, Any]]:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    items = ddb.scan(TableName=settings().users_table)["Items"]
    return [i for i in items if i["pk"]["S"].startswith("export#")]


def ask(people: People, who: str, payload: dict[str, Any], **headers: str) -> Any:
    return people.client.http.post(
        "/exports",
        headers=people.stack.headers(people.token(who), **headers),
        body=json.dumps(payload),
    )


def fetch(people: People, who: str, export_id: str) -> dict[str, Any]:
    response = people.get(who, f"/exports/{export_id}")
    assert response.status_code == 200, response.body
    return dict(body(response))


def downloaded(record: dict[str, Any]) -> bytes:
    response = requests.get(record["url"], timeout=10)
    assert response.status_code == 200
    return response.content


def month_of_appeals(people: People) -> tuple[int, dict[str, int]]:
    """A small simulated November (with its contact numbers) and one 举报 naming its
    reporter; the appeals submitted in November, and how many of each kind."""
    from chalicelib.core.store.models import AppealModel
    from chalicelib.local.simulate import simulate

    simulate(END, days=8, per_day=5, seed=11, sweep_minutes=240)
    Clock(shanghai("2026-11-26T19:00:00"))
    people.submit(
        kind="whistleblowing",
        title=f"{REPORTER_NAME}举报工地夜间施工",
        content=f"我是{REPORTER_NAME}，电话 139 8765 4321，东门工地每晚十一点后仍在施工。",
        contact={"name": REPORTER_NAME, "phone": REPORTER_PHONE},
    )
    kinds: dict[str, int] = {}
    for item in AppealModel.scan():
        if item.created_month == "2026-11":
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
    return sum(kinds.values()), kinds


@pytest.mark.long(6)
def test_a_month_exported_to_xlsx_has_one_row_per_work_order_and_no_phone_number(
    people: People, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    # (Ten rows a page: the month is read in several pages of the month index.)
    monkeypatch.setenv("MINSHENG_EXPORT_PAGE_SIZE", "10")
    settings.cache_clear()
    # Given a month of appeals with contact numbers, and a 举报 naming its reporter
    total, _kinds = month_of_appeals(people)
    assert total > 30
    # When an operator asks for the month as a spreadsheet
    asked = ask(people, "operator", {"kind": "work-orders", "period": "2026-11", "format": "xlsx"})
    assert asked.status_code == 202, asked.body
    export = body(asked)
    assert asked.headers["Location"] == f"/exports/{export['id']}"
    # Then before the consumer ran, the record says it is queued, with no link
    before = fetch(people, "operator", export["id"])
    assert before["state"] == "queued" and "url" not in before
    assert before["requested_by"]["role"] == "operator"
    # And once it ran, the record is done with its row count and a 5-minute link
    assert build_queued(client) == [{"batchItemFailures": []}]
    done = fetch(people, "operator", export["id"])
    assert done["state"] == "done", done
    assert done["rows"] == total
    query = parse_qs(urlparse(done["url"]).query)
    assert query["X-Amz-Expires"] == ["300"]
    assert urlparse(done["url"]).path.endswith(f"/exports/{export['id']}.xlsx")
    # And the file opens: one sheet, the documented Chinese headers, one row per work order
    book = load_workbook(io.BytesIO(downloaded(done)))
    sheet = book.active
    assert sheet.title == "工单明细"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert len(rows) - 1 == total
    ids = [r[0] for r in rows[1:]]
    assert len(set(ids)) == total
    # The header row is frozen, the columns have their widths, times are dates
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["F"].width == WORK_ORDER_COLUMNS[5].width
    assert all(isinstance(r[1], datetime) for r in rows[1:])
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert {r[1].strftime("%Y-%m") for r in rows[1:]} == {"2026-11"}
    # And no cell holds a phone number: the contact's is masked, the reporter's absent
    cells = [str(v) for r in rows[1:] for v in r if v is not None]
    assert not [c for c in cells if MOBILE.search(c)]
    phone_column = HEADERS.index("联系电话")
    phones = [r[phone_column] for r in rows[1:] if r[phone_column]]
    assert phones and all(MASKED_MOBILE.match(p) for p in phones)
    reporter_row = next(r for r in rows[1:] if r[HEADERS.index("诉求类型")] == "举报")
    assert reporter_row[phone_column] in (None, "")
    assert reporter_row[HEADERS.index("联系人")] in (None, "")
    assert not [c for c in cells if REPORTER_NAME in c or "李*" in c or "4321" in c]


@pytest.mark.long(5)
def test_a_csv_export_opens_with_its_bom_and_keeps_to_its_filters(
    people: People, client: Any
) -> None:
    _total, kinds = month_of_appeals(people)
    # When a leader asks for the month's complaints as CSV
    asked = ask(
        people,
        "leader",
        {
            "kind": "work-orders",
            "period": "2026-11",
            "format": "csv",
            "filters": {"kind": "complaint"},
        },
    )
    assert asked.status_code == 202, asked.body
    build_queued(client)
    done = fetch(people, "leader", body(asked)["id"])
    raw = downloaded(done)
    # Then the file starts with UTF-8's byte-order mark, so Excel reads it as UTF-8
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert len(rows) - 1 == kinds["complaint"] == done["rows"]
    assert {r[HEADERS.index("诉求类型")] for r in rows[1:]} == {"投诉"}
    assert all(re.fullmatch(r"2026-11-\d\d \d\d:\d\d", r[1]) for r in rows[1:])
    assert not [v for r in rows[1:] for v in r if MOBILE.search(v)]


def test_formula_text_stays_text(people: People, client: Any) -> None:
    """A title a spreadsheet would run as a formula is written as text in both formats."""
    from openpyxl import load_workbook

    Clock(shanghai("2026-11-20T10:00:00"))
    people.submit(title='=HYPERLINK("http://x.example","点我")', content="东门路灯坏了")
    files = {}
    for file_format in ("xlsx", "csv"):
        asked = ask(
            people, "admin", {"kind": "work-orders", "period": "2026-11", "format": file_format}
        )
        build_queued(client)
        files[file_format] = downloaded(fetch(people, "admin", body(asked)["id"]))
    cell = load_workbook(io.BytesIO(files["xlsx"])).active["F2"]
    assert cell.data_type == "s" and str(cell.value).startswith("=HYPERLINK")
    rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    assert rows[1][5].startswith("'=HYPERLINK")


@pytest.mark.long(6)
def test_bulletin_and_rankings_exports_carry_the_public_figures(
    people: People, client: Any
) -> None:
    from openpyxl import load_workbook

    from chalicelib.figures.services import rankings
    from chalicelib.work_orders.services import sla

    month_of_appeals(people)
    sla.sweep(END)
    records = stream_records()
    for start in range(0, len(records), 100):
        result = client.lambda_.invoke(
            "appeal_statistics", {"Records": records[start : start + 100]}
        ).payload
        assert result == {"batchItemFailures": []}
    rankings.refresh()
    stats = body(people.client.http.get("/public/stats?period=2026-11"))
    boards = body(people.client.http.get("/public/rankings?period=2026-11"))["boards"]
    ids = {}
    for kind in ("bulletin", "rankings"):
        asked = ask(people, "leader", {"kind": kind, "period": "2026-11", "format": "xlsx"})
        assert asked.status_code == 202, asked.body
        ids[kind] = body(asked)["id"]
    build_queued(client)

    bulletin = load_workbook(io.BytesIO(downloaded(fetch(people, "leader", ids["bulletin"]))))
    rows = list(bulletin.active.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == [c.header for c in BULLETIN_COLUMNS]
    platform = dict(zip(header, rows[1], strict=True))
    assert platform["单位"] == "全区平台"
    assert platform["派单"] == stats["counters"]["dispatched"]
    assert platform["答复"] == stats["counters"]["replied"]
    assert platform["按期办结率"] == stats["rates"]["on_time_completion_rate"]
    assert platform["满意率"] == stats["rates"]["satisfaction_rate"]
    by_department = {r[0]: dict(zip(header, r, strict=True)) for r in rows[2:]}
    volume = next(b for b in boards if b["board"] == "volume")
    assert set(by_department) == {e["department_id"] for e in volume["entries"]}
    for entry in volume["entries"]:
        row = by_department[entry["department_id"]]
        assert row["答复"] == entry["count"]
        assert row["按期办结率"] == entry["on_time_completion_rate"]

    ranked = load_workbook(io.BytesIO(downloaded(fetch(people, "leader", ids["rankings"]))))
    rows = list(ranked.active.iter_rows(values_only=True))
    assert list(rows[0]) == [c.header for c in RANKING_COLUMNS]
    assert len(rows) - 1 == sum(len(b["entries"]) for b in boards)
    satisfaction = next(b for b in boards if b["board"] == "satisfaction")
    shown = [(r[2], r[1], r[4]) for r in rows[1:] if r[0] == "满意度"]
    assert shown == [(e["department_id"], e["rank"], e["value"]) for e in satisfaction["entries"]]


BAD = [
    ({"kind": "work-orders", "period": "2026-11"}, "format"),
    ({"kind": "orders", "period": "2026-11", "format": "xlsx"}, "kind"),
    ({"kind": "work-orders", "period": "2026-13", "format": "xlsx"}, "period"),
    ({"kind": "work-orders", "period": "2026-11", "format": "pdf"}, "format"),
    ({"kind": "work-orders", "period": "2026-11", "format": "csv", "state": "x"}, "state"),
    (
        {"kind": "work-orders", "period": "2026-11", "format": "csv", "filters": {"kind": "x"}},
        "filters.kind",
    ),
    (
        {"kind": "work-orders", "period": "2026-11", "format": "csv", "filters": {"phone": "1"}},
        "filters.phone",
    ),
    (
        {
            "kind": "work-orders",
            "period": "2026-11",
            "format": "csv",
            "filters": {"department_id": "no-such-unit"},
        },
        "filters.department_id",
    ),
    (
        {
            "kind": "work-orders",
            "period": "2026-11",
            "format": "csv",
            "filters": {"category": "no-such-category"},
        },
        "filters.category",
    ),
    (
        {"kind": "bulletin", "period": "2026-11", "format": "csv", "filters": {"state": "closed"}},
        "filters.state",
    ),
]


@pytest.mark.parametrize(("payload", "field"), BAD)
def test_a_bad_request_names_its_field_and_leaves_nothing(
    people: People, payload: dict[str, Any], field: str
) -> None:
    response = ask(people, "operator", payload)
    assert response.status_code == 400, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in body(response)["errors"]]
    assert export_records() == [] and queued_messages() == 0


def test_an_export_is_its_requesters_and_an_admins(people: People, client: Any) -> None:
    Clock(shanghai("2026-11-20T10:00:00"))
    people.submit()
    export_id = body(
        ask(people, "operator", {"kind": "work-orders", "period": "2026-11", "format": "csv"})
    )["id"]
    # Another operator and a leader learn nothing of it; an admin reads it
    assert people.get("operator:x", f"/exports/{export_id}").status_code == 404
    assert people.get("leader", f"/exports/{export_id}").status_code == 404
    assert people.get("admin", f"/exports/{export_id}").status_code == 200
    assert people.get(f"department:{DEPARTMENT}", f"/exports/{export_id}").status_code == 403
    assert people.get("operator", "/exports/not-an-id").status_code == 404
    # And a department cannot ask for one
    refused = ask(
        people,
        f"department:{DEPARTMENT}",
        {"kind": "rankings", "period": "2026-11", "format": "csv"},
    )
    assert refused.status_code == 403


def test_the_record_says_who_asked_what_and_when(people: People, client: Any) -> None:
    Clock(shanghai("2026-11-20T10:00:00"))
    payload = {
        "kind": "work-orders",
        "period": "2026-W47",
        "format": "xlsx",
        "filters": {"department_id": DEPARTMENT, "channel": "app"},
    }
    made = body(ask(people, "leader", payload))
    stored = export_records()
    assert len(stored) == 1
    item = stored[0]
    assert item["requester_role"]["S"] == "leader"
    assert item["requested_at"]["S"] == "2026-11-20T10:00:00.000+08:00"
    assert item["kind"]["S"] == "work-orders" and item["period"]["S"] == "2026-W47"
    assert made["filters"] == payload["filters"]
    # None of the users table's index keys: the export is no account in the directory
    assert not {"listed", "role", "username", "department_id"} & set(item)
    directory = body(people.get("admin", "/users"))["items"]
    assert all(not str(u.get("username", "")).startswith("export") for u in directory)


def test_the_same_idempotency_key_makes_one_export(people: People) -> None:
    payload = {"kind": "rankings", "period": "2026-11", "format": "csv"}
    first = ask(people, "operator", payload, **{"Idempotency-Key": "export-once-1"})
    again = ask(people, "operator", payload, **{"Idempotency-Key": "export-once-1"})
    assert first.status_code == again.status_code == 202
    assert body(first)["id"] == body(again)["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(export_records()) == 1 and queued_messages() == 1


def test_a_build_that_fails_says_why_and_is_not_tried_again(
    people: People, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.errors import ServiceUnavailable
    from chalicelib.exports.integrations import exports as outlet

    def refuse(*_args: Any, **_kw: Any) -> None:
        raise ServiceUnavailable("the media store did not accept the export")

    monkeypatch.setattr(outlet, "store_file", refuse)
    export_id = body(
        ask(people, "operator", {"kind": "rankings", "period": "2026-11", "format": "xlsx"})
    )["id"]
    assert build_queued(client) == [{"batchItemFailures": []}]
    failed = fetch(people, "operator", export_id)
    assert failed["state"] == "failed" and "ServiceUnavailable" in failed["reason"]
    assert "url" not in failed and queued_messages() == 0


def test_a_build_that_never_finished_is_taken_again_then_given_up(
    people: People, client: Any
) -> None:
    from chalicelib.exports.services import exports

    Clock(shanghai("2026-11-20T10:00:00"))
    export_id = body(
        ask(people, "operator", {"kind": "rankings", "period": "2026-11", "format": "csv"})
    )["id"]
    message = {"export_id": export_id}
    # A run that died after taking it: the record says running
    from chalicelib.exports.store import exports as records

    assert records.start(export_id, clock.iso(clock.now()), "2000-01-01T00:00:00.000+08:00")
    # A second receive while it may still run changes nothing
    assert exports.build(message, 2) == "skipped"
    # Once longer ago than a run can last, the next receive builds it
    Clock(shanghai("2026-11-20T10:20:00"))
    assert exports.build(message, 2) == "done"
    assert fetch(people, "operator", export_id)["state"] == "done"
    # And a message received more often than the attempts allow marks it failed
    other = body(
        ask(people, "operator", {"kind": "rankings", "period": "2026-11", "format": "csv"})
    )["id"]
    assert exports.build({"export_id": other}, 4) == "failed"
    assert "attempts" in fetch(people, "operator", other)["reason"]
    # A message naming no export is dropped
    assert exports.build({"export_id": "20261120T100000-0000000000"}, 1) == "missing"


def test_a_finished_file_expires_with_its_week(people: People, client: Any) -> None:
    Clock(shanghai("2026-11-20T10:00:00"))
    export_id = body(
        ask(people, "operator", {"kind": "rankings", "period": "2026-11", "format": "csv"})
    )["id"]
    build_queued(client)
    assert fetch(people, "operator", export_id)["state"] == "done"
    Clock(shanghai("2026-11-27T10:00:01"))
    expired = fetch(people, "operator", export_id)
    assert expired["state"] == "expired" and "url" not in expired


def test_a_week_across_two_months_reads_both_months_partitions(people: People, client: Any) -> None:
    # Given work orders on either side of 1 December, and one the week after
    made = {}
    for at in (
        "2026-11-29T23:59:00",
        "2026-11-30T08:00:00",
        "2026-12-06T23:59:00",
        "2026-12-07T00:00:00",
    ):
        Clock(shanghai(at))
        made[at] = people.submit()["id"]
    # When the ISO week 2026-W49 (30 November to 6 December) is exported
    asked = ask(people, "operator", {"kind": "work-orders", "period": "2026-W49", "format": "csv"})
    build_queued(client)
    raw = downloaded(fetch(people, "operator", body(asked)["id"]))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    # Then it holds the week's two, oldest first, from both months
    assert [r[0] for r in rows[1:]] == [made["2026-11-30T08:00:00"], made["2026-12-06T23:59:00"]]
