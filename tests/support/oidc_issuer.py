"""A small OpenID Connect issuer on loopback for the tests, with keys made in the test: its
discovery document, its keys, a sign-in page, an authorization endpoint that issues a code
bound to the request's client, redirect URI, nonce and PKCE code challenge (S256 only), a
token endpoint that checks the code verifier (public clients, no secret; refresh tokens
too) and an end-session endpoint. What it was asked is kept in ``calls`` for the tests."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

# How often the server's loop looks for a stop: ``shutdown()`` waits for it (the default,
# 0.5 s, was added to every test that stops one).
POLL_SECONDS = 0.05


@dataclass
class Account:
    password: str
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    sub: str


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Issuer:
    """The issuer's URL is ``http://127.0.0.1:<port>``; ``token()`` signs an ID token
    directly (for API tests), the endpoints sign people in through a browser."""

    def __init__(
        self,
        audience: str,
        accounts: dict[str, Account] | None = None,
        token_seconds: int = 600,
        cors_origin: str = "*",
    ) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "district-key-1"
        self.audience = audience
        self.accounts = accounts or {}
        self.token_seconds = token_seconds
        self.cors_origin = cors_origin
        self.fetches = 0
        self.calls: list[dict[str, Any]] = []
        self.codes: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.jwks_url = f"{self.url}/keys"
        threading.Thread(
            target=self.server.serve_forever, args=(POLL_SECONDS,), daemon=True
        ).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": self.jwks_url,
            "end_session_endpoint": f"{self.url}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
        }

    def token(self, sub: str, key: Any = None, **claims: Any) -> str:
        """An ID token for ``sub``, signed with the issuer's key (or ``key``, under the
        issuer's key id)."""
        now = int(time.time())
        payload = {
            "iss": self.url,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + self.token_seconds,
            "preferred_username": sub,
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def _id_token(self, sub: str, nonce: str | None) -> str:
        extra = dict(self.accounts[sub].claims)
        if nonce is not None:
            extra["nonce"] = nonce
        return self.token(sub, **extra)

    def _tokens(self, sub: str, nonce: str | None) -> dict[str, Any]:
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = sub
        return {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": self.token_seconds,
            "id_token": self._id_token(sub, nonce),
            "refresh_token": refresh,
        }

    def grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint's answer to ``form``."""
        self.calls.append({"endpoint": "token", **form})
        kind = form.get("grant_type")
        if form.get("client_id") != self.audience:
            return 401, {"error": "invalid_client"}
        if kind == "authorization_code":
            found = self.codes.pop(form.get("code", ""), None)  # once only
            if found is None:
                return 400, {"error": "invalid_grant", "error_description": "unknown code"}
            if form.get("client_id") != found.client_id:
                return 400, {"error": "invalid_grant", "error_description": "client_id"}
            if form.get("redirect_uri") != found.redirect_uri:
                return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
            if s256(form.get("code_verifier", "")) != found.challenge:
                return 400, {"error": "invalid_grant", "error_description": "code_verifier"}
            return 200, self._tokens(found.sub, found.nonce)
        if kind == "refresh_token":
            sub = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if sub is None:
                return 400, {"error": "invalid_grant", "error_description": "refresh_token"}
            return 200, self._tokens(sub, None)
        return 400, {"error": "unsupported_grant_type"}

    def _login_page(self, query: dict[str, str], message: str = "") -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        note = f'<p id="error">{html.escape(message)}</p>' if message else ""
        return (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            "<title>统一身份认证</title></head><body><h1>统一身份认证</h1>"
            f'{note}<form method="post" action="/authorize">{hidden}'
            '<label>账号 <input id="login-user" name="username"></label>'
            '<label>密码 <input id="login-password" name="password" type="password"></label>'
            '<button id="login-submit" type="submit">登录</button></form></body></html>'
        )

    def _authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """The authorization request's checks; a page, or a redirect with the code."""
        self.calls.append({"endpoint": "authorize", **query})
        if query.get("client_id") != self.audience or not query.get("redirect_uri"):
            return 400, {}, "unknown client"
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return 400, {}, "response_type code and scope openid only"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, "PKCE S256 required"
        account = self.accounts.get(query.get("username", ""))
        if "username" not in query or account is None or account.password != query["password"]:
            message = "账号或密码不正确" if "username" in query else ""
            shown = {k: v for k, v in query.items() if k not in ("username", "password")}
            return (
                200,
                {"Content-Type": "text/html; charset=utf-8"},
                self._login_page(shown, message),
            )
        code = secrets.token_urlsafe(24)
        self.codes[code] = Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            challenge=query["code_challenge"],
            nonce=query.get("nonce"),
            sub=query["username"],
        )
        back = {"code": code, "state": query.get("state", "")}
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}, ""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, headers: dict[str, str], body: str) -> None:
                raw = body.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Access-Control-Allow-Origin", issuer.cors_origin)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _json(self, status: int, doc: Any) -> None:
                self._send(status, {"Content-Type": "application/json"}, json.dumps(doc))

            def _form(self) -> dict[str, str]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

            def do_OPTIONS(self) -> None:
                self._send(
                    204,
                    {
                        "Access-Control-Allow-Methods": "GET, POST",
                        "Access-Control-Allow-Headers": "Content-Type",
                    },
                    "",
                )

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._json(200, issuer.discovery())
                elif parts.path == "/keys":
                    issuer.fetches += 1
                    jwk = json.loads(RSAAlgorithm.to_jwk(issuer.key.public_key()))
                    key = {**jwk, "kid": issuer.kid, "use": "sig", "alg": "RS256"}
                    self._json(200, {"keys": [key]})
                elif parts.path == "/authorize":
                    self._send(*issuer._authorize(query))
                elif parts.path == "/logout":
                    issuer.calls.append({"endpoint": "logout", **query})
                    back = query.get("post_logout_redirect_uri")
                    if back:
                        self._send(302, {"Location": back}, "")
                    else:
                        self._send(200, {"Content-Type": "text/plain"}, "signed out")
                else:
                    self._send(404, {}, "")

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/authorize":
                    self._send(*issuer._authorize(self._form()))
                elif parts.path == "/token":
                    self._json(*issuer.grant(self._form()))
                else:
                    self._send(404, {}, "")

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
