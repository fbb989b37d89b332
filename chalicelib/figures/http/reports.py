"""Reports: the emailed HTML read in a browser, and the admin's list of recipients."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.http.base import api, json_response, read_json
from chalicelib.figures.domain.reports import RECIPIENTS

bp = Blueprint(__name__)
READERS = (Role.LEADER, Role.ADMIN)
HTML = {"type": "string", "description": "The report as emailed (HTML, UTF-8)"}
RECIPIENT_LIST = {
    **{k: v for k, v in RECIPIENTS.items() if k != "additionalProperties"},
    "properties": {
        **RECIPIENTS["properties"],
        "updated_at": {"type": ["string", "null"]},
        "version": {"type": "integer"},
    },
}
# The page needs no script, no remote resource: say so to the browser too.
HTML_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}


def html_response(body: str) -> Response:
    return Response(body=body, status_code=200, headers=dict(HTML_HEADERS))


def _query() -> dict[str, str]:
    return dict(bp.current_request.query_params or {})


@api(
    bp,
    "/reports/daily",
    "GET",
    summary="The leaders' daily report of a day (default yesterday), as emailed at the report "
    "hour (the stack's ReportHour, 08:00 by default)",
    roles=READERS,
    tag="reports",
    responses={200: HTML},
    query=({"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}},),
    content_type="text/html",
)
def daily_report(principal: Principal) -> Response:
    from chalicelib.figures.services import (
        report_views as views,  # the renderer: only for this route
    )

    return html_response(views.daily_html(principal, _query().get("date")))


@api(
    bp,
    "/reports/weekly",
    "GET",
    summary="A department's weekly report of an ISO week (default last week), as emailed "
    "on Mondays; department staff read their own",
    roles=(Role.LEADER, Role.ADMIN, Role.DEPARTMENT),
    tag="reports",
    responses={200: HTML},
    query=(
        {"name": "week", "in": "query", "schema": {"type": "string", "pattern": r"^\d{4}-W\d{2}$"}},
        {
            "name": "department_id",
            "in": "query",
            "schema": {"type": "string"},
            "description": "Required for leaders and admins; staff default to their own",
        },
    ),
    content_type="text/html",
)
def weekly_report(principal: Principal) -> Response:
    from chalicelib.figures.services import report_views as views

    query = _query()
    return html_response(
        views.weekly_html(principal, query.get("week"), query.get("department_id"))
    )


@api(
    bp,
    "/reports/monthly",
    "GET",
    summary="The monthly bulletin (月度通报) of a month (default last month), as emailed to "
    "the leaders on the 1st at 09:00",
    roles=READERS,
    tag="reports",
    responses={200: HTML},
    query=(
        {
            "name": "month",
            "in": "query",
            "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
            "description": "YYYY-MM, not after the current month (Asia/Shanghai)",
        },
    ),
    content_type="text/html",
)
def monthly_report(principal: Principal) -> Response:
    from chalicelib.figures.services import report_views as views

    return html_response(views.monthly_html(principal, _query().get("month")))


@api(
    bp,
    "/report-recipients",
    "GET",
    summary="Who receives the reports: leaders' addresses (daily), departments' (weekly)",
    roles=(Role.ADMIN,),
    tag="reports",
    responses={200: RECIPIENT_LIST},
    feature="reports",
)
def report_recipients(_principal: Principal) -> Response:
    from chalicelib.figures.services import report_recipients as recipients

    return json_response(recipients.current(fresh=True))


@api(
    bp,
    "/report-recipients",
    "PUT",
    summary="Replace the report recipients (every address checked; nothing stored on error)",
    roles=(Role.ADMIN,),
    tag="reports",
    request=RECIPIENTS,
    responses={200: RECIPIENT_LIST},
    feature="reports",
)
def replace_report_recipients(principal: Principal) -> Response:
    from chalicelib.figures.services import report_recipients as recipients

    return json_response(recipients.replace(principal, read_json(bp.current_request)))
