"""An appeal as each caller may see it: the domain's view, with what it needs from the
store (the latest comments for those who read them, the departments' names for the
citizen's own timeline)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain.appeal import Appeal, Audience, Event
from chalicelib.core.domain.ids import is_appeal_id
from chalicelib.core.domain.principal import Principal
from chalicelib.core.errors import NotFound
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store import reference

# Comments shown with the appeal; the rest are paged through GET /appeals/{id}/comments,
# so an answer stays small however many instructions an appeal collects.
INLINE_COMMENTS = 20


def show(appeal: Appeal, viewer: Principal | None) -> dict[str, Any]:
    audience = appeal.audience(viewer)
    comments: list[Event] = []
    if appeal.comments and audience in (Audience.HANDLER, Audience.SUPERVISOR):
        comments = appeal_store.latest_comments(appeal.id, INLINE_COMMENTS)
    names: dict[str, str] = {}
    if audience is Audience.OWNER:
        for event in appeal.timeline:
            department_id = event.data.get("department_id")
            if isinstance(department_id, str) and department_id not in names:
                department = reference.get_department(department_id)
                names[department_id] = department.name if department else department_id
    return appeal.view(viewer, comments=comments, names=names)


def visible(viewer: Principal, appeal_id: str) -> Appeal:
    """The appeal, if ``viewer`` may know it exists (404 otherwise)."""
    appeal = appeal_store.get(appeal_id) if is_appeal_id(appeal_id) else None
    if appeal is None or not appeal.is_visible_to(viewer):
        raise NotFound(f"no appeal {appeal_id}")
    return appeal


def show_stored(appeal_id: str, viewer: Principal) -> dict[str, Any]:
    """The appeal as it is now, for a caller who acted on it before (an idempotent replay:
    the caller may have lost sight of it since, for example by returning a work order)."""
    appeal = appeal_store.get(appeal_id) if is_appeal_id(appeal_id) else None
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}")
    return show(appeal, viewer)


def list_comments(
    viewer: Principal, appeal_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """Every comment on an appeal, oldest first, for those who read instructions."""
    appeal = visible(viewer, appeal_id)
    audience = appeal.audience(viewer)
    if audience not in (Audience.HANDLER, Audience.SUPERVISOR):
        raise NotFound(f"no appeal {appeal_id}")
    events, next_cursor = appeal_store.list_comments(appeal.id, limit, cursor)
    return {
        "items": appeal.comments_view(viewer, events),
        "total": appeal.comments,
        "next_cursor": next_cursor,
    }
