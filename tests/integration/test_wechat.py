"""The WeChat official account channel through the real app on moto: WeChat's URL check,
signed messages becoming appeals once per MsgId, the 查询 keyword, the help texts, and
every refusal (signature, stale timestamp, hostile or broken XML) writing nothing."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from defusedxml.ElementTree import fromstring

from chalicelib.channels.wechat.domain import wechat as protocol
from chalicelib.core.config import settings
from chalicelib.core.services.owners import wechat_owner
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import People

TOKEN = "Wx" + "t0ken" * 5
APP_ID = "wx1234567890abcdef"
ORIGINAL_ID = "gh_0123456789ab"


@dataclass
class WeChat:
    """WeChat's servers, as far as the endpoint can tell: signed requests and the XML."""

    client: Any
    token: str = TOKEN
    original_id: str = ORIGINAL_ID

    def query(self, timestamp: int | None = None, **extra: str) -> str:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = uuid.uuid4().hex[:10]
        signed = {
            "signature": protocol.signature(self.token, ts, nonce),
            "timestamp": ts,
            "nonce": nonce,
        }
        return urlencode({**signed, **extra})

    def get(self, query: str) -> Any:
        return self.client.http.get(f"/wechat?{query}")

    def post(self, xml: str | bytes, query: str | None = None) -> Any:
        raw = xml.encode() if isinstance(xml, str) else xml
        return self.client.http.post(
            f"/wechat?{query or self.query()}", headers={"Content-Type": "text/xml"}, body=raw
        )

    def message(self, openid: str, msg_type: str, **fields: str) -> str:
        parts = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
        return (
            f"<xml><ToUserName><![CDATA[{self.original_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[{msg_type}]]></MsgType>{parts}</xml>"
        )

    def text(self, openid: str, content: str, msg_id: str | None = None) -> Any:
        xml = self.message(openid, "text", Content=content)
        xml = xml.replace("</xml>", f"<MsgId>{msg_id or uuid.uuid4().int % 10**18}</MsgId></xml>")
        return self.post(xml)


def reply(response: Any) -> dict[str, str]:
    """The passive reply's fields (asserting it is one)."""
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].startswith("application/xml")
    root = fromstring(response.body)
    assert root.tag == "xml"
    return {child.tag: child.text or "" for child in root}


def appeals() -> list[dict[str, Any]]:
    return list(
        boto3.client("dynamodb", region_name="us-east-1").scan(TableName=settings().appeals_table)[
            "Items"
        ]
    )


def install_account(original_id: str | None = ORIGINAL_ID) -> None:
    import json

    secret: dict[str, str] = {"token": TOKEN, "app_id": APP_ID}
    if original_id:
        secret["original_id"] = original_id
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=settings().wechat_secret, SecretString=json.dumps(secret)
    )


@pytest.fixture
def wechat(client: Any, stack: Stack) -> WeChat:
    install_account()
    return WeChat(client)


def test_a_signed_text_message_becomes_an_appeal_and_the_reply_carries_its_number(
    wechat: WeChat, client: Any, stack: Stack
) -> None:
    # Given a follower of the account
    openid = "oFollower" + uuid.uuid4().hex[:12]
    content = "般阳路东门的路灯坏了两周，晚上出行不便，请尽快修一下。联系电话13812341234"
    # When they send a text message, signed by WeChat
    answered = reply(wechat.text(openid, content))
    # Then the answer is a text back to them, from the account, with the case number
    assert answered["ToUserName"] == openid
    assert answered["FromUserName"] == ORIGINAL_ID
    assert answered["MsgType"] == "text"
    assert abs(int(answered["CreateTime"]) - time.time()) < 60
    [item] = appeals()
    appeal_id = item["id"]["S"]
    assert answered["Content"] == protocol.registered(appeal_id)
    assert f"编号：{appeal_id}" in answered["Content"] and "查询" in answered["Content"]
    # And the appeal is the follower's, on the WeChat channel, with their words
    from chalicelib.core.store import appeals as store

    appeal = store.get(appeal_id)
    assert appeal is not None
    assert appeal.channel.value == "wechat"
    assert appeal.citizen_id == wechat_owner(APP_ID, openid)
    assert appeal.content == content
    assert appeal.kind.value == "consultation"
    assert appeal.title == "般阳路东门的路灯坏了两周，晚上出行不便，请尽快修一下"
    assert appeal.timeline[0].actor == {"role": "citizen", "id": wechat_owner(APP_ID, openid)}
    # And the operator finds it in the queue by channel
    people = People(stack, client)
    queue = body(people.get("operator", "/work-orders?state=submitted&channel=wechat"))
    assert [a["id"] for a in queue["items"]] == [appeal_id]


