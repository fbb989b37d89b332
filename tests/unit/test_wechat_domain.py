"""The WeChat protocol alone: signatures, parsing, the passive reply, titles, keywords."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring

from chalicelib.channels.wechat.domain import wechat

NOW = 1_764_380_000


def test_signature_is_the_sha1_of_the_sorted_values() -> None:
    # sorted: "1764380000", "minsheng", "n0nce"
    expected = "87fd3b7c77199f4fa15dbe3a8cb289a7458e501b"
    assert wechat.signature("minsheng", str(NOW), "n0nce") == expected
    params = {"signature": expected, "timestamp": str(NOW), "nonce": "n0nce"}
    wechat.verify("minsheng", params, NOW + 299)


@pytest.mark.parametrize(
    ("change", "now"),
    [
        ({"signature": "0" * 40}, NOW),
        # Not lowercase hex of SHA-1's length: refused as any wrong signature is (a str
        # that is not ASCII made hmac.compare_digest raise TypeError: a 500).
        ({"signature": "é"}, NOW),
        ({"signature": "é" * 40}, NOW),
        ({"signature": "87FD3B7C77199F4FA15DBE3A8CB289A7458E501B"}, NOW),
        ({"signature": "87fd3b7c77199f4fa15dbe3a8cb289a7458e501b "}, NOW),
        ({"signature": "87fd3b7c77199f4fa15dbe3a8cb289a7458e501"}, NOW),
        ({"nonce": "other"}, NOW),
        ({"signature": ""}, NOW),
        ({"timestamp": "17643800x0"}, NOW),
        ({"timestamp": "²"}, NOW),  # a digit int() does not read (ValueError: a 500)
        ({}, NOW + 301),
        ({}, NOW - 301),
    ],
)
def test_anything_else_is_a_bad_signature(change: dict[str, str], now: int) -> None:
    params = {
        "signature": wechat.signature("minsheng", str(NOW), "n0nce"),
        "timestamp": str(NOW),
        "nonce": "n0nce",
        **change,
    }
    with pytest.raises(wechat.BadSignature):
        wechat.verify("minsheng", params, now)


def test_a_request_digest_changes_with_anything_in_the_request() -> None:
    params = {"signature": "a" * 40, "timestamp": str(NOW), "nonce": "n", "openid": "o1"}
    digest = wechat.request_digest("POST", params, b"<xml/>")
    assert digest == wechat.request_digest("POST", dict(reversed(params.items())), b"<xml/>")
    assert (
        len(
            {
                digest,
                wechat.request_digest("GET", params, b"<xml/>"),
                wechat.request_digest("POST", {**params, "openid": "o2"}, b"<xml/>"),
                wechat.request_digest("POST", {**params, "echostr": "e"}, b"<xml/>"),
                wechat.request_digest("POST", params, b"<xml> </xml>"),
            }
        )
        == 5
    )
    assert wechat.nonce_key(str(NOW), "n") == f"wechat#{NOW}#n"


def test_a_message_is_read_and_answered_to_its_sender() -> None:
    message = wechat.parse(
        b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName>"
        b"<FromUserName><![CDATA[oA]]></FromUserName><CreateTime>1</CreateTime>"
        b"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[\xe6\x9f\xa5\xe8\xaf\xa2]]>"
        b"</Content><MsgId>123</MsgId></xml>"
    )
    assert (message.sender, message.recipient, message.msg_type) == ("oA", "gh_1", "text")
    assert message.msg_id == "123" and message.is_status_query
    reply = fromstring(wechat.text_reply(message, "a]]>b\x00c", 7))
    fields = {child.tag: child.text for child in reply}
    assert fields == {
        "ToUserName": "oA",
        "FromUserName": "gh_1",
        "CreateTime": "7",
        "MsgType": "text",
        "Content": "a]]>bc",  # a control character XML cannot carry is left out
    }


@pytest.mark.parametrize(
    ("content", "title"),
    [
        ("路灯坏了", "路灯坏了"),
        ("路灯坏了。", "路灯坏了"),
        ("\n\n  路灯坏了\n第二行", "路灯坏了"),
        (
            "东门路灯坏了两周，晚上出行不便，请尽快派人修一下，谢谢。联系电话",
            "东门路灯坏了两周，晚上出行不便，请尽快派人修一下，谢谢",
        ),
        ("一" * 40, "一" * 30),
        ("短，" + "二" * 40, "短，" + "二" * 28),  # the only break is too early to cut at
    ],
)
def test_the_title_is_the_first_words_cut_at_a_boundary(content: str, title: str) -> None:
    assert wechat.title_of(content) == title
    assert len(wechat.title_of(content)) <= wechat.TITLE_CHARS


@pytest.mark.parametrize(
    ("content", "query"),
    [("查询", True), (" 进度？", True), ("查询进度", True), ("查询社保", False), ("进度慢", False)],
)
def test_only_the_keywords_ask_for_the_state(content: str, query: bool) -> None:
    message = wechat.Message(sender="o", recipient="g", msg_type="text", content=content)
    assert message.is_status_query is query


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"<xml>",
        b"<!DOCTYPE x [<!ENTITY a 'b'>]><xml><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>g</ToUserName><MsgType>text</MsgType></xml>",
        b"<x><ToUserName>g</ToUserName><FromUserName>o</FromUserName><MsgType>t</MsgType></x>",
        b"<xml>" + b" " * wechat.MAX_BODY_BYTES + b"</xml>",
    ],
)
def test_what_is_not_a_readable_message_is_refused(raw: bytes) -> None:
    with pytest.raises(wechat.BadMessage):
        wechat.parse(raw)


def test_a_safe_mode_message_says_which_mode_to_use() -> None:
    with pytest.raises(wechat.EncryptedOnly, match="plain or compatible"):
        wechat.parse(b"<xml><ToUserName>g</ToUserName><Encrypt>abc</Encrypt></xml>")
