"""Work-order lists for the platform center and the departments, always from an index."""

from __future__ import annotations

import re
from functools import reduce
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Audience, Channel, Kind, State
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store.models import AppealModel
from chalicelib.figures.services import feed

_UNIT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# A filtered page reads at most this many times ``limit`` work orders (then a cursor).
READ_FACTOR = appeal_store.FILTERED_READ_FACTOR
FILTERS = ("state", "department_id", "overdue", "escalated", "channel", "kind", "month")


def _parse(query: dict[str, str]) -> dict[str, Any]:
    errors: list[dict[str, str]] = []
    unknown = sorted(set(query) - set(FILTERS) - {"limit", "cursor"})
    errors += [{"field": name, "message": "is not a known filter"} for name in unknown]
    parsed: dict[str, Any] = {}
    enums: dict[str, Any] = {"state": State, "channel": Channel, "kind": Kind}
    for name, enum in enums.items():
        if name in query:
            try:
                parsed[name] = enum(query[name]).value
            except ValueError:
                errors.append(
                    {
                        "field": name,
                        "message": "must be one of: " + ", ".join(v.value for v in enum),
                    }
                )
    for name in ("overdue", "escalated"):
        if name in query:
            if query[name] not in ("true", "false"):
                errors.append({"field": name, "message": "must be true or false"})
            else:
                parsed[name] = query[name] == "true"
    if "department_id" in query:
        if not _UNIT_ID.match(query["department_id"]):
            errors.append({"field": "department_id", "message": "is not a department id"})
        else:
            parsed["department_id"] = query["department_id"]
    if "month" in query:
        month = query["month"]
        if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
            errors.append({"field": "month", "message": "must be YYYY-MM"})
        else:
            parsed["month"] = month
    if errors:
        raise ValidationFailed(errors)
    return parsed


def list_work_orders(
    principal: Principal, query: dict[str, str], limit: int, cursor: str | None
) -> dict[str, Any]:
    """The index follows the most selective filter given; the rest filter within it. A
    department sees its own work orders only, whatever it asks for."""
    f = _parse(query)
    if principal.role is Role.DEPARTMENT:
        if f.get("department_id", principal.department_id) != principal.department_id:
            raise ValidationFailed.one("department_id", "must be your own department")
        f["department_id"] = principal.department_id
    conditions = []
    if "department_id" in f and "state" in f:
        index, key = "by-department-state", f"{f['department_id']}#{f['state']}"
    elif "department_id" in f:
        index, key = "by-department", f["department_id"]
        if "state" in f:
            conditions.append(AppealModel.state == f["state"])
    elif "state" in f:
        index, key = "by-state", f["state"]
    elif f.get("overdue") or f.get("escalated"):
        index, key = "supervision", "open"
    else:
        index, key = "by-month", f.get("month", clock.iso(clock.now())[:7])
    if "overdue" in f:
        present = AppealModel.overdue.exists()  # stored only when not empty
        conditions.append(present if f["overdue"] else ~present)
    if "escalated" in f:
        conditions.append(
            AppealModel.escalation.exists()
            if f["escalated"]
            else AppealModel.escalation.does_not_exist()
        )
    for name in ("channel", "kind"):
        if name in f:
            conditions.append(getattr(AppealModel, name) == f[name])
    if "month" in f and index != "by-month":
        conditions.append(AppealModel.created_at.startswith(f["month"]))
    combined = reduce(lambda a, b: a & b, conditions) if conditions else None
    items, next_cursor = appeal_store.query_index(
        index, key, limit=limit, cursor=cursor, filter_condition=combined
    )
    # A title may name the citizen, and the index does not carry the contact its summary is
    # masked with: leaders and admins (who read names masked), and those a 举报's reporter
    # is hidden from, get the page's whole items (one BatchGetItem; operators and handling
    # departments read the index alone).
    hidden = [
        a.id
        for a in items
        if a.protects_reporter(principal) or a.audience(principal) is Audience.SUPERVISOR
    ]
    if hidden:
        whole = {a.id: a for a in appeal_store.batch_get(hidden)}
        items = [whole.get(a.id, a) for a in items]
    # 附议: how many citizens support each public work order of the page (one BatchGetItem).
    counts = feed.support_counts([a.id for a in items if a.publishable])
    return {
        "items": [{**a.summary(principal), "supporters": counts.get(a.id, 0)} for a in items],
        "next_cursor": next_cursor,
    }
