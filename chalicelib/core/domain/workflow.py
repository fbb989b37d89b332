"""The work-order lifecycle as data: one transition table, used by every endpoint.

受理 → 转办 → 签收 → 联系 → 答复 → 评价, with returns, rework, extensions, merges, escalation
and leader comments. ``apply`` is pure: it takes the appeal, the action and what the action
needs from outside (time, the working-day calendar, reply days) and returns the new appeal
with exactly one new timeline event.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.core.domain import clock, photos
from chalicelib.core.domain.appeal import (
    CALLBACK_ATTEMPTS,
    CALLBACK_SATISFACTION,
    DEPARTMENT_NOTE_EVENT,
    NOTE_EVENT,
    TERMINAL_STATES,
    TRANSFER_TARGETS,
    Appeal,
    Event,
    Kind,
    State,
)
from chalicelib.core.domain.calendar import WorkingCalendar
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.records import frozen
from chalicelib.core.domain.schemas import MAX_MEDIA
from chalicelib.core.errors import Conflict, ValidationFailed

SIGN_MINUTES = 15
# Progress notes live in the appeal's own item (its timeline): bounded, so that item stays
# far below DynamoDB's 400 KB.
MAX_PROGRESS_NOTES = 20
CONTACT_MINUTES = 30


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    DISPATCH = "dispatch"
    MERGE = "merge"
    ESCALATE = "escalate"
    DECIDE_EXTENSION = "decide_extension"
    SIGN = "sign"
    CONTACT = "contact"
    REPLY = "reply"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    COMMENT = "comment"
    RATE = "rate"
    REWORK = "rework"
    AUTO_CLOSE = "auto_close"
    PUBLISH_MEDIA = "publish_media"
    ADD_NOTE = "add_note"  # the citizen adds to their own open appeal (a reply by mail)
    CENTER_REPLY = "center_reply"  # 直办: the center answers a consultation from the knowledge base
    REOPEN = "reopen"  # rework asked of a center reply: back to the center, not a department
    TRANSFER = "transfer"  # 即时转办: handed on at once to 110/119/120/122 or another body
    URGE = "urge"  # 催办: the center or a leader presses the department on an open order
    DEPARTMENT_NOTE = "department_note"  # 办理进展: the department's own note on its order
    # 回访: the center calls the citizen after the reply. Not reached: on record, the state
    # kept; reached: the outcome is the rating (closing it, or rework as the citizen may).
    CALLBACK_MISSED = "callback_missed"
    CALLBACK = "callback"
    CALLBACK_REWORK = "callback_rework"
    CALLBACK_REOPEN = "callback_reopen"  # rework of the center's own reply (直办)
    REVIEW_RATING = "review_rating"  # 差评审核: a rating excluded from the rates (or back)


class Deadlines(StrEnum):
    KEEP = "keep"
    START = "start"  # a new round: sign, contact and reply deadlines from now
    CLEAR = "clear"


@frozen
class Transition:
    action: Action
    sources: frozenset[State]
    target: State | None  # None: the state does not change
    roles: frozenset[Role]
    event: str
    deadlines: Deadlines = Deadlines.KEEP


def _states(*states: State) -> frozenset[State]:
    return frozenset(states)


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


S = State
OPEN = _states(S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.SIGNED, S.CONTACTED, S.REPLIED, S.RETURNED)
AT_CENTER = _states(S.SUBMITTED, S.ACCEPTED, S.RETURNED)
IN_HAND = _states(S.SIGNED, S.CONTACTED)
AT_DEPARTMENT = _states(S.DISPATCHED, S.SIGNED, S.CONTACTED)
OPERATOR, DEPARTMENT, LEADER, CITIZEN, SYSTEM = (
    Role.OPERATOR,
    Role.DEPARTMENT,
    Role.LEADER,
    Role.CITIZEN,
    Role.SYSTEM,
)

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.ACCEPT, _states(S.SUBMITTED), S.ACCEPTED, _roles(OPERATOR), "accepted"),
        Transition(
            Action.REJECT, AT_CENTER, S.REJECTED, _roles(OPERATOR), "rejected", Deadlines.CLEAR
        ),
        Transition(
            Action.DISPATCH,
            AT_CENTER,
            S.DISPATCHED,
            _roles(OPERATOR, SYSTEM),
            "dispatched",
            Deadlines.START,
        ),
        Transition(Action.MERGE, AT_CENTER, S.MERGED, _roles(OPERATOR), "merged", Deadlines.CLEAR),
        Transition(Action.ESCALATE, OPEN, None, _roles(OPERATOR, LEADER, SYSTEM), "escalated"),
        Transition(Action.DECIDE_EXTENSION, IN_HAND, None, _roles(OPERATOR), "extension_decided"),
        Transition(Action.SIGN, _states(S.DISPATCHED), S.SIGNED, _roles(DEPARTMENT), "signed"),
        Transition(Action.CONTACT, _states(S.SIGNED), S.CONTACTED, _roles(DEPARTMENT), "contacted"),
        Transition(Action.REPLY, _states(S.CONTACTED), S.REPLIED, _roles(DEPARTMENT), "replied"),
        Transition(
            Action.RETURN,
            _states(S.DISPATCHED, S.SIGNED),
            S.RETURNED,
            _roles(DEPARTMENT),
            "returned",
            Deadlines.KEEP,  # the effect sets the center's decision deadline
        ),
        Transition(
            Action.REQUEST_EXTENSION, IN_HAND, None, _roles(DEPARTMENT), "extension_requested"
        ),
        Transition(Action.COMMENT, frozenset(State), None, _roles(LEADER), "commented"),
        Transition(Action.RATE, _states(S.REPLIED), S.CLOSED, _roles(CITIZEN), "rated"),
        Transition(
            Action.REWORK,
            _states(S.REPLIED),
            S.DISPATCHED,
            _roles(CITIZEN),
            "rework_requested",
            Deadlines.START,
        ),
        Transition(Action.AUTO_CLOSE, _states(S.REPLIED), S.CLOSED, _roles(SYSTEM), "closed"),
        Transition(
            Action.PUBLISH_MEDIA,
            frozenset(State) - {S.REJECTED, S.MERGED},
            None,
            _roles(OPERATOR),
            photos.PUBLISHED_EVENT,
        ),
        Transition(
            Action.ADD_NOTE, frozenset(State) - TERMINAL_STATES, None, _roles(CITIZEN), NOTE_EVENT
        ),
        Transition(
            Action.CENTER_REPLY,
            _states(S.SUBMITTED, S.ACCEPTED),
            S.REPLIED,
            _roles(OPERATOR),
            "replied",
            Deadlines.CLEAR,
        ),
        Transition(
            Action.REOPEN, _states(S.REPLIED), S.ACCEPTED, _roles(CITIZEN), "rework_requested"
        ),
        Transition(
            Action.TRANSFER,
            AT_CENTER,
            S.TRANSFERRED,
            _roles(OPERATOR),
            "transferred",
            Deadlines.CLEAR,
        ),
        Transition(Action.URGE, AT_DEPARTMENT, None, _roles(OPERATOR, LEADER), "urged"),
        Transition(
            Action.DEPARTMENT_NOTE, AT_DEPARTMENT, None, _roles(DEPARTMENT), DEPARTMENT_NOTE_EVENT
        ),
        Transition(
            Action.CALLBACK_MISSED, _states(S.REPLIED), None, _roles(OPERATOR), "called_back"
        ),
        Transition(Action.CALLBACK, _states(S.REPLIED), S.CLOSED, _roles(OPERATOR), "rated"),
        Transition(
            Action.CALLBACK_REWORK,
            _states(S.REPLIED),
            S.DISPATCHED,
            _roles(OPERATOR),
            "rework_requested",
            Deadlines.START,
        ),
        Transition(
            Action.CALLBACK_REOPEN,
            _states(S.REPLIED),
            S.ACCEPTED,
            _roles(OPERATOR),
            "rework_requested",
        ),
        Transition(
            Action.REVIEW_RATING,
            frozenset(State),
            None,
            _roles(LEADER, Role.ADMIN),
            "rating_reviewed",
        ),
    )
}

# Actions a department takes on its own work orders; a citizen's on their own appeals.
DEPARTMENT_ACTIONS = frozenset(a for a, t in TRANSITIONS.items() if DEPARTMENT in t.roles)
CITIZEN_ACTIONS = frozenset(a for a, t in TRANSITIONS.items() if CITIZEN in t.roles)


@frozen
class Outside:
    """What a transition needs from outside the appeal."""

    now: datetime
    calendar: WorkingCalendar
    reply_days: Callable[[Kind, str | None], int]
    decision_days: int = 1  # working days the center has to decide a return (派单异议)


def reply_due(appeal: Appeal, at: datetime, outside: Outside) -> datetime:
    return outside.calendar.add_working_days(at, outside.reply_days(appeal.kind, appeal.category))


def start_deadlines(appeal: Appeal, outside: Outside) -> dict[str, str]:
    at = outside.now
    return {
        "sign_due": clock.iso(at + timedelta(minutes=SIGN_MINUTES)),
        "contact_due": clock.iso(at + timedelta(minutes=CONTACT_MINUTES)),
        "reply_due": clock.iso(reply_due(appeal, at, outside)),
    }


def conflict(appeal: Appeal, detail: str) -> Conflict:
    return Conflict(detail, state=appeal.state.value, version=appeal.version)


def check_state(appeal: Appeal, action: Action) -> Transition:
    transition = TRANSITIONS[action]
    if appeal.state not in transition.sources:
        raise conflict(
            appeal,
            f"cannot {action.value.replace('_', ' ')} an appeal that is {appeal.state.value}",
        )
    return transition


# --- effects of each action beyond state, deadlines and the event -----------------------

Effect = Callable[[Appeal, dict[str, Any], Outside], tuple[str | None, dict[str, Any]]]


def _accept(appeal: Appeal, p: dict[str, Any], _o: Outside) -> tuple[str | None, dict[str, Any]]:
    data: dict[str, Any] = {}
    if p.get("kind") and p["kind"] != appeal.kind.value:
        data["kind"] = {"from": appeal.kind.value, "to": p["kind"]}
        appeal.kind = Kind(p["kind"])
        if appeal.kind is Kind.WHISTLEBLOWING:
            appeal.is_public = False  # a 举报 is never public
    if p.get("category") and p["category"] != appeal.category:
        data["category"] = {"from": appeal.category, "to": p["category"]}
        appeal.category = p["category"]
    return p.get("note"), data


UPHELD, OVERRULED = "upheld", "rejected"


def _returned_by(appeal: Appeal) -> Event | None:
    """The return the center has still to decide (派单异议), if the appeal is back from a
    department."""
    if appeal.state is not State.RETURNED:
        return None
    return next((e for e in reversed(appeal.timeline) if e.type == "returned"), None)


def _dispute(appeal: Appeal, data: dict[str, Any], to: str | None = None) -> Event | None:
    """The center's next step decides a pending return: back to the same department
    rejects the dispute, any other step (another department, a transfer, a rejection, a
    merge) upholds it. Recorded on the step's event as ``dispute``."""
    found = _returned_by(appeal)
    if found is None:
        return None
    department = found.data.get("department_id")
    outcome = OVERRULED if to is not None and to == department else UPHELD
    data["dispute"] = {"department_id": department, "outcome": outcome}
    return found


