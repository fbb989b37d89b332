"""Signed webhooks, both ways: ``X-Minsheng-Signature: sha256=<hex>`` is the HMAC-SHA256 of
``"{timestamp}.{raw body}"`` with the department's secret. During a rotation's overlap two
secrets are valid: outbound requests carry both signatures, comma-separated, and inbound
requests verify with either."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

TIMESTAMP_HEADER = "X-Minsheng-Timestamp"
DELIVERY_HEADER = "X-Minsheng-Delivery"
SIGNATURE_HEADER = "X-Minsheng-Signature"
SCHEME = "sha256"
# How far a request's timestamp may be from the receiver's clock (replays of old requests
# are refused; the delivery id catches replays inside the window).
TOLERANCE_SECONDS = 300
MAX_SIGNATURES = 5
# What a signature is: the lowercase hex of one HMAC-SHA256. Anything else (upper case, the
# wrong length, a character that is not ASCII) matches nothing, as a wrong signature.
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


class BadSignature(Exception):
    """Why a request is not accepted as signed (said to the caller: it has the secret or
    it has not, and this tells it nothing about the secret)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    return ",".join(f"{SCHEME}={sign(secret, timestamp, body)}" for secret in secrets)


def parse_timestamp(raw: str | None, now: float) -> int:
    if not raw:
        raise BadSignature(f"the {TIMESTAMP_HEADER} header is missing")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise BadSignature(f"{TIMESTAMP_HEADER} must be unix seconds")
    timestamp = int(raw)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise BadSignature(
            f"{TIMESTAMP_HEADER} is more than {TOLERANCE_SECONDS} seconds from the server's clock"
        )
    return timestamp


def verify(
    secrets: Sequence[str],
    timestamp_raw: str | None,
    signature_raw: str | None,
    body: bytes,
    now: float,
) -> None:
    """Accept the request if one of its signatures matches one of ``secrets``; compared in
    constant time. Raises BadSignature otherwise."""
    timestamp = parse_timestamp(timestamp_raw, now)
    if not signature_raw:
        raise BadSignature(f"the {SIGNATURE_HEADER} header is missing")
    offered = []
    for part in signature_raw.split(",")[:MAX_SIGNATURES]:
        scheme, _, value = part.strip().partition("=")
        if scheme == SCHEME and value:
            offered.append(value)
    if not offered:
        raise BadSignature(f"{SIGNATURE_HEADER} must be {SCHEME}=<hex HMAC-SHA256>")
    well_formed = [v.encode("ascii") for v in offered if _HEX_DIGEST.fullmatch(v)]
    matched = False
    for secret in secrets:
        expected = sign(secret, timestamp, body).encode("ascii")
        for digest in well_formed:
            # Every pair is compared (no early exit), each in constant time.
            matched |= hmac.compare_digest(expected, digest)
    if not matched:
        raise BadSignature("the signature does not match the body and timestamp")
