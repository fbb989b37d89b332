"""Request and response schemas (JSON Schema 2020-12). One definition validates requests
and is published in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain.appeal import (
    CALLBACK_SATISFACTION,
    CITIZEN_CHANNELS,
    REJECT_REASONS,
    TRANSFER_TARGETS,
    Channel,
    Kind,
    State,
)
from chalicelib.core.domain.validation import NO_CONTROL

NON_BLANK = r"\S"
PHONE = r"^\+?[0-9][0-9 -]{4,19}[0-9]$"
ALLOWED_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
MAX_MEDIA = 9

LOCATION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["lat", "lng"],
    "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lng": {"type": "number", "minimum": -180, "maximum": 180},
        "address": {"type": "string", "maxLength": 200},
    },
}

CITIZEN_CONTACT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": NON_BLANK},
        "phone": {"type": "string", "pattern": PHONE},
    },
}

APPEAL_CREATE: dict[str, Any] = {
    "$id": "AppealCreate",
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "title", "content"],
    "properties": {
        "kind": {"type": "string", "enum": [k.value for k in Kind]},
        "title": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": NON_BLANK},
        "content": {"type": "string", "minLength": 1, "maxLength": 4000, "pattern": NON_BLANK},
        "category": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,63}$"},
        "channel": {"type": "string", "enum": [c.value for c in CITIZEN_CHANNELS]},
        "location": LOCATION,
        "contact": CITIZEN_CONTACT,
        "is_public": {"type": "boolean"},
        "media": {
            "type": "array",
            "maxItems": MAX_MEDIA,
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1, "maxLength": 256},
        },
    },
}

# An appeal the platform center enters for a citizen (hotline, mayor's mailbox, deputies):
# the same rules, but the channel is any of the platform's, and must be named.
APPEAL_RECORD: dict[str, Any] = {
    **APPEAL_CREATE,
    "$id": "AppealRecord",
    "required": [*APPEAL_CREATE["required"], "channel"],
    "properties": {
        **APPEAL_CREATE["properties"],
        "channel": {"type": "string", "enum": [c.value for c in Channel]},
    },
}

UPLOAD_CREATE: dict[str, Any] = {
    "$id": "UploadCreate",
    "type": "object",
    "additionalProperties": False,
    "required": ["content_type"],
    "properties": {
        "content_type": {"type": "string", "enum": list(ALLOWED_IMAGE_TYPES)},
        "size": {"type": "integer", "minimum": 1},
    },
}

EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["type", "at", "actor"],
    "properties": {
        "type": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
        "actor": {
            "type": "object",
            "properties": {"role": {"type": "string"}, "id": {"type": "string"}},
        },
        "note": {"type": ["string", "null"]},
        "data": {"type": "object"},
    },
}

_SUMMARY_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string"},
    "state": {"type": "string", "enum": [s.value for s in State]},
    "kind": {"type": "string", "enum": [k.value for k in Kind]},
    "category": {"type": ["string", "null"]},
    "channel": {"type": "string"},
    "title": {"type": "string"},
    "is_public": {"type": "boolean"},
    "department_id": {"type": ["string", "null"]},
    "deadlines": {
        "type": "object",
        "properties": {
            "sign_due": {"type": "string", "format": "date-time"},
            "contact_due": {"type": "string", "format": "date-time"},
            "reply_due": {"type": "string", "format": "date-time"},
            "decision_due": {
                "type": "string",
                "format": "date-time",
                "description": "returned: when the center's decision on the dispute is due",
            },
        },
    },
    "overdue": {"type": "array", "items": {"type": "string"}},
    "escalation": {"type": ["object", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
}

PHOTO: dict[str, Any] = {
    "type": "object",
    "required": ["index", "url", "expires_at", "public"],
    "properties": {
        "index": {"type": "integer", "description": "Its place in the appeal's media"},
        "key": {"type": "string", "description": "The upload key (not in public views)"},
        "url": {"type": "string"},
        "expires_at": {"type": "string", "format": "date-time"},
        "public": {"type": "boolean", "description": "Marked public by the center"},
    },
}

APPEAL_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "state", "kind", "title", "created_at"],
    "properties": _SUMMARY_PROPERTIES,
}

APPEAL: dict[str, Any] = {
    "type": "object",
    "required": ["id", "state", "kind", "title", "content", "created_at", "version"],
    "properties": {
        **_SUMMARY_PROPERTIES,
        "content": {"type": "string"},
        "location": {"type": ["object", "null"]},
        "contact": {"type": ["object", "null"]},
        "media": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Upload keys of the photos, for those who may see them",
        },
        "photos": {
            "type": "array",
            "description": "On GET /appeals/{id} only: a presigned GET URL per photo the "
            "caller may open, valid a few minutes (read the appeal again for fresh ones). "
            "The citizen, the platform center, the handling and co-handling departments "
            "and leaders get every photo; others only photos the center marked public, on "
            "a public appeal.",
            "items": PHOTO,
        },
        "co_department_ids": {"type": "array", "items": {"type": "string"}},
        "rating": {"type": ["object", "null"]},
        "version": {"type": "integer"},
        "timeline": {"type": "array", "items": EVENT},
        "comments": {
            "type": "object",
            "description": "Staff only: how many comments the appeal has, and how many of "
            "the latest are in the timeline (the rest: GET /appeals/{id}/comments)",
            "properties": {"total": {"type": "integer"}, "shown": {"type": "integer"}},
        },
    },
}

COMMENT_PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["items", "total"],
    "properties": {
        "items": {"type": "array", "items": EVENT},
        "total": {"type": "integer"},
        "next_cursor": {"type": ["string", "null"]},
    },
}

APPEAL_PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {"type": "array", "items": APPEAL_SUMMARY},
        "next_cursor": {
            "type": ["string", "null"],
            "description": "Pass back as cursor for more; null when the list is complete. "
            "A filtered page may hold fewer than limit items, even none, and still have one.",
        },
    },
}

UPLOAD_TICKET: dict[str, Any] = {
    "type": "object",
    "required": ["key", "url", "fields", "expires_at", "max_bytes"],
    "properties": {
        "key": {"type": "string"},
        "url": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        "expires_at": {"type": "string", "format": "date-time"},
        "max_bytes": {"type": "integer"},
    },
}

PROBLEM: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def body(schema_id: str, required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "$id": schema_id,
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


def text(max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": NON_BLANK}


APPEAL_ID = {"type": "string", "pattern": r"^\d{8}-[0-9A-HJKMNP-TV-Z]{8}$"}
UNIT_ID = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,63}$"}
CATEGORY_CODE = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,63}$"}
NOTE = {"type": "string", "maxLength": 1000}
REASON = text(500)

ACCEPT = body(
    "Accept",
    [],
    {
        "category": CATEGORY_CODE,
        "kind": {"type": "string", "enum": [k.value for k in Kind]},
        "note": NOTE,
    },
)
REJECT = body(
    "Reject",
    ["reason", "reason_code"],
    {"reason": REASON, "reason_code": {"type": "string", "enum": list(REJECT_REASONS)}},
)
TRANSFER = {
    **body(
        "Transfer",
        ["to", "note"],
        {
            "to": {"type": "string", "enum": list(TRANSFER_TARGETS)},
            "name": text(100),
            "note": text(1000),
        },
    ),
    # Another body must be named; 110, 119, 120 and 122 are named by their number.
    "if": {"properties": {"to": {"const": "other"}}, "required": ["to"]},
    "then": {"required": ["name"]},
}
URGE = body("Urge", [], {"note": NOTE})
DISPATCH = body(
    "Dispatch",
    ["department_id"],
    {
        "department_id": UNIT_ID,
        "co_department_ids": {
            "type": "array",
            "maxItems": 5,
            "uniqueItems": True,
            "items": UNIT_ID,
        },
        "note": NOTE,
        "category": CATEGORY_CODE,
        "kind": {"type": "string", "enum": [k.value for k in Kind]},
    },
)

MERGE = body("Merge", ["into"], {"into": APPEAL_ID, "note": NOTE})
ESCALATE = body(
    "Escalate",
    ["level", "reason"],
    {"level": {"type": "integer", "minimum": 1, "maximum": 3}, "reason": REASON},
)
EXTENSION_DECISION = body(
    "ExtensionDecision", ["approve"], {"approve": {"type": "boolean"}, "note": NOTE}
)
SIGN = body("Sign", [], {"note": NOTE})
CONTACT = body(
    "Contact",
    ["method"],
    {"method": {"type": "string", "enum": ["phone", "visit", "sms", "other"]}, "note": NOTE},
)
REPLY = body(
    "Reply",
    ["content", "handler_name", "handler_phone"],
    {
        "content": text(4000),
        "handler_name": text(50),
        "handler_phone": {"type": "string", "pattern": PHONE},
        "public_reply": text(4000),
    },
)
RETURN = body("Return", ["reason"], {"reason": REASON, "responsible": text(100)})
EXTENSION_REQUEST = body(
    "ExtensionRequest",
    ["days", "reason"],
    {"days": {"type": "integer", "minimum": 1, "maximum": 10}, "reason": REASON},
)
RATING = body(
    "Rating",
    ["score", "resolved"],
    {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "resolved": {"type": "boolean"},
        # The SMS page's form comes here too, without the JSON layer's check.
        "comment": {"type": "string", "maxLength": 500, "pattern": NO_CONTROL},
        "rework": {"type": "boolean"},
    },
)
COMMENT = body("Comment", ["text"], {"text": text(2000)})
# 办理进展: the department's own note on its work order (staff read it; the citizen never).
DEPARTMENT_NOTE = body("DepartmentNote", ["text"], {"text": text(2000)})
# 回访: the center's call to the citizen after the reply. Reached, the outcome is the rating
# (satisfied 5, basically_satisfied 4, dissatisfied 2); rework only when dissatisfied.
CALLBACK = {
    **body(
        "Callback",
        ["reached"],
        {
            "reached": {"type": "boolean"},
            "resolved": {"type": "boolean"},
            "satisfaction": {"type": "string", "enum": list(CALLBACK_SATISFACTION)},
            "rework": {"type": "boolean"},
            "note": {"type": "string", "maxLength": 500, "pattern": NO_CONTROL},
        },
    ),
    "if": {"properties": {"reached": {"const": True}}, "required": ["reached"]},
    "then": {"required": ["resolved", "satisfaction"]},
}
# 差评审核: exclude the rating from the rates (``exclude: true``) or take that back, once.
RATING_REVIEW = body(
    "RatingReview", ["exclude", "reason"], {"exclude": {"type": "boolean"}, "reason": REASON}
)
# The citizen's own note on their open appeal (a reply to the mayor's mailbox): the text,
# photos already stored for it, and where it came from.
CITIZEN_NOTE = body(
    "CitizenNote",
    ["text"],
    {
        "text": text(4000),
        "media": {
            "type": "array",
            "maxItems": MAX_MEDIA,
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1, "maxLength": 256},
        },
        "channel": {"type": "string", "enum": [c.value for c in Channel]},
        "source": {"type": "string", "maxLength": 64},
    },
)
PUBLISH_MEDIA = body(
    "PublishMedia",
    ["index", "public"],
    {
        "index": {"type": "integer", "minimum": 0, "maximum": MAX_MEDIA - 1},
        "public": {"type": "boolean"},
    },
)


def listing(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": item},
            "next_cursor": {"type": ["string", "null"]},
        },
    }