def _reject(appeal: Appeal, p: dict[str, Any], _o: Outside) -> tuple[str | None, dict[str, Any]]:
    code = p.get("reason_code")  # required over HTTP (schemas.REJECT)
    data: dict[str, Any] = {"reason_code": code} if code else {}
    _dispute(appeal, data)
    return p["reason"], data


def _transfer(appeal: Appeal, p: dict[str, Any], _o: Outside) -> tuple[str | None, dict[str, Any]]:
    """即时转办: where it went (a code, or ``other`` with the body's name), on record."""
    to = str(p["to"])
    name = str(p.get("name") or TRANSFER_TARGETS[to])
    data: dict[str, Any] = {"to": to, "name": name}
    if appeal.state is State.SUBMITTED:
        data["accepted"] = True
    _dispute(appeal, data)
    appeal.department_id = None
    appeal.co_department_ids = []
    appeal.extension = None
    return p["note"], data


def _urge(appeal: Appeal, p: dict[str, Any], _o: Outside) -> tuple[str | None, dict[str, Any]]:
    """催办: the department holding it is pressed; the urges of the order are numbered."""
    count = sum(1 for e in appeal.timeline if e.type == "urged") + 1
    return p.get("note"), {
        "department_id": appeal.department_id,
        "count": count,
        "overdue": list(appeal.overdue),
    }


