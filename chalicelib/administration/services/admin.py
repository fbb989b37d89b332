"""The admin's reference data: departments, categories with routing and SLA overrides."""

from __future__ import annotations

from typing import Any

from chalicelib.administration.domain import schemas as admin_schemas
from chalicelib.core.domain import clock
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.store import reference


def list_departments() -> dict[str, Any]:
    return {"items": [d.to_dict() for d in reference.list_departments()], "next_cursor": None}


def public_departments() -> dict[str, Any]:
    """The active departments, towns and streets by name: what a citizen filters the
    public feed by."""
    items = [{"id": d.id, "name": d.name, "kind": d.kind} for d in reference.active_departments()]
    return {"items": items, "next_cursor": None}


def public_categories() -> dict[str, Any]:
    """The category tree citizens choose from (its groups, then the categories in each):
    codes, names and groups, never routing or deadlines."""
    items = [
        {"code": c.code, "name": c.name, "group": c.group} for c in reference.active_categories()
    ]
    return {"items": items, "next_cursor": None}


def create_department(body: Any) -> dict[str, Any]:
    request = validate(admin_schemas.DEPARTMENT_CREATE, body)
    return reference.put_department(
        request["id"],
        request["name"],
        request.get("kind", "department"),
        clock.iso(clock.now()),
        request.get("active", True),
        create=True,
    ).to_dict()


def update_department(department_id: str, body: Any) -> dict[str, Any]:
    request = validate(admin_schemas.DEPARTMENT_UPDATE, body)
    stored = reference.department_with_version(department_id)
    if stored is None:
        raise NotFound(f"no department {department_id}")
    current, version = stored
    merged = {**current.to_dict(), **request}
    return reference.put_department(
        department_id,
        merged["name"],
        merged["kind"],
        clock.iso(clock.now()),
        merged["active"],
        version=version,
    ).to_dict()


def list_categories() -> dict[str, Any]:
    return {"items": [c.to_dict() for c in reference.list_categories()], "next_cursor": None}


def _check_routing(request: dict[str, Any], merged: dict[str, Any]) -> None:
    """Check what the request changes: a stored department that was deactivated since must
    not stop the admin from turning auto-dispatch off."""
    target = merged.get("default_department")
    if target is not None and ("default_department" in request or request.get("auto_dispatch")):
        department = reference.get_department(target)
        if department is None or not department.active:
            raise ValidationFailed.one("default_department", "is not an active department")
    if merged.get("auto_dispatch") and not target:
        raise ValidationFailed.one("auto_dispatch", "needs a default_department")


def _save_category(
    code: str, merged: dict[str, Any], *, create: bool, version: int | None
) -> dict[str, Any]:
    return reference.put_category(
        code,
        name=merged["name"],
        group=merged.get("group"),
        default_department=merged.get("default_department"),
        keywords=list(merged.get("keywords", [])),
        auto_dispatch=bool(merged.get("auto_dispatch", False)),
        reply_working_days=dict(merged.get("reply_working_days") or {}),
        active=bool(merged.get("active", True)),
        updated_at=clock.iso(clock.now()),
        create=create,
        version=version,
        policy_reference=bool(merged.get("policy_reference", False)),
    ).to_dict()


def create_category(body: Any) -> dict[str, Any]:
    request = validate(admin_schemas.CATEGORY_CREATE, body)
    _check_routing(request, request)
    return _save_category(request["code"], request, create=True, version=None)


def update_category(code: str, body: Any) -> dict[str, Any]:
    request = validate(admin_schemas.CATEGORY_UPDATE, body)
    stored = reference.category_with_version(code)
    if stored is None:
        raise NotFound(f"no category {code}")
    current, version = stored
    merged = {**current.to_dict(), **request}
    _check_routing(request, merged)
    return _save_category(code, merged, create=False, version=version)
