"""Masking of personal data for every view that does not need it in clear."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """138****1234 for mainland mobiles; keep at most the first 3 and last 4 digits."""
    if not phone:
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) <= 4:
        return "*" * len(digits)
    head = digits[:3] if len(digits) >= 11 else digits[:1]
    return head + "*" * (len(digits) - len(head) - 4) + digits[-4:]


def mask_name(name: str | None) -> str | None:
    """张** : the family name stays, the rest becomes stars."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)
