"""The mayor's mailbox: a letter set aside for a person, as the center reads it."""

from __future__ import annotations

MAIL_LETTER = {
    "type": "object",
    "required": ["id", "received_at", "sender", "subject", "status", "size"],
    "properties": {
        "id": {"type": "string", "description": "The letter's Message-ID (or a digest)"},
        "received_at": {"type": "string", "format": "date-time"},
        "sender": {"type": "string", "description": "The From address, masked"},
        "subject": {"type": "string"},
        "status": {"type": "string", "enum": ["appeal", "note", "flagged"]},
        "reason": {
            "type": ["string", "null"],
            "description": "virus, spam, too-large, too-many-parts, too-deep, unreadable, "
            "no-sender, unverified-sender, bounce, auto-reply, no-text, invalid: <fields>, "
            "too-many: <limit>, appeal-closed: <id>",
        },
        "size": {"type": "integer", "description": "Bytes of the raw message"},
        "attachments": {
            "type": "object",
            "properties": {"kept": {"type": "integer"}, "ignored": {"type": "integer"}},
        },
        "appeal_id": {"type": ["string", "null"]},
        "raw_url": {
            "type": "string",
            "description": "Operators only: the raw message (message/rfc822)",
        },
        "raw_url_expires_at": {"type": "string", "format": "date-time"},
    },
}
