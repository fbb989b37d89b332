"""The mayor's mailbox (区长信箱): a letter SES stored becomes an appeal through the one
intake path, a reply in its thread becomes the citizen's note on that appeal, and anything
a person should look at first (a sender SES did not vouch for, spam or a virus,
auto-replies, bounces, no text, refused by validation, an appeal already closed) is kept
and flagged for an operator, never answered automatically. Only a verified sender's letter
owns an appeal, joins a thread or counts against the sender's limits.

Each letter is claimed once by its Message-ID before anything else is written: the same
letter delivered twice (SES, S3 or SQS redelivery) is one appeal and one acknowledgement.
The appeal's id is reserved in the claim, so a letter whose handling died half way is
finished by its redelivery without a second appeal.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalicelib.channels.mailbox.domain import mailbox as letters
from chalicelib.channels.mailbox.domain.mailbox import InboundMail
from chalicelib.channels.mailbox.integrations import mailbox as inbox_bucket
from chalicelib.channels.mailbox.store import mailbox as store
from chalicelib.core.config import settings
from chalicelib.core.domain import clock, identities
from chalicelib.core.domain.appeal import NOTE_EVENT, TERMINAL_STATES, Appeal, Channel, Kind
from chalicelib.core.domain.ids import is_appeal_id, new_appeal_id
from chalicelib.core.domain.masking import mask_text
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.schemas import CITIZEN_NOTE, MAX_MEDIA
from chalicelib.core.domain.workflow import Action
from chalicelib.core.errors import (
    Conflict,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    ValidationFailed,
)
from chalicelib.core.integrations import email as outgoing
from chalicelib.core.integrations import media
from chalicelib.core.observability import logger, metrics
from chalicelib.core.services.owners import mail_owner
from chalicelib.core.store import appeals as appeal_store
from chalicelib.intake.services import intake
from chalicelib.intake.services.uploads import ATTACHED_ROOT, UPLOADS_ROOT
from chalicelib.work_orders.services.transitions import perform

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "email"
RAW_URL_SECONDS = 300
REASON_CLOSED = "appeal-closed"
REASON_INVALID = "invalid"
REASON_TOO_MANY = "too-many"  # the sender is over the submission limits
SUBJECT_SHOWN = 200
_REPLIED = re.compile(r"^\s*re\s*:", re.IGNORECASE)


def _owner(mail: InboundMail) -> Principal:
    return Principal(id=mail_owner(mail.sender), role=Role.CITIZEN, username="mailbox")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _key_of(message_id: str) -> str:
    if len(message_id) <= store.MAX_KEY_LENGTH:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


# -- receiving --------------------------------------------------------------------------


def receive(bucket: str, key: str) -> str:
    """Handle the letter SES stored at ``key``; returns what became of it (``appeal``,
    ``note``, ``flagged``, ``duplicate`` or ``gone``). Raises only what a retry may cure."""
    cfg = settings()
    limits = letters.Limits(cfg.mailbox_max_bytes, cfg.mailbox_max_parts, cfg.mailbox_max_depth)
    try:
        raw = inbox_bucket.read(bucket, key, limits.max_bytes)
    except inbox_bucket.LetterGone as exc:
        logger.warning("letter not read", extra={"reason": str(exc)})
        return "gone"
    except inbox_bucket.TooLarge as exc:
        mail = letters.too_large(exc.head, exc.size)
    else:
        mail = letters.parse(
            raw, max_image_bytes=cfg.upload_max_bytes, max_images=MAX_MEDIA, limits=limits
        )
    if mail.unread:
        logger.warning("letter set aside unread", extra={"reason": mail.unread, "size": mail.size})
    message_id = _key_of(mail.message_id)
    at = clock.iso(clock.now())
    letter, new = store.claim(
        store.Letter(
            message_id=message_id,
            s3_key=key,
            received_at=at,
            sender=mail_owner(mail.sender) if mail.sender else "mail:unknown",
            sender_masked=(mask_text(mail.sender) or "") if mail.sender else "",
            subject=mail.subject[:SUBJECT_SHOWN],
            size=mail.size,
            status=store.RECEIVED,
            appeal_id=new_appeal_id(clock.now()),
        )
    )
    if not new and letter.status != store.RECEIVED:
        logger.info("letter already handled", extra={"status": letter.status})
        metrics.add_metric(name="MailboxDuplicate", unit="Count", value=1)
        return "duplicate"
    outcome = _handle(mail, letter)
    metrics.add_metric(name=f"Mailbox_{outcome}", unit="Count", value=1)
    logger.info("letter handled", extra={"outcome": outcome, "appeal_id": letter.appeal_id})
    return outcome


def _flag(letter: store.Letter, reason: str, ignored: int) -> str:
    """Kept (the record, the raw letter) for an operator; its attachments are not stored."""
    at = clock.iso(clock.now())
    store.finish(letter.message_id, store.FLAGGED, at, reason=reason, ignored=ignored)
    return "flagged"


def _handle(mail: InboundMail, letter: store.Letter) -> str:
    attachments = len(mail.images) + mail.ignored
    reason = mail.flag_reason or (None if mail.verified else letters.REASON_UNVERIFIED)
    if reason:
        return _flag(letter, reason, attachments)
    owner = _owner(mail)
    thread = _thread_appeal(mail, owner)
    if thread is not None:
        return _add_note(mail, letter, owner, thread)
    return _new_appeal(mail, letter, owner)


def _thread_appeal(mail: InboundMail, owner: Principal) -> Appeal | None:
    """The sender's own appeal this letter answers: one an earlier letter of the thread
    (In-Reply-To, References) led to, or the one its subject names (诉求编号)."""
    candidates = [a for _, a in store.appeals_of([_key_of(r) for r in mail.references])]
    number = mail.case_number
    if number and is_appeal_id(number):
        candidates.append(number)
    for appeal_id in dict.fromkeys(candidates):
        appeal = appeal_store.get(appeal_id)
        if appeal is not None and owner.owns(appeal.citizen_id):
            return appeal
    return None


def _store_images(mail: InboundMail, owner: Principal, root: str, room: int) -> list[str]:
    """The letter's photos in the media bucket, under keys derived from the letter (a
    redelivery writes the same objects again, never new ones)."""
    keys = []
    for index, image in enumerate(mail.images[:room]):
        name = _digest(mail.message_id, str(index))
        key = f"{root}{owner.id}/{name}.{image.extension}"
        media.put_object(key, image.data, image.content_type)
        keys.append(key)
    return keys


def _discard(keys: list[str]) -> None:
    """The photos stored for an appeal that was not written: nothing of a refused letter
    stays in the media bucket (the raw letter, in the inbox, is what the operator reads)."""
    for key in keys:
        try:
            media.delete_object(key)
        except ServiceUnavailable:
            logger.warning("photo of a refused letter not removed", extra={"key": key})


def _request(mail: InboundMail, media_keys: list[str]) -> dict[str, Any]:
    contact: dict[str, str] = {}
    name = mail.sender_name.strip()[:50].strip()
    if name and "@" not in name:
        contact["name"] = name
    phone = letters.contact_phone(mail.text)  # a labelled line's, never a guess
    if phone:
        contact["phone"] = phone
    request: dict[str, Any] = {
        "kind": Kind.CONSULTATION.value,  # the operator reclassifies when accepting
        "channel": Channel.MAILBOX.value,
        "title": letters.title_of(mail),
        "content": letters.content_of(mail),
    }
    if contact:
        request["contact"] = contact
    if media_keys:
        request["media"] = media_keys
    return request


def _new_appeal(mail: InboundMail, letter: store.Letter, owner: Principal) -> str:
    appeal_id = str(letter.appeal_id)
    keys = _store_images(mail, owner, UPLOADS_ROOT, MAX_MEDIA)
    kept, ignored = len(keys), mail.ignored + len(mail.images) - len(keys)
    try:
        appeal = intake.record_appeal(
            owner, _request(mail, keys), appeal_id=appeal_id, limited=True
        )
        created = True
    except appeal_store.AppealIdTaken:
        created = False  # an earlier delivery of this letter wrote it and died before the end
    except TooManyRequests as exc:
        if appeal_store.get(appeal_id) is None:
            # A sender over the submission limits: kept for an operator, not answered.
            _discard(keys)
            return _flag(letter, f"{REASON_TOO_MANY}: {exc.detail}"[:500], kept + ignored)
        created = False  # counted again on a redelivery of a letter already written
    except ValidationFailed as exc:
        if appeal_store.get(appeal_id) is None:
            _discard(keys)
        detail = "; ".join(f"{e['field']} {e['message']}" for e in exc.errors)
        return _flag(letter, f"{REASON_INVALID}: {detail}"[:500], kept + ignored)
    at = clock.iso(clock.now())
    store.finish(letter.message_id, "appeal", at, appeal_id=appeal_id, kept=kept, ignored=ignored)
    if created:
        _acknowledge(mail, appeal)
    return "appeal"


def _add_note(mail: InboundMail, letter: store.Letter, owner: Principal, appeal: Appeal) -> str:
    """The letter as the citizen's note on their appeal; flagged if the appeal is closed."""
    every = len(mail.images) + mail.ignored
    if appeal.state in TERMINAL_STATES:
        return _flag(letter, f"{REASON_CLOSED}: {appeal.id}", every)
    source = _digest(mail.message_id)
    kept: list[str] = []
    done = any(e.type == NOTE_EVENT and e.data.get("source") == source for e in appeal.timeline)
    if not done:
        kept = _store_images(mail, owner, ATTACHED_ROOT, max(0, MAX_MEDIA - len(appeal.media)))
        params: dict[str, Any] = {
            "text": letters.content_of(mail),
            "channel": Channel.MAILBOX.value,
            "source": source,
        }
        if kept:
            params["media"] = kept
        try:
            perform(owner, appeal.id, Action.ADD_NOTE, params, schema=CITIZEN_NOTE)
        except Conflict:
            now = appeal_store.get(appeal.id)
            if now is None or now.state not in TERMINAL_STATES:
                raise  # changed by someone else meanwhile: the queue brings the letter back
            return _flag(letter, f"{REASON_CLOSED}: {appeal.id}", every)
        except (NotFound, ValidationFailed) as exc:
            return _flag(letter, f"{REASON_INVALID}: {exc.detail}"[:500], every)
    store.finish(
        letter.message_id,
        "note",
        clock.iso(clock.now()),
        appeal_id=appeal.id,
        kept=len(kept),
        ignored=every - len(kept),
    )
    return "note"


