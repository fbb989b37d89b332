"""Department systems: the admin's registration and delivery log, and the signed inbound
endpoint a department's system acts through."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role, department_system
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    LIMIT_PARAM,
    WEBHOOKS,
    api,
    idempotent,
    json_response,
    page_params,
    read_json,
)
from chalicelib.notifications.domain import catalogue, signatures
from chalicelib.notifications.domain import schemas as webhook_schemas

bp = Blueprint(__name__)
ADMIN = (Role.ADMIN,)

SIGNED_HEADERS = (
    {
        "name": signatures.TIMESTAMP_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": r"^\d+$"},
        "description": "Unix seconds; at most 5 minutes from the platform's clock.",
    },
    {
        "name": signatures.DELIVERY_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "maxLength": 128},
        "description": "Unique per request: a repeat returns the first answer, no second "
        "effect. Signed (v2).",
    },
    {
        "name": signatures.SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": 'v2=<hex HMAC-SHA256 of "{timestamp}.{delivery id}.{raw body}">, '
        "several comma-separated during a rotation; each the lowercase hex of the HMAC "
        '(anything else is a wrong signature). sha256=<hex of "{timestamp}.{raw body}">, '
        "the scheme before v2, is accepted until MINSHENG_WEBHOOK_SHA256_UNTIL "
        "(2027-06-30).",
    },
)

# What every outbound delivery carries, for the OpenAPI document's ``webhooks``.
DELIVERY_HEADERS = [
    {
        "name": signatures.TIMESTAMP_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": r"^\d+$"},
        "description": "Unix seconds when it was signed: refuse one more than 5 minutes off.",
    },
    {
        "name": signatures.DELIVERY_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "The delivery's id, equal to the body's id and the same on every "
        "retry: drop a repeat.",
    },
    {
        "name": "X-Minsheng-Event",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "enum": sorted(catalogue.EVENTS)},
        "description": "The event type (the body's type).",
    },
    {
        "name": catalogue.SCHEMA_VERSION_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string", "const": catalogue.SCHEMA_VERSION},
        "description": "The body's format version (the body's schema_version).",
    },
    {
        "name": signatures.SIGNATURE_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": 'sha256=<hex>, v2=<hex>: v2 is the HMAC-SHA256 of "{timestamp}.'
        "{delivery id}.{raw body}\" with the department's secret (v2 alone after "
        "MINSHENG_WEBHOOK_SHA256_UNTIL); during a rotation each scheme with both secrets.",
    },
]
WEBHOOKS.update(catalogue.openapi_webhooks(DELIVERY_HEADERS))


@api(
    bp,
    "/departments/{department_id}/webhook",
    "GET",
    summary="A department's webhook registration (never its secret)",
    roles=ADMIN,
    tag="webhooks",
    responses={200: webhook_schemas.WEBHOOK},
)
def get_webhook(_principal: Principal, department_id: str) -> Response:
    # Imported by the routes that use it: the API function's other cold starts skip it.
    from chalicelib.notifications.services import webhooks

    return json_response(webhooks.show(department_id))


@api(
    bp,
    "/departments/{department_id}/webhook",
    "PUT",
    summary="Register where a department's work orders are POSTed; the first registration "
    "answers with the signing secret, once",
    roles=ADMIN,
    tag="webhooks",
    request=webhook_schemas.WEBHOOK_PUT,
    responses={200: webhook_schemas.WEBHOOK},
)
def put_webhook(principal: Principal, department_id: str) -> Response:
    from chalicelib.notifications.services import webhooks

    body = read_json(bp.current_request)
    return json_response(webhooks.register(principal, department_id, body))


@api(
    bp,
    "/departments/{department_id}/webhook/secret",
    "POST",
    summary="Rotate the signing secret: the new one is in this answer only; the old one "
    "still verifies (and signs) for 24 hours",
    roles=ADMIN,
    tag="webhooks",
    responses={200: webhook_schemas.WEBHOOK},
)
def rotate_secret(principal: Principal, department_id: str) -> Response:
    from chalicelib.notifications.services import webhooks

    return json_response(webhooks.rotate(principal, department_id))


@api(
    bp,
    "/departments/{department_id}/webhook/secret/revoke-previous",
    "POST",
    summary="End a rotation's overlap now: the previous secret stops verifying and signing "
    "at once (a leaked one); 409 when none is valid",
    roles=ADMIN,
    tag="webhooks",
    responses={200: webhook_schemas.WEBHOOK},
)
def revoke_previous_secret(principal: Principal, department_id: str) -> Response:
    from chalicelib.notifications.services import webhooks

    return json_response(webhooks.revoke_previous(principal, department_id))


@api(
    bp,
    "/departments/{department_id}/webhook/verify",
    "POST",
    summary="Send a new challenge (webhook.verify) to the registered URL: it is verified when "
    "its system answers with the challenge's HMAC-SHA256 under the department's secret; "
    "for admins and the department's own staff",
    roles=(Role.ADMIN, Role.DEPARTMENT),
    tag="webhooks",
    responses={202: webhook_schemas.CHALLENGE_SENT},
)
def verify_webhook(principal: Principal, department_id: str) -> Response:
    from chalicelib.notifications.services import webhooks

    return json_response(webhooks.send_challenge(principal, department_id), 202)


@api(
    bp,
    "/departments/{department_id}/webhook/history",
    "GET",
    summary="Every change of a department's webhook registration (who, when, the URL and "
    "the enabled flag before and after; secret rotations), newest first; for admins and "
    "the department's own staff",
    roles=(Role.ADMIN, Role.DEPARTMENT),
    tag="webhooks",
    query=(LIMIT_PARAM, CURSOR_PARAM),
    responses={200: schemas.listing(webhook_schemas.WEBHOOK_CHANGE)},
)
def webhook_history(principal: Principal, department_id: str) -> Response:
    from chalicelib.notifications.services import webhooks

    limit, cursor = page_params(bp.current_request)
    return json_response(webhooks.history(principal, department_id, limit, cursor))


@api(
    bp,
    "/deliveries",
    "GET",
    summary="The webhook delivery log, newest first, with every attempt",
    roles=ADMIN,
    tag="webhooks",
    query=(
        {"name": "department_id", "in": "query", "schema": {"type": "string"}},
        {
            "name": "status",
            "in": "query",
            "schema": {"type": "string", "enum": list(webhook_schemas.DELIVERY_STATUSES)},
        },
        LIMIT_PARAM,
        CURSOR_PARAM,
    ),
    responses={200: schemas.listing(webhook_schemas.DELIVERY)},
)
def list_deliveries(_principal: Principal) -> Response:
    from chalicelib.notifications.services import webhooks

    limit, cursor = page_params(bp.current_request)
    params = dict(bp.current_request.query_params or {})
    return json_response(webhooks.list_deliveries(params, limit, cursor))


@api(
    bp,
    "/deliveries/{delivery_id}/redrive",
    "POST",
    summary="Send a delivery that is dead (or still retrying) again (409 while its "
    "department's URL has not answered its challenge)",
    roles=ADMIN,
    tag="webhooks",
    responses={202: webhook_schemas.REDRIVE_RESULT},
)
def redrive_delivery(_principal: Principal, delivery_id: str) -> Response:
    from chalicelib.notifications.services import webhooks

    return json_response(webhooks.redrive_one(delivery_id), 202)


@api(
    bp,
    "/deliveries/redrive",
    "POST",
    summary="Move every message of the notifications dead-letter queue back to be delivered "
    "(those for a URL that has not answered its challenge stay: refused)",
    roles=ADMIN,
    tag="webhooks",
    responses={202: webhook_schemas.REDRIVE_RESULT},
)
def redrive_dead_letters(_principal: Principal) -> Response:
    from chalicelib.notifications.services import webhooks

    return json_response(webhooks.redrive_dead_letters(), 202)


@api(
    bp,
    "/webhooks/departments/{department_id}",
    "POST",
    summary="A department's system acts on its work order (sign, contact, reply, return, "
    "extension), signed with the department's secret",
    roles=None,
    tag="webhooks",
    request=webhook_schemas.WEBHOOK_INBOUND,
    responses={200: schemas.APPEAL},
    headers=SIGNED_HEADERS,
)
def inbound(_principal: None, department_id: str) -> Response:
    from chalicelib.notifications.services import webhooks

    request = bp.current_request
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    delivery_id = webhooks.verify_inbound(department_id, request.headers, raw)
    body = read_json(request, max_bytes=webhooks.MAX_INBOUND_BYTES)
    if not isinstance(body, dict):
        raise ValidationFailed.one("body", "must be a JSON object")
    return idempotent(
        bp,
        department_system(department_id),
        f"/webhooks/departments/{department_id}",
        {"body": body},
        lambda: webhooks.act(department_id, body),
        key=delivery_id,
    )


# -- signed reads -------------------------------------------------------------------------

READ_HEADERS = (
    SIGNED_HEADERS[0],
    {
        **SIGNED_HEADERS[1],
        "description": "Unique per request (a new one for each read). Signed (v2).",
    },
    {
        **SIGNED_HEADERS[2],
        "description": 'v2=<hex HMAC-SHA256 of "{timestamp}.{request id}.GET {path}"> with '
        "the department's secret: the path after the API's base, its query's pairs sorted "
        "and percent-encoded (RFC 3986) as sent.",
    },
)
WORK_ORDER_CHANGE = {
    **schemas.APPEAL_SUMMARY,
    "properties": {**schemas.APPEAL_SUMMARY["properties"], "version": {"type": "integer"}},
}


def _signed_read(department_id: str) -> None:
    from chalicelib.notifications.services import system_reads

    request = bp.current_request
    query = request.query_params
    pairs = [(k, v) for k in (query or {}) for v in query.getlist(k)] if query else []
    target = system_reads.canonical_target(request.method, request.path, request.uri_params, pairs)
    system_reads.verify(department_id, request.headers, target)


@api(
    bp,
    "/department-systems/{department_id}/work-orders",
    "GET",
    summary="A department's system reads its work orders changed at or after changed_since "
    "(oldest change first; all of them without it), signed with the department's secret",
    roles=None,
    tag="webhooks",
    query=(
        {
            "name": "changed_since",
            "in": "query",
            "schema": {"type": "string", "format": "date-time"},
            "description": "ISO 8601 with offset: pass the updated_at of the last item applied",
        },
        LIMIT_PARAM,
        CURSOR_PARAM,
    ),
    headers=READ_HEADERS,
    responses={200: schemas.listing(WORK_ORDER_CHANGE)},
)
def system_work_orders(_principal: None, department_id: str) -> Response:
    from chalicelib.notifications.services import system_reads

    _signed_read(department_id)
    limit, cursor = page_params(bp.current_request)
    query = dict(bp.current_request.query_params or {})
    return json_response(system_reads.changed(department_id, query, limit, cursor))


@api(
    bp,
    "/department-systems/{department_id}/work-orders/{appeal_id}",
    "GET",
    summary="A department's system reads one of its work orders with the department's view "
    "of the timeline, signed with the department's secret (404 unless it is the "
    "department's)",
    roles=None,
    tag="webhooks",
    headers=READ_HEADERS,
    responses={200: schemas.APPEAL},
)
def system_work_order(_principal: None, department_id: str, appeal_id: str) -> Response:
    from chalicelib.notifications.services import system_reads

    _signed_read(department_id)
    return json_response(system_reads.work_order(department_id, appeal_id))


@api(
    bp,
    "/department-systems/{department_id}/work-orders/{appeal_id}/comments",
    "GET",
    summary="A department's system reads every leader's comment on one of its work orders, "
    "oldest first, signed with the department's secret",
    roles=None,
    tag="webhooks",
    query=(LIMIT_PARAM, CURSOR_PARAM),
    headers=READ_HEADERS,
    responses={200: schemas.COMMENT_PAGE},
)
def system_work_order_comments(_principal: None, department_id: str, appeal_id: str) -> Response:
    from chalicelib.notifications.services import system_reads

    _signed_read(department_id)
    limit, cursor = page_params(bp.current_request)
    return json_response(system_reads.comments(department_id, appeal_id, limit, cursor))
