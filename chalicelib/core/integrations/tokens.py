"""Verification of ID tokens: the user pool's (signature against the pool's JWKS, cached;
expiry, issuer, audience and token use), and those of the external OpenID Connect issuer
when one is set (``MINSHENG_OIDC_*``: its own keys, issuer and audience). Nothing about the
caller is trusted before this passes.

The RS256 signature is checked with ``rsa`` (pure Python, RSASSA-PKCS1-v1_5 with SHA-256)
and the claims with PyJWT: the deployment zip needs no ``cryptography`` (about 5 MB), and
a public-key check has no secret to leak through timing."""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.errors import ServiceUnavailable, Unauthenticated
from chalicelib.core.observability import logger

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


def _b64_int(value: Any) -> int:
    import base64

    if not isinstance(value, str) or not value:
        raise ValueError("a JWK number is missing")
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return int.from_bytes(raw, "big")


def _rsa_keys(keyset: Any) -> dict[str, Any]:
    """The RS256 signing keys of a JWKS document, by key id."""
    import rsa

    if not isinstance(keyset, dict) or not isinstance(keyset.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys: dict[str, Any] = {}
    for jwk in keyset["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not jwk.get("kid"):
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") != "RS256":
            continue
        keys[str(jwk["kid"])] = rsa.PublicKey(_b64_int(jwk.get("n")), _b64_int(jwk.get("e")))
    return keys


def _fetch(url: str) -> dict[str, Any]:
    import requests

    try:
        response = requests.get(url, timeout=5, allow_redirects=False)
        response.raise_for_status()
        keys = _rsa_keys(response.json())
    except (requests.RequestException, ValueError) as exc:
        logger.exception("cannot load the user pool's signing keys", extra={"url": url})
        raise ServiceUnavailable("the sign-in keys cannot be loaded") from exc
    return keys


@lru_cache(maxsize=1)
def _signatures() -> Any:
    """A JWS checker that knows RS256 only, through ``rsa``."""
    import hashlib

    import rsa
    from jwt import PyJWS
    from jwt.algorithms import Algorithm

    class RS256(Algorithm):
        hash_alg = hashlib.sha256

        def prepare_key(self, key: Any) -> Any:
            if not isinstance(key, rsa.PublicKey):
                raise TypeError("an RSA public key is required")
            return key

        def sign(self, msg: bytes, key: Any) -> bytes:
            raise NotImplementedError("the platform never signs tokens")

        def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
            try:
                return bool(rsa.verify(msg, sig, key) == "SHA-256")
            except rsa.VerificationError:
                return False

        @staticmethod
        def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
            raise NotImplementedError

        @staticmethod
        def from_jwk(jwk: Any) -> Any:
            raise NotImplementedError

    checker = PyJWS(algorithms=[])
    checker.register_algorithm("RS256", RS256())
    return checker


_cache = _KeyCache()
_external_cache = _KeyCache()  # the external issuer's keys, apart: no refetch thrashing


def clear_key_cache() -> None:
    _cache.clear()
    _external_cache.clear()


def _claimed_issuer(token: str) -> Any:
    """The ``iss`` the token says, unverified: only to pick whose keys check it."""
    import jwt

    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise Unauthenticated("the bearer token is not a JWT") from exc


def is_external(token: str) -> bool:
    """Whether the token claims to come from the external OIDC issuer (checked by
    ``verify_id_token`` against that issuer's keys, never trusted on its word)."""
    oidc = settings().oidc
    return oidc is not None and _claimed_issuer(token) == oidc.issuer


def verify_id_token(token: str) -> dict[str, Any]:
    """The token's claims, or Unauthenticated saying what is wrong. A token whose ``iss``
    is the external issuer's is checked against that issuer's keys and audience, any other
    against the user pool's."""
    import jwt

    cfg = settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthenticated("the bearer token is not a JWT") from exc
    external = cfg.oidc if is_external(token) else None
    kid = header.get("kid")
    if not isinstance(kid, str) or header.get("alg") != "RS256":
        who = "the sign-on issuer" if external else "the user pool"
        raise Unauthenticated(f"the token is not signed by {who}")
    if external is not None:
        key = _external_cache.key(external.jwks_url, kid)
        audience, issuer = external.audience, external.issuer
        required = ["exp", "iat", "iss", "aud", "sub"]
    else:
        key = _cache.key(cfg.jwks_url, kid)
        audience, issuer = cfg.user_pool_client_id, cfg.token_issuer
        required = ["exp", "iat", "iss", "aud", "sub", "token_use"]
    try:
        _signatures().decode_complete(token, key=key, algorithms=["RS256"])
        # The signature holds; now the claims (PyJWT checks them without the signature).
        claims: dict[str, Any] = jwt.decode(
            token,
            algorithms=["RS256"],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={
                "verify_signature": False,
                "verify_exp": True,
                "verify_iat": True,
                "verify_nbf": True,
                "verify_aud": True,
                "verify_iss": True,
                "require": required,
            },
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("the token has expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"the token is not valid: {exc}") from exc
    if external is None and claims.get("token_use") != "id":
        raise Unauthenticated("an ID token is required")
    if external is not None and claims.get("token_use") not in (None, "id"):
        raise Unauthenticated("an ID token is required")
    return claims