# -- the acknowledgement ----------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def acknowledgement(mail: InboundMail, appeal: Appeal) -> outgoing.Mail:
    """The answer to a new letter: its case number, in the letter's thread."""
    subject = mail.subject.strip() or appeal.title
    context = {
        "name": (appeal.contact or {}).get("name", ""),
        "title": appeal.title,
        "appeal_id": appeal.id,
        "received_at": appeal.created_at[:16].replace("T", " "),
        "subject": subject,
    }
    env = _environment()
    thread = None if mail.message_id.startswith("sha256:") else f"<{mail.message_id}>"
    return outgoing.Mail(
        to=mail.sender,
        subject=f"{'' if _REPLIED.match(subject) else 'Re: '}{subject} [诉求编号 {appeal.id}]",
        text=env.get_template("mailbox_ack.txt").render(**context),
        html=env.get_template("mailbox_ack.html").render(**context),
        name=f"mailbox-{appeal.id}",
        sender=settings().mailbox_address,
        in_reply_to=thread,
    )


def _acknowledge(mail: InboundMail, appeal: Appeal) -> None:
    """Best effort: the appeal and the letter's record are written before this."""
    try:
        outgoing.send(acknowledgement(mail, appeal))
    except outgoing.SendFailed as exc:
        # The appeal stands; the citizen hears of it through its reply. Counted and alarmed.
        logger.warning(
            "acknowledgement not sent", extra={"appeal_id": appeal.id, "error": str(exc)}
        )
        metrics.add_metric(name="MailboxAckFailed", unit="Count", value=1)
    except (ValueError, TypeError):
        # An address the mail library cannot write (the letter was still taken).
        logger.exception("acknowledgement not written", extra={"appeal_id": appeal.id})
        metrics.add_metric(name="MailboxAckFailed", unit="Count", value=1)


