"""The knowledge base (知识库): vetted answers kept by departments and the platform center,
offered to operators and to citizens before they submit, and used by the center to reply
to consultations itself (直办). Pure: the article, who may edit it, when it is in force,
and how search scores are adjusted."""

from __future__ import annotations

import math
import secrets
from dataclasses import field, replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import Forbidden, ValidationFailed

CENTER_OWNER = "center"  # articles the platform center keeps itself
DEFAULT_REVIEW_DAYS = 365
MAX_QUESTIONS = 20
_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ARTICLE_ID_PATTERN = r"^kb-[0-9a-z][0-9a-z-]{2,60}$"

# Who does what (the routes' roles): staff read, search and edit; citizens search public
# articles and say an answer helped.
READERS = (Role.OPERATOR, Role.DEPARTMENT, Role.LEADER, Role.ADMIN)
EDITORS = (Role.OPERATOR, Role.DEPARTMENT, Role.ADMIN)
SEARCHERS = (Role.CITIZEN, *READERS)

# Search: BM25 from the index, then these. An article of the category asked for weighs
# more; a recently reviewed or changed one a little more than a stale one.
CATEGORY_BOOST = 1.5
FRESHNESS_BOOST = 0.2  # at most +20 % for an article changed today
FRESHNESS_HALF_LIFE_DAYS = 180


def new_article_id() -> str:
    return "kb-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


@frozen
class Article:
    id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    category: str
    owner: str  # a department id, or ``center``
    valid_from: str  # YYYY-MM-DD, inclusive
    valid_to: str | None  # YYYY-MM-DD, inclusive; None: no end
    review_at: str  # YYYY-MM-DD: when the owner must look at it again
    public: bool
    version: int
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str
    note: str | None = None  # what the last change was
    extra: dict[str, Any] = field(default_factory=dict)

    def in_force(self, today: date) -> bool:
        """Valid today: on or after ``valid_from``, on or before ``valid_to``."""
        day = today.isoformat()
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def review_overdue(self, today: date) -> bool:
        return self.review_at < today.isoformat()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "questions": list(self.questions),
            "answer": self.answer,
            "category": self.category,
            "owner_department_id": self.owner,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "review_at": self.review_at,
            "public": self.public,
            "version": self.version,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Article:
        return cls(
            id=str(raw["id"]),
            title=str(raw["title"]),
            questions=tuple(str(q) for q in raw.get("questions") or ()),
            answer=str(raw["answer"]),
            category=str(raw["category"]),
            owner=str(raw["owner_department_id"]),
            valid_from=str(raw["valid_from"]),
            valid_to=str(raw["valid_to"]) if raw.get("valid_to") else None,
            review_at=str(raw["review_at"]),
            public=bool(raw.get("public", True)),
            version=int(raw.get("version", 1)),
            created_at=str(raw.get("created_at", "")),
            created_by=str(raw.get("created_by", "")),
            updated_at=str(raw.get("updated_at", "")),
            updated_by=str(raw.get("updated_by", "")),
            note=str(raw["note"]) if raw.get("note") else None,
        )

    def view(self, today: date) -> dict[str, Any]:
        """As staff see it: the article, whether it is in force, whether its review is due."""
        return {
            **self.to_dict(),
            "in_force": self.in_force(today),
            "review_overdue": self.review_overdue(today),
        }

    def public_view(self) -> dict[str, Any]:
        """What a citizen reads: the answer, never who kept or changed it."""
        return {
            "id": self.id,
            "title": self.title,
            "answer": self.answer,
            "category": self.category,
            "updated_at": self.updated_at,
        }

    def search_text(self) -> tuple[str, str, str]:
        """(title, question variants, answer): what the index reads."""
        return self.title, "\n".join(self.questions), self.answer


# -- request bodies ----------------------------------------------------------------------

_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_CODE = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,63}$"}


