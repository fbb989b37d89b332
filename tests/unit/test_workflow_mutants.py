"""Every action of the transition table, one appeal at a time, with exactly what it changes:
the fields of the appeal, the one new event (type, time, actor, note, data) and nothing
else. The property tests (test_workflow_properties.py) hold the rules over random
sequences; these pin each effect's output, key by key, which is what a mutant of
``chalicelib/core/domain/workflow.py`` changes (``make mutants``)."""

from __future__ import annotations

import copy
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.core.domain import clock, photos
from chalicelib.core.domain.appeal import NOTE_EVENT, Appeal, Channel, Event, Kind, State
from chalicelib.core.domain.calendar import WorkingCalendar
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.schemas import MAX_MEDIA
from chalicelib.core.domain.workflow import Action, Outside, apply
from chalicelib.core.errors import Conflict, ValidationFailed

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=clock.TZ)  # a Thursday
AT = "2026-11-26T10:00:00.000+08:00"
CREATED = "2026-11-25T09:00:00.000+08:00"
DEPT = "transport-bureau"
SUBMITTED = Event(type="submitted", at=CREATED, actor={"role": "citizen", "id": "c-1"})


def reply_days(kind: Kind, category: str | None) -> int:
    """Depends on both: a mutant that drops either gives another deadline."""
    return {Kind.COMPLAINT: 3, Kind.CONSULTATION: 1}.get(kind, 2) + (
        3 if category == "roads" else 0
    )


OUTSIDE = Outside(now=NOW, calendar=WorkingCalendar(), reply_days=reply_days)
# A complaint about roads: 6 working days from Thursday 26 November 10:00.
ROUND = {
    "sign_due": "2026-11-26T10:15:00.000+08:00",
    "contact_due": "2026-11-26T10:30:00.000+08:00",
    "reply_due": "2026-12-04T10:00:00.000+08:00",
}

PEOPLE = {
    Role.OPERATOR: Principal(id="op-1", role=Role.OPERATOR),
    Role.DEPARTMENT: Principal(id="staff-1", role=Role.DEPARTMENT, department_id=DEPT),
    Role.LEADER: Principal(id="leader-1", role=Role.LEADER),
    Role.CITIZEN: Principal(id="c-1", role=Role.CITIZEN),
    Role.SYSTEM: Principal(id="minsheng", role=Role.SYSTEM),
}


def appeal(state: State, **fields: Any) -> Appeal:
    base: dict[str, Any] = {
        "id": "20261125-MUTANTS1",
        "state": state,
        "kind": Kind.COMPLAINT,
        "channel": Channel.APP,
        "title": "路灯不亮",
        "content": "东门路灯坏了",
        "citizen_id": "c-1",
        "created_at": CREATED,
        "updated_at": CREATED,
        "category": "roads",
        "timeline": [SUBMITTED],
        "version": 7,
    }
    return Appeal(**{**base, **fields})


