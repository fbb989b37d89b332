"""Faults injected at the botocore layer (issue 13): what the platform survives, and that
it never half-writes, answers twice or loses a record.

Elsewhere, and not repeated here: SES refusing a report (the next run sends it,
``test_report_delivery.py``); a department endpoint that is down (retries on the published
schedule, then the dead-letter queue, ``test_webhooks.py``; one that times out is here);
tokens signed by another key, tampered, expired or for another client
(``test_intake_api.py``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.integration.test_events import stream_records

APPEAL = {"kind": "complaint", "title": "路灯不亮", "content": "东门路灯坏了"}


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


@contextmanager
def failing(
    monkeypatch: pytest.MonkeyPatch,
    matches: Callable[[str, str, dict[str, Any]], bool],
    code: str = "ProvisionedThroughputExceededException",
    times: int = 1,
    message: str = "injected",
) -> Iterator[list[str]]:
    """The next ``times`` calls that ``matches(service, operation, params)`` fail with
    ``code`` (and ``message``), as AWS answers once the SDK's own retries are spent."""
    original = BaseClient._make_api_call
    failed: list[str] = []

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        if len(failed) < times and matches(service, operation, params):
            failed.append(operation)
            raise ClientError({"Error": {"Code": code, "Message": message}}, operation)
        return original(client, operation, params)

    with monkeypatch.context() as patch:
        patch.setattr(BaseClient, "_make_api_call", call)
        yield failed


def writes_to(table_setting: str) -> Callable[[str, str, dict[str, Any]], bool]:
    def matches(service: str, operation: str, params: dict[str, Any]) -> bool:
        table = getattr(settings(), table_setting)
        if service != "dynamodb" or operation not in (
            "PutItem",
            "UpdateItem",
            "TransactWriteItems",
        ):
            return False
        if params.get("TableName") == table:
            return True
        items = params.get("TransactItems", [])
        return any(spec.get("TableName") == table for i in items for spec in i.values())

    return matches


def items(table_setting: str) -> list[dict[str, Any]]:
    table = getattr(settings(), table_setting)
    return list(boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table)["Items"])


def test_a_throttled_intake_is_503_writes_nothing_and_the_retry_succeeds_once(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = people.stack.headers(people.token("citizen"), **{"Idempotency-Key": "call-1"})

    def post() -> Any:
        return people.client.http.post("/appeals", headers=headers, body=json.dumps(APPEAL))

    with failing(monkeypatch, writes_to("appeals_table")) as failed:
        refused = post()
    assert failed == ["PutItem"]
    assert refused.status_code == 503, refused.body
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert items("appeals_table") == []
    # The app's retry with the same key: stored once, and a repeat is the same answer
    first = post()
    assert first.status_code == 201, first.body
    again = post()
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert body(again)["id"] == body(first)["id"]
    assert len(items("appeals_table")) == 1


def test_a_throttled_transition_leaves_the_appeal_as_it_was(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    appeal = people.submit()
    headers = people.stack.headers(people.token("operator"), **{"Idempotency-Key": "d-1"})
    payload = json.dumps({"department_id": DEPARTMENT})
    path = f"/appeals/{appeal['id']}/dispatch"
    with failing(monkeypatch, writes_to("appeals_table")):
        refused = people.client.http.post(path, headers=headers, body=payload)
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    stored = body(people.get("operator", f"/appeals/{appeal['id']}"))
    assert stored["state"] == "submitted" and stored["version"] == appeal["version"]
    assert len(stored["timeline"]) == 1
    retried = people.client.http.post(path, headers=headers, body=payload)
    assert retried.status_code == 200 and body(retried)["state"] == "dispatched"
    replay = people.client.http.post(path, headers=headers, body=payload)
    assert replay.headers["Idempotent-Replayed"] == "true"
    after = body(people.get("operator", f"/appeals/{appeal['id']}"))
    assert [e["type"] for e in after["timeline"]] == ["submitted", "dispatched"]


def test_a_stream_batch_failing_half_way_returns_only_the_failed_records(
    people: People, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(6):
        people.submit()
    records = stream_records()
    assert len(records) == 6

    # One record per transaction (a batch whose records touch many counters is split the
    # same way), and the statistics table throttles the fourth record's write
    from chalicelib.figures.store import statistics as statistics_store

    monkeypatch.setattr(statistics_store, "MAX_TRANSACTION_ITEMS", 7)
    calls = {"n": 0}

    def fourth(service: str, operation: str, params: dict[str, Any]) -> bool:
        if not writes_to("stats_table")(service, operation, params):
            return False
        calls["n"] += 1
        return calls["n"] == 4

    with failing(monkeypatch, fourth, times=1):
        result = client.lambda_.invoke("appeal_statistics", {"Records": records}).payload
    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert failed and set(failed) <= set(sequences[3:])
    assert sequences[3] in failed
    # Lambda delivers again from the first failure on: the counters are then exact,
    # the records already counted are not counted twice
    again = [r for r in records if r["dynamodb"]["SequenceNumber"] >= min(failed)]
    result = client.lambda_.invoke("appeal_statistics", {"Records": again}).payload
    assert result == {"batchItemFailures": []}
    replay = client.lambda_.invoke("appeal_statistics", {"Records": records}).payload
    assert replay == {"batchItemFailures": []}
    stats = body(client.http.get("/public/stats?period=2026-11-26"))
    assert stats["counters"]["submitted"] == 6
    assert stats["channels"]["app"] == 6


def test_a_poison_message_goes_to_the_dead_letters_and_the_rest_flow(
    people: People, client: Any, quick_retries: None
) -> None:
    from tests.integration.test_webhooks import Flow, register
    from tests.support.department_system import Receiver

    receiver = Receiver().start()
    try:
        register(people, receiver.url)
        flow = Flow(client)
        sqs = flow.sqs
        url = settings().notifications_queue
        # What fails comes back at once (as after its visibility timeout)
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
        sqs.send_message(QueueUrl=url, MessageBody="{not json")
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"id": "x", "recipient": {}}))
        appeal = people.submit()["id"]
        people.act("operator", appeal, "dispatch")
        flow.stream()
        for _ in range(10):  # each round hands over what is visible; the poison fails
            flow.deliver(rounds=1)
        # The good message was delivered once
        assert [r.json()["type"] for r in receiver.received] == ["work_order.dispatched"]
        dead_url = settings().notifications_dead_letter_queue
        dead = sqs.receive_message(QueueUrl=dead_url, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in dead) == sorted(
            ["{not json", json.dumps({"id": "x", "recipient": {}})]
        )
        left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        assert left == []
    finally:
        receiver.stop()


