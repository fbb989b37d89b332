"""The WeChat official account's server URL (服务器配置): ``GET /wechat`` answers WeChat's
check of the URL, ``POST /wechat`` receives the followers' messages. No login: every
request carries WeChat's signature of the account's token instead. Success is answered as
WeChat expects it (plain text, XML); refusals are problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.channels.wechat.domain import wechat as protocol
from chalicelib.channels.wechat.services import wechat
from chalicelib.core.errors import DomainError, ValidationFailed
from chalicelib.core.http.base import ROUTES, RouteDoc, problem
from chalicelib.core.observability import logger

bp = Blueprint(__name__)
PATH = "/wechat"
# WeChat posts text/xml; whatever else comes is read the same way (the signature decides).
ACCEPTED_TYPES = [
    "text/xml",
    "application/xml",
    "text/plain",
    "application/json",
    "application/octet-stream",
]
XML_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/xml; charset=utf-8"}
TEXT_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
}

# --- OpenAPI ------------------------------------------------------------------------------

_SIGNED = [
    {
        "name": "signature",
        "in": "query",
        "required": True,
        "schema": {"type": "string"},
        "description": "SHA-1 of the token, timestamp and nonce, sorted and joined, as 40 "
        "lowercase hex characters (anything else is a wrong signature).",
    },
    {
        "name": "timestamp",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "pattern": r"^\d+$"},
        "description": f"Unix seconds; at most {protocol.TOLERANCE_SECONDS} s from the clock.",
    },
    {"name": "nonce", "in": "query", "required": True, "schema": {"type": "string"}},
]


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def _doc(method: str, summary: str, operation: dict[str, Any]) -> None:
    operation["responses"].update(
        {
            "403": _problem("Missing or wrong signature, or a timestamp out of the window"),
            "503": _problem("The account's settings cannot be read now"),
        }
    )
    ROUTES.append(
        RouteDoc(
            PATH,
            method,
            summary,
            None,
            tag="wechat",
            openapi={"security": [], **operation},
            feature="wechat",
        )
    )


_doc(
    "GET",
    "WeChat checks the server URL: the signed echostr is answered back",
    {
        "parameters": [
            *_SIGNED,
            {"name": "echostr", "in": "query", "required": True, "schema": {"type": "string"}},
        ],
        "responses": {
            "200": {
                "description": "echostr, as sent",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            "400": _problem("No echostr"),
        },
    },
)
_doc(
    "POST",
    "A follower's message (plain or compatible mode): a text becomes an appeal, 查询 asks "
    "for the latest one's state; answered with a passive text reply",
    {
        "parameters": [
            *_SIGNED,
            {"name": "openid", "in": "query", "schema": {"type": "string"}},
            {
                "name": "encrypt_type",
                "in": "query",
                "schema": {"type": "string"},
                "description": "aes (compatible mode) is read from the plain fields; a "
                "safe-mode message (only Encrypt) is refused with 400.",
            },
            {"name": "msg_signature", "in": "query", "schema": {"type": "string"}},
        ],
        "requestBody": {
            "required": True,
            "content": {"text/xml": {"schema": {"type": "string"}}},
        },
        "responses": {
            "200": {
                "description": "The passive reply (<xml> with MsgType text), or success",
                "content": {"application/xml": {"schema": {"type": "string"}}},
            },
            "400": _problem("Not a readable WeChat message (XML, DTDs and entities refused)"),
            "413": _problem(f"A body larger than {protocol.MAX_BODY_BYTES} bytes"),
        },
    },
)

# --- views --------------------------------------------------------------------------------


def _guarded(view: Callable[[], Response]) -> Callable[[], Response]:
    def run() -> Response:
        try:
            return view()
        except DomainError as error:
            if error.status >= 500:
                logger.exception("wechat request failed")
            return problem(error)
        except Exception:
            logger.exception("unhandled error", extra={"path": PATH})
            return problem(DomainError("The request could not be completed."))

    run.__name__ = run.__qualname__ = f"wechat_{view.__name__}"
    return run


def _params() -> dict[str, str]:
    return dict(bp.current_request.query_params or {})


def check_url() -> Response:
    params = _params()
    wechat.verified_account(params, "GET")
    echo = params.get("echostr")
    if not echo:
        raise ValidationFailed.one("echostr", "is required")
    return Response(body=echo, status_code=200, headers=TEXT_HEADERS)


def receive() -> Response:
    request = bp.current_request
    params = _params()
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    account = wechat.verified_account(params, "POST", raw)
    reply = wechat.reply_to(account, raw, bp.lambda_context)
    if reply == "success":
        return Response(body=reply, status_code=200, headers=TEXT_HEADERS)
    return Response(body=reply, status_code=200, headers=XML_HEADERS)


bp.route(PATH, methods=["GET"], content_types=ACCEPTED_TYPES)(_guarded(check_url))
bp.route(PATH, methods=["POST"], content_types=ACCEPTED_TYPES)(_guarded(receive))
