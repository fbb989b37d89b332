"""What the public reads without signing in: the feed of public appeals (一网晒单亮责), one
appeal's public page, and citizens' 附议. Only appeals the citizen made public and the
center vetted (public states) appear; text is masked and the location coarse, as the
public view of the domain shows them."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import PUBLIC_STATES, Appeal, State
from chalicelib.core.domain.ids import is_appeal_id
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.observability import metrics
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store import reference
from chalicelib.core.store.cursors import decode_cursor, encode_cursor
from chalicelib.figures.store import supports

# How far back the feed goes, and how many month partitions one page may look through.
FEED_MONTHS = 36
MONTHS_PER_PAGE = 6
FILTERS = ("category", "department_id", "state", "replied")


def _months_back(start: str, count: int) -> list[str]:
    year, month = int(start[:4]), int(start[5:7])
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return months


def _department_names() -> dict[str, str]:
    return {d.id: d.name for d in reference.list_departments()}


def item(appeal: Appeal, names: dict[str, str], supporters: int) -> dict[str, Any]:
    summary = appeal.summary(None)
    return {
        "id": appeal.id,
        "title": summary["title"],
        "kind": summary["kind"],
        "category": summary["category"],
        "state": summary["state"],
        "department_id": appeal.department_id,
        "department": names.get(appeal.department_id or ""),
        "created_at": appeal.created_at,
        "updated_at": appeal.updated_at,
        "replied": appeal.state in (State.REPLIED, State.CLOSED),
        "supporters": supporters,
    }


def feed(params: dict[str, str], limit: int, cursor: str | None) -> dict[str, Any]:
    """Newest first, month by month through the public-feed index; filters are applied to
    what each page reads (at most 5 x ``limit`` items and six months per request)."""
    from chalicelib.core.store.models import AppealModel

    unknown = sorted(set(params) - {*FILTERS, "limit", "cursor"})
    if unknown:
        raise ValidationFailed([{"field": u, "message": "is not a filter"} for u in unknown])
    state = params.get("state")
    if state is not None and state not in {s.value for s in PUBLIC_STATES}:
        raise ValidationFailed.one("state", "is not a state public appeals are in")
    replied = params.get("replied")
    if replied not in (None, "true", "false"):
        raise ValidationFailed.one("replied", "must be true or false")
    condition = None
    clauses = [getattr(AppealModel, n) == params[n] for n in FILTERS[:3] if params.get(n)]
    if replied is not None:
        answered = AppealModel.state.is_in(State.REPLIED.value, State.CLOSED.value)
        clauses.append(answered if replied == "true" else ~answered)
    for clause in clauses:
        condition = clause if condition is None else condition & clause
    current = clock.iso(clock.now())[:7]
    months = _months_back(current, FEED_MONTHS)
    month, inner = months[0], None
    if cursor:
        key = decode_cursor(cursor, {"~list": "public-feed"})
        month, inner = key.get("month", ""), key.get("key") or None
        if month not in months:
            raise ValidationFailed.one("cursor", "is not a cursor this list issued")
    found: list[Appeal] = []
    next_cursor = None
    for position in range(
        months.index(month), min(months.index(month) + MONTHS_PER_PAGE, len(months))
    ):
        month = months[position]
        page, inner = appeal_store.query_index(
            "public-feed",
            month,
            limit=limit - len(found),
            cursor=inner,
            filter_condition=condition,
        )
        found += page
        if inner is not None:
            next_cursor = encode_cursor({"~list": "public-feed", "month": month, "key": inner})
            break
        if len(found) >= limit:
            if position + 1 < len(months):
                next_cursor = encode_cursor({"~list": "public-feed", "month": months[position + 1]})
            break
    else:
        last = months.index(month) + 1
        if last < len(months):
            next_cursor = encode_cursor({"~list": "public-feed", "month": months[last]})
    # The index carries summaries; the whole items name the people whose names the public
    # text must not show (one BatchGetItem for the page).
    whole = {a.id: a for a in appeal_store.batch_get([a.id for a in found])}
    found = [
        whole[a.id]
        for a in found
        if a.id in whole and whole[a.id].publishable and whole[a.id].state in PUBLIC_STATES
    ]
    names = _department_names()
    counts = supports.counts([a.id for a in found])
    return {
        "items": [item(a, names, counts.get(a.id, 0)) for a in found],
        "next_cursor": next_cursor,
    }


def public_appeal(appeal_id: str) -> Appeal:
    appeal = appeal_store.get(appeal_id) if is_appeal_id(appeal_id) else None
    if appeal is None or not appeal.publishable or appeal.state not in PUBLIC_STATES:
        raise NotFound(f"no public appeal {appeal_id}")
    return appeal


def detail(appeal_id: str) -> dict[str, Any]:
    """The public page of one appeal: masked text, coarse location, the department, the
    public reply, the public steps, the rating's score, the supporters."""
    from chalicelib.core.services import views

    appeal = public_appeal(appeal_id)
    shown = views.show(appeal, None)
    names = _department_names()
    shown["department"] = names.get(appeal.department_id or "", None)
    shown["supporters"] = supports.counts([appeal.id]).get(appeal.id, 0)
    return shown


def support(principal: Principal, appeal_id: str) -> dict[str, Any]:
    """附议 once: a repeat changes nothing."""
    if principal.role is not Role.CITIZEN:
        raise ValidationFailed.one("role", "only citizens support appeals")
    appeal = public_appeal(appeal_id)
    if principal.owns(appeal.citizen_id):
        raise Conflict("this is your own appeal")
    added = supports.support(appeal.id, principal.id, clock.iso(clock.now()))
    if added:
        metrics.add_metric(name="AppealSupported", unit="Count", value=1)
    return {
        "appeal_id": appeal.id,
        "supporting": True,
        "supporters": supports.counts([appeal.id])[appeal.id],
    }


def withdraw(principal: Principal, appeal_id: str) -> dict[str, Any]:
    appeal = public_appeal(appeal_id)
    supports.withdraw(appeal.id, principal.id, clock.iso(clock.now()))
    return {
        "appeal_id": appeal.id,
        "supporting": False,
        "supporters": supports.counts([appeal.id])[appeal.id],
    }


def support_counts(appeal_ids: list[str]) -> dict[str, int]:
    """附议 per public appeal, for a page of them (at most 100 ids)."""
    return supports.counts(appeal_ids)
