"""What a department's system reads, signed with the department's webhook secret like
its actions: its work orders changed since a time (to catch up after downtime), one work
order with the department's view of its timeline, and its comments. Only its own: any
other work order is a 404, as for the department's staff.

A read is signed as a request whose body is ``"{METHOD} {path}"``: the path after the
API's base, with the query in its canonical form (``canonical_target``), so a signature
covers what is read and is good for five minutes only."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import department_system
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.services import views
from chalicelib.core.store import appeals as appeal_store
from chalicelib.notifications.services import webhooks

LIST_PARAMS = ("changed_since", "cursor", "limit")


def canonical_target(
    method: str, path: str, uri_params: dict[str, str] | None, query: list[tuple[str, str]]
) -> bytes:
    """What a read's signature covers: ``GET /department-systems/…?a=1&b=2``, the route's
    path with its parameters, the query's pairs sorted, percent-encoded (RFC 3986)."""
    params = uri_params or {}
    filled = re.sub(r"{(\w+)}", lambda m: quote(params.get(m.group(1), ""), safe=""), path)
    encoded = urlencode(sorted(query), quote_via=quote)
    return f"{method.upper()} {filled}{'?' + encoded if encoded else ''}".encode()


def verify(department_id: str, headers: Any, target: bytes) -> None:
    """401 unless the read is signed with the department's secret (v2, or sha256 during the
    transition), within five minutes."""
    webhooks.verify_inbound(department_id, headers, target)


def _since(query: dict[str, str]) -> str | None:
    unknown = sorted(set(query) - set(LIST_PARAMS))
    if unknown:
        raise ValidationFailed(
            [{"field": n, "message": "is not a known parameter"} for n in unknown]
        )
    text = query.get("changed_since")
    if not text:
        return None
    try:
        return clock.iso(clock.parse_iso(text))
    except ValueError as exc:
        raise ValidationFailed.one(
            "changed_since", "must be an ISO 8601 time with its offset"
        ) from exc


def changed(
    department_id: str, query: dict[str, str], limit: int, cursor: str | None
) -> dict[str, Any]:
    """The department's work orders changed at or after ``changed_since``, oldest change
    first, each as its list item with its ``version``."""
    since = _since(query)
    system = department_system(department_id)
    items, next_cursor = appeal_store.changed_for_department(department_id, since, limit, cursor)
    return {
        "items": [{**a.summary(system), "version": a.version} for a in items],
        "next_cursor": next_cursor,
    }


def work_order(department_id: str, appeal_id: str) -> dict[str, Any]:
    system = department_system(department_id)
    return views.show(views.visible(system, appeal_id), system)


def comments(department_id: str, appeal_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    return views.list_comments(department_system(department_id), appeal_id, limit, cursor)
