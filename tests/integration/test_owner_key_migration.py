"""The owner-key migration (``python -m infra.migrate_owner_keys``): appeals and letters an
earlier version keyed by a plain SHA-256 are re-keyed with the secret from the number or
address the stack still holds; WeChat's, which nothing gives back, stay findable; running it
again changes nothing, and the stream's consumers take its writes as no event."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock, identities
from chalicelib.core.services.owners import mail_owner, phone_owner, wechat_owner
from chalicelib.core.store import appeals as appeal_store
from infra.migrate_owner_keys import migrate
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai
from tests.integration.test_events import stream_records

CALLER = "+8613812345678"
CALL = {
    "caller": {"phone": "13812345678", "name": "王女士"},
    "kind": "complaint",
    "title": "小区停水",
    "content": "幸福小区三天没有水",
    "category": "water-supply",
    "dispatch": {"department_id": DEPARTMENT},
}
OPENID = "oFollowerMigration01"


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-11-26T09:00:00"))
    boto3.client("sesv2", region_name="us-east-1").create_email_identity(
        EmailIdentity=settings().mailbox_address
    )
    yield People(stack, client)
    clock.set_clock(None)


def earlier_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys as the version before the owner-key secret wrote them."""
    monkeypatch.setattr(
        identities, "phone_owner", lambda e164, _key: identities.legacy_owner("tel", e164)
    )
    monkeypatch.setattr(
        identities, "mail_owner", lambda address, _key: identities.legacy_owner("mail", address)
    )
    monkeypatch.setattr(
        identities,
        "wechat_owner",
        lambda app_id, open_id, _key: identities.legacy_owner("wechat", f"{app_id}:{open_id}"),
    )


def everything_stored() -> str:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    cfg = settings()
    items = [
        item
        for table in (cfg.appeals_table, cfg.mail_table, cfg.comments_table)
        for item in ddb.scan(TableName=table)["Items"]
    ]
    return json.dumps(items, ensure_ascii=False)


