"""What every HTTP handler shares: authentication, JSON in, JSON or problem+json out, and
the route registry the OpenAPI document is built from."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import field
from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib.core.domain.appeal import Appeal
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.records import mutable
from chalicelib.core.domain.validation import CONTROL_CHARACTERS
from chalicelib.core.errors import (
    DomainError,
    FeatureOff,
    Forbidden,
    PayloadTooLarge,
    Unauthenticated,
    ValidationFailed,
)
from chalicelib.core.observability import logger, metrics

PROBLEM_TYPE_BASE = "urn:minsheng:problem:"
MAX_BODY_BYTES = 64 * 1024


@mutable
class RouteDoc:
    """What the OpenAPI document and the authorization matrix say of one route."""

    path: str
    method: str
    summary: str
    roles: tuple[Role, ...] | None  # None: public
    request: dict[str, Any] | None = None
    responses: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    query: tuple[dict[str, Any], ...] = ()
    headers: tuple[dict[str, Any], ...] = ()
    tag: str = ""
    content_type: str = "application/json"
    # The media types the route takes, and what its errors are (the SMS page answers its
    # errors as pages).
    accepts: tuple[str, ...] = ("application/json", "text/plain")
    error_type: str = "application/problem+json"
    # Merged over the generated OpenAPI operation (routes whose bodies or errors are not
    # JSON and problem+json, such as Open311's).
    openapi: dict[str, Any] = field(default_factory=dict)
    # A 200 answered in several media types (a static asset: a script, a style sheet, a
    # JSON file): each with its schema, instead of ``content_type`` and the 200's schema.
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The optional part the route belongs to (``config.FEATURES``); None: the core. A part
    # that is off answers its routes 404 ``feature-off`` and leaves them out of the document.
    feature: str | None = None


ROUTES: list[RouteDoc] = []
# The OpenAPI document's ``webhooks``: what the platform POSTs to integrators, by event
# type (a capability's http module registers its own; the core knows none of them).
WEBHOOKS: dict[str, dict[str, Any]] = {}


def all_routes() -> list[RouteDoc]:
    """Every route's documentation: every blueprint's module imported first (the app
    imports a route's module on its first request, chalicelib/core/http/lazy.py)."""
    from chalicelib.core.http.lazy import load_all

    load_all()
    return ROUTES


def routes_on() -> list[RouteDoc]:
    """The routes of the parts this deployment has on."""
    from chalicelib.core.config import settings

    cfg = settings()
    return [r for r in all_routes() if r.feature is None or cfg.feature_on(r.feature)]


@functools.cache
def _route_features() -> dict[tuple[str, str], str]:
    """From the blueprints' manifest: no route's module need be imported to answer."""
    from chalicelib.core.http.lazy import route_features

    return route_features()


def feature_gate(request: Request) -> Response | None:
    """The answer to a route of a part that is off (``MINSHENG_FEATURES``), before anything
    else runs; None for every other route."""
    from chalicelib.core.config import settings

    context = request.context or {}
    feature = _route_features().get((str(context.get("resourcePath", "")), request.method))
    if feature is None or settings().feature_on(feature):
        return None
    from chalicelib.core.config import ACCOUNTS_FEATURE

    if feature == ACCOUNTS_FEATURE:
        why = "this stack has no user pool: staff accounts are kept at its sign-on issuer"
    else:
        why = f"this deployment leaves out the {feature} part (MINSHENG_FEATURES)"
    return problem(FeatureOff(why, feature=feature))


LIMIT_PARAM = {
    "name": "limit",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
}
CURSOR_PARAM = {"name": "cursor", "in": "query", "schema": {"type": "string"}}
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "schema": {"type": "string", "maxLength": 128},
    "description": "A repeat with the same key returns the first response and has no effect.",
}


def problem(error: DomainError) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.type_slug,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
    }
    if isinstance(error, ValidationFailed):
        body["errors"] = error.errors
    body.update({k: v for k, v in error.extra.items() if k not in body})
    headers: dict[str, str | list[str]] = {"Content-Type": "application/problem+json"}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="minsheng"'
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return Response(
        body=json.dumps(body, ensure_ascii=False), status_code=error.status, headers=headers
    )


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def authenticate(request: Request) -> Principal:
    from chalicelib.core.integrations.tokens import verify_id_token
    from chalicelib.core.services.owners import phone_owner

    header = str(request.headers.get("authorization") or "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("an Authorization: Bearer <ID token> header is required")
    from chalicelib.core.config import settings
    from chalicelib.core.services.accounts import admit

    claims = verify_id_token(token.strip())
    oidc = settings().oidc
    if oidc is not None and claims.get("iss") == oidc.issuer:
        # The district's own sign-on: its groups and department are the account; it
        # disables, signs out and asks for a second factor itself.
        return Principal.from_claims(
            claims,
            phone_owner=phone_owner,
            groups_claim=oidc.groups_claim,
            department_claim=oidc.department_claim,
        )
    return admit(Principal.from_claims(claims, phone_owner=phone_owner), claims)


def read_json(request: Request, max_bytes: int = MAX_BODY_BYTES) -> Any:
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"the body must be at most {max_bytes} bytes", field="body")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed.one("body", "is not valid JSON") from exc
    except RecursionError as exc:
        raise ValidationFailed.one("body", "is nested too deeply") from exc
    _check_text(body, "")
    return body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_CONTROL = re.compile(CONTROL_CHARACTERS)


