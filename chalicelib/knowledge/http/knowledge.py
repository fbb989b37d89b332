"""The knowledge base (知识库): articles, search, "did this answer your question?", and the
center's direct reply to a consultation (直办). The service (and through it the search
index) is imported when a route is called, not at every function's start."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.workflow import Action
from chalicelib.core.http.base import (
    CURSOR_PARAM,
    LIMIT_PARAM,
    action_routes,
    api,
    json_response,
    page_params,
    read_json,
)
from chalicelib.knowledge.domain import knowledge as kb

bp = Blueprint(__name__)

ARTICLE_ID = "{article_id}"


def _service() -> Any:
    from chalicelib.knowledge.services import knowledge

    return knowledge


def center_reply(principal: Principal, appeal_id: str, body: Any) -> Any:
    return _service().center_reply(principal, appeal_id, body)


action_routes(
    bp,
    "knowledge",
    (
        "direct-reply",
        Action.CENTER_REPLY,
        center_reply,
        kb.CENTER_REPLY,
        "Reply to a consultation directly from a knowledge-base article (直办), optionally "
        "edited: submitted or accepted becomes replied by the center, with no dispatch and "
        "no department; the citizen rates it as any reply",
    ),
    feature="knowledge",
)


@api(
    bp,
    "/knowledge/articles",
    "GET",
    summary="Knowledge-base articles (every one, in force or not), in pages",
    roles=kb.READERS,
    tag="knowledge",
    responses={200: kb.ARTICLE_PAGE},
    query=(LIMIT_PARAM, CURSOR_PARAM),
    feature="knowledge",
)
def list_articles(_principal: Principal) -> Response:
    limit, cursor = page_params(bp.current_request)
    return json_response(_service().list_articles(limit, cursor))


@api(
    bp,
    "/knowledge/articles",
    "POST",
    summary="Add an article: a department keeps its own, the center any department's or its "
    "own (`owner_department_id`: center)",
    roles=kb.EDITORS,
    tag="knowledge",
    request=kb.ARTICLE_CREATE,
    responses={201: kb.ARTICLE},
    feature="knowledge",
)
def add_article(principal: Principal) -> Response:
    body = read_json(bp.current_request)
    return json_response(_service().create_article(principal, body), 201)


@api(
    bp,
    f"/knowledge/articles/{ARTICLE_ID}",
    "GET",
    summary="One article with every version (who changed what, when) and its helpful count",
    roles=kb.READERS,
    tag="knowledge",
    responses={200: kb.ARTICLE},
    feature="knowledge",
)
def read_article(_principal: Principal, article_id: str) -> Response:
    return json_response(_service().get_article(article_id))


@api(
    bp,
    f"/knowledge/articles/{ARTICLE_ID}",
    "PUT",
    summary="Change an article (the fields given); a new version is kept. Department staff "
    "change their own department's articles only",
    roles=kb.EDITORS,
    tag="knowledge",
    request=kb.ARTICLE_UPDATE,
    responses={200: kb.ARTICLE},
    feature="knowledge",
)
def change_article(principal: Principal, article_id: str) -> Response:
    body = read_json(bp.current_request)
    return json_response(_service().update_article(principal, article_id, body))


@api(
    bp,
    "/knowledge/search",
    "GET",
    summary="Search articles in force (BM25 over Chinese words, boosted by category and "
    "freshness). Staff see every article with highlights; citizens public articles only",
    roles=kb.SEARCHERS,
    tag="knowledge",
    responses={200: kb.SEARCH_RESULT},
    query=(
        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
        {"name": "category", "in": "query", "schema": {"type": "string"}},
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
        },
    ),
    feature="knowledge",
)
def search(principal: Principal) -> Response:
    params = dict(bp.current_request.query_params or {})
    return json_response(_service().search_articles(principal, params))


@api(
    bp,
    f"/knowledge/articles/{ARTICLE_ID}/helpful",
    "POST",
    summary="The citizen says this article answered their question (no appeal needed): "
    "counted once per citizen, as deflected in the statistics",
    roles=(Role.CITIZEN,),
    tag="knowledge",
    responses={200: kb.HELPFUL_RESULT},
    feature="knowledge",
)
def helpful(principal: Principal, article_id: str) -> Response:
    read_json(bp.current_request)  # no body is needed; a malformed one is still refused
    return json_response(_service().mark_helpful(principal, article_id))
