"""Appeal ids a hotline operator can read out: the day of submission and eight Crockford
base32 characters (40 random bits, so collisions are rare and retried on write)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from functools import cache

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@cache
def _appeal_id_pattern() -> re.Pattern[str]:
    """Compiled on first use, not at every function's start."""
    return re.compile(r"^\d{8}-[0-9A-HJKMNP-TV-Z]{8}$")


def new_appeal_id(moment: datetime) -> str:
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{moment:%Y%m%d}-{tail}"


def is_appeal_id(text: str) -> bool:
    return bool(_appeal_id_pattern().match(text))
