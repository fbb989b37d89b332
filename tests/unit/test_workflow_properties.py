"""Properties of the transition table (issue 13), over random sequences of actions at
random times: no sequence leaves an appeal in an undefined state or changes an earlier
timeline event; a refused action changes nothing; a deadline never falls on a non-working
day, and an extension never moves one earlier.

To see these catch a broken rule: in ``chalicelib/core/domain/workflow.py`` ``_decide_extension``
compute the new deadline with ``o.calendar.add_working_days(o.now, 0)`` instead of
``extend`` (from now rather than from the deadline);
``test_random_sequences_keep_the_appeal_well_formed`` fails."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Appeal, Channel, Event, Kind, State
from chalicelib.core.domain.calendar import WorkingCalendar
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.workflow import TRANSITIONS, Action, Outside, apply
from chalicelib.core.errors import Conflict

CALENDAR = WorkingCalendar()
DEPARTMENT = "transport-bureau"

PARAMS: dict[Action, dict[str, Any]] = {
    Action.ACCEPT: {},
    Action.REJECT: {"reason": "不属于受理范围"},
    Action.DISPATCH: {"department_id": DEPARTMENT},
    Action.MERGE: {"into": "20261101-AAAAAAAA"},
    Action.ESCALATE: {"level": 2, "reason": "群众反映强烈"},
    Action.REQUEST_EXTENSION: {"days": 3, "reason": "需协调"},
    Action.DECIDE_EXTENSION: {"approve": True},
    Action.SIGN: {},
    Action.CONTACT: {"method": "phone"},
    Action.REPLY: {"content": "已处理", "handler_name": "王强", "handler_phone": "13900001111"},
    Action.RETURN: {"reason": "非本单位职责"},
    Action.COMMENT: {"text": "请尽快办理"},
    Action.RATE: {"score": 4, "resolved": True},
    Action.REWORK: {"score": 1, "resolved": False, "rework": True},
    Action.AUTO_CLOSE: {},
    Action.ADD_NOTE: {"text": "补充：晚上更严重"},
    Action.CENTER_REPLY: {"article_id": "kb-bus-route", "content": "请拨打公交热线。"},
    Action.REOPEN: {"score": 1, "resolved": False, "rework": True},
}
ACTIONS = sorted(PARAMS, key=lambda a: a.value)


def actor(action: Action) -> Principal:
    role = sorted(TRANSITIONS[action].roles, key=lambda r: r.value)[0]
    return Principal(
        id=f"{role.value}-1",
        role=role,
        department_id=DEPARTMENT if role is Role.DEPARTMENT else None,
    )


def new_appeal(at: datetime, kind: Kind) -> Appeal:
    moment = clock.iso(at)
    return Appeal(
        id="20261126-PROPERTY",
        state=State.SUBMITTED,
        kind=kind,
        channel=Channel.APP,
        title="路灯不亮",
        content="东门路灯坏了",
        citizen_id="citizen-1",
        created_at=moment,
        updated_at=moment,
        timeline=[Event(type="submitted", at=moment, actor={"role": "citizen", "id": "c"})],
    )


def reply_days(kind: Kind, _category: str | None) -> int:
    return 1 if kind is Kind.CONSULTATION else 3


def is_working_moment(text: str) -> bool:
    return CALENDAR.is_working_day(clock.parse_iso(text).date())


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 9, 30)),
    kind=st.sampled_from(list(Kind)),
    length=st.integers(min_value=1, max_value=25),
    data=st.data(),
)
def test_random_sequences_keep_the_appeal_well_formed(
    start: datetime, kind: Kind, length: int, data: st.DataObject
) -> None:
    def next_step(state: State) -> tuple[Action, int]:
        # Mostly an action the state allows (so long paths are walked), sometimes any.
        allowed = [a for a in ACTIONS if state in TRANSITIONS[a].sources]
        pool = allowed if allowed and data.draw(st.integers(0, 4)) else ACTIONS
        action = data.draw(st.sampled_from(pool))
        return action, data.draw(st.integers(min_value=0, max_value=3 * 24 * 60))

    now = start.replace(tzinfo=clock.TZ)
    appeal = new_appeal(now, kind)
    for _ in range(length):
        action, minutes = next_step(appeal.state)
        now += timedelta(minutes=minutes)
        outside = Outside(now=now, calendar=CALENDAR, reply_days=reply_days)
        before = copy.deepcopy(appeal)
        transition = TRANSITIONS[action]
        try:
            after = apply(appeal, action, actor(action), dict(PARAMS[action]), outside)
        except Conflict:
            # Refused: by the table (the state is not a source) or by the effect (an
            # extension already waiting, none to decide, an escalation not upwards);
            # nothing changed either way.
            assert appeal == before
            refused_by_effect = action in (
                Action.REQUEST_EXTENSION,
                Action.DECIDE_EXTENSION,
                Action.ESCALATE,
            )
            assert appeal.state not in transition.sources or refused_by_effect
            continue
        assert appeal == before, "apply changed the appeal it was given"
        assert appeal.state in transition.sources
        # A defined state: the table's target, or the same state for notes and marks
        assert after.state in State
        assert after.state == (transition.target or before.state)
        # One new event, the table's, and the earlier ones untouched
        assert [e.to_dict() for e in after.timeline[:-1]] == [e.to_dict() for e in before.timeline]
        assert after.timeline[-1].type == transition.event
        # Deadlines: the reply is due on a working day, never before the step that set it
        due = after.deadlines.get("reply_due")
        if due and due != before.deadlines.get("reply_due"):
            assert is_working_moment(due), due
            if action is not Action.DECIDE_EXTENSION:
                # A new round's deadline lies ahead (an extension counts from the old
                # deadline, which an approval may come after).
                assert clock.parse_iso(due) > now
        if action is Action.DECIDE_EXTENSION and due and before.deadlines.get("reply_due"):
            assert clock.parse_iso(due) >= clock.parse_iso(before.deadlines["reply_due"])
        appeal = after


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20)),
    days=st.integers(min_value=1, max_value=10),
    more=st.integers(min_value=1, max_value=10),
)
def test_a_deadline_is_a_working_day_and_an_extension_never_moves_it_earlier(
    start: datetime, days: int, more: int
) -> None:
    at = start.replace(tzinfo=clock.TZ)
    due = CALENDAR.add_working_days(at, days)
    assert CALENDAR.is_working_day(due.date()) and due > at
    extended = CALENDAR.extend(due, more)
    assert CALENDAR.is_working_day(extended.date()) and extended > due
    assert CALENDAR.extend(due, more) == extended  # the same answer every time
