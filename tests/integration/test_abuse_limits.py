"""Abuse limits and the headers every answer carries (issue 13, OWASP API4: unrestricted
resource consumption, and API8: security misconfiguration)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import Clock, People, shanghai

ACCOUNT = "123456789012"  # moto's


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The default limits, as deployed (the test environment turns them off)."""
    monkeypatch.setenv("MINSHENG_SUBMISSION_LIMITS", "")
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def appeals_of_everyone() -> int:
    """The items moto holds in the appeals table (a scan, even one that only counts, would
    copy each of them out, twice a request in the mass-assignment test)."""
    from moto.dynamodb.models import dynamodb_backends

    return len(dynamodb_backends[ACCOUNT]["us-east-1"].get_table(settings().appeals_table))


def submit(people: People, who: str = "citizen") -> Any:
    payload = {"kind": "complaint", "title": "路灯不亮", "content": "东门路灯坏了"}
    return people.post(who, "/appeals", payload)


def test_a_citizen_may_submit_five_a_minute_and_twenty_a_day(people: People, limited: None) -> None:
    time = Clock(shanghai("2026-11-26T09:00:10"))
    for _ in range(5):
        assert submit(people).status_code == 201
    refused = submit(people)
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert body(refused)["type"].endswith("too-many-requests") and body(refused)["limit"] == 5
    assert int(refused.headers["Retry-After"]) == 51  # until 09:01:00, rounded up
    assert appeals_of_everyone() == 5  # nothing written
    # Another citizen is not held back
    assert submit(people, "citizen:other").status_code == 201

    # The next minute opens again, up to 20 in the day
    for minute in range(1, 4):
        time.advance(minutes=1)
        for _ in range(5):
            assert submit(people).status_code == 201, minute
    time.advance(minutes=1)
    day_full = submit(people)
    assert day_full.status_code == 429 and body(day_full)["limit"] == 20
    seconds_to_midnight = (shanghai("2026-11-27T00:00:00") - time.at).total_seconds()
    assert int(day_full.headers["Retry-After"]) == int(seconds_to_midnight) + 1
    # The refused minute did not count: the next day starts at zero
    Clock(shanghai("2026-11-27T00:00:05"))
    assert submit(people).status_code == 201
    assert appeals_of_everyone() == 22


def test_a_refused_submission_counts_against_nothing(people: People, limited: None) -> None:
    Clock(shanghai("2026-11-26T09:00:00"))
    invalid = {"kind": "complaint", "title": " ", "content": "x"}
    for _ in range(10):
        assert people.post("citizen", "/appeals", invalid).status_code == 400
    for _ in range(5):
        assert submit(people).status_code == 201


def test_limits_are_configured_and_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core.config import ConfigError, load_settings

    monkeypatch.setenv("MINSHENG_SUBMISSION_LIMITS", "3/hour")
    assert load_settings().submission_limits == ((3, 3600),)
    monkeypatch.setenv("MINSHENG_SUBMISSION_LIMITS", "off")
    assert load_settings().submission_limits == ()
    for wrong in ("5", "0/minute", "5/week", "five/day"):
        monkeypatch.setenv("MINSHENG_SUBMISSION_LIMITS", wrong)
        with pytest.raises(ConfigError, match="MINSHENG_SUBMISSION_LIMITS"):
            load_settings()


def test_every_answer_carries_the_security_headers(people: People, client: Any) -> None:
    appeal = submit(people)
    personal = [
        appeal,
        people.get("citizen", "/appeals/mine"),
        people.get("citizen", f"/appeals/{body(appeal)['id']}"),
        people.get("operator", "/work-orders"),
        client.http.get("/appeals/mine"),  # 401
        people.get("citizen", "/appeals/20261126-AAAAAAAA"),  # 404
    ]
    for response in personal:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store", response.status_code
    public = client.http.get("/public/stats")
    assert public.headers["X-Content-Type-Options"] == "nosniff"
    assert public.headers["Cache-Control"].startswith("public")
    for html in (client.http.get("/"), client.http.get("/r/" + "x" * 43)):
        assert html.headers["Content-Type"].startswith("text/html")
        policy = html.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy or "default-src 'self'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[-1].split(";")[0]


def test_a_wechat_follower_is_held_to_the_same_limits(client: Any, limited: None) -> None:
    from tests.integration.test_wechat import WeChat, install_account, reply

    install_account()
    wechat = WeChat(client)
    Clock(shanghai("2026-11-26T09:00:10"))
    try:
        answers = [reply(wechat.text("oBusy", f"第{n}条：路灯坏了"))["Content"] for n in range(6)]
        assert all("编号" in a for a in answers[:5])
        assert "未登记" in answers[5] and "编号" not in answers[5]
        assert appeals_of_everyone() == 5
        # Another follower is not held back
        assert "编号" in reply(wechat.text("oCalm", "井盖缺失"))["Content"]
    finally:
        clock.set_clock(None)


def test_a_mail_sender_over_the_limits_is_flagged_not_answered(
    client: Any, stack: Stack, limited: None
) -> None:
    from chalicelib.channels.mailbox.store import mailbox as letters_store
    from tests.integration import report_helpers as rh
    from tests.integration.test_mailbox import SENDER, Mailbox, appeals_of, plain_letter

    boto3.client("sesv2", region_name="us-east-1").create_email_identity(
        EmailIdentity=settings().mailbox_address
    )
    mailbox = Mailbox(client)
    Clock(shanghai("2026-11-26T09:00:10"))
    try:
        for n in range(6):
            letter = plain_letter(f"busy-{n}@example.com", f"第{n}封：路灯坏了", "路灯")
            assert mailbox.deliver(letter) == {"batchItemFailures": []}
        assert len(appeals_of(SENDER)) == 5
        assert len(rh.sent_messages()) == 5  # the sixth is not answered
        sixth = letters_store.get("busy-5@example.com")
        assert sixth is not None and sixth.status == "flagged"
        assert str(sixth.reason).startswith("too-many")
    finally:
        clock.set_clock(None)


def test_letters_in_a_sender_s_name_do_not_use_up_their_limits(
    client: Any, stack: Stack, limited: None
) -> None:
    from chalicelib.channels.mailbox.store import mailbox as letters_store
    from tests.integration import report_helpers as rh
    from tests.integration.test_mailbox import SENDER, Mailbox, appeals_of, plain_letter

    boto3.client("sesv2", region_name="us-east-1").create_email_identity(
        EmailIdentity=settings().mailbox_address
    )
    mailbox = Mailbox(client)
    Clock(shanghai("2026-11-26T09:00:10"))
    failing = {"dmarc": "fail", "envelope": "x@evil.example", "signer": "evil.example"}
    try:
        # Twenty letters in the sender's name that SES could not verify
        for n in range(20):
            letter = plain_letter(f"forged-{n}@evil.example", "路灯坏了", "路灯", verdicts=failing)
            assert mailbox.deliver(letter) == {"batchItemFailures": []}
        assert appeals_of(SENDER) == [] and rh.sent_messages() == []
        reasons = {letters_store.get(f"forged-{n}@evil.example").reason for n in range(20)}  # type: ignore[union-attr]
        assert reasons == {"unverified-sender"}
        # Then the sender's own letter is still taken and answered
        mailbox.deliver(plain_letter("own-1@example.com", "井盖丢失", "井盖"))
        assert len(appeals_of(SENDER)) == 1 and len(rh.sent_messages()) == 1
    finally:
        clock.set_clock(None)