def _check_text(value: Any, where: str) -> None:
    """Strings must be real Unicode text (a lone surrogate cannot be stored or shown) with
    no control characters."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationFailed.one(where or "body", "is not valid Unicode text") from exc
        if _CONTROL.search(value):
            raise ValidationFailed.one(where or "body", "contains a control character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where or "body")
            _check_text(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{where}[{index}]")


def page_params(request: Request) -> tuple[int, str | None]:
    params: dict[str, str] = dict(request.query_params or {})
    raw = params.get("limit", "20")
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        raise ValidationFailed.one("limit", "must be an integer from 1 to 100")
    cursor = params.get("cursor") or None
    return limit, cursor


def api(
    bp: Blueprint,
    path: str,
    method: str,
    *,
    summary: str,
    roles: tuple[Role, ...] | None,
    tag: str,
    request: dict[str, Any] | None = None,
    responses: dict[int, dict[str, Any] | None] | None = None,
    query: tuple[dict[str, Any], ...] = (),
    headers: tuple[dict[str, Any], ...] = (),
    content_type: str = "application/json",
    accepts: tuple[str, ...] = ("application/json", "text/plain"),
    error_type: str = "application/problem+json",
    media: dict[str, dict[str, Any]] | None = None,
    openapi: dict[str, Any] | None = None,
    feature: str | None = None,
) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register a route with its documentation. The view receives the verified principal
    (None on public routes) and its URL parameters; domain errors become problem+json.
    ``accepts`` are the request media types the route takes (Chalice answers 415 to
    others)."""
    ROUTES.append(
        RouteDoc(
            path,
            method,
            summary,
            roles,
            request,
            responses or {},
            query,
            headers,
            tag,
            content_type,
            accepts,
            error_type,
            openapi or {},
            media=dict(media or {}),
            feature=feature,
        )
    )

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def run(**params: Any) -> Response:
            try:
                principal = None
                if roles is not None:
                    principal = authenticate(bp.current_request)
                    if principal.role not in roles:
                        raise Forbidden(f"this call is not open to the {principal.role.value} role")
                return view(principal, **params)
            except DomainError as error:
                if error.status >= 500:
                    logger.exception("request failed", extra={"path": path})
                return problem(error)
            except Exception:
                logger.exception("unhandled error", extra={"path": path})
                return problem(DomainError("The request could not be completed."))

        bp.route(path, methods=[method], content_types=list(accepts))(run)
        return run

    return decorate


_CHALICE_SLUGS = {405: "method-not-allowed", 415: "unsupported-media-type"}


