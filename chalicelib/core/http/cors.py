"""Cross-origin calls (CORS) from the front ends a district runs elsewhere: its own app
shell, a separate H5 domain. The API's own pages (the portal, the console, the dashboard)
are on its origin and need none of this. ``MINSHENG_CORS_ORIGINS`` lists the origins
allowed, none by default: an answer names the caller's origin only when it is listed, and
every path answers the browser's preflight (OPTIONS), which API Gateway passes to the
function like any other method.

Tokens travel in the ``Authorization`` header, never in cookies: no credentials mode."""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Blueprint, Request, Response

from chalicelib.core.config import settings
from chalicelib.core.errors import Forbidden

# What a cross-origin page may send and read beyond the CORS-safelisted headers.
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key"
EXPOSED_HEADERS = "Location, Retry-After, Idempotent-Replayed"
# How long a browser may keep a preflight's answer (seconds; Chromium caps it at 7,200).
MAX_AGE = "600"


def allowed(origin: str | None) -> bool:
    return bool(origin) and origin in settings().cors_origins


def _vary(headers: dict[str, str | list[str]]) -> None:
    present = next((k for k in headers if k.lower() == "vary"), None)
    if present is None:
        headers["Vary"] = "Origin"
    elif "origin" not in str(headers[present]).lower():
        headers[present] = f"{headers[present]}, Origin"


def answer(request: Request, response: Response) -> Response:
    """Every answer, once the origins are set: ``Vary: Origin`` (shared caches keep one
    copy per origin) and, for a listed origin, the headers that let its page read it."""
    if not settings().cors_origins:
        return response
    headers = dict(response.headers or {})
    _vary(headers)
    origin = request.headers.get("origin")
    if allowed(origin) and request.method != "OPTIONS":
        headers["Access-Control-Allow-Origin"] = str(origin)
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.headers = headers
    return response


def preflight_answer(request: Request, methods: list[str]) -> Response:
    """The answer to one preflight: 204 with what the listed origin may do on the path,
    or 403 problem+json (an origin not listed, a method the path does not have)."""
    from chalicelib.core.http.base import problem

    origin = request.headers.get("origin")
    wanted = str(request.headers.get("access-control-request-method") or "").upper()
    if not allowed(origin):
        return problem(Forbidden("this origin may not call the API from a browser"))
    if wanted not in methods:
        return problem(Forbidden(f"{wanted or 'no method'} is not a method of this path"))
    return Response(
        body="",
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": str(origin),
            "Access-Control-Allow-Methods": ", ".join(methods),
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": MAX_AGE,
            "Vary": "Origin",
            "Cache-Control": "no-store",
        },
    )


def path_methods() -> dict[str, list[str]]:
    """Each documented path and its methods, as the route registry has them now."""
    from chalicelib.core.http.base import ROUTES

    paths: dict[str, list[str]] = {}
    for route in ROUTES:
        methods = paths.setdefault(route.path, [])
        if route.method not in methods:
            methods.append(route.method)
    return paths


def _preflight_view(bp: Blueprint, methods: list[str]) -> Callable[..., Response]:
    def preflight(**_params: str) -> Response:
        return preflight_answer(bp.current_request, methods)

    return preflight


def preflight_blueprint(paths: dict[str, list[str]] | None = None) -> Blueprint:
    """An OPTIONS route on each of ``paths`` (path -> its methods; by default every path
    registered so far: then call it after every other blueprint's module is imported)."""
    bp = Blueprint(__name__)
    for path, methods in (path_methods() if paths is None else paths).items():
        preflight = _preflight_view(bp, sorted(methods))
        name = "preflight_" + "".join(c if c.isalnum() else "_" for c in path).strip("_")
        preflight.__name__ = preflight.__qualname__ = name or "preflight_root"
        bp.route(path, methods=["OPTIONS"])(preflight)
    return bp
