"""The work console (工作台) for staff: a static page with its script (an ES module that
imports its helpers from ``lib/`` and its views from ``views/``), style and vendored
libraries, served by the app itself, and the little it needs to know to sign people in.
Everything the console does goes through the public API."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.config import settings
from chalicelib.core.http.base import api, json_response
from chalicelib.core.http.pages import Site, bucket_origins, cognito_endpoint, media_of, origin

bp = Blueprint(__name__)

ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
VENDOR = {
    "htm-preact.js": "text/javascript; charset=utf-8",
    "LICENSE-htm.txt": "text/plain; charset=utf-8",
    "LICENSE-preact.txt": "text/plain; charset=utf-8",
    "uqr.js": "text/javascript; charset=utf-8",
    "LICENSE-uqr.txt": "text/plain; charset=utf-8",
}

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "region": {"type": "string"},
        "user_pool_client_id": {"type": "string"},
        "cognito_endpoint": {"type": "string"},
        "mfa_roles": {"type": "array", "items": {"type": "string"}},
        "accounts": {"type": "boolean"},
        "features": {"type": "array", "items": {"type": "string"}},
        "oidc": {
            "type": ["object", "null"],
            "properties": {
                "issuer": {"type": "string"},
                "client_id": {"type": "string"},
                "groups_claim": {"type": "string"},
                "department_claim": {"type": "string"},
            },
        },
    },
}


def sign_on() -> dict[str, str] | None:
    """The external issuer the console signs staff in at (authorization code with PKCE),
    when the stack names one and the console's client there."""
    oidc = settings().oidc
    if oidc is None or not oidc.client_id:
        return None
    return {
        "issuer": oidc.issuer,
        "client_id": oidc.client_id,
        "groups_claim": oidc.groups_claim,
        "department_claim": oidc.department_claim,
    }


def policy() -> str:
    """The page runs only its own scripts; it talks to the API (its own origin), the
    user pool and the district's sign-on issuer when it has one (its discovery document
    and token endpoint), and shows photos from the media bucket's presigned URLs."""
    cognito = origin(cognito_endpoint())
    issuer = sign_on()
    if issuer is not None:
        cognito = f"{cognito} {origin(issuer['issuer'])}"
    images = bucket_origins()
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: {images}; connect-src 'self' {cognito}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


SITE = Site("chalicelib.static.console", ASSETS, VENDOR, policy)


@api(
    bp,
    "/console",
    "GET",
    roles=None,
    tag="console",
    summary="The staff work console (HTML); /console redirects to /console/ so that the "
    "page's relative links resolve",
    content_type="text/html",
    responses={200: {"type": "string"}, 301: None},
)
def console(_principal: None) -> Response:
    return SITE.index(bp.current_request, "console/")


@api(
    bp,
    "/console/{asset}",
    "GET",
    roles=None,
    tag="console",
    summary="The console's script and style, and `config.json`: the user pool's app "
    "client and sign-in endpoint",
    content_type="text/plain",
    responses={200: {"type": "string"}},
    media={**media_of(ASSETS), "application/json": CONFIG_SCHEMA},
)
def console_asset(_principal: None, asset: str) -> Response:
    if asset == "config.json":
        cfg = settings()
        return json_response(
            {
                "region": cfg.region,
                "user_pool_client_id": cfg.user_pool_client_id,
                "cognito_endpoint": cognito_endpoint(),
                # The roles that must set up an authenticator app (the others may).
                "mfa_roles": sorted(cfg.mfa_roles),
                # The district's sign-on, when the console signs in there (else null).
                "oidc": sign_on(),
                # Whether staff accounts are the stack's (its user pool): the accounts view.
                "accounts": cfg.has_user_pool,
                # The optional parts that are on (MINSHENG_FEATURES): their views.
                "features": sorted(cfg.features),
            },
            headers={"Cache-Control": "no-cache"},
        )
    return SITE.asset(asset)


@api(
    bp,
    "/console/vendor/{asset}",
    "GET",
    roles=None,
    tag="console",
    summary="The console's vendored libraries (Preact with htm, uqr) and their licences",
    content_type="text/plain",
    responses={200: {"type": "string"}},
    media=media_of(VENDOR),
)
def console_vendor(_principal: None, asset: str) -> Response:
    return SITE.vendored(asset)


@api(
    bp,
    "/console/lib/{asset}",
    "GET",
    roles=None,
    tag="console",
    summary="The script's shared modules (the API client, the session, formatting, problems, "
    "highlights…)",
    content_type="text/javascript",
    responses={200: {"type": "string"}},
)
def console_lib(_principal: None, asset: str) -> Response:
    return SITE.module("lib", asset)


@api(
    bp,
    "/console/views/{asset}",
    "GET",
    roles=None,
    tag="console",
    summary="The script's views, one module each (queue, appeal, knowledge base, figures…)",
    content_type="text/javascript",
    responses={200: {"type": "string"}},
)
def console_views(_principal: None, asset: str) -> Response:
    return SITE.module("views", asset)
