"""What each timeline event adds to the statistics: counters per department and for the
whole platform, per day, ISO week and month (Asia/Shanghai) of the event."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from chalicelib.core.domain.clock import parse_iso
from chalicelib.core.domain.periods import periods_of_iso

PLATFORM = "platform"
INTAKE = "intake"  # appeals received, by channel and kind (no department yet)
# Knowledge-base answers citizens said made an appeal unnecessary (``deflected``): written
# by the helpful call itself (no appeal, no stream record), one transaction with its marker.
KNOWLEDGE = "knowledge"
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
    # Consultations the center answered itself from the knowledge base (直办): no
    # department's, so counted for the platform alone, apart from ``replied``.
    "center_replied",
    # The center's other outcomes, for the platform alone: rejections (不予受理) and
    # instant transfers (即时转办), each also per reason code / target as
    # ``rejected:<code>`` and ``transferred:<to>``.
    "rejected",
    "transferred",
    # 催办: urges of a department's open work orders, in the periods of the urge.
    "urged",
    # 派单异议: returns a department made (``disputed``, in the periods of the return); the
    # center's decision counts in the periods of its step: ``returned`` (the center sent
    # it back: the department's return rate) or ``disputes_upheld`` (the platform's,
    # against its dispatch accuracy).
    "disputed",
    "disputes_upheld",
    # 回访: the center's calls to citizens after a reply, for the platform alone, in the
    # periods of the call (``callbacks`` every call, ``callbacks_reached`` those that got an
    # answer: the answer counts as the rating, for the department, like any rating).
    "callbacks",
    "callbacks_reached",
    # 差评审核: ratings excluded from the rates, in the periods of the rating (taking the
    # rating's counts back out of ``ratings``, ``rating_sum``, ``satisfied`` and
    # ``resolved`` there); taking an exclusion back restores them.
    "ratings_excluded",
    # Replies the reply quality check flagged (sent all the same), also per flag as
    # ``reply_flagged:<flag>``: in the periods of the reply, for the department.
    "reply_flagged",
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


def _review(data: dict[str, Any]) -> Counter[str]:
    """An exclusion takes the rating out of the rates it counted in; taking it back puts
    it in again (the only counts that go down)."""
    sign = -1 if data.get("excluded") else 1
    score = int(data.get("score") or 0)
    return Counter(
        ratings=sign,
        rating_sum=sign * score,
        satisfied=sign * (score >= SATISFIED_FROM),
        resolved=sign * bool(data.get("resolved")),
        ratings_excluded=-sign,
    )


STAGE_OF = {"signed": "sign", "contacted": "contact", "replied": "reply"}
STAGES = ("sign", "contact", "reply")
# Events after which the round's department no longer has the work order in hand.
ROUND_ENDS = frozenset({"returned", "merged", "rejected", "closed", "transferred"})

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

    def resume(self, department: Any, deadlines: Any) -> None:
        """A rejected dispute: the same round goes on with the deadlines in force (the
        stages already overdue stay counted once; signing and contact start anew)."""
        self.department = str(department) if department else self.department
        self.due = {k.removesuffix("_due"): str(v) for k, v in dict(deadlines or {}).items()}
        self.done = set()

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
        if _outcome(data) == "rejected":
            rnd.resume(data.get("department_id"), data.get("deadlines"))
            c["returned"] += 1
        else:
            rnd.start(data.get("department_id"), data.get("deadlines"))
        department = rnd.department
        c["dispatched"] += 1
    elif kind == "replied" and data.get("by") == "center":
        c["center_replied"] += 1
        department = None
    elif kind == "rework_requested" and data.get("by") == "center":
        # Rework of the center's own reply goes back to the center: a rating, no round.
        _rating(c, data)
        department = None
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
        flags = list(data.get("quality_flags") or []) if kind == "replied" else []
        if flags:
            c["reply_flagged"] += 1
            c.update(f"reply_flagged:{flag}" for flag in flags)
    elif kind == "returned":
        c["disputed"] += 1
        department = data.get("department_id") or rnd.department
        rnd.department = None
        rnd.end()
    elif kind in ("rejected", "transferred"):
        code = data.get("reason_code") if kind == "rejected" else data.get("to")
        c[kind] += 1
        if code:
            c[f"{kind}:{code}"] += 1
        department = None
        rnd.end()
    elif kind == "urged":
        c["urged"] += 1
        department = data.get("department_id") or rnd.department
    elif kind in ROUND_ENDS:
        rnd.end()
    elif kind == "rated":
        _rating(c, data)
        department = data.get("department_id") or department
    elif kind == "called_back":
        department = None
        c["callbacks"] += 1
    elif kind == "rating_reviewed":
        # In the periods of the rating reviewed, for its department: as if never given.
        out.append((data.get("department_id"), str(data.get("rated_at") or at), _review(data)))
    if c:
        out.append((department, at, c))
    if kind in ("rated", "rework_requested") and data.get("callback"):
        out.append((None, at, Counter(callbacks=1, callbacks_reached=1)))
    if _outcome(data) == "upheld":
        out.append((None, at, Counter(disputes_upheld=1)))
    return out


def _outcome(data: dict[str, Any]) -> str | None:
    """The center's decision on a return that this step took, if it took one."""
    dispute = data.get("dispute")
    return str(dispute.get("outcome")) if isinstance(dispute, dict) else None


