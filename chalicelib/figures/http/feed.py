"""In public: the feed of public appeals and one appeal's page, citizens' 附议, the daily
volume for the chart, and the dashboard page with its assets (served by the app itself:
nothing from elsewhere)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import NotFound
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    LIMIT_PARAM,
    api,
    json_response,
    page_params,
    static_page,
    static_text,
)
from chalicelib.figures.services import feed as public_feed
from chalicelib.figures.services import rankings

bp = Blueprint(__name__)
CACHE = {"Cache-Control": "public, max-age=60"}
# The page runs only its own script and style; user text is inserted as text.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
FEED_ITEM = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "kind": {"type": "string"},
        "category": {"type": ["string", "null"]},
        "state": {"type": "string"},
        "department_id": {"type": ["string", "null"]},
        "department": {"type": ["string", "null"]},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "replied": {"type": "boolean"},
        "supporters": {"type": "integer"},
    },
}
SUPPORT = {
    "type": "object",
    "properties": {
        "appeal_id": {"type": "string"},
        "supporting": {"type": "boolean"},
        "supporters": {"type": "integer"},
    },
}


def _asset(name: str) -> str:
    return static_text("chalicelib.static.dashboard", name)


def _page(body: str, content_type: str) -> Response:
    return static_page(body, content_type, CSP)


@api(
    bp,
    "/public/appeals",
    "GET",
    roles=None,
    tag="public",
    summary="Public appeals (一网晒单), newest first: masked text, the department, supporters",
    query=(
        {"name": "category", "in": "query", "schema": {"type": "string"}},
        {"name": "department_id", "in": "query", "schema": {"type": "string"}},
        {"name": "state", "in": "query", "schema": {"type": "string"}},
        {"name": "replied", "in": "query", "schema": {"type": "boolean"}},
        LIMIT_PARAM,
        CURSOR_PARAM,
    ),
    responses={200: schemas.listing(FEED_ITEM)},
)
def public_appeals(_principal: None) -> Response:
    limit, cursor = page_params(bp.current_request)
    params = dict(bp.current_request.query_params or {})
    return json_response(public_feed.feed(params, limit, cursor), headers=CACHE)


@api(
    bp,
    "/public/appeals/{appeal_id}",
    "GET",
    roles=None,
    tag="public",
    summary="One public appeal: masked text, coarse location, the department, the public "
    "reply and steps, the rating's score; 404 for anything not public",
    responses={200: schemas.APPEAL},
)
def public_appeal(_principal: None, appeal_id: str) -> Response:
    return json_response(public_feed.detail(appeal_id), headers=CACHE)


@api(
    bp,
    "/appeals/{appeal_id}/support",
    "PUT",
    roles=(Role.CITIZEN,),
    tag="citizen",
    summary="附议: support a public appeal (once; a repeat changes nothing)",
    responses={200: SUPPORT},
)
def support(principal: Principal, appeal_id: str) -> Response:
    return json_response(public_feed.support(principal, appeal_id))


@api(
    bp,
    "/appeals/{appeal_id}/support",
    "DELETE",
    roles=(Role.CITIZEN,),
    tag="citizen",
    summary="Withdraw one's support",
    responses={200: SUPPORT},
)
def withdraw_support(principal: Principal, appeal_id: str) -> Response:
    return json_response(public_feed.withdraw(principal, appeal_id))


@api(
    bp,
    "/public/daily-volume",
    "GET",
    roles=None,
    tag="public",
    summary="Appeals received and replied on each day of a month so far",
    query=({"name": "month", "in": "query", "schema": {"type": "string"}},),
    responses={200: {"type": "object"}},
)
def daily_volume(_principal: None) -> Response:
    params = dict(bp.current_request.query_params or {})
    return json_response(rankings.daily_volume(params.get("month")), headers=CACHE)


@api(
    bp,
    "/",
    "GET",
    roles=None,
    tag="public",
    summary="The public dashboard (HTML)",
    content_type="text/html",
    responses={200: {"type": "string"}},
)
def dashboard(_principal: None) -> Response:
    return _page(_asset("index.html"), "text/html; charset=utf-8")


@api(
    bp,
    "/dashboard/{asset}",
    "GET",
    roles=None,
    tag="public",
    summary="The dashboard's script and style",
    content_type="text/plain",
    responses={200: {"type": "string"}},
    media={kind.partition(";")[0]: {"type": "string"} for kind in ASSETS.values()},
)
def dashboard_asset(_principal: None, asset: str) -> Response:
    if asset not in ASSETS:
        raise NotFound(f"no asset {asset}")
    return _page(_asset(asset), ASSETS[asset])
