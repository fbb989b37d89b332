"""Citizen intake: submit an appeal, read it back, list one's own."""

from __future__ import annotations

from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Appeal, Channel, Event, Kind, State
from chalicelib.core.domain.ids import new_appeal_id
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.schemas import APPEAL_CREATE, APPEAL_RECORD
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import Forbidden, TooManyRequests, ValidationFailed
from chalicelib.core.integrations import media
from chalicelib.core.observability import logger, metrics
from chalicelib.core.services import views
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store import reference
from chalicelib.intake.services.photos import photo_links
from chalicelib.intake.services.uploads import attached_key, upload_prefix

_ID_ATTEMPTS = 3


def submit_appeal(principal: Principal, body: Any) -> Appeal:
    """Store a new appeal."""
    if principal.role is not Role.CITIZEN:
        raise Forbidden("appeals are submitted by citizens through this call")
    request = validated_request(principal, body, APPEAL_CREATE)
    limit_submissions(principal.id)
    if principal.deputy:
        # Whatever client a deputy uses, the appeal is on the deputies' channel.
        request["channel"] = Channel.DEPUTY.value
    return store_appeal(principal, request)


def limit_submissions(owner: str, windows: tuple[tuple[int, int], ...] | None = None) -> None:
    """Count one submission against the owner's limits (``windows``, by default
    ``MINSHENG_SUBMISSION_LIMITS``); TooManyRequests, with the seconds until the full
    window ends, when one is full."""
    from chalicelib.intake.store import limits

    now = clock.now()
    chosen = settings().submission_limits if windows is None else windows
    full = limits.take(owner, chosen, now)
    if full is not None:
        metrics.add_metric(name="SubmissionsLimited", unit="Count", value=1)
        wait = int((full.ends - now).total_seconds()) + 1
        raise TooManyRequests(
            f"at most {full.limit} appeals per {_window_name(full.seconds)}: try again later",
            wait,
            limit=full.limit,
        )


def _window_name(seconds: int) -> str:
    return {60: "minute", 3600: "hour", 86400: "day"}.get(seconds, f"{seconds} seconds")


def record_appeal(
    citizen: Principal,
    body: Any,
    recorded_by: Principal | None = None,
    *,
    limited: bool = False,
    limits: tuple[tuple[int, int], ...] | None = None,
    appeal_id: str | None = None,
) -> Appeal:
    """An appeal taken on a channel the citizen does not use themselves (hotline, mayor's
    mailbox, WeChat, deputies): validated like any other, and it must name its
    ``channel``. ``recorded_by`` is the staff member who took it, if one did; ``limited``
    counts it against the owner's submission limits (channels the citizen drives), or
    against ``limits`` when given (an Open311 key's). A
    channel that must make one appeal of a message delivered twice reserves ``appeal_id``
    first: the second write then fails with ``AppealIdTaken``."""
    request = validated_request(citizen, body, APPEAL_RECORD)
    if limited:
        limit_submissions(citizen.id, limits)
    return store_appeal(citizen, request, recorded_by, appeal_id)


def validated_request(principal: Principal, body: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """The one validation of a new appeal, whichever way it enters: the published schema
    (``APPEAL_CREATE`` or, naming any channel, ``APPEAL_RECORD``), then what it refers to
    (category, the citizen's own uploads). Every field at fault is named."""
    request = validate(schema, body)
    _check_references(principal, request)
    return request


def _check_references(principal: Principal, request: dict[str, Any]) -> None:
    errors = reference.category_errors(request.get("category"))
    prefix = upload_prefix(principal)
    for index, key in enumerate(request.get("media", [])):
        if not key.startswith(prefix) or ".." in key:
            errors.append({"field": f"media[{index}]", "message": "is not an upload of yours"})
        elif not media.object_exists(key):
            errors.append({"field": f"media[{index}]", "message": "was not uploaded"})
    if errors:
        raise ValidationFailed(errors)


def _attach_media(keys: list[str]) -> list[str]:
    """Copy each checked upload out of reach of the bucket's expiry of unattached uploads;
    the appeal refers to the copies."""
    attached = []
    for key in keys:
        target = attached_key(key)
        media.copy_object(key, target)
        attached.append(target)
    return attached


def store_appeal(
    principal: Principal,
    request: dict[str, Any],
    recorded_by: Principal | None = None,
    appeal_id: str | None = None,
) -> Appeal:
    """Store an appeal from a request ``validated_request`` passed, owned by
    ``principal``; ``recorded_by`` is noted in its first event; ``appeal_id`` is used
    when given (never another one)."""
    kept_media = _attach_media(list(request.get("media", [])))
    at = clock.iso(clock.now())
    channel = Channel(request.get("channel", Channel.APP.value))
    appeal = Appeal(
        id="",
        state=State.SUBMITTED,
        kind=Kind(request["kind"]),
        channel=channel,
        title=request["title"].strip(),
        content=request["content"].strip(),
        citizen_id=principal.id,
        created_at=at,
        updated_at=at,
        category=request.get("category"),
        location=request.get("location"),
        contact=request.get("contact") or None,
        # A 举报 is never public (its reporter is protected; Kind.WHISTLEBLOWING).
        is_public=bool(request.get("is_public", False))
        and request["kind"] != Kind.WHISTLEBLOWING.value,
        media=kept_media,
        timeline=[
            Event(
                type="submitted",
                at=at,
                actor=principal.actor(),
                data={"channel": channel.value}
                | ({"recorded_by": recorded_by.id} if recorded_by else {}),
            )
        ],
    )
    for attempt in range(_ID_ATTEMPTS):
        appeal.id = appeal_id or new_appeal_id(clock.now())
        try:
            stored = appeal_store.create(appeal)
            break
        except appeal_store.AppealIdTaken:
            if appeal_id or attempt == _ID_ATTEMPTS - 1:
                raise
            logger.warning("appeal id collision, retrying", extra={"appeal_id": appeal.id})
    logger.info(
        "appeal submitted",
        extra={"appeal_id": stored.id, "kind": stored.kind.value, "channel": channel.value},
    )
    metrics.add_metric(name="AppealsSubmitted", unit="Count", value=1)
    return stored


def get_appeal(principal: Principal, appeal_id: str) -> dict[str, Any]:
    """The appeal with its timeline, if ``principal`` may know it exists (404 otherwise)."""
    appeal = views.visible(principal, appeal_id)
    body = views.show(appeal, principal)
    body["photos"] = photo_links(appeal, principal)
    return body


def list_my_appeals(principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    owners = [principal.id, *principal.aliases]
    items, next_cursor = appeal_store.list_by_owners(owners, limit, cursor)
    return {"items": [a.summary(principal) for a in items], "next_cursor": next_cursor}
