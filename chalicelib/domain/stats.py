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


STAGE_OF = {"signed": "sign", "contacted": "contact", "replied": "reply"}


class Round:
    """What the counters must know of the current dispatch round, rebuilt from the timeline:
    the department, the deadlines (extensions included) and the stages already overdue."""

    def __init__(self) -> None:
        self.department: str | None = None
        self.due: dict[str, str] = {}
        self.overdue: set[str] = set()

    def start(self, department: Any, deadlines: Any) -> None:
        self.department = str(department) if department else self.department
        self.due = {k.removesuffix("_due"): str(v) for k, v in dict(deadlines or {}).items()}
        self.overdue = set()


def _overdue(counter: Counter[str], rnd: Round, stage: str) -> bool:
    """Mark ``stage`` overdue in this round (once); True if it is newly so."""
    if stage in rnd.overdue:
        return False
    counter["overdue_orders"] += not rnd.overdue
    counter[f"overdue_{stage}"] += 1
    rnd.overdue.add(stage)
    return True


def event_counters(event: dict[str, Any], rnd: Round) -> list[tuple[str | None, str, Counter[str]]]:
    """(department, time whose periods it counts in, amounts) for one event, advancing the
    round. A stage is overdue once per round: by the sweep's mark or by being done after its
    deadline (between two sweeps), counted in the periods of that deadline."""
    kind = str(event.get("type"))
    data = event.get("data") or {}
    at = str(event.get("at"))
    out: list[tuple[str | None, str, Counter[str]]] = []
    c: Counter[str] = Counter()
    department = rnd.department
    if kind == "submitted":
        c["submitted"] += 1
        department = None
    elif kind == "dispatched":
        rnd.start(data.get("department_id"), data.get("deadlines"))
        department = rnd.department
        c["dispatched"] += 1
    elif kind == "rework_requested":
        # A new round for the same department: counted as dispatched again (and against it).
        department = str(data.get("department_id") or rnd.department)
        rnd.start(department, data.get("deadlines"))
        c.update(dispatched=1, reworked=1)
        _rating(c, data)
    elif kind == "extension_decided" and data.get("approve") and data.get("reply_due"):
        rnd.due["reply"] = str(data["reply_due"]["to"])
    elif kind in STAGE_OF:
        stage = STAGE_OF[kind]
        due = rnd.due.get(stage)
        c[kind] += 1
        c[f"{kind}_on_time"] += _on_time(at, due)
        if due and not _on_time(at, due):
            late: Counter[str] = Counter()
            if _overdue(late, rnd, stage):
                out.append((department, due, late))
    elif kind == "returned":
        c["returned"] += 1
        department = data.get("department_id") or rnd.department
        rnd.department = None
    elif kind == "rated":
        _rating(c, data)
        department = data.get("department_id") or department
    elif kind == "sla_overdue":
        late = Counter()
        due = str(data.get("due") or at)
        if _overdue(late, rnd, str(data.get("stage"))):
            out.append((data.get("department_id") or department, due, late))
    if c:
        out.append((department, at, c))
    return out


def increments(old: dict[str, Any] | None, new: dict[str, Any] | None) -> Increments:
    """Everything one stream record adds: its new events, each in its periods, for its
    department and for the platform. The earlier events are replayed only to know the
    round they belong to."""
    if new is None:
        return {}
    before = len(list((old or {}).get("timeline") or []))
    out: Increments = defaultdict(Counter)
    rnd = Round()
    for index, event in enumerate(list(new.get("timeline") or [])):
        for department, when, added in event_counters(event, rnd):
            if index < before or not +added:
                continue
            for period in periods_of_iso(when):
                out[(period, PLATFORM)].update(+added)
                if department:
                    out[(period, department_scope(str(department)))].update(+added)
    return dict(out)