def _dispatch(appeal: Appeal, p: dict[str, Any], o: Outside) -> tuple[str | None, dict[str, Any]]:
    data: dict[str, Any] = {}
    if appeal.state is State.SUBMITTED:
        data["accepted"] = True  # accept and dispatch in one step
    returned = _dispute(appeal, data, p["department_id"])
    if data.get("dispute", {}).get("outcome") == OVERRULED:
        if not p.get("note"):
            raise ValidationFailed.one(
                "note",
                "is required to send a work order back to the department that returned it "
                "(the center rejects its dispute and says why)",
            )
        if returned is not None and returned.data.get("reply_due"):
            data["continues"] = {"reply_due": returned.data["reply_due"]}
    note, reclassified = _accept(appeal, p, o)
    data.update(reclassified)
    appeal.department_id = p["department_id"]
    appeal.co_department_ids = list(p.get("co_department_ids", []))
    appeal.extension = None
    data["department_id"] = appeal.department_id
    if appeal.co_department_ids:
        data["co_department_ids"] = list(appeal.co_department_ids)
    data["round"] = appeal.rounds + 1
    appeal.rounds += 1
    return note, data


def _merge(appeal: Appeal, p: dict[str, Any], _o: Outside) -> tuple[str | None, dict[str, Any]]:
    appeal.merged_into = p["into"]
    data: dict[str, Any] = {"into": p["into"]}
    _dispute(appeal, data)
    return p.get("note"), data


