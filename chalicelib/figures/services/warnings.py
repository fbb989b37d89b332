"""Early warning (未诉先办): distinct citizens per town or street, week and topic word or
category, counted from the appeals stream; the hourly detector that compares this week with
the 8 before (figures/domain/warnings.py states the method) and raises each alert once; the
alerts list and what an operator does about one (a note, or a proactive work order)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.periods import period_end, week_of
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import Conflict
from chalicelib.core.observability import logger, metrics
from chalicelib.core.services.activity import AppealChange
from chalicelib.core.store import reference
from chalicelib.figures.domain import warnings as domain
from chalicelib.figures.domain.warnings import Place
from chalicelib.figures.store import warnings as store

ALERT_TYPE = "appeal.alert"
# Work orders the center opens itself on an alert (主动治理): their channel.
PROACTIVE = "proactive"
STATES = ("open", "acted")


def _places() -> list[Place]:
    return [Place(pid, name) for pid, name in reference.places()]


def place_record(change: AppealChange, words: list[str], citizen: str) -> store.PlaceRecord | None:
    """What the accepted appeal adds to its town's or street's week (None: it names no
    place, or is the center's own work order)."""
    from chalicelib.figures.services.statistics import TOPIC_MARKER_GRACE, citizen_key

    new = change.new or {}
    if new.get("channel") == PROACTIVE:
        return None  # the center's own work order: no citizen raised it
    location = new.get("location") or {}
    address = location.get("address") if isinstance(location, dict) else None
    text = f"{new.get('title', '')}\n{new.get('content', '')}"
    place = domain.place_of(address, text, _places())
    if place is None:
        return None
    week = week_of(clock.parse_iso(str(new["created_at"])))
    counts = [(domain.WORD, w) for w in words]
    if new.get("category"):
        counts.append((domain.CATEGORY, str(new["category"])))
    expires = int((period_end(week) + TOPIC_MARKER_GRACE).timestamp())
    return store.PlaceRecord(
        change.sequence, week, place, citizen_key(f"{week}#{place}", citizen), counts, expires
    )


def count_places(change: AppealChange, words: list[str], citizen: str) -> bool:
    """The accepted appeal's words and category, once per citizen, in its town's or
    street's ISO week of submission (an appeal naming no place counts nowhere here)."""
    record = place_record(change, words, citizen)
    if record is None:
        return True
    return store.add_place_mentions(
        record.sequence,
        record.week,
        record.place,
        record.citizen,
        record.counts,
        record.expires,
        clock.iso(clock.now()),
    )


def _label(dimension: str, key: str) -> str:
    if dimension == domain.CATEGORY:
        category = reference.get_category(key)
        return category.name if category else key
    return key


def detect(now: Any = None) -> dict[str, int]:
    """This week so far, for every town and street, against the 8 weeks before: each
    finding not raised before becomes an alert, told to every leader. Safe to repeat (the
    alert's id is its week, place and what rose; its write is conditional)."""
    moment = now or clock.now()
    week = week_of(moment)
    before = domain.previous_weeks(moment)
    raised = candidates = 0
    places = _places()
    for place in places:
        current = store.week_counts(week, place.id, domain.MIN_CITIZENS)
        if not current:
            continue
        candidates += len(current)
        history = store.counts_of((w, place.id, d, k) for (d, k) in current for w in before)
        for (dimension, key), citizens in sorted(current.items()):
            baseline = [history[(w, place.id, dimension, key)] for w in before]
            finding = domain.assess(week, place.id, dimension, key, citizens, baseline)
            if finding is None:
                continue
            if _raise(finding, place, clock.iso(moment)):
                raised += 1
    if raised:
        metrics.add_metric(name="AlertsRaised", unit="Count", value=raised)
    logger.info("early warning", extra={"week": week, "candidates": candidates, "raised": raised})
    return {"places": len(places), "candidates": candidates, "raised": raised}


def _raise(finding: domain.Finding, place: Place, at: str) -> bool:
    alert: dict[str, Any] = {
        "id": finding.alert_id,
        "week": finding.week,
        "place_id": place.id,
        "place_name": place.name,
        "dimension": finding.dimension,
        "key": finding.key,
        "label": _label(finding.dimension, finding.key),
        "citizens": finding.citizens,
        "baseline": list(finding.baseline),
        "rate": round(finding.rate, 2),
        "p_value": float(f"{finding.p_value:.3g}"),
        "raised_at": at,
        "state": "open",
    }
    if not store.put_alert(alert):
        return False
    from chalicelib.notifications.services import fan_out

    notice = {k: alert[k] for k in ("id", "place_name", "label", "citizens", "rate", "dimension")}
    fan_out.tell_leaders(ALERT_TYPE, finding.alert_id, at, {"alert_id": finding.alert_id, **notice})
    return True


# -- what staff do with alerts --------------------------------------------------------------


def _require(principal: Principal, roles: tuple[Role, ...]) -> None:
    from chalicelib.core.errors import Forbidden

    if principal.role not in roles:
        raise Forbidden("this call is for " + ", ".join(r.value for r in roles))


def list_alerts(
    principal: Principal, limit: int, cursor: str | None, state: str | None
) -> dict[str, Any]:
    _require(principal, (Role.LEADER, Role.OPERATOR))
    if state is not None and state not in STATES:
        from chalicelib.core.errors import ValidationFailed

        raise ValidationFailed.one("state", f"must be one of {', '.join(STATES)}")
    items, next_cursor = store.list_alerts(limit, cursor, state)
    return {"items": items, "next_cursor": next_cursor}


ACT: dict[str, Any] = {
    "$id": "AlertAct",
    "type": "object",
    "additionalProperties": False,
    "required": ["note"],
    "properties": {"note": {"type": "string", "minLength": 1, "maxLength": 1000}},
}

WORK_ORDER: dict[str, Any] = {
    "$id": "AlertWorkOrder",
    "type": "object",
    "additionalProperties": False,
    "required": ["department_id"],
    "properties": {
        "department_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "title": {"type": "string", "minLength": 1, "maxLength": 100},
        "content": {"type": "string", "minLength": 1, "maxLength": 4000},
        "kind": {"type": "string", "enum": ["complaint", "suggestion", "help", "consultation"]},
        "note": {"type": "string", "maxLength": 1000},
    },
}


def act_on_alert(principal: Principal, alert_id: str, body: Any) -> dict[str, Any]:
    """An operator's note that the alert was acted on (one action per alert)."""
    _require(principal, (Role.OPERATOR,))
    request = validate(ACT, body)
    alert = store.get_alert(alert_id)
    if alert.get("state") != "open":
        raise Conflict("the alert was acted on already", state=alert.get("state"))
    action = {
        "type": "note",
        "note": request["note"].strip(),
        "by": principal.id,
        "at": clock.iso(clock.now()),
    }
    store.move_alert(alert_id, "open", "acted", action)
    return {**alert, "state": "acted", "action": action}


def alert_work_order(principal: Principal, alert_id: str, body: Any) -> dict[str, Any]:
    """主动治理: a work order the center opens itself on the alert, through the same intake
    and dispatch as any appeal (channel ``proactive``, no citizen, no contact), dispatched
    to the department named; the alert is then acted on, pointing to it."""
    from chalicelib.core.errors import ValidationFailed
    from chalicelib.intake.services import intake
    from chalicelib.work_orders.services import dispatch

    _require(principal, (Role.OPERATOR,))
    request = validate(WORK_ORDER, body)
    alert = store.get_alert(alert_id)
    if alert.get("state") != "open":
        raise Conflict("the alert was acted on already", state=alert.get("state"))
    routing = {"department_id": request["department_id"]}
    if request.get("note"):
        routing["note"] = request["note"]
    errors = dispatch.check_dispatch(routing)
    if errors:
        raise ValidationFailed(errors)
    category = alert["key"] if alert.get("dimension") == domain.CATEGORY else None
    title = request.get("title") or f"{alert['place_name']}{alert['label']}问题主动治理"
    content = request.get("content") or (
        f"未诉先办预警：{alert['place_name']}本周{alert['citizens']}位市民反映“{alert['label']}”，"
        f"此前8周周均{alert['rate']}。请主动排查处置。"
    )
    owner = Principal(id=f"proactive:{alert_id}", role=Role.CITIZEN)
    appeal_request: dict[str, Any] = {
        "kind": request.get("kind", "complaint"),
        "title": title[:100],
        "content": content,
        "channel": PROACTIVE,
        **({"category": category} if category else {}),
    }
    checked = intake.validated_request(owner, appeal_request, intake_schema())
    # Taken first (one conditional write), so two operators at once open one work order.
    store.move_alert(alert_id, "open", "acting")
    try:
        appeal = intake.store_appeal(owner, checked, recorded_by=principal)
        appeal = dispatch.dispatch_appeal(principal, appeal.id, routing)
    except Exception:
        store.move_alert(alert_id, "acting", "open")
        raise
    action = {
        "type": "work_order",
        "appeal_id": appeal.id,
        "department_id": request["department_id"],
        "by": principal.id,
        "at": clock.iso(clock.now()),
    }
    store.move_alert(alert_id, "acting", "acted", action)
    metrics.add_metric(name="ProactiveWorkOrders", unit="Count", value=1)
    return {**alert, "state": "acted", "action": action}


def intake_schema() -> dict[str, Any]:
    from chalicelib.core.domain.schemas import APPEAL_RECORD

    return APPEAL_RECORD


def alerts_of_day(day: str) -> list[dict[str, Any]]:
    """The alerts raised on ``day`` (YYYY-MM-DD, Asia/Shanghai), for the daily report."""
    from datetime import datetime

    start = datetime.fromisoformat(day).replace(tzinfo=clock.TZ)
    weeks = [week_of(start), week_of(start.replace(hour=23, minute=59))]
    found = [
        a
        for a in store.alerts_of_weeks(weeks)
        if clock.parse_iso(str(a["raised_at"])).astimezone(clock.TZ).date() == start.date()
    ]
    return sorted(found, key=lambda a: (-int(a["citizens"]), str(a["place_name"])))
