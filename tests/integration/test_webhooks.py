"""Department systems both ways, on in-process moto with a real HTTP receiver on loopback:
the stream into the notifications consumer, the queue into the deliverer (through the
local pump's queue invocation), signed inbound actions, the delivery log, dead letters
and redrives, and the app's own notifications."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import (
    DEPARTMENT,
    VALID_BODIES,
    Clock,
    People,
    shanghai,
)
from tests.integration.test_events import stream_records
from tests.support.department_system import Receiver, signed_headers, verify, verify_sha256


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()


class Flow:
    """What AWS does between the writes: new stream records to the notifications consumer,
    queued messages to the deliverer (as the local pump invokes it)."""

    def __init__(self, client: Any) -> None:
        from chalicelib.local.pump import StreamPump

        self.client = client
        self.seen: set[str] = set()
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.pump = StreamPump(client._app, None, None, _Log(), sqs_client=self.sqs)
        self.deliveries = 0

    def stream(self) -> list[dict[str, Any]]:
        records = [r for r in stream_records() if r["dynamodb"]["SequenceNumber"] not in self.seen]
        self.seen |= {r["dynamodb"]["SequenceNumber"] for r in records}
        if records:
            result = self.client.lambda_.invoke("appeal_notifications", {"Records": records})
            assert result.payload == {"batchItemFailures": []}
        return records

    def replay(self, records: list[dict[str, Any]]) -> None:
        result = self.client.lambda_.invoke("appeal_notifications", {"Records": records})
        assert result.payload == {"batchItemFailures": []}

    def deliver(self, rounds: int = 20) -> int:
        """Receive and hand over until the queue is empty (or ``rounds`` receives)."""
        from chalicelib.local.pump import QueueSubscription

        url = settings().notifications_queue
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sub = QueueSubscription("deliver_notifications", "notifications", 10, True)
        handler = self.client._app.handler_map["deliver_notifications"]
        invocations = 0
        for _ in range(rounds):
            messages = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                break
            self.pump.invoke_queue_handler(sub, handler, url, arn, "us-east-1", messages)
            invocations += 1
        return invocations

    def run(self) -> None:
        self.stream()
        self.deliver()


class _Log:
    def write(self, entry: dict[str, Any]) -> None:
        return


VALID_REPLY = VALID_BODIES["reply"]


def admin_put(people: People, path: str, payload: Any) -> Any:
    return people.client.http.put(
        path, headers=people.stack.headers(people.token("admin")), body=json.dumps(payload)
    )


def register(people: People, url: str, department: str = DEPARTMENT) -> str:
    response = admin_put(people, f"/departments/{department}/webhook", {"url": url})
    assert response.status_code == 200, response.body
    answer = body(response)
    assert answer["url"] == url and answer["enabled"] is True
    return str(answer["secret"])


def verified(
    people: People, flow: Flow, receiver: Receiver, secret: str, department: str = DEPARTMENT
) -> None:
    """The department's system learns its secret and answers a challenge: its URL is
    verified (work orders reach it with personal data as written)."""
    receiver.secret = secret
    sent = people.post("admin", f"/departments/{department}/webhook/verify")
    assert sent.status_code == 202, sent.body
    flow.deliver()
    shown = body(people.get("admin", f"/departments/{department}/webhook"))
    assert shown["url"] == receiver.url and shown["url_verified"] is True, shown


def inbound(
    client: Any, secret: str, payload: dict[str, Any], department: str = DEPARTMENT, **headers: str
) -> Any:
    raw = json.dumps(payload, ensure_ascii=False).encode()
    sent = {**signed_headers(secret, raw), **headers}
    return client.http.post(f"/webhooks/departments/{department}", headers=sent, body=raw)


def dispatched_appeal(people: People) -> str:
    appeal = people.submit(title="路灯不亮", content="东门路灯坏了，联系人张伟 13812345678")["id"]
    response = people.act("operator", appeal, "dispatch", {"department_id": DEPARTMENT})
    assert response.status_code == 200, response.body
    return str(appeal)


@pytest.fixture
def people(client: Any, stack: Stack) -> People:
    return People(stack, client)


def test_a_department_system_receives_its_work_order_and_answers_through_the_webhook(
    client: Any, people: People, receiver: Receiver
) -> None:
    flow = Flow(client)
    secret = register(people, receiver.url)
    # The secret is shown once: the registration read back never carries it
    shown = body(people.get("admin", f"/departments/{DEPARTMENT}/webhook"))
    assert "secret" not in shown and shown["url"] == receiver.url
    # The department's system answers the platform's challenge with it
    verified(people, flow, receiver, secret)
    appeal = dispatched_appeal(people)
    flow.run()
    [delivery] = receiver.of_type("work_order.dispatched")
    assert verify(secret, delivery.headers, delivery.body)
    assert delivery.headers["X-Minsheng-Delivery"] == delivery.json()["id"]
    order = delivery.json()["work_order"]
    assert order["id"] == appeal and order["state"] == "dispatched"
    # The handling department sees the citizen's words as written
    assert "13812345678" in order["content"]
    for action, extra in (
        ("sign", {}),
        ("contact", {"method": "phone", "note": "已电话联系"}),
        (
            "reply",
            {"content": "已修复东门路灯", "handler_name": "王强", "handler_phone": "13900001111"},
        ),
    ):
        response = inbound(client, secret, {"appeal_id": appeal, "action": action, **extra})
        assert response.status_code == 200, response.body
    final = body(people.get("operator", f"/appeals/{appeal}"))
    assert final["state"] == "replied"
    actors = [e["actor"] for e in final["timeline"] if e["type"] in ("signed", "replied")]
    assert actors == [{"role": "department", "id": f"system:{DEPARTMENT}"}] * 2
    flow.run()
    mine = body(people.get("citizen", "/me/notifications"))["items"]
    assert [n["type"] for n in mine] == ["appeal.replied", "appeal.accepted"]
    assert "路灯不亮" in mine[0]["text"] and mine[0]["read"] is False
    # Marked read, all or none
    ids = [n["id"] for n in mine]
    assert people.post("citizen", "/me/notifications/read", {"ids": ids}).status_code == 200
    assert all(n["read"] for n in body(people.get("citizen", "/me/notifications"))["items"])
    other = people.post("citizen:other", "/me/notifications/read", {"ids": ids})
    assert other.status_code == 404
    assert body(people.get("citizen:other", "/me/notifications"))["items"] == []


def test_bad_signatures_unknown_departments_and_large_bodies_change_nothing(
    client: Any, people: People, receiver: Receiver
) -> None:
    secret = register(people, receiver.url)
    appeal = dispatched_appeal(people)
    before = body(people.get("operator", f"/appeals/{appeal}"))
    sign = {"appeal_id": appeal, "action": "sign"}
    raw = json.dumps(sign).encode()
    good = signed_headers(secret, raw)
    stale = signed_headers(secret, raw)
    stale["X-Minsheng-Timestamp"] = str(int(stale["X-Minsheng-Timestamp"]) - 301)
    refusals = {
        "wrong secret": (DEPARTMENT, signed_headers("whsec_not-the-secret", raw), raw, 401),
        "no signature": (
            DEPARTMENT,
            {k: v for k, v in good.items() if k != "X-Minsheng-Signature"},
            raw,
            401,
        ),
        "no timestamp": (
            DEPARTMENT,
            {k: v for k, v in good.items() if k != "X-Minsheng-Timestamp"},
            raw,
            401,
        ),
        "no delivery id": (
            DEPARTMENT,
            {k: v for k, v in good.items() if k != "X-Minsheng-Delivery"},
            raw,
            401,
        ),
        "stale timestamp": (DEPARTMENT, stale, raw, 401),
        "signature of another body": (
            DEPARTMENT,
            good,
            json.dumps({"appeal_id": appeal, "action": "return", "reason": "x"}).encode(),
            401,
        ),
        "unknown department": ("no-such-bureau", good, raw, 404),
        "oversized body": (DEPARTMENT, good, b" " * (256 * 1024 + 1), 413),
    }
    for name, (department, headers, sent, status) in refusals.items():
        response = client.http.post(
            f"/webhooks/departments/{department}", headers=headers, body=sent
        )
        assert response.status_code == status, (name, response.body)
        assert response.headers["Content-Type"] == "application/problem+json", name
    after = body(people.get("operator", f"/appeals/{appeal}"))
    assert after["version"] == before["version"] and after["state"] == "dispatched"
    # Another department's secret does not act for this one
    other_secret = register(people, receiver.url, "health-commission")
    assert inbound(client, other_secret, sign).status_code == 401
    # The same delivery id twice: one effect, the first answer again
    once = signed_headers(secret, raw, delivery_id="dept-system-42")
    first = client.http.post(f"/webhooks/departments/{DEPARTMENT}", headers=once, body=raw)
    again = client.http.post(f"/webhooks/departments/{DEPARTMENT}", headers=once, body=raw)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert body(again)["version"] == body(first)["version"]
    timeline = body(people.get("operator", f"/appeals/{appeal}"))["timeline"]
    assert [e["type"] for e in timeline].count("signed") == 1
    # The same id with another body is refused
    other_body = json.dumps({"appeal_id": appeal, "action": "contact", "method": "phone"}).encode()
    reused = signed_headers(secret, other_body, delivery_id="dept-system-42")
    assert (
        client.http.post(
            f"/webhooks/departments/{DEPARTMENT}", headers=reused, body=other_body
        ).status_code
        == 422
    )
    # A body the staff API would refuse is refused the same way, naming the field
    bad = inbound(client, secret, {"appeal_id": appeal, "action": "contact", "method": "pigeon"})
    assert bad.status_code == 400 and body(bad)["errors"][0]["field"] == "method"


def test_a_signature_that_is_not_lowercase_hex_is_answered_as_a_wrong_one(
    client: Any, people: People, receiver: Receiver
) -> None:
    """Not a 500: a non-ASCII value made hmac.compare_digest raise TypeError."""
    secret = register(people, receiver.url)
    appeal = dispatched_appeal(people)
    raw = json.dumps({"appeal_id": appeal, "action": "sign"}).encode()
    wrong = client.http.post(
        f"/webhooks/departments/{DEPARTMENT}",
        headers=signed_headers("whsec_not-the-secret", raw),
        body=raw,
    )
    assert wrong.status_code == 401
    for scheme in ("v2", "sha256"):
        good = signed_headers(secret, raw, scheme=scheme)
        hex_value = good["X-Minsheng-Signature"].removeprefix(f"{scheme}=")
        for value in ("é", "é" * 64, hex_value.upper(), hex_value[:-1], hex_value + "0", "z" * 64):
            headers = {**good, "X-Minsheng-Signature": f"{scheme}={value}"}
            answered = client.http.post(
                f"/webhooks/departments/{DEPARTMENT}", headers=headers, body=raw
            )
            assert answered.status_code == 401, (value, answered.body)
            assert answered.headers["Content-Type"] == "application/problem+json"
            assert body(answered)["detail"] == body(wrong)["detail"], value
    assert body(people.get("operator", f"/appeals/{appeal}"))["state"] == "dispatched"


def test_a_captured_request_does_not_repeat_under_a_new_delivery_id(
    client: Any, people: People, receiver: Receiver
) -> None:
    """v2 signs the delivery id: a request replayed inside the five minutes under another
    X-Minsheng-Delivery (which the idempotency record would not recognise) is refused."""
    secret = register(people, receiver.url)
    appeal = dispatched_appeal(people)
    assert inbound(client, secret, {"appeal_id": appeal, "action": "sign"}).status_code == 200
    raw = json.dumps(
        {"appeal_id": appeal, "action": "extension", "days": 2, "reason": "需协调多部门"}
    ).encode()
    captured = signed_headers(secret, raw, delivery_id="dept-system-ext-1")
    first = client.http.post(f"/webhooks/departments/{DEPARTMENT}", headers=captured, body=raw)
    assert first.status_code == 200, first.body
    replayed = {**captured, "X-Minsheng-Delivery": "attacker-2"}
    again = client.http.post(f"/webhooks/departments/{DEPARTMENT}", headers=replayed, body=raw)
    assert again.status_code == 401, again.body
    assert body(again)["detail"] == "the signature does not match the request"
    timeline = body(people.get("operator", f"/appeals/{appeal}"))["timeline"]
    assert [e["type"] for e in timeline].count("extension_requested") == 1


def test_outbound_carries_both_schemes_and_inbound_takes_either_until_the_transition_ends(
    client: Any, people: People, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = Flow(client)
    secret = register(people, receiver.url)
    assert settings().webhook_sha256_until.isoformat() == "2027-06-30"
    first = dispatched_appeal(people)
    flow.run()
    [delivery] = receiver.of_type("work_order.dispatched")
    schemes = [p.strip().split("=")[0] for p in delivery.headers["X-Minsheng-Signature"].split(",")]
    assert schemes == ["sha256", "v2"]
    assert verify(secret, delivery.headers, delivery.body)
    assert verify_sha256(secret, delivery.headers, delivery.body)
    # A system that still signs the old way is accepted during the transition
    old_way = {"appeal_id": first, "action": "sign"}
    raw = json.dumps(old_way).encode()
    accepted = client.http.post(
        f"/webhooks/departments/{DEPARTMENT}",
        headers=signed_headers(secret, raw, scheme="sha256"),
        body=raw,
    )
    assert accepted.status_code == 200, accepted.body
    # After its last day: v2 only, both ways
    monkeypatch.setenv("MINSHENG_WEBHOOK_SHA256_UNTIL", "2026-11-25")
    settings.cache_clear()
    Clock(shanghai("2026-11-26T09:00:00"))
    try:
        second = dispatched_appeal(people)
        flow.run()
        [later] = [
            d for d in receiver.of_type("work_order.dispatched") if d.json()["appeal_id"] == second
        ]
        assert later.headers["X-Minsheng-Signature"].startswith("v2=")
        assert "sha256=" not in later.headers["X-Minsheng-Signature"]
        assert verify(secret, later.headers, later.body)
        raw = json.dumps({"appeal_id": second, "action": "sign"}).encode()
        refused = client.http.post(
            f"/webhooks/departments/{DEPARTMENT}",
            headers=signed_headers(secret, raw, scheme="sha256"),
            body=raw,
        )
        assert refused.status_code == 401
        assert "v2=" in body(refused)["detail"]
        assert inbound(client, secret, {"appeal_id": second, "action": "sign"}).status_code == 200
    finally:
        clock.set_clock(None)


def test_a_receiver_that_is_down_fills_the_log_then_the_dead_letter_queue_until_redriven(
    client: Any, people: People, receiver: Receiver, quick_retries: None
) -> None:
    flow = Flow(client)
    verified(people, flow, receiver, register(people, receiver.url))
    receiver.status = 503
    dispatched_appeal(people)
    records = flow.stream()
    flow.deliver(rounds=30)
    attempts = receiver.of_type("work_order.dispatched")
    assert len(attempts) == 6  # the first try and five retries
    assert len({a.headers["X-Minsheng-Delivery"] for a in attempts}) == 1
    dead = body(people.get("admin", f"/deliveries?department_id={DEPARTMENT}&status=dead"))
    [entry] = dead["items"]
    assert entry["type"] == "work_order.dispatched"
    assert [a["attempt"] for a in entry["attempts"]] == [1, 2, 3, 4, 5, 6]
    assert all(a["status_code"] == 503 and a["error"] for a in entry["attempts"])
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.receive_message(
        QueueUrl=settings().notifications_dead_letter_queue, VisibilityTimeout=0
    ).get("Messages", [])
    assert [json.loads(m["Body"])["id"] for m in dlq] == [entry["id"]]
    # The receiver is back; the dead letters are sent again and delivered once
    receiver.status = 200
    moved = people.post("admin", "/deliveries/redrive")
    assert moved.status_code == 202 and body(moved)["redriven"] == 1
    flow.deliver()
    assert len(receiver.of_type("work_order.dispatched")) == 7
    delivered = [
        d
        for d in body(people.get("admin", "/deliveries?status=delivered"))["items"]
        if d["type"] == "work_order.dispatched"
    ]
    assert [d["id"] for d in delivered] == [entry["id"]]
    assert delivered[0]["attempts"][-1]["status_code"] == 200
    # Delivered is final: a redrive of it is refused, a replayed stream batch sends nothing
    assert people.post("admin", f"/deliveries/{entry['id']}/redrive").status_code == 409
    flow.replay(records)
    flow.replay(records)
    flow.deliver()
    assert len(receiver.of_type("work_order.dispatched")) == 7


def test_one_dead_delivery_is_redriven_from_the_log_once_the_new_url_is_verified(
    client: Any, people: People, receiver: Receiver, quick_retries: None
) -> None:
    flow = Flow(client)
    secret = register(people, receiver.url)
    verified(people, flow, receiver, secret)
    receiver.stop()  # nobody listens: connection refused
    dispatched_appeal(people)
    flow.run()
    [entry] = body(people.get("admin", "/deliveries?status=dead"))["items"]
    assert all(a["status_code"] is None and a["error"] for a in entry["attempts"])
    revived = Receiver().start()
    try:
        response = admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": revived.url})
        assert response.status_code == 200 and "secret" not in body(response)
        assert body(response)["url_verified"] is False
        # Past deliveries are not sent to a URL that has not proved it is the department's
        refused = people.post("admin", f"/deliveries/{entry['id']}/redrive")
        assert refused.status_code == 409, refused.body
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert "not verified" in body(refused)["detail"]
        assert body(refused)["url_verified"] is False
        flow.deliver()  # the new URL's challenge is not answered: it does not know the secret
        assert revived.of_type("work_order.dispatched") == []
        sqs = boto3.client("sqs", region_name="us-east-1")
        dead = sqs.receive_message(
            QueueUrl=settings().notifications_dead_letter_queue,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
        ).get("Messages", [])
        dead_ids = {json.loads(m["Body"])["id"] for m in dead}
        assert entry["id"] in dead_ids
        moved = body(people.post("admin", "/deliveries/redrive"))
        assert entry["id"] in moved["refused"] and entry["id"] not in moved["ids"]
        # Once the department's system answers, they go
        verified(people, flow, revived, secret)
        assert people.post("admin", f"/deliveries/{entry['id']}/redrive").status_code == 202
        flow.deliver()
        assert len(revived.of_type("work_order.dispatched")) == 1
        assert people.post("admin", "/deliveries/nope/redrive").status_code == 404
    finally:
        revived.stop()


def test_a_new_url_receives_personal_data_only_once_it_answers_the_challenge(
    client: Any, people: People, receiver: Receiver
) -> None:
    """An admin who points a department's webhook at a server of their own does not get
    the department's work orders as written: until the system at the URL proves it holds
    the department's secret, work orders reach it masked."""
    flow = Flow(client)
    secret = register(people, receiver.url)
    shown = body(people.get("admin", f"/departments/{DEPARTMENT}/webhook"))
    assert shown["url_verified"] is False and shown["verified_at"] is None
    first = dispatched_appeal(people)
    flow.run()
    # The challenge: signed like every delivery, to the new URL
    [challenge] = receiver.of_type("webhook.verify")
    assert verify(secret, challenge.headers, challenge.body)
    assert len(challenge.json()["data"]["challenge"]) == 64
    assert "work_order" not in challenge.json()
    # The work order, masked as leaders and admins read it
    [masked] = receiver.of_type("work_order.dispatched")
    assert masked.json()["masked"] is True
    order = masked.json()["work_order"]
    assert order["id"] == first and "13812345678" not in masked.body.decode()
    assert "东门路灯坏了" in order["content"]
    # An answer with the wrong secret, or the challenge echoed as it came, verifies nothing
    for wrong in ("whsec_guess", None):
        impostor = Receiver().start()
        try:
            admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": impostor.url})
            impostor.secret = wrong
            if wrong is None:
                impostor.answer = lambda _h, raw: (  # type: ignore[method-assign]
                    200,
                    json.dumps({"challenge": json.loads(raw)["data"]["challenge"]}).encode(),
                )
            flow.deliver(rounds=1)
            assert impostor.of_type("webhook.verify")
            again = body(people.get("admin", f"/departments/{DEPARTMENT}/webhook"))
            assert again["url_verified"] is False
        finally:
            impostor.stop()
    admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": receiver.url})
    # The department's staff (or the admin) ask for a new challenge once the system knows
    # its secret; its answer verifies the URL, on record
    receiver.secret = secret
    asked = people.post(f"department:{DEPARTMENT}", f"/departments/{DEPARTMENT}/webhook/verify")
    assert asked.status_code == 202, asked.body
    flow.deliver()
    shown = body(people.get("admin", f"/departments/{DEPARTMENT}/webhook"))
    assert shown["url_verified"] is True and shown["verified_at"]
    history = body(people.get("admin", f"/departments/{DEPARTMENT}/webhook/history"))["items"]
    assert history[0]["action"] == "url_verified" and history[0]["url"] == receiver.url
    assert history[0]["by"]["role"] == "system"
    # From now on, as written
    second = dispatched_appeal(people)
    flow.run()
    [clear] = [
        d for d in receiver.of_type("work_order.dispatched") if d.json()["appeal_id"] == second
    ]
    assert clear.json()["masked"] is False
    assert "13812345678" in clear.json()["work_order"]["content"]
    # Only the department itself asks for its challenges
    other = people.post("department:health-commission", f"/departments/{DEPARTMENT}/webhook/verify")
    assert other.status_code == 403
    assert people.post("admin", "/departments/health-commission/webhook/verify").status_code == 404


