"""Opaque list cursors: the start key of the next page, bound to the partition it came
from so a forged cursor cannot page into another citizen's or department's list."""

from __future__ import annotations

import base64
import json

from chalicelib.core.errors import ValidationFailed


def encode_cursor(key: dict[str, str]) -> str:
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, expected: dict[str, str]) -> dict[str, str]:
    """The start key a cursor names; it must belong to the same partition (``expected``),
    so a forged cursor cannot page into another citizen's or department's list."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed.one("cursor", "is not a cursor this list issued") from exc
    if (
        not isinstance(key, dict)
        or not all(isinstance(v, str) for v in key.values())
        or any(key.get(k) != v for k, v in expected.items())
    ):
        raise ValidationFailed.one("cursor", "is not a cursor this list issued")
    return key
