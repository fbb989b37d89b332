"""The reply quality check before a department sends a reply (work_orders/domain/
reply_quality.py says what is flagged and why): asked for on its own, and made again on
every reply, its flags kept on the reply's event (the reply is sent all the same)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.domain import schemas
from chalicelib.core.domain.appeal import Appeal, Kind
from chalicelib.core.domain.principal import Principal
from chalicelib.core.domain.validation import validate
from chalicelib.core.domain.workflow import Action
from chalicelib.core.store import reference
from chalicelib.work_orders.domain import reply_quality as domain
from chalicelib.work_orders.services.transitions import check_role, load_for

REPLY_CHECK: dict[str, Any] = schemas.body(
    "ReplyCheck",
    ["content"],
    {"content": schemas.text(4000), "public_reply": schemas.text(4000)},
)


def category_terms(code: str | None) -> list[str]:
    """The category's own terms: its keywords and the words of its name."""
    from chalicelib.figures.services.statistics import topic_words

    category = reference.get_category(code) if code else None
    if category is None:
        return []
    return [*category.keywords, *topic_words(category.name, limit=10)]


def assess(appeal: Appeal, content: str, public_reply: str | None = None) -> domain.Check:
    from chalicelib.figures.services.statistics import topic_words

    names = [str(appeal.contact["name"])] if appeal.contact and appeal.contact.get("name") else []
    words = topic_words(f"{appeal.title}\n{appeal.content}", limit=50, names=names)
    category = reference.get_category(appeal.category) if appeal.category else None
    return domain.check(
        words,
        f"{content}\n{public_reply or ''}",
        category_words=category_terms(appeal.category),
        consultation=appeal.kind is Kind.CONSULTATION,
        policy=bool(category and category.policy_reference),
    )


def check_reply(principal: Principal, appeal_id: str, body: Any) -> dict[str, Any]:
    """What the reply in ``body`` would be flagged for, nothing written: for the lead
    department, which may send it anyway."""
    check_role(principal, Action.REPLY)
    request = validate(REPLY_CHECK, body)
    appeal = load_for(principal, appeal_id, Action.REPLY)
    return assess(appeal, request["content"], request.get("public_reply")).to_dict()


def flag_reply(appeal: Appeal, params: dict[str, Any]) -> None:
    """The reply's own check, kept on its event (``quality_flags``) and counted."""
    found = assess(appeal, str(params["content"]), params.get("public_reply"))
    params["quality_flags"] = list(found.flags)