def test_every_notification_is_sent_once_when_stream_batches_are_replayed(
    client: Any, people: People, receiver: Receiver
) -> None:
    flow = Flow(client)
    verified(people, flow, receiver, register(people, receiver.url))
    receiver.received.clear()
    people.token("leader")
    appeal = dispatched_appeal(people)
    flow.stream()  # before the leader follows it
    assert (
        client.http.put(
            f"/appeals/{appeal}/follow", headers=people.stack.headers(people.token("leader"))
        ).status_code
        == 200
    )
    dept = f"department:{DEPARTMENT}"
    assert people.act(dept, appeal, "sign").status_code == 200
    assert people.act("leader", appeal, "comments", {"text": "请尽快办理"}).status_code == 200
    assert people.act("leader", appeal, "escalate").status_code == 200
    records = flow.stream()
    flow.replay(records)
    flow.replay(records[1:3])
    flow.deliver()
    flow.replay(records)
    flow.deliver()
    types = sorted(r.json()["type"] for r in receiver.received)
    assert types == ["work_order.commented", "work_order.dispatched"]
    assert len({r.headers["X-Minsheng-Delivery"] for r in receiver.received}) == 2
    leader = body(people.get("leader", "/me/notifications"))["items"]
    assert sorted(n["type"] for n in leader) == [
        "appeal.escalated",
        "appeal.updated",  # signed
        "appeal.updated",  # commented
    ]
    # Leaders read titles masked, as everywhere else they do
    assert all("13812345678" not in n["text"] for n in leader)


