"""Outgoing email through SES v2: one multipart message (plain text and HTML, UTF-8) per
recipient, sent raw so every client gets both parts as written. Local stages also write
each sent message to the outbox folder: the full MIME message (``.eml``) and its HTML."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.masking import without_recipient
from chalicelib.core.domain.records import frozen
from chalicelib.core.integrations.aws import client

SENDER_NAME = "民生诉求平台"


class SendFailed(Exception):
    """SES did not take the message (the caller logs, counts and retries it later)."""


@frozen
class Mail:
    to: str
    subject: str
    text: str
    html: str
    name: str  # what the outbox files are called (period and report), without the recipient
    # An answer to a letter: sent from this address instead of the reports' sender, in the
    # thread of the letter's Message-ID (``<...>``).
    sender: str | None = None
    in_reply_to: str | None = None


def mime(mail: Mail, sender: str) -> bytes:
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    local, _, domain = sender.partition("@")
    message["From"] = Address(SENDER_NAME, local, domain)
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=domain or None)
    message["Auto-Submitted"] = "auto-replied" if mail.in_reply_to else "auto-generated"
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
        message["References"] = mail.in_reply_to
    message.set_content(mail.text, subtype="plain", charset="utf-8")
    message.add_alternative(mail.html, subtype="html", charset="utf-8")
    return message.as_bytes()


def send(mail: Mail) -> str:
    """Send ``mail``; returns SES's message id, or raises SendFailed."""
    from botocore.exceptions import BotoCoreError, ClientError

    sender = mail.sender or settings().report_sender
    raw = mime(mail, sender)
    try:
        answer = client("sesv2").send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [mail.to]},
            Content={"Raw": {"Data": raw}},
        )
    except (BotoCoreError, ClientError) as exc:
        # SES names the recipient in some refusals: the text is kept masked, and the
        # original (which callers log with its traceback) is not chained.
        raise SendFailed(without_recipient(str(exc), mail.to)) from None
    outbox = settings().outbox_dir
    if outbox:
        _keep(Path(outbox), mail, raw)
    return str(answer["MessageId"])


def _keep(folder: Path, mail: Mail, raw: bytes) -> None:
    """``{name}--{recipient}.eml`` and ``.html``, for a person to open (local stages)."""
    recipient = re.sub(r"[^A-Za-z0-9@._-]", "_", mail.to)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{mail.name}--{recipient}"
    (folder / f"{stem}.eml").write_bytes(raw)
    (folder / f"{stem}.html").write_text(mail.html, encoding="utf-8")
