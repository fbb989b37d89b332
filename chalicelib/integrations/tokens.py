"""Verification of Cognito ID tokens: signature against the pool's JWKS (cached), expiry,
issuer, audience and token use. Nothing about the caller is trusted before this passes."""

from __future__ import annotations

import threading
import time
from typing import Any

from chalicelib.config import settings
from chalicelib.errors import ServiceUnavailable, Unauthenticated
from chalicelib.observability import logger

JWKS_TTL_SECONDS = 3600
# An unknown key id triggers a refetch (key rotation), at most this often.
JWKS_MIN_REFETCH_SECONDS = 30
LEEWAY_SECONDS = 5


class _KeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._url = ""
        self._fetched_at = 0.0

    def clear(self) -> None:
        with self._lock:
            self._keys, self._url, self._fetched_at = {}, "", 0.0

    def key(self, url: str, kid: str) -> Any:
        now = time.monotonic()
        with self._lock:
            fresh = self._url == url and now - self._fetched_at < JWKS_TTL_SECONDS
            if fresh and kid in self._keys:
                return self._keys[kid]
            may_refetch = not fresh or now - self._fetched_at >= JWKS_MIN_REFETCH_SECONDS
            if may_refetch:
                self._keys = _fetch(url)
                self._url, self._fetched_at = url, now
            if kid not in self._keys:
                raise Unauthenticated("the token is signed with an unknown key")
            return self._keys[kid]


def _fetch(url: str) -> dict[str, Any]:
    import jwt
    import requests

    try:
        response = requests.get(url, timeout=5)
        response.raise_for_status()
        keyset = jwt.PyJWKSet.from_dict(response.json())
    except (requests.RequestException, ValueError, jwt.PyJWTError) as exc:
        logger.exception("cannot load the user pool's signing keys", extra={"url": url})
        raise ServiceUnavailable("the sign-in keys cannot be loaded") from exc
    return {k.key_id: k for k in keyset.keys if k.key_id}


_cache = _KeyCache()


def clear_key_cache() -> None:
    _cache.clear()


def verify_id_token(token: str) -> dict[str, Any]:
    """The token's claims, or Unauthenticated saying what is wrong."""
    import jwt

    cfg = settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthenticated("the bearer token is not a JWT") from exc
    kid = header.get("kid")
    if not isinstance(kid, str) or header.get("alg") != "RS256":
        raise Unauthenticated("the token is not signed by the user pool")
    key = _cache.key(cfg.jwks_url, kid)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key.key,
            algorithms=["RS256"],
            audience=cfg.user_pool_client_id,
            issuer=cfg.token_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("the token has expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"the token is not valid: {exc}") from exc
    if claims.get("token_use") != "id":
        raise Unauthenticated("an ID token is required")
    return claims