def test_a_batch_the_queue_refuses_in_part_is_retried_for_those_records_alone(
    client: Any, people: People, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The consumer sends a batch's messages together, ten a call: when SQS refuses one
    call, the records whose messages were in it (and only those) are reported failed; their
    redelivery, with the whole batch again, sends each notification once."""
    from chalicelib.notifications.integrations import queues

    flow = Flow(client)
    verified(people, flow, receiver, register(people, receiver.url))
    receiver.received.clear()
    appeals = [dispatched_appeal(people) for _ in range(6)]
    records = [r for r in stream_records() if r["dynamodb"]["SequenceNumber"] not in flow.seen]
    dispatches = [
        r
        for r in records
        if r["eventName"] == "MODIFY"
        and r["dynamodb"]["NewImage"].get("state", {}).get("S") == "dispatched"
    ]
    assert len(dispatches) >= 6
    sqs = queues.client("sqs")
    original = sqs.send_message_batch
    calls: list[int] = []

    def refuse_the_second(**kwargs: Any) -> Any:
        calls.append(len(kwargs["Entries"]))
        if len(calls) == 2:
            raise RuntimeError("throttled")
        return original(**kwargs)

    monkeypatch.setattr(sqs, "send_message_batch", refuse_the_second)
    result = client.lambda_.invoke("appeal_notifications", {"Records": records}).payload
    monkeypatch.undo()
    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    assert calls[0] == 10 and len(calls) >= 2  # messages of several records in one call
    assert failed and len(failed) < len(records)  # those of the refused call, not all
    sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert failed == sorted(failed, key=sequences.index)
    # Lambda delivers the batch again from the first failed record
    retry = records[sequences.index(failed[0]) :]
    flow.replay(retry)
    flow.seen |= set(sequences)
    flow.deliver()
    events = [r.json() for r in receiver.received]
    dispatched = [e["appeal_id"] for e in events if e["type"] == "work_order.dispatched"]
    assert sorted(dispatched) == sorted(appeals)
    assert len({r.headers["X-Minsheng-Delivery"] for r in receiver.received}) == len(
        receiver.received
    )


def test_rotation_keeps_the_old_secret_for_a_day_and_signs_with_both(
    client: Any, people: People, receiver: Receiver
) -> None:
    flow = Flow(client)
    old = register(people, receiver.url)
    time = Clock(shanghai("2026-11-26T09:00:00"))
    try:
        # When the admin rotates the secret at 09:00
        rotated = people.post("admin", f"/departments/{DEPARTMENT}/webhook/secret")
        assert rotated.status_code == 200, rotated.body
        answer = body(rotated)
        new = answer["secret"]
        assert new != old
        # Then the new one is issued now and the old one stays valid for exactly a day
        rotated_at = time.at
        assert clock.parse_iso(answer["secret_issued_at"]) == rotated_at
        assert clock.parse_iso(answer["previous_secret_until"]) == rotated_at + timedelta(hours=24)
        shown = body(people.get("admin", f"/departments/{DEPARTMENT}/webhook"))
        assert "secret" not in shown
        assert shown["previous_secret_until"] == answer["previous_secret_until"]
        # During the overlap a delivery carries both secrets' signatures, each in both schemes
        appeal = dispatched_appeal(people)
        flow.run()
        [delivery] = receiver.of_type("work_order.dispatched")
        assert len(delivery.headers["X-Minsheng-Signature"].split(",")) == 4
        assert verify(old, delivery.headers, delivery.body)
        assert verify(new, delivery.headers, delivery.body)
        # and both secrets act, the old one until the last minute of the day
        assert inbound(client, new, {"appeal_id": appeal, "action": "sign"}).status_code == 200
        time.advance(hours=23, minutes=59)
        contact = {"appeal_id": appeal, "action": "contact", "method": "phone"}
        assert inbound(client, old, contact).status_code == 200
        # A day and a minute after the rotation the old secret neither acts nor signs
        time.advance(minutes=2)
        late = {"appeal_id": appeal, "action": "reply", **VALID_REPLY}
        refused = inbound(client, old, late)
        assert refused.status_code == 401, refused.body
        assert inbound(client, new, late).status_code == 200
        second = dispatched_appeal(people)
        flow.run()
        [after] = [d for d in receiver.of_type("work_order.dispatched") if d is not delivery]
        assert after.json()["work_order"]["id"] == second
        assert len(after.headers["X-Minsheng-Signature"].split(",")) == 2
        assert verify(new, after.headers, after.body)
        assert not verify(old, after.headers, after.body)
    finally:
        clock.set_clock(None)


def claims(token: str) -> dict[str, Any]:
    import base64

    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_every_change_of_a_registration_is_on_record_for_admins_and_the_department(
    people: People, receiver: Receiver
) -> None:
    """Who changed a department's webhook, when, from what to what: an admin could point
    it at their own server and leave no trace."""
    admin = claims(people.token("admin"))
    path = f"/departments/{DEPARTMENT}/webhook"
    first_secret = register(people, receiver.url)
    assert admin_put(people, path, {"url": receiver.url, "enabled": False}).status_code == 200
    elsewhere = "http://127.0.0.1:9/elsewhere"
    assert admin_put(people, path, {"url": elsewhere, "enabled": True}).status_code == 200
    assert admin_put(people, path, {"url": elsewhere, "enabled": True}).status_code == 200
    rotated_secret = body(people.post("admin", f"{path}/secret"))["secret"]
    history = people.get("admin", f"{path}/history")
    assert history.status_code == 200, history.body
    items = body(history)["items"]
    # Newest first; the PUT that changed nothing is not a change
    assert [i["action"] for i in items] == [
        "secret_rotated",
        "changed",
        "changed",
        "registered",
    ]
    rotated, moved, disabled, registered = items
    assert registered["old_url"] is None and registered["url"] == receiver.url
    assert registered["enabled"] is True and registered["old_enabled"] is None
    assert (disabled["old_url"], disabled["url"]) == (receiver.url, receiver.url)
    assert (disabled["old_enabled"], disabled["enabled"]) == (True, False)
    assert (moved["old_url"], moved["url"]) == (receiver.url, elsewhere)
    assert (moved["old_enabled"], moved["enabled"]) == (False, True)
    assert rotated["url"] == elsewhere
    assert first_secret not in history.body.decode() and rotated_secret not in history.body.decode()
    for item in items:
        assert item["by"] == {
            "role": "admin",
            "id": admin["sub"],
            "username": admin["cognito:username"],
        }
        assert item["at"] >= registered["at"]
    # The department's own staff read it too; nobody else does
    dept = people.get(f"department:{DEPARTMENT}", f"{path}/history")
    assert dept.status_code == 200 and body(dept)["items"] == items
    for who in ("department:health-commission", "operator", "leader", "citizen"):
        assert people.get(who, f"{path}/history").status_code == 403, who
    assert people.get("admin", "/departments/nowhere/webhook/history").status_code == 404
    # In pages
    first = body(people.get("admin", f"{path}/history?limit=3"))
    assert first["items"] == items[:3] and first["next_cursor"]
    rest = body(people.get("admin", f"{path}/history?limit=3&cursor={first['next_cursor']}"))
    assert rest["items"] == items[3:] and rest["next_cursor"] is None


def test_a_changed_url_is_told_to_the_old_url_and_to_the_departments_staff(
    client: Any, people: People, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = Flow(client)
    admin = claims(people.token("admin"))
    staff = f"department:{DEPARTMENT}"
    people.token(staff)
    people.token("department:health-commission")
    secret = register(people, receiver.url)
    flow.run()
    elsewhere = Receiver().start()
    try:
        capsys.readouterr()
        moved = admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": elsewhere.url})
        assert moved.status_code == 200, moved.body
        # An alarm metric counts the change
        assert '"WebhookUrlChanged":[1.0]' in capsys.readouterr().out
        flow.deliver()
        # The old URL is told, signed with the department's secret
        [notice] = receiver.of_type("webhook.changed")
        assert verify(secret, notice.headers, notice.body)
        assert notice.headers["X-Minsheng-Event"] == "webhook.changed"
        told = notice.json()
        assert told["department_id"] == DEPARTMENT and "work_order" not in told
        assert told["data"] == {
            "action": "changed",
            "old_url": receiver.url,
            "url": elsewhere.url,
            "old_enabled": True,
            "enabled": True,
            "by": {"role": "admin", "id": admin["sub"], "username": admin["cognito:username"]},
        }
        assert elsewhere.of_type("webhook.changed") == []
    finally:
        elsewhere.stop()
    # The department's staff are told in the app (of the registration, then of the change);
    # another department's are not
    mine = [
        n
        for n in body(people.get(staff, "/me/notifications"))["items"]
        if n["type"] == "webhook.changed"
    ]
    assert [n["title"] for n in mine] == ["部门接口已变更", "部门接口已登记"]
    assert elsewhere.url in mine[0]["text"] and admin["cognito:username"] in mine[0]["text"]
    assert receiver.url in mine[0]["text"] and receiver.url in mine[1]["text"]
    assert all(n["appeal_id"] is None and n["read"] is False for n in mine)
    others = body(people.get("department:health-commission", "/me/notifications"))["items"]
    assert [n for n in others if n["type"].startswith("webhook.")] == []
    # And the notice is in the delivery log like any delivery
    log = body(people.get("admin", f"/deliveries?department_id={DEPARTMENT}&status=delivered"))
    [entry] = [d for d in log["items"] if d["type"] == "webhook.changed"]
    assert entry["appeal_id"] is None


def test_a_leaked_previous_secret_is_revoked_at_once_on_record(
    client: Any, people: People, receiver: Receiver
) -> None:
    """A rotation keeps the old secret valid for 24 hours; when it leaked, the admin ends
    that at once."""
    flow = Flow(client)
    old = register(people, receiver.url)
    new = body(people.post("admin", f"/departments/{DEPARTMENT}/webhook/secret"))["secret"]
    verified(people, flow, receiver, new)
    appeal = dispatched_appeal(people)
    assert inbound(client, old, {"appeal_id": appeal, "action": "sign"}).status_code == 200
    path = f"/departments/{DEPARTMENT}/webhook/secret/revoke-previous"
    for who in (f"department:{DEPARTMENT}", "operator"):
        assert people.post(who, path).status_code == 403, who
    revoked = people.post("admin", path)
    assert revoked.status_code == 200, revoked.body
    assert body(revoked)["previous_secret_until"] is None and "secret" not in body(revoked)
    contact = {"appeal_id": appeal, "action": "contact", "method": "phone"}
    assert inbound(client, old, contact).status_code == 401
    assert inbound(client, new, contact).status_code == 200
    # Deliveries are signed with the current secret alone
    second = dispatched_appeal(people)
    flow.run()
    [delivery] = [
        d for d in receiver.of_type("work_order.dispatched") if d.json()["appeal_id"] == second
    ]
    assert len(delivery.headers["X-Minsheng-Signature"].split(",")) == 2
    assert verify(new, delivery.headers, delivery.body)
    assert not verify(old, delivery.headers, delivery.body)
    # On record, and nothing left to revoke
    history = body(people.get("admin", f"/departments/{DEPARTMENT}/webhook/history"))["items"]
    assert history[0]["action"] == "previous_secret_revoked"
    assert history[0]["by"]["role"] == "admin"
    again = people.post("admin", path)
    assert again.status_code == 409 and "no previous secret" in body(again)["detail"]


@pytest.mark.parametrize(
    ("url", "field_message"),
    [
        ("http://10.0.0.5/hook", "private"),
        ("https://10.0.0.5/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::ffff:192.168.1.9]/", "private"),
        ("ftp://example.org/", "must use"),
        ("https://user:pw@example.org/", "user name"),
        ("not a url", "spaces"),
    ],
)
def test_webhook_urls_that_reach_inside_are_refused(
    people: People, url: str, field_message: str
) -> None:
    response = admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": url})
    assert response.status_code == 400, response.body
    [error] = body(response)["errors"]
    assert error["field"] == "url" and field_message in error["message"]
    # Nothing was registered
    assert people.get("admin", f"/departments/{DEPARTMENT}/webhook").status_code == 404


def test_webhook_admin_is_for_admins_and_names_known_departments(people: People) -> None:
    path = f"/departments/{DEPARTMENT}/webhook"
    for who in ("operator", "leader", f"department:{DEPARTMENT}", "citizen"):
        response = people.client.http.put(
            path,
            headers=people.stack.headers(people.token(who)),
            body=json.dumps({"url": "http://127.0.0.1:9/"}),
        )
        assert response.status_code == 403, who
        assert people.get(who, "/deliveries?status=dead").status_code == 403
    assert (
        admin_put(
            people, "/departments/nowhere/webhook", {"url": "http://127.0.0.1:9/"}
        ).status_code
        == 404
    )
    assert people.get("admin", "/deliveries").status_code == 400
    assert people.get("admin", "/deliveries?status=lost").status_code == 400
    unknown = admin_put(people, path, {"url": "http://127.0.0.1:9/", "colour": "red"})
    assert unknown.status_code == 400


def _start() -> None:
    Clock(shanghai("2026-11-26T09:00:00"))


def test_the_prod_stage_refuses_loopback_private_and_metadata_urls(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the admin API with the prod stage's rule (only the stage differs: the
    stack's tables and pool stay the test's)."""
    import dataclasses
    import socket

    from chalicelib.notifications.services import webhooks

    prod = dataclasses.replace(settings(), stage="prod")
    monkeypatch.setattr(webhooks, "settings", lambda: prod)
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "cases.internal.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for url in (
        "http://127.0.0.1/",
        "https://127.0.0.1/",
        "https://10.0.0.5/",
        "https://169.254.169.254/",
        "https://cases.internal.example/hook",
    ):
        response = admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": url})
        assert response.status_code == 400, (url, response.body)
        assert body(response)["errors"][0]["field"] == "url"
    assert people.get("admin", f"/departments/{DEPARTMENT}/webhook").status_code == 404


