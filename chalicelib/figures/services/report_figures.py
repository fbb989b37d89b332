"""What the reports show, gathered from the counters, marks, ranking snapshots, topic counts
and the supervision index: never from a scan of appeals. The platform's figures come from
the same functions as ``GET /public/stats`` and ``GET /public/rankings``, so a report and
the public figures of the same period agree."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import (
    REJECT_REASONS,
    TRANSFER_TARGETS,
    Appeal,
)
from chalicelib.core.domain.names import (
    BOARD_NAMES,
    CHANNEL_NAMES,
    KIND_NAMES,
    STAGE_NAMES,
    STATE_NAMES,
)
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store import reference
from chalicelib.figures.domain.rankings import BOARDS, rates
from chalicelib.figures.domain.reports import (
    bar_width,
    earlier_periods,
    first_missed,
    how_late,
    median,
    percent,
    week_days,
)
from chalicelib.figures.domain.statistics import (
    DEPUTY,
    LOW_RATINGS,
    RATING_REVIEWS,
    department_scope,
)
from chalicelib.figures.services import rankings
from chalicelib.figures.store import statistics as statistics_store
from chalicelib.work_orders.services import calendar

# Reports are read as leaders read appeals: everything, personal data masked.
READER = Principal(id="minsheng-reports", role=Role.LEADER, username="reports")

SUPERVISION_READ_LIMIT = 500  # work orders read from the supervision index at most
LIST_LIMIT = 30  # rows shown in a list; the rest are counted
TOPICS_SHOWN = 10
CALENDAR_NOTICE_MONTH = 11  # the State Council publishes next year's list in November

# The headline rows: (label, counter) or (label, rate) pairs, in the order shown.
COUNT_ROWS = (
    ("受理诉求", "submitted"),
    ("派单", "dispatched"),
    ("签收", "signed"),
    ("答复", "replied"),
    ("超期工单", "overdue_orders"),
    ("退回", "returned"),
    ("重办", "reworked"),
    ("评价", "ratings"),
)
# The knowledge base's rows: the center's own replies (直办) and self-service answers.
KNOWLEDGE_ROWS = (("中心直办", "center_replied"), ("自助解答", "deflected"))
RATE_ROWS = (
    ("按期办结率", "on_time_completion_rate"),
    ("响应率", "response_rate"),
    ("解决率", "resolution_rate"),
    ("满意率", "satisfaction_rate"),
)
WEEKLY_RATE_ROWS = (
    *RATE_ROWS,
    ("超期率", "overdue_rate"),
    ("退回率", "return_rate"),
)


def appeal_link(appeal_id: str) -> str | None:
    """Where a reader opens the work order: the staff console (``/console/``) of the
    deployment, when its address is known."""
    base = settings().public_base_url
    return f"{base.rstrip('/')}/console/#/appeals/{appeal_id}" if base else None


def _headline(day: dict[str, Any], month: dict[str, Any]) -> dict[str, Any]:
    counts = [
        {
            "label": label,
            "day": day["counters"].get(name, 0),
            "month": month["counters"].get(name, 0),
        }
        for label, name in COUNT_ROWS
    ]
    counts += [
        {
            "label": label,
            "day": day.get("knowledge", {}).get(name, 0),
            "month": month.get("knowledge", {}).get(name, 0),
        }
        for label, name in KNOWLEDGE_ROWS
    ]
    shown_rates = [
        {
            "label": label,
            "day": percent(day["rates"].get(name)),
            "month": percent(month["rates"].get(name)),
            "width": bar_width(month["rates"].get(name), 1),
        }
        for label, name in RATE_ROWS
    ]
    return {"counts": counts, "rates": shown_rates}


def _breakdown(
    day: dict[str, int], month: dict[str, int], names: dict[Any, str]
) -> list[dict[str, Any]]:
    """Submissions by channel or kind (as ``public_stats`` counts them), day and month."""
    largest = max([month.get(str(key), 0) for key in names] + [0])
    return [
        {
            "label": label,
            "day": day.get(str(key), 0),
            "month": month.get(str(key), 0),
            "width": bar_width(month.get(str(key), 0), largest),
        }
        for key, label in names.items()
    ]


def _supervision(now: datetime, names: dict[str, str]) -> dict[str, Any]:
    """Open work orders overdue or escalated now, the longest overdue first."""
    found: list[Appeal] = []
    cursor: str | None = None
    while len(found) < SUPERVISION_READ_LIMIT:
        page, cursor = appeal_store.query_index(
            "supervision", "open", limit=100, cursor=cursor, newest_first=False
        )
        found += page
        if cursor is None:
            break
    rows: list[dict[str, Any]] = []
    for appeal in found:
        missed = first_missed(appeal.deadlines, appeal.overdue)
        rows.append(
            {
                "id": appeal.id,
                "title": "",  # below, from the whole item, for the rows shown
                "department": names.get(appeal.department_id or "", appeal.department_id or "—"),
                "stages": "、".join(STAGE_NAMES.get(s, s) for s in appeal.overdue),
                "late": how_late(missed, now) if missed else "",
                "missed": missed or "",
                "escalation": int((appeal.escalation or {}).get("level", 0)),
                "state": STATE_NAMES.get(appeal.state, appeal.state.value),
                "link": appeal_link(appeal.id),
            }
        )
    # The longest overdue first (earliest missed deadline), then escalated only, highest first.
    rows.sort(
        key=lambda r: (
            r["missed"] == "",
            r["missed"] and clock.parse_iso(r["missed"]),
            -r["escalation"],
        )
    )
    # The index carries summaries; the whole items name the people whose names the titles
    # must not show (one BatchGetItem for the rows shown).
    shown = rows[:LIST_LIMIT]
    whole = {a.id: a for a in _appeals([r["id"] for r in shown])}
    for row in shown:
        kept = whole.get(row["id"])
        row["title"] = kept.summary(READER)["title"] if kept else "—"
    return {
        "total": len(rows),
        "more_than_read": cursor is not None,
        "overdue": sum(1 for r in rows if r["missed"]),
        "escalated": sum(1 for r in rows if r["escalation"]),
        "rows": shown,
        "hidden": max(0, len(rows) - LIST_LIMIT),
    }


def _appeals(ids: list[str]) -> list[Appeal]:
    return appeal_store.batch_get(ids) if ids else []


def _deputies(day: str, names: dict[str, str]) -> dict[str, Any]:
    ids = sorted(statistics_store.marked(day, DEPUTY))
    rows = [
        {
            "id": appeal.id,
            "title": appeal.summary(READER)["title"],
            "kind": KIND_NAMES.get(appeal.kind, appeal.kind.value),
            "state": STATE_NAMES.get(appeal.state, appeal.state.value),
            "department": names.get(appeal.department_id or "", "平台中心"),
            "at": appeal.created_at[11:16],
            "link": appeal_link(appeal.id),
        }
        for appeal in sorted(_appeals(ids[:LIST_LIMIT]), key=lambda a: a.created_at)
    ]
    return {"total": len(ids), "rows": rows, "hidden": max(0, len(ids) - LIST_LIMIT)}


def _rating_reviews(day: str, month: str, names: dict[str, str]) -> dict[str, Any]:
    """差评审核: the day's decisions on ratings (each appeal's rating as leaders read it,
    with the decision's reason) and the month's exclusions per department."""
    marks = statistics_store.marked(day, RATING_REVIEWS)
    ids = sorted(marks)
    rows = []
    for appeal in sorted(_appeals(ids[:LIST_LIMIT]), key=lambda a: a.id):
        view = appeal.view(READER, with_timeline=False)
        rating = view.get("rating") or {}
        review = rating.get("review") or {}
        taken_back = bool(marks[appeal.id].get("taken_back"))
        rows.append(
            {
                "id": appeal.id,
                "title": view["title"],
                "department": names.get(str(rating.get("department_id") or ""), "平台中心"),
                "score": rating.get("score"),
                "decision": "撤销剔除" if taken_back else "剔除",
                "reason": review.get("taken_back_reason" if taken_back else "reason") or "",
                "link": appeal_link(appeal.id),
            }
        )
    counts = statistics_store.period_counters(month, [department_scope(d) for d in names])
    excluded = {
        name: int(counts.get(department_scope(d), {}).get("ratings_excluded", 0))
        for d, name in names.items()
    }
    per_department = [
        {"name": name, "excluded": n}
        for name, n in sorted(excluded.items(), key=lambda r: (-r[1], r[0]))
        if n > 0
    ]
    low_ids = sorted(statistics_store.marked(day, LOW_RATINGS))
    low = []
    for appeal in sorted(_appeals(low_ids[:LIST_LIMIT]), key=lambda a: a.id):
        view = appeal.view(READER, with_timeline=False)
        rating = view.get("rating") or {}
        low.append(
            {
                "id": appeal.id,
                "title": view["title"],
                "department": names.get(str(rating.get("department_id") or ""), "平台中心"),
                "score": rating.get("score"),
                "excluded": bool(rating.get("excluded")),
                "link": appeal_link(appeal.id),
            }
        )
    return {
        "total": len(ids),
        "rows": rows,
        "hidden": max(0, len(ids) - LIST_LIMIT),
        "by_department": per_department,
        # The day's ratings of 2 or less, for a leader to open and review if need be.
        "low": {"total": len(low_ids), "rows": low, "hidden": max(0, len(low_ids) - LIST_LIMIT)},
    }


def _topics(day: str) -> list[dict[str, Any]]:
    """The day's hot topics next to the day before's counts of the same words."""
    shown = rankings.hot_topics(day, None, TOPICS_SHOWN)["topics"]
    before = statistics_store.topic_counts(earlier_periods(day, 1)[0])
    rows = []
    for topic in shown:
        earlier = before.get(topic["word"], {}).get("citizens", 0)
        rows.append({**topic, "before": earlier, "change": topic["citizens"] - earlier})
    largest = max([r["citizens"] for r in rows] + [0])
    for row in rows:
        row["width"] = bar_width(row["citizens"], largest)
    return rows


def _alerts(day: str) -> list[dict[str, Any]]:
    """The early-warning alerts (未诉先办) raised on the day: counts only."""
    from chalicelib.figures.services import warnings

    return [
        {
            "place_name": a["place_name"],
            "label": a["label"],
            "category": a["dimension"] == "category",
            "citizens": a["citizens"],
            "rate": a["rate"],
            "acted": a["state"] == "acted",
        }
        for a in warnings.alerts_of_day(day)[:LIST_LIMIT]
    ]


def _rankings(month: str) -> list[dict[str, Any]]:
    boards = {b["board"]: b for b in rankings.public_rankings(month, None)["boards"]}
    out = []
    for name in BOARDS:
        board = boards.get(name)
        if board is None:
            continue
        entries = board["entries"]
        ranked = [e for e in entries if e["ranked"] and e["value"] is not None]
        largest = max([e["value"] for e in ranked] + [0])
        rows = [
            {
                "rank": e["rank"],
                "name": e["name"],
                "department_id": e["department_id"],
                "value": e["value"] if name == "volume" else percent(e["value"]),
                "raw": e["value"],
                "cases": e.get("cases"),
                "width": bar_width(e["value"], largest),
            }
            for e in ranked[:LIST_LIMIT]
        ]
        out.append(
            {
                "board": name,
                "title": BOARD_NAMES[name],
                "lowest_first": name in ("overdue_rate", "return_rate"),
                "rows": rows,
                "unranked": len(entries) - len(ranked),
                "min_cases": board["min_cases"],
            }
        )
    return out


# The four boards as the reports show them (the monthly bulletin's too).
shown_rankings = _rankings


def _calendar_warning(now: datetime) -> str | None:
    """The year in force without a working-day calendar, or (from November) the next one."""
    local = now.astimezone(clock.TZ)
    years = [local.year] + ([local.year + 1] if local.month >= CALENDAR_NOTICE_MONTH else [])
    missing = [year for year in years if not calendar.year_has_data(year)]
    if not missing:
        return None
    listed = "、".join(f"{year}年" for year in missing)
    return (
        f"{listed}的法定节假日和调休安排尚未导入，期限暂按周一至周五计算。"
        f"请管理员通过 PUT /calendar/{{年份}} 导入国务院公布的安排。"
    )


def daily(day: str, now: datetime) -> dict[str, Any]:
    """The leaders' daily report of ``day``, with the month to date (as the public figures
    of the month show it now)."""
    month = day[:7]
    names = reference.active_department_names()
    stats_day = rankings.public_stats(day)
    stats_month = rankings.public_stats(month)
    the_day = date.fromisoformat(day)
    return {
        "kind": "daily",
        "day": day,
        "day_label": f"{the_day.year}年{the_day.month}月{the_day.day}日",
        "month": month,
        "month_label": f"{the_day.month}月",
        "generated_at": clock.iso(now)[:16].replace("T", " "),
        "stats_day": stats_day,
        "stats_month": stats_month,
        "headline": _headline(stats_day, stats_month),
        "channels": _breakdown(stats_day["channels"], stats_month["channels"], CHANNEL_NAMES),
        "kinds": _breakdown(stats_day["kinds"], stats_month["kinds"], KIND_NAMES),
        # 即时转办 by target and 不予受理 by reason, day and month.
        "transfers": _breakdown(stats_day["transfers"], stats_month["transfers"], TRANSFER_TARGETS),
        "rejections": _breakdown(
            stats_day["rejections"], stats_month["rejections"], REJECT_REASONS
        ),
        "supervision": _supervision(now, names),
        "deputies": _deputies(day, names),
        "rating_reviews": _rating_reviews(day, month, names),
        "rankings": _rankings(month),
        "topics": _topics(day),
        "alerts": _alerts(day),
        "calendar_warning": _calendar_warning(now),
    }


def weekly(week: str, department_id: str, department_name: str, now: datetime) -> dict[str, Any]:
    """A department's weekly copy: its counters and rates next to the median of the
    district's departments, and its overdue, returned and rated work orders of the week."""
    departments = reference.active_department_names()
    all_counters = statistics_store.period_counters(
        week, [department_scope(d) for d in [department_id, *departments]]
    )
    own = all_counters.get(department_scope(department_id), {})
    own_rates = rates(own)
    others = [all_counters.get(department_scope(d), {}) for d in departments]
    counts = [
        {
            "label": label,
            "value": own.get(name, 0),
            "median": median([c.get(name, 0) for c in others]),
        }
        for label, name in COUNT_ROWS[1:]
    ]
    other_rates = [rates(c) for c in others]
    rate_rows = [
        {
            "label": label,
            "value": percent(own_rates[name]),
            "median": percent(median([r[name] for r in other_rates])),
            "width": bar_width(own_rates[name], 1),
            "median_width": bar_width(median([r[name] for r in other_rates]), 1),
        }
        for label, name in WEEKLY_RATE_ROWS
    ]
    marks = statistics_store.marked(week, department_scope(department_id))
    overdue_ids = sorted(
        i for i, m in marks.items() if any(m.get(f"overdue_{s}") for s in STAGE_NAMES)
    )
    returned_ids = sorted(i for i, m in marks.items() if m.get("returned"))
    commented_ids = sorted(i for i, m in marks.items() if m.get("commented"))
    wanted = sorted(
        set(overdue_ids[:LIST_LIMIT])
        | set(returned_ids[:LIST_LIMIT])
        | set(commented_ids[:LIST_LIMIT])
    )
    appeals = {a.id: a for a in _appeals(wanted)}
    monday, sunday = week_days(week)
    overdue_rows = [
        {
            "id": i,
            "title": appeals[i].summary(READER)["title"],
            "stages": "、".join(
                name for stage, name in STAGE_NAMES.items() if marks[i].get(f"overdue_{stage}")
            ),
            "state": STATE_NAMES.get(appeals[i].state, appeals[i].state.value),
            "link": appeal_link(i),
        }
        for i in overdue_ids[:LIST_LIMIT]
        if i in appeals
    ]

    def in_week(event: dict[str, Any]) -> bool:
        return (
            event["data"].get("department_id") == department_id
            and monday <= clock.parse_iso(event["at"]).date() <= sunday
        )

    returned_rows = []
    for i in returned_ids[:LIST_LIMIT]:
        if i not in appeals:
            continue
        view = appeals[i].view(READER)
        reasons = [e["note"] for e in view["timeline"] if e["type"] == "returned" and in_week(e)]
        returned_rows.append(
            {
                "id": i,
                "title": view["title"],
                "reason": reasons[-1] if reasons else "",
                "state": STATE_NAMES.get(appeals[i].state, appeals[i].state.value),
                "link": appeal_link(i),
            }
        )
    rating_rows = []
    for i in commented_ids[:LIST_LIMIT]:
        if i not in appeals:
            continue
        view = appeals[i].view(READER)
        for event in view["timeline"]:
            if event["type"] in ("rated", "rework_requested") and event["note"] and in_week(event):
                rating_rows.append(
                    {
                        "id": i,
                        "title": view["title"],
                        "score": int(event["data"].get("score", 0)),
                        "resolved": bool(event["data"].get("resolved")),
                        "rework": event["type"] == "rework_requested",
                        "comment": event["note"],
                        "link": appeal_link(i),
                    }
                )
    rating_rows.sort(key=lambda r: (r["score"], r["id"]))
    return {
        "kind": "weekly",
        "week": week,
        "week_label": f"{monday.month}月{monday.day}日—{sunday.month}月{sunday.day}日",
        "department_id": department_id,
        "department_name": department_name,
        "generated_at": clock.iso(now)[:16].replace("T", " "),
        "counters": own,
        "rates_raw": own_rates,
        "departments": len(departments),
        "counts": counts,
        "rates": rate_rows,
        "ratings": {
            "total": own.get("ratings", 0),
            "mean": own_rates["mean_score"],
            "satisfied": own.get("satisfied", 0),
            "rows": rating_rows,
            "commented": len(commented_ids),
        },
        "overdue": {"total": len(overdue_ids), "rows": overdue_rows},
        "returned": {"total": len(returned_ids), "rows": returned_rows},
        "review_due": _review_due(department_id, now),
        "list_limit": LIST_LIMIT,
    }


def _review_due(department_id: str, now: datetime) -> dict[str, Any]:
    """The department's knowledge-base articles past their review date (the owner must
    look at them again), soonest due first."""
    from chalicelib.knowledge.services import knowledge

    if not settings().feature_on("knowledge"):
        return {"total": 0, "rows": []}
    due = knowledge.review_due(department_id, now.date().isoformat())
    rows = [
        {"id": a.id, "title": a.title, "review_at": a.review_at, "link": None}
        for a in due[:LIST_LIMIT]
    ]
    return {"total": len(due), "rows": rows}
