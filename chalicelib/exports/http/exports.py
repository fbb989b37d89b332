"""Exports (导出): ask for a spreadsheet of a period's work orders, the bulletin's figures
or the rankings; read how far it got, then a short link to the file."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.domain.principal import Principal
from chalicelib.core.http.base import IDEMPOTENCY_HEADER, api, json_response, read_json
from chalicelib.exports.domain.exports import EXPORT_RECORD, EXPORT_REQUEST, REQUESTERS

bp = Blueprint(__name__)


@api(
    bp,
    "/exports",
    "POST",
    summary="Ask for an export file (xlsx or csv) of a period's work orders, the bulletin's "
    "figures or the rankings: built in the background (202), contacts masked",
    roles=REQUESTERS,
    tag="exports",
    request=EXPORT_REQUEST,
    responses={202: EXPORT_RECORD},
    headers=(IDEMPOTENCY_HEADER,),
)
def request_export(principal: Principal) -> Response:
    from chalicelib.exports.services import exports

    request = bp.current_request
    shown, replayed = exports.request_export(
        principal, read_json(request), request.headers.get("idempotency-key")
    )
    headers = {"Location": f"/exports/{shown['id']}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(shown, 202, headers)


@api(
    bp,
    "/exports/{export_id}",
    "GET",
    summary="An export's state (queued, running, done, failed, expired); once done a link "
    "to the file valid for 5 minutes. Its requester's own, or any for an admin",
    roles=REQUESTERS,
    tag="exports",
    responses={200: EXPORT_RECORD},
)
def show_export(principal: Principal, export_id: str) -> Response:
    from chalicelib.exports.services import exports

    return json_response(exports.show(principal, export_id))
