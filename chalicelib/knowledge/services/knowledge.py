"""Knowledge base use cases: articles kept by departments and the center (every change
kept), search for staff and for citizens before they submit, "this answered my question",
and the center's direct reply to a consultation from an article (直办)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Appeal, Kind
from chalicelib.core.domain.periods import periods_of
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.validation import validate
from chalicelib.core.domain.workflow import Action, conflict
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import reference
from chalicelib.knowledge.domain import knowledge as kb
from chalicelib.knowledge.services import knowledge_search
from chalicelib.knowledge.store import knowledge as store
from chalicelib.work_orders.services.transitions import perform

MAX_QUERY = 200
CATEGORY_CODE = r"^[a-z0-9][a-z0-9-]{0,63}$"


def _check_references(fields: dict[str, Any]) -> None:
    errors = reference.category_errors(fields.get("category"))
    owner = fields.get("owner_department_id")
    if owner is not None and owner != kb.CENTER_OWNER:
        department = reference.get_department(owner)
        if department is None or not department.active:
            errors.append(
                {
                    "field": "owner_department_id",
                    "message": f"is not an active department (or {kb.CENTER_OWNER})",
                }
            )
    if errors:
        raise ValidationFailed(errors)


def _get(article_id: str) -> kb.Article | None:
    """The article, or None; an id no article could have is never looked up."""
    if not re.match(kb.ARTICLE_ID_PATTERN, article_id):
        return None
    return store.get(article_id)


def _load(article_id: str) -> kb.Article:
    article = _get(article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    return article


def create_article(principal: Principal, body: Any) -> dict[str, Any]:
    fields = validate(kb.ARTICLE_CREATE, body)
    kb.check_dates(fields)
    _check_references(fields)
    now = clock.now()
    article = kb.new_article(principal, fields, now)
    store.save(article, None)
    knowledge_search.invalidate()
    logger.info("article created", extra={"article_id": article.id, "actor": principal.actor()})
    metrics.add_metric(name="KnowledgeArticleWritten", unit="Count", value=1)
    return article.view(now.date())


def update_article(principal: Principal, article_id: str, body: Any) -> dict[str, Any]:
    fields = validate(kb.ARTICLE_UPDATE, body)
    kb.check_dates(fields)
    article = _load(article_id)
    kb.check_may_edit(principal, article)
    asked = fields.pop("version", None)
    if asked is not None and asked != article.version:
        raise ValidationFailed.one(
            "version", f"is not the current version ({article.version}): read it again"
        )
    _check_references(fields)
    now = clock.now()
    after = kb.changed(article, principal, fields, now)
    store.save(after, article.version)
    knowledge_search.invalidate()
    logger.info(
        "article changed",
        extra={"article_id": article.id, "version": after.version, "actor": principal.actor()},
    )
    metrics.add_metric(name="KnowledgeArticleWritten", unit="Count", value=1)
    return after.view(now.date())


def get_article(article_id: str) -> dict[str, Any]:
    article = _load(article_id)
    return {
        **article.view(clock.now().date()),
        "helpful": store.helpful_count(article_id),
        "versions": store.versions(article_id),
    }


def list_articles(limit: int, cursor: str | None) -> dict[str, Any]:
    today = clock.now().date()
    items, next_cursor = store.page(limit, cursor)
    return {"items": [a.view(today) for a in items], "next_cursor": next_cursor}


def search_articles(principal: Principal, params: dict[str, str]) -> dict[str, Any]:
    """Staff see every article in force, with where the words matched; a citizen sees
    public ones only (what the app offers before they submit)."""
    query = (params.get("q") or "").strip()
    if not query:
        raise ValidationFailed.one("q", "is required")
    if len(query) > MAX_QUERY:
        raise ValidationFailed.one("q", f"must have at most {MAX_QUERY} characters")
    raw_limit = params.get("limit", "5")
    limit = int(raw_limit) if raw_limit.isdigit() else 0
    if not 1 <= limit <= 20:
        raise ValidationFailed.one("limit", "must be an integer from 1 to 20")
    category = params.get("category") or None
    if category is not None and (
        not re.match(CATEGORY_CODE, category) or reference.get_category(category) is None
    ):
        raise ValidationFailed.one("category", "is not a known category")
    citizen = principal.role is Role.CITIZEN
    terms, hits = knowledge_search.search(
        query,
        limit=limit,
        today=clock.now().date(),
        public_only=citizen,
        category=category,
    )
    results = []
    for hit in hits:
        shown = hit.article.public_view() if citizen else hit.article.view(clock.now().date())
        shown["score"] = round(hit.score, 4)
        if not citizen:
            shown["highlights"] = kb.highlights(hit.article, terms)
        results.append(shown)
    metrics.add_metric(name="KnowledgeSearch", unit="Count", value=1)
    return {"query": query, "terms": terms, "results": results}


def citizen_key(article_id: str, citizen_id: str) -> str:
    """One-way: the marker says a citizen counted, not who."""
    digest = hashlib.sha256(f"minsheng-helpful\0{article_id}\0{citizen_id}".encode())
    return digest.hexdigest()[:32]


def mark_helpful(principal: Principal, article_id: str) -> dict[str, Any]:
    """The citizen's answer to "did this answer your question?": yes, so no appeal. Once
    per citizen and article; counted as deflected in the statistics of the day."""
    article = _get(article_id)
    today = clock.now().date()
    if article is None or not article.public or not article.in_force(today):
        raise NotFound(f"no article {article_id}")
    now = clock.now()
    counted = store.mark_helpful(
        article_id, citizen_key(article_id, principal.id), periods_of(now), clock.iso(now)
    )
    if counted:
        metrics.add_metric(name="KnowledgeDeflected", unit="Count", value=1)
    return {"article_id": article_id, "counted": counted}


def center_reply(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    """直办: the operator answers a consultation from an article (its answer, or the
    operator's edit of it); no dispatch, no department."""

    def check(appeal: Appeal, params: dict[str, Any]) -> None:
        if appeal.kind is not Kind.CONSULTATION:
            raise conflict(
                appeal,
                f"only a consultation is answered by the center; this is a {appeal.kind.value}",
            )
        article = store.get(params["article_id"])
        if article is None:
            raise ValidationFailed.one("article_id", "is not an article of the knowledge base")
        if not article.in_force(clock.now().date()):
            raise ValidationFailed.one("article_id", "is not in force")
        if not article.public and not params.get("content"):
            # Staff-only guidance is never sent to a citizen word for word.
            raise ValidationFailed.one(
                "content", "is required: the article is for staff only; write the answer"
            )
        content = params.get("content") or article.answer
        params.update(
            content=content,
            article_version=article.version,
            edited=content != article.answer,
        )

    return perform(
        principal,
        appeal_id,
        Action.CENTER_REPLY,
        body,
        schema=kb.CENTER_REPLY,
        check=check,
    )


def demo_articles() -> list[dict[str, Any]]:
    """The reference district's articles, written for this project (chalicelib/data)."""
    import json
    from importlib import resources

    text = resources.files("chalicelib.data").joinpath("knowledge.json").read_text("utf-8")
    rows: list[dict[str, Any]] = json.loads(text)
    return rows


def import_articles(rows: list[dict[str, Any]], at: str, by: str = "demo") -> int:
    """Load articles (the shape of chalicelib/data/knowledge.json, ids included) as the
    center would add them; an article already there is left as it is. Returns how many
    were added."""
    from chalicelib.core.errors import Conflict

    principal = Principal(by, Role.ADMIN)
    moment = clock.parse_iso(at)
    added = 0
    for row in rows:
        fields = {k: v for k, v in row.items() if k != "id"}
        fields = validate(kb.ARTICLE_CREATE, fields)
        kb.check_dates(fields)
        _check_references(fields)
        try:
            store.save(kb.new_article(principal, fields, moment, article_id=row["id"]), None)
            added += 1
        except Conflict:
            continue
    knowledge_search.invalidate()
    return added


def review_due(owner: str, day: str) -> list[kb.Article]:
    """The owner's current articles whose review date is before ``day``."""
    return store.review_due(owner, day)


def upkeep(month_start: str, month_end: str, today: str) -> dict[str, dict[str, int]]:
    """Per owner (a department id or ``center``), for the month from ``month_start`` to
    ``month_end`` (both YYYY-MM-DD, the end excluded): ``knowledge_updated``, the articles
    written or changed in the month (知识库更新数: added, revised or reviewed), and
    ``knowledge_review_due``, the articles whose review date had passed when the month
    ended (or by ``today``, for the month in progress). Read from the current articles,
    and the versions of those changed since the month began (what they were then)."""
    cutoff = min(month_end, today)
    out: dict[str, dict[str, int]] = {}
    for article in store.all_articles():
        if _local_day(article.created_at) >= month_end:
            continue  # written after the month
        if _local_day(article.updated_at) >= month_start:
            versions = store.versions(article.id)
        else:
            versions = [article.to_dict()]
        days = [(_local_day(str(v.get("updated_at", ""))), v) for v in versions]
        then = [v for day, v in days if day < month_end]
        if not then:
            continue
        state = then[-1]
        owner = str(state.get("owner_department_id") or article.owner)
        counts = out.setdefault(owner, {"knowledge_updated": 0, "knowledge_review_due": 0})
        counts["knowledge_updated"] += any(month_start <= day < month_end for day, _ in days)
        counts["knowledge_review_due"] += str(state.get("review_at", "9999")) < cutoff
    return out


def _local_day(at: str) -> str:
    """The day (Asia/Shanghai) of a stored time; an empty one sorts before every day."""
    return clock.parse_iso(at).astimezone(clock.TZ).date().isoformat() if at else ""
