"""The notifications queue's consumer: a department's message is POSTed, signed, to its
system; a person's is kept for the app. Each message is acted on once: the delivery log
(webhooks) and the notification's own key (the app) remember what was done.

A failed POST is tried again after a growing pause (the message's visibility timeout:
about 30 s, 2 min, 10 min, 1 h, 6 h), then the queue sets the message aside in its
dead-letter queue; every attempt is in the delivery log."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Appeal
from chalicelib.core.domain.principal import SYSTEM, Principal, Role, department_system
from chalicelib.core.errors import Conflict
from chalicelib.core.event_sources import DELIVERY_ATTEMPTS
from chalicelib.core.integrations import directory, secrets
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import appeals as appeal_store
from chalicelib.notifications.domain import catalogue, signatures, webhook_urls
from chalicelib.notifications.domain import notices as domain
from chalicelib.notifications.integrations import queues, webhook_client
from chalicelib.notifications.store import deliveries, webhooks
from chalicelib.notifications.store import in_app as inbox
from chalicelib.notifications.store.webhooks import Change, Registration

USER_AGENT = "Minsheng-Webhooks/1"
EVENT_HEADER = "X-Minsheng-Event"


class DeliveryFailed(RuntimeError):
    """This attempt did not deliver; the queue brings the message back later."""


@dataclass
class Known:
    """What a batch's messages read, read together when the batch begins: the registrations
    of the departments they go to and the appeals they are about, one BatchGetItem per
    table (strongly consistent, as the reads one message at a time) instead of a GetItem
    per message. Anything not read then is read when asked."""

    registrations: dict[str, Registration | None] = field(default_factory=dict)
    appeals: dict[str, Appeal | None] = field(default_factory=dict)

    def registration(self, department_id: str) -> Registration | None:
        if department_id not in self.registrations:
            self.registrations[department_id] = webhooks.get(department_id)
        return self.registrations[department_id]

    def appeal(self, appeal_id: str) -> Appeal | None:
        if appeal_id not in self.appeals:
            self.appeals[appeal_id] = appeal_store.get(appeal_id)
        return self.appeals[appeal_id]


def _needs_appeal(message: dict[str, Any], known: Known) -> bool:
    kind = message["recipient"]["kind"]
    if kind == domain.DEPARTMENT:
        if message.get("url"):
            return False  # about the webhook itself: no work order
        found = known.registrations.get(str(message["recipient"]["id"]))
        return found is not None and found.enabled and bool(found.url)
    if kind in (domain.CITIZEN, domain.LEADER):
        return str(message["type"]) != "appeal.alert"
    return kind == domain.DEPARTMENT_STAFF and str(message["type"]).startswith("work_order.")


def read_ahead(messages: list[dict[str, Any]]) -> Known:
    """A batch's reads, together (see ``Known``): the departments' registrations, then the
    appeals of the messages that will show one. A message that cannot be read is left to
    its own handling, which reports it."""
    known = Known()
    readable = [m for m in messages if isinstance(m.get("recipient"), dict)]
    departments = sorted(
        {
            str(m["recipient"].get("id"))
            for m in readable
            if m["recipient"].get("kind") == domain.DEPARTMENT and not m.get("url")
        }
    )
    if departments:
        found = webhooks.get_many(departments)
        known.registrations = {d: found.get(d) for d in departments}
    wanted = sorted(
        {str(m["appeal_id"]) for m in readable if m.get("appeal_id") and _needs_appeal(m, known)}
    )
    if wanted:
        appeals = {a.id: a for a in appeal_store.batch_get(wanted, consistent=True)}
        known.appeals = {a: appeals.get(a) for a in wanted}
    return known


def handle(
    message: dict[str, Any], receive_count: int, receipt_handle: str, known: Known | None = None
) -> str:
    """Act on one queue message; returns what was done. Raises DeliveryFailed (or any
    error) to have the message tried again. ``known``: what its batch read ahead."""
    known = known if known is not None else Known()
    kind = message["recipient"]["kind"]
    if kind == domain.DEPARTMENT:
        return deliver_webhook(message, receive_count, receipt_handle, known)
    if kind in (domain.CITIZEN, domain.LEADER):
        return keep_for_app(message, known)
    if kind == domain.DEPARTMENT_STAFF:
        return keep_for_staff(message, known)
    if kind == domain.SMS:
        from chalicelib.channels.hotline.services import sms_followup

        if not settings().feature_on("sms"):
            # Queued before the part was turned off: nothing may send it now.
            logger.info("sms follow-up is off", extra={"message_id": message["id"]})
            return "dropped"

        try:
            return sms_followup.send_rating_link(message)
        except sms_followup.SmsFailed as exc:
            raise DeliveryFailed(str(exc)) from exc
    logger.error("notification with an unknown recipient", extra={"message_id": message["id"]})
    return "dropped"


# Whom a work order is shown as when the department's URL has not answered its challenge:
# a supervisor (as leaders and admins read it), personal data masked.
MASKED_READER = Principal(id="minsheng:unverified-webhook", role=Role.ADMIN)


def payload(
    message: dict[str, Any], department_id: str, *, masked: bool = False, known: Known | None = None
) -> dict[str, Any]:
    """What the department's system receives: the event, and the work order as the
    department sees it now (none once it is no longer the department's); ``masked`` as
    a supervisor reads it, while the URL has not proved it is the department's."""
    from chalicelib.core.services import views

    appeal = (known or Known()).appeal(message["appeal_id"])
    system = department_system(department_id)
    work_order = None
    if appeal is not None and appeal.is_visible_to(system):
        work_order = views.show(appeal, MASKED_READER if masked else system)
    return {
        "id": message["id"],
        "type": message["type"],
        "schema_version": catalogue.SCHEMA_VERSION,
        "occurred_at": message["occurred_at"],
        "department_id": department_id,
        "appeal_id": message["appeal_id"],
        "data": message.get("data") or {},
        "masked": masked,
        "work_order": work_order,
    }


def notice_payload(message: dict[str, Any], department_id: str) -> dict[str, Any]:
    """A notice about the department's webhook itself (no work order)."""
    return {
        "id": message["id"],
        "type": message["type"],
        "schema_version": catalogue.SCHEMA_VERSION,
        "occurred_at": message["occurred_at"],
        "department_id": department_id,
        "data": message.get("data") or {},
    }


def _keys(department_id: str) -> secrets.SigningKeys:
    keys = secrets.read(department_id)
    if keys is None:
        raise DeliveryFailed(f"department {department_id} has no signing secret")
    return keys


def signed_request(department_id: str, delivery_id: str, type_: str, body: bytes) -> dict[str, str]:
    keys = _keys(department_id)
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        signatures.TIMESTAMP_HEADER: str(timestamp),
        signatures.DELIVERY_HEADER: delivery_id,
        EVENT_HEADER: type_,
        catalogue.SCHEMA_VERSION_HEADER: catalogue.SCHEMA_VERSION,
        signatures.SIGNATURE_HEADER: signatures.signature_header(
            keys.valid(clock.now()),
            timestamp,
            delivery_id,
            body,
            sha256=signatures.sha256_accepted(clock.now().date(), settings().webhook_sha256_until),
        ),
    }


