"""The admin's reference data: departments, categories (routing, SLA), the calendar."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.administration.domain import schemas as admin_schemas
from chalicelib.administration.services import admin
from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.http.base import api, json_response, read_json
from chalicelib.work_orders.services import calendar_admin

bp = Blueprint(__name__)
ADMIN = (Role.ADMIN,)
STAFF = (Role.OPERATOR, Role.DEPARTMENT, Role.LEADER, Role.ADMIN)


@api(
    bp,
    "/departments",
    "GET",
    summary="Departments, towns and streets",
    roles=STAFF,
    tag="admin",
    responses={200: schemas.listing(admin_schemas.DEPARTMENT)},
)
def departments(_principal: Principal) -> Response:
    return json_response(admin.list_departments())


PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}
PUBLIC_DEPARTMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"type": "string", "description": "department, town or street"},
    },
}
PUBLIC_CATEGORY = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "group": {"type": ["string", "null"], "description": "the branch of the tree"},
    },
}


@api(
    bp,
    "/public/departments",
    "GET",
    summary="The active departments, towns and streets by name (no login): what the public "
    "feed is filtered by",
    roles=None,
    tag="public",
    responses={200: schemas.listing(PUBLIC_DEPARTMENT)},
)
def public_departments(_principal: None) -> Response:
    return json_response(admin.public_departments(), headers=PUBLIC_CACHE)


@api(
    bp,
    "/public/categories",
    "GET",
    summary="The category tree citizens choose from (no login): code, name and group of each "
    "active category",
    roles=None,
    tag="public",
    responses={200: schemas.listing(PUBLIC_CATEGORY)},
)
def public_categories(_principal: None) -> Response:
    return json_response(admin.public_categories(), headers=PUBLIC_CACHE)


@api(
    bp,
    "/departments",
    "POST",
    summary="Add a department",
    roles=ADMIN,
    tag="admin",
    request=admin_schemas.DEPARTMENT_CREATE,
    responses={201: admin_schemas.DEPARTMENT},
)
def add_department(_principal: Principal) -> Response:
    return json_response(admin.create_department(read_json(bp.current_request)), 201)


@api(
    bp,
    "/departments/{department_id}",
    "PUT",
    summary="Change a department",
    roles=ADMIN,
    tag="admin",
    request=admin_schemas.DEPARTMENT_UPDATE,
    responses={200: admin_schemas.DEPARTMENT},
)
def change_department(_principal: Principal, department_id: str) -> Response:
    body = read_json(bp.current_request)
    return json_response(admin.update_department(department_id, body))


@api(
    bp,
    "/categories",
    "GET",
    summary="Categories with routing and reply days",
    roles=STAFF,
    tag="admin",
    responses={200: schemas.listing(admin_schemas.CATEGORY)},
)
def categories(_principal: Principal) -> Response:
    return json_response(admin.list_categories())


@api(
    bp,
    "/categories",
    "POST",
    summary="Add a category",
    roles=ADMIN,
    tag="admin",
    request=admin_schemas.CATEGORY_CREATE,
    responses={201: admin_schemas.CATEGORY},
)
def add_category(_principal: Principal) -> Response:
    return json_response(admin.create_category(read_json(bp.current_request)), 201)


@api(
    bp,
    "/categories/{code}",
    "PUT",
    summary="Change a category: default department, auto-dispatch, reply days per kind",
    roles=ADMIN,
    tag="admin",
    request=admin_schemas.CATEGORY_UPDATE,
    responses={200: admin_schemas.CATEGORY},
)
def change_category(_principal: Principal, code: str) -> Response:
    return json_response(admin.update_category(code, read_json(bp.current_request)))


@api(
    bp,
    "/calendar/{year}",
    "GET",
    summary="A year's working-day exceptions and their source (loaded, package, weekdays)",
    roles=STAFF,
    tag="admin",
    responses={200: admin_schemas.CALENDAR},
)
def read_calendar(_principal: Principal, year: str) -> Response:
    return json_response(calendar_admin.describe_year(year))


@api(
    bp,
    "/calendar/{year}",
    "PUT",
    summary="Load a year's holidays and adjusted working days (State Council list)",
    roles=ADMIN,
    tag="admin",
    request=admin_schemas.CALENDAR_YEAR,
    responses={200: admin_schemas.CALENDAR},
)
def load_calendar(principal: Principal, year: str) -> Response:
    return json_response(calendar_admin.load_year(principal, year, read_json(bp.current_request)))
