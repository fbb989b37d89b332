"""Exports (导出): what a person asks for, the columns each kind of file has, and a work
order as a row of one. Pure: the services read the rows, the writers write them.

Every export shows personal data as leaders and admins see it (names and numbers masked,
whoever asked), and a 举报's reporter not at all: the supervisor's view of the appeal is
the only source of a row's personal fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Appeal, Channel, Kind, State
from chalicelib.core.domain.names import (
    BOARD_NAMES,
    CHANNEL_NAMES,
    KIND_NAMES,
    STAGE_NAMES,
    STATE_NAMES,
)
from chalicelib.core.domain.periods import Granularity, granularity, parse_period, period_end
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.records import frozen
from chalicelib.core.domain.validation import NO_CONTROL
from chalicelib.core.errors import ValidationFailed

KINDS = ("work-orders", "bulletin", "rankings")
FORMATS = ("xlsx", "csv")
# queued (on the queue) -> running (a consumer builds it) -> done (the file is stored) or
# failed (with a reason); nothing moves a record back.
STATES = ("queued", "running", "done", "failed")
FILTERS = ("department_id", "category", "kind", "state", "channel")
# The filters a figures export (bulletin, rankings) takes: the figures are per department.
FIGURE_FILTERS = ("department_id",)
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# The file stays in the media bucket this long (its lifecycle rule); its link, once made,
# this many seconds.
KEEP_DAYS = 7
LINK_SECONDS = 300
PREFIX = "exports/"
# The reader whose view every row is built from: a supervisor (masked contact, no 举报
# reporter), whatever the role of the person who asked.
READER = Principal(id="minsheng-exports", role=Role.LEADER, username="exports")
REQUESTERS = (Role.OPERATOR, Role.LEADER, Role.ADMIN)

_TEXT = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NO_CONTROL}
EXPORT_REQUEST: dict[str, Any] = {
    "$id": "minsheng:export-request",
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "period", "format"],
    "properties": {
        "kind": {
            "type": "string",
            "enum": list(KINDS),
            "description": "work-orders: one row per work order submitted in the period; "
            "bulletin: each department's figures (月度通报); rankings: the four boards",
        },
        "period": {
            "type": "string",
            "pattern": r"^\d{4}-(?:\d{2}(?:-\d{2})?|W\d{2})$",
            "description": "YYYY-MM, YYYY-Www (ISO week) or YYYY-MM-DD, Asia/Shanghai",
        },
        "format": {"type": "string", "enum": list(FORMATS)},
        "filters": {
            "type": "object",
            "additionalProperties": False,
            "description": "work-orders: any of these; bulletin and rankings: department_id",
            "properties": {
                "department_id": _TEXT,
                "category": _TEXT,
                "kind": {"type": "string", "enum": [k.value for k in Kind]},
                "state": {"type": "string", "enum": [s.value for s in State]},
                "channel": {"type": "string", "enum": [c.value for c in Channel]},
            },
        },
    },
}
EXPORT_RECORD: dict[str, Any] = {
    "type": "object",
    "required": ["id", "kind", "period", "format", "state", "requested_by", "requested_at"],
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "period": {"type": "string"},
        "format": {"type": "string", "enum": list(FORMATS)},
        "filters": {"type": "object"},
        "state": {
            "type": "string",
            "enum": [*STATES, "expired"],
            "description": "expired: done, and the file deleted since (kept 7 days)",
        },
        "reason": {"type": ["string", "null"], "description": "Why it failed"},
        "rows": {"type": ["integer", "null"], "description": "Data rows in the file"},
        "bytes": {"type": ["integer", "null"]},
        "requested_by": {
            "type": "object",
            "properties": {"username": {"type": "string"}, "role": {"type": "string"}},
        },
        "requested_at": {"type": "string", "format": "date-time"},
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "file_expires_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": f"The file is deleted {KEEP_DAYS} days after it was made",
        },
        "url": {
            "type": "string",
            "description": f"Once done: the file, for {LINK_SECONDS // 60} minutes (ask again "
            "for a new link)",
        },
        "url_expires_at": {"type": "string", "format": "date-time"},
    },
}


@frozen
class ExportRequest:
    kind: str
    period: str
    format: str
    filters: dict[str, str]


def parse_request(body: dict[str, Any]) -> ExportRequest:
    """A validated body (the schema checked it) as a request: the period checked, filters
    that do not apply to the kind refused by name."""
    period = parse_period(str(body["period"]), "period")
    filters = {k: str(v) for k, v in (body.get("filters") or {}).items()}
    if body["kind"] != "work-orders":
        wrong = sorted(set(filters) - set(FIGURE_FILTERS))
        if wrong:
            raise ValidationFailed(
                [
                    {"field": f"filters.{name}", "message": "applies to work-orders exports only"}
                    for name in wrong
                ]
            )
    return ExportRequest(str(body["kind"]), period, str(body["format"]), filters)


def period_bounds(period: str) -> tuple[str, str]:
    """The first and last instants of a (valid) period, as stored times are written."""
    end = period_end(period)
    kind = granularity(period)
    if kind is Granularity.DAY:
        first = date.fromisoformat(period)
    elif kind is Granularity.WEEK:
        year, week = period.split("-W")
        first = date.fromisocalendar(int(year), int(week), 1)
    else:
        first = date(int(period[:4]), int(period[5:7]), 1)
    start = datetime(first.year, first.month, first.day, tzinfo=clock.TZ)
    return clock.iso(start), clock.iso(end - timedelta(milliseconds=1))


def download_name(kind: str, period: str, file_format: str) -> str:
    return f"{SHEET_TITLES[kind]}-{period}.{file_format}"


def object_key(export_id: str, file_format: str) -> str:
    return f"{PREFIX}{export_id}.{file_format}"


@frozen
class Column:
    header: str  # Chinese, as the sheet shows it
    width: int  # characters (a Chinese character counts two)
    type: str = "text"  # text, datetime, number, rate


WORK_ORDER_COLUMNS = (
    Column("工单编号", 20),
    Column("受理时间", 18, "datetime"),
    Column("渠道", 12),
    Column("诉求类型", 10),
    Column("诉求类别", 18),
    Column("标题", 40),
    Column("状态", 10),
    Column("承办单位", 26),
    Column("派单时间", 18, "datetime"),
    Column("答复期限", 18, "datetime"),
    Column("答复时间", 18, "datetime"),
    Column("超期环节", 14),
    Column("督办级别", 10, "number"),
    Column("评分", 8, "number"),
    Column("是否解决", 10),
    Column("联系人", 12),
    Column("联系电话", 16),
    Column("地址", 30),
)
BULLETIN_COLUMNS = (
    Column("单位编号", 26),
    Column("单位", 26),
    Column("派单", 10, "number"),
    Column("签收", 10, "number"),
    Column("答复", 10, "number"),
    Column("按期答复", 10, "number"),
    Column("按期办结率", 12, "rate"),
    Column("响应率", 10, "rate"),
    Column("解决率", 10, "rate"),
    Column("满意率", 10, "rate"),
    Column("超期工单", 10, "number"),
    Column("退回", 8, "number"),
    Column("重办", 8, "number"),
    Column("催办", 8, "number"),
    Column("评价", 8, "number"),
    Column("平均评分", 10, "number"),
    Column("参与排名", 10),
)
RANKING_COLUMNS = (
    Column("榜单", 10),
    Column("名次", 8, "number"),
    Column("单位编号", 26),
    Column("单位", 26),
    Column("数值", 10, "number"),
    Column("计数", 10, "number"),
    Column("件数", 10, "number"),
    Column("按期办结率", 12, "rate"),
    Column("参与排名", 10),
)
COLUMNS = {
    "work-orders": WORK_ORDER_COLUMNS,
    "bulletin": BULLETIN_COLUMNS,
    "rankings": RANKING_COLUMNS,
}
SHEET_TITLES = {"work-orders": "工单明细", "bulletin": "月度通报", "rankings": "排行榜"}


def matches(appeal: Appeal, filters: Mapping[str, str]) -> bool:
    """Whether a work order (its summary is enough) is one the filters ask for."""
    values = {
        "department_id": appeal.department_id,
        "category": appeal.category,
        "kind": appeal.kind.value,
        "state": appeal.state.value,
        "channel": appeal.channel.value,
    }
    return all(values[name] == wanted for name, wanted in filters.items())


def _moment(text: Any) -> datetime | None:
    return clock.parse_iso(text) if isinstance(text, str) and text else None


def _last_dispatch(appeal: Appeal) -> datetime | None:
    found = [e.at for e in appeal.timeline if e.type == "dispatched"]
    return _moment(found[-1]) if found else None


def work_order_row(
    appeal: Appeal, departments: Mapping[str, str], categories: Mapping[str, str]
) -> list[Any]:
    """One work order as its row, in ``WORK_ORDER_COLUMNS`` order: every personal field
    from the supervisor's view (masked; a 举报 has no contact at all)."""
    shown = appeal.view(READER, with_timeline=False)
    contact = shown.get("contact") or {}
    rating = shown.get("rating") or {}
    reply = appeal.reply or {}
    escalation = appeal.escalation or {}
    resolved = rating.get("resolved")
    location = shown.get("location") or {}
    return [
        appeal.id,
        _moment(appeal.created_at),
        CHANNEL_NAMES.get(appeal.channel, appeal.channel.value),
        KIND_NAMES.get(appeal.kind, appeal.kind.value),
        categories.get(appeal.category or "", appeal.category or ""),
        shown.get("title") or "",
        STATE_NAMES.get(appeal.state, appeal.state.value),
        departments.get(appeal.department_id or "", appeal.department_id or ""),
        _last_dispatch(appeal),
        _moment(appeal.deadlines.get("reply_due")),
        _moment(reply.get("at")),
        "、".join(STAGE_NAMES.get(s, s) for s in appeal.overdue),
        int(escalation["level"]) if escalation.get("level") is not None else None,
        int(rating["score"]) if rating.get("score") is not None else None,
        None if resolved is None else ("是" if resolved else "否"),
        contact.get("name") or "",
        contact.get("phone") or "",
        location.get("address") or "",
    ]