def test_a_failed_delivery_is_tried_again_after_30_s_2_min_10_min_1_h_and_6_h(
    client: Any, people: People, receiver: Receiver
) -> None:
    import time

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    from chalicelib.core.integrations.aws import client as aws_client
    from chalicelib.local.pump import QueueSubscription

    # Given a department system that answers 503, and the retry schedule as deployed
    assert settings().delivery_retry_seconds == (30, 120, 600, 3600, 6 * 3600)
    flow = Flow(client)
    register(people, receiver.url)
    receiver.status = 503
    dispatched_appeal(people)
    flow.stream()
    # (what the deliverer asks SQS for, as SQS receives it)
    # (the dispatch's message only: the registration's notices fail beside it)
    asked: list[int] = []
    handles: set[str] = set()
    app_sqs = aws_client("sqs")

    def visibility_asked(params: dict[str, Any], **_: Any) -> None:
        if params["ReceiptHandle"] in handles:
            asked.append(int(params["VisibilityTimeout"]))

    app_sqs.meta.events.register(
        "provide-client-params.sqs.ChangeMessageVisibility", visibility_asked
    )
    url = settings().notifications_queue
    arn = flow.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sub = QueueSubscription("deliver_notifications", "notifications", 10, True)
    handler = client._app.handler_map["deliver_notifications"]
    queue = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues[url.rsplit("/", 1)[-1]]
    try:
        for attempt, pause in enumerate((30, 120, 600, 3600, 6 * 3600, 0), start=1):
            # When the deliverer receives the message and the POST fails
            messages = flow.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
            )["Messages"]
            ours = [
                m for m in messages if json.loads(m["Body"]).get("type") == "work_order.dispatched"
            ]
            assert len(ours) == 1, messages
            assert ours[0]["Attributes"]["ApproximateReceiveCount"] == str(attempt)
            handles.add(ours[0]["ReceiptHandle"])
            flow.pump.invoke_queue_handler(sub, handler, url, arn, "us-east-1", messages)
            # Then it asks SQS to hide the message for the pause before the next attempt
            assert asked[-1] == pause, (attempt, asked)
            [kept] = [m for m in queue._messages if m.receipt_handle == ours[0]["ReceiptHandle"]]
            hidden_for = (kept.visible_at - time.time() * 1000) / 1000
            assert pause - 5 < hidden_for <= pause, (attempt, hidden_for)
            if pause:
                # and SQS keeps it out of sight meanwhile; then the pause is over
                again = flow.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
                assert again.get("Messages", []) == []
                flow.sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=ours[0]["ReceiptHandle"], VisibilityTimeout=0
                )
    finally:
        app_sqs.meta.events.unregister(
            "provide-client-params.sqs.ChangeMessageVisibility", visibility_asked
        )
    assert asked == [30, 120, 600, 3600, 21600, 0]
    assert len(receiver.of_type("work_order.dispatched")) == 6
    # After the sixth attempt the queue sets it aside in the dead-letter queue
    assert flow.sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    dead = flow.sqs.receive_message(QueueUrl=settings().notifications_dead_letter_queue)
    assert [json.loads(m["Body"])["type"] for m in dead["Messages"]] == ["work_order.dispatched"]


