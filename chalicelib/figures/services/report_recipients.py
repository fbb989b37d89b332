"""Who receives the reports: the leaders' addresses for the daily, and per department the
addresses for its weekly copy. One platform setting the admin replaces as a whole."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import Principal
from chalicelib.core.observability import logger
from chalicelib.core.store import reference
from chalicelib.figures.domain.reports import check_recipients

SETTING = "report_recipients"


def _shape(data: dict[str, Any], version: int) -> dict[str, Any]:
    weekly = data.get("weekly") or {}
    return {
        "daily": [str(a) for a in data.get("daily") or []],
        "weekly": {str(d): [str(a) for a in weekly[d]] for d in sorted(weekly)},
        "updated_at": data.get("updated_at"),
        "version": version,
    }


def current(*, fresh: bool = False) -> dict[str, Any]:
    """The list as stored (``fresh``: a consistent read, not the cached one)."""
    data, version = (
        reference.setting_with_version(SETTING) if fresh else reference.get_setting(SETTING)
    )
    return _shape(data, version)


def replace(principal: Principal, body: Any) -> dict[str, Any]:
    """Store the admin's whole list, or nothing when any address or department is wrong."""
    departments = [d.id for d in reference.list_departments()]
    checked = check_recipients(body, departments)
    _data, version = reference.setting_with_version(SETTING)
    at = clock.iso(clock.now())
    stored = {**checked, "updated_at": at}
    reference.put_setting(SETTING, stored, at, version)
    logger.info(
        "report recipients replaced",
        extra={
            "by": principal.id,
            "daily": len(checked["daily"]),
            "departments": len(checked["weekly"]),
        },
    )
    return _shape(stored, version + 1)
