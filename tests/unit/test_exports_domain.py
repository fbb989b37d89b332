"""The exports' pure rules: the request, a period's bounds, a work order as its row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from chalicelib.core.domain.appeal import Appeal, Channel, Event, Kind, State
from chalicelib.core.domain.clock import TZ
from chalicelib.core.errors import ValidationFailed
from chalicelib.exports.domain.exports import (
    WORK_ORDER_COLUMNS,
    matches,
    parse_request,
    period_bounds,
    work_order_row,
)

HEADERS = [c.header for c in WORK_ORDER_COLUMNS]


def appeal(kind: Kind = Kind.COMPLAINT, **fields: object) -> Appeal:
    at = "2026-11-03T10:15:00.000+08:00"
    base: dict[str, object] = {
        "id": "20261103-ABCDEFGH",
        "state": State.REPLIED,
        "kind": kind,
        "channel": Channel.HOTLINE,
        "title": "王小明反映东门路灯不亮，电话13812345678",
        "content": "东门路灯坏了",
        "citizen_id": "c1",
        "created_at": at,
        "updated_at": at,
        "category": "street-lights",
        "contact": {"name": "王小明", "phone": "13812345678"},
        "location": {"lat": 36.8, "lng": 118.0, "address": "般阳路街道东门路12号"},
        "department_id": "transport-bureau",
        "deadlines": {"reply_due": "2026-11-06T10:20:00.000+08:00"},
        "overdue": ["sign"],
        "escalation": {"level": 2, "reason": "超期"},
        "rating": {"score": 4, "resolved": True},
        "reply": {"content": "已修", "at": "2026-11-05T09:00:00.000+08:00"},
        "timeline": [
            Event("dispatched", "2026-11-03T10:20:00.000+08:00", {"role": "operator"}),
        ],
    }
    base.update(fields)
    return Appeal(**base)  # type: ignore[arg-type]


def row_of(a: Appeal) -> dict[str, object]:
    values = work_order_row(a, {"transport-bureau": "交通运输局"}, {"street-lights": "路灯"})
    return dict(zip(HEADERS, values, strict=True))


def test_a_row_shows_contacts_masked_and_times_as_times() -> None:
    row = row_of(appeal())
    assert row["联系人"] == "王**" and row["联系电话"] == "138****5678"
    assert "13812345678" not in str(row["标题"]) and "王小明" not in str(row["标题"])
    assert row["受理时间"] == datetime(2026, 11, 3, 10, 15, tzinfo=TZ)
    assert row["派单时间"] == datetime(2026, 11, 3, 10, 20, tzinfo=TZ)
    assert row["承办单位"] == "交通运输局" and row["诉求类别"] == "路灯"
    assert row["超期环节"] == "签收" and row["督办级别"] == 2
    assert row["评分"] == 4 and row["是否解决"] == "是"
    assert row["地址"] == "般阳路街道"  # the street, never the door
    assert row["状态"] == "已答复" and row["渠道"] == "12345热线"


def test_a_whistleblowers_row_has_no_reporter_at_all() -> None:
    row = row_of(appeal(Kind.WHISTLEBLOWING, title="王小明举报工地夜间施工"))
    assert row["联系人"] == "" and row["联系电话"] == ""
    text = " ".join(str(v) for v in row.values())
    assert "王小明" not in text and "王*" not in text and "5678" not in text
    assert row["诉求类型"] == "举报"


def test_filters_match_on_every_field_given() -> None:
    a = appeal()
    assert matches(a, {})
    assert matches(a, {"department_id": "transport-bureau", "kind": "complaint"})
    assert not matches(a, {"department_id": "transport-bureau", "channel": "app"})
    assert not matches(a, {"state": "closed"})


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2026-11", "2026-11-01T00:00:00.000+08:00", "2026-11-30T23:59:59.999+08:00"),
        ("2026-12", "2026-12-01T00:00:00.000+08:00", "2026-12-31T23:59:59.999+08:00"),
        ("2026-W48", "2026-11-23T00:00:00.000+08:00", "2026-11-29T23:59:59.999+08:00"),
        ("2026-11-26", "2026-11-26T00:00:00.000+08:00", "2026-11-26T23:59:59.999+08:00"),
    ],
)
def test_a_period_is_read_from_its_first_to_its_last_instant(
    period: str, first: str, last: str
) -> None:
    assert period_bounds(period) == (first, last)


def test_figure_exports_take_the_department_filter_only() -> None:
    body = {"kind": "bulletin", "period": "2026-11", "format": "csv"}
    assert parse_request({**body, "filters": {"department_id": "x"}}).filters == {
        "department_id": "x"
    }
    with pytest.raises(ValidationFailed) as refused:
        parse_request({**body, "filters": {"kind": "complaint", "channel": "app"}})
    assert [e["field"] for e in refused.value.errors] == ["filters.channel", "filters.kind"]
    with pytest.raises(ValidationFailed) as bad_period:
        parse_request({**body, "period": "2026-W60"})
    assert [e["field"] for e in bad_period.value.errors] == ["period"]


def test_an_xlsx_longer_than_a_sheet_goes_on_in_a_new_sheet_with_its_header(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    from chalicelib.exports.domain.exports import RANKING_COLUMNS
    from chalicelib.exports.services.writers import XlsxWriter

    monkeypatch.setattr(XlsxWriter, "SHEET_ROWS", 3)  # the header and two rows a sheet
    path = str(tmp_path / "long.xlsx")
    writer = XlsxWriter(path, "排行榜", RANKING_COLUMNS)
    for rank in range(1, 6):
        writer.write(["办件量", rank, f"d{rank}", "单位", 1.0, 1, 1, 0.5, "是"])
    writer.close()
    book = load_workbook(path)
    assert book.sheetnames == ["排行榜", "排行榜 (2)", "排行榜 (3)"]
    sheets = [list(book[name].iter_rows(values_only=True)) for name in book.sheetnames]
    assert [len(rows) for rows in sheets] == [3, 3, 2]
    assert all(rows[0][0] == "榜单" for rows in sheets)
    assert [r[1] for rows in sheets for r in rows[1:]] == [1, 2, 3, 4, 5]
    assert all(book[name].freeze_panes == "A2" for name in book.sheetnames)
    assert writer.rows == 5
