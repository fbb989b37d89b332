"""A call the hotline takes: the appeal as the caller tells it, and the center's first steps."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain.schemas import APPEAL_CREATE, CITIZEN_CONTACT, DISPATCH

# A call the hotline takes: the appeal as the caller tells it, the caller's number (the
# appeal belongs to it), and optionally the center's first steps in the same call.
CALLER_PHONE = {"type": "string", "minLength": 5, "maxLength": 24}
HOTLINE_APPEAL: dict[str, Any] = {
    "$id": "HotlineAppeal",
    "type": "object",
    "additionalProperties": False,
    "required": ["caller", "kind", "title", "content"],
    "properties": {
        "caller": {
            "type": "object",
            "additionalProperties": False,
            "required": ["phone"],
            "properties": {"phone": CALLER_PHONE, "name": CITIZEN_CONTACT["properties"]["name"]},
        },
        **{
            name: APPEAL_CREATE["properties"][name]
            for name in ("kind", "title", "content", "category", "location", "is_public")
        },
        "accept": {"type": "boolean", "description": "accept the appeal in the same call"},
        "dispatch": {
            **{k: v for k, v in DISPATCH.items() if k != "$id"},
            "description": "dispatch the appeal in the same call (accepting it)",
        },
    },
}
