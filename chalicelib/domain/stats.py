"""What each timeline event adds to the statistics: counters per department and for the
whole platform, per day, ISO week and month (Asia/Shanghai) of the event."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from chalicelib.domain.clock import parse_iso
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


def _after(at: str, due: str) -> bool:
    """True when ``at`` is strictly after ``due``: the deadline instant itself is on time,
    for the sweep and for the counters alike."""
    return parse_iso(at) > parse_iso(due)


def _on_time(at: str, due: Any) -> bool:
    return isinstance(due, str) and not _after(at, due)


def _rating(counter: Counter[str], data: dict[str, Any]) -> None:
    score = int(data.get("score", 0))
    counter["ratings"] += 1
    counter["rating_sum"] += score
    counter["satisfied"] += score >= SATISFIED_FROM
    counter["resolved"] += bool(data.get("resolved"))


STAGE_OF = {"signed": "sign", "contacted": "contact", "replied": "reply"}
STAGES = ("sign", "contact", "reply")
# Events after which the round's department no longer has the work order in hand.
ROUND_ENDS = frozenset({"returned", "merged", "rejected", "closed"})

Late = list[tuple[str | None, str, Counter[str]]]


class Round:
    """What the counters must know of the current dispatch round, rebuilt from the timeline:
    the department, the deadlines in force (extensions included), the stages done and the
    stages already overdue.

    One rule, whoever observes it: a stage is overdue when its deadline passed (strictly)
    before the stage was done. Every event at time ``t`` shows that the stages still open
    at ``t`` were not done before it, so each event first settles them against ``t``: a
    late sign or reply, a return, a re-dispatch, an extension decision and the sweep's own
    mark all count the same lateness once, in the periods of the deadline that passed."""

    def __init__(self) -> None:
        self.department: str | None = None
        self.due: dict[str, str] = {}
        self.done: set[str] = set()
        self.overdue: set[str] = set()

    def start(self, department: Any, deadlines: Any) -> None:
        self.department = str(department) if department else self.department
        self.due = {k.removesuffix("_due"): str(v) for k, v in dict(deadlines or {}).items()}
        self.done = set()
        self.overdue = set()

    def end(self) -> None:
        """The department no longer holds the work order: nothing more can be late."""
        self.due = {}

    def settle(self, at: str) -> Late:
        """Mark overdue, once per round, each open stage whose deadline passed before
        ``at``; (department, deadline, amounts) for each newly overdue one."""
        out: Late = []
        for stage in STAGES:
            due = self.due.get(stage)
            if due is None or stage in self.done or stage in self.overdue:
                continue
            if _after(at, due):
                late: Counter[str] = Counter({f"overdue_{stage}": 1})
                late["overdue_orders"] += not self.overdue
                self.overdue.add(stage)
                out.append((self.department, due, late))
        return out


def event_counters(event: dict[str, Any], rnd: Round) -> Late:
    """(department, time whose periods it counts in, amounts) for one event, advancing the
    round. Lateness is settled first, against the time of the event (see ``Round``)."""
    kind = str(event.get("type"))
    data = event.get("data") or {}
    at = str(event.get("at"))
    out = rnd.settle(at)
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
        c[kind] += 1
        c[f"{kind}_on_time"] += _on_time(at, rnd.due.get(stage))
        rnd.done.add(stage)
    elif kind == "returned":
        c["returned"] += 1
        department = data.get("department_id") or rnd.department
        rnd.department = None
        rnd.end()
    elif kind in ROUND_ENDS:
        rnd.end()
    elif kind == "rated":
        _rating(c, data)
        department = data.get("department_id") or department
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
