"""Reading letters to the mayor's mailbox: charsets, headers, HTML, attachments, auto-replies
(the parser alone, no I/O)."""

from __future__ import annotations

from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from typing import Any

import pytest

from chalicelib.channels.mailbox.domain import mailbox as letters
from chalicelib.channels.mailbox.domain.mailbox import InboundMail, parse
from tests.support import ses
from tests.support.hostile_mail import HEADERS, heavy_headers, multipart, nested, tiny_parts

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
LIMIT = 1024


def read(message: MIMEBase | bytes, max_images: int = 9, *, stored: bool = True) -> InboundMail:
    """The letter as the mailbox reads it; ``stored``: as SES stores it, its sender verified
    (SPF, DKIM and DMARC pass for the From domain)."""
    raw = message if isinstance(message, bytes) else message.as_bytes()
    if stored:
        raw = ses.stored(raw)
    return parse(raw, max_image_bytes=LIMIT, max_images=max_images)


def letter(body: MIMEBase, subject: str = "路灯不亮", charset: str = "utf-8") -> MIMEBase:
    body["Subject"] = Header(subject, charset).encode()
    body["From"] = formataddr((str(Header("张三", charset)), "Zhang.San@Example.com"))
    body["Message-ID"] = "<letter-1@example.com>"
    return body


@pytest.mark.parametrize("charset", ["utf-8", "gbk", "gb2312", "gb18030"])
def test_bodies_and_headers_in_each_chinese_charset(charset: str) -> None:
    # Given a letter whose body and RFC 2047 subject and name are in the charset
    text = "东门路灯坏了两周，晚上出行不便。电话 13812345678"
    message = letter(MIMEText(text, "plain", charset), subject="小区东门路灯不亮", charset=charset)
    # When it is read
    mail = read(message)
    # Then the text, subject, sender and name come out as written
    assert mail.text == text
    assert mail.subject == "小区东门路灯不亮"
    assert mail.sender == "Zhang.San@example.com"
    assert mail.sender_name == "张三"
    assert mail.message_id == "letter-1@example.com"
    assert mail.flag_reason is None


def test_gb2312_declared_text_with_gbk_only_characters_reads_as_gb18030() -> None:
    # Given text with characters outside GB2312 (镕, 喆) that a client encoded as GBK but
    # labelled GB2312, and a 4-byte GB18030 character (𠮷)
    raw_body = "朱镕基与陶喆".encode("gbk") + "𠮷".encode("gb18030")
    part = MIMEText("", "plain", "utf-8")
    part.set_payload(raw_body)
    del part["Content-Type"]
    del part["Content-Transfer-Encoding"]
    part["Content-Type"] = 'text/plain; charset="gb2312"'
    part["Content-Transfer-Encoding"] = "8bit"
    subject = "=?gb2312?b?" + __import__("base64").b64encode("镕".encode("gbk")).decode() + "?="
    part["Subject"] = subject
    part["From"] = "someone@example.com"
    # When it is read, Then nothing is lost
    mail = read(part.as_bytes())
    assert mail.text == "朱镕基与陶喆𠮷"
    assert mail.subject == "镕"


def test_raw_8bit_headers_and_undecodable_bytes_never_crash() -> None:
    # Given a letter with an unencoded GBK subject and sender name, and a body that is not
    # valid in its declared charset
    raw = (
        b"From: " + "王五".encode("gbk") + b" <wang@example.com>\r\n"
        b"Subject: " + "噪音扰民".encode("gbk") + b"\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"\xff\xfe\xfd noise " + "夜间施工".encode() + b"\r\n"
    )
    mail = read(raw)
    # Then headers are read as GB18030 and the bad bytes become replacement characters
    assert mail.subject == "噪音扰民"
    assert mail.sender_name == "王五"
    assert "夜间施工" in mail.text and "\ufffd" in mail.text
    # And an unknown charset is read as UTF-8 rather than failing
    odd = MIMEText("hello 你好", "plain", "utf-8")
    odd.set_param("charset", "x-unknown-charset")
    assert "你好" in read(odd).text