def deliver_webhook(
    message: dict[str, Any], receive_count: int, receipt_handle: str, known: Known | None = None
) -> str:
    known = known if known is not None else Known()
    department_id = message["recipient"]["id"]
    # A notice about the webhook itself goes to the URL it names (the one being replaced),
    # whether deliveries are enabled or not; work orders go to the registered URL.
    about_webhook = bool(message.get("url"))
    is_challenge = message["type"] == domain.WEBHOOK_VERIFY
    masked = False
    if about_webhook:
        url = str(message["url"])
        if is_challenge:
            current = webhooks.get(department_id)
            if current is None or current.url != url:
                return "stale"  # the URL changed since: its own challenge went there
    else:
        registration = known.registration(department_id)
        if registration is None or not registration.enabled or not registration.url:
            metrics.add_metric(name="NotificationsWithoutWebhook", unit="Count", value=1)
            return "no-webhook"
        url = registration.url
        masked = not registration.verified
    at = clock.iso(clock.now())
    log = deliveries.open_delivery(
        message["id"],
        department_id,
        message["type"],
        message.get("appeal_id"),
        json.dumps(message, ensure_ascii=False, sort_keys=True),
        at,
    )
    if log.status == "delivered":
        return "repeat"
    attempt = len(log.attempts) + 1
    final = receive_count >= DELIVERY_ATTEMPTS
    error: str | None
    try:
        target = webhook_urls.check(
            url,
            allow_loopback=settings().is_local,
            allow_private=settings().webhook_private_targets,
        )
        if about_webhook:
            shown = notice_payload(message, department_id)
        else:
            shown = payload(message, department_id, masked=masked, known=known)
        body = json.dumps(shown, ensure_ascii=False).encode()
        headers = signed_request(department_id, message["id"], message["type"], body)
        outcome = webhook_client.post(target, body, headers)
        status_code, latency, error = outcome.status, outcome.latency_ms, outcome.error
        if is_challenge and error is None:
            known.registrations.pop(department_id, None)  # read again after the answer
            error = answered(department_id, url, message, outcome.response)
    except (webhook_urls.UrlRefused, DeliveryFailed) as exc:
        status_code, latency, error = None, 0, str(exc)
    delivered = error is None
    status = "delivered" if delivered else ("dead" if final else "retrying")
    deliveries.record_attempt(
        message["id"],
        {
            "attempt": attempt,
            "at": at,
            "status_code": status_code,
            "latency_ms": latency,
            "error": error,
            "receive_count": receive_count,
        },
        status,
        clock.iso(clock.now()),
    )
    metrics.add_metric(
        name="WebhookDelivered" if delivered else "WebhookFailed", unit="Count", value=1
    )
    if delivered:
        return "delivered"
    retry_in = 0 if final else settings().delivery_retry_seconds[receive_count - 1]
    logger.warning(
        "webhook delivery failed",
        extra={
            "delivery_id": message["id"],
            "department_id": department_id,
            "attempt": attempt,
            "error": error,
            "retry_in": None if final else retry_in,
        },
    )
    queues.hide_for(settings().notifications_queue, receipt_handle, retry_in)
    raise DeliveryFailed(error or "not delivered")