def test_earlier_keys_are_rekeyed_from_what_the_stack_holds_once(
    people: People, client: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    from tests.integration.test_mailbox import SENDER, Mailbox, plain_letter
    from tests.integration.test_wechat import APP_ID, WeChat, install_account, reply

    install_account()
    mailbox = Mailbox(client)
    dept = f"department:{DEPARTMENT}"
    # Given a hotline call, a letter and a WeChat message taken by the earlier version
    with monkeypatch.context() as patch:
        earlier_version(patch)
        call = body(people.post("operator", "/hotline/appeals", CALL))["id"]
        for action in ("sign", "contact"):
            assert people.act(dept, call, action).status_code == 200
        assert mailbox.deliver(plain_letter("old-1@example.com", "井盖丢失", "井盖")) == {
            "batchItemFailures": []
        }
        sent = reply(WeChat(client).text(OPENID, "公园的长椅坏了"))
    wechat_appeal = sent["Content"].split("编号：")[1].split("。")[0]
    letter = appeal_store.list_by_citizen(identities.legacy_owner("mail", SENDER), 10, None)[0]
    (mail_appeal,) = [a.id for a in letter]
    old_tel = identities.legacy_owner("tel", CALLER)
    old_mail = identities.legacy_owner("mail", SENDER)
    old_wechat = identities.legacy_owner("wechat", f"{APP_ID}:{OPENID}")
    before = everything_stored()
    assert old_tel in before and old_mail in before and old_wechat in before
    # the current version does not find the caller's appeal by the number
    listed = body(people.get("operator", "/hotline/callers/13812345678/appeals"))["items"]
    assert listed == []
    records_before = len(stream_records())

    # A dry run counts, and writes nothing
    expected = {
        "letter rekeyed": 1,
        "tel rekeyed": 1,
        "mail rekeyed": 1,
        "wechat left": 1,
    }
    assert dict(migrate(dry_run=True)) == expected
    assert everything_stored() == before

    # When the migration runs
    assert dict(migrate()) == expected
    rekeys = stream_records()[records_before:]
    # Then the hotline's and the mailbox's keys are the secret's, the timeline's too
    after = everything_stored()
    assert old_tel not in after and old_mail not in after
    call_now = appeal_store.get(call)
    assert call_now is not None and call_now.citizen_id == phone_owner(CALLER)
    citizens = [e.actor for e in call_now.timeline if e.actor["role"] == "citizen"]
    assert citizens == [{"role": "citizen", "id": phone_owner(CALLER)}]
    assert [e.type for e in call_now.timeline] == ["submitted", "dispatched", "signed", "contacted"]
    mail_now = appeal_store.get(mail_appeal)
    assert mail_now is not None and mail_now.citizen_id == mail_owner(SENDER)
    from chalicelib.channels.mailbox.store import mailbox as letters_store

    record = letters_store.get("old-1@example.com")
    assert record is not None and record.sender == mail_owner(SENDER)
    # the caller's appeal is found by the number, and is theirs when they sign in
    listed = body(people.get("operator", "/hotline/callers/13812345678/appeals"))["items"]
    assert [a["id"] for a in listed] == [call]
    people.tokens["caller"] = people.stack.sign_in(*people.stack.user(phone=CALLER))
    assert [a["id"] for a in body(people.get("caller", "/appeals/mine"))["items"]] == [call]
    # the sender's next letter naming the case joins their appeal
    mailbox.deliver(plain_letter("old-2@example.com", "已经三天了", f"催办 诉求编号 {mail_appeal}"))
    joined = appeal_store.get(mail_appeal)
    assert joined is not None and joined.timeline[-1].type == "citizen_note"
    # WeChat's appeal keeps its key, and the follower's 查询 still finds it
    wechat_now = appeal_store.get(wechat_appeal)
    assert wechat_now is not None and wechat_now.citizen_id == old_wechat
    assert wechat_appeal in reply(WeChat(client).text(OPENID, "查询"))["Content"]
    assert wechat_owner(APP_ID, OPENID) != old_wechat

    # The migration's writes are no event for the stream's consumers
    caplog.set_level(logging.INFO)
    assert sorted(r["dynamodb"]["Keys"]["id"]["S"] for r in rekeys) == sorted([call, mail_appeal])
    for handler in ("appeal_activity", "appeal_statistics", "appeal_notifications"):
        result = client.lambda_.invoke(handler, {"Records": rekeys}).payload
        assert result == {"batchItemFailures": []}, handler
    assert not [r for r in caplog.records if r.getMessage() == "timeline rewritten"]
    assert not [r for r in caplog.records if r.getMessage() == "notifications queued"]

    # Running it again changes nothing
    assert dict(migrate()) == {
        "letter current": 2,
        "tel current": 1,
        "mail current": 1,
        "wechat left": 1,
    }


def test_a_letter_no_longer_in_the_bucket_leaves_its_appeal_as_it_was(
    people: People, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.test_mailbox import SENDER, Mailbox, plain_letter

    mailbox = Mailbox(client)
    with monkeypatch.context() as patch:
        earlier_version(patch)
        key = mailbox.store(plain_letter(f"{uuid.uuid4().hex}@example.com", "路灯不亮", "路灯"))
        assert mailbox.invoke([mailbox.notification(key)]) == {"batchItemFailures": []}
    boto3.client("s3", region_name="us-east-1").delete_object(
        Bucket=settings().inbox_bucket, Key=key
    )
    assert dict(migrate()) == {"letter gone": 1, "mail left": 1}
    (left,) = appeal_store.list_by_citizen(identities.legacy_owner("mail", SENDER), 10, None)[0]
    assert left.citizen_id == identities.legacy_owner("mail", SENDER)


def test_the_command_reads_the_stacks_names_and_parameters(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """``main`` points the code at the stack's resources (its outputs) and its report
    sender and mailbox (its parameters), then migrates: here, nothing to do."""
    import os

    from chalicelib.core.config import deployed_fields, env_name
    from infra import migrate_owner_keys
    from infra.template import output_name

    cfg = settings()
    template = {
        "Parameters": {"ReportSender": {"Type": "String"}, "MailboxAddress": {"Type": "String"}},
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            output_name(field): {"Value": str(getattr(cfg, field)) or "unused"}
            for field in deployed_fields()
        },
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="minsheng-old",
        TemplateBody=json.dumps(template),
        Parameters=[
            {"ParameterKey": "ReportSender", "ParameterValue": "reports@example.gov"},
            {"ParameterKey": "MailboxAddress", "ParameterValue": "mayor@example.gov"},
        ],
    )
    saved = dict(os.environ)
    try:
        assert migrate_owner_keys.main(["--stack", "minsheng-old", "--stage", "dev"]) == 0
        assert os.environ["MINSHENG_STAGE"] == "dev"
        assert os.environ[env_name("owner_key_secret")] == cfg.owner_key_secret
        assert settings().report_sender == "reports@example.gov"
        assert settings().mailbox_address == "mayor@example.gov"
    finally:
        os.environ.clear()
        os.environ.update(saved)
        settings.cache_clear()
    printed = capsys.readouterr().out
    assert "Owner keys in minsheng-old (written):" in printed