def test_secrets_manager_unavailable_is_503_for_inbound_webhooks_not_401(
    people: People, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core.integrations import secrets
    from tests.integration.test_webhooks import inbound, register

    secret = register(people, "http://127.0.0.1:9/hook")
    appeal = people.submit()["id"]
    people.act("operator", appeal, "dispatch")
    secrets.reset()  # a cold function: nothing cached

    def secret_reads(service: str, operation: str, _params: dict[str, Any]) -> bool:
        return service == "secretsmanager"

    with failing(monkeypatch, secret_reads, code="InternalServiceError", times=10):
        refused = inbound(client, secret, {"appeal_id": appeal, "action": "sign"})
    assert refused.status_code == 503, refused.body
    assert refused.headers["Retry-After"]
    assert body(people.get("operator", f"/appeals/{appeal}"))["state"] == "dispatched"
    secrets.reset()
    assert inbound(client, secret, {"appeal_id": appeal, "action": "sign"}).status_code == 200


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_a_token_with_alg_none_or_hs256_is_refused(
    client: Any, stack: Stack, algorithm: str
) -> None:
    import jwt

    genuine = stack.token("citizen")
    claims = jwt.decode(genuine, options={"verify_signature": False})
    claims["cognito:groups"] = ["admin"]
    kid = jwt.get_unverified_header(genuine)["kid"]
    if algorithm == "none":
        header = {"alg": "none", "typ": "JWT", "kid": kid}

        def part(value: dict[str, Any]) -> str:
            raw = json.dumps(value).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        forged = f"{part(header)}.{part(claims)}."
    else:
        # HS256 keyed with something public (the classic confusion attack)
        forged = jwt.encode(
            claims,
            "public-key-material-known-to-anyone-who-looks",
            algorithm="HS256",
            headers={"kid": kid},
        )
    response = client.http.get("/departments", headers=stack.headers(forged))
    assert response.status_code == 401, response.body
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_department_endpoint_that_times_out_is_retried_then_dead_lettered(
    people: People, client: Any, monkeypatch: pytest.MonkeyPatch, quick_retries: None
) -> None:
    from chalicelib.notifications.integrations import webhook_client
    from tests.integration.test_webhooks import Flow, register
    from tests.support.department_system import Receiver

    monkeypatch.setattr(webhook_client, "TIMEOUT_SECONDS", 0.3)
    receiver = Receiver(delay=1.0).start()
    try:
        register(people, receiver.url)
        appeal = people.submit()["id"]
        people.act("operator", appeal, "dispatch")
        flow = Flow(client)
        flow.stream()
        flow.deliver(rounds=30)
        assert len(receiver.of_type("work_order.dispatched")) == 6  # the try and 5 retries
        dead = body(people.get("admin", f"/deliveries?department_id={DEPARTMENT}&status=dead"))
        [entry] = dead["items"]
        assert all(a["status_code"] is None for a in entry["attempts"])
        assert all("timed out" in str(a["error"]).lower() for a in entry["attempts"])
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.receive_message(QueueUrl=settings().notifications_dead_letter_queue)
        assert [json.loads(m["Body"])["id"] for m in dlq["Messages"]] == [entry["id"]]
    finally:
        receiver.stop()


def test_a_failed_rating_write_leaves_the_sms_link_usable(
    people: People, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Security review, finding 11: the link is used in the same write as the rating, so
    a rating the store refused leaves the citizen a link that still rates."""
    from tests.integration.test_channels import link_token, replied_call, sms_sent
    from tests.integration.test_webhooks import Flow

    appeal_id = replied_call(people)
    Flow(client).run()
    token = link_token(sms_sent()[-1][1])
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with failing(monkeypatch, writes_to("appeals_table")) as failed:
        refused = client.http.post(f"/r/{token}", headers=form, body="score=4&resolved=yes")
    assert failed, "the rating's write was not attempted"
    assert refused.status_code == 503, refused.body
    assert body(people.get("operator", f"/appeals/{appeal_id}"))["state"] == "replied"
    [link] = items("rating_links_table")
    assert "used_at" not in link, link
    # The citizen tries again with the same link: rated, and only now is it used up
    assert client.http.get(f"/r/{token}").status_code == 200
    rated = client.http.post(f"/r/{token}", headers=form, body="score=4&resolved=yes")
    assert rated.status_code == 200, rated.body
    appeal = body(people.get("operator", f"/appeals/{appeal_id}"))
    assert appeal["state"] == "closed" and appeal["rating"]["score"] == 4
    assert "used_at" in items("rating_links_table")[0]
    again = client.http.post(f"/r/{token}", headers=form, body="score=1&resolved=no")
    assert again.status_code == 404