def changes(before: Appeal, after: Appeal) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields ``apply`` changed (the timeline apart) and the event it added."""
    was, now = asdict(before), asdict(after)
    assert now["timeline"][:-1] == was["timeline"]  # earlier events as they were
    assert len(now["timeline"]) == len(was["timeline"]) + 1
    event = now["timeline"][-1]
    fields = {k: v for k, v in now.items() if k != "timeline" and v != was[k]}
    return fields, event


def run(
    before: Appeal, action: Action, role: Role, params: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    kept = copy.deepcopy(before)
    after = apply(before, action, PEOPLE[role], params, OUTSIDE)
    assert before == kept  # the appeal given is never changed
    return changes(before, after)


def event(kind: str, role: Role, note: str | None, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "at": AT, "actor": PEOPLE[role].actor(), "note": note, "data": data}


def moved(state: State, **fields: Any) -> dict[str, Any]:
    return {"state": state, "state_at": AT, "updated_at": AT, **fields}


def test_accept_reclassifies_kind_and_category_and_keeps_the_note() -> None:
    params = {"kind": "consultation", "category": "water", "note": "改为咨询"}
    fields, added = run(appeal(State.SUBMITTED), Action.ACCEPT, Role.OPERATOR, params)
    assert fields == moved(State.ACCEPTED, kind=Kind.CONSULTATION, category="water")
    data = {
        "kind": {"from": "complaint", "to": "consultation"},
        "category": {"from": "roads", "to": "water"},
    }
    assert added == event("accepted", Role.OPERATOR, "改为咨询", data)


def test_accept_with_the_same_kind_and_category_records_no_change() -> None:
    params = {"kind": "complaint", "category": "roads"}
    fields, added = run(appeal(State.SUBMITTED), Action.ACCEPT, Role.OPERATOR, params)
    assert fields == moved(State.ACCEPTED)
    assert added == event("accepted", Role.OPERATOR, None, {})


def test_reject_clears_the_deadlines() -> None:
    before = appeal(State.ACCEPTED, deadlines=dict(ROUND))
    fields, added = run(before, Action.REJECT, Role.OPERATOR, {"reason": "不属于受理范围"})
    assert fields == moved(State.REJECTED, deadlines={})
    assert added == event("rejected", Role.OPERATOR, "不属于受理范围", {})


def test_dispatch_from_submitted_accepts_starts_a_round_and_clears_the_old_one() -> None:
    before = appeal(
        State.SUBMITTED,
        kind=Kind.HELP,
        extension={"status": "refused", "days": 2},
        overdue=["sign"],
        warned=["reply"],
        rounds=1,
        deadlines={"sign_due": "2026-11-20T10:00:00.000+08:00"},
    )
    params = {
        "department_id": DEPT,
        "co_department_ids": ["water-bureau"],
        "kind": "complaint",
        "note": "请尽快",
    }
    fields, added = run(before, Action.DISPATCH, Role.OPERATOR, params)
    assert fields == moved(
        State.DISPATCHED,
        kind=Kind.COMPLAINT,
        department_id=DEPT,
        co_department_ids=["water-bureau"],
        extension=None,
        rounds=2,
        deadlines=ROUND,
        overdue=[],
        warned=[],
    )
    data = {
        "accepted": True,
        "kind": {"from": "help", "to": "complaint"},
        "department_id": DEPT,
        "co_department_ids": ["water-bureau"],
        "round": 2,
        "deadlines": ROUND,
    }
    assert added == event("dispatched", Role.OPERATOR, "请尽快", data)


def test_dispatch_of_a_returned_appeal_is_no_acceptance_and_names_no_co_departments() -> None:
    before = appeal(State.RETURNED, co_department_ids=["old-unit"])
    fields, added = run(before, Action.DISPATCH, Role.SYSTEM, {"department_id": DEPT})
    assert fields == moved(
        State.DISPATCHED, department_id=DEPT, co_department_ids=[], rounds=1, deadlines=ROUND
    )
    data = {"department_id": DEPT, "round": 1, "deadlines": ROUND}
    assert added == event("dispatched", Role.SYSTEM, None, data)


def test_merge_names_the_appeal_merged_into() -> None:
    params = {"into": "20261101-AAAAAAAA", "note": "重复诉求"}
    fields, added = run(appeal(State.ACCEPTED), Action.MERGE, Role.OPERATOR, params)
    assert fields == moved(State.MERGED, merged_into="20261101-AAAAAAAA")
    assert added == event("merged", Role.OPERATOR, "重复诉求", {"into": "20261101-AAAAAAAA"})


def test_escalate_raises_the_level_and_refuses_the_same_or_a_lower_one() -> None:
    first, added = run(
        appeal(State.SIGNED), Action.ESCALATE, Role.LEADER, {"level": 1, "reason": "群众反映强烈"}
    )
    assert first == {
        "updated_at": AT,
        "escalation": {"level": 1, "reason": "群众反映强烈", "at": AT},
    }
    assert added == event("escalated", Role.LEADER, "群众反映强烈", {"level": 1})
    escalated = appeal(State.SIGNED, escalation={"level": 1, "reason": "x", "at": CREATED})
    fields, _ = run(escalated, Action.ESCALATE, Role.OPERATOR, {"level": "2", "reason": "再次"})
    assert fields["escalation"] == {"level": 2, "reason": "再次", "at": AT}
    for level in (1, 0):
        with pytest.raises(Conflict) as refused:
            apply(
                escalated,
                Action.ESCALATE,
                PEOPLE[Role.OPERATOR],
                {"level": level, "reason": "r"},
                OUTSIDE,
            )
        assert refused.value.detail == "the appeal is already escalated at level 1"
        assert refused.value.extra == {"state": "signed", "version": 7}


def test_an_extension_request_waits_and_a_second_one_is_refused() -> None:
    params = {"days": "3", "reason": "需协调"}
    fields, added = run(appeal(State.SIGNED), Action.REQUEST_EXTENSION, Role.DEPARTMENT, params)
    extension = {"status": "pending", "days": 3, "reason": "需协调", "requested_at": AT}
    assert fields == {"updated_at": AT, "extension": extension}
    assert added == event("extension_requested", Role.DEPARTMENT, "需协调", {"days": 3})
    # After a decision another request may come; while one waits, none
    refused_before = appeal(State.CONTACTED, extension={"status": "refused", "days": 1})
    fields, _ = run(refused_before, Action.REQUEST_EXTENSION, Role.DEPARTMENT, params)
    assert fields["extension"] == extension
    waiting = appeal(State.CONTACTED, extension=extension)
    with pytest.raises(Conflict) as twice:
        apply(waiting, Action.REQUEST_EXTENSION, PEOPLE[Role.DEPARTMENT], params, OUTSIDE)
    assert twice.value.detail == "an extension request is already waiting for a decision"
    assert twice.value.extra == {"state": "contacted", "version": 7}


PENDING = {"status": "pending", "days": 2, "reason": "需协调", "requested_at": CREATED}


def test_an_approved_extension_moves_the_reply_deadline_and_its_marks() -> None:
    before = appeal(
        State.CONTACTED,
        deadlines={**ROUND, "reply_due": "2026-11-30T10:00:00.000+08:00"},
        extension=dict(PENDING),
        overdue=["sign", "reply"],
        warned=["reply", "contact"],
    )
    params = {"approve": 1, "note": "同意"}
    fields, added = run(before, Action.DECIDE_EXTENSION, Role.OPERATOR, params)
    moved_to = "2026-12-02T10:00:00.000+08:00"  # 2 working days later
    assert fields == {
        "updated_at": AT,
        "deadlines": {**ROUND, "reply_due": moved_to},
        "overdue": ["sign"],
        "warned": ["contact"],
        "extension": {**PENDING, "status": "approved", "decided_at": AT},
    }
    data = {
        "approve": True,
        "days": 2,
        "reply_due": {"from": "2026-11-30T10:00:00.000+08:00", "to": moved_to},
    }
    assert added == event("extension_decided", Role.OPERATOR, "同意", data)


def test_a_refused_extension_keeps_the_deadline() -> None:
    before = appeal(State.SIGNED, deadlines=dict(ROUND), extension=dict(PENDING), overdue=["reply"])
    fields, added = run(before, Action.DECIDE_EXTENSION, Role.OPERATOR, {"approve": 0})
    refused = {**PENDING, "status": "refused", "decided_at": AT}
    assert fields == {"updated_at": AT, "extension": refused}
    assert added == event("extension_decided", Role.OPERATOR, None, {"approve": False, "days": 2})


@pytest.mark.parametrize("extension", [None, {"status": "approved", "days": 2}])
def test_no_decision_without_a_waiting_request(extension: dict[str, Any] | None) -> None:
    with pytest.raises(Conflict) as refused:
        apply(
            appeal(State.SIGNED, extension=extension),
            Action.DECIDE_EXTENSION,
            PEOPLE[Role.OPERATOR],
            {"approve": True},
            OUTSIDE,
        )
    assert refused.value.detail == "there is no extension request waiting for a decision"


def test_sign_and_contact_keep_their_notes() -> None:
    fields, added = run(appeal(State.DISPATCHED), Action.SIGN, Role.DEPARTMENT, {"note": "已签收"})
    assert fields == moved(State.SIGNED)
    assert added == event("signed", Role.DEPARTMENT, "已签收", {})
    params = {"method": "phone", "note": "已电话联系"}
    fields, added = run(appeal(State.SIGNED), Action.CONTACT, Role.DEPARTMENT, params)
    assert fields == moved(State.CONTACTED)
    assert added == event("contacted", Role.DEPARTMENT, "已电话联系", {"method": "phone"})


REPLY = {
    "content": "已修复路灯",
    "handler_name": "王强",
    "handler_phone": "13900001111",
    "public_reply": "路灯已修复",
}


@pytest.mark.parametrize(
    ("reply_due", "on_time"),
    [
        ("2026-11-26T10:00:00.000+08:00", True),  # at the deadline itself: on time
        ("2026-11-26T09:59:59.999+08:00", False),
        (None, True),  # no deadline (none to miss)
    ],
)
def test_a_reply_is_kept_on_the_appeal_and_in_its_event(
    reply_due: str | None, on_time: bool
) -> None:
    deadlines = {"sign_due": ROUND["sign_due"]} | ({"reply_due": reply_due} if reply_due else {})
    before = appeal(State.CONTACTED, department_id=DEPT, deadlines=deadlines)
    fields, added = run(before, Action.REPLY, Role.DEPARTMENT, dict(REPLY))
    assert fields == moved(State.REPLIED, reply={**REPLY, "department_id": DEPT, "at": AT})
    data = {"on_time": on_time, **REPLY, "department_id": DEPT}
    assert added == event("replied", Role.DEPARTMENT, None, data)


def test_return_hands_the_work_order_back_to_the_center() -> None:
    before = appeal(
        State.SIGNED,
        department_id=DEPT,
        co_department_ids=["water-bureau"],
        extension=dict(PENDING),
        deadlines=dict(ROUND),
    )
    fields, added = run(before, Action.RETURN, Role.DEPARTMENT, {"reason": "非本单位职责"})
    # The center's decision on the dispute is due one working day later (派单异议)
    decision = {"decision_due": "2026-11-27T10:00:00.000+08:00"}
    assert fields == moved(
        State.RETURNED, department_id=None, co_department_ids=[], extension=None, deadlines=decision
    )
    data = {"department_id": DEPT, "reply_due": ROUND["reply_due"], **decision}
    assert added == event("returned", Role.DEPARTMENT, "非本单位职责", data)


def test_comments_are_numbered_in_order() -> None:
    before = appeal(State.SIGNED, comments=2)
    fields, added = run(before, Action.COMMENT, Role.LEADER, {"text": "请尽快办理"})
    assert fields == {"updated_at": AT, "comments": 3}
    assert added == event("commented", Role.LEADER, "请尽快办理", {"seq": 3})


RATED = {"score": 5, "resolved": True, "department_id": DEPT}


def test_a_rating_closes_the_appeal_for_its_department() -> None:
    before = appeal(State.REPLIED, department_id=DEPT)
    params = {"score": "5", "resolved": 1, "comment": "很满意"}
    fields, added = run(before, Action.RATE, Role.CITIZEN, params)
    rating = {**RATED, "comment": "很满意", "at": AT}
    assert fields == moved(State.CLOSED, rating=rating)
    assert added == event("rated", Role.CITIZEN, "很满意", RATED)


def test_rework_rates_and_starts_the_next_round() -> None:
    before = appeal(State.REPLIED, department_id=DEPT, rounds=1, extension=dict(PENDING))
    params = {"score": 1, "resolved": False, "comment": "没修好"}
    fields, added = run(before, Action.REWORK, Role.CITIZEN, params)
    rated = {"score": 1, "resolved": False, "department_id": DEPT}
    assert fields == moved(
        State.DISPATCHED,
        rating={**rated, "comment": "没修好", "at": AT},
        extension=None,
        rounds=2,
        deadlines=ROUND,
    )
    data = {**rated, "round": 2, "deadlines": ROUND}
    assert added == event("rework_requested", Role.CITIZEN, "没修好", data)


def test_auto_close_has_no_note() -> None:
    fields, added = run(appeal(State.REPLIED), Action.AUTO_CLOSE, Role.SYSTEM, {})
    assert fields == moved(State.CLOSED)
    assert added == event("closed", Role.SYSTEM, None, {})


MEDIA = ["m/a.jpg", "m/b.jpg"]


@pytest.mark.parametrize("index", [0, 1])
def test_photos_are_published_one_by_one(index: int) -> None:
    before = appeal(State.SIGNED, media=list(MEDIA))
    params = {"index": str(index), "public": 1}
    fields, added = run(before, Action.PUBLISH_MEDIA, Role.OPERATOR, params)
    assert fields == {"updated_at": AT}
    data = {"index": index, "public": True}
    assert added == event(photos.PUBLISHED_EVENT, Role.OPERATOR, None, data)


def test_a_photo_already_public_or_not_is_a_conflict() -> None:
    mark = Event(
        type=photos.PUBLISHED_EVENT, at=CREATED, actor={}, data={"index": 1, "public": True}
    )
    public = appeal(State.SIGNED, media=list(MEDIA), timeline=[SUBMITTED, mark])
    operator = PEOPLE[Role.OPERATOR]
    with pytest.raises(Conflict) as again:
        apply(public, Action.PUBLISH_MEDIA, operator, {"index": 1, "public": True}, OUTSIDE)
    assert again.value.detail == "photo 1 is already public"
    with pytest.raises(Conflict) as hidden:
        apply(public, Action.PUBLISH_MEDIA, operator, {"index": 0, "public": False}, OUTSIDE)
    assert hidden.value.detail == "photo 0 is already not public"


@pytest.mark.parametrize("index", [-1, 2, 5])
def test_only_the_appeal_s_own_photos_can_be_published(index: int) -> None:
    with pytest.raises(ValidationFailed) as refused:
        apply(
            appeal(State.SIGNED, media=list(MEDIA)),
            Action.PUBLISH_MEDIA,
            PEOPLE[Role.OPERATOR],
            {"index": index, "public": True},
            OUTSIDE,
        )
    message = "is not a photo of this appeal (it has 2)"
    assert refused.value.errors == [{"field": "index", "message": message}]


def test_a_citizen_s_note_adds_the_photos_that_still_fit() -> None:
    before = appeal(State.SIGNED, media=[f"m/{i}.jpg" for i in range(MAX_MEDIA - 2)])
    params = {
        "text": "补充：晚上更严重",
        "media": ["m/0.jpg", "m/new1.jpg", "m/new2.jpg", "m/new3.jpg"],
        "channel": "mailbox",
        "source": "",
    }
    fields, added = run(before, Action.ADD_NOTE, Role.CITIZEN, params)
    assert fields == {"updated_at": AT, "media": [*before.media, "m/new1.jpg", "m/new2.jpg"]}
    data = {"channel": "mailbox", "media": ["m/new1.jpg", "m/new2.jpg"]}
    assert added == event(NOTE_EVENT, Role.CITIZEN, "补充：晚上更严重", data)
    full = appeal(State.SIGNED, media=[f"m/{i}.jpg" for i in range(MAX_MEDIA)])
    fields, added = run(
        full, Action.ADD_NOTE, Role.CITIZEN, {"text": "再补充", "media": ["m/x.jpg"]}
    )
    assert fields == {"updated_at": AT}
    assert added["data"] == {}


CENTER_REPLY = {
    "article_id": "kb-bus-route",
    "article_version": 3,
    "content": "请拨打公交热线。",
    "public_reply": "已答复",
}


def test_the_center_answers_a_consultation_itself() -> None:
    before = appeal(
        State.SUBMITTED,
        department_id="stale",
        co_department_ids=["stale-too"],
        deadlines=dict(ROUND),
    )
    params = {**CENTER_REPLY, "edited": 1}
    fields, added = run(before, Action.CENTER_REPLY, Role.OPERATOR, params)
    reply = {
        "content": "请拨打公交热线。",
        "public_reply": "已答复",
        "department_id": None,
        "by": "center",
        "article_id": "kb-bus-route",
        "at": AT,
    }
    assert fields == moved(
        State.REPLIED, department_id=None, co_department_ids=[], reply=reply, deadlines={}
    )
    data = {
        "accepted": True,
        "by": "center",
        "article_id": "kb-bus-route",
        "article_version": 3,
        "edited": True,
        "content": "请拨打公交热线。",
        "public_reply": "已答复",
        "department_id": None,
    }
    assert added == event("replied", Role.OPERATOR, None, data)


def test_the_center_s_answer_to_an_accepted_appeal_is_no_acceptance() -> None:
    params = {"article_id": "kb-1", "content": "答复"}
    _, added = run(appeal(State.ACCEPTED), Action.CENTER_REPLY, Role.OPERATOR, params)
    assert added["data"] == {
        "by": "center",
        "article_id": "kb-1",
        "article_version": None,
        "edited": False,
        "content": "答复",
        "public_reply": None,
        "department_id": None,
    }


def test_rework_of_a_center_reply_goes_back_to_the_center() -> None:
    params = {"score": 2, "resolved": False}
    fields, added = run(appeal(State.REPLIED), Action.REOPEN, Role.CITIZEN, params)
    rated = {"score": 2, "resolved": False, "department_id": None}
    assert fields == moved(State.ACCEPTED, rating={**rated, "comment": None, "at": AT})
    assert added == event("rework_requested", Role.CITIZEN, None, {**rated, "by": "center"})


def test_an_action_the_state_does_not_allow_is_a_conflict_naming_the_state() -> None:
    with pytest.raises(Conflict) as refused:
        apply(
            appeal(State.SUBMITTED, version=4),
            Action.REQUEST_EXTENSION,
            PEOPLE[Role.DEPARTMENT],
            {"days": 1, "reason": "r"},
            OUTSIDE,
        )
    assert refused.value.detail == "cannot request extension an appeal that is submitted"
    assert refused.value.extra == {"state": "submitted", "version": 4}


def test_deadlines_follow_the_time_of_the_action() -> None:
    later = Outside(now=NOW + timedelta(days=7), calendar=OUTSIDE.calendar, reply_days=reply_days)
    after = apply(
        appeal(State.ACCEPTED),
        Action.DISPATCH,
        PEOPLE[Role.OPERATOR],
        {"department_id": DEPT},
        later,
    )
    assert after.deadlines == {
        "sign_due": "2026-12-03T10:15:00.000+08:00",
        "contact_due": "2026-12-03T10:30:00.000+08:00",
        "reply_due": "2026-12-11T10:00:00.000+08:00",
    }
