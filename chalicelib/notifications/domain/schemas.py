"""Department webhooks (registration, deliveries, the signed inbound envelope) and in-app
notifications."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import schemas as core
from chalicelib.core.domain.schemas import APPEAL_ID, body

WEBHOOK_ACTIONS = ("sign", "contact", "reply", "return", "extension", "note")
WEBHOOK_PUT = body(
    "WebhookRegistration",
    ["url"],
    {
        "url": {"type": "string", "minLength": 1, "maxLength": 2048},
        "enabled": {"type": "boolean", "default": True},
    },
)
WEBHOOK = {
    "type": "object",
    "required": ["department_id", "url", "enabled"],
    "properties": {
        "department_id": {"type": "string"},
        "url": {"type": ["string", "null"]},
        "enabled": {"type": "boolean"},
        "secret_issued_at": {"type": ["string", "null"]},
        "previous_secret_until": {"type": ["string", "null"]},
        "url_verified": {
            "type": "boolean",
            "description": "Whether the system at url answered the platform's challenge: "
            "until then work orders reach it with personal data masked, and deliveries are "
            "not sent to it again",
        },
        "verified_at": {"type": ["string", "null"]},
        "updated_at": {"type": "string"},
        "secret": {
            "type": "string",
            "description": "The signing secret: in the answer that issued it, and never again",
        },
    },
}
WEBHOOK_CHANGE_ACTIONS = (
    "registered",
    "changed",
    "secret_issued",
    "secret_rotated",
    "previous_secret_revoked",
    "url_verified",
)
WEBHOOK_CHANGE = {
    "type": "object",
    "required": ["action", "at", "by", "url", "enabled"],
    "properties": {
        "action": {"type": "string", "enum": list(WEBHOOK_CHANGE_ACTIONS)},
        "at": {"type": "string"},
        "by": {
            "type": "object",
            "description": "Who made the change (an admin; minsheng for the platform's own)",
            "properties": {
                "role": {"type": "string"},
                "id": {"type": "string"},
                "username": {"type": ["string", "null"]},
            },
        },
        "old_url": {"type": ["string", "null"]},
        "url": {"type": ["string", "null"]},
        "old_enabled": {"type": ["boolean", "null"]},
        "enabled": {"type": ["boolean", "null"]},
    },
}
# The inbound envelope: the action, and the work order it is for.
WEBHOOK_ENVELOPE = {
    "$id": "WebhookEnvelope",
    "type": "object",
    "required": ["appeal_id", "action"],
    "properties": {
        "appeal_id": APPEAL_ID,
        "action": {"type": "string", "enum": list(WEBHOOK_ACTIONS)},
    },
}
# Each action's body: the envelope and the fields of the staff API's call, nothing else.
ACTION_BODIES: dict[str, dict[str, Any]] = {
    "sign": core.SIGN,
    "contact": core.CONTACT,
    "reply": core.REPLY,
    "return": core.RETURN,
    "extension": core.EXTENSION_REQUEST,
    "note": core.DEPARTMENT_NOTE,
}


def _inbound(action: str) -> dict[str, Any]:
    staff = ACTION_BODIES[action]
    return body(
        f"WebhookInbound{staff['$id']}",
        ["appeal_id", "action", *staff["required"]],
        {
            "appeal_id": APPEAL_ID,
            "action": {"type": "string", "const": action},
            **staff["properties"],
        },
    )


WEBHOOK_INBOUND_ACTIONS: dict[str, dict[str, Any]] = {a: _inbound(a) for a in WEBHOOK_ACTIONS}
WEBHOOK_INBOUND = {
    "$id": "WebhookInbound",
    "description": "One of the actions, each with the fields of the staff API's call; "
    "an unknown field is refused (400 naming it)",
    "oneOf": [
        {k: v for k, v in schema.items() if k != "$id"}
        for schema in WEBHOOK_INBOUND_ACTIONS.values()
    ],
}
DELIVERY_STATUSES = ("pending", "retrying", "delivered", "dead")
DELIVERY = {
    "type": "object",
    "required": ["id", "department_id", "type", "status", "attempts"],
    "properties": {
        "id": {"type": "string"},
        "department_id": {"type": "string"},
        "type": {"type": "string"},
        "appeal_id": {
            "type": ["string", "null"],
            "description": "None for a notice about the webhook itself",
        },
        "status": {"type": "string", "enum": list(DELIVERY_STATUSES)},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "attempts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "attempt": {"type": "integer"},
                    "at": {"type": "string"},
                    "status_code": {"type": ["integer", "null"]},
                    "latency_ms": {"type": "integer"},
                    "error": {"type": ["string", "null"]},
                    "receive_count": {"type": "integer"},
                },
            },
        },
    },
}
REDRIVE_RESULT = {
    "type": "object",
    "required": ["redriven"],
    "properties": {
        "redriven": {"type": "integer"},
        "ids": {"type": "array", "items": {"type": "string"}},
        "refused": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Deliveries left in the dead-letter queue: their department's URL "
            "has not answered its challenge",
        },
    },
}
CHALLENGE_SENT = {
    "type": "object",
    "required": ["url", "url_verified", "challenge_sent"],
    "properties": {
        "url": {"type": "string"},
        "url_verified": {"type": "boolean"},
        "challenge_sent": {"type": "boolean"},
    },
}
NOTIFICATION = {
    "type": "object",
    "required": ["id", "type", "appeal_id", "title", "text", "at", "read"],
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string"},
        "appeal_id": {
            "type": ["string", "null"],
            "description": "None for webhook.changed (a department's webhook changed)",
        },
        "title": {"type": "string"},
        "text": {"type": "string"},
        "at": {"type": "string"},
        "read": {"type": "boolean"},
        "read_at": {"type": ["string", "null"]},
    },
}
NOTIFICATION_ID = {"type": "string", "pattern": r"^\d{8}T\d{9}Z-[0-9a-f]{32}$"}
MARK_READ = body(
    "MarkRead",
    ["ids"],
    {
        "ids": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "uniqueItems": True,
            "items": NOTIFICATION_ID,
        }
    },
)
