"""The platform center's actions: accept, reject, dispatch, merge, escalate, and decide
extensions; and dispatch by the platform itself where a category routes automatically."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import schemas
from chalicelib.core.domain.appeal import Appeal, Channel, Kind, State
from chalicelib.core.domain.principal import SYSTEM, Principal
from chalicelib.core.domain.workflow import Action
from chalicelib.core.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store import reference
from chalicelib.work_orders.services.transitions import perform


def _check_category(params: dict[str, Any]) -> list[dict[str, str]]:
    return reference.category_errors(params.get("category"))


def _check_departments(params: dict[str, Any]) -> list[dict[str, str]]:
    errors = []
    lead = params["department_id"]
    department = reference.get_department(lead)
    if department is None or not department.active:
        errors.append({"field": "department_id", "message": "is not an active department"})
    for index, other in enumerate(params.get("co_department_ids", [])):
        unit = reference.get_department(other)
        if other == lead or unit is None or not unit.active:
            errors.append(
                {
                    "field": f"co_department_ids[{index}]",
                    "message": "is not another active department",
                }
            )
    return errors


def check_dispatch(params: dict[str, Any]) -> list[dict[str, str]]:
    """What is wrong with a dispatch's category and departments (nothing written)."""
    return _check_category(params) + _check_departments(params)


def _refuse(errors: list[dict[str, str]]) -> None:
    if errors:
        raise ValidationFailed(errors)


def accept_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(
        principal,
        appeal_id,
        Action.ACCEPT,
        body,
        schema=schemas.ACCEPT,
        check=lambda _a, p: _refuse(_check_category(p)),
    )


def reject_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.REJECT, body, schema=schemas.REJECT)


def dispatch_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(
        principal,
        appeal_id,
        Action.DISPATCH,
        body,
        schema=schemas.DISPATCH,
        check=lambda _a, p: _refuse(_check_category(p) + _check_departments(p)),
    )


def merge_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    def check(appeal: Appeal, params: dict[str, Any]) -> None:
        if params["into"] == appeal.id:
            raise ValidationFailed.one("into", "must be another appeal")

    # The target's existence and state are checked in the write's own transaction.
    return perform(
        principal,
        appeal_id,
        Action.MERGE,
        body,
        schema=schemas.MERGE,
        check=check,
        save=lambda after: appeal_store.save_merge(after, after.merged_into or ""),
    )


def transfer_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    """即时转办: an emergency or a matter of another legal procedure handed on at once."""
    return perform(principal, appeal_id, Action.TRANSFER, body, schema=schemas.TRANSFER)


def urge_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    """催办: the department holding an open work order is pressed (told, and counted)."""
    return perform(principal, appeal_id, Action.URGE, body, schema=schemas.URGE)


def escalate_appeal(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(principal, appeal_id, Action.ESCALATE, body, schema=schemas.ESCALATE)


def decide_extension(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    return perform(
        principal, appeal_id, Action.DECIDE_EXTENSION, body, schema=schemas.EXTENSION_DECISION
    )


def auto_dispatch(appeal_id: str, category_code: str | None) -> bool:
    """Dispatch a new appeal to its category's default department when the category says
    so. Safe to repeat: once dispatched (by anyone) the table refuses a second dispatch."""
    if not category_code:
        return False
    category = reference.get_category(category_code)
    if category is None or not category.auto_dispatch or not category.default_department:
        return False

    def check(appeal: Appeal, params: dict[str, Any]) -> None:
        # Only an appeal nobody has touched: not one the center accepted, reclassified or
        # got back from a department (a late or redelivered record must not override them).
        if appeal.state is not State.SUBMITTED or appeal.category != category_code:
            raise Conflict("handled by the platform center already")
        # A deputy's appeal is always read by the center first.
        if appeal.channel is Channel.DEPUTY:
            raise Conflict("a deputy's appeal goes to the platform center's queue")
        # So does a 举报: the center decides what the department may be told.
        if appeal.kind is Kind.WHISTLEBLOWING:
            raise Conflict("a 举报 goes to the platform center's queue")
        _refuse(_check_departments(params))

    try:
        perform(
            SYSTEM,
            appeal_id,
            Action.DISPATCH,
            {"department_id": category.default_department, "note": "auto-dispatch"},
            check=check,
        )
    except Conflict:
        logger.info("auto-dispatch skipped: already handled", extra={"appeal_id": appeal_id})
        return False
    except NotFound as exc:
        # The stream saw the write, so the appeal exists: not readable yet is a passing
        # state. The record fails and is delivered again, never dropped.
        raise ServiceUnavailable(f"appeal {appeal_id} is not readable yet: retry") from exc
    except ValidationFailed as exc:
        # A misconfigured category must not block the stream: the appeal waits for the
        # center, and operations are told.
        logger.error(
            "auto-dispatch impossible",
            extra={"appeal_id": appeal_id, "category": category_code, "errors": exc.errors},
        )
        metrics.add_metric(name="AutoDispatchFailed", unit="Count", value=1)
        return False
    return True