def test_wechat_checks_the_url_with_a_signed_echostr(wechat: WeChat) -> None:
    # When WeChat checks the server URL with a valid signature
    answered = wechat.get(wechat.query(echostr="5838479218127813673"))
    # Then echostr comes back as plain text, as it was sent
    assert answered.status_code == 200, answered.body
    assert answered.headers["Content-Type"].startswith("text/plain")
    assert answered.body == b"5838479218127813673"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_bad_missing_or_stale_signature_is_403_and_writes_nothing(
    wechat: WeChat, method: str
) -> None:
    xml = wechat.message("oFollower", "text", Content="路灯坏了", MsgId="1")
    now = int(time.time())
    forged = WeChat(wechat.client, token="not-the-token")
    cases = {
        "wrong token": forged.query(echostr="e"),
        "tampered": wechat.query(echostr="e").replace("signature=", "signature=0"),
        "missing": urlencode({"timestamp": str(now), "nonce": "n", "echostr": "e"}),
        "stale": wechat.query(timestamp=now - protocol.TOLERANCE_SECONDS - 5, echostr="e"),
        "future": wechat.query(timestamp=now + protocol.TOLERANCE_SECONDS + 5, echostr="e"),
        "not a number": wechat.query(echostr="e").replace("timestamp=", "timestamp=x"),
    }
    for case, query in cases.items():
        # When the request is not signed by the account's token, or not now
        answered = wechat.get(query) if method == "GET" else wechat.post(xml, query)
        # Then it is refused, as problem+json, before anything is read or written
        assert answered.status_code == 403, (case, answered.body)
        assert answered.headers["Content-Type"] == "application/problem+json"
        assert body(answered)["type"] == "urn:minsheng:problem:forbidden"
        assert b"t0ken" not in answered.body
    assert appeals() == []
    # And inside the window, the same signature scheme is accepted
    ok = wechat.get(wechat.query(timestamp=now - protocol.TOLERANCE_SECONDS + 30, echostr="e"))
    assert ok.status_code == 200


def test_the_same_msgid_makes_one_appeal_and_the_same_reply(wechat: WeChat) -> None:
    # Given a message WeChat retries (no answer within 5 s) with the same MsgId
    openid = "oRetry" + uuid.uuid4().hex[:8]
    first = reply(wechat.text(openid, "小区垃圾两天没人清运", msg_id="6234567890123456789"))
    # When it comes again, twice
    again = [
        reply(wechat.text(openid, "小区垃圾两天没人清运", msg_id="6234567890123456789"))
        for _ in range(2)
    ]
    # Then one appeal exists and every answer is the first one's
    assert len(appeals()) == 1
    assert {a["Content"] for a in again} == {first["Content"]}
    # And a new message (another MsgId) is a new appeal
    other = reply(wechat.text(openid, "小区垃圾两天没人清运", msg_id="6234567890123456790"))
    assert len(appeals()) == 2 and other["Content"] != first["Content"]


