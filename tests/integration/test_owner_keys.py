"""Owner keys (security review, finding 4): a hotline caller's key is an HMAC with the
stack's secret, so the masked number leaders and admins read cannot be turned back into
the number; and no view but the citizen's own, nor any log line, carries a citizen's id."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai

CALLER = "+8613812345678"
CALL = {
    "caller": {"phone": "138 1234 5678", "name": "王女士"},
    "kind": "complaint",
    "title": "小区停水",
    "content": "幸福小区三天没有水",
    "category": "water-supply",
}
# The scheme before this change: SHA-256 with a constant in the source.
OLD_PEPPER = "minsheng-owner"


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def stored_owner(appeal_id: str) -> str:
    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=settings().appeals_table, Key={"id": {"S": appeal_id}}
    )["Item"]
    return str(item["citizen_id"]["S"])


def record_call(people: People, **change: Any) -> str:
    recorded = people.post("operator", "/hotline/appeals", {**CALL, **change})
    assert recorded.status_code == 201, recorded.body
    return str(body(recorded)["id"])


def owner_secret_name() -> str:
    return str(getattr(settings(), "owner_key_secret", "minsheng-test/owner-keys"))


def set_owner_secret(value: str) -> None:
    """The stack's owner-key secret changed under the app (a new container reads it)."""
    from chalicelib.core.integrations import secrets

    manager = boto3.client("secretsmanager", region_name="us-east-1")
    try:
        manager.put_secret_value(SecretId=owner_secret_name(), SecretString=value)
    except manager.exceptions.ResourceNotFoundException:
        manager.create_secret(Name=owner_secret_name(), SecretString=value)
    secrets.reset()


def test_leaders_admins_and_departments_read_no_citizen_id_on_a_hotline_appeal(
    people: People,
) -> None:
    appeal_id = record_call(people, dispatch={"department_id": DEPARTMENT})
    dept = f"department:{DEPARTMENT}"
    for action in ("sign", "contact", "reply"):
        assert people.act(dept, appeal_id, action).status_code == 200
    owner = stored_owner(appeal_id)
    assert owner.startswith("tel:")
    for who in ("leader", "admin", dept, "operator"):
        seen = body(people.get(who, f"/appeals/{appeal_id}"))
        text = json.dumps(seen, ensure_ascii=False)
        assert "tel:" not in text and owner not in text, who
        submitted = seen["timeline"][0]
        assert submitted["type"] == "submitted" and submitted["actor"] == {"role": "citizen"}, who
        staff = [e["actor"] for e in seen["timeline"] if e["actor"]["role"] == "department"]
        assert staff and all(a.get("id") for a in staff), who  # staff stay named
    listed = body(people.get("operator", "/hotline/callers/13812345678/appeals"))["items"]
    assert [a["id"] for a in listed] == [appeal_id]
    assert "tel:" not in json.dumps(listed)


def test_the_key_for_a_number_differs_with_a_different_secret(people: People) -> None:
    set_owner_secret("first-secret-" + "a" * 40)
    first = stored_owner(record_call(people))
    set_owner_secret("second-secret-" + "b" * 40)
    second = stored_owner(record_call(people))
    assert first.startswith("tel:") and second.startswith("tel:")
    assert first != second
    # and a key stays the same under the same secret: the caller's appeals are found
    again = stored_owner(record_call(people))
    assert again == second


def test_brute_force_with_the_old_constant_pepper_no_longer_finds_the_number(
    people: People,
) -> None:
    appeal_id = record_call(people)
    leader = body(people.get("leader", f"/appeals/{appeal_id}"))
    masked = leader["contact"]["phone"]
    assert masked == "861******5678"
    key = stored_owner(appeal_id)
    digest = key.removeprefix("tel:")
    head, tail = masked[:3], masked[-4:]
    found = None
    for middle in range(10**6):
        number = f"+{head}{middle:06d}{tail}"
        tried = hashlib.sha256(f"{OLD_PEPPER}\0tel\0{number}".encode()).hexdigest()[:32]
        if tried == digest:
            found = number
            break
    assert found is None, f"{key} is the old hash of {found}"


def test_no_log_line_carries_a_citizens_id_or_number(
    people: People, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.integration.test_webhooks import Flow

    caplog.set_level(logging.INFO)  # what a deployed function logs
    appeal_id = record_call(people, dispatch={"department_id": DEPARTMENT})
    dept = f"department:{DEPARTMENT}"
    for action in ("sign", "contact", "reply"):
        assert people.act(dept, appeal_id, action).status_code == 200
    Flow(client).run()  # the SMS with the rating link
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    texts = list(sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values())
    token = texts[-1][1].split("/r/")[1].split()[0]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    rated = client.http.post(f"/r/{token}", headers=form, body="score=4&resolved=yes")
    assert rated.status_code == 200, rated.body
    owner = stored_owner(appeal_id)
    logged = [json.dumps(r.__dict__, default=str, ensure_ascii=False) for r in caplog.records]
    assert any(appeal_id in line for line in logged)  # the journey was logged
    for line in logged:
        assert owner not in line and "tel:" not in line, line
        assert "13812345678" not in line, line