NewCounts = Iterator[tuple[dict[str, Any], str | None, str, Counter[str]]]


def _new_counts(old: dict[str, Any] | None, new: dict[str, Any] | None) -> NewCounts:
    """(event, department, time it counts at, amounts) for each event the record adds. The
    earlier events are replayed only to know the round they belong to."""
    if new is None:
        return
    before = len(list((old or {}).get("timeline") or []))
    rnd = Round()
    for index, event in enumerate(list(new.get("timeline") or [])):
        for department, when, found in event_counters(event, rnd):
            added = Counter({name: amount for name, amount in found.items() if amount})
            if index >= before and added:
                yield event, department, when, added


def intake(event: dict[str, Any], appeal: dict[str, Any]) -> Counter[str]:
    """What a submission adds to the ``intake`` scope: the appeal by channel and by kind
    (as submitted)."""
    channel = (event.get("data") or {}).get("channel") or appeal.get("channel")
    return Counter({f"channel:{channel}": 1, f"kind:{appeal.get('kind')}": 1})


UNCATEGORISED = "uncategorised"


def accepted_in(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    """True for the one write in which the center (or auto-dispatch) first accepts the
    appeal: an accept, or a dispatch or the center's own reply that accepted it too."""
    before = len(list((old or {}).get("timeline") or []))
    return any(
        e.get("type") == "accepted"
        or (e.get("type") in ("dispatched", "replied") and (e.get("data") or {}).get("accepted"))
        for e in list((new or {}).get("timeline") or [])[before:]
    )


def category_volume(old: dict[str, Any] | None, new: dict[str, Any] | None) -> Increments:
    """An accepted appeal in its category (``category:<code>`` in ``INTAKE``), in the
    periods of its submission, as hot topics count it: counted once, by the write that
    accepted it (its category is settled then: only the accept reclassifies)."""
    if new is None or not new.get("created_at") or not accepted_in(old, new):
        return {}
    name = f"category:{new.get('category') or UNCATEGORISED}"
    return {(p, INTAKE): Counter({name: 1}) for p in periods_of_iso(str(new["created_at"]))}


def increments(old: dict[str, Any] | None, new: dict[str, Any] | None) -> Increments:
    """Everything one stream record adds: its new events, each in its periods, for its
    department and for the platform; submissions also by channel and kind, and accepted
    appeals by category (``INTAKE``)."""
    out: Increments = defaultdict(Counter)
    for key, added in category_volume(old, new).items():
        out[key].update(added)
    for event, department, when, added in _new_counts(old, new):
        for period in periods_of_iso(when):
            out[(period, PLATFORM)].update(added)
            if department:
                out[(period, department_scope(str(department)))].update(added)
            if added["submitted"] and new is not None:
                out[(period, INTAKE)].update(intake(event, new))
    return dict(out)


# What a department's weekly report lists, work order by work order: the ones overdue,
# returned or rated in the week (the counters count them; these marks name them).
MARKED = ("overdue_sign", "overdue_contact", "overdue_reply", "returned", "ratings")
DEPUTY = "deputy"
# The leaders' daily list of rating reviews (差评审核): each decision on its day, an
# exclusion as ``excluded``, taking one back as ``taken_back``; and of the day's low ratings
# of departments (``low``: a score of ``LOW_FROM`` or less), the ones a review may concern.
RATING_REVIEWS = "rating-reviews"
LOW_RATINGS = "low-ratings"
LOW_FROM = 2

Marks = dict[tuple[str, str], Counter[str]]  # (period, scope) -> counters, for one appeal


def marks(old: dict[str, Any] | None, new: dict[str, Any] | None) -> Marks:
    """The appeal's marks one stream record adds: for the department, in the ISO week its
    counters count them, each overdue stage, return and rating (``commented`` when the
    rating says something); for the deputies' list, a deputy's appeal on its day."""
    out: Marks = defaultdict(Counter)
    for event, department, when, added in _new_counts(old, new):
        day, week, _month = periods_of_iso(when)
        if added["submitted"] and new is not None and new.get("channel") == DEPUTY:
            out[(day, DEPUTY)]["submitted"] += 1
        if event.get("type") == "rating_reviewed":
            # Listed for the leaders on the day of the decision; the department's week
            # lists the rating itself, where it was given.
            decided = periods_of_iso(str(event.get("at")))[0]
            excluded = bool((event.get("data") or {}).get("excluded"))
            out[(decided, RATING_REVIEWS)]["excluded" if excluded else "taken_back"] += 1
            continue
        score = int((event.get("data") or {}).get("score") or 0)
        if department and added["ratings"] > 0 and score <= LOW_FROM:
            out[(day, LOW_RATINGS)]["low"] += 1  # a department's: what a review is about
        # The week's returns are the ones the department made (``disputed``), whatever the
        # center decides later: the list names them under ``returned``.
        shown = Counter({**added, "returned": added["disputed"]})
        picked = Counter({name: shown[name] for name in MARKED if shown[name] > 0})
        if picked and department:
            if picked["ratings"] and event.get("note"):
                picked["commented"] += 1
            out[(week, department_scope(str(department)))].update(picked)
    return dict(out)
