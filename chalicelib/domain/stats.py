"""What each timeline event adds to the statistics: counters per department and for the
whole platform, per day, ISO week and month (Asia/Shanghai) of the event."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from chalicelib.domain.periods import periods_of_iso

PLATFORM = "platform"
SATISFIED_FROM = 4

# Every counter a period keeps; rankings and reports are computed from these alone.
COUNTERS = (
    "submitted",
    "dispatched",
    "signed",
    "signed_on_time",
    "contacted",
    "contacted_on_time",
    "replied",
    "replied_on_time",
    "overdue_orders",
    "overdue_sign",
    "overdue_contact",
    "overdue_reply",
    "returned",
    "reworked",
    "ratings",
    "rating_sum",
    "satisfied",
    "resolved",
)


def department_scope(department_id: str) -> str:
    return f"dept#{department_id}"


Increments = dict[tuple[str, str], Counter[str]]  # (period, scope) -> counter -> amount


def _on_time(at: str, due: Any) -> bool:
    return isinstance(due, str) and at <= due


def _rating(counter: Counter[str], data: dict[str, Any]) -> None:
    score = int(data.get("score", 0))
    counter["ratings"] += 1
    counter["rating_sum"] += score
    counter["satisfied"] += score >= SATISFIED_FROM
    counter["resolved"] += bool(data.get("resolved"))


def event_counters(
    event: dict[str, Any], new: dict[str, Any], first_overdue: bool
) -> tuple[str | None, Counter[str]]:
    """(department the event counts for, what it adds). ``new`` is the appeal after the
    write that added the event."""
    kind = event.get("type")
    data = event.get("data") or {}
    at = str(event.get("at"))
    deadlines = new.get("deadlines") or {}
    department = new.get("department_id")
    c: Counter[str] = Counter()
    if kind == "submitted":
        c["submitted"] += 1
        department = None
    elif kind == "dispatched":
        c["dispatched"] += 1
        department = data.get("department_id", department)
    elif kind == "signed":
        c["signed"] += 1
        c["signed_on_time"] += _on_time(at, deadlines.get("sign_due"))
    elif kind == "contacted":
        c["contacted"] += 1
        c["contacted_on_time"] += _on_time(at, deadlines.get("contact_due"))
    elif kind == "replied":
        c["replied"] += 1
        c["replied_on_time"] += bool(data.get("on_time"))
    elif kind == "returned":
        c["returned"] += 1
        department = data.get("department_id")
    elif kind == "rework_requested":
        c["reworked"] += 1
        _rating(c, data)
        department = data.get("department_id", department)
    elif kind == "rated":
        _rating(c, data)
        department = data.get("department_id", department)
    elif kind == "sla_overdue":
        c[f"overdue_{data.get('stage')}"] += 1
        c["overdue_orders"] += first_overdue
        department = data.get("department_id", department)
    return department, +c


def increments(old: dict[str, Any] | None, new: dict[str, Any] | None) -> Increments:
    """Everything one stream record adds: its new events, each in its periods, for its
    department and for the platform."""
    if new is None:
        return {}
    before = list((old or {}).get("timeline") or [])
    events = list(new.get("timeline") or [])[len(before) :]
    overdue_before = bool((old or {}).get("overdue"))
    out: Increments = defaultdict(Counter)
    for event in events:
        first_overdue = event.get("type") == "sla_overdue" and not overdue_before
        if first_overdue:
            overdue_before = True
        department, added = event_counters(event, new, first_overdue)
        if not added:
            continue
        for period in periods_of_iso(str(event["at"])):
            out[(period, PLATFORM)].update(added)
            if department:
                out[(period, department_scope(str(department)))].update(added)
    return dict(out)