def answered(department_id: str, url: str, message: dict[str, Any], response: str) -> str | None:
    """Mark ``url`` verified if ``response`` is the challenge's answer; why not otherwise
    (the delivery is then tried again, as any failed one)."""
    try:
        answer = json.loads(response).get("challenge")
    except (ValueError, AttributeError):
        answer = None
    challenge = str((message.get("data") or {}).get("challenge") or "")
    valid = _keys(department_id).valid(clock.now())
    if not isinstance(answer, str) or not signatures.answers_challenge(valid, challenge, answer):
        return "the answer is not the challenge's HMAC-SHA256 with the department's secret"
    current = webhooks.get(department_id)
    if current is None or current.url != url:
        return None  # answered, but the URL has changed since: nothing to mark
    if current.url_verified is True:
        return None
    now = clock.iso(clock.now())
    try:
        webhooks.save(
            replace(current, url_verified=True, verified_at=now, updated_at=now),
            Change(
                action="url_verified",
                at=now,
                actor=SYSTEM.actor(),
                username=SYSTEM.username,
                old_url=url,
                url=url,
                old_enabled=current.enabled,
                enabled=current.enabled,
            ),
        )
    except Conflict:
        return "the registration changed meanwhile"
    metrics.add_metric(name="WebhookUrlVerified", unit="Count", value=1)
    logger.info("webhook url verified", extra={"department_id": department_id})
    return None


def keep_for_app(message: dict[str, Any], known: Known | None = None) -> str:
    if message["type"] == "appeal.alert":
        return keep_alert(message)
    appeal = (known or Known()).appeal(message["appeal_id"])
    if appeal is None:
        return "no-appeal"
    user_id = message["recipient"]["id"]
    role = Role.CITIZEN if message["recipient"]["kind"] == domain.CITIZEN else Role.LEADER
    title = str(appeal.summary(Principal(id=user_id, role=role))["title"])
    heading, text = domain.text_for(message["type"], title, message.get("data") or {})
    added = inbox.add(
        user_id,
        message["id"],
        message["type"],
        appeal.id,
        heading,
        text,
        message["occurred_at"],
    )
    if added:
        metrics.add_metric(name="NotificationsKept", unit="Count", value=1)
    return "kept" if added else "repeat"


def keep_alert(message: dict[str, Any]) -> str:
    """An early-warning alert in a leader's app: about a place, not an appeal."""
    heading, text = domain.alert_text(message.get("data") or {})
    added = inbox.add(
        message["recipient"]["id"],
        message["id"],
        message["type"],
        None,
        heading,
        text,
        message["occurred_at"],
    )
    if added:
        metrics.add_metric(name="NotificationsKept", unit="Count", value=1)
    return "kept" if added else "repeat"


def keep_for_staff(message: dict[str, Any], known: Known | None = None) -> str:
    """A change of the department's webhook, or a work order's notice (an urge), in the
    app of each of its staff."""
    department_id = message["recipient"]["id"]
    appeal_id = message.get("appeal_id")
    if message["type"].startswith("work_order."):
        appeal = (known or Known()).appeal(str(appeal_id))
        if appeal is None:
            return "no-appeal"
        # As the department reads it (a 举报's title without its reporter).
        title = str(appeal.summary(department_system(department_id))["title"])
        heading, text = domain.text_for(message["type"], title, message.get("data") or {})
    else:
        appeal_id = None
        heading, text = domain.webhook_text(message.get("data") or {})
    staff = directory.department_staff_ids(department_id)
    added = sum(
        inbox.add(
            user_id,
            message["id"],
            message["type"],
            appeal_id,
            heading,
            text,
            message["occurred_at"],
        )
        for user_id in staff
    )
    if added:
        metrics.add_metric(name="NotificationsKept", unit="Count", value=added)
    return "kept" if added else ("repeat" if staff else "no-staff")