def _escalate(appeal: Appeal, p: dict[str, Any], o: Outside) -> tuple[str | None, dict[str, Any]]:
    level = int(p["level"])
    current = int((appeal.escalation or {}).get("level", 0))
    if level <= current:
        raise conflict(appeal, f"the appeal is already escalated at level {current}")
    appeal.escalation = {"level": level, "reason": p["reason"], "at": clock.iso(o.now)}
    return p["reason"], {"level": level}


def _request_extension(
    appeal: Appeal, p: dict[str, Any], o: Outside
) -> tuple[str | None, dict[str, Any]]:
    if appeal.extension and appeal.extension.get("status") == "pending":
        raise conflict(appeal, "an extension request is already waiting for a decision")
    appeal.extension = {
        "status": "pending",
        "days": int(p["days"]),
        "reason": p["reason"],
        "requested_at": clock.iso(o.now),
    }
    return p["reason"], {"days": int(p["days"])}


def _decide_extension(
    appeal: Appeal, p: dict[str, Any], o: Outside
) -> tuple[str | None, dict[str, Any]]:
    pending = appeal.extension if appeal.extension else {}
    if pending.get("status") != "pending":
        raise conflict(appeal, "there is no extension request waiting for a decision")
    approve = bool(p["approve"])
    data: dict[str, Any] = {"approve": approve, "days": pending["days"]}
    if approve:
        old = appeal.deadlines["reply_due"]
        new = o.calendar.extend(clock.parse_iso(old), int(pending["days"]))
        appeal.deadlines = {**appeal.deadlines, "reply_due": clock.iso(new)}
        data["reply_due"] = {"from": old, "to": appeal.deadlines["reply_due"]}
        # The new deadline is watched afresh; the earlier overdue mark stays in the timeline.
        appeal.overdue = [s for s in appeal.overdue if s != "reply"]
        appeal.warned = [s for s in appeal.warned if s != "reply"]
    appeal.extension = {
        **pending,
        "status": "approved" if approve else "refused",
        "decided_at": clock.iso(o.now),
    }
    return p.get("note"), data


def _contact(appeal: Appeal, p: dict[str, Any], _o: Outside) -> tuple[str | None, dict[str, Any]]:
    return p.get("note"), {"method": p["method"]}


