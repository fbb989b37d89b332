"""Pure domain rules: masking, principals, ids, SLA stages, validation messages."""

from __future__ import annotations

import pytest

from chalicelib.core.domain.appeal import Appeal, Channel, Kind, State
from chalicelib.core.domain.ids import is_appeal_id, new_appeal_id
from chalicelib.core.domain.masking import mask_name, mask_phone
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.schemas import APPEAL_CREATE
from chalicelib.core.domain.sla import next_open_deadline
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import ValidationFailed


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("+86 138-1234-1234", "861******1234"),
        ("0533-5181234", "053****1234"),
        ("1234", "****"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_phone(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked


def test_mask_name_keeps_family_name_only() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "李*"


@pytest.mark.parametrize(
    ("groups", "department", "role", "department_id"),
    [
        ([], None, Role.CITIZEN, None),
        (["operator"], None, Role.OPERATOR, None),
        (["department"], "transport-bureau", Role.DEPARTMENT, "transport-bureau"),
        (["department"], None, Role.CITIZEN, None),  # staff without a department act for none
        (["department", "admin"], "x", Role.ADMIN, None),
        (["leader", "operator"], None, Role.LEADER, None),
        (["unknown-group"], None, Role.CITIZEN, None),
    ],
)
def test_principal_role_from_claims(
    groups: list[str], department: str | None, role: Role, department_id: str | None
) -> None:
    claims: dict[str, object] = {"sub": "u-1", "cognito:groups": groups}
    if department:
        claims["custom:department_id"] = department
    principal = Principal.from_claims(claims, phone_owner=lambda phone: f"tel:{phone}")
    assert (principal.role, principal.department_id) == (role, department_id)


def test_appeal_ids_are_dated_and_readable() -> None:
    from datetime import datetime

    from chalicelib.core.domain.clock import TZ

    ids = {new_appeal_id(datetime(2026, 11, 26, 23, 0, tzinfo=TZ)) for _ in range(200)}
    assert len(ids) == 200
    assert all(i.startswith("20261126-") and is_appeal_id(i) for i in ids)
    assert not is_appeal_id("20261126-ILOU0000")  # ambiguous letters are not used
    assert not is_appeal_id("../../etc")


def _appeal(state: State, **deadlines: str) -> Appeal:
    return Appeal(
        id="20261126-AAAAAAAA",
        state=state,
        kind=Kind.COMPLAINT,
        channel=Channel.APP,
        title="t",
        content="c",
        citizen_id="u",
        created_at="x",
        updated_at="x",
        deadlines=dict(deadlines),
    )


def test_next_sweep_action_follows_the_state_and_warnings() -> None:
    due = {
        "sign_due": "2026-11-26T09:15:00.000+08:00",
        "contact_due": "2026-11-26T09:30:00.000+08:00",
        "reply_due": "2026-11-30T09:00:00.000+08:00",
    }
    dispatched = _appeal(State.DISPATCHED, **due)
    # a sign warning 5 minutes before the sign deadline comes first
    assert next_open_deadline(dispatched) == ("sign", "2026-11-26T09:10:00.000+08:00")
    dispatched.warned = ["sign"]
    assert next_open_deadline(dispatched) == ("sign", due["sign_due"])
    dispatched.overdue = ["sign"]
    assert next_open_deadline(dispatched) == ("contact", "2026-11-26T09:20:00.000+08:00")
    assert next_open_deadline(_appeal(State.CONTACTED, **due)) == (
        "reply",
        "2026-11-30T05:00:00.000+08:00",
    )
    assert next_open_deadline(_appeal(State.REPLIED, **due)) is None
    assert next_open_deadline(_appeal(State.SUBMITTED)) is None


def test_sweep_warns_then_marks_overdue_once_and_escalates_replies() -> None:
    from chalicelib.core.domain.clock import parse_iso
    from chalicelib.core.domain.sla import sweep

    appeal = _appeal(State.CONTACTED, reply_due="2026-11-30T09:00:00.000+08:00")
    assert sweep(appeal, parse_iso("2026-11-30T04:59:00+08:00")) is None
    warned = sweep(appeal, parse_iso("2026-11-30T05:00:00+08:00"))
    assert warned is not None and [e.type for e in warned.timeline] == ["sla_warning"]
    assert sweep(warned, parse_iso("2026-11-30T06:00:00+08:00")) is None
    # the deadline instant itself is still on time: overdue only strictly after it
    assert sweep(warned, parse_iso("2026-11-30T09:00:00+08:00")) is None
    late = sweep(warned, parse_iso("2026-11-30T09:00:00.001+08:00"))
    assert late is not None
    assert [e.type for e in late.timeline] == ["sla_warning", "sla_overdue", "escalated"]
    assert late.overdue == ["reply"] and late.escalation and late.escalation["level"] == 1
    assert sweep(late, parse_iso("2026-12-01T09:00:00+08:00")) is None


def test_sweep_after_a_gap_marks_overdue_without_a_late_warning() -> None:
    from chalicelib.core.domain.clock import parse_iso
    from chalicelib.core.domain.sla import sweep

    appeal = _appeal(
        State.DISPATCHED,
        sign_due="2026-11-26T09:15:00.000+08:00",
        contact_due="2026-11-26T09:30:00.000+08:00",
        reply_due="2026-11-30T09:00:00.000+08:00",
    )
    after = sweep(appeal, parse_iso("2026-11-26T09:40:00+08:00"))
    assert after is not None
    assert [(e.type, e.data["stage"]) for e in after.timeline] == [
        ("sla_overdue", "sign"),
        ("sla_overdue", "contact"),
    ]


def test_validation_reports_every_field_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(APPEAL_CREATE, {"kind": "x", "title": "", "location": {"lat": "n"}, "z": 1})
    fields = {e["field"]: e["message"] for e in caught.value.errors}
    assert fields == {
        "content": "is required",
        "kind": "must be one of: consultation, complaint, suggestion, help, whistleblowing",
        "title": "must have at least 1 character(s)",
        "location.lat": "must be of type number",
        "location.lng": "is required",
        "z": "is not a known field",
    }


def test_validation_refuses_booleans_as_numbers() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(
            APPEAL_CREATE,
            {"kind": "help", "title": "t", "content": "c", "location": {"lat": True, "lng": 1}},
        )
    assert [e["field"] for e in caught.value.errors] == ["location.lat"]


def test_visibility_rules() -> None:
    appeal = _appeal(State.SUBMITTED)
    appeal.citizen_id = "owner"
    owner = Principal("owner", Role.CITIZEN)
    stranger = Principal("other", Role.CITIZEN)
    staff = Principal("s", Role.DEPARTMENT, department_id="transport-bureau")
    assert appeal.is_visible_to(owner) and not appeal.is_visible_to(stranger)
    assert not appeal.is_visible_to(staff)
    appeal.department_id = "transport-bureau"
    assert appeal.is_visible_to(staff)
    appeal.is_public = True
    assert not appeal.is_visible_to(stranger)  # public only once the center has vetted it
    appeal.state = State.ACCEPTED
    assert appeal.is_visible_to(stranger)
    assert appeal.view(stranger)["media"] == []


@pytest.mark.parametrize("comment", ["a\x00b", "\x1b[2J", "bell\x07", "del\x7f"])
def test_the_rating_schema_refuses_control_characters_in_the_comment(comment: str) -> None:
    from chalicelib.core.domain.schemas import RATING

    with pytest.raises(ValidationFailed) as refused:
        validate(RATING, {"score": 4, "resolved": True, "comment": comment})
    assert [e["field"] for e in refused.value.errors] == ["comment"]
    validate(RATING, {"score": 4, "resolved": True, "comment": "很好\n谢谢\t!"})


@pytest.mark.parametrize(
    ("raw", "mobile"),
    [
        ("13812345678", "+8613812345678"),
        ("+86 139-1234-5678", "+8613912345678"),
        ("008619912345678", "+8619912345678"),
        ("+44 7911 123456", None),  # a UK mobile
        ("+852 6123 4567", None),  # Hong Kong
        ("+1 202 555 0143", None),
        ("010 6512 3456", None),  # a Beijing fixed line
        ("12012345678", None),  # no mobile starts 10-12
        ("1381234567", None),
        ("", None),
    ],
)
def test_texts_go_to_mainland_mobiles_only(raw: str, mobile: str | None) -> None:
    from chalicelib.core.domain import phones

    assert phones.mainland_mobile(raw) == mobile
