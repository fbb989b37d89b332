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
