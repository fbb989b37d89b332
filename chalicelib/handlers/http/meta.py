"""The OpenAPI document, built from the routes as they are registered."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.domain import schemas
from chalicelib.handlers.http.base import ROUTES, RouteDoc, api, json_response

bp = Blueprint(__name__)

VERSION = "0.1.0"
_STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}


def _schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != "$id"}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


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
            entry["content"] = {route.content_type: {"schema": _schema(body)}}
        responses[str(status)] = entry
    if route.request is not None or route.query:
        responses["400"] = _problem("Invalid request: `errors` names each field at fault")
    if route.roles is not None:
        responses["401"] = _problem("Missing, invalid or expired token")
        responses["403"] = _problem("The caller's role may not make this call")
    if "{" in route.path:
        responses["404"] = _problem("No such resource, or the caller may not see it")
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


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
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
