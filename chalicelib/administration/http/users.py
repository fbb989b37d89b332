"""Staff accounts (the users API): the directory, adding staff one by one or from a CSV
file, changing, disabling and enabling them, new temporary passwords, signing them out,
and the record of every change."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.administration.domain import schemas as admin_schemas
from chalicelib.administration.domain.users import COLUMNS, MAX_ROWS
from chalicelib.administration.services import users
from chalicelib.core.config import ACCOUNTS_FEATURE
from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import PayloadTooLarge
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    LIMIT_PARAM,
    api,
    json_response,
    page_params,
    read_json,
)

bp = Blueprint(__name__)
ADMIN = (Role.ADMIN,)
STAFF = (Role.OPERATOR, Role.DEPARTMENT, Role.LEADER, Role.ADMIN)
MAX_CSV_BYTES = 256 * 1024
TAG = "users"


@api(
    bp,
    "/users",
    "GET",
    summary="Staff accounts by user name: all, one role's, or one department's (admins see "
    "the pool's status, MFA and the contact in clear; other staff the contact masked)",
    roles=STAFF,
    tag=TAG,
    feature=ACCOUNTS_FEATURE,
    query=(
        {"name": "role", "in": "query", "schema": admin_schemas.ROLE},
        {"name": "department_id", "in": "query", "schema": {"type": "string"}},
        LIMIT_PARAM,
        CURSOR_PARAM,
    ),
    responses={200: schemas.listing(admin_schemas.USER)},
)
def list_users(principal: Principal) -> Response:
    limit, cursor = page_params(bp.current_request)
    params = dict(bp.current_request.query_params or {})
    return json_response(users.list_users(principal, params, limit, cursor))


@api(
    bp,
    "/users",
    "POST",
    summary="Add a staff account: the pool sends its temporary password (email or SMS); it "
    "starts in FORCE_CHANGE_PASSWORD",
    roles=ADMIN,
    tag=TAG,
    feature=ACCOUNTS_FEATURE,
    request=admin_schemas.USER_CREATE,
    responses={201: admin_schemas.USER},
)
def add_user(principal: Principal) -> Response:
    return json_response(users.create_user(principal, read_json(bp.current_request)), 201)


@api(
    bp,
    "/users/import",
    "POST",
    summary=f"Add staff from a CSV file (UTF-8, header {','.join(COLUMNS)}; at most "
    f"{MAX_ROWS} rows): every row checked first, all made or none; again, the same file "
    "makes nothing",
    roles=ADMIN,
    tag=TAG,
    feature=ACCOUNTS_FEATURE,
    accepts=("text/csv",),
    responses={201: admin_schemas.USER_IMPORT, 200: admin_schemas.USER_IMPORT},
    openapi={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "maxLength": MAX_CSV_BYTES}}},
        }
    },
)
def import_users(principal: Principal) -> Response:
    raw = bp.current_request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_CSV_BYTES:
        raise PayloadTooLarge(f"the file must be at most {MAX_CSV_BYTES} bytes", field="body")
    answer, made = users.import_users(principal, raw)
    return json_response(answer, 201 if made else 200)


@api(
    bp,
    "/users/{username}",
    "PATCH",
    summary="Change a staff account's name, role or department (a move)",
    roles=ADMIN,
    tag=TAG,
    feature=ACCOUNTS_FEATURE,
    request=admin_schemas.USER_UPDATE,
    responses={200: admin_schemas.USER},
)
def change_user(principal: Principal, username: str) -> Response:
    body = read_json(bp.current_request)
    return json_response(users.update_user(principal, username, body))


def _account_action(path: str, summary: str, service: object) -> None:
    def view(principal: Principal, username: str) -> Response:
        return json_response(service(principal, username))  # type: ignore[operator]

    view.__name__ = view.__qualname__ = "user_" + path.replace("-", "_")
    api(
        bp,
        f"/users/{{username}}/{path}",
        "POST",
        summary=summary,
        roles=ADMIN,
        tag=TAG,
        feature=ACCOUNTS_FEATURE,
        responses={200: admin_schemas.USER},
    )(view)


_account_action(
    "disable",
    "Disable a staff account: its next request is refused, its sessions end (never the "
    "last enabled admin)",
    users.disable,
)
_account_action("enable", "Enable a disabled staff account again", users.enable)
_account_action(
    "reset-password",
    "A new temporary password, sent as the invitation was; the account's sessions end",
    users.reset_password,
)
_account_action(
    "sign-out",
    "End every session of a staff account (AdminUserGlobalSignOut; earlier tokens refused)",
    users.sign_out,
)


@api(
    bp,
    "/users/{username}/history",
    "GET",
    summary="Every change to a staff account: who, when, what it was and became",
    roles=ADMIN,
    tag=TAG,
    feature=ACCOUNTS_FEATURE,
    query=(LIMIT_PARAM, CURSOR_PARAM),
    responses={200: schemas.listing(admin_schemas.USER_CHANGE)},
)
def user_history(_principal: Principal, username: str) -> Response:
    limit, cursor = page_params(bp.current_request)
    return json_response(users.history(username, limit, cursor))