# -- the operators' list ----------------------------------------------------------------


def list_letters(
    viewer: Principal, params: dict[str, str], limit: int, cursor: str | None
) -> dict[str, Any]:
    """Flagged letters for the platform center. The operator, who handles them, gets a
    link to each raw letter; an admin (personal data masked, as everywhere) gets the
    subject masked and no link."""
    status = params.get("status") or store.FLAGGED
    if status != store.FLAGGED:
        raise ValidationFailed.one("status", f"must be {store.FLAGGED}")
    letters, next_cursor = store.page_flagged(limit, cursor)
    handler = viewer.role is Role.OPERATOR
    expires = clock.iso(clock.now() + timedelta(seconds=RAW_URL_SECONDS))
    items = []
    for letter in letters:
        item: dict[str, Any] = {
            "id": letter.message_id,
            "received_at": letter.received_at,
            "sender": letter.sender_masked,
            "subject": letter.subject if handler else mask_text(letter.subject) or "",
            "status": letter.status,
            "reason": letter.reason,
            "size": letter.size,
            "attachments": {
                "kept": letter.attachments_kept,
                "ignored": letter.attachments_ignored,
            },
            "appeal_id": letter.appeal_id,
        }
        if handler:
            item["raw_url"] = inbox_bucket.presign_download(letter.s3_key, RAW_URL_SECONDS)
            item["raw_url_expires_at"] = expires
        items.append(item)
    return {"items": items, "next_cursor": next_cursor}


