"""Department systems, both ways: the admin registers a URL and gets the signing secret
once; a rotation keeps the old secret valid for a day; inbound requests are verified and
run through the same transitions as the staff API; the delivery log can be read and a
dead delivery sent again."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from secrets import token_hex
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Appeal
from chalicelib.core.domain.principal import Principal, Role, department_system
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    ValidationFailed,
)
from chalicelib.core.integrations import secrets
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import reference
from chalicelib.notifications.domain import notices, signatures, webhook_urls
from chalicelib.notifications.domain import schemas as webhook_schemas
from chalicelib.notifications.integrations import queues
from chalicelib.notifications.store import deliveries, webhooks
from chalicelib.notifications.store.webhooks import Change, Registration

ROTATION_OVERLAP = timedelta(hours=24)
MAX_INBOUND_BYTES = 256 * 1024
MAX_DELIVERY_ID = 128
REDRIVE_LIMIT = 500
# A signature that fails with the cached secret is checked against a fresh read at most
# this often per department (a rotation elsewhere; not a way to hammer Secrets Manager).
FRESH_READ_SECONDS = 30.0
_fresh_reads: dict[str, float] = {}


def _department(department_id: str) -> None:
    if reference.get_department(department_id) is None:
        raise NotFound(f"no department {department_id}")


def _checked_url(url: str) -> str:
    try:
        webhook_urls.check(
            url,
            allow_loopback=settings().is_local,
            allow_private=settings().webhook_private_targets,
        )
    except webhook_urls.UrlRefused as exc:
        raise ValidationFailed.one("url", str(exc)) from exc
    return url


# -- admin ------------------------------------------------------------------------------


def show(department_id: str) -> dict[str, Any]:
    _department(department_id)
    registration = webhooks.get(department_id)
    if registration is None:
        raise NotFound(f"department {department_id} has no webhook")
    return registration.to_dict()


def _change(by: Principal, action: str, at: str, **fields: Any) -> Change:
    return Change(action=action, at=at, actor=by.actor(), username=by.username or None, **fields)


def register(by: Principal, department_id: str, body: Any) -> dict[str, Any]:
    """Set the URL (checked now, and again at every delivery) and whether deliveries go
    out. The first registration issues the signing secret, shown in this answer only.
    Every change is recorded with who made it."""
    request = validate(webhook_schemas.WEBHOOK_PUT, body)
    _department(department_id)
    url = _checked_url(request["url"])
    enabled = bool(request.get("enabled", True))
    now = clock.iso(clock.now())
    current = webhooks.get(department_id)
    old_url = current.url if current else None
    old_enabled = current.enabled if current and current.url else None
    if current is not None and (old_url, old_enabled) == (url, enabled):
        return current.to_dict()  # nothing changes, nothing to record
    issue = current is None or current.secret_issued_at is None
    secret = None
    if issue:
        secret = secrets.new_secret()
        secrets.write(department_id, secrets.SigningKeys(current=secret))
    change = _change(
        by,
        "registered" if old_url is None else "changed",
        now,
        old_url=old_url,
        url=url,
        old_enabled=old_enabled,
        enabled=enabled,
    )
    moved = old_url != url
    saved = webhooks.save(
        Registration(
            department_id=department_id,
            url=url,
            enabled=enabled,
            secret_issued_at=now if issue else current.secret_issued_at,  # type: ignore[union-attr]
            previous_secret_until=None if issue else current.previous_secret_until,  # type: ignore[union-attr]
            updated_at=now,
            version=current.version if current else 0,
            # A new URL receives personal data once its system has answered a challenge.
            url_verified=False if moved else current.url_verified,  # type: ignore[union-attr]
            verified_at=None if moved else current.verified_at,  # type: ignore[union-attr]
        ),
        change,
    )
    if old_url is not None and moved:
        metrics.add_metric(name="WebhookUrlChanged", unit="Count", value=1)
    messages = notices_of(department_id, change)
    if moved:
        messages.append(challenge(department_id, url))
    _queue(department_id, messages, change.action)
    answer = saved.to_dict()
    if secret:
        answer["secret"] = secret
    logger.info(
        "webhook registered",
        extra={"department_id": department_id, "issued": issue, "action": change.action},
    )
    return answer


def issue_secret(
    department_id: str, by: Principal, *, overlap: bool = True
) -> tuple[Registration, str]:
    """A new current secret; the one it replaces still verifies (and signs) for a day."""
    now = clock.now()
    current = webhooks.get(department_id)
    keys = secrets.read(department_id, fresh=True)
    secret = secrets.new_secret()
    until = clock.iso(now + ROTATION_OVERLAP) if keys and overlap else None
    secrets.write(
        department_id,
        secrets.SigningKeys(
            current=secret, previous=keys.current if until and keys else None, previous_until=until
        ),
    )
    url = current.url if current else None
    enabled = current.enabled if current else False
    change = _change(
        by,
        "secret_rotated" if keys else "secret_issued",
        clock.iso(now),
        old_url=url,
        url=url,
        old_enabled=enabled if url else None,
        enabled=enabled if url else None,
    )
    saved = webhooks.save(
        Registration(
            department_id=department_id,
            url=url,
            enabled=enabled,
            secret_issued_at=clock.iso(now),
            previous_secret_until=until,
            updated_at=clock.iso(now),
            version=current.version if current else 0,
            url_verified=current.url_verified if current else None,
            verified_at=current.verified_at if current else None,
        ),
        change,
    )
    _queue(department_id, notices_of(department_id, change), change.action)
    return saved, secret


def notices_of(department_id: str, change: Change) -> list[dict[str, Any]]:
    """How the department hears of a change a person made to its webhook: its staff in
    the app, and a changed URL or enabled flag by a ``webhook.changed`` notice to the URL
    it replaces (signed as every delivery is). The platform's own changes tell nobody."""
    if change.actor.get("role") == Role.SYSTEM.value:
        return []
    data = {k: v for k, v in change.to_dict().items() if k != "at"}
    base = {
        "type": notices.WEBHOOK_CHANGED,
        "appeal_id": None,
        "occurred_at": change.at,
        "data": data,
    }
    messages: list[dict[str, Any]] = [
        {
            **base,
            "id": uuid.uuid4().hex,
            "recipient": {"kind": notices.DEPARTMENT_STAFF, "id": department_id},
        }
    ]
    if change.action == "changed" and change.old_url:
        messages.append(
            {
                **base,
                "id": uuid.uuid4().hex,
                "recipient": {"kind": notices.DEPARTMENT, "id": department_id},
                "url": change.old_url,
            }
        )
    return messages