def test_html_only_letter_becomes_plain_text() -> None:
    html = (
        "<html><head><title>t</title><style>p {color: red}</style>"
        "<script>alert('x')</script></head><body>"
        "<div>区长您好：</div><p>东门路灯&amp;路面&nbsp;坏了&lt;两周&gt;</p>"
        "<ul><li>第一</li><li>第二</li></ul>第三行<br>第四行</body></html>"
    )
    mail = read(letter(MIMEText(html, "html", "gbk"), charset="gbk"))
    lines = [line for line in mail.text.splitlines() if line]
    assert lines == ["区长您好：", "东门路灯&路面 坏了<两周>", "第一", "第二", "第三行", "第四行"]
    assert "alert" not in mail.text and "color" not in mail.text


def test_multipart_alternative_prefers_the_plain_part() -> None:
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("纯文本版本", "plain", "utf-8"))
    alternative.attach(MIMEText("<p>网页版本</p>", "html", "utf-8"))
    assert read(letter(alternative)).text == "纯文本版本"
    # An empty plain part falls back to the HTML one
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("  \n", "plain", "utf-8"))
    alternative.attach(MIMEText("<p>网页版本</p>", "html", "utf-8"))
    assert read(letter(alternative)).text == "网页版本"


def test_only_real_images_within_the_limits_are_kept() -> None:
    # Given a letter with a JPEG, a PNG, a PDF, a "JPEG" that is not one, and an oversize
    # image
    message = MIMEMultipart()
    message.attach(MIMEText("见附件", "plain", "utf-8"))
    message.attach(MIMEImage(JPEG, "jpeg"))
    message.attach(MIMEImage(PNG, "png"))
    message.attach(MIMEApplication(b"%PDF-1.4 ...", "pdf", Name="a.pdf"))
    message.attach(MIMEImage(b"MZ\x90\x00 not an image", "jpeg"))
    message.attach(MIMEImage(JPEG[:-2] + b"\x00" * LIMIT + b"\xff\xd9", "jpeg"))
    mail = read(letter(message))
    # Then the two real images within the size limit are kept, by their magic bytes
    assert [i.content_type for i in mail.images] == ["image/jpeg", "image/png"]
    assert [i.extension for i in mail.images] == ["jpg", "png"]
    assert mail.images[0].data == JPEG
    assert mail.ignored == 3
    # And beyond the count limit, images are ignored too
    limited = read(letter(message), max_images=1)
    assert len(limited.images) == 1 and limited.ignored == 4


def test_webp_and_heic_are_recognised_gif_is_not() -> None:
    assert letters.sniff_image(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert letters.sniff_image(b"\x00\x00\x00\x18ftypheic\x00\x00") == "image/heic"
    assert letters.sniff_image(b"GIF89a\x01\x00") is None


def test_a_letter_without_text_is_flagged() -> None:
    empty = letter(MIMEText("   \n\n", "plain", "utf-8"))
    assert read(empty).flag_reason == letters.REASON_NO_TEXT
    only_photo = MIMEMultipart()
    only_photo.attach(MIMEImage(JPEG, "jpeg"))
    mail = read(letter(only_photo))
    assert mail.flag_reason == letters.REASON_NO_TEXT and len(mail.images) == 1


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("Auto-Submitted", "auto-replied", letters.REASON_AUTO_REPLY),
        ("Auto-Submitted", "auto-generated; owner-email=x@example.com", "auto-reply"),
        ("X-Autoreply", "yes", letters.REASON_AUTO_REPLY),
        ("X-Autorespond", "vacation", letters.REASON_AUTO_REPLY),
        ("Precedence", "bulk", letters.REASON_AUTO_REPLY),
        ("Precedence", "auto_reply", letters.REASON_AUTO_REPLY),
        ("Return-Path", "<>", letters.REASON_BOUNCE),
        ("Auto-Submitted", "no", None),
        ("Precedence", "first-class", None),
    ],
)
def test_auto_replies_are_recognised(header: str, value: str, reason: str | None) -> None:
    message = letter(MIMEText("我正在休假，稍后回复。", "plain", "utf-8"))
    message[header] = value
    assert read(message).flag_reason == reason


def test_bounces_are_recognised() -> None:
    report = (
        b"From: Mail Delivery System <bounces@mx.example.com>\r\n"
        b"Subject: Undelivered Mail\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n\r\n"
        b"--b--\r\n"
    )
    assert read(report).flag_reason == letters.REASON_BOUNCE
    daemon = MIMEText("Undeliverable", "plain", "utf-8")
    daemon["From"] = "MAILER-DAEMON@mx.example.com"
    assert read(daemon).flag_reason == letters.REASON_BOUNCE


