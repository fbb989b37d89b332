"""The public's figures: no login. Rankings, platform statistics and hot topics."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.http.base import api, json_response, page_params
from chalicelib.figures.domain.rankings import BOARDS
from chalicelib.figures.services import rankings

bp = Blueprint(__name__)

PERIOD = {
    "name": "period",
    "in": "query",
    "description": "YYYY-MM-DD, YYYY-Www (ISO week) or YYYY-MM, Asia/Shanghai; default: "
    "the current month",
    "schema": {"type": "string"},
}
CACHE = {"Cache-Control": "public, max-age=60"}
ENTRY = {
    "type": "object",
    "properties": {
        "department_id": {"type": "string"},
        "name": {"type": "string"},
        "rank": {"type": ["integer", "null"]},
        "ranked": {"type": "boolean"},
        "value": {"type": ["number", "null"]},
        "count": {"type": "integer"},
        "cases": {"type": "integer"},
    },
}
RANKINGS = {
    "type": "object",
    "properties": {
        "period": {"type": "string"},
        "boards": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "board": {"type": "string", "enum": list(BOARDS)},
                    "period": {"type": "string"},
                    "generated_at": {"type": "string"},
                    "min_cases": {"type": "integer"},
                    "platform": {"type": "object"},
                    "entries": {"type": "array", "items": ENTRY},
                },
            },
        },
    },
}
STATS = {
    "type": "object",
    "properties": {
        "period": {"type": "string"},
        "counters": {"type": "object"},
        "rates": {"type": "object"},
        "knowledge": {
            "type": "object",
            "description": "center_replied: consultations the center answered itself from "
            "the knowledge base (直办, no dispatch); deflected: answers citizens said made an "
            "appeal unnecessary",
            "properties": {
                "center_replied": {"type": "integer"},
                "deflected": {"type": "integer"},
            },
        },
        "channels": {
            "type": "object",
            "description": "appeals submitted in the period by channel (app, wechat, web, "
            "hotline, mailbox, deputy, open311)",
            "additionalProperties": {"type": "integer"},
        },
        "kinds": {
            "type": "object",
            "description": "appeals submitted in the period by kind, as submitted",
            "additionalProperties": {"type": "integer"},
        },
        "transfers": {
            "type": "object",
            "description": "appeals transferred at once (即时转办) in the period, by target: "
            "110, 119, 120, 122, other",
            "additionalProperties": {"type": "integer"},
        },
        "rejections": {
            "type": "object",
            "description": "appeals not accepted (不予受理) in the period, by reason code",
            "additionalProperties": {"type": "integer"},
        },
        "callbacks": {
            "type": "object",
            "description": "the center's calls to citizens after a reply (回访) in the "
            "period: made (every call) and reached (the citizen answered; the answer is a "
            "rating, counted in the rates)",
            "properties": {"made": {"type": "integer"}, "reached": {"type": "integer"}},
        },
        "ratings_excluded": {
            "type": "integer",
            "description": "ratings of the period excluded from the rates (差评审核, 剔除) by a "
            "leader's or admin's decision with a reason; the rates are as if they had not "
            "been given",
        },
    },
}
TOPICS = {
    "type": "object",
    "properties": {
        "period": {"type": "string"},
        "topics": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "word": {"type": "string"},
                    "citizens": {
                        "type": "integer",
                        "description": "different citizens who raised it (at least 3)",
                    },
                    "appeals": {"type": "integer"},
                },
            },
        },
        "by_category": {"type": "object"},
    },
}


@api(
    bp,
    "/public/rankings",
    "GET",
    roles=None,
    tag="public",
    summary="Department rankings: volume, overdue rate, return rate, satisfaction",
    responses={200: RANKINGS},
    query=(
        PERIOD,
        {"name": "board", "in": "query", "schema": {"type": "string", "enum": list(BOARDS)}},
    ),
)
def public_rankings(_principal: None) -> Response:
    params: dict[str, str] = dict(bp.current_request.query_params or {})
    return json_response(
        rankings.public_rankings(params.get("period"), params.get("board")), headers=CACHE
    )


@api(
    bp,
    "/public/stats",
    "GET",
    roles=None,
    tag="public",
    summary="Platform figures: volumes and the on-time, response, resolution and "
    "satisfaction rates",
    responses={200: STATS},
    query=(PERIOD,),
)
def public_stats(_principal: None) -> Response:
    params: dict[str, str] = dict(bp.current_request.query_params or {})
    return json_response(rankings.public_stats(params.get("period")), headers=CACHE)


@api(
    bp,
    "/public/hot-topics",
    "GET",
    roles=None,
    tag="public",
    summary="The words most citizens raise, overall and per category (3 citizens at least)",
    responses={200: TOPICS},
    query=(
        PERIOD,
        {"name": "category", "in": "query", "schema": {"type": "string"}},
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        },
    ),
)
def public_hot_topics(_principal: None) -> Response:
    params: dict[str, str] = dict(bp.current_request.query_params or {})
    limit, _cursor = page_params(bp.current_request)
    return json_response(
        rankings.hot_topics(params.get("period"), params.get("category"), limit),
        headers=CACHE,
    )


MONTH = {"type": "string", "pattern": r"^\d{4}-\d{2}$"}
RATES_OF_MONTH = {
    "type": "object",
    "description": "按期办结率 on_time_completion_rate, and the three rates: response_rate, "
    "resolution_rate, satisfaction_rate (null: nothing to divide by)",
    "additionalProperties": {"type": ["number", "null"]},
}
TRENDS = {
    "type": "object",
    "properties": {
        "from": {"type": "string"},
        "to": {"type": "string"},
        "department_id": {"type": ["string", "null"]},
        "months": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "month": {"type": "string"},
                    "submitted": {"type": "integer", "description": "appeals received"},
                    "dispatched": {"type": "integer"},
                    "replied": {"type": "integer"},
                    "rates": RATES_OF_MONTH,
                    "categories": {
                        "type": "object",
                        "description": "accepted appeals per category code, in the month "
                        "they were submitted (the platform's trend only)",
                        "additionalProperties": {"type": "integer"},
                    },
                },
            },
        },
        "categories": {
            "type": "array",
            "description": "the categories with appeals in the range, the most first",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "total": {"type": "integer"},
                },
            },
        },
    },
}


@api(
    bp,
    "/public/trends",
    "GET",
    roles=None,
    tag="public",
    summary="Month by month: volumes, the on-time rate and the three rates, and appeals "
    "per category (at most 24 months)",
    responses={200: TRENDS},
    query=(
        {
            "name": "from",
            "in": "query",
            "schema": MONTH,
            "description": "First month, YYYY-MM; default: 11 months before `to`",
        },
        {
            "name": "to",
            "in": "query",
            "schema": MONTH,
            "description": "Last month, YYYY-MM, not before `from` and at most 23 months "
            "after it; default: the current month (Asia/Shanghai)",
        },
        {
            "name": "department_id",
            "in": "query",
            "schema": {"type": "string"},
            "description": "One department's own trend (its counters; no categories)",
        },
    ),
)
def public_trends(_principal: None) -> Response:
    from chalicelib.figures.services import trends

    params: dict[str, str] = dict(bp.current_request.query_params or {})
    return json_response(
        trends.trends(params.get("from"), params.get("to"), params.get("department_id")),
        headers=CACHE,
    )