def test_the_keyword_answers_the_latest_appeals_state(
    wechat: WeChat, client: Any, stack: Stack
) -> None:
    openid = "oAsker" + uuid.uuid4().hex[:8]
    # Given a follower with no appeal yet: 查询 says so, and writes nothing
    assert reply(wechat.text(openid, "查询"))["Content"] == protocol.NO_APPEAL
    assert appeals() == []
    # When they file two appeals, and the center accepts the later one
    reply(wechat.text(openid, "第一件：公园的长椅坏了"))
    later = reply(wechat.text(openid, "第二件：学校门口早上堵车严重，建议设置临时停车点"))
    latest_id = later["Content"].split("编号：")[1].split("。")[0]
    people = People(stack, client)
    assert people.act("operator", latest_id, "accept").status_code == 200
    # Then 查询 (or 进度, with spaces or a question mark) names the latest, in Chinese
    for word in ("查询", " 进度 ", "查询进度？"):
        answered = reply(wechat.text(openid, word))["Content"]
        assert latest_id in answered, word
        assert "第二件：学校门口早上堵车严重" in answered
        assert "当前状态：已受理" in answered
    assert len(appeals()) == 2
    # And another follower's 查询 sees none of it
    assert reply(wechat.text("oSomeoneElse", "查询"))["Content"] == protocol.NO_APPEAL
    # And an appeal that merely begins with 查询 is an appeal
    reply(wechat.text(openid, "查询一下社保卡在哪里补办"))
    assert len(appeals()) == 3