@pytest.mark.parametrize(
    "sender", ["no-reply-aws@amazon.com", "noreply@example.com", "DoNotReply@example.com"]
)
def test_no_reply_senders_are_machines(sender: str) -> None:
    notice = MIMEText("Please click the link to verify", "plain", "utf-8")
    notice["From"] = sender
    assert read(notice).flag_reason == letters.REASON_AUTO_REPLY


def test_a_letter_without_message_id_is_keyed_by_its_bytes() -> None:
    message = MIMEText("内容", "plain", "utf-8")
    message["From"] = "a@example.com"
    raw = message.as_bytes()
    first, again = read(raw), read(raw)
    assert first.message_id.startswith("sha256:") and first.message_id == again.message_id
    assert read(raw + b"\n").message_id != first.message_id


def test_thread_headers_and_case_number() -> None:
    message = letter(
        MIMEText("补充", "plain", "utf-8"), subject="回复：Re: 路灯 [诉求编号 20261128-7K3M9Q2P]"
    )
    message["In-Reply-To"] = "<ack-9@minsheng>"
    message["References"] = "<letter-0@example.com>\r\n <ack-9@minsheng>"
    mail = read(message)
    assert mail.references == ("ack-9@minsheng", "letter-0@example.com")
    assert mail.case_number == "20261128-7K3M9Q2P"
    assert letters.title_of(mail) == "路灯 [诉求编号 20261128-7K3M9Q2P]"


def test_quoted_earlier_mail_is_trimmed_where_marked() -> None:
    for marker in (
        "-----原始邮件-----",
        "------------------ 原始邮件 ------------------",
        "-----Original Message-----",
        "On Sat, 28 Nov 2026 at 09:30, 民生诉求平台 <mailbox@example.gov> wrote:",
        "在 2026年11月28日 09:30，民生诉求平台 写道：",
    ):
        text = f"补充一张照片。\n\n{marker}\n> 您的来信已受理\n旧内容"
        assert letters.trim_quoted(text) == "补充一张照片。", marker
    assert letters.trim_quoted("> 只有引用") == "> 只有引用"
    assert letters.trim_quoted("没有标记\n第二行") == "没有标记\n第二行"


def test_title_falls_back_to_the_first_words_and_content_is_cut_with_a_marker() -> None:
    untitled = read(
        letter(
            MIMEText(
                "\n楼道灯坏了很久了请派人修理一下谢谢区长您辛苦了再次感谢\n第二行", "plain", "utf-8"
            ),
            subject="",
        )
    )
    assert untitled.subject == ""
    assert (
        letters.title_of(untitled) == "楼道灯坏了很久了请派人修理一下谢谢区长您辛苦了再次感谢"[:30]
    )
    long = read(letter(MIMEText("很" * 5000, "plain", "utf-8")))
    content = letters.content_of(long)
    assert len(content) == 4000 and content.endswith(letters.TRUNCATED)
    assert (
        letters.title_of(read(letter(MIMEText("x", "plain", "utf-8"), subject="长" * 150)))
        == "长" * 100
    )


# -- who the sender is ------------------------------------------------------------------

PLAIN = b"Subject: =?utf-8?b?6Lev54Gv?=\r\nMessage-ID: <who-1@example.com>\r\n\r\nroad lamp\r\n"
GENUINE = b"From: =?utf-8?b?5byg5LiJ?= <zhang.san@example.com>\r\n" + PLAIN


def test_the_from_address_is_read_before_its_encoded_words_are_decoded() -> None:
    # Given a display name that decodes to an address, before the real address
    raw = b"From: =?utf-8?q?victim=40gov.cn?= <attacker@evil.com>\r\n" + PLAIN
    mail = read(raw)
    # Then the address is the one between the brackets; the decoded words are only a name
    assert mail.sender == "attacker@evil.com"
    assert mail.sender_name == "victim@gov.cn"
    # And an encoded word alone is no address at all
    alone = read(b"From: =?utf-8?q?victim=40gov.cn?=\r\n" + PLAIN)
    assert alone.sender == "" and alone.flag_reason == "no-sender"


