"""What the appeals stream tells about activity: new timeline events become metrics, and a
change that rewrites past events (which nothing may do) is reported as an integrity fault."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain.records import frozen
from chalicelib.core.observability import logger, metrics


@frozen
class AppealChange:
    """One stream record, reduced to what the consumers need."""

    appeal_id: str
    sequence: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


def new_events(change: AppealChange) -> list[dict[str, Any]]:
    old_events = list((change.old or {}).get("timeline") or [])
    new_list = list((change.new or {}).get("timeline") or [])
    return new_list[len(old_events) :]


def new_comments(change: AppealChange) -> int:
    """Comments are stored apart from the timeline; the appeal counts them."""
    before = int((change.old or {}).get("comments") or 0)
    return max(int((change.new or {}).get("comments") or 0) - before, 0)


def _as_compared(event: Any) -> Any:
    """An event without its citizen's id: re-keying an owner (the owner-key migration)
    changes who the citizen is keyed as, not what happened."""
    if not isinstance(event, dict):
        return event
    actor = event.get("actor")
    if isinstance(actor, dict) and actor.get("role") == "citizen":
        return {**event, "actor": {"role": "citizen"}}
    return event


def timeline_rewritten(change: AppealChange) -> bool:
    if change.old is None or change.new is None:
        return False
    old_events = [_as_compared(e) for e in change.old.get("timeline") or []]
    new_list = [_as_compared(e) for e in change.new.get("timeline") or []]
    return new_list[: len(old_events)] != old_events


def record_activity(change: AppealChange) -> list[str]:
    """Count the change's new events by type. Returns their types (for the caller's log)."""
    if timeline_rewritten(change):
        logger.error(
            "timeline rewritten", extra={"appeal_id": change.appeal_id, "sequence": change.sequence}
        )
        metrics.add_metric(name="TimelineRewritten", unit="Count", value=1)
    types = [str(e.get("type")) for e in new_events(change)]
    types += ["commented"] * new_comments(change)
    for kind in types:
        metrics.add_metric(name=f"Event_{kind}", unit="Count", value=1)
    if types:
        logger.info("appeal activity", extra={"appeal_id": change.appeal_id, "events": types})
    return types
