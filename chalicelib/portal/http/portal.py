"""The citizens' web portal (网上留言, PC and H5: the ``web`` channel): one static page
with its script (an ES module that imports its helpers from ``lib/`` and its views from
``views/``), style and vendored library, served by the app itself, and the little it
needs to know to sign citizens up and in. Everything the portal does goes through the
public API, as the mobile app does, and the user pool's own endpoint."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.config import settings
from chalicelib.core.http.base import api, json_response
from chalicelib.core.http.pages import Site, bucket_origins, cognito_endpoint, media_of, origin

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


def policy() -> str:
    """The page runs only its own scripts and style; it talks to the API (its own origin),
    the user pool and the media bucket (the presigned upload of each photo), and shows
    photos from the bucket's presigned URLs and the ones the citizen picked (``blob:``)."""
    cognito = origin(cognito_endpoint())
    bucket = bucket_origins()
    connect = " ".join(dict.fromkeys(["'self'", cognito, *bucket.split()]))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob: {bucket}; connect-src {connect}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


SITE = Site(PACKAGE, ASSETS, VENDOR, policy)


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
    return SITE.index(bp.current_request, "portal/")


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
    media={**media_of(ASSETS), "application/json": CONFIG_SCHEMA},
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
    return SITE.asset(asset)


@api(
    bp,
    "/portal/vendor/{asset}",
    "GET",
    roles=None,
    tag="portal",
    summary="The portal's vendored library (Preact with htm), its licences and sources",
    content_type="text/plain",
    responses={200: {"type": "string"}},
    media=media_of(VENDOR),
)
def portal_vendor(_principal: None, asset: str) -> Response:
    return SITE.vendored(asset)


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
    return SITE.module("lib", asset)


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
    return SITE.module("views", asset)