def challenge(department_id: str, url: str) -> dict[str, Any]:
    """A ``webhook.verify`` delivery to ``url`` with a new random challenge: the URL is
    verified when the answer is the challenge's HMAC-SHA256 with the department's secret
    (services/delivery.py checks it)."""
    return {
        "id": uuid.uuid4().hex,
        "type": notices.WEBHOOK_VERIFY,
        "recipient": {"kind": notices.DEPARTMENT, "id": department_id},
        "appeal_id": None,
        "occurred_at": clock.iso(clock.now()),
        "data": {"challenge": token_hex(32)},
        "url": url,
    }


def _queue(department_id: str, messages: list[dict[str, Any]], action: str) -> None:
    """Queued after the change is recorded; notices that cannot be queued are logged (the
    change stands, and is on record; a challenge can be asked for again)."""
    if not messages:
        return
    try:
        queues.send_all(settings().notifications_queue, messages)
    except Exception:
        logger.exception(
            "webhook change notices not queued",
            extra={"department_id": department_id, "action": action},
        )


def send_challenge(by: Principal, department_id: str) -> dict[str, Any]:
    """A new challenge to the registered URL (its system may have learnt its secret since
    the last one): asked by an admin or the department's own staff."""
    if by.role is Role.DEPARTMENT and by.department_id != department_id:
        raise Forbidden("only the department's own staff ask for its webhook's challenge")
    _department(department_id)
    registration = webhooks.get(department_id)
    if registration is None or registration.url is None:
        raise NotFound(f"department {department_id} has no webhook URL")
    queues.send_all(settings().notifications_queue, [challenge(department_id, registration.url)])
    logger.info("webhook challenge sent", extra={"department_id": department_id})
    return {
        "url": registration.url,
        "url_verified": registration.verified,
        "challenge_sent": True,
    }