class Dns:
    """The resolver the platform's sockets see: ``name`` answers ``answers`` one lookup
    after the other (the last one from then on); every other name as the system has it."""

    def __init__(self, name: str, *answers: str) -> None:
        import socket

        self.name, self.answers, self.asked = name, list(answers), 0
        self._real = socket.getaddrinfo

    def getaddrinfo(self, host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        import socket

        if host != self.name:
            return self._real(host, port, *args, **kwargs)
        answer = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]


class Connections:
    """Every connection the webhook client opens, refused (no network in a test), and the
    pools it opens them through: the TLS name and the Host header they were given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import urllib3
        from urllib3.util import connection

        self.opened: list[tuple[str, int]] = []
        self.pools: list[dict[str, Any]] = []
        self.hosts: list[str] = []
        owner = self
        real_pool = urllib3.HTTPSConnectionPool

        def refuse(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
            owner.opened.append((address[0], int(address[1])))
            raise ConnectionRefusedError("no network in this test")

        class Pool(real_pool):  # type: ignore[misc, valid-type]
            def __init__(self, host: str, port: int, **kwargs: Any) -> None:
                owner.pools.append({"host": host, "port": port, **kwargs})
                super().__init__(host, port, **kwargs)

            def urlopen(self, method: str, url: str, **kwargs: Any) -> Any:
                owner.hosts.append(kwargs["headers"]["Host"])
                return super().urlopen(method, url, **kwargs)

        monkeypatch.setattr(connection, "create_connection", refuse)
        monkeypatch.setattr(urllib3, "HTTPSConnectionPool", Pool)


def _prod_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prod stage's rule for webhook URLs, at registration and at delivery (only the
    stage differs: the stack's tables, queues and pool stay the test's)."""
    import dataclasses

    from chalicelib.notifications.services import delivery, webhooks

    prod = dataclasses.replace(settings(), stage="prod")
    monkeypatch.setattr(webhooks, "settings", lambda: prod)
    monkeypatch.setattr(delivery, "settings", lambda: prod)