# -- the owner-key migration -----------------------------------------------------------


def rekey_letters(*, dry_run: bool = False) -> tuple[dict[str, str], Counter[str]]:
    """Every letter's sender key, re-keyed from the earlier version's hash to the current
    key by the From address of the raw letter (still in the inbox bucket for
    ``INBOX_KEEP_DAYS``). Returns the key each sender's appeals should have (an earlier
    key, or the current one, -> the current one), and the letters counted by outcome."""
    keys: dict[str, str] = {}
    counts: Counter[str] = Counter()
    cfg = settings()
    for letter in store.scan_senders("mail:"):
        try:
            raw = inbox_bucket.read(cfg.inbox_bucket, letter.s3_key, cfg.mailbox_max_bytes)
        except inbox_bucket.LetterGone:
            counts["letter gone"] += 1
            continue
        except inbox_bucket.TooLarge as exc:
            mail = letters.too_large(exc.head, exc.size)
        else:
            mail = letters.parse(raw, max_image_bytes=0, max_images=0)
        if not mail.sender:
            counts["letter left"] += 1
            continue
        current = mail_owner(mail.sender)
        earlier = identities.legacy_owner("mail", mail.sender)
        if letter.sender not in (current, earlier):
            counts["letter left"] += 1
            continue
        keys[earlier] = keys[current] = current
        if letter.sender == current:
            counts["letter current"] += 1
            continue
        if not dry_run:
            store.rekey_sender(letter.message_id, letter.sender, current)
        counts["letter rekeyed"] += 1
    return keys, counts
