"""Request and response schemas (JSON Schema 2020-12). One definition validates requests
and is published in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.appeal import CITIZEN_CHANNELS, Kind, State

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

CONTACT: dict[str, Any] = {
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
        "contact": CONTACT,
        "is_public": {"type": "boolean"},
        "media": {
            "type": "array",
            "maxItems": MAX_MEDIA,
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1, "maxLength": 256},
        },
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
        },
    },
    "overdue": {"type": "array", "items": {"type": "string"}},
    "escalation": {"type": ["object", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
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
        "media": {"type": "array", "items": {"type": "string"}},
        "co_department_ids": {"type": "array", "items": {"type": "string"}},
        "rating": {"type": ["object", "null"]},
        "version": {"type": "integer"},
        "timeline": {"type": "array", "items": EVENT},
    },
}

APPEAL_PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {"type": "array", "items": APPEAL_SUMMARY},
        "next_cursor": {"type": ["string", "null"]},
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
