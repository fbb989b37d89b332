"""Open311 GeoReport v2 use cases: services from the categories, requests from the public
feed (as the public reads them), new requests through the one intake path, and the API
keys integrators post with."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from chalicelib.channels.open311.domain import open311 as spec
from chalicelib.channels.open311.store import api_keys as key_store
from chalicelib.channels.open311.store import open311 as open311_store
from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import PUBLIC_STATES, Appeal
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store import reference

READ_BUDGET = 5 * spec.MAX_RESULTS
"""Index entries one ``GET requests`` examines at most (over every month partition of its
window), however few match its filters; the matches (at most ``MAX_RESULTS``) are then
read whole by BatchGetItem."""
MAX_ANSWER_BYTES = 4_000_000
"""A list stops before its JSON passes this size (Lambda answers at most 6 MB; the XML of
the same list is a little larger)."""

KEY_PREFIX = "o311"
KEY_CREATE: dict[str, Any] = {
    "$id": "Open311KeyCreate",
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"}},
}


# --- services -----------------------------------------------------------------------------


def _active_categories() -> list[Any]:
    return [c for c in reference.list_categories() if c.active]


def list_services() -> list[dict[str, Any]]:
    return [spec.service(c) for c in _active_categories()]


def _is_service(code: str) -> bool:
    category = reference.get_category(code)
    return category is not None and category.active


def service_definition(code: str) -> dict[str, Any]:
    category = reference.get_category(code) if spec.SERVICE_CODE.match(code) else None
    if category is None or not category.active:
        raise NotFound(f"no service {code!r}")
    return spec.service_definition(code)


# --- requests -----------------------------------------------------------------------------


def _is_public(appeal: Appeal) -> bool:
    return appeal.publishable and appeal.state in PUBLIC_STATES


def _department_names(appeals: list[Appeal]) -> dict[str, str]:
    names = dict(reference.active_department_names())
    for department_id in {a.department_id for a in appeals if a.department_id} - set(names):
        department = reference.get_department(department_id)
        if department is not None:
            names[department_id] = department.name
    return names


def _shown(appeals: list[Appeal]) -> list[dict[str, Any]]:
    services = {c.code: c.name for c in reference.list_categories()}
    departments = _department_names(appeals)
    shown: list[dict[str, Any]] = []
    size = 0
    for appeal in appeals:
        item = spec.service_request(appeal, services, departments)
        size += len(json.dumps(item, ensure_ascii=False).encode())
        if size > MAX_ANSWER_BYTES:
            logger.info("open311 list cut at the answer size", extra={"items": len(shown)})
            break
        shown.append(item)
    return shown


def list_requests(params: dict[str, str]) -> list[dict[str, Any]]:
    """Public appeals, newest first: by ids (which override every other filter), or those
    submitted in the window (90 days by default) with the codes and statuses asked."""
    query = spec.parse_request_query(params, clock.now())
    if query.ids:
        appeals = [a for a in appeal_store.batch_get(list(query.ids)) if _is_public(a)]
        return _shown(appeals)
    if query.service_codes:
        known = {c.code for c in _active_categories()}
        unknown = [c for c in query.service_codes if c not in known]
        if unknown:
            raise ValidationFailed.one("service_code", f"{unknown[0]!r} is not a service code")
    states = spec.states_for(query.statuses) if query.statuses else frozenset()
    start, end = query.bounds()
    ids = open311_store.public_ids(
        query.months(),
        start,
        end,
        categories=query.service_codes,
        states=[s.value for s in states],
        limit=spec.MAX_RESULTS,
        read_budget=READ_BUDGET,
    )
    found = appeal_store.batch_get(ids) if ids else []
    return _shown([a for a in found if _is_public(a)])


def get_request(appeal_id: str) -> dict[str, Any]:
    """One public appeal; anything else (private, not yet accepted, rejected, unknown) is
    404 alike."""
    from chalicelib.core.domain.ids import is_appeal_id

    appeal = appeal_store.get(appeal_id) if is_appeal_id(appeal_id) else None
    if appeal is None or not _is_public(appeal):
        raise NotFound(f"no public request {appeal_id}")
    return _shown([appeal])[0]


def create_request(form: dict[str, str]) -> list[dict[str, Any]]:
    """A new appeal on the ``open311`` channel, in the operator's queue like any other.
    The key is checked first; then every field; nothing is stored when any is at fault."""
    from chalicelib.intake.services import intake

    key = check_api_key(form.get("api_key", ""))
    request = spec.intake_request(form, _is_service)
    submitter = Principal(id=f"open311:{key.key_id}", role=Role.CITIZEN, username=key.name)
    try:
        # Counted per key (MINSHENG_OPEN311_LIMITS), once the request is valid.
        appeal = intake.record_appeal(
            submitter, request, limited=True, limits=settings().open311_limits
        )
    except ValidationFailed as failure:
        raise spec.as_form_errors(failure) from failure
    logger.info("open311 request", extra={"appeal_id": appeal.id, "key_id": key.key_id})
    metrics.add_metric(name="Open311Requests", unit="Count", value=1)
    return spec.created(appeal.id, spec.NOTICE)


# --- API keys -----------------------------------------------------------------------------


def _hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def check_api_key(api_key: str) -> key_store.ApiKey:
    """The key's record if ``api_key`` is a key we issued and nobody revoked (403
    otherwise, alike for every reason)."""
    api_key = api_key.strip()
    if not api_key:
        raise Forbidden("api_key: is required to create a request")
    prefix, _, rest = api_key.partition("_")
    key_id, _, _secret = rest.partition("_")
    stored = None
    if prefix == KEY_PREFIX and len(key_id) == 16 and key_id.isalnum():
        stored = key_store.get(key_id)
    if stored is None or not hmac.compare_digest(stored.key_hash, _hash(api_key)) or stored.revoked:
        raise Forbidden("api_key: is not a valid key")
    return stored


def create_api_key(principal: Principal, body: Any) -> dict[str, Any]:
    """A new key, shown this once: only its hash is kept."""
    request = validate(KEY_CREATE, body)
    key_id = secrets.token_hex(8)
    api_key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    stored = key_store.create(
        key_store.ApiKey(
            key_id=key_id,
            key_hash=_hash(api_key),
            name=request["name"].strip(),
            created_at=clock.iso(clock.now()),
            created_by=principal.id,
            revoked=False,
        )
    )
    logger.info("open311 key created", extra={"key_id": key_id})
    return {**_key_view(stored), "api_key": api_key}


def revoke_api_key(key_id: str) -> dict[str, Any]:
    if not (len(key_id) == 16 and key_id.isalnum()):
        raise NotFound(f"no API key {key_id}")
    stored = key_store.revoke(key_id, clock.iso(clock.now()))
    logger.info("open311 key revoked", extra={"key_id": key_id})
    return _key_view(stored)


def _key_view(key: key_store.ApiKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "name": key.name,
        "created_at": key.created_at,
        "revoked": key.revoked,
        "revoked_at": key.revoked_at,
    }