def _reply(appeal: Appeal, p: dict[str, Any], o: Outside) -> tuple[str | None, dict[str, Any]]:
    appeal.reply = {
        "content": p["content"],
        "handler_name": p["handler_name"],
        "handler_phone": p["handler_phone"],
        "public_reply": p.get("public_reply"),
        "department_id": appeal.department_id,
        "at": clock.iso(o.now),
    }
    on_time = clock.iso(o.now) <= appeal.deadlines.get("reply_due", clock.iso(o.now))
    # The event keeps the answer: a reply after rework replaces ``appeal.reply``, not this.
    data = {
        "on_time": on_time,
        "content": p["content"],
        "public_reply": p.get("public_reply"),
        "handler_name": p["handler_name"],
        "handler_phone": p["handler_phone"],
        "department_id": appeal.department_id,
    }
    if "quality_flags" in p:
        # The reply quality check's flags (set by the service, never by the request).
        data["quality_flags"] = list(p["quality_flags"])
    return None, data


def _return(appeal: Appeal, p: dict[str, Any], o: Outside) -> tuple[str | None, dict[str, Any]]:
    """派单异议: the department says the work order is not its duty (and may name the body
    it thinks is); the reply deadline in force is kept on the event (a rejected dispute
    continues it) and the center's decision is due in ``decision_days`` working days."""
    data: dict[str, Any] = {"department_id": appeal.department_id}
    if appeal.deadlines.get("reply_due"):
        data["reply_due"] = appeal.deadlines["reply_due"]
    if p.get("responsible"):
        data["responsible"] = p["responsible"]
    appeal.department_id = None
    appeal.co_department_ids = []
    appeal.extension = None
    decision_due = clock.iso(o.calendar.add_working_days(o.now, o.decision_days))
    appeal.deadlines = {"decision_due": decision_due}
    appeal.overdue = [s for s in appeal.overdue if s != "decision"]
    appeal.warned = [s for s in appeal.warned if s != "decision"]
    data["decision_due"] = decision_due
    return p["reason"], data


def _comment(appeal: Appeal, p: dict[str, Any], _o: Outside) -> tuple[str | None, dict[str, Any]]:
    # Instructions can be long and many: the store keeps them apart from the lifecycle
    # timeline, numbered in order.
    appeal.comments += 1
    return p["text"], {"seq": appeal.comments}


def _rate(appeal: Appeal, p: dict[str, Any], o: Outside) -> tuple[str | None, dict[str, Any]]:
    score = int(p["score"])
    appeal.rating = {
        "score": score,
        "resolved": bool(p["resolved"]),
        "comment": p.get("comment"),
        "at": clock.iso(o.now),
        "department_id": appeal.department_id,
    }
    return p.get("comment"), {
        "score": score,
        "resolved": bool(p["resolved"]),
        "department_id": appeal.department_id,
    }


def _rework(appeal: Appeal, p: dict[str, Any], o: Outside) -> tuple[str | None, dict[str, Any]]:
    note, data = _rate(appeal, p, o)
    appeal.extension = None
    appeal.rounds += 1
    data["round"] = appeal.rounds
    return note, data


def _publish_media(
    appeal: Appeal, p: dict[str, Any], _o: Outside
) -> tuple[str | None, dict[str, Any]]:
    index, public = int(p["index"]), bool(p["public"])
    check_photo_index(appeal, index)
    if (index in photos.published(appeal)) == public:
        raise conflict(appeal, f"photo {index} is already {'public' if public else 'not public'}")
    return None, {"index": index, "public": public}


def check_photo_index(appeal: Appeal, index: int) -> None:
    if not 0 <= index < len(appeal.media):
        raise ValidationFailed.one(
            "index", f"is not a photo of this appeal (it has {len(appeal.media)})"
        )


def _add_note(appeal: Appeal, p: dict[str, Any], _o: Outside) -> tuple[str | None, dict[str, Any]]:
    """The citizen's own words added to an open appeal, with any photos that still fit."""
    room = max(0, MAX_MEDIA - len(appeal.media))
    added = [k for k in p.get("media", []) if k not in appeal.media][:room]
    appeal.media = [*appeal.media, *added]
    data: dict[str, Any] = {k: p[k] for k in ("channel", "source") if p.get(k)}
    if added:
        data["media"] = added
    return p["text"], data


CENTER = "center"  # who replied: ``by`` on the reply and its event


