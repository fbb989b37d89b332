"""The whole transition table over HTTP: every illegal (state, action) pair is 409 with the
current state, every role the table does not name is 403, and a department or citizen acting
on someone else's appeal learns nothing (404)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.domain.appeal import Appeal, Channel, Event, Kind, State
from chalicelib.core.domain.ids import new_appeal_id
from chalicelib.core.domain.principal import SYSTEM, Principal, Role
from chalicelib.core.domain.workflow import TRANSITIONS, Action
from chalicelib.core.errors import Conflict
from chalicelib.core.store import appeals as store
from chalicelib.work_orders.services.transitions import perform
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, OTHER_DEPARTMENT, People

# The endpoint (and a valid body) for each action people take over HTTP
ENDPOINT = {
    Action.ACCEPT: ("accept", {}),
    Action.REJECT: ("reject", {"reason": "无效诉求", "reason_code": "no_content"}),
    Action.TRANSFER: ("transfer", {"to": "120", "note": "来电者突发疾病，已转120"}),
    Action.URGE: ("urge", {"note": "请加快办理"}),
    Action.DISPATCH: ("dispatch", {"department_id": DEPARTMENT}),
    Action.MERGE: ("merge", None),  # filled with a real target below
    Action.ESCALATE: ("escalate", {"level": 3, "reason": "督办"}),
    Action.DECIDE_EXTENSION: ("extension/decision", {"approve": True}),
    Action.SIGN: ("sign", {}),
    Action.CONTACT: ("contact", {"method": "phone"}),
    Action.REPLY: (
        "reply",
        {"content": "已处理", "handler_name": "王强", "handler_phone": "13900001111"},
    ),
    Action.RETURN: ("return", {"reason": "非本单位职责"}),
    Action.REQUEST_EXTENSION: ("extension", {"days": 1, "reason": "需协调"}),
    Action.COMMENT: ("comments", {"text": "请跟进"}),
    Action.RATE: ("rating", {"score": 4, "resolved": True}),
    Action.REWORK: ("rating", {"score": 1, "resolved": False, "rework": True}),
    Action.PUBLISH_MEDIA: ("media/publish", {"index": 0, "public": True}),
    # 直办 (the article is looked up after the state: an illegal state is 409 first)
    Action.CENTER_REPLY: ("direct-reply", {"article_id": "kb-no-such-article"}),
    # The rating endpoint asks the center for rework when the center replied
    Action.REOPEN: ("rating", {"score": 1, "resolved": False, "rework": True}),
    # 回访: the call-back endpoint picks the action from its body (and the reply's author)
    Action.CALLBACK_MISSED: ("callback", {"reached": False}),
    Action.CALLBACK: ("callback", {"reached": True, "resolved": True, "satisfaction": "satisfied"}),
    Action.CALLBACK_REWORK: (
        "callback",
        {"reached": True, "resolved": False, "satisfaction": "dissatisfied", "rework": True},
    ),
    Action.CALLBACK_REOPEN: (
        "callback",
        {"reached": True, "resolved": False, "satisfaction": "dissatisfied", "rework": True},
    ),
    Action.REVIEW_RATING: ("rating/review", {"exclude": True, "reason": "评价针对政策"}),
    Action.DEPARTMENT_NOTE: ("note", {"text": "已安排人员现场查看"}),
}
HTTP_ROLES = (Role.CITIZEN, Role.OPERATOR, Role.DEPARTMENT, Role.LEADER, Role.ADMIN)
WHO = {
    Role.CITIZEN: "citizen",
    Role.OPERATOR: "operator",
    Role.DEPARTMENT: f"department:{DEPARTMENT}",
    Role.LEADER: "leader",
    Role.ADMIN: "admin",
}


def test_every_action_but_the_platform_s_own_has_an_endpoint() -> None:
    # A citizen's note comes by mail (a reply to the mayor's mailbox): tests/integration/
    # test_mailbox.py.
    assert set(ENDPOINT) == set(Action) - {Action.AUTO_CLOSE, Action.ADD_NOTE}


def stored_appeal(state: State, citizen_id: str, department: str = DEPARTMENT) -> Appeal:
    """An appeal in ``state``, handled by ``department`` (so the department sees it)."""
    at = clock.iso(clock.now())
    due = {"sign_due": at, "contact_due": at, "reply_due": at}
    appeal = Appeal(
        id=new_appeal_id(clock.now()),
        state=state,
        kind=Kind.COMPLAINT,
        channel=Channel.APP,
        title="t",
        content="c",
        citizen_id=citizen_id,
        created_at=at,
        updated_at=at,
        department_id=department,
        deadlines=due if state in (State.DISPATCHED, State.SIGNED, State.CONTACTED) else {},
        timeline=[Event(type="submitted", at=at, actor={"role": "citizen", "id": citizen_id})],
    )
    return store.create(appeal)


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)


def citizen_id(people: People) -> str:
    from chalicelib.core.store import appeals as store

    stored = store.get(people.submit()["id"])
    assert stored is not None
    return stored.citizen_id


@pytest.mark.parametrize("action", list(ENDPOINT), ids=lambda a: a.value)
def test_illegal_states_answer_409_with_the_current_state(people: People, action: Action) -> None:
    owner = citizen_id(people)
    target = people.submit()["id"]
    path, payload = ENDPOINT[action]
    payload = {"into": target} if action is Action.MERGE else payload
    transition = TRANSITIONS[action]
    role = next(r for r in HTTP_ROLES if r in transition.roles)
    illegal = [s for s in State if s not in transition.sources]
    for state in illegal:
        appeal = stored_appeal(state, owner)
        response = people.act(WHO[role], appeal.id, path, payload)
        assert response.status_code == 409, (action.value, state.value, response.body)
        problem = body(response)
        assert problem["state"] == state.value
        assert store.get(appeal.id) == appeal, "a refused action changed the appeal"
    if action is Action.COMMENT:
        assert illegal == []  # leaders may comment in any state


@pytest.mark.parametrize("action", list(ENDPOINT), ids=lambda a: a.value)
def test_roles_the_table_does_not_name_answer_403(people: People, action: Action) -> None:
    owner = citizen_id(people)
    path, payload = ENDPOINT[action]
    state = next(iter(sorted(TRANSITIONS[action].sources)))
    appeal = stored_appeal(state, owner)
    for role in HTTP_ROLES:
        if role in TRANSITIONS[action].roles:
            continue
        response = people.act(WHO[role], appeal.id, path, payload or {"into": appeal.id})
        assert response.status_code == 403, (action.value, role.value, response.body)
    assert store.get(appeal.id) == appeal


@pytest.mark.parametrize(
    "action",
    sorted(a for a in ENDPOINT if Role.DEPARTMENT in TRANSITIONS[a].roles),
    ids=lambda a: a.value,
)
def test_another_department_gets_404(people: People, action: Action) -> None:
    path, payload = ENDPOINT[action]
    state = next(iter(sorted(TRANSITIONS[action].sources)))
    appeal = stored_appeal(state, citizen_id(people))
    response = people.act(f"department:{OTHER_DEPARTMENT}", appeal.id, path, payload)
    assert response.status_code == 404
    unknown = people.act(f"department:{OTHER_DEPARTMENT}", "20260101-00000000", path, payload)
    assert body(response)["title"] == body(unknown)["title"]


@pytest.mark.parametrize("action", [Action.RATE, Action.REWORK], ids=lambda a: a.value)
def test_another_citizen_gets_404(people: People, action: Action) -> None:
    path, payload = ENDPOINT[action]
    appeal = stored_appeal(State.REPLIED, citizen_id(people))
    response = people.act("citizen:someone-else", appeal.id, path, payload)
    assert response.status_code == 404


def test_auto_close_is_the_platform_s_alone(people: People) -> None:
    owner = citizen_id(people)
    for state in State:
        appeal = stored_appeal(state, owner)
        if state is State.REPLIED:
            assert perform(SYSTEM, appeal.id, Action.AUTO_CLOSE, {}).state is State.CLOSED
        else:
            with pytest.raises(Conflict):
                perform(SYSTEM, appeal.id, Action.AUTO_CLOSE, {})
    operator = Principal("op", Role.OPERATOR)
    from chalicelib.core.errors import Forbidden

    with pytest.raises(Forbidden):
        perform(operator, stored_appeal(State.REPLIED, owner).id, Action.AUTO_CLOSE, {})