def _text(max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": r"\S"}


ARTICLE_FIELDS: dict[str, Any] = {
    "title": _text(100),
    "questions": {
        "type": "array",
        "maxItems": MAX_QUESTIONS,
        "uniqueItems": True,
        "items": _text(200),
    },
    "answer": _text(4000),
    "category": _CODE,
    "owner_department_id": _CODE,
    "valid_from": _DATE,
    "valid_to": {"anyOf": [_DATE, {"type": "null"}]},
    "review_at": _DATE,
    "public": {"type": "boolean"},
    "note": {"type": "string", "maxLength": 500},
}
ARTICLE_CREATE: dict[str, Any] = {
    "$id": "KnowledgeArticleCreate",
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "answer", "category"],
    "properties": ARTICLE_FIELDS,
}
ARTICLE_UPDATE: dict[str, Any] = {
    "$id": "KnowledgeArticleUpdate",
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        **ARTICLE_FIELDS,
        "version": {
            "type": "integer",
            "minimum": 1,
            "description": "The version the change was made from; a later one is a 409.",
        },
    },
}
CENTER_REPLY: dict[str, Any] = {
    "$id": "CenterReply",
    "type": "object",
    "additionalProperties": False,
    "required": ["article_id"],
    "properties": {
        "article_id": {"type": "string", "pattern": ARTICLE_ID_PATTERN},
        "content": {
            **_text(4000),
            "description": "The answer as sent, when the operator edited the article's.",
        },
        "public_reply": _text(4000),
    },
}
ARTICLE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "title", "answer", "category", "version"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "questions": {"type": "array", "items": {"type": "string"}},
        "answer": {"type": "string"},
        "category": {"type": "string"},
        "owner_department_id": {"type": "string"},
        "valid_from": {"type": "string"},
        "valid_to": {"type": ["string", "null"]},
        "review_at": {"type": "string"},
        "public": {"type": "boolean"},
        "version": {"type": "integer"},
        "in_force": {"type": "boolean"},
        "review_overdue": {"type": "boolean"},
        "helpful": {"type": "integer"},
        "versions": {"type": "array", "items": {"type": "object"}},
    },
}
ARTICLE_PAGE: dict[str, Any] = {
    "type": "object",
    "required": ["items", "next_cursor"],
    "properties": {
        "items": {"type": "array", "items": ARTICLE},
        "next_cursor": {"type": ["string", "null"]},
    },
}
SEARCH_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["query", "results"],
    "properties": {
        "query": {"type": "string"},
        "terms": {"type": "array", "items": {"type": "string"}},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title", "answer", "score"],
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "answer": {"type": "string"},
                    "category": {"type": "string"},
                    "score": {"type": "number"},
                    "highlights": {
                        "type": "array",
                        "description": "Operators only: where the query's words are, as "
                        "[start, end) character offsets into the field's text.",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {"type": "string"},
                                "text": {"type": "string"},
                                "matches": {
                                    "type": "array",
                                    "items": {"type": "array", "items": {"type": "integer"}},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
HELPFUL_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["article_id", "counted"],
    "properties": {
        "article_id": {"type": "string"},
        "counted": {
            "type": "boolean",
            "description": "false when this citizen had already said so",
        },
    },
}


def _day(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed.one(name, "is not a date (YYYY-MM-DD)") from exc


def check_dates(fields: dict[str, Any]) -> None:
    """Dates that exist, and an end on or after the start."""
    errors: list[dict[str, str]] = []
    days: dict[str, date] = {}
    for name in ("valid_from", "valid_to", "review_at"):
        raw = fields.get(name)
        if raw is None:
            continue
        try:
            days[name] = _day(str(raw), name)
        except ValidationFailed as exc:
            errors += exc.errors
    if "valid_from" in days and "valid_to" in days and days["valid_to"] < days["valid_from"]:
        errors.append({"field": "valid_to", "message": "must not be before valid_from"})
    if errors:
        raise ValidationFailed(errors)


def owner_for(principal: Principal, asked: str | None) -> str:
    """The owner of a new article: a department keeps its own; the center names any
    department, or keeps it itself."""
    if principal.role is Role.DEPARTMENT:
        own = str(principal.department_id)
        if asked is not None and asked != own:
            raise ValidationFailed.one("owner_department_id", f"must be your department ({own})")
        return own
    return asked or CENTER_OWNER


def check_may_edit(principal: Principal, article: Article) -> None:
    """Department staff edit their own department's articles; operators and admins all."""
    if principal.role is Role.DEPARTMENT and article.owner != principal.department_id:
        raise Forbidden("department staff edit their own department's articles only")
    if principal.role not in EDITORS:
        raise Forbidden(f"the {principal.role.value} role may not edit articles")


def new_article(
    principal: Principal, fields: dict[str, Any], at: datetime, article_id: str | None = None
) -> Article:
    today = at.date()
    valid_from = fields.get("valid_from") or today.isoformat()
    review = fields.get("review_at") or (today + timedelta(days=DEFAULT_REVIEW_DAYS)).isoformat()
    stamp = at.isoformat(timespec="milliseconds")
    return Article(
        id=article_id or new_article_id(),
        title=fields["title"].strip(),
        questions=tuple(q.strip() for q in fields.get("questions", [])),
        answer=fields["answer"].strip(),
        category=fields["category"],
        owner=owner_for(principal, fields.get("owner_department_id")),
        valid_from=valid_from,
        valid_to=fields.get("valid_to"),
        review_at=review,
        public=bool(fields.get("public", True)),
        version=1,
        created_at=stamp,
        created_by=principal.id,
        updated_at=stamp,
        updated_by=principal.id,
        note=fields.get("note"),
    )


def changed(
    article: Article, principal: Principal, fields: dict[str, Any], at: datetime
) -> Article:
    """The next version of ``article`` with ``fields`` changed. A department may not give
    its article away."""
    owner = fields.get("owner_department_id", article.owner)
    if principal.role is Role.DEPARTMENT and owner != principal.department_id:
        raise ValidationFailed.one(
            "owner_department_id", f"must be your department ({principal.department_id})"
        )
    stamp = at.isoformat(timespec="milliseconds")
    after = replace(
        article,
        title=str(fields.get("title", article.title)).strip(),
        questions=tuple(q.strip() for q in fields.get("questions", article.questions)),
        answer=str(fields.get("answer", article.answer)).strip(),
        category=str(fields.get("category", article.category)),
        owner=str(owner),
        valid_from=str(fields.get("valid_from", article.valid_from)),
        valid_to=fields.get("valid_to", article.valid_to),
        review_at=str(fields.get("review_at", article.review_at)),
        public=bool(fields.get("public", article.public)),
        version=article.version + 1,
        updated_at=stamp,
        updated_by=principal.id,
        note=fields.get("note"),
    )
    check_dates(after.to_dict())
    return after


def adjusted_score(
    bm25: float, article: Article, today: date, category: str | None = None
) -> float:
    """BM25, boosted for the category asked for and for freshness (the later of the last
    change and ``valid_from``, halving its small bonus every half-life)."""
    score = bm25
    if category and article.category == category:
        score *= CATEGORY_BOOST
    fresh_from = max(article.updated_at[:10] or article.valid_from, article.valid_from)
    try:
        age = max(0, (today - date.fromisoformat(fresh_from)).days)
    except ValueError:
        age = FRESHNESS_HALF_LIFE_DAYS * 10
    return score * (1 + FRESHNESS_BOOST * math.pow(0.5, age / FRESHNESS_HALF_LIFE_DAYS))


def matches(text: str, terms: list[str]) -> list[list[int]]:
    """[start, end) of each place a query term occurs in ``text``, longest term first, no
    overlaps, in order."""
    taken: list[list[int]] = []
    for term in sorted(set(terms), key=len, reverse=True):
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            if all(end <= a or start >= b for a, b in taken):
                taken.append([start, end])
            start = text.find(term, end)
    return sorted(taken)


def highlights(article: Article, terms: list[str], width: int = 120) -> list[dict[str, Any]]:
    """Where the query's words are in the title and the answer (a window of the answer
    around the first match), as offsets the console marks up itself."""
    out: list[dict[str, Any]] = []
    title_hits = matches(article.title, terms)
    if title_hits:
        out.append({"field": "title", "text": article.title, "matches": title_hits})
    answer_hits = matches(article.answer, terms)
    if answer_hits:
        begin = max(0, answer_hits[0][0] - width // 4)
        text = article.answer[begin : begin + width]
        shifted = [[a - begin, b - begin] for a, b in answer_hits if b - begin <= len(text)]
        out.append({"field": "answer", "text": text, "matches": shifted})
    for question in article.questions:
        hits = matches(question, terms)
        if hits:
            out.append({"field": "questions", "text": question, "matches": hits})
            break
    return out
