"""Reports read over HTTP: the same HTML the emails carry."""

from __future__ import annotations

from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import Forbidden, ValidationFailed
from chalicelib.core.store import reference
from chalicelib.figures.domain.reports import parse_day, parse_week
from chalicelib.figures.services import report_figures as figures
from chalicelib.figures.services import report_render as render


def daily_html(_principal: Principal, date_text: str | None) -> str:
    """Leaders and admins: the daily report of ``date`` (default: yesterday)."""
    now = clock.now()
    return render.daily(figures.daily(parse_day(date_text, now), now)).html


def weekly_html(principal: Principal, week_text: str | None, department_id: str | None) -> str:
    """Leaders and admins: any department's weekly copy; department staff: their own (another
    department's is 403: departments are no secret, their figures are theirs)."""
    now = clock.now()
    week = parse_week(week_text, now)
    if principal.role is Role.DEPARTMENT:
        wanted = department_id or principal.department_id
        if wanted != principal.department_id:
            raise Forbidden("a department reads its own weekly report only")
    elif not department_id:
        raise ValidationFailed.one("department_id", "is required")
    else:
        wanted = department_id
    department = reference.get_department(str(wanted))
    if department is None:
        raise ValidationFailed.one("department_id", "is not a department")
    return render.weekly(figures.weekly(week, department.id, department.name, now)).html


def monthly_html(_principal: Principal, month_text: str | None) -> str:
    """Leaders and admins: the bulletin of ``month`` (default: last month)."""
    from chalicelib.figures.domain.bulletin import parse_month
    from chalicelib.figures.services import report_bulletin

    now = clock.now()
    return render.monthly(report_bulletin.monthly(parse_month(month_text, now), now)).html