def test_a_name_that_resolves_inside_at_delivery_is_refused_and_never_connected(
    client: Any, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    # Given a URL whose name resolved to a public address when it was registered
    _prod_stage(monkeypatch)
    dns = Dns("hooks.transport.example", "93.184.215.14", "10.1.2.3")
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    register(people, "https://hooks.transport.example/minsheng")
    connections = Connections(monkeypatch)
    # When, by the time a work order is delivered, the name resolves to a private address
    dispatched_appeal(people)
    Flow(client).run()
    # Then the delivery is refused by the check at delivery, and no connection is opened
    # (looked up at registration, then at each delivery: the URL's challenge and the work order)
    assert dns.asked == 3
    assert connections.opened == [] and connections.pools == []
    items = body(people.get("admin", f"/deliveries?department_id={DEPARTMENT}"))["items"]
    [entry, challenge] = sorted(items, key=lambda i: i["type"] != "work_order.dispatched")
    [attempt] = entry["attempts"]
    assert attempt["status_code"] is None
    assert "resolves to 10.1.2.3, which is a private address" in attempt["error"]
    assert entry["type"] == "work_order.dispatched" and challenge["type"] == "webhook.verify"
    assert "resolves to 10.1.2.3" in challenge["attempts"][0]["error"]


def test_a_delivery_connects_to_the_address_checked_with_the_names_host_and_tls_name(
    client: Any, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    # Given a registered URL whose name resolves to a public address at the delivery's
    # check, and to loopback at any later lookup (a name rebound in between)
    _prod_stage(monkeypatch)
    dns = Dns(
        "hooks.transport.example", "93.184.215.14", "93.184.215.14", "93.184.215.14", "127.0.0.1"
    )
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    register(people, "https://hooks.transport.example:8443/minsheng")
    connections = Connections(monkeypatch)
    # When a work order is delivered
    dispatched_appeal(people)
    Flow(client).run()
    # Then the name was looked up once at delivery, and the connection went to the address
    # checked, never to the name; TLS checks the name and the Host header carries it
    # (looked up at registration, then once at each delivery: the URL's challenge and the
    # work order, each connecting to the address it checked)
    assert dns.asked == 3
    assert connections.opened == [("93.184.215.14", 8443)] * 2
    for pool in connections.pools:
        assert (pool["host"], pool["port"]) == ("93.184.215.14", 8443)
        assert pool["server_hostname"] == pool["assert_hostname"] == "hooks.transport.example"
        assert pool["cert_reqs"] == "CERT_REQUIRED"
    assert connections.hosts == ["hooks.transport.example:8443"] * 2
    items = body(people.get("admin", f"/deliveries?department_id={DEPARTMENT}"))["items"]
    assert sorted(i["type"] for i in items) == ["webhook.verify", "work_order.dispatched"]
    for entry in items:
        assert "no network in this test" in entry["attempts"][0]["error"]


def test_the_center_s_decisions_the_citizen_s_note_rating_and_closure_reach_the_department_once(
    client: Any, people: People, receiver: Receiver
) -> None:
    """work_order.extension_decided (with the new deadline), citizen_note, rated and
    closed: each delivered once, with a stable id, however often the stream's batches
    are delivered again."""
    from chalicelib.core.domain import schemas
    from chalicelib.core.domain.principal import Principal, Role
    from chalicelib.core.domain.workflow import Action
    from chalicelib.core.store import appeals as store
    from chalicelib.work_orders.services.transitions import perform

    flow = Flow(client)
    time = Clock(shanghai("2026-11-02T10:00:00"))
    verified(people, flow, receiver, register(people, receiver.url))
    receiver.received.clear()
    dept = f"department:{DEPARTMENT}"
    rated, unrated = dispatched_appeal(people), dispatched_appeal(people)
    for appeal in (rated, unrated):
        assert people.act(dept, appeal, "sign").status_code == 200
        assert people.act(dept, appeal, "contact").status_code == 200
    # Given the department asked for three more working days, and the center agreed
    asked = people.act(dept, rated, "extension", {"days": 3, "reason": "需协调多部门"})
    assert asked.status_code == 200, asked.body
    before = body(asked)["deadlines"]["reply_due"]
    decided = people.act("operator", rated, "extension/decision", {"approve": True})
    assert decided.status_code == 200, decided.body
    after = body(decided)["deadlines"]["reply_due"]
    assert after > before
    # and the citizen added to the appeal (a reply to the mayor's mailbox)
    found = store.get(rated)
    assert found is not None
    citizen = Principal(id=found.citizen_id, role=Role.CITIZEN)
    perform(
        citizen,
        rated,
        Action.ADD_NOTE,
        {"text": "补充：晚上八点后路灯全灭", "channel": "mailbox", "source": "m1"},
        schema=schemas.CITIZEN_NOTE,
    )
    # When both are replied, one is rated and the other closes itself after 7 days
    for appeal in (rated, unrated):
        assert people.act(dept, appeal, "reply").status_code == 200
    assert people.act("citizen", rated, "rating", {"score": 4, "resolved": True}).status_code == 200
    time.advance(days=7, minutes=1)
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    assert client.lambda_.invoke("auto_close", event).payload == {"closed": 1, "skipped": 0}
    # and the stream delivers its batches again, whole and in part
    records = flow.stream()
    flow.replay(records)
    flow.replay(records[2:5])
    flow.deliver()
    flow.replay(records)
    flow.deliver()
    # Then the department's system has each event once
    ids = [r.headers["X-Minsheng-Delivery"] for r in receiver.received]
    assert len(ids) == len(set(ids))
    got = {(r.json()["appeal_id"], r.json()["type"]): r.json() for r in receiver.received}
    assert len(got) == len(receiver.received)
    decision = got[(rated, "work_order.extension_decided")]["data"]
    assert decision == {
        "approve": True,
        "days": 3,
        "reply_due": after,
        "previous_reply_due": before,
    }
    note = got[(rated, "work_order.citizen_note")]
    timeline = note["work_order"]["timeline"]
    assert timeline[note["data"]["event"]]["note"] == "补充：晚上八点后路灯全灭"
    assert note["data"]["channel"] == "mailbox"
    assert got[(rated, "work_order.rated")]["data"] == {"score": 4, "resolved": True}
    assert got[(rated, "work_order.closed")]["data"] == {"reason": "rated"}
    assert got[(unrated, "work_order.closed")]["data"] == {"reason": "no_rating"}
    assert (unrated, "work_order.rated") not in got
    assert got[(unrated, "work_order.closed")]["work_order"]["state"] == "closed"
    assert all(r.headers["X-Minsheng-Schema-Version"] == "1" for r in receiver.received)


def test_the_department_s_progress_notes_are_for_staff_and_come_in_signed_too(
    client: Any, people: People, receiver: Receiver
) -> None:
    """办理进展: from the console (the staff API) and from the department's system (the
    inbound action ``note``), numbered, read by the center and leaders, never by the
    citizen or the public; bounded per work order."""
    secret = register(people, receiver.url)
    appeal = dispatched_appeal(people)
    dept = f"department:{DEPARTMENT}"
    # When the department notes its progress in the console, then from its own system
    staff = people.act(dept, appeal, "note", {"text": "已安排人员现场查看"})
    assert staff.status_code == 200, staff.body
    signed = inbound(
        client, secret, {"appeal_id": appeal, "action": "note", "text": "已联系供电公司抢修"}
    )
    assert signed.status_code == 200, signed.body
    # Then both are in the staff's timeline, numbered, with who wrote them
    for who in ("operator", "leader", dept):
        timeline = body(people.get(who, f"/appeals/{appeal}"))["timeline"]
        notes = [e for e in timeline if e["type"] == "department_note"]
        assert [(e["note"], e["data"]["seq"]) for e in notes] == [
            ("已安排人员现场查看", 1),
            ("已联系供电公司抢修", 2),
        ], who
        assert notes[1]["actor"]["role"] == "department"
    assert notes[1]["actor"]["id"] == f"system:{DEPARTMENT}"
    # and neither in the citizen's nor in the public's
    mine = body(people.get("citizen", f"/appeals/{appeal}"))
    assert "department_note" not in {e["type"] for e in mine["timeline"]}
    assert "现场查看" not in json.dumps(mine, ensure_ascii=False)
    # A note without text is refused naming the field, and changes nothing
    version = body(people.get("operator", f"/appeals/{appeal}"))["version"]
    empty = people.act(dept, appeal, "note", {"text": ""})
    assert empty.status_code == 400 and body(empty)["errors"][0]["field"] == "text"
    assert body(people.get("operator", f"/appeals/{appeal}"))["version"] == version
    # and after twenty notes the next is refused: the work order's item stays bounded
    for n in range(3, 21):
        assert people.act(dept, appeal, "note", {"text": f"第{n}次进展"}).status_code == 200
    over = people.act(dept, appeal, "note", {"text": "第21次进展"})
    assert over.status_code == 409, over.body
    # Once replied, the order is no longer the department's to note
    replied = dispatched_appeal(people)
    for step in ("sign", "contact", "reply"):
        assert people.act(dept, replied, step).status_code == 200
    late = inbound(client, secret, {"appeal_id": replied, "action": "note", "text": "补充"})
    assert late.status_code == 409, late.body


def test_the_center_s_decision_on_a_return_reaches_the_department_once(
    client: Any, people: People, receiver: Receiver
) -> None:
    """work_order.dispute_decided: sent back to the same department (rejected), sent on
    elsewhere (upheld); each once, with a stable id, under stream redelivery."""
    from tests.integration.lifecycle_helpers import OTHER_DEPARTMENT

    flow = Flow(client)
    Clock(shanghai("2026-11-02T10:00:00"))
    verified(people, flow, receiver, register(people, receiver.url))
    receiver.received.clear()
    dept = f"department:{DEPARTMENT}"
    back, elsewhere = dispatched_appeal(people), dispatched_appeal(people)
    for appeal in (back, elsewhere):
        returned = people.act(dept, appeal, "return", {"reason": "不属于本单位职责"})
        assert returned.status_code == 200, returned.body
    # When the center sends one back, with its reason, and the other to another department
    again = {"department_id": DEPARTMENT, "note": "属本单位职责，请继续办理"}
    assert people.act("operator", back, "dispatch", again).status_code == 200
    onward = {"department_id": OTHER_DEPARTMENT}
    assert people.act("operator", elsewhere, "dispatch", onward).status_code == 200
    # and the stream delivers its batches again, whole and in part
    records = flow.stream()
    flow.replay(records)
    flow.replay(records[1:3])
    flow.deliver()
    flow.replay(records)
    flow.deliver()
    # Then the department that returned them is told each decision once
    ids = [r.headers["X-Minsheng-Delivery"] for r in receiver.received]
    assert len(ids) == len(set(ids))
    decided = [
        r.json() for r in receiver.received if r.json()["type"] == "work_order.dispute_decided"
    ]
    got = {d["appeal_id"]: d for d in decided}
    assert len(got) == len(decided) == 2
    rejected = got[back]
    assert rejected["data"]["outcome"] == "rejected" and rejected["data"]["step"] == "dispatched"
    step = rejected["work_order"]["timeline"][rejected["data"]["event"]]
    assert step["type"] == "dispatched" and step["note"] == "属本单位职责，请继续办理"
    assert rejected["work_order"]["state"] == "dispatched"
    upheld = got[elsewhere]
    assert upheld["data"] == {"outcome": "upheld", "step": "dispatched", "event": 3}
    assert upheld["work_order"] is None
    # and its staff read it in the console's notifications
    inbox = body(people.get(dept, "/me/notifications"))["items"]
    texts = [n["text"] for n in inbox if n["type"] == "work_order.dispute_decided"]
    assert sorted(texts) == sorted(
        [
            "工单“路灯不亮”的退回异议未被采纳，工单已退回本单位继续办理，办理时限连续计算。",
            "工单“路灯不亮”的退回异议已被平台采纳，工单不再由本单位承办。",
        ]
    )


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("sign", {"signed_by": "李明"}),
        ("contact", {"method": "phone", "phone": "13900001111"}),
        ("reply", {**VALID_REPLY, "attachments": []}),
        ("return", {"reason": "不属于本单位职责", "to": "health-commission"}),
        ("extension", {"days": 2, "reason": "需协调", "until": "2026-12-01"}),
        ("note", {"text": "已到现场", "by": "李明"}),
    ],
)
def test_each_inbound_action_refuses_fields_it_does_not_know_naming_them(
    client: Any, people: People, receiver: Receiver, action: str, fields: dict[str, Any]
) -> None:
    secret = register(people, receiver.url)
    appeal = dispatched_appeal(people)
    if action in ("contact", "reply", "extension"):
        assert inbound(client, secret, {"appeal_id": appeal, "action": "sign"}).status_code == 200
    if action == "reply":
        contact = {"appeal_id": appeal, "action": "contact", "method": "phone"}
        assert inbound(client, secret, contact).status_code == 200
    before = body(people.get("operator", f"/appeals/{appeal}"))
    answered = inbound(
        client, secret, {"appeal_id": appeal, "action": action, **fields, "extra_note": "x"}
    )
    assert answered.status_code == 400, answered.body
    problem = body(answered)
    known = set(fields) - {"signed_by", "phone", "attachments", "to", "until", "by"}
    unknown = sorted({*fields, "extra_note"} - known)
    assert sorted(e["field"] for e in problem["errors"]) == unknown
    assert {e["message"] for e in problem["errors"]} == {"is not a known field"}
    after = body(people.get("operator", f"/appeals/{appeal}"))
    assert after["version"] == before["version"] and after["state"] == before["state"]


