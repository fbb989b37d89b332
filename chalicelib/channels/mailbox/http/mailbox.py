"""The mayor's mailbox (区长信箱) for the platform center: letters flagged for a person."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.channels.mailbox.domain import schemas as mailbox_schemas
from chalicelib.core.domain import schemas
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.http.base import CURSOR_PARAM, LIMIT_PARAM, api, json_response, page_params

bp = Blueprint(__name__)


@api(
    bp,
    "/mailbox/messages",
    "GET",
    summary="Letters to the mayor's mailbox waiting for an operator (senders SES did not "
    "verify, spam, viruses, letters over the limits or unreadable, auto-replies, bounces, "
    "no text, refused, an appeal already closed), newest first; operators get a link to "
    "each raw message, valid 5 minutes (admins: subject masked, no link)",
    roles=(Role.OPERATOR, Role.ADMIN),
    tag="mailbox",
    query=(
        {
            "name": "status",
            "in": "query",
            "schema": {"type": "string", "enum": ["flagged"], "default": "flagged"},
        },
        LIMIT_PARAM,
        CURSOR_PARAM,
    ),
    responses={200: schemas.listing(mailbox_schemas.MAIL_LETTER)},
    feature="mailbox",
)
def list_letters(principal: Principal) -> Response:
    # The mail parser and templates load only where letters are handled (cold start).
    from chalicelib.channels.mailbox.services import mailbox

    limit, cursor = page_params(bp.current_request)
    params = dict(bp.current_request.query_params or {})
    return json_response(mailbox.list_letters(principal, params, limit, cursor))
