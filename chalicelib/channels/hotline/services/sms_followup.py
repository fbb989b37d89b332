"""SMS follow-up (短信回访) for callers without the app: when a hotline or mailbox appeal is
replied, the caller gets a text with the reply's gist and a link to rate it, if the
appeal's contact phone is a mainland China mobile (nothing else is ever texted).

The link's token is unguessable (32 random bytes) and only its SHA-256 is kept; it opens
once and expires with the rating window (7 days after the reply, when unrated appeals close
by themselves). Rating through it is the citizen's own rating: the same transition, as the
appeal's owner, as the app's."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from chalicelib.channels.hotline.integrations import sms
from chalicelib.channels.hotline.store import rating_links
from chalicelib.core.config import settings
from chalicelib.core.domain import clock, phones
from chalicelib.core.domain.appeal import Appeal, State
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.validation import CONTROL_CHARACTERS
from chalicelib.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import appeals as appeal_store
from chalicelib.work_orders.services import rating
from chalicelib.work_orders.services.closing import RATING_WINDOW

SUMMARY_CHARS = 60
# The API refuses these in every JSON string; the form's comment is checked the same way.
_CONTROL = re.compile(CONTROL_CHARACTERS)


class SmsFailed(RuntimeError):
    """The text was not sent this time; the queue brings the notice back."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    base = (settings().public_base_url or "").rstrip("/")
    return f"{base}/r/{token}"


def text(appeal: Appeal, url: str) -> str:
    """The SMS: the case number, the reply's gist and the link."""
    content = " ".join(str((appeal.reply or {}).get("content") or "").split())
    gist = content if len(content) <= SUMMARY_CHARS else content[: SUMMARY_CHARS - 1] + "…"
    return (
        f"【民生诉求】您反映的问题（编号{appeal.id}）已答复：{gist} "
        f"请对办理结果评价： {url} （7日内有效）"
    )


def send_rating_link(message: dict[str, Any]) -> str:
    """Act on an ``appeal.replied`` notice for a caller's phone; returns what was done."""
    link_id = message["id"]
    known = rating_links.get(link_id)
    if known is not None and known.sent_at:
        return "repeat"
    appeal = appeal_store.get(message["appeal_id"])
    if appeal is None:
        return "no-appeal"
    if appeal.state is not State.REPLIED:
        return "not-waiting"  # rated, reworked or closed before the text went out
    # Mainland mobiles only: the link rates and closes the appeal as its owner.
    phone = phones.mainland_mobile(str((appeal.contact or {}).get("phone") or ""))
    if phone is None:
        metrics.add_metric(name="SmsWithoutMobile", unit="Count", value=1)
        return "no-mobile"
    token = secrets.token_urlsafe(32)
    now = clock.now()
    replied_at = clock.parse_iso(appeal.state_at) if appeal.state_at else now
    if not rating_links.issue(
        link_id, token_hash(token), appeal.id, clock.iso(now), replied_at + RATING_WINDOW
    ):
        return "repeat"
    try:
        message_id = sms.send(phone, text(appeal, link_url(token)), f"rating-{appeal.id}")
    except sms.SendFailed as exc:
        metrics.add_metric(name="SmsFailed", unit="Count", value=1)
        logger.warning("rating SMS not sent", extra={"appeal_id": appeal.id, "error": str(exc)})
        raise SmsFailed(str(exc)) from exc
    rating_links.mark_sent(link_id, clock.iso(clock.now()), message_id)
    metrics.add_metric(name="SmsSent", unit="Count", value=1)
    return "sent"


def _open(token: str) -> tuple[rating_links.RatingLink, Appeal]:
    """The link and its appeal, or NotFound (unknown, used or expired alike: a guesser
    learns nothing)."""
    if not 20 <= len(token) <= 100:
        raise NotFound("no such link")
    link = rating_links.by_token(token_hash(token))
    if link is None or link.used_at or link.expires_at <= clock.iso(clock.now()):
        raise NotFound("this link is not valid any more")
    appeal = appeal_store.get(link.appeal_id)
    if appeal is None:
        raise NotFound("no such link")
    return link, appeal


def owner(appeal: Appeal) -> Principal:
    return Principal(id=appeal.citizen_id, role=Role.CITIZEN, username="sms")


def page(token: str) -> dict[str, Any]:
    """What the rating page shows: the case, the reply as its owner reads it."""
    _link, appeal = _open(token)
    shown = appeal.view(owner(appeal))
    return {
        "id": appeal.id,
        "title": shown["title"],
        "state": appeal.state.value,
        "reply": (shown.get("reply") or {}).get("content"),
        "waiting": appeal.state is State.REPLIED,
    }


def parse_form(form: dict[str, list[str]]) -> dict[str, Any]:
    """The page's form as a rating request; every field at fault is named (in Chinese:
    the page shows the messages)."""
    errors: list[dict[str, str]] = []
    score_text = (form.get("score") or [""])[0]
    resolved_text = (form.get("resolved") or [""])[0]
    comment = (form.get("comment") or [""])[0].strip()
    if score_text not in {"1", "2", "3", "4", "5"}:
        errors.append({"field": "score", "message": "请选择 1 至 5 分"})
    if resolved_text not in {"yes", "no"}:
        errors.append({"field": "resolved", "message": "请选择问题是否已解决"})
    if len(comment) > 500:
        errors.append({"field": "comment", "message": "不能超过 500 字"})
    elif _CONTROL.search(comment):
        errors.append({"field": "comment", "message": "不能包含控制字符"})
    if errors:
        raise ValidationFailed(errors)
    body: dict[str, Any] = {"score": int(score_text), "resolved": resolved_text == "yes"}
    if comment:
        body["comment"] = comment
    return body


def rate(token: str, form: dict[str, list[str]]) -> Appeal:
    """Rate the appeal through its link, once: the link is used in the same transaction
    as the rating is written, so a rating that fails (refused, or not written) leaves the
    link as it was, and two ratings racing on one link give one."""
    body = parse_form(form)
    link, appeal = _open(token)
    if appeal.state is not State.REPLIED:
        raise Conflict("this appeal is not waiting for a rating")
    used = rating_links.use_alongside(link.id, token_hash(token), clock.iso(clock.now()))
    try:
        rated = rating.rate_appeal(
            owner(appeal),
            appeal.id,
            body,
            save=lambda after: appeal_store.save_transition(after, alongside=[used]),
        )
    except DomainError:
        logger.warning("rating through a link refused", extra={"appeal_id": appeal.id})
        raise
    metrics.add_metric(name="RatedBySms", unit="Count", value=1)
    return rated