def as_problem(response: Response) -> Response:
    """Chalice answers some bad requests itself (wrong method, media type, its own errors)
    with ``{"Code", "Message"}``; callers get problem+json from every route instead."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or set(body) != {"Code", "Message"}:
        return response
    status = response.status_code
    problem_body = {
        "type": PROBLEM_TYPE_BASE + _CHALICE_SLUGS.get(status, "request"),
        "title": str(body["Code"]),
        "status": status,
        "detail": str(body["Message"]),
    }
    headers = {k: v for k, v in (response.headers or {}).items() if k.lower() != "content-type"}
    headers["Content-Type"] = "application/problem+json"
    return Response(body=json.dumps(problem_body), status_code=status, headers=headers)


# HTML that sets no policy of its own may load nothing and run nothing.
DEFAULT_HTML_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def secure_headers(response: Response) -> Response:
    """The headers every answer carries: ``nosniff``; ``Cache-Control: no-store`` unless
    the route chose its own caching (only public, non-personal answers do); a
    Content-Security-Policy on HTML that sets none."""
    headers = dict(response.headers or {})
    present = {name.lower() for name in headers}
    if "x-content-type-options" not in present:
        headers["X-Content-Type-Options"] = "nosniff"
    if "cache-control" not in present:
        headers["Cache-Control"] = "no-store"
    content_type = next((str(v) for k, v in headers.items() if k.lower() == "content-type"), "")
    if content_type.startswith("text/html") and "content-security-policy" not in present:
        headers["Content-Security-Policy"] = DEFAULT_HTML_CSP
    response.headers = headers
    return response


def idempotent(
    bp: Blueprint,
    principal: Principal,
    operation: str,
    payload: Any,
    act: Callable[[], Appeal],
    status: int = 200,
    headers: dict[str, str] | None = None,
    key: str | None = None,
    inline: bool = False,
) -> Response:
    """Run ``act`` under ``key`` (by default the request's ``Idempotency-Key``, if any) and
    answer with the appeal as the caller sees it. The key's record keeps only the appeal's
    id and version; a replay shows the appeal as it is now and carries
    ``Idempotent-Replayed: true``. ``inline``: ``act`` is one lifecycle action, which records
    the key in the appeal's own write (no idempotency record)."""
    from chalicelib.core.services import views
    from chalicelib.core.services.idempotency import check_key, run_once

    if key is None:
        key = bp.current_request.headers.get("idempotency-key")
    checked = check_key(key) if inline else None
    if checked is not None:
        return _inline_once(principal, operation, checked, payload, act, status, headers)
    done: list[Appeal] = []

    def reference() -> dict[str, Any]:
        appeal = act()
        done.append(appeal)
        return {"appeal_id": appeal.id, "version": appeal.version}

    ref, replayed = run_once(operation, principal.id, key, payload, reference, bp.lambda_context)
    try:
        if done:
            shown = views.show(done[0], principal)
        else:
            shown = views.show_stored(str(ref["appeal_id"]), principal)
    except Exception:
        # The effect is committed: never answer it with an error. The smallest true answer.
        logger.exception("answer not built after the write", extra={"operation": operation})
        shown = {"id": ref["appeal_id"], "version": ref["version"]}
    extra = dict(headers or {})
    if replayed:
        extra["Idempotent-Replayed"] = "true"
    return json_response(shown, status, extra)


def _inline_once(
    principal: Principal,
    operation: str,
    key: str,
    payload: Any,
    act: Callable[[], Appeal],
    status: int,
    headers: dict[str, str] | None,
) -> Response:
    from chalicelib.core.services import idempotency, views

    with idempotency.inline(operation, principal.id, key, payload) as claim:
        appeal = act()
    if not claim.used:  # the action wrote without taking the key: a defect, said loudly
        logger.error("an inline Idempotency-Key was not recorded", extra={"op": operation})
        metrics.add_metric(name="IdempotencyKeyNotRecorded", unit="Count", value=1)
    try:
        shown = views.show(appeal, principal)
    except Exception:
        # The effect is committed: never answer it with an error. The smallest true answer.
        logger.exception("answer not built after the write", extra={"operation": operation})
        shown = {"id": appeal.id, "version": appeal.version}
    extra = dict(headers or {})
    if claim.replayed:
        extra["Idempotent-Replayed"] = "true"
    return json_response(shown, status, extra)


def action_route(
    bp: Blueprint,
    path: str,
    *,
    action: Any,
    service: Callable[[Principal, str, Any], Any],
    request: dict[str, Any] | None,
    summary: str,
    tag: str,
    feature: str | None = None,
) -> None:
    """A lifecycle action on one appeal: roles from the transition table, body validated by
    the service, the appeal as the caller sees it in the answer."""
    from chalicelib.core.domain import schemas
    from chalicelib.core.domain.workflow import TRANSITIONS, Action

    roles = tuple(r for r in Role if r in TRANSITIONS[action].roles and r is not Role.SYSTEM)

    def view(principal: Principal, appeal_id: str) -> Response:
        body = read_json(bp.current_request)
        return idempotent(
            bp,
            principal,
            f"{path}",
            {"appeal_id": appeal_id, "body": body},
            lambda: service(principal, appeal_id, body),
            # Leaders' comments and progress notes are many per appeal: their keys stay out
            # of the appeal item.
            inline=action not in (Action.COMMENT, Action.DEPARTMENT_NOTE),
        )

    view.__name__ = view.__qualname__ = f"{tag}_{path.rsplit('/', 1)[-1].replace('-', '_')}"
    api(
        bp,
        path,
        "POST",
        summary=summary,
        roles=roles,
        tag=tag,
        request=request,
        responses={200: schemas.APPEAL},
        headers=(IDEMPOTENCY_HEADER,),
        feature=feature,
    )(view)


def action_routes(
    bp: Blueprint, tag: str, *rows: tuple[str, Any, Any, Any, str], feature: str | None = None
) -> None:
    """Several actions of one audience: (path suffix, action, service, body schema, summary)."""
    for suffix, action, service, request, summary in rows:
        action_route(
            bp,
            f"/appeals/{{appeal_id}}/{suffix}",
            action=action,
            service=service,
            request=request,
            summary=summary,
            tag=tag,
            feature=feature,
        )


@functools.cache
def static_text(package: str, name: str) -> str:
    """A file shipped with the app (``chalicelib/static/...``), read once per instance."""
    from importlib import resources

    return resources.files(package).joinpath(name).read_text("utf-8")


def static_page(body: str, content_type: str, policy: str) -> Response:
    """A static page or asset: its own Content-Security-Policy, cached five minutes by
    browsers and shared caches (public, never personal)."""
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": content_type,
            "Content-Security-Policy": policy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "public, max-age=300",
        },
    )