def test_other_messages_get_help_events_a_welcome_or_nothing(wechat: WeChat) -> None:
    openid = "oNew" + uuid.uuid4().hex[:8]
    for msg_type, fields in (
        ("image", {"PicUrl": "http://mmbiz.example/p.jpg", "MediaId": "m1", "MsgId": "11"}),
        ("voice", {"MediaId": "m2", "Format": "amr", "MsgId": "12"}),
        ("location", {"Location_X": "36.8", "Location_Y": "117.9", "MsgId": "13"}),
        ("link", {"Title": "t", "Url": "http://example.com", "MsgId": "14"}),
    ):
        answered = reply(wechat.post(wechat.message(openid, msg_type, **fields)))
        assert answered["Content"] == protocol.HELP, msg_type
        assert answered["ToUserName"] == openid
    welcome = reply(wechat.post(wechat.message(openid, "event", Event="subscribe")))
    assert welcome["Content"] == protocol.WELCOME
    for event in ("unsubscribe", "LOCATION", "CLICK"):
        quiet = wechat.post(wechat.message(openid, "event", Event=event))
        assert quiet.status_code == 200 and quiet.body == b"success", event
    assert appeals() == []


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>oEvil</FromUserName>
<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol4;</Content><MsgId>66</MsgId></xml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>oEvil</FromUserName>
<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&secret;</Content><MsgId>67</MsgId></xml>"""


def test_broken_or_hostile_xml_is_refused_without_writing(wechat: WeChat) -> None:
    for case, raw in (
        ("billion laughs", BILLION_LAUGHS),
        ("external entity", EXTERNAL_ENTITY),
        ("not xml", b"<xml><ToUserName>gh_0123456789ab</ToUserName><Content>"),
        ("empty", b""),
        ("another root", b"<msg><MsgType>text</MsgType></msg>"),
        (
            "no sender",
            b"<xml><ToUserName>gh_0123456789ab</ToUserName><MsgType>text</MsgType></xml>",
        ),
    ):
        # When a signed request carries XML the endpoint will not read
        answered = wechat.post(raw)
        # Then it is a 400 problem, never a 5xx, and the expansion never happened
        assert answered.status_code == 400, (case, answered.body)
        assert body(answered)["type"] == "urn:minsheng:problem:validation"
        assert b"lollol" not in answered.body and b"root:" not in answered.body
    # And a body over 64 KB is refused by its size alone
    big = wechat.message("oBig", "text", Content="长" * 30000, MsgId="68").encode()
    assert len(big) > protocol.MAX_BODY_BYTES
    assert wechat.post(big).status_code == 413
    assert appeals() == []


def test_a_message_the_intake_refuses_is_answered_politely_and_writes_nothing(
    wechat: WeChat,
) -> None:
    openid = "oPolite" + uuid.uuid4().hex[:8]
    # A blank text, and one longer than an appeal may be (4,000 characters)
    blank = reply(wechat.text(openid, "   \n "))
    assert blank["Content"] == protocol.BLANK
    too_long = reply(wechat.text(openid, "字" * 4001))
    assert too_long["Content"].startswith("您的留言未能登记") and "4000" in too_long["Content"]
    assert too_long["ToUserName"] == openid
    # A text message without Content is answered the same way as a blank one
    bare = reply(wechat.post(wechat.message(openid, "text", MsgId="99")))
    assert bare["Content"] == protocol.BLANK
    assert appeals() == []


def test_the_reply_stays_well_formed_whatever_the_text(wechat: WeChat) -> None:
    # Given an appeal whose title holds a CDATA terminator and markup
    from xml.sax.saxutils import escape

    openid = "oQuirky" + uuid.uuid4().hex[:8]
    text = "路灯]]><b>坏了</b>&amp; 请修"
    sent = wechat.message(openid, "text", MsgId="31").replace(
        "</xml>", f"<Content>{escape(text)}</Content></xml>"
    )
    reply(wechat.post(sent))
    # When the follower asks for its state
    raw = wechat.text(openid, "查询")
    # Then the terminator is split across two CDATA sections, the reply parses and
    # carries the text as written
    assert "路灯]]]]><![CDATA[><b>坏了</b>&amp; 请修".encode() in raw.body
    assert "路灯]]><b>坏了</b>&amp; 请修" in reply(raw)["Content"]


def test_safe_mode_is_refused_clearly_and_compatible_mode_works(wechat: WeChat) -> None:
    # A safe-mode message carries only Encrypt: it cannot be read here
    encrypted = (
        f"<xml><ToUserName><![CDATA[{ORIGINAL_ID}]]></ToUserName>"
        "<Encrypt><![CDATA[bm90IHJlYWxseSBlbmNyeXB0ZWQ=]]></Encrypt></xml>"
    )
    query = wechat.query(encrypt_type="aes", msg_signature="abc", openid="oSafe")
    refused = wechat.post(encrypted, query)
    assert refused.status_code == 400
    assert "plain or compatible mode" in body(refused)["errors"][0]["message"]
    # Compatible mode sends the plain fields beside Encrypt: answered in plain text
    openid = "oCompat" + uuid.uuid4().hex[:8]
    both = wechat.message(openid, "text", Content="井盖松动有响声", MsgId="77").replace(
        "</xml>", "<Encrypt><![CDATA[xyz]]></Encrypt></xml>"
    )
    query = wechat.query(encrypt_type="aes", msg_signature="abc", openid=openid)
    assert "已登记" in reply(wechat.post(both, query))["Content"]
    assert len(appeals()) == 1


def test_a_message_to_another_account_is_refused(wechat: WeChat) -> None:
    stranger = WeChat(wechat.client, original_id="gh_another00000")
    answered = stranger.post(stranger.message("oX", "text", Content="路灯坏了", MsgId="5"))
    assert answered.status_code == 403
    assert appeals() == []


def test_settings_that_cannot_be_read_are_503_not_403(
    client: Any, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    wechat = WeChat(client)
    # No secret at all: the channel is not configured
    answered = wechat.get(wechat.query(echostr="e"))
    assert answered.status_code == 503, answered.body
    assert body(answered)["type"] == "urn:minsheng:problem:unavailable"
    # Secrets Manager failing (unreachable, access denied)
    install_account()
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    from chalicelib.core.integrations import secrets

    secrets.reset()

    def failing(name: str, *, fresh: bool = False) -> str:
        raise GetParameterError("An error occurred (AccessDeniedException)")

    monkeypatch.setattr(secrets, "read_named", failing)
    for answered in (
        wechat.get(wechat.query(echostr="e")),
        wechat.post(wechat.message("oX", "text", Content="路灯坏了", MsgId="5")),
    ):
        assert answered.status_code == 503, answered.body
    monkeypatch.undo()
    # And once readable, the same request is served
    assert wechat.get(wechat.query(echostr="e")).status_code == 200
    assert appeals() == []


def test_a_secret_without_the_app_id_is_503(client: Any, stack: Stack) -> None:
    """As the template creates it, before the admin adds the AppID."""
    import json

    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=settings().wechat_secret, SecretString=json.dumps({"token": TOKEN, "app_id": ""})
    )
    wechat = WeChat(client)
    assert wechat.get(wechat.query(echostr="e")).status_code == 503


def test_a_charset_in_the_content_type(wechat: WeChat, client: Any) -> None:
    # WeChat's Content-Type may name the charset
    openid = "oCharset" + uuid.uuid4().hex[:8]
    xml = wechat.message(openid, "text", Content="桥下涵洞积水", MsgId="501")
    answered = client.http.post(
        f"/wechat?{wechat.query()}",
        headers={"Content-Type": "text/xml; charset=utf-8"},
        body=xml.encode(),
    )
    assert "已登记" in reply(answered)["Content"]
    assert len(appeals()) == 1


def first_delivery_in_progress(openid: str, msg_id: str, content: str, remaining_ms: int) -> None:
    """What the Lambda that took a message's first delivery wrote before registering it:
    Powertools' INPROGRESS record for (account, /wechat, MsgId), in the idempotency table,
    expiring with that invocation's remaining time."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from chalicelib.channels.wechat.services.wechat import OPERATION
    from chalicelib.core.services import idempotency

    layer = DynamoDBPersistenceLayer(
        table_name=settings().idempotency_table,
        boto3_client=boto3.client("dynamodb", region_name="us-east-1"),
    )
    layer.configure(idempotency._config(), key_prefix="minsheng")
    request = {
        "owner": APP_ID,
        "operation": OPERATION,
        "key": msg_id,
        "payload": {"from": openid, "content": content},
        "token": uuid.uuid4().hex,
    }
    layer.save_inprogress(request, remaining_time_in_millis=remaining_ms)