def _figures_row(
    department_id: str, name: str, counters: Mapping[str, int], rates: Mapping[str, Any]
) -> list[Any]:
    return [
        department_id,
        name,
        counters.get("dispatched", 0),
        counters.get("signed", 0),
        counters.get("replied", 0),
        counters.get("replied_on_time", 0),
        rates.get("on_time_completion_rate"),
        rates.get("response_rate"),
        rates.get("resolution_rate"),
        rates.get("satisfaction_rate"),
        counters.get("overdue_orders", 0),
        counters.get("returned", 0),
        counters.get("reworked", 0),
        counters.get("urged", 0),
        counters.get("ratings", 0),
        rates.get("mean_score"),
    ]


def bulletin_rows(figures: Mapping[str, Any], min_cases: int) -> Iterable[list[Any]]:
    """The platform's row, then each department's (``figures``: ``platform`` and
    ``departments``, each with counters and rates, as the figures service gives them)."""
    platform = figures["platform"]
    yield [*_figures_row("platform", "全区平台", platform["counters"], platform["rates"]), ""]
    for entry in figures["departments"]:
        ranked = entry["counters"].get("dispatched", 0) >= min_cases
        yield [
            *_figures_row(entry["department_id"], entry["name"], entry["counters"], entry["rates"]),
            "是" if ranked else "否（件数不足）",
        ]


def ranking_rows(
    boards: Sequence[Mapping[str, Any]], department_id: str | None
) -> Iterable[list[Any]]:
    """Every entry of every board, as ``/public/rankings`` gives them."""
    for board in boards:
        for entry in board.get("entries", []):
            if department_id and entry.get("department_id") != department_id:
                continue
            yield [
                BOARD_NAMES.get(str(board.get("board")), str(board.get("board"))),
                entry.get("rank"),
                entry.get("department_id"),
                entry.get("name"),
                entry.get("value"),
                entry.get("count"),
                entry.get("cases"),
                entry.get("on_time_completion_rate"),
                "是" if entry.get("ranked") else "否（件数不足）",
            ]