def rotate(by: Principal, department_id: str) -> dict[str, Any]:
    _department(department_id)
    saved, secret = issue_secret(department_id, by)
    logger.info("webhook secret rotated", extra={"department_id": department_id})
    return {**saved.to_dict(), "secret": secret}


def revoke_previous(by: Principal, department_id: str) -> dict[str, Any]:
    """End a rotation's overlap now: the previous secret (leaked, say) stops verifying
    inbound requests and signing deliveries at once, on record; the department is told."""
    _department(department_id)
    now = clock.now()
    keys = secrets.read(department_id, fresh=True)
    if keys is None or len(keys.valid(now)) < 2:
        raise Conflict(f"department {department_id} has no previous secret still valid")
    current = webhooks.get(department_id)
    if current is None:
        raise NotFound(f"department {department_id} has no webhook")
    secrets.write(department_id, secrets.SigningKeys(current=keys.current))
    at = clock.iso(now)
    change = _change(
        by,
        "previous_secret_revoked",
        at,
        old_url=current.url,
        url=current.url,
        old_enabled=current.enabled if current.url else None,
        enabled=current.enabled if current.url else None,
    )
    saved = webhooks.save(replace(current, previous_secret_until=None, updated_at=at), change)
    _queue(department_id, notices_of(department_id, change), change.action)
    logger.info("webhook previous secret revoked", extra={"department_id": department_id})
    return saved.to_dict()


