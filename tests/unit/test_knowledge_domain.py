"""The knowledge base's pure rules: when an article is in force, who may edit it, how search
scores are boosted, and where highlights fall."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import Forbidden, ValidationFailed
from chalicelib.knowledge.domain import knowledge as kb

AT = datetime(2026, 11, 26, 9, 0, tzinfo=clock.TZ)
OPERATOR = Principal("op-1", Role.OPERATOR)
HOUSING = Principal("dept-1", Role.DEPARTMENT, department_id="housing-construction-bureau")


def article(**fields: object) -> kb.Article:
    base = {
        "title": "楼上漏水到楼下",
        "answer": "相邻房屋漏水属于民事纠纷。",
        "category": "property-housing",
    }
    return kb.new_article(HOUSING, {**base, **fields}, AT, article_id="kb-leak")


def test_in_force_from_its_first_to_its_last_day_inclusive() -> None:
    a = article(valid_from="2026-01-01", valid_to="2026-06-30")
    assert not a.in_force(date(2025, 12, 31))
    assert a.in_force(date(2026, 1, 1)) and a.in_force(date(2026, 6, 30))
    assert not a.in_force(date(2026, 7, 1))
    assert article().in_force(date(2030, 1, 1))  # no end


def test_defaults_and_ownership() -> None:
    a = article()
    assert (a.owner, a.valid_from, a.review_at, a.version) == (
        "housing-construction-bureau",
        "2026-11-26",
        "2027-11-26",
        1,
    )
    assert (
        kb.new_article(OPERATOR, {"title": "t", "answer": "a", "category": "c"}, AT).owner
        == "center"
    )
    with pytest.raises(ValidationFailed) as refused:
        kb.new_article(
            HOUSING, {"title": "t", "answer": "a", "category": "c", "owner_department_id": "x"}, AT
        )
    assert refused.value.errors[0]["field"] == "owner_department_id"


def test_departments_edit_their_own_and_never_give_one_away() -> None:
    a = article()
    kb.check_may_edit(HOUSING, a)
    kb.check_may_edit(OPERATOR, a)
    with pytest.raises(Forbidden):
        kb.check_may_edit(Principal("d2", Role.DEPARTMENT, department_id="transport-bureau"), a)
    with pytest.raises(Forbidden):
        kb.check_may_edit(Principal("l", Role.LEADER), a)
    with pytest.raises(ValidationFailed):
        kb.changed(a, HOUSING, {"owner_department_id": "transport-bureau"}, AT)
    after = kb.changed(a, OPERATOR, {"answer": "新答复", "note": "更新"}, AT)
    assert (after.version, after.answer, after.updated_by, after.title) == (
        2,
        "新答复",
        "op-1",
        a.title,
    )


def test_dates_must_exist_and_end_after_they_start() -> None:
    kb.check_dates({"valid_from": "2026-01-01", "valid_to": "2026-01-01"})
    with pytest.raises(ValidationFailed) as refused:
        kb.check_dates({"valid_from": "2026-02-30", "review_at": "soon"})
    assert [e["field"] for e in refused.value.errors] == ["valid_from", "review_at"]
    with pytest.raises(ValidationFailed) as backwards:
        kb.check_dates({"valid_from": "2026-05-01", "valid_to": "2026-04-30"})
    assert backwards.value.errors == [
        {"field": "valid_to", "message": "must not be before valid_from"}
    ]


def test_category_and_freshness_boost_the_score() -> None:
    today = date(2026, 11, 26)
    fresh = article(valid_from="2025-01-01")  # changed today
    # Last changed a year ago (the freshness counts from the later of that and valid_from)
    stale = kb.changed(fresh, OPERATOR, {}, datetime(2025, 11, 26, tzinfo=clock.TZ))
    assert kb.adjusted_score(1.0, fresh, today) == pytest.approx(1.2)
    assert 1.0 < kb.adjusted_score(1.0, stale, today) < kb.adjusted_score(1.0, fresh, today)
    asked = kb.adjusted_score(1.0, fresh, today, "property-housing")
    assert asked == pytest.approx(1.2 * kb.CATEGORY_BOOST)
    assert kb.adjusted_score(1.0, fresh, today, "heating") == pytest.approx(1.2)


def test_highlights_are_offsets_of_the_query_words() -> None:
    a = article(questions=["卫生间渗水到邻居家"])
    found = kb.highlights(a, ["漏水", "邻居", "楼下"])
    by_field = {h["field"]: h for h in found}
    assert set(by_field) == {"title", "answer", "questions"}
    for h in found:
        assert h["matches"] == sorted(h["matches"])
        assert {h["text"][s:e] for s, e in h["matches"]} <= {"漏水", "邻居", "楼下"}
    assert by_field["title"]["matches"] == [[2, 4], [5, 7]]
    assert kb.matches("漏水漏水", ["漏水", "水"]) == [[0, 2], [2, 4]]  # longest first, no overlap
