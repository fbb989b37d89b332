"""The citizen's note (a reply to the mayor's mailbox) in the transition table: open states
only, photos appended while there is room, and who reads it how."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib.core.domain.appeal import (
    NOTE_EVENT,
    TERMINAL_STATES,
    Appeal,
    Channel,
    Event,
    Kind,
    State,
)
from chalicelib.core.domain.calendar import WorkingCalendar
from chalicelib.core.domain.clock import TZ
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.workflow import TRANSITIONS, Action, Outside, apply
from chalicelib.core.errors import Conflict

OWNER = Principal("mail:0123", Role.CITIZEN, "mailbox")
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
OUTSIDE = Outside(now=NOW, calendar=WorkingCalendar(), reply_days=lambda kind, category: 1)
TEXT = "补充：联系电话 13812345678"


def appeal(state: State, media: int = 0) -> Appeal:
    at = "2026-11-28T09:00:00.000+08:00"
    return Appeal(
        id="20261128-7K3M9Q2P",
        state=state,
        kind=Kind.CONSULTATION,
        channel=Channel.MAILBOX,
        title="路灯",
        content="路灯不亮",
        citizen_id=OWNER.id,
        created_at=at,
        updated_at=at,
        media=[f"attached/{OWNER.id}/{i}.jpg" for i in range(media)],
        timeline=[Event("submitted", at, OWNER.actor(), data={"channel": "mailbox"})],
    )


@pytest.mark.parametrize("state", sorted(State))
def test_a_note_is_taken_in_every_open_state_and_no_terminal_one(state: State) -> None:
    params = {"text": TEXT, "channel": "mailbox", "source": "abc"}
    if state in TERMINAL_STATES:
        with pytest.raises(Conflict):
            apply(appeal(state), Action.ADD_NOTE, OWNER, params, OUTSIDE)
        return
    after = apply(appeal(state), Action.ADD_NOTE, OWNER, params, OUTSIDE)
    assert after.state is state
    event = after.timeline[-1]
    assert (event.type, event.note) == (NOTE_EVENT, TEXT)
    assert event.data == {"channel": "mailbox", "source": "abc"}


def test_only_the_citizen_adds_notes_and_photos_fill_the_room_left() -> None:
    assert TRANSITIONS[Action.ADD_NOTE].roles == frozenset({Role.CITIZEN})
    photos = [f"attached/{OWNER.id}/new{i}.jpg" for i in range(3)]
    after = apply(
        appeal(State.DISPATCHED, media=7), Action.ADD_NOTE, OWNER,
        {"text": TEXT, "media": photos}, OUTSIDE,
    )  # fmt: skip
    assert after.media[7:] == photos[:2]
    assert after.timeline[-1].data["media"] == photos[:2]


def test_the_note_is_the_owner_s_own_words_masked_for_supervisors_hidden_from_the_public() -> None:
    after = apply(appeal(State.SUBMITTED), Action.ADD_NOTE, OWNER, {"text": TEXT}, OUTSIDE)
    after.is_public = True
    owner_view = after.view(OWNER)["timeline"][-1]
    assert owner_view["type"] == NOTE_EVENT and owner_view["note"] == TEXT
    leader = after.view(Principal("leader-1", Role.LEADER))["timeline"][-1]
    assert leader["type"] == NOTE_EVENT and "13812345678" not in leader["note"]
    operator = after.view(Principal("op-1", Role.OPERATOR))["timeline"][-1]
    assert operator["note"] == TEXT
    public = after.view(None)["timeline"]
    assert NOTE_EVENT not in [e["type"] for e in public]


def test_followers_are_told_in_words() -> None:
    from chalicelib.notifications.domain.notices import text_for

    _, text = text_for("appeal.updated", "路灯", {"event": NOTE_EVENT})
    assert text == "您关注的“路灯”有新进展：诉求人补充了情况。"
