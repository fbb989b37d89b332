"""From the appeals stream to the notifications queue: each change's notices, one message
per recipient, sent ten at a time. Ids are stable, so a record delivered twice enqueues
the same messages again and the deliverer acts on each once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.integrations import directory
from chalicelib.core.observability import logger, metrics
from chalicelib.core.services.activity import AppealChange
from chalicelib.core.store import appeals as appeal_store
from chalicelib.notifications.domain import notices as domain
from chalicelib.notifications.domain.notices import Notice
from chalicelib.notifications.integrations import queues
from chalicelib.work_orders.services.followers import followers as followers_of


def recipients(
    notice: Notice, followers: Callable[[str], list[str]] = followers_of
) -> list[Notice]:
    """The notice for each concrete recipient: all leaders, the appeal's followers (read
    with ``followers``), the department handling a merge target."""
    if notice.kind == domain.LEADERS:
        return [notice.for_recipient(domain.LEADER, leader) for leader in directory.leader_ids()]
    if notice.kind == domain.FOLLOWERS:
        return [
            notice.for_recipient(domain.LEADER, leader) for leader in followers(notice.recipient)
        ]
    if notice.kind == domain.DEPARTMENT_OF:
        target = appeal_store.get(notice.recipient)
        if target is None or not target.department_id:
            return []
        return [notice.for_recipient(domain.DEPARTMENT, target.department_id)]
    return [notice]


def messages_for(
    change: AppealChange, followers: Callable[[str], list[str]] = followers_of
) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    sms_on = settings().feature_on("sms")
    for notice in domain.notices(change.appeal_id, change.old, change.new):
        if notice.kind == domain.SMS and not sms_on:
            continue  # no SMS follow-up in this deployment: no rating link, no text
        for concrete in recipients(notice, followers):
            found.setdefault(concrete.id, concrete.message())
    return list(found.values())


def notify_changes(changes: list[AppealChange]) -> list[str]:
    """A stream batch's messages enqueued together, ten a call whichever records they come
    from (a record has one or two: one call per record before); the sequence numbers of
    the records whose messages could not be worked out or were refused, to be delivered
    again (their ids are stable: the deliverer acts on each once)."""
    failed: list[str] = []
    pending: list[dict[str, Any]] = []
    owner: list[int] = []  # the change each pending message is of
    # An appeal's followers read once a batch (a batch holds several changes of one appeal:
    # a query each before), when its first change is worked out.
    following: dict[str, list[str]] = {}

    def followers(appeal_id: str) -> list[str]:
        if appeal_id not in following:
            following[appeal_id] = followers_of(appeal_id)
        return following[appeal_id]

    for index, change in enumerate(changes):
        try:
            messages = messages_for(change, followers)
        except Exception:
            logger.exception("notifications not worked out", extra={"appeal_id": change.appeal_id})
            failed.append(change.sequence)
            continue
        pending += messages
        owner += [index] * len(messages)
    if not pending:
        return failed
    refused = queues.send_each(settings().notifications_queue, pending)
    refused_changes = {owner[i] for i in refused}
    failed += [changes[i].sequence for i in sorted(refused_changes)]
    metrics.add_metric(name="NotificationsQueued", unit="Count", value=len(pending) - len(refused))
    types: dict[int, set[str]] = {}
    for message, index in zip(pending, owner, strict=True):
        types.setdefault(index, set()).add(message["type"])
    for index, kinds in types.items():
        if index not in refused_changes:
            logger.info(
                "notifications queued",
                extra={"appeal_id": changes[index].appeal_id, "types": sorted(kinds)},
            )
    if refused:
        logger.warning("notifications refused by the queue", extra={"messages": len(refused)})
    return failed


def notify_change(change: AppealChange) -> int:
    """Enqueue the change's messages; raises when SQS refused any (the record is retried)."""
    messages = messages_for(change)
    if not messages:
        return 0
    sent = queues.send_all(settings().notifications_queue, messages)
    metrics.add_metric(name="NotificationsQueued", unit="Count", value=sent)
    logger.info(
        "notifications queued",
        extra={"appeal_id": change.appeal_id, "types": sorted({m["type"] for m in messages})},
    )
    return sent


def tell_leaders(type_: str, source: str, occurred_at: str, data: dict[str, Any]) -> int:
    """A notice about no single appeal (an early-warning alert: ``source`` is its id) for
    every leader, in the app; ``data`` holds what the notice says (no personal data). Ids
    are stable per source and leader, so telling twice keeps one notification each."""
    import hashlib

    messages = [
        {
            "id": hashlib.sha256(f"{source}|{type_}|{leader}".encode()).hexdigest()[:32],
            "type": type_,
            "recipient": {"kind": domain.LEADER, "id": leader},
            "appeal_id": None,
            "occurred_at": occurred_at,
            "data": data,
        }
        for leader in directory.leader_ids()
    ]
    if not messages:
        return 0
    sent = queues.send_all(settings().notifications_queue, messages)
    metrics.add_metric(name="NotificationsQueued", unit="Count", value=sent)
    return sent