def idempotency_statuses() -> list[str]:
    table = settings().idempotency_table
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table)["Items"]
    return sorted(item["status"]["S"] for item in items)


def test_a_retry_while_the_first_delivery_is_still_being_written_makes_nothing(
    wechat: WeChat,
) -> None:
    # Given a message whose first delivery is being registered by another invocation (a
    # minute left), as WeChat retries after five seconds without an answer
    openid = "oRetry" + uuid.uuid4().hex[:8]
    first_delivery_in_progress(openid, "502", "桥下涵洞积水", remaining_ms=60_000)
    # When the retry of the same MsgId arrives
    retry = reply(wechat.text(openid, "桥下涵洞积水", msg_id="502"))
    # Then the follower is told to ask later, nothing is made, and the first delivery's
    # record is left as it was
    assert retry["Content"] == protocol.IN_PROGRESS
    assert appeals() == []
    assert idempotency_statuses() == ["INPROGRESS"]


def test_a_retry_after_the_first_delivery_timed_out_registers_the_message_once(
    wechat: WeChat,
) -> None:
    # Given a message whose first delivery's invocation timed out while registering it (its
    # in-progress record expired with it: no time left)
    openid = "oTimeout" + uuid.uuid4().hex[:8]
    first_delivery_in_progress(openid, "503", "桥下涵洞积水", remaining_ms=0)
    # When WeChat retries the same MsgId, twice
    first = reply(wechat.text(openid, "桥下涵洞积水", msg_id="503"))
    again = reply(wechat.text(openid, "桥下涵洞积水", msg_id="503"))
    # Then the retry registers it, once, and the next retry gets the same answer
    [appeal] = appeals()
    assert "已登记" in first["Content"] and appeal["id"]["S"] in first["Content"]
    assert again["Content"] == first["Content"]
    assert idempotency_statuses() == ["COMPLETED"]
