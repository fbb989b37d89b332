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
from tests.support.department_system import Receiver, signed_headers, verify


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


def test_a_receiver_that_is_down_fills_the_log_then_the_dead_letter_queue_until_redriven(
    client: Any, people: People, receiver: Receiver, quick_retries: None
) -> None:
    flow = Flow(client)
    register(people, receiver.url)
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
    delivered = body(people.get("admin", "/deliveries?status=delivered"))["items"]
    assert [d["id"] for d in delivered] == [entry["id"]]
    assert delivered[0]["attempts"][-1]["status_code"] == 200
    # Delivered is final: a redrive of it is refused, a replayed stream batch sends nothing
    assert people.post("admin", f"/deliveries/{entry['id']}/redrive").status_code == 409
    flow.replay(records)
    flow.replay(records)
    flow.deliver()
    assert len(receiver.of_type("work_order.dispatched")) == 7


def test_one_dead_delivery_is_redriven_from_the_log(
    client: Any, people: People, receiver: Receiver, quick_retries: None
) -> None:
    flow = Flow(client)
    register(people, receiver.url)
    receiver.stop()  # nobody listens: connection refused
    dispatched_appeal(people)
    flow.run()
    [entry] = body(people.get("admin", "/deliveries?status=dead"))["items"]
    assert all(a["status_code"] is None and a["error"] for a in entry["attempts"])
    revived = Receiver().start()
    try:
        response = admin_put(people, f"/departments/{DEPARTMENT}/webhook", {"url": revived.url})
        assert response.status_code == 200 and "secret" not in body(response)
        assert people.post("admin", f"/deliveries/{entry['id']}/redrive").status_code == 202
        flow.deliver()
        assert len(revived.of_type("work_order.dispatched")) == 1
        assert people.post("admin", "/deliveries/nope/redrive").status_code == 404
    finally:
        revived.stop()


def test_every_notification_is_sent_once_when_stream_batches_are_replayed(
    client: Any, people: People, receiver: Receiver
) -> None:
    flow = Flow(client)
    register(people, receiver.url)
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
        # During the overlap a delivery carries both signatures
        appeal = dispatched_appeal(people)
        flow.run()
        [delivery] = receiver.of_type("work_order.dispatched")
        assert len(delivery.headers["X-Minsheng-Signature"].split(",")) == 2
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
        assert len(after.headers["X-Minsheng-Signature"].split(",")) == 1
        assert verify(new, after.headers, after.body)
        assert not verify(old, after.headers, after.body)
    finally:
        clock.set_clock(None)


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
    asked: list[int] = []
    app_sqs = aws_client("sqs")

    def visibility_asked(params: dict[str, Any], **_: Any) -> None:
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
    assert dns.asked == 2
    assert connections.opened == [] and connections.pools == []
    [entry] = body(people.get("admin", f"/deliveries?department_id={DEPARTMENT}"))["items"]
    [attempt] = entry["attempts"]
    assert attempt["status_code"] is None
    assert "resolves to 10.1.2.3, which is a private address" in attempt["error"]


def test_a_delivery_connects_to_the_address_checked_with_the_names_host_and_tls_name(
    client: Any, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    # Given a registered URL whose name resolves to a public address at the delivery's
    # check, and to loopback at any later lookup (a name rebound in between)
    _prod_stage(monkeypatch)
    dns = Dns("hooks.transport.example", "93.184.215.14", "93.184.215.14", "127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    register(people, "https://hooks.transport.example:8443/minsheng")
    connections = Connections(monkeypatch)
    # When a work order is delivered
    dispatched_appeal(people)
    Flow(client).run()
    # Then the name was looked up once at delivery, and the connection went to the address
    # checked, never to the name; TLS checks the name and the Host header carries it
    assert dns.asked == 2
    assert connections.opened == [("93.184.215.14", 8443)]
    [pool] = connections.pools
    assert (pool["host"], pool["port"]) == ("93.184.215.14", 8443)
    assert pool["server_hostname"] == pool["assert_hostname"] == "hooks.transport.example"
    assert pool["cert_reqs"] == "CERT_REQUIRED"
    assert connections.hosts == ["hooks.transport.example:8443"]
    [entry] = body(people.get("admin", f"/deliveries?department_id={DEPARTMENT}"))["items"]
    assert "no network in this test" in entry["attempts"][0]["error"]
