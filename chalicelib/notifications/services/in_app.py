"""In-app notifications as their owner reads them: a page, newest first, and marking some
read (all or none)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import clock
from chalicelib.notifications.store import in_app as store


def page(user_id: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    return store.page(user_id, limit, cursor)


def mark_read(user_id: str, ids: list[str]) -> None:
    store.mark_read(user_id, ids, clock.iso(clock.now()))