def signed_read(client: Any, secret: str, path: str, **query: str) -> Any:
    """A read signed as the events page says: the body signed is "GET {path}?{query}",
    the query's pairs sorted and percent-encoded (RFC 3986)."""
    from urllib.parse import quote, urlencode

    encoded = urlencode(sorted(query.items()), quote_via=quote)
    target = path + ("?" + encoded if encoded else "")
    headers = signed_headers(secret, f"GET {target}".encode())
    headers.pop("Content-Type")
    return client.http.get(target, headers=headers)


def test_a_department_system_reads_its_own_work_orders_signed_and_nothing_else(
    client: Any, people: People, receiver: Receiver
) -> None:
    from tests.integration.lifecycle_helpers import OTHER_DEPARTMENT

    time = Clock(shanghai("2026-11-02T10:00:00"))
    secret = register(people, receiver.url)
    other_secret = register(people, receiver.url, OTHER_DEPARTMENT)
    first = dispatched_appeal(people)
    time.advance(minutes=1)
    second = dispatched_appeal(people)
    elsewhere = people.submit()["id"]
    sent = people.act("operator", elsewhere, "dispatch", {"department_id": OTHER_DEPARTMENT})
    assert sent.status_code == 200, sent.body
    time.advance(minutes=1)
    assert people.act("leader", first, "comments", {"text": "请尽快办理"}).status_code == 200
    base = f"/department-systems/{DEPARTMENT}/work-orders"
    # Every work order of the department, oldest change first: the second, then the first
    every = signed_read(client, secret, base)
    assert every.status_code == 200, every.body
    items = body(every)["items"]
    assert [i["id"] for i in items] == [second, first]
    assert all(isinstance(i["version"], int) for i in items)
    # Changed since the second's change: the second (at that time) and the first
    since = items[0]["updated_at"]
    later = body(signed_read(client, secret, base, changed_since=since, limit="1"))
    assert [i["id"] for i in later["items"]] == [second] and later["next_cursor"]
    rest = signed_read(
        client, secret, base, changed_since=since, limit="1", cursor=later["next_cursor"]
    )
    assert [i["id"] for i in body(rest)["items"]] == [first]
    after = body(signed_read(client, secret, base, changed_since=items[1]["updated_at"]))
    assert [i["id"] for i in after["items"]] == [first]
    # One work order with the department's view of its timeline, and its comments
    one = body(signed_read(client, secret, f"{base}/{first}"))
    assert one["id"] == first and "13812345678" in one["content"]
    assert [e["type"] for e in one["timeline"]][-1] == "commented"
    assert one["version"] == items[1]["version"]
    comments = body(signed_read(client, secret, f"{base}/{first}/comments"))
    assert [c["note"] for c in comments["items"]] == ["请尽快办理"]
    # Another department's work order is not there for it: 404, as for staff
    assert signed_read(client, secret, f"{base}/{elsewhere}").status_code == 404
    assert signed_read(client, secret, f"{base}/{elsewhere}/comments").status_code == 404
    assert elsewhere not in [i["id"] for i in items]
    # and the other department's system reads only its own
    theirs = f"/department-systems/{OTHER_DEPARTMENT}/work-orders"
    assert [i["id"] for i in body(signed_read(client, other_secret, theirs))["items"]] == [
        elsewhere
    ]
    assert signed_read(client, other_secret, f"{theirs}/{first}").status_code == 404
    assert signed_read(client, other_secret, f"{base}/{first}").status_code == 401
    # A signature is for its path and query only; no signature, no read
    raw = f"GET {base}/{second}".encode()
    moved = client.http.get(f"{base}/{first}", headers=signed_headers(secret, raw))
    assert moved.status_code == 401
    assert client.http.get(base).status_code == 401
    token = people.stack.headers(people.token(f"department:{DEPARTMENT}"))
    assert client.http.get(base, headers=token).status_code == 401
    # Bad parameters are named
    bad = signed_read(client, secret, base, changed_since="yesterday", state="signed")
    assert bad.status_code == 400
    assert sorted(e["field"] for e in body(bad)["errors"]) == ["state"]
    bad = signed_read(client, secret, base, changed_since="yesterday")
    assert [e["field"] for e in body(bad)["errors"]] == ["changed_since"]


def test_with_the_vpc_placement_private_targets_are_allowed_and_nothing_else_inside(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stack whose delivery function sits in a VPC (DeliveryNetwork=vpc) and allows
    private targets registers a government network's URL; loopback and the metadata
    address stay refused."""
    import dataclasses
    import socket

    from chalicelib.notifications.services import webhooks

    prod = dataclasses.replace(
        settings(), stage="prod", delivery_network="vpc", webhook_private_targets=True
    )
    monkeypatch.setattr(webhooks, "settings", lambda: prod)

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        assert host == "cases.zwww.example", host  # nothing else is looked up
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for url in ("https://127.0.0.1/", "https://169.254.169.254/", "https://100.64.0.1/"):
        response = admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": url})
        assert response.status_code == 400, (url, response.body)
        assert body(response)["errors"][0]["field"] == "url"
    for url in ("https://cases.zwww.example/hook", "https://192.168.10.5/hook"):
        response = admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": url})
        assert response.status_code == 200, (url, response.body)
        assert body(response)["url"] == url
    # Plain http stays for loopback receivers only
    response = admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": "http://10.1.1.1/"})
    assert response.status_code == 400
