"""The citizens' web portal (网上留言, PC and H5: the ``web`` channel): one static page
with its script (an ES module that imports its helpers from ``lib/`` and its views from
``views/``), style and vendored library, served by the app itself, and the little it
needs to know to sign citizens up and in. Everything the portal does goes through the
public API, as the mobile app does, and the user pool's own endpoint."""

from __future__ import annotations

import functools
import re
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.core.config import settings
from chalicelib.core.errors import NotFound
from chalicelib.core.http.base import api, json_response, static_page, static_text

bp = Blueprint(__name__)

PACKAGE = "chalicelib.static.portal"
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
VENDOR = {
    "htm-preact.js": "text/javascript; charset=utf-8",
    "LICENSE-htm.txt": "text/plain; charset=utf-8",
    "LICENSE-preact.txt": "text/plain; charset=utf-8",
    "SOURCES.txt": "text/plain; charset=utf-8",
}
# The script's module folders; what they serve is the files shipped in them whose names
# are lower-case letters, digits and hyphens ending in .js (never __init__.py, never a path).
MODULES = {"lib": f"{PACKAGE}.lib", "views": f"{PACKAGE}.views"}
MODULE_NAME = re.compile(r"[a-z0-9-]+\.js")
SCRIPT = "text/javascript; charset=utf-8"
HTML = "text/html; charset=utf-8"

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "region": {"type": "string"},
        "user_pool_client_id": {"type": "string"},
        "cognito_endpoint": {"type": "string"},
        "max_photos": {"type": "integer"},
        "upload_max_bytes": {"type": "integer"},
        "accounts": {"type": "boolean"},
    },
}
# As many photos as an appeal holds (``media``, core/domain/schemas.py).
MAX_PHOTOS = 9


def _media_of(assets: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {kind.partition(";")[0]: {"type": "string"} for kind in assets.values()}


def cognito_endpoint() -> str:
    """Where browsers sign up and in: the user pool's regional endpoint, or the local
    stack's."""
    cfg = settings()
    if cfg.aws_endpoint:
        return cfg.aws_endpoint.rstrip("/") + "/"
    return f"https://cognito-idp.{cfg.region}.amazonaws.com/"


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _bucket_origins() -> str:
    cfg = settings()
    if cfg.aws_endpoint:
        return _origin(cfg.aws_endpoint)
    bucket = cfg.media_bucket
    return f"https://{bucket}.s3.{cfg.region}.amazonaws.com https://{bucket}.s3.amazonaws.com"


def policy() -> str:
    """The page runs only its own scripts and style; it talks to the API (its own origin),
    the user pool and the media bucket (the presigned upload of each photo), and shows
    photos from the bucket's presigned URLs and the ones the citizen picked (``blob:``)."""
    cognito = _origin(cognito_endpoint())
    bucket = _bucket_origins()
    connect = " ".join(dict.fromkeys(["'self'", cognito, *bucket.split()]))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob: {bucket}; connect-src {connect}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _page(body: str, content_type: str) -> Response:
    return static_page(body, content_type, policy())


@functools.cache
def modules(folder: str) -> frozenset[str]:
    """The ES modules one of the script's folders ships, listed once per instance."""
    from importlib import resources

    return frozenset(
        entry.name
        for entry in resources.files(MODULES[folder]).iterdir()
        if MODULE_NAME.fullmatch(entry.name) and entry.is_file()
    )


def _module(folder: str, asset: str) -> Response:
    if asset not in modules(folder):
        raise NotFound(f"no asset {folder}/{asset}")
    return _page(static_text(MODULES[folder], asset), SCRIPT)


@api(
    bp,
    "/portal",
    "GET",
    roles=None,
    tag="portal",
    summary="The citizens' web portal (HTML, PC and phone); /portal redirects to /portal/ so "
    "that the page's relative links resolve",
    content_type="text/html",
    responses={200: {"type": "string"}, 301: None},
)
def portal(_principal: None) -> Response:
    path = str((bp.current_request.context or {}).get("path") or "")
    if not path.endswith("/"):
        return Response(body="", status_code=301, headers={"Location": "portal/"})
    return _page(static_text(PACKAGE, "index.html"), HTML)


@api(
    bp,
    "/portal/{asset}",
    "GET",
    roles=None,
    tag="portal",
    summary="The portal's script and style, and `config.json`: the user pool's app client "
    "and endpoint, and the photo limits",
    content_type="text/plain",
    responses={200: {"type": "string"}},
    media={**_media_of(ASSETS), "application/json": CONFIG_SCHEMA},
)
def portal_asset(_principal: None, asset: str) -> Response:
    if asset == "config.json":
        cfg = settings()
        return json_response(
            {
                "region": cfg.region,
                "user_pool_client_id": cfg.user_pool_client_id,
                "cognito_endpoint": cognito_endpoint(),
                "max_photos": MAX_PHOTOS,
                "upload_max_bytes": cfg.upload_max_bytes,
                # Whether citizens sign in here (at the stack's user pool); without one
                # the portal shows the public board alone.
                "accounts": cfg.has_user_pool,
            },
            headers={"Cache-Control": "no-cache"},
        )
    if asset not in ASSETS:
        raise NotFound(f"no asset {asset}")
    return _page(static_text(PACKAGE, asset), ASSETS[asset])


@api(
    bp,
    "/portal/vendor/{asset}",
    "GET",
    roles=None,
    tag="portal",
    summary="The portal's vendored library (Preact with htm), its licences and sources",
    content_type="text/plain",
    responses={200: {"type": "string"}},
    media=_media_of(VENDOR),
)
def portal_vendor(_principal: None, asset: str) -> Response:
    if asset not in VENDOR:
        raise NotFound(f"no asset {asset}")
    return _page(static_text(f"{PACKAGE}.vendor", asset), VENDOR[asset])


@api(
    bp,
    "/portal/lib/{asset}",
    "GET",
    roles=None,
    tag="portal",
    summary="The portal script's shared modules (the API client, the session, words, "
    "problems, photos…)",
    content_type="text/javascript",
    responses={200: {"type": "string"}},
)
def portal_lib(_principal: None, asset: str) -> Response:
    return _module("lib", asset)


@api(
    bp,
    "/portal/views/{asset}",
    "GET",
    roles=None,
    tag="portal",
    summary="The portal script's views, one module each (sign-in, the form, my appeals, the "
    "public board…)",
    content_type="text/javascript",
    responses={200: {"type": "string"}},
)
def portal_views(_principal: None, asset: str) -> Response:
    return _module("views", asset)