def history(
    viewer: Principal, department_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """Every change of the department's registration, newest first: for admins, and for
    the department's own staff."""
    if viewer.role is Role.DEPARTMENT and viewer.department_id != department_id:
        raise Forbidden("only the department's own staff read its webhook's history")
    _department(department_id)
    items, next_cursor = webhooks.history(department_id, limit, cursor)
    return {"items": [c.to_dict() for c in items], "next_cursor": next_cursor}


# -- inbound ----------------------------------------------------------------------------


def sha256_accepted() -> bool:
    """Whether the transition to v2 signatures still accepts (and sends) ``sha256=`` ones."""
    return signatures.sha256_accepted(clock.now().date(), settings().webhook_sha256_until)


def verify_inbound(department_id: str, headers: Any, raw: bytes) -> str:
    """The request's delivery id, if it is signed by the department's system. Every
    failure is a 401 that says what is wrong with the request, never with the secret."""
    if len(raw) > MAX_INBOUND_BYTES:
        raise PayloadTooLarge(f"the body must be at most {MAX_INBOUND_BYTES} bytes")
    _department(department_id)
    delivery_id = str(headers.get(signatures.DELIVERY_HEADER.lower()) or "").strip()
    if not delivery_id:
        raise Unauthenticated(f"the {signatures.DELIVERY_HEADER} header is missing")
    if len(delivery_id) > MAX_DELIVERY_ID or not delivery_id.isprintable():
        raise Unauthenticated(
            f"{signatures.DELIVERY_HEADER} must be 1 to {MAX_DELIVERY_ID} printable characters"
        )
    timestamp = headers.get(signatures.TIMESTAMP_HEADER.lower())
    signature = headers.get(signatures.SIGNATURE_HEADER.lower())
    keys = secrets.read(department_id)
    if keys is None:
        raise Unauthenticated(f"department {department_id} has no signing secret")
    sha256 = sha256_accepted()

    def check(valid: list[str]) -> None:
        signatures.verify(valid, timestamp, delivery_id, signature, raw, time.time(), sha256=sha256)

    try:
        check(keys.valid(clock.now()))
    except signatures.BadSignature as first:
        # A secret rotated in another process since this one cached it: read it again.
        fresh = None
        if (
            time.monotonic() - _fresh_reads.get(department_id, -FRESH_READ_SECONDS)
            >= FRESH_READ_SECONDS
        ):
            _fresh_reads[department_id] = time.monotonic()
            fresh = secrets.read(department_id, fresh=True)
        try:
            if fresh is None or fresh == keys:
                raise first
            check(fresh.valid(clock.now()))
        except signatures.BadSignature as exc:
            metrics.add_metric(name="WebhookInboundRefused", unit="Count", value=1)
            raise Unauthenticated(str(exc)) from exc
    return delivery_id


def act(department_id: str, body: Any) -> Appeal:
    """Run the action the body names through the staff API's services, as the
    department's system."""
    from chalicelib.work_orders.services import department_actions as actions

    envelope = validate(webhook_schemas.WEBHOOK_ENVELOPE, body)
    validate(webhook_schemas.WEBHOOK_INBOUND_ACTIONS[envelope["action"]], body)
    params = {k: v for k, v in body.items() if k not in ("appeal_id", "action")}
    service = {
        "sign": actions.sign_work_order,
        "contact": actions.record_contact,
        "reply": actions.reply_to_appeal,
        "return": actions.return_work_order,
        "extension": actions.request_extension,
        "note": actions.note_progress,
    }[envelope["action"]]
    appeal = service(department_system(department_id), envelope["appeal_id"], params)
    metrics.add_metric(name="WebhookInboundAction", unit="Count", value=1)
    return appeal


# -- the delivery log -------------------------------------------------------------------


def list_deliveries(params: dict[str, str], limit: int, cursor: str | None) -> dict[str, Any]:
    department_id = params.get("department_id") or None
    status = params.get("status") or None
    if status is not None and status not in webhook_schemas.DELIVERY_STATUSES:
        raise ValidationFailed.one(
            "status", f"must be one of {', '.join(webhook_schemas.DELIVERY_STATUSES)}"
        )
    if department_id is None and status is None:
        raise ValidationFailed.one("department_id", "name a department_id, a status, or both")
    if department_id is not None and reference.get_department(department_id) is None:
        raise ValidationFailed.one("department_id", "is not a department")
    items, next_cursor = deliveries.page(department_id, status, limit, cursor)
    return {"items": [d.to_dict() for d in items], "next_cursor": next_cursor}


def _reaches_unverified(message: dict[str, Any], registrations: dict[str, Any]) -> bool:
    """Whether a message would take a work order to a URL that has not answered its
    challenge (notices about the webhook itself name their own URL and carry no personal
    data)."""
    recipient = message.get("recipient") or {}
    if recipient.get("kind") != notices.DEPARTMENT or message.get("url"):
        return False
    department_id = str(recipient.get("id"))
    if department_id not in registrations:
        registrations[department_id] = webhooks.get(department_id)
    registration = registrations[department_id]
    return registration is not None and registration.url is not None and not registration.verified


def redrive_one(delivery_id: str) -> dict[str, Any]:
    """Send a delivery again (a dead one, or one still retrying): its message goes back on
    the queue with a fresh set of attempts. Never to a URL that has not proved it is the
    department's (409)."""
    found = deliveries.get(delivery_id)
    if found is None:
        raise NotFound(f"no delivery {delivery_id}")
    if found.status == "delivered":
        raise Conflict("this delivery was delivered; nothing to send again", status="delivered")
    message = json.loads(found.message)
    if _reaches_unverified(message, {}):
        raise Conflict(
            f"department {found.department_id}'s webhook URL is not verified yet: its system "
            "has not answered the challenge, so past deliveries are not sent to it",
            url_verified=False,
        )
    deliveries.set_status(delivery_id, "pending", clock.iso(clock.now()), unless="delivered")
    queues.send_all(settings().notifications_queue, [message])
    metrics.add_metric(name="WebhookRedriven", unit="Count", value=1)
    return {"redriven": 1, "ids": [delivery_id], "refused": []}


def redrive_dead_letters() -> dict[str, Any]:
    """Move what the dead-letter queue holds back to the notifications queue; deliveries to
    a URL that has not answered its challenge stay there (``refused``)."""
    cfg = settings()
    registrations: dict[str, Any] = {}
    moved, left = queues.move_all(
        cfg.notifications_dead_letter_queue,
        cfg.notifications_queue,
        REDRIVE_LIMIT,
        keep=lambda message: not _reaches_unverified(message, registrations),
    )
    now = clock.iso(clock.now())
    for message in moved:
        if message.get("recipient", {}).get("kind") == "department":
            deliveries.set_status(str(message["id"]), "pending", now, unless="delivered")
    metrics.add_metric(name="WebhookRedriven", unit="Count", value=len(moved))
    return {
        "redriven": len(moved),
        "ids": [str(m.get("id")) for m in moved],
        "refused": [str(m.get("id")) for m in left],
    }