def test_ses_s_topmost_results_vouch_for_a_genuine_sender() -> None:
    mail = read(GENUINE)
    assert mail.sender == "zhang.san@example.com" and mail.sender_name == "张三"
    assert mail.flag_reason is None and mail.verified
    # SPF and DKIM both passing for the From domain (or a domain of it) do without DMARC
    for verdicts in (
        {"dmarc": "none"},
        {"dmarc": None, "envelope": "bounce@mail.example.com"},
        {"dmarc": "none", "signer": "mail.example.com"},
    ):
        mail = parse(ses.stored(GENUINE, **verdicts), max_image_bytes=LIMIT, max_images=9)
        assert mail.flag_reason is None and mail.verified, verdicts


FAILED = ses.results("example.com", dmarc="fail")
EVIL = ses.results("evil.com")


@pytest.mark.parametrize(
    ("case", "raw"),
    [
        ("no SES headers", GENUINE),
        ("DMARC fails", ses.stored(GENUINE, dmarc="fail")),
        ("DMARC passes for another domain", ses.stored(GENUINE, authentication=EVIL)),
        (
            "SPF passes for another domain",
            ses.stored(GENUINE, dmarc="none", envelope="x@evil.com"),
        ),
        ("DKIM signed by another domain", ses.stored(GENUINE, dmarc="none", signer="evil.com")),
        ("DKIM fails", ses.stored(GENUINE, dmarc="none", dkim="fail")),
        ("SPF soft-fails", ses.stored(GENUINE, dmarc="none", spf="softfail")),
        (
            "a lookalike domain",
            ses.stored(GENUINE, dmarc="none", envelope="x@notexample.com", signer="xexample.com"),
        ),
        (
            "a passing copy below SES's own",
            ses.stored(
                b"Authentication-Results: amazonses.com; dmarc=pass header.from=example.com\r\n"
                + GENUINE,
                dmarc="fail",
            ),
        ),
        (
            "topmost results by another server",
            b"Authentication-Results: mx.evil.com; spf=pass smtp.mailfrom=example.com; "
            b"dkim=pass header.d=example.com; dmarc=pass header.from=example.com\r\n"
            + ses.stored(GENUINE),
        ),
        (
            "a result written into the HELO name",
            ses.stored(
                GENUINE,
                authentication=FAILED.replace(
                    "helo=mail.example.com;", "helo=x; dmarc=pass header.from=example.com;"
                ),
            ),
        ),
        (
            "an envelope written into the HELO name",
            ses.stored(
                GENUINE,
                authentication=ses.results(
                    "example.com", dmarc="none", envelope="x@evil.com"
                ).replace("helo=mail.example.com", "helo=x smtp.mailfrom=example.com"),
            ),
        ),
        (
            "a comment left open in the HELO name",
            ses.stored(
                GENUINE,
                authentication=FAILED.replace(
                    "helo=mail.example.com;", "helo=x (; dmarc=pass header.from=example.com;"
                ),
            ),
        ),
        ("two From headers", ses.stored(b"From: other@example.com\r\n" + GENUINE)),
        (
            "two addresses in From",
            ses.stored(b"From: zhang.san@example.com, victim@example.com\r\n" + PLAIN),
        ),
    ],
)
def test_a_sender_ses_did_not_vouch_for_is_unverified(case: str, raw: bytes) -> None:
    mail = parse(raw, max_image_bytes=LIMIT, max_images=9)
    assert mail.flag_reason == "unverified-sender", case
    assert not mail.verified, case


def test_spam_and_virus_verdicts_set_a_letter_aside() -> None:
    assert read(ses.stored(GENUINE, spam="FAIL"), stored=False).flag_reason == "spam"
    assert read(ses.stored(GENUINE, virus="FAIL"), stored=False).flag_reason == "virus"
    # Only SES's own verdict counts: a copy the sender wrote below it changes nothing
    copied = ses.stored(b"X-SES-Spam-Verdict: PASS\r\n" + GENUINE, spam="FAIL")
    assert read(copied, stored=False).flag_reason == "spam"
    assert read(ses.stored(GENUINE, spam="GRAY"), stored=False).flag_reason is None


# -- poison and slow letters ------------------------------------------------------------


