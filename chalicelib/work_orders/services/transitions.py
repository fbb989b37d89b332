"""The one path every lifecycle action takes: role (403), body (400), the appeal as the
caller may see it (404), the transition table (409), then one conditional write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock, workflow
from chalicelib.core.domain.appeal import Appeal, Kind
from chalicelib.core.domain.ids import is_appeal_id
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.validation import validate
from chalicelib.core.domain.workflow import Action, Outside
from chalicelib.core.errors import Forbidden, NotFound
from chalicelib.core.observability import logger, metrics
from chalicelib.core.services import idempotency
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store import reference
from chalicelib.work_orders.services.calendar import working_calendar


def reply_days(kind: Kind, category_code: str | None) -> int:
    """Working days to reply: the category's own figure for the kind, else the kind's."""
    if category_code:
        category = reference.get_category(category_code)
        if category and kind.value in category.reply_working_days:
            return int(category.reply_working_days[kind.value])
    return settings().reply_days[kind.value]


def outside() -> Outside:
    return Outside(
        now=clock.now(),
        calendar=working_calendar(),
        reply_days=reply_days,
        decision_days=settings().dispute_decision_days,
    )


def check_role(principal: Principal, action: Action) -> None:
    if principal.role not in workflow.TRANSITIONS[action].roles:
        raise Forbidden(f"the {principal.role.value} role may not {action.value}")


def load_for(
    principal: Principal,
    appeal_id: str,
    action: Action,
    *,
    claim: idempotency.InlineKey | None = None,
) -> Appeal:
    """The appeal, if the caller may act on it. A department acting on another
    department's work order, or a citizen on another's appeal, learns nothing: 404.
    With ``claim``, an appeal this caller already changed under that key is answered as it
    is (``claim.replayed``), even when the change took it out of the caller's sight (a
    department's return)."""
    appeal = appeal_store.get(appeal_id) if is_appeal_id(appeal_id) else None
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}")
    if claim is not None and claim.replays(appeal.request_keys, clock.now().timestamp()):
        return appeal  # the key's scope names this caller: it made that change
    if principal.role is Role.CITIZEN and not principal.owns(appeal.citizen_id):
        raise NotFound(f"no appeal {appeal_id}")
    if principal.role is Role.DEPARTMENT and appeal.department_id != principal.department_id:
        if principal.department_id in appeal.co_department_ids:
            raise Forbidden("co-handling departments follow the work order; the lead acts")
        raise NotFound(f"no appeal {appeal_id}")
    return appeal


def perform(
    principal: Principal,
    appeal_id: str,
    action: Action,
    params: dict[str, Any],
    *,
    schema: dict[str, Any] | None = None,
    check: Any = None,
    save: Any = None,
    choose: Callable[[Appeal], Action] | None = None,
) -> Appeal:
    """Run ``action``; ``check(appeal, params)`` may refuse it on facts outside the table
    (an unknown department, a merge target); ``choose(appeal)``, when given, picks the
    action from the appeal as read. Returns the appeal as written."""
    check_role(principal, action)
    if schema is not None:
        params = validate(schema, params)
    claim = idempotency.take_inline()
    appeal = load_for(principal, appeal_id, action, claim=claim)
    if claim is not None and claim.replayed:
        return appeal  # done already under this Idempotency-Key: no second change
    if choose is not None:  # the action depends on the appeal as read (one read, not two)
        action = choose(appeal)
        check_role(principal, action)
    now = clock.now()
    workflow.check_state(appeal, action)
    if check is not None:
        check(appeal, params)
    after = workflow.apply(appeal, action, principal, params, outside())
    if claim is not None:
        after.request_keys = claim.recorded(after.request_keys, now.timestamp())
    saved = (save or appeal_store.save_transition)(after)
    logger.info(
        "transition",
        extra={
            "appeal_id": saved.id,
            "action": action.value,
            "state": saved.state.value,
            "actor": principal.logged(),
        },
    )
    metrics.add_metric(name=f"Transition_{action.value}", unit="Count", value=1)
    return saved
