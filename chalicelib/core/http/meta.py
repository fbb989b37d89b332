"""The OpenAPI document, built from the routes as they are registered."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.core.domain import schemas
from chalicelib.core.http.base import WEBHOOKS, RouteDoc, api, json_response, routes_on

bp = Blueprint(__name__)

VERSION = "0.1.0"
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No content",
    301: "Moved permanently",
}


def _schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != "$id"}


def _problem(description: str, content_type: str = "application/problem+json") -> dict[str, Any]:
    schema = (
        {"$ref": "#/components/schemas/Problem"}
        if content_type == "application/problem+json"
        else {"type": "string"}
    )
    return {"description": description, "content": {content_type: {"schema": schema}}}


def _operation_id(route: RouteDoc) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", route.path.lower()).strip("_")
    return f"{route.method.lower()}_{slug}"


def _operation(route: RouteDoc) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    params += [dict(p) for p in route.query] + [dict(p) for p in route.headers]
    responses: dict[str, Any] = {}
    for status, body in route.responses.items():
        entry: dict[str, Any] = {"description": _STATUS_TEXT.get(status, "OK")}
        if body is not None:
            media = route.media if status == 200 and route.media else {route.content_type: body}
            entry["content"] = {kind: {"schema": _schema(schema)} for kind, schema in media.items()}
        responses[str(status)] = entry
    errors = route.error_type
    takes_input = route.request is not None or route.query or route.headers or "{" in route.path
    if takes_input or route.accepts != ("application/json", "text/plain"):
        responses["400"] = _problem("Invalid request: `errors` names each field at fault", errors)
    if route.roles is not None:
        responses["401"] = _problem("Missing, invalid or expired token")
        responses["403"] = _problem("The caller's role may not make this call")
    elif any(str(h.get("name", "")).lower().endswith("-signature") for h in route.headers):
        responses["401"] = _problem("Missing, bad or stale signature")
    if "{" in route.path or route.request is not None:
        responses["404"] = _problem("No such resource, or the caller may not see it", errors)
    if route.method != "GET":
        responses["409"] = _problem("The resource's state refuses the call", errors)
        responses["413"] = _problem("The body is larger than the call takes", errors)
        responses["415"] = _problem("The body's media type is not one the call takes")
    if route.headers and route.method != "GET":
        # A key (Idempotency-Key, a signed delivery's id) used again with another body
        responses["422"] = _problem("The Idempotency-Key was used with another body")
    responses["429"] = _problem(
        "Too many requests: the API's throttle, or a citizen's submission limits "
        "(`Retry-After` says when to try again)"
    )
    responses["503"] = _problem(
        "A store or service is unavailable: try again after `Retry-After` seconds", errors
    )
    op: dict[str, Any] = {
        "summary": route.summary,
        "operationId": _operation_id(route),
        "tags": [route.tag] if route.tag else [],
        "parameters": params,
        "responses": responses,
    }
    if route.roles is not None:
        op["security"] = [{"cognito": []}]
        op["x-roles"] = [r.value for r in route.roles]
    else:
        op["security"] = []
    if route.request is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(route.request)}},
        }
    op.update(route.openapi)
    return op


def _preflight(path: str) -> dict[str, Any]:
    """The CORS preflight every path answers (``core/http/cors.py``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")
    return {
        "operationId": f"options_{slug}" if slug else "options_root",
        "summary": "CORS preflight: 204 with the methods and headers allowed for an origin "
        "listed in MINSHENG_CORS_ORIGINS, else 403",
        "tags": ["meta"],
        "parameters": [
            *(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in re.findall(r"{(\w+)}", path)
            ),
            {"name": "Origin", "in": "header", "required": True, "schema": {"type": "string"}},
            {
                "name": "Access-Control-Request-Method",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
            },
        ],
        "responses": {
            "204": {"description": "The origin may make the request"},
            "403": _problem("The origin is not listed, or the path has no such method"),
        },
    }


def openapi_document() -> dict[str, Any]:
    """The document of the routes this deployment has on (``MINSHENG_FEATURES``)."""
    from chalicelib.core.config import settings

    cfg = settings()
    return _document(cfg.features, cfg.has_user_pool)


@lru_cache(maxsize=4)
def _document(_features: frozenset[str], _user_pool: bool = True) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for route in routes_on():
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    for path, operations in paths.items():
        operations["options"] = _preflight(path)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Minsheng citizen appeals API",
            "version": VERSION,
            "description": (
                "JSON over HTTPS, UTF-8. Times are ISO 8601 with offset (Asia/Shanghai). "
                "Errors are application/problem+json. Lists page with `cursor` and `limit`: "
                "pass `next_cursor` back as `cursor` until it is null. A filtered list reads "
                "a bounded number of items per request, so a page may hold fewer than "
                "`limit` items, even none, and still carry a `next_cursor`."
            ),
        },
        "components": {
            "securitySchemes": {
                "cognito": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "Cognito ID token (JWT)",
                }
            },
            "schemas": {"Problem": schemas.PROBLEM},
        },
        "paths": dict(sorted(paths.items())),
        "webhooks": {name: dict(item) for name, item in sorted(WEBHOOKS.items())},
    }


@api(
    bp,
    "/openapi.json",
    "GET",
    summary="This document",
    roles=None,
    tag="meta",
    responses={200: {"type": "object"}},
)
def openapi(_principal: None) -> Response:
    return json_response(openapi_document())