def _center_reply(
    appeal: Appeal, p: dict[str, Any], o: Outside
) -> tuple[str | None, dict[str, Any]]:
    """The center's own answer (直办): no department, no deadline; the article it came from
    and whether the operator edited its text stay on the event."""
    data: dict[str, Any] = {}
    if appeal.state is State.SUBMITTED:
        data["accepted"] = True  # accepted and answered in one step
    appeal.department_id = None
    appeal.co_department_ids = []
    appeal.reply = {
        "content": p["content"],
        "public_reply": p.get("public_reply"),
        "department_id": None,
        "by": CENTER,
        "article_id": p["article_id"],
        "at": clock.iso(o.now),
    }
    data.update(
        {
            "by": CENTER,
            "article_id": p["article_id"],
            "article_version": p.get("article_version"),
            "edited": bool(p.get("edited")),
            "content": p["content"],
            "public_reply": p.get("public_reply"),
            "department_id": None,
        }
    )
    return None, data


def _reopen(appeal: Appeal, p: dict[str, Any], o: Outside) -> tuple[str | None, dict[str, Any]]:
    note, data = _rate(appeal, p, o)
    data["by"] = CENTER
    return note, data


def _department_note(
    appeal: Appeal, p: dict[str, Any], _o: Outside
) -> tuple[str | None, dict[str, Any]]:
    """办理进展: what the department has done so far, for the center and leaders (never the
    citizen's timeline); numbered in order among the order's progress notes."""
    seq = sum(1 for e in appeal.timeline if e.type == DEPARTMENT_NOTE_EVENT) + 1
    if seq > MAX_PROGRESS_NOTES:
        raise conflict(
            appeal,
            f"the work order has its {MAX_PROGRESS_NOTES} progress notes: say more in the reply",
        )
    return p["text"], {"department_id": appeal.department_id, "seq": seq}


def callback_calls(appeal: Appeal) -> int:
    """The calls not reached about the reply in force (回访): those since the latest reply."""
    since = 0
    for event in appeal.timeline:
        if event.type == "replied":
            since = 0
        elif event.type == "called_back":
            since += 1
    return since


def _callback_attempt(appeal: Appeal) -> int:
    """The number of this call to the citizen about the reply in force, at most
    ``CALLBACK_ATTEMPTS``."""
    since = callback_calls(appeal)
    if since >= CALLBACK_ATTEMPTS:
        raise conflict(
            appeal, f"{CALLBACK_ATTEMPTS} call-backs are recorded for this reply already"
        )
    return since + 1


def _callback_missed(
    appeal: Appeal, p: dict[str, Any], _o: Outside
) -> tuple[str | None, dict[str, Any]]:
    return p.get("note"), {"reached": False, "attempt": _callback_attempt(appeal)}


def _called(appeal: Appeal, p: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A reached call-back as the citizen's rating would be: (the rating's params, what the
    call adds to the rating and its event)."""
    satisfaction = str(p["satisfaction"])
    _label, score = CALLBACK_SATISFACTION[satisfaction]
    call = {"attempt": _callback_attempt(appeal), "satisfaction": satisfaction}
    rating = {"score": score, "resolved": bool(p["resolved"]), "comment": p.get("note")}
    return rating, call


def _callback(appeal: Appeal, p: dict[str, Any], o: Outside) -> tuple[str | None, dict[str, Any]]:
    """The citizen reached: the outcome recorded as the rating, by the center."""
    rating, call = _called(appeal, p)
    note, data = _rate(appeal, rating, o)
    return note, _by_callback(appeal, data, call)


def _callback_rework(
    appeal: Appeal, p: dict[str, Any], o: Outside
) -> tuple[str | None, dict[str, Any]]:
    rating, call = _called(appeal, p)
    note, data = _rework(appeal, rating, o)
    return note, _by_callback(appeal, data, call)


def _callback_reopen(
    appeal: Appeal, p: dict[str, Any], o: Outside
) -> tuple[str | None, dict[str, Any]]:
    rating, call = _called(appeal, p)
    note, data = _reopen(appeal, rating, o)
    return note, _by_callback(appeal, data, call)


def _by_callback(appeal: Appeal, data: dict[str, Any], call: dict[str, Any]) -> dict[str, Any]:
    appeal.rating = {**(appeal.rating or {}), "callback": call}
    return {**data, "callback": call}


def _review_rating(
    appeal: Appeal, p: dict[str, Any], o: Outside
) -> tuple[str | None, dict[str, Any]]:
    """差评审核: the rating in force is excluded from the rates (``exclude``), or the
    exclusion taken back, once; the rating itself stays. The event carries what the
    counters need: the rating's score, whether it said solved, its department and time."""
    rating = appeal.rating
    if not rating:
        raise conflict(appeal, "the appeal has no rating to review")
    review = dict(rating.get("review") or {})
    exclude = bool(p["exclude"])
    if exclude and review:
        raise conflict(
            appeal,
            "the rating's exclusion was taken back; that decision is final"
            if review.get("taken_back_at")
            else "the rating is excluded already",
        )
    if not exclude and (not review or review.get("taken_back_at")):
        raise conflict(
            appeal,
            "the exclusion was taken back already"
            if review
            else "the rating is not excluded: there is nothing to take back",
        )
    at = clock.iso(o.now)
    if exclude:
        review = {"excluded_at": at, "reason": p["reason"]}
    else:
        review = {**review, "taken_back_at": at, "taken_back_reason": p["reason"]}
    appeal.rating = {**rating, "excluded": exclude, "review": review}
    return p["reason"], {
        "excluded": exclude,
        "score": rating.get("score"),
        "resolved": bool(rating.get("resolved")),
        "department_id": rating.get("department_id"),
        "rated_at": rating.get("at"),
    }


