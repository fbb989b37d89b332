"""The admin's reference data: departments, categories (routing, reply days) and the
working-day calendar."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain.appeal import Kind
from chalicelib.core.domain.schemas import CATEGORY_CODE, UNIT_ID, body, text

REPLY_DAYS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {k.value: {"type": "integer", "minimum": 1, "maximum": 30} for k in Kind},
}
DEPARTMENT_FIELDS: dict[str, Any] = {
    "name": text(100),
    "kind": {"type": "string", "enum": ["department", "town", "street", "utility"]},
    "active": {"type": "boolean"},
}
DEPARTMENT_CREATE = body("DepartmentCreate", ["id", "name"], {"id": UNIT_ID, **DEPARTMENT_FIELDS})
DEPARTMENT_UPDATE = body("DepartmentUpdate", [], DEPARTMENT_FIELDS)
CATEGORY_FIELDS: dict[str, Any] = {
    "name": text(100),
    "group": {"type": ["string", "null"], "maxLength": 100},
    "default_department": {"anyOf": [UNIT_ID, {"type": "null"}]},
    "auto_dispatch": {"type": "boolean"},
    "keywords": {"type": "array", "maxItems": 50, "uniqueItems": True, "items": text(20)},
    "reply_working_days": REPLY_DAYS,
    "active": {"type": "boolean"},
    # Consultations answered with a policy reference (《…》, 第…条, a 文号, an article).
    "policy_reference": {"type": "boolean"},
}
CATEGORY_CREATE = body(
    "CategoryCreate", ["code", "name"], {"code": CATEGORY_CODE, **CATEGORY_FIELDS}
)
CATEGORY_UPDATE = body("CategoryUpdate", [], CATEGORY_FIELDS)
CALENDAR_YEAR = body(
    "CalendarYear",
    ["holidays", "workdays"],
    {
        "holidays": {
            "type": "array",
            "maxItems": 120,
            "uniqueItems": True,
            "items": {"type": "string", "format": "date"},
        },
        "workdays": {
            "type": "array",
            "maxItems": 30,
            "uniqueItems": True,
            "items": {"type": "string", "format": "date"},
        },
    },
)

DEPARTMENT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "name", "kind", "active"],
    "properties": {"id": {"type": "string"}, **DEPARTMENT_FIELDS, "updated_at": {"type": "string"}},
}
CATEGORY: dict[str, Any] = {
    "type": "object",
    "required": ["code", "name"],
    "properties": {"code": {"type": "string"}, **CATEGORY_FIELDS, "updated_at": {"type": "string"}},
}
CALENDAR: dict[str, Any] = {
    "type": "object",
    "required": ["year", "source", "holidays", "workdays"],
    "properties": {
        "year": {"type": "integer"},
        "source": {"type": "string", "enum": ["loaded", "package", "weekdays"]},
        "holidays": {"type": "array", "items": {"type": "string", "format": "date"}},
        "workdays": {"type": "array", "items": {"type": "string", "format": "date"}},
    },
}

# -- staff accounts (the users API) -------------------------------------------------------

USERNAME = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._-]{2,63}$"}
ROLE = {"type": "string", "enum": ["operator", "department", "leader", "admin", "deputy"]}
USER_STATUS = {
    "type": "string",
    "description": "The pool's status: FORCE_CHANGE_PASSWORD until the first sign-in sets a "
    "password, then CONFIRMED (also RESET_REQUIRED, UNCONFIRMED...)",
}
USER_CREATE = body(
    "UserCreate",
    ["username", "name", "role"],
    {
        "username": USERNAME,
        "name": text(64),
        "role": ROLE,
        "department_id": UNIT_ID,
        "email": {"type": "string", "maxLength": 254},
        "phone": {"type": "string", "maxLength": 20},
    },
)
USER_UPDATE = body(
    "UserUpdate",
    [],
    {"name": text(64), "role": ROLE, "department_id": {"anyOf": [UNIT_ID, {"type": "null"}]}},
)
USER: dict[str, Any] = {
    "type": "object",
    "required": ["username", "name", "role", "enabled"],
    "properties": {
        "username": {"type": "string"},
        "name": {"type": "string"},
        "role": ROLE,
        "department_id": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"], "description": "masked for all but admins"},
        "phone": {"type": ["string", "null"], "description": "E.164; masked for all but admins"},
        "enabled": {"type": "boolean"},
        "status": USER_STATUS,
        "mfa": {"type": "boolean", "description": "an authenticator app (TOTP) is set up"},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string", "description": "the last change, here or in the pool"},
    },
}
USER_IMPORT = {
    "type": "object",
    "required": ["created", "unchanged"],
    "properties": {
        "created": {"type": "array", "items": {"type": "string"}},
        "unchanged": {"type": "array", "items": {"type": "string"}},
    },
}
USER_CHANGE: dict[str, Any] = {
    "type": "object",
    "required": ["at", "by", "action", "before", "after"],
    "properties": {
        "at": {"type": "string"},
        "by": {
            "type": "object",
            "properties": {"username": {"type": "string"}, "id": {"type": "string"}},
        },
        "action": {
            "type": "string",
            "enum": [
                "created",
                "imported",
                "changed",
                "disabled",
                "enabled",
                "password_reset",
                "signed_out",
            ],
        },
        "before": {"type": "object"},
        "after": {"type": "object"},
    },
}
