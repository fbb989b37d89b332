"""The review's findings on privacy, stale reads, item size and idempotent answers: each
test failed on the code the review read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.domain import clock
from chalicelib.core.store import appeals as store
from chalicelib.figures.services import rankings
from chalicelib.work_orders.services import dispatch
from tests.integration import report_helpers as rh
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai

STAFF = f"department:{DEPARTMENT}"
PHONE = "13812341234"
ID_CARD = "370302199001011234"
HOUSE = "华光路123号"
PRIVATE_REPLY = "已派维修班组于周三上门处理，费用由物业承担"
SECRETS = (PHONE, ID_CARD, HOUSE, "123号")
NAME = "张三"  # the contact of every appeal here


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _public_appeal_through_its_life(people: People) -> str:
    """A public appeal whose every free-text field carries personal data."""
    appeal_id = people.submit(
        is_public=True,
        title=f"路灯不亮 {PHONE}",
        content=f"请联系我{PHONE}，身份证{ID_CARD}，住和平街道{HOUSE}3单元401室，"
        "邮箱 zhang.san@example.com，车牌鲁C12345，卡号6222021234567890123",
        location={"lat": 36.80123, "lng": 118.05456, "address": f"和平街道{HOUSE}"},
        contact={"name": NAME, "phone": PHONE},
    )["id"]
    for who, action, payload in (
        ("operator", "dispatch", None),
        (STAFF, "sign", None),
        (STAFF, "contact", {"method": "phone", "note": f"已联系 {PHONE}"}),
        (STAFF, "extension", {"days": 2, "reason": f"需与业主{PHONE}协调"}),
        ("operator", "extension/decision", {"approve": True}),
        ("leader", "comments", {"text": f"请联系{PHONE}，尽快处理 {ID_CARD}"}),
        ("operator", "escalate", {"level": 2, "reason": f"反映人{PHONE}多次来电"}),
        (
            STAFF,
            "reply",
            {"content": PRIVATE_REPLY, "handler_name": "王强", "handler_phone": "13900001111"},
        ),
        ("citizen", "rating", {"score": 4, "resolved": True, "comment": f"谢谢，{PHONE}"}),
    ):
        response = people.act(who, appeal_id, action, payload)
        assert response.status_code == 200, (action, response.body)
    return appeal_id


def test_free_text_is_masked_for_everyone_but_the_owner_and_the_handlers(
    people: People, client: Any
) -> None:
    # Given a public appeal whose every free-text field carries personal data, taken through
    # its life, followed by a leader, and two more citizens' appeals in the same words (three
    # citizens: enough for its words to be a hot topic)
    Clock(shanghai("2026-11-26T09:00:00"))
    appeal_id = _public_appeal_through_its_life(people)
    # (their titles name their contact: a name only the whole item knows, not an index)
    others = [
        people.submit(
            who,
            title=f"{NAME}反映路灯不亮 {PHONE}",
            content=f"路灯坏了，身份证{ID_CARD}",
            contact={"name": NAME, "phone": PHONE},
        )["id"]
        for who in ("citizen:second", "citizen:third")
    ]
    for other in others:
        assert people.act("operator", other, "dispatch").status_code == 200
    # (one of them escalated and still open: on the leaders' supervision list)
    escalation = {"level": 2, "reason": f"反映人{PHONE}多次来电"}
    assert people.act("operator", others[0], "escalate", escalation).status_code == 200
    leader = people.stack.headers(people.token("leader"))
    assert client.http.put(f"/appeals/{appeal_id}/follow", headers=leader).status_code == 200
    # and the consumers and the rankings refresh have run on all of it
    rh.feed_consumers(client)
    rankings.refresh()
    # When each of them reads what they may
    day = "period=2026-11-26"
    reads = {
        "another citizen": [people.get("citizen:other", f"/appeals/{appeal_id}")],
        "a leader": [
            people.get("leader", f"/appeals/{appeal_id}"),
            people.get("leader", "/me/following"),
            people.get("leader", "/supervision"),
        ],
        "an admin": [people.get("admin", f"/appeals/{appeal_id}")],
        "anyone": [
            client.http.get(f"/public/appeals/{appeal_id}"),
            client.http.get("/public/appeals"),
            client.http.get(f"/public/hot-topics?{day}"),
            client.http.get(f"/public/rankings?{day}"),
            client.http.get(f"/public/stats?{day}"),
        ],
    }
    # Then every read is answered, and holds the appeal or the figures it fed
    for who, responses in reads.items():
        for response in responses:
            assert response.status_code == 200, (who, response.body)
    read = {who: [body(r) for r in responses] for who, responses in reads.items()}
    for who in ("another citizen", "a leader", "an admin"):
        assert read[who][0]["id"] == appeal_id, who
    assert [a["id"] for a in read["a leader"][1]["items"]] == [appeal_id]
    assert [a["id"] for a in read["a leader"][2]["items"]] == [others[0]]
    public_page, feed, topics, boards, stats = read["anyone"]
    assert public_page["id"] == appeal_id
    assert appeal_id in [a["id"] for a in feed["items"]]
    hot = {t["word"]: t["citizens"] for t in topics["topics"]}
    assert hot.get("灯不亮") == 3 and set(hot.values()) == {3}, hot
    assert stats["counters"]["submitted"] == 3 and stats["counters"]["replied"] == 1
    [volume] = [b for b in boards["boards"] if b["board"] == "volume"]
    assert {e["department_id"]: e["count"] for e in volume["entries"]}[DEPARTMENT] == 1  # replied
    # The titles are there, masked (not an error body, nor an empty page)
    masked_title = "路灯不亮 138****1234"
    for page in (read["a leader"][1], feed):
        assert page["items"][0]["title"] == masked_title
    assert read["a leader"][2]["items"][0]["title"] == f"张*反映{masked_title}"
    # and none of it holds the personal data in clear
    for who, responses in reads.items():
        for response in responses:
            text = response.body.decode() if isinstance(response.body, bytes) else response.body
            # Leaders and admins supervise the answer itself; others read the public one.
            private = () if who in ("a leader", "an admin") else (PRIVATE_REPLY,)
            for secret in (*SECRETS, NAME, *private):
                assert secret not in text, (who, secret, text[:400])
            for clear in ("zhang.san@example.com", "鲁C12345", "6222021234567890123"):
                assert clear not in text, (who, clear)
    stranger = read["another citizen"][0]
    assert stranger["reply"]["public_reply"] == "已答复，详见回复"
    assert stranger["location"]["address"] == "和平街道"
    assert round(stranger["location"]["lat"], 2) == stranger["location"]["lat"]
    assert "36.80123" not in _dump(stranger)
    seen_by_leader = read["a leader"][0]
    assert "138****1234" in seen_by_leader["content"]
    assert any(e["type"] == "commented" for e in seen_by_leader["timeline"])


def test_masking_happens_on_read_and_the_handlers_see_what_was_written(people: People) -> None:
    appeal_id = _public_appeal_through_its_life(people)
    stored = store.get(appeal_id)
    assert stored is not None and PHONE in stored.content and ID_CARD in stored.content
    for who in ("citizen", "operator", STAFF):
        seen = body(people.get(who, f"/appeals/{appeal_id}"))
        assert PHONE in seen["content"] and ID_CARD in seen["content"], who
        assert seen["location"]["address"] == f"和平街道{HOUSE}", who


def test_the_citizen_sees_the_steps_never_staff_ids_or_internal_notes(people: People) -> None:
    appeal_id = _public_appeal_through_its_life(people)
    own = body(people.get("citizen", f"/appeals/{appeal_id}"))
    types = [e["type"] for e in own["timeline"]]
    assert types == [
        "submitted",
        "dispatched",
        "signed",
        "contacted",
        "extension_decided",
        "replied",
        "rated",
    ]
    assert all(set(e["actor"]) == {"role"} for e in own["timeline"])
    dispatched = own["timeline"][1]
    assert dispatched["data"]["department_id"] == DEPARTMENT
    assert dispatched["data"]["department_name"] == "区交通运输局"
    granted = own["timeline"][4]
    assert granted["data"]["reply_due"] == own["deadlines"]["reply_due"]
    text = _dump(own)
    for internal in ("尽快处理", "多次来电", "需与业主", "已联系"):
        assert internal not in text, internal
    assert "escalation" not in own or own["escalation"] is None
    staff_ids = {
        e["actor"]["id"]
        for e in body(people.get("operator", f"/appeals/{appeal_id}"))["timeline"]
        if e["actor"]["role"] != "citizen"
    }
    assert staff_ids and not any(staff_id in text for staff_id in staff_ids)


def test_transitions_read_the_appeal_consistently(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.store.models import AppealModel

    appeal_id = people.submit()["id"]
    reads: list[bool] = []
    original = AppealModel.get.__func__  # type: ignore[attr-defined]

    def spy(cls: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(bool(kwargs.get("consistent_read")))
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(AppealModel, "get", classmethod(spy))
    assert people.act("operator", appeal_id, "dispatch").status_code == 200
    assert reads and all(reads)


def test_auto_dispatch_retries_an_appeal_not_yet_visible(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.errors import ServiceUnavailable

    monkeypatch.setattr(store, "get", lambda *_a, **_k: None)
    with pytest.raises(ServiceUnavailable):
        dispatch.auto_dispatch("20261126-ABCDEFGH", "water-supply")


LONG_COMMENT = "请相关部门高度重视此事并限期整改到位。" * 105  # 2,100 characters
COMMENTS = 120


@pytest.mark.long(15)
def test_many_long_comments_then_a_full_reply(people: People) -> None:
    """More comments than the appeal item could ever hold (about 65 would fill 400 KB); the
    local stack e2e test takes 300."""
    appeal_id = people.submit()["id"]
    assert people.act("operator", appeal_id, "dispatch").status_code == 200
    for index in range(COMMENTS):
        response = people.act("leader", appeal_id, "comments", {"text": f"{index} {LONG_COMMENT}"})
        assert response.status_code == 200, (index, response.body[:300])
    for action in ("sign", "contact", "reply"):
        assert people.act(STAFF, appeal_id, action).status_code == 200, action
    assert people.act("citizen", appeal_id, "rating").status_code == 200
    seen = body(people.get("leader", f"/appeals/{appeal_id}"))
    assert seen["state"] == "closed"
    assert seen["comments"]["total"] == COMMENTS
    texts: list[str] = []
    cursor = None
    while True:
        query = f"?limit=100&cursor={cursor}" if cursor else "?limit=100"
        page = body(people.get("leader", f"/appeals/{appeal_id}/comments{query}"))
        texts += [item["note"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert texts == [f"{index} {LONG_COMMENT}" for index in range(COMMENTS)]


def test_an_idempotent_answer_does_not_depend_on_the_appeal_size(
    people: People, stack: Stack
) -> None:
    appeal_id = people.submit()["id"]
    for index in range(60):
        people.act("leader", appeal_id, "comments", {"text": f"{index} {LONG_COMMENT}"})
    headers = people.stack.headers(people.token("leader"), **{"Idempotency-Key": "k-1"})
    payload = json.dumps({"text": "再次督办"})
    first = people.client.http.post(f"/appeals/{appeal_id}/comments", headers=headers, body=payload)
    assert first.status_code == 200, first.body[:300]
    again = people.client.http.post(f"/appeals/{appeal_id}/comments", headers=headers, body=payload)
    assert again.status_code == 200, again.body[:300]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert body(again)["comments"]["total"] == body(first)["comments"]["total"] == 61
    from chalicelib.core.config import settings

    records = stack.items(settings().idempotency_table)
    assert records and max(len(_dump(r)) for r in records) < 2000


def test_no_5xx_once_the_effect_is_committed(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.services import idempotency

    appeal_id = people.submit()["id"]

    def broken(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("the idempotency store refused the record")

    monkeypatch.setattr(idempotency._persistence(), "save_success", broken)
    headers = people.stack.headers(people.token("leader"), **{"Idempotency-Key": "k-2"})
    response = people.client.http.post(
        f"/appeals/{appeal_id}/comments", headers=headers, body=json.dumps({"text": "请加快办理"})
    )
    assert response.status_code == 200, response.body
    assert store.get(appeal_id).comments == 1  # type: ignore[union-attr]


def test_admin_writes_read_what_is_stored_consistently(
    people: People, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.store.models import DepartmentModel, SettingModel

    reads: list[tuple[str, bool]] = []
    for model in (DepartmentModel, SettingModel):
        original = model.get.__func__  # type: ignore[attr-defined]

        def spy(cls: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            reads.append((cls.__name__, bool(kwargs.get("consistent_read"))))
            return _original(cls, *args, **kwargs)

        monkeypatch.setattr(model, "get", classmethod(spy))
    admin = people.stack.headers(people.token("admin"))
    renamed = client.http.put(
        "/departments/gas-company", headers=admin, body=json.dumps({"name": "区燃气公司"})
    )
    assert renamed.status_code == 200, renamed.body
    loaded = client.http.put(
        "/calendar/2027",
        headers=admin,
        body=json.dumps({"holidays": ["2027-01-01"], "workdays": []}),
    )
    assert loaded.status_code == 200, loaded.body
    assert ("DepartmentModel", True) in reads and ("SettingModel", True) in reads
