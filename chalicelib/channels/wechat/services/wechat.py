"""The WeChat official account channel (公众号): a follower's text message becomes an appeal
through the one intake path, ``查询`` answers how their latest appeal is doing, anything else
gets the help text. Each answer is one passive text reply, inside WeChat's 5 seconds: one
secret read (cached), one signature check, at most one idempotency record and one write.

A follower owns their appeals by an owner key of the account's AppID and their OpenID
(``services/owners.py``), exactly as a caller's phone owns the hotline's."""

from __future__ import annotations

import time
from typing import Any

from chalicelib.channels.wechat.domain import wechat
from chalicelib.channels.wechat.integrations.wechat import Account, account
from chalicelib.core.domain import identities
from chalicelib.core.domain.appeal import Channel, Kind
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import (
    Conflict,
    Forbidden,
    IdempotencyMismatch,
    PayloadTooLarge,
    TooManyRequests,
    ValidationFailed,
)
from chalicelib.core.observability import logger, metrics
from chalicelib.core.services.owners import wechat_owner

OPERATION = "/wechat"
# A used (timestamp, nonce) is remembered a little past the window its timestamp is
# accepted in (TTL deletion is late, never early, so this only adds).
REMEMBER_MARGIN_SECONDS = 60
# What to say for each field the appeal validation names (the rest: the generic reason).
_REASONS = {
    "content": "留言须为1至4000字的文字",
    "title": "留言的第一行须含文字",
}


def verified_account(params: dict[str, str], method: str, raw: bytes = b"") -> Account:
    """The account, if the request carries its token's signature with a fresh timestamp,
    and no other request came with that signature; ``Forbidden`` (403) otherwise. Settings
    that cannot be read are a 503, not a 403."""
    from chalicelib.channels.wechat.store import nonces

    found = account()
    try:
        wechat.verify(found.token, params, time.time())
    except wechat.BadSignature as exc:
        metrics.add_metric(name="WeChatRefused", unit="Count", value=1)
        raise Forbidden(str(exc)) from exc
    # Compatible mode does not sign the body: the signature's (timestamp, nonce) is taken
    # by this request for the window in which the timestamp is accepted.
    timestamp, nonce = params["timestamp"], params["nonce"]
    claimed = nonces.claim(
        wechat.nonce_key(timestamp, nonce),
        wechat.request_digest(method, params, raw),
        int(timestamp) + wechat.TOLERANCE_SECONDS + REMEMBER_MARGIN_SECONDS,
    )
    if not claimed:
        metrics.add_metric(name="WeChatRefused", unit="Count", value=1)
        logger.warning("wechat signature used again for another request")
        raise Forbidden("this signature was used for another request already")
    return found


def reply_to(found: Account, raw: bytes, lambda_context: Any) -> str:
    """The passive reply (XML) to the message in ``raw``, or ``"success"`` when there is
    nothing to say (WeChat's "no reply"). A message that cannot be read at all is a 400;
    one that can is always answered in words, never with an error."""
    if len(raw) > wechat.MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body must be at most {wechat.MAX_BODY_BYTES} bytes")
    try:
        message = wechat.parse(raw)
    except wechat.EncryptedOnly as exc:
        raise ValidationFailed.one("encrypt_type", str(exc)) from exc
    except wechat.BadMessage as exc:
        raise ValidationFailed.one("body", str(exc)) from exc
    if found.original_id and message.recipient != found.original_id:
        raise Forbidden("the message is addressed to another official account")
    text = answer(found, message, lambda_context)
    if text is None:
        return "success"
    return wechat.text_reply(message, text, int(time.time()))


def answer(found: Account, message: wechat.Message, lambda_context: Any = None) -> str | None:
    owner = wechat_owner(found.app_id, message.sender)
    if message.msg_type == "event":
        # Only a new follower is greeted; menu clicks, location reports and the like are
        # not answered (a reply to each location report would flood the chat).
        return wechat.WELCOME if message.event == "subscribe" else None
    if message.msg_type != "text":
        return wechat.HELP
    if message.is_status_query:
        # Appeals an earlier version keyed by a plain hash of the OpenID (which no stored
        # data gives back, so the owner-key migration cannot re-key them) are found too.
        earlier = identities.legacy_owner("wechat", f"{found.app_id}:{message.sender}")
        return latest_status([owner, earlier])
    content = message.content or ""
    if not content.strip():
        return wechat.BLANK
    return record(found, owner, message, content, lambda_context)


def record(
    found: Account, owner: str, message: wechat.Message, content: str, lambda_context: Any
) -> str:
    """The message as an appeal, once per MsgId: WeChat's retries of the same message get
    the first reply and make nothing new."""
    from chalicelib.core.services.idempotency import run_once
    from chalicelib.intake.services import intake

    def register() -> dict[str, Any]:
        citizen = Principal(id=owner, role=Role.CITIZEN, username="wechat")
        appeal = intake.record_appeal(
            citizen,
            {
                "kind": Kind.CONSULTATION.value,  # the center reclassifies on acceptance
                "title": wechat.title_of(content),
                "content": content,
                "channel": Channel.WECHAT.value,
            },
            limited=True,
        )
        metrics.add_metric(name="WeChatAppeals", unit="Count", value=1)
        return {"appeal_id": appeal.id, "reply": wechat.registered(appeal.id)}

    try:
        result, replayed = run_once(
            OPERATION,
            found.app_id,
            message.msg_id,
            {"from": message.sender, "content": content},
            register,
            lambda_context,
        )
    except ValidationFailed as exc:
        reasons = {_REASONS.get(e["field"], "内容不符合要求") for e in exc.errors}
        return wechat.refused(sorted(reasons))
    except TooManyRequests:
        return wechat.TOO_MANY
    except (Conflict, IdempotencyMismatch):
        # The first delivery of this MsgId is still being registered (or the id came with
        # other text, which WeChat never sends): nothing new is made.
        return wechat.IN_PROGRESS
    if replayed:
        logger.info("wechat message repeated", extra={"appeal_id": result.get("appeal_id")})
    return str(result["reply"])


def latest_status(owners: list[str]) -> str:
    from chalicelib.core.domain.names import STATE_NAMES
    from chalicelib.core.store import appeals as appeal_store

    items, _ = appeal_store.list_by_owners(owners, 1, None)
    if not items:
        return wechat.NO_APPEAL
    latest = items[0]
    label = STATE_NAMES.get(latest.state, latest.state.value)
    return wechat.status(latest.id, latest.title, label, latest.created_at[:10])