def _nothing(appeal: Appeal, p: dict[str, Any], _o: Outside) -> tuple[str | None, dict[str, Any]]:
    return p.get("note"), {}


EFFECTS: dict[Action, Effect] = {
    Action.ACCEPT: _accept,
    Action.REJECT: _reject,
    Action.DISPATCH: _dispatch,
    Action.MERGE: _merge,
    Action.ESCALATE: _escalate,
    Action.DECIDE_EXTENSION: _decide_extension,
    Action.SIGN: _nothing,
    Action.CONTACT: _contact,
    Action.REPLY: _reply,
    Action.RETURN: _return,
    Action.REQUEST_EXTENSION: _request_extension,
    Action.COMMENT: _comment,
    Action.RATE: _rate,
    Action.REWORK: _rework,
    Action.AUTO_CLOSE: _nothing,
    Action.PUBLISH_MEDIA: _publish_media,
    Action.ADD_NOTE: _add_note,
    Action.CENTER_REPLY: _center_reply,
    Action.REOPEN: _reopen,
    Action.TRANSFER: _transfer,
    Action.URGE: _urge,
    Action.DEPARTMENT_NOTE: _department_note,
    Action.CALLBACK_MISSED: _callback_missed,
    Action.CALLBACK: _callback,
    Action.CALLBACK_REWORK: _callback_rework,
    Action.CALLBACK_REOPEN: _callback_reopen,
    Action.REVIEW_RATING: _review_rating,
}


def apply(
    appeal: Appeal, action: Action, actor: Principal, params: dict[str, Any], outside: Outside
) -> Appeal:
    """The appeal after ``action``: state, deadlines and one new event. The caller has
    checked the role and that the actor may see the appeal; the state is checked here."""
    transition = check_state(appeal, action)
    after = copy.deepcopy(appeal)
    note, data = EFFECTS[action](after, params, outside)
    if transition.target is not None:
        after.state = transition.target
        after.state_at = clock.iso(outside.now)
    if transition.deadlines is Deadlines.START:
        after.deadlines = start_deadlines(after, outside)
        after.overdue = []
        after.warned = []
        continues = data.get("continues") or {}
        if continues.get("reply_due"):
            # A rejected dispute: the department's reply deadline runs on from its first
            # dispatch (signing and contact start anew); a reply already marked overdue
            # stays marked.
            after.deadlines["reply_due"] = continues["reply_due"]
            after.overdue = [s for s in appeal.overdue if s == "reply"]
            after.warned = [s for s in appeal.warned if s == "reply"]
        data["deadlines"] = dict(after.deadlines)
    elif transition.deadlines is Deadlines.CLEAR:
        after.deadlines = {}
    at = clock.iso(outside.now)
    after.updated_at = at
    after.timeline = [
        *appeal.timeline,
        Event(type=transition.event, at=at, actor=actor.actor(), note=note, data=data),
    ]
    return after
