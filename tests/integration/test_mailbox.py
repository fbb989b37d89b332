"""The mayor's mailbox (区长信箱) end to end against moto: a letter stored in the inbox bucket,
announced on the mailbox queue, handled by the real ``receive_mail`` consumer; the appeal,
its photos, the acknowledgement SES sent, replies as notes, duplicates, flagged letters and
the operators' list."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from email.header import Header
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from typing import Any

import boto3
import pytest

from chalicelib.channels.mailbox.store import mailbox as letters_store
from chalicelib.core.config import settings
from chalicelib.core.domain.appeal import Appeal, State
from chalicelib.core.services.owners import mail_owner
from chalicelib.core.store import appeals as appeal_store
from tests.integration import report_helpers as rh
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import People
from tests.support import ses

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) + b"\xff\xd9"
SENDER = "Li.Si@Example.com"


def gbk_letter(
    message_id: str, *, html: str, subject: str = "般阳路东段下水道堵塞", **verdicts: str | None
) -> bytes:
    """A letter as a Chinese webmail writes it: GBK, RFC 2047 subject and name, HTML body
    only, a JPEG attached; as SES stores it (by default its sender verified: SPF, DKIM and
    DMARC pass for the From domain; ``verdicts`` as in ``tests.support.ses.stored``)."""
    message = MIMEMultipart()
    message["From"] = formataddr((str(Header("李四", "gbk")), SENDER))
    message["To"] = "mailbox@minsheng.localhost"
    message["Subject"] = Header(subject, "gbk").encode()
    message["Message-ID"] = f"<{message_id}>"
    message.attach(MIMEText(html, "html", "gbk"))
    photo = MIMEImage(JPEG, "jpeg")
    photo.add_header("Content-Disposition", "attachment", filename="下水道.jpg")
    message.attach(photo)
    return ses.stored(message.as_bytes(), **verdicts)  # type: ignore[arg-type]


def plain_letter(
    message_id: str, text: str, subject: str, *, verdicts: dict[str, Any] | None = None,
    **headers: str,
) -> bytes:  # fmt: skip
    """A plain UTF-8 letter as SES stores it (see ``gbk_letter``)."""
    message = MIMEText(text, "plain", "utf-8")
    message["From"] = headers.pop("From", SENDER)
    message["Subject"] = Header(subject, "utf-8").encode()
    message["Message-ID"] = f"<{message_id}>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return ses.stored(message.as_bytes(), **(verdicts or {}))


class Mailbox:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.s3 = boto3.client("s3", region_name="us-east-1")

    def store(self, raw: bytes) -> str:
        key = f"inbox/{uuid.uuid4().hex}"
        self.s3.put_object(Bucket=settings().inbox_bucket, Key=key, Body=raw)
        return key

    def notification(self, key: str) -> str:
        return json.dumps(
            {
                "Records": [
                    {
                        "eventVersion": "2.1",
                        "eventSource": "aws:s3",
                        "eventName": "ObjectCreated:Put",
                        "s3": {
                            "bucket": {"name": settings().inbox_bucket},
                            "object": {"key": key, "size": 1},
                        },
                    }
                ]
            }
        )

    def deliver(self, raw: bytes) -> Any:
        """SES stores the letter; S3 announces it; Lambda hands the message to the app."""
        return self.invoke([self.notification(self.store(raw))])

    def invoke(self, bodies: list[str]) -> Any:
        event = self.client.events.generate_sqs_event(message_bodies=bodies, queue_name="mailbox")
        return self.client.lambda_.invoke("receive_mail", event).payload


@pytest.fixture
def mailbox(client: Any, stack: Stack) -> Iterator[Mailbox]:
    boto3.client("sesv2", region_name="us-east-1").create_email_identity(
        EmailIdentity=settings().mailbox_address
    )
    yield Mailbox(client)


def appeals_of(address: str) -> list[Appeal]:
    items, _ = appeal_store.list_by_citizen(mail_owner(address), 100, None)
    return [a for a in (appeal_store.get(i.id) for i in items) if a is not None]


def test_a_gbk_letter_becomes_an_appeal_with_its_photo_and_is_acknowledged(
    mailbox: Mailbox, client: Any, stack: Stack
) -> None:
    # Given a GBK letter with a Chinese RFC 2047 subject, an HTML body and a JPEG
    html = (
        "<html><head><style>p{margin:0}</style><script>track()</script></head><body>"
        "<p>区长您好：</p><p>般阳路东段下水道堵塞一周&amp;污水漫到人行道。</p>"
        "<div>联系电话：13812345678</div></body></html>"
    )
    # When SES stores it and the consumer runs
    result = mailbox.deliver(gbk_letter("letter-1@mail.example.com", html=html))
    # Then it is one appeal on the mailbox channel, owned by the sender's address
    assert result == {"batchItemFailures": []}
    (appeal,) = appeals_of(SENDER)
    assert appeal.channel.value == "mailbox" and appeal.kind.value == "consultation"
    assert appeal.state is State.SUBMITTED
    assert appeal.title == "般阳路东段下水道堵塞"
    assert (
        appeal.content
        == "区长您好：\n\n般阳路东段下水道堵塞一周&污水漫到人行道。\n\n联系电话：13812345678"
    )
    assert appeal.contact == {"name": "李四", "phone": "+8613812345678"}
    # And the JPEG is in the media bucket where attached photos live, referenced by it
    (key,) = appeal.media
    assert key.startswith(f"attached/{mail_owner(SENDER)}/") and key.endswith(".jpg")
    stored = boto3.client("s3", region_name="us-east-1").get_object(
        Bucket=settings().media_bucket, Key=key
    )
    assert stored["Body"].read() == JPEG
    # And the operator opens it like any photo
    people = People(stack, client)
    shown = body(people.get("operator", f"/appeals/{appeal.id}"))
    assert shown["channel"] == "mailbox" and len(shown["photos"]) == 1
    # And the sender got the case number in the letter's thread, from the mailbox address
    (sent,) = rh.sent_messages()
    assert sent.to == ["Li.Si@example.com"]
    assert sent.subject == f"Re: 般阳路东段下水道堵塞 [诉求编号 {appeal.id}]"
    assert sent.message["In-Reply-To"] == "<letter-1@mail.example.com>"
    assert sent.message["References"] == "<letter-1@mail.example.com>"
    assert settings().mailbox_address in str(sent.message["From"])
    assert appeal.id in sent.part("plain") and appeal.id in sent.part("html")
    # And the letter's record says so
    letter = letters_store.get("letter-1@mail.example.com")
    assert letter is not None and letter.status == "appeal" and letter.appeal_id == appeal.id
    assert (letter.attachments_kept, letter.attachments_ignored) == (1, 0)
    assert letter.sender == mail_owner(SENDER) and letter.sender_masked == "L***@example.com"


def test_a_reply_joins_the_appeal_as_the_citizen_s_note_and_a_repeat_is_one_appeal(
    mailbox: Mailbox,
) -> None:
    # Given an appeal from a letter
    first = gbk_letter("letter-2@mail.example.com", html="<p>小区路灯不亮</p>", subject="路灯")
    mailbox.deliver(first)
    (appeal,) = appeals_of(SENDER)
    # When the same letter comes again (SES, S3 or SQS redelivery), stored under a new key
    assert mailbox.deliver(first) == {"batchItemFailures": []}
    # Then it is still one appeal and one acknowledgement
    assert len(appeals_of(SENDER)) == 1 and len(rh.sent_messages()) == 1
    # When the citizen answers in the thread (In-Reply-To the letter), quoting it
    reply = plain_letter(
        "reply-1@mail.example.com",
        "补充：灯杆编号 A-17。\n\n在 2026年11月28日 09:30，民生诉求平台 写道：\n> 您的来信已受理",
        "Re: 路灯",  # the thread alone names the appeal
        In_Reply_To="<letter-2@mail.example.com>",
    )
    mailbox.deliver(reply)
    # Then it is a note on the same appeal, without the quoted text, and nobody is answered
    (after,) = appeals_of(SENDER)
    note = after.timeline[-1]
    assert note.type == "citizen_note" and note.note == "补充：灯杆编号 A-17。"
    assert note.actor == {"role": "citizen", "id": mail_owner(SENDER)}
    assert note.data["channel"] == "mailbox"
    assert len(rh.sent_messages()) == 1
    reply_record = letters_store.get("reply-1@mail.example.com")
    assert reply_record is not None and reply_record.status == "note"
    assert reply_record.appeal_id == appeal.id
    # And the same reply again adds nothing
    mailbox.deliver(reply)
    assert len(appeal_store.get(appeal.id).timeline) == len(after.timeline)  # type: ignore[union-attr]


def test_a_subject_case_number_counts_only_for_the_appeal_s_own_sender(mailbox: Mailbox) -> None:
    mailbox.deliver(plain_letter("own-1@example.com", "井盖丢失", "井盖"))
    (appeal,) = appeals_of(SENDER)
    # A letter from the owner naming the case number (no thread headers) is a note
    mailbox.deliver(plain_letter("own-2@example.com", "已经三天了", f"催办 诉求编号 {appeal.id}"))
    assert appeals_of(SENDER)[0].timeline[-1].type == "citizen_note"
    # From someone else it is a new appeal of theirs
    other = "someone.else@example.com"
    mailbox.deliver(
        plain_letter("other-1@example.com", "我也看到了", f"诉求编号 {appeal.id}", From=other)
    )
    assert len(appeals_of(other)) == 1
    assert len(appeals_of(SENDER)[0].timeline) == 2


def test_a_reply_to_a_closed_appeal_is_flagged(mailbox: Mailbox) -> None:
    mailbox.deliver(plain_letter("closed-1@example.com", "垃圾未清运", "垃圾"))
    (appeal,) = appeals_of(SENDER)
    appeal.state = State.REJECTED
    appeal_store.save_transition(appeal)
    mailbox.deliver(
        plain_letter(
            "closed-2@example.com",
            "为什么不受理？",
            "Re: 垃圾",
            In_Reply_To="<closed-1@example.com>",
        )
    )
    record = letters_store.get("closed-2@example.com")
    assert record is not None and record.status == "flagged"
    assert record.reason == f"appeal-closed: {appeal.id}"
    assert len(appeals_of(SENDER)) == 1


def test_auto_replies_and_bounces_are_flagged_never_answered_and_listed(
    mailbox: Mailbox, client: Any, stack: Stack
) -> None:
    # Given an auto-reply and a bounce (and the test event S3 sends first)
    assert mailbox.invoke([json.dumps({"Event": "s3:TestEvent", "Bucket": "x"})]) == {
        "batchItemFailures": []
    }
    mailbox.deliver(
        plain_letter(
            "auto-1@example.com", "我正在休假。", "自动回复：休假中", Auto_Submitted="auto-replied"
        )
    )
    bounce = ses.stored(
        b"From: MAILER-DAEMON@mx.example.com\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-1@mx.example.com>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n\r\n--b--\r\n"
    )
    mailbox.deliver(bounce)
    mailbox.deliver(plain_letter("empty-1@example.com", "  ", "空信"))
    # Then nothing was answered and no appeal made
    assert rh.sent_messages() == []
    assert appeals_of(SENDER) == []
    # And the operator lists them, newest first, with a link to each raw letter
    people = People(stack, client)
    listed = people.get("operator", "/mailbox/messages?status=flagged&limit=2")
    assert listed.status_code == 200, listed.body
    page = body(listed)
    assert [i["reason"] for i in page["items"]] == ["no-text", "bounce"]
    assert page["next_cursor"]
    rest = body(people.get("operator", f"/mailbox/messages?cursor={page['next_cursor']}"))
    assert [i["reason"] for i in rest["items"]] == ["auto-reply"]
    assert rest["next_cursor"] is None
    auto = rest["items"][0]
    assert auto["sender"] == "L***@example.com" and auto["subject"] == "自动回复：休假中"
    assert auto["status"] == "flagged" and auto["size"] > 0 and auto["appeal_id"] is None
    assert "Signature" in auto["raw_url"] and auto["raw_url_expires_at"]
    # And an admin reads the list with personal data masked and no link to the letters
    admin = body(people.get("admin", "/mailbox/messages"))["items"]
    assert len(admin) == 3 and all("raw_url" not in i for i in admin)
    # And the raw letter is kept
    s3 = boto3.client("s3", region_name="us-east-1")
    record = letters_store.get("auto-1@example.com")
    assert record is not None
    raw = s3.get_object(Bucket=settings().inbox_bucket, Key=record.s3_key)["Body"].read()
    assert b"auto-replied" in raw


def test_the_list_is_for_the_center_with_problem_answers(
    mailbox: Mailbox, client: Any, stack: Stack
) -> None:
    people = People(stack, client)
    refused = people.get("citizen", "/mailbox/messages")
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    for query, field in (
        ("status=appeal", "status"),
        ("limit=0", "limit"),
        ("cursor=xyz", "cursor"),
    ):
        bad = people.get("operator", f"/mailbox/messages?{query}")
        assert bad.status_code == 400, query
        assert bad.headers["Content-Type"] == "application/problem+json"
        assert body(bad)["errors"][0]["field"] == field
    paths = json.loads(client.http.get("/openapi.json").body)["paths"]
    assert "get" in paths["/mailbox/messages"]


def test_a_letter_the_intake_refuses_is_flagged_not_dropped(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.channels.mailbox.domain import mailbox as letters

    # Given a letter whose title the one intake validation refuses (a blank one)
    monkeypatch.setattr(letters, "title_of", lambda mail: " ")
    mailbox.deliver(gbk_letter("refused-1@example.com", html="<p>内容</p>"))
    # Then no appeal, no answer, and the letter waits for an operator with the reason
    assert appeals_of(SENDER) == [] and rh.sent_messages() == []
    record = letters_store.get("refused-1@example.com")
    assert record is not None and record.status == "flagged"
    assert record.reason is not None and record.reason.startswith("invalid: title")
    assert (record.attachments_kept, record.attachments_ignored) == (0, 1)
    # And its photo, stored for the appeal that was refused, is not left behind
    assert media_objects() == []


def media_objects() -> list[str]:
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(
        Bucket=settings().media_bucket
    )
    return [o["Key"] for o in listed.get("Contents", [])]


def test_a_blank_display_name_is_left_out_of_the_contact(mailbox: Mailbox) -> None:
    mailbox.deliver(plain_letter("v-1@example.com", "有事反映", "事", From='"  " <v@example.com>'))
    (appeal,) = appeals_of("v@example.com")
    assert appeal.contact is None


def test_a_letter_without_message_id_is_one_appeal_by_its_bytes(mailbox: Mailbox) -> None:
    message = MIMEText("没有 Message-ID 的来信", "plain", "utf-8")
    message["From"] = SENDER
    message["Subject"] = "无编号"
    raw = ses.stored(message.as_bytes())
    mailbox.deliver(raw)
    mailbox.deliver(raw)
    assert len(appeals_of(SENDER)) == 1
    (sent,) = rh.sent_messages()
    assert sent.message["In-Reply-To"] is None


def test_s3_keys_arrive_url_encoded() -> None:
    from chalicelib.channels.mailbox.events.mailbox import stored_letters

    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "b"}, "object": {"key": "inbox/a+b%2Bc"}},
    }
    assert stored_letters({"Records": [record]}) == [("b", "inbox/a b+c")]
    assert stored_letters({"Event": "s3:TestEvent"}) == []
    deleted = {**record, "eventName": "ObjectRemoved:Delete"}
    assert stored_letters({"Records": [deleted]}) == []


def test_the_appeal_stream_consumers_take_mailbox_appeals_and_notes(
    mailbox: Mailbox, client: Any
) -> None:
    from tests.integration.test_events import stream_records

    # Given a letter's appeal and a reply's note on the appeals table's stream
    mailbox.deliver(plain_letter("stream-1@example.com", "噪音扰民，夜间施工", "夜间施工噪音"))
    mailbox.deliver(
        plain_letter(
            "stream-2@example.com", "昨晚又施工了", "Re", In_Reply_To="<stream-1@example.com>"
        )
    )
    assert appeals_of(SENDER)[0].timeline[-1].type == "citizen_note"
    records = stream_records()
    # When every consumer of the stream reads them, Then none fails
    for handler in (
        "appeal_activity",
        "appeal_routing",
        "appeal_statistics",
        "appeal_topics",
        "appeal_notifications",
    ):
        result = client.lambda_.invoke(handler, {"Records": records}).payload
        assert result == {"batchItemFailures": []}, handler


def test_the_acknowledgement_does_not_stack_reply_prefixes() -> None:
    from chalicelib.channels.mailbox.domain.mailbox import InboundMail
    from chalicelib.channels.mailbox.services.mailbox import acknowledgement
    from chalicelib.core.domain.appeal import Channel, Kind

    at = "2026-11-28T09:30:00.000+08:00"
    name = "<b>李四</b>"
    appeal = Appeal(
        "20261128-7K3M9Q2P", State.SUBMITTED, Kind.CONSULTATION, Channel.MAILBOX,
        "路灯", "路灯不亮", "mail:x", at, at, contact={"name": name},
    )  # fmt: skip
    mail = InboundMail("m@x", "a@example.com", "", "RE: 路灯", "路灯不亮", (), 10)
    ack = acknowledgement(mail, appeal)
    assert ack.subject == "RE: 路灯 [诉求编号 20261128-7K3M9Q2P]"
    assert ack.in_reply_to == "<m@x>" and ack.to == "a@example.com"
    assert "&lt;b&gt;李四&lt;/b&gt;" in ack.html and name in ack.text  # escaped in HTML only
    # Registered, not yet accepted (the center has not looked at it); one blank line apart
    assert "已由民生诉求平台登记" in ack.text and "受理登记" not in ack.html
    assert "\n\n\n" not in ack.text


# -- who the sender is ------------------------------------------------------------------

VICTIM = "victim@gov.example.cn"


def forged(message_id: str, text: str, subject: str, **headers: str) -> bytes:
    """A letter written in the victim's name from somewhere else: SES stored it, and found
    that its From domain's DMARC fails (SPF and DKIM pass for the sender's own domain)."""
    return plain_letter(
        message_id,
        text,
        subject,
        verdicts={"dmarc": "fail", "envelope": "x@evil.example", "signer": "evil.example"},
        **{"From": VICTIM, **headers},
    )


def test_a_letter_ses_did_not_verify_is_set_aside_for_an_operator_unanswered(
    mailbox: Mailbox, client: Any, stack: Stack
) -> None:
    # Given a letter in the victim's name that fails DMARC, and one without SES's headers
    mailbox.deliver(forged("forged-1@evil.example", "请回复此邮件领取补贴", "补贴领取通知"))
    message = MIMEText("没有经过 SES 的来信", "plain", "utf-8")
    message["From"] = VICTIM
    message["Subject"] = "无验证"
    message["Message-ID"] = "<forged-2@evil.example>"
    mailbox.deliver(message.as_bytes())
    # Then neither is an appeal of the victim's, and nobody is answered
    assert appeals_of(VICTIM) == []
    assert rh.sent_messages() == []
    for message_id in ("forged-1@evil.example", "forged-2@evil.example"):
        record = letters_store.get(message_id)
        assert record is not None and record.status == "flagged", message_id
        assert record.reason == "unverified-sender" and record.appeal_id is None
    # And the operator finds them in the center's list of letters set aside
    listed = body(People(stack, client).get("operator", "/mailbox/messages"))["items"]
    assert [i["reason"] for i in listed] == ["unverified-sender", "unverified-sender"]
    assert all("raw_url" in i for i in listed)


def test_a_forged_letter_does_not_join_the_victim_s_appeal(mailbox: Mailbox) -> None:
    # Given the victim's own appeal, from a letter SES verified
    mailbox.deliver(plain_letter("victim-1@gov.example.cn", "路灯不亮", "路灯", From=VICTIM))
    (appeal,) = appeals_of(VICTIM)
    # When a forged letter names its case number and its thread, with a photo
    forgery = gbk_letter(
        "forged-3@evil.example",
        html="<p>问题已解决，请撤销</p>",
        subject=f"Re: 路灯 [诉求编号 {appeal.id}]",
        dmarc="fail",
        envelope="x@evil.example",
        signer="evil.example",
    ).replace(b"Li.Si@Example.com", VICTIM.encode())
    forgery = forgery.replace(
        b"Message-ID:", b"In-Reply-To: <victim-1@gov.example.cn>\nMessage-ID:", 1
    )
    mailbox.deliver(forgery)
    # Then the appeal is as it was: no note, no photo
    after = appeal_store.get(appeal.id)
    assert after is not None and after.timeline == appeal.timeline and after.media == []
    record = letters_store.get("forged-3@evil.example")
    assert record is not None and record.reason == "unverified-sender"
    assert (record.attachments_kept, record.attachments_ignored) == (0, 1)
    assert len(rh.sent_messages()) == 1  # the victim's own acknowledgement only


def test_an_encoded_display_name_is_not_the_sender_s_address(mailbox: Mailbox) -> None:
    # Given a letter whose display name decodes to the victim's address, sent (and
    # verified) from the attacker's own domain
    raw = plain_letter(
        "encoded-1@evil.example",
        "我要反映问题",
        "来信",
        From=f"=?utf-8?q?{VICTIM.replace('@', '=40')}?= <attacker@evil.example>",
    )
    assert b"header.from=evil.example" in raw
    mailbox.deliver(raw)
    # Then it belongs to the attacker's address, never to the victim's
    assert appeals_of(VICTIM) == []
    (appeal,) = appeals_of("attacker@evil.example")
    assert appeal.contact is None  # a name that is an address is no name
    (sent,) = rh.sent_messages()
    assert sent.to == ["attacker@evil.example"]


@pytest.mark.parametrize(("verdict", "reason"), [("spam", "spam"), ("virus", "virus")])
def test_spam_and_virus_are_set_aside(mailbox: Mailbox, verdict: str, reason: str) -> None:
    mailbox.deliver(
        plain_letter(f"{verdict}-1@example.com", "中奖通知", "恭喜", verdicts={verdict: "FAIL"})
    )
    assert appeals_of(SENDER) == [] and rh.sent_messages() == []
    record = letters_store.get(f"{verdict}-1@example.com")
    assert record is not None and record.status == "flagged" and record.reason == reason


# -- poison and slow letters ------------------------------------------------------------


def poison(message_id: str, body: bytes) -> bytes:
    """A letter from the verified sender whose body (``Content-Type`` onwards) is ``body``."""
    head = (
        f"From: {SENDER}\r\nSubject: =?utf-8?b?6Lev54Gv?=\r\nMessage-ID: <{message_id}>\r\n"
    ).encode()
    return ses.stored(head + body)


def deep(levels: int) -> bytes:
    raw = b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    for n in range(levels):
        raw += b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (n, n + 1)
    return raw + b"--b%d\r\nContent-Type: text/plain\r\n\r\nroad lamp\r\n--b%d--\r\n" % (
        levels,
        levels,
    )


def parts(count: int) -> bytes:
    """``count`` tiny text parts after a photo."""
    photo = (
        b"--b\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + __import__("base64").encodebytes(JPEG)
    )
    tiny = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + photo + tiny * count + b"--b--\r\n"
    )


def test_a_letter_in_a_codec_that_is_no_text_encoding_is_read_as_utf_8(mailbox: Mailbox) -> None:
    # Given a letter whose body declares zlib, and whose subject is in rot13
    raw = poison(
        "zlib-1@example.com",
        b'Content-Type: text/plain; charset="zlib"\r\n\r\n' + "东门路灯坏了".encode(),
    ).replace(b"=?utf-8?b?6Lev54Gv?=", b"=?rot13?b?6Lev54Gv?=")
    # When it is delivered, Then it is taken (not failed and retried) and answered
    assert mailbox.deliver(raw) == {"batchItemFailures": []}
    (appeal,) = appeals_of(SENDER)
    assert appeal.content == "东门路灯坏了" and appeal.title == "路灯"
    assert len(rh.sent_messages()) == 1


@pytest.mark.parametrize(
    ("case", "content", "reason"),
    [
        ("2,000 nested multiparts", deep(2000), "too-deep"),
        ("20,000 tiny parts and a photo", parts(20_000), "too-many-parts"),
    ],
)
def test_a_letter_the_parser_cannot_take_is_set_aside_never_retried(
    mailbox: Mailbox, client: Any, stack: Stack, case: str, content: bytes, reason: str
) -> None:
    # When the letter is delivered
    result = mailbox.deliver(poison("poison-1@example.com", content))
    # Then it does not fail (a failure is retried, then dead-lettered, seen by no one)
    assert result == {"batchItemFailures": []}, case
    # And it is set aside for an operator with the reason, unanswered, nothing stored
    record = letters_store.get("poison-1@example.com")
    assert record is not None and record.status == "flagged", case
    assert record.reason == reason and record.appeal_id is None
    assert record.subject == "路灯" and record.size > 0
    assert appeals_of(SENDER) == [] and rh.sent_messages() == [] and media_objects() == []
    listed = body(People(stack, client).get("operator", "/mailbox/messages"))["items"]
    assert [(i["id"], i["reason"]) for i in listed] == [("poison-1@example.com", reason)]
    assert "raw_url" in listed[0]


def test_a_letter_over_the_size_limit_is_set_aside_unread(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a limit of 1 MB, and a letter of a little more (a text and a large photo)
    monkeypatch.setenv("MINSHENG_MAILBOX_MAX_BYTES", str(1 << 20))
    settings.cache_clear()
    message = MIMEMultipart()
    message["From"] = SENDER
    message["Subject"] = Header("大照片", "utf-8").encode()
    message["Message-ID"] = "<large-1@example.com>"
    message.attach(MIMEText("见附件", "plain", "utf-8"))
    message.attach(MIMEImage(JPEG[:-2] + b"\x00" * (800 << 10) + b"\xff\xd9", "jpeg"))
    raw = ses.stored(message.as_bytes())
    assert len(raw) > 1 << 20
    try:
        # When it is delivered
        assert mailbox.deliver(raw) == {"batchItemFailures": []}
    finally:
        settings.cache_clear()
    # Then it is set aside as too large, read no further than its headers
    record = letters_store.get("large-1@example.com")
    assert record is not None and record.status == "flagged"
    assert record.reason == "too-large" and record.size == len(raw)
    assert record.subject == "大照片"
    assert appeals_of(SENDER) == [] and rh.sent_messages() == [] and media_objects() == []


def test_whatever_the_parser_raises_the_letter_is_set_aside_as_unreadable(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.channels.mailbox.domain import mailbox as letters

    real = letters.BytesParser

    class Failing(real):  # type: ignore[misc, valid-type]
        def parsebytes(self, text: bytes, headersonly: bool = False) -> Any:
            if not headersonly:
                raise ValueError("a parser bug")
            return super().parsebytes(text, headersonly)

    monkeypatch.setattr(letters, "BytesParser", Failing)
    assert mailbox.deliver(plain_letter("bug-1@example.com", "路灯坏了", "路灯")) == {
        "batchItemFailures": []
    }
    record = letters_store.get("bug-1@example.com")
    assert record is not None and record.reason == "unreadable"
    assert appeals_of(SENDER) == [] and rh.sent_messages() == []


# -- the number a reply is texted to ----------------------------------------------------

MERCHANT = "商户（老板电话13912345678）占道经营，油烟很大。\n我的电话是13887654321，请尽快处理。"


def reply_to(people: People, appeal_id: str) -> None:
    from tests.integration.lifecycle_helpers import DEPARTMENT

    assert people.act("operator", appeal_id, "dispatch").status_code == 200
    for action in ("sign", "contact", "reply"):
        response = people.act(f"department:{DEPARTMENT}", appeal_id, action)
        assert response.status_code == 200, (action, response.body)


def texts() -> list[tuple[str, str]]:
    from tests.integration.test_channels import sms_sent

    return sms_sent()


def test_a_number_the_letter_only_mentions_is_never_texted(
    mailbox: Mailbox, client: Any, stack: Stack
) -> None:
    from tests.integration.test_webhooks import Flow

    # Given a letter that names the merchant's number first, and the writer's own in a
    # sentence, on no line of its own
    mailbox.deliver(plain_letter("merchant-1@example.com", MERCHANT, "占道经营"))
    (appeal,) = appeals_of(SENDER)
    # Then the appeal has no phone: a number in the text is nobody's for sure
    assert appeal.contact is None or "phone" not in appeal.contact
    # And when the department replies, no text (with its rating link) goes to anyone;
    # the writer was answered by email, with the case number
    reply_to(People(stack, client), appeal.id)
    Flow(client).run()
    assert texts() == []
    assert [m.to for m in rh.sent_messages()] == [[SENDER.replace("Example.com", "example.com")]]


def test_the_number_on_a_labelled_line_is_the_one_texted(
    mailbox: Mailbox, client: Any, stack: Stack
) -> None:
    from tests.integration.test_webhooks import Flow

    # Given a letter that names the merchant's number, then the writer's on a line of its own
    text = "商户（老板电话13912345678）占道经营，油烟很大。\n\n联系电话：138-8765-4321\n李四"
    mailbox.deliver(plain_letter("labelled-1@example.com", text, "占道经营"))
    (appeal,) = appeals_of(SENDER)
    assert appeal.contact == {"phone": "+8613887654321"}
    # When the department replies, Then the text and its rating link go to that number
    reply_to(People(stack, client), appeal.id)
    Flow(client).run()
    assert [phone for phone, _ in texts()] == ["+8613887654321"]


@pytest.mark.parametrize(
    ("case", "text", "phone"),
    [
        ("two labelled numbers", "路灯坏了\n联系电话：13887654321\n手机：13912345678", None),
        ("a labelled number abroad", "路灯坏了\n联系电话：+44 7911 123456", "+447911123456"),
        ("a label inside a sentence", "路灯坏了，商户电话：13912345678，请查处", None),
    ],
)
def test_an_uncertain_or_foreign_number_gets_no_text(
    mailbox: Mailbox, client: Any, stack: Stack, case: str, text: str, phone: str | None
) -> None:
    from tests.integration.test_webhooks import Flow

    mailbox.deliver(plain_letter("uncertain-1@example.com", text, "路灯"))
    (appeal,) = appeals_of(SENDER)
    assert (appeal.contact or {}).get("phone") == phone, case
    reply_to(People(stack, client), appeal.id)
    Flow(client).run()
    assert texts() == [], case