class ParserSpy:
    """Records every run of the email parser over a letter: headers only (True) or whole."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runs: list[bool] = []
        real = letters.BytesParser
        runs = self.runs

        class Spy(real):  # type: ignore[misc, valid-type]
            def parsebytes(self, text: bytes, headersonly: bool = False) -> Any:
                runs.append(headersonly)
                return super().parsebytes(text, headersonly)

        monkeypatch.setattr(letters, "BytesParser", Spy)


@pytest.mark.parametrize("charset", ["zlib", "rot13", "base64", "idna", "hex", "bz2", "uu"])
def test_a_charset_that_is_no_text_encoding_is_read_as_utf_8(charset: str) -> None:
    # Given a letter that declares a codec that is no text encoding (or one that cannot
    # replace what it cannot decode) for its body, its subject, its sender's name and a
    # file name
    name = charset.encode()
    raw = (
        b"From: =?" + name + b"?b?5byg5LiJ?= <zhang.san@example.com>\r\n"
        b"Subject: =?" + name + b"?b?6Lev54Gv?=\r\nMessage-ID: <codec-1@example.com>\r\n"
        + multipart(
            b'Content-Type: text/plain; charset="' + name + b'"\r\n\r\n'
            + "路灯不亮 road lamp".encode(),
            b"Content-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename*=" + name + b"''a%E4.bin\r\n\r\nxx",
        )
    )  # fmt: skip
    # When it is read, Then nothing raises: the text is read as UTF-8, the letter stands
    mail = read(raw)
    assert mail.text == "路灯不亮 road lamp"
    assert mail.subject == "路灯" and mail.sender_name == "张三"
    assert mail.flag_reason is None and mail.ignored == 1


def test_every_codec_python_knows_reads_without_raising() -> None:
    from encodings.aliases import aliases

    for name in sorted(set(aliases) | set(aliases.values())):
        label = name.encode()
        raw = (
            HEADERS.replace(b"utf-8", label)
            + b"Content-Type: text/plain; charset=" + label + b"\r\n\r\n\xff\xfe road lamp\r\n"
        )  # fmt: skip
        mail = read(raw)
        assert isinstance(mail.text, str) and mail.message_id == "poison-1@example.com", name


def test_a_header_the_parser_would_recurse_on_does_not_raise() -> None:
    # Given a part whose Content-Type opens 50,000 comments
    raw = HEADERS + b"Content-Type: text/plain; charset=utf-8 " + b"(" * 50_000 + b"\r\n\r\nhi\r\n"
    # When it is read, Then it is a letter like any other
    mail = read(raw)
    assert mail.text == "hi" and mail.flag_reason is None


def test_2000_nested_multiparts_are_set_aside_unparsed(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = ParserSpy(monkeypatch)
    mail = read(HEADERS + nested(2000))
    # Then it is set aside for its depth, its headers read, its body never parsed
    assert mail.flag_reason == "too-deep"
    assert mail.message_id == "poison-1@example.com"
    assert (mail.sender, mail.sender_name, mail.subject) == (
        "zhang.san@example.com",
        "张三",
        "路灯",
    )
    assert mail.verified is True  # who sent it is known; what it says is not read
    assert mail.text == "" and mail.images == []
    assert False not in spy.runs


def test_20000_tiny_parts_are_set_aside_unparsed(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = ParserSpy(monkeypatch)
    photo = b"Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    photo += __import__("base64").encodebytes(JPEG)
    mail = read(HEADERS + tiny_parts(20_000, photo))
    assert mail.flag_reason == "too-many-parts"
    assert mail.images == [] and mail.text == ""
    assert False not in spy.runs


def test_a_letter_within_the_limits_is_read_without_the_structured_header_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a letter of three parts whose headers the standard library's structured header
    # parser takes many seconds over (20,000 encoded words in a file name, 20,000
    # parameters: over 20 s), and 6 MB of HTML; bench/mail_parse.py times it
    from email.headerregistry import HeaderRegistry

    raw = HEADERS + heavy_headers()

    def structured(*_: Any, **__: Any) -> None:
        raise AssertionError("the structured header parser ran")

    monkeypatch.setattr(HeaderRegistry, "__call__", structured)
    # When it is read, the structured parser never runs (headers as plain text), its text cut
    mail = read(raw)
    assert mail.text.startswith("路灯不亮\n\n路灯不亮") and mail.ignored == 1
    assert letters.content_of(mail).endswith(letters.TRUNCATED)


def test_limits_are_counted_from_the_bytes_without_false_alarms() -> None:
    limits = letters.Limits(max_bytes=1 << 20, max_parts=10, max_depth=3)
    # A letter as mail clients write it: mixed > alternative > related, a forwarded letter,
    # and text whose lines start with "--" (a signature, a separator)
    related = MIMEMultipart("related")
    related.attach(MIMEText("<p>网页</p>", "html", "utf-8"))
    related.attach(MIMEImage(PNG, "png"))
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("区长您好\n" + "--\n-- 张三\n-----原始邮件-----\n" * 100, "plain"))
    alternative.attach(related)
    message = MIMEMultipart()
    message.attach(alternative)
    message.attach(MIMEImage(JPEG, "jpeg"))
    raw = ses.stored(letter(message).as_bytes())
    mail = parse(raw, max_image_bytes=LIMIT, max_images=9, limits=limits)
    assert mail.flag_reason is None and len(mail.images) == 2
    # One part more, one level deeper, one byte more: set aside
    for smaller, reason in (
        (letters.Limits(max_bytes=1 << 20, max_parts=4, max_depth=3), "too-many-parts"),
        (letters.Limits(max_bytes=1 << 20, max_parts=10, max_depth=2), "too-deep"),
        (letters.Limits(max_bytes=len(raw) - 1, max_parts=10, max_depth=3), "too-large"),
    ):
        mail = parse(raw, max_image_bytes=LIMIT, max_images=9, limits=smaller)
        assert mail.flag_reason == reason and mail.images == [], reason
        assert mail.sender == "Zhang.San@example.com" and mail.subject == "路灯不亮", reason
    # Levels the scan cannot miss: a digest's parts are messages (one level more each),
    # and lines may end in a bare CR
    digest = HEADERS + (
        b'Content-Type: multipart/digest; boundary="d"\r\n\r\n--d\r\n\r\n'
        b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
        b"--m\r\nContent-Type: text/plain\r\n\r\nroad lamp\r\n--m--\r\n--d--\r\n"
    )
    assert read(digest).text == "road lamp"
    too_deep = letters.Limits(max_bytes=1 << 20, max_parts=10, max_depth=2)
    assert parse(digest, max_image_bytes=LIMIT, max_images=9, limits=too_deep).flag_reason == (
        "too-deep"
    )
    bare_cr = (HEADERS + nested(5)).replace(b"\r\n", b"\r")
    assert read(bare_cr).flag_reason is None
    assert parse(bare_cr, max_image_bytes=LIMIT, max_images=9, limits=limits).flag_reason == (
        "too-deep"
    )


def test_whatever_the_parser_raises_the_letter_is_set_aside_as_unreadable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = letters.BytesParser

    class Failing(real):  # type: ignore[misc, valid-type]
        def parsebytes(self, text: bytes, headersonly: bool = False) -> Any:
            if not headersonly:
                raise RecursionError("maximum recursion depth exceeded")
            return super().parsebytes(text, headersonly)

    monkeypatch.setattr(letters, "BytesParser", Failing)
    mail = read(HEADERS + b"Content-Type: text/plain\r\n\r\nroad lamp\r\n")
    assert mail.flag_reason == "unreadable" and mail.message_id == "poison-1@example.com"
    assert mail.sender == "zhang.san@example.com"


# -- the phone a letter gives -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("路灯坏了\n\n联系电话：13812345678\n张三", "+8613812345678"),
        ("路灯坏了\n联系电话 138-1234-5678", "+8613812345678"),
        ("路灯坏了\n  手机: +86 138 1234 5678。", "+8613812345678"),
        ("路灯坏了\n电话：0533-5181234", "+865335181234"),  # a fixed line, to call back
        ("路灯坏了\n手机号码：１３８１２３４５６７８", "+8613812345678"),
        ("联系电话：13812345678\n手机：138 1234 5678", "+8613812345678"),  # the same twice
        # Only a number on a labelled line of its own is the writer's
        ("商户（老板电话13912345678）占道经营\n我的电话是13887654321", None),
        ("路灯坏了，商户电话：13912345678，请查处", None),
        ("联系电话：13912345678（商户老板）", None),
        ("路灯坏了 13812345678", None),
        # Two different numbers: which one is the writer's is a guess
        ("联系电话：13887654321\n手机：13912345678", None),
        ("联系电话：12345", None),
        ("", None),
    ],
)
def test_the_phone_is_read_from_a_labelled_line_only(text: str, phone: str | None) -> None:
    assert letters.contact_phone(text) == phone
