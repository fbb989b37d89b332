"""Open311 GeoReport v2 under ``/open311/v2/`` (no login; POST with an ``api_key``), each
call in ``.json`` and ``.xml``, errors in the spec's format; and the admin's API keys.

API Gateway takes a path parameter only as a whole segment, so ``requests/{id}.json`` is
the route ``requests/{request_file}`` and the format is read from its suffix."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from chalice.app import Blueprint, Response

from chalicelib.channels.open311.domain import open311 as spec
from chalicelib.channels.open311.services import open311 as service
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import DomainError, NotFound, UnsupportedMediaType, ValidationFailed
from chalicelib.core.http.base import ROUTES, RouteDoc, api, json_response, read_json
from chalicelib.core.observability import logger

bp = Blueprint(__name__)
BASE = "/open311/v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # when this API last changed
CONTACT = "民生诉求平台中心（12345）"
MAX_FORM_BYTES = 16 * 1024
FORM = "application/x-www-form-urlencoded"
# Every type reaches the view, which answers what it does not take in the spec's format
# (Chalice's own 415 would not be).
ACCEPTED_TYPES = [
    FORM,
    "application/json",
    "text/plain",
    "multipart/form-data",
    "text/xml",
    "application/xml",
    "application/octet-stream",
]

# --- OpenAPI ------------------------------------------------------------------------------

_S = {"type": ["string", "null"]}
_N = {"type": ["number", "null"]}
REQUEST_SCHEMA = {
    "type": "object",
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"type": "string", "enum": list(spec.STATUSES)},
        "status_notes": _S,
        "service_name": _S,
        "service_code": _S,
        "description": {"type": "string"},
        "agency_responsible": _S,
        "service_notice": _S,
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {"type": "string", "format": "date-time"},
        "expected_datetime": _S,
        "address": _S,
        "address_id": _S,
        "zipcode": _S,
        "lat": _N,
        "long": _N,
        "media_url": _S,
    },
}
SERVICE_SCHEMA = {
    "type": "object",
    "properties": {
        "service_code": {"type": "string"},
        "service_name": {"type": "string"},
        "description": {"type": "string"},
        "metadata": {"type": "boolean"},
        "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
        "keywords": {"type": "string"},
        "group": {"type": "string"},
    },
}
ERRORS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
FORM_SCHEMA = {
    "type": "object",
    "required": ["api_key", "service_code", "description"],
    "properties": {
        "api_key": {"type": "string", "description": "issued by the platform (POST /open311/keys)"},
        "service_code": {"type": "string"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {"type": "string", "maxLength": 200},
        "description": {"type": "string", "maxLength": 4000},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "phone": {"type": "string"},
        "email": {"type": "string", "description": "accepted, not kept"},
        "device_id": {"type": "string", "description": "accepted, not kept"},
        "account_id": {"type": "string", "description": "accepted, not kept"},
        "jurisdiction_id": {"type": "string", "description": "accepted, not kept"},
    },
    "description": "lat and long, or address_string, is required. media_url, address_id "
    "and attribute[...] are refused (no service defines attributes).",
}
CREATED_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "service_request_id": {"type": "string"},
            "service_notice": {"type": "string"},
            "account_id": {"type": "null"},
        },
    },
}
REQUEST_QUERY = (
    {
        "name": "service_request_id",
        "in": "query",
        "description": f"comma-separated ids (at most {spec.MAX_IDS}); overrides every "
        "other parameter",
        "schema": {"type": "string"},
    },
    {
        "name": "service_code",
        "in": "query",
        "description": "comma-separated",
        "schema": {"type": "string"},
    },
    {
        "name": "start_date",
        "in": "query",
        "description": "W3C date-time; default: end_date less 90 days",
        "schema": {"type": "string"},
    },
    {
        "name": "end_date",
        "in": "query",
        "description": "W3C date-time; default: now (or start_date plus 90 days); at most "
        "90 days after start_date",
        "schema": {"type": "string"},
    },
    {
        "name": "status",
        "in": "query",
        "description": "open, closed (comma-separated)",
        "schema": {"type": "string"},
    },
)
READ_BOUND = (
    f"At most {spec.MAX_RESULTS} requests, newest first, submitted in the window (90 days "
    "by default). Reads only the public feed index's month partitions of the window, and "
    f"examines at most {service.READ_BUDGET} index entries however few match the filters, "
    f"so a filtered answer may hold fewer than all matches. A list also stops before "
    f"{service.MAX_ANSWER_BYTES // 1_000_000} MB of JSON."
)


def _media(fmt: str | None, schema: dict[str, Any]) -> dict[str, Any]:
    formats = [fmt] if fmt else list(spec.FORMATS)
    types = {"json": "application/json", "xml": "text/xml"}
    return {types[f]: {"schema": schema if f == "json" else {"type": "string"}} for f in formats}


def _doc(
    path: str,
    method: str,
    fmt: str | None,
    summary: str,
    ok: dict[str, Any],
    *,
    status: int = 200,
    query: tuple[dict[str, Any], ...] = (),
    errors: tuple[int, ...] = (400,),
    form: bool = False,
    description: str = "",
) -> None:
    responses: dict[str, Any] = {str(status): {"description": "OK", "content": _media(fmt, ok)}}
    for code in errors:
        responses[str(code)] = {
            "description": "Errors in the Open311 format: [{code, description}] or "
            "<errors><error><code/><description/></error></errors>",
            "content": _media(fmt, ERRORS_SCHEMA),
        }
    operation: dict[str, Any] = {"responses": responses, "security": []}
    if description:
        operation["description"] = description
    if form:
        operation["requestBody"] = {"required": True, "content": {FORM: {"schema": FORM_SCHEMA}}}
    ROUTES.append(
        RouteDoc(
            path,
            method,
            summary,
            None,
            None,
            {},
            query,
            (),
            "open311",
            openapi=operation,
            feature="open311",
        )
    )


# --- answers ------------------------------------------------------------------------------


def _answer(
    fmt: str, root: str, value: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    body = spec.to_xml(root, value) if fmt == "xml" else json.dumps(value, ensure_ascii=False)
    return Response(
        body=body,
        status_code=status,
        headers={"Content-Type": spec.CONTENT_TYPES[fmt], **(headers or {})},
    )


def _failure(fmt: str, error: DomainError) -> Response:
    status = error.status
    failure: ValidationFailed | str = error if isinstance(error, ValidationFailed) else error.detail
    if status >= 500:
        failure = "The request could not be completed; try again later."
    # A key over its limit (429), a store that throttled (503): when to try again.
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else {}
    return _answer(fmt, "errors", spec.errors(status, failure), status, headers)


View = Callable[..., tuple[str, Any, int]]


def _route(path: str, method: str, fmt: str | None, view: View) -> None:
    """Register ``view`` at ``path``; ``fmt`` None: the format is the suffix of the path's
    one parameter. The view returns (XML root, value, status)."""

    def run(**params: Any) -> Response:
        chosen = fmt
        args: list[str] = []
        if chosen is None:
            stem, chosen = spec.split_format(str(next(iter(params.values()))))
            if chosen is None:
                return _failure("json", NotFound("add .json or .xml to the path"))
            args = [stem]
        try:
            root, value, status = view(*args)
            return _answer(chosen, root, value, status)
        except DomainError as error:
            if error.status >= 500:
                logger.exception("open311 request failed", extra={"path": path})
            return _failure(chosen, error)
        except Exception:
            logger.exception("unhandled error", extra={"path": path})
            return _failure(chosen, DomainError("internal"))

    run.__name__ = run.__qualname__ = (
        f"open311_{method.lower()}_{path.rsplit('/', 1)[-1].replace('.', '_').strip('{}')}"
    )
    bp.route(path, methods=[method], content_types=ACCEPTED_TYPES)(run)


def _both(path: str, method: str, summary: str, ok: dict[str, Any], view: View, **doc: Any) -> None:
    for fmt in spec.FORMATS:
        _doc(f"{path}.{fmt}", method, fmt, summary, ok, **doc)
        _route(f"{path}.{fmt}", method, fmt, view)


# --- views --------------------------------------------------------------------------------


def _discovery() -> tuple[str, Any, int]:
    request = bp.current_request
    host = request.headers.get("host", "localhost")
    scheme = request.headers.get("x-forwarded-proto") or (
        "http" if host.startswith(("127.0.0.1", "localhost")) else "https"
    )
    path = str(request.context.get("path") or "")
    prefix = path[: path.find(BASE)] if BASE in path else ""
    return "discovery", spec.discovery(f"{scheme}://{host}{prefix}{BASE}", CHANGESET, CONTACT), 200


def _services() -> tuple[str, Any, int]:
    return "services", service.list_services(), 200


def _service_definition(service_code: str) -> tuple[str, Any, int]:
    return "service_definition", service.service_definition(service_code), 200


def _requests() -> tuple[str, Any, int]:
    params: dict[str, str] = dict(bp.current_request.query_params or {})
    return "service_requests", service.list_requests(params), 200


def _request(service_request_id: str) -> tuple[str, Any, int]:
    return "service_requests", [service.get_request(service_request_id)], 200


def _form() -> dict[str, str]:
    request = bp.current_request
    content_type = str(request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise UnsupportedMediaType(f"send the fields as {FORM}")
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > MAX_FORM_BYTES:
        raise ValidationFailed.one("body", f"must be at most {MAX_FORM_BYTES} bytes")
    try:
        parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except UnicodeDecodeError as exc:
        raise ValidationFailed.one("body", "is not UTF-8 text") from exc
    except ValueError as exc:
        raise ValidationFailed.one("body", "has too many fields") from exc
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise ValidationFailed(
            [{"field": n, "message": "is given more than once"} for n in repeated]
        )
    return {name: values[0] for name, values in parsed.items()}


def _create() -> tuple[str, Any, int]:
    return "service_requests", service.create_request(_form()), 201


_both(
    f"{BASE}/discovery",
    "GET",
    "Open311 discovery: where and how to call",
    {"type": "object"},
    lambda: _discovery(),
    errors=(),
)
_both(
    f"{BASE}/services",
    "GET",
    "Open311 services: the categories",
    {"type": "array", "items": SERVICE_SCHEMA},
    _services,
    errors=(),
)
_doc(
    f"{BASE}/services/{{service_file}}",
    "GET",
    None,
    "Open311 service definition: `{service_code}.json` or `.xml` (no service defines attributes)",
    {
        "type": "object",
        "properties": {"service_code": {"type": "string"}, "attributes": {"type": "array"}},
    },
    errors=(404,),
)
_route(f"{BASE}/services/{{service_file}}", "GET", None, _service_definition)
_both(
    f"{BASE}/requests",
    "GET",
    "Open311 requests: public appeals as the public reads them (open or closed)",
    {"type": "array", "items": REQUEST_SCHEMA},
    _requests,
    query=REQUEST_QUERY,
    description=READ_BOUND,
)
_both(
    f"{BASE}/requests",
    "POST",
    "Open311: submit a request (form-encoded, with an api_key); answered synchronously",
    CREATED_SCHEMA,
    _create,
    status=201,
    errors=(400, 403, 415),
    form=True,
)
_doc(
    f"{BASE}/requests/{{request_file}}",
    "GET",
    None,
    "Open311: one request, `{service_request_id}.json` or `.xml` (404 unless public)",
    {"type": "array", "items": REQUEST_SCHEMA},
    errors=(404,),
)
_route(f"{BASE}/requests/{{request_file}}", "GET", None, _request)


# --- API keys (admin) ---------------------------------------------------------------------

KEY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "key_id": {"type": "string"},
        "name": {"type": "string"},
        "created_at": {"type": "string"},
        "revoked": {"type": "boolean"},
        "revoked_at": {"type": ["string", "null"]},
    },
}


@api(
    bp,
    "/open311/keys",
    "POST",
    summary="Issue an Open311 API key: `api_key` is in this answer only (stored hashed)",
    roles=(Role.ADMIN,),
    tag="admin",
    request=service.KEY_CREATE,
    responses={201: {**KEY, "properties": {**KEY["properties"], "api_key": {"type": "string"}}}},
    feature="open311",
)
def create_key(principal: Principal) -> Response:
    return json_response(service.create_api_key(principal, read_json(bp.current_request)), 201)


@api(
    bp,
    "/open311/keys/{key_id}",
    "DELETE",
    summary="Revoke an Open311 API key (at once; revoking again changes nothing)",
    roles=(Role.ADMIN,),
    tag="admin",
    responses={200: KEY},
    feature="open311",
)
def revoke_key(_principal: Principal, key_id: str) -> Response:
    return json_response(service.revoke_api_key(key_id))
