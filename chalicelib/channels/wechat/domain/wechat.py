"""The WeChat official account's server protocol (公众号 "服务器配置", plain or compatible mode):
the token signature on every request, the XML messages it POSTs and the passive text reply.
Pure: no I/O, no clock (the caller passes the time)."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import field

from chalicelib.core.domain.records import frozen

# WeChat retries a message it got no answer to within 5 s; a request older than this is a
# replay, not a retry.
TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024
# WeChat's nonces are a few digits; a signed request's pair is kept as a key.
MAX_NONCE = 128
TITLE_CHARS = 30
# A title is cut after punctuation or a space when one falls this far in, else hard.
_TITLE_MIN_CUT = 10
_BREAKS = set("，。！？；：、,.!?;: \t")
# Characters XML 1.0 cannot carry, even inside CDATA: the complement of its Char production
# (tab, newline, return, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF), written as the
# few ranges it excludes (a class of the allowed ranges takes 25 ms to compile at import).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What a follower sends to ask how their latest appeal is doing (after trimming spaces and
# end punctuation). Exact words only: an appeal that begins with 查询 is still an appeal.
STATUS_WORDS = frozenset({"查询", "进度", "查询进度", "办理进度", "查进度"})
# What a signature is: the lowercase hex of one SHA-1. Anything else (upper case, spaces,
# the wrong length, a character that is not ASCII) is a wrong signature.
_HEX_DIGEST = re.compile(r"[0-9a-f]{40}")


class BadSignature(Exception):
    """Why a request is not from WeChat (said to the caller, tells nothing of the token)."""


class BadMessage(Exception):
    """The body is not a WeChat message this endpoint can read."""


class EncryptedOnly(BadMessage):
    """A safe-mode message: only ``Encrypt``, which this endpoint does not decrypt."""


def signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's ``signature``: the SHA-1 hex of the three values sorted and joined."""
    return hashlib.sha1("".join(sorted((token, timestamp, nonce))).encode()).hexdigest()


def verify(token: str, params: dict[str, str], now: float) -> None:
    """Accept the request if ``signature`` matches ``timestamp`` and ``nonce`` under the
    token and the timestamp is within ``TOLERANCE_SECONDS`` of ``now``."""
    offered = params.get("signature") or ""
    timestamp = params.get("timestamp") or ""
    nonce = params.get("nonce") or ""
    if not offered or not timestamp or not nonce:
        raise BadSignature("signature, timestamp and nonce are required")
    if len(nonce) > MAX_NONCE:
        raise BadSignature(f"nonce must be at most {MAX_NONCE} characters")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise BadSignature("timestamp must be unix seconds")
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise BadSignature(f"timestamp is more than {TOLERANCE_SECONDS} seconds from the clock")
    expected = signature(token, timestamp, nonce).encode("ascii")
    # A digest is compared in constant time (as bytes: a str that is not ASCII makes
    # compare_digest raise); anything else cannot match.
    if not _HEX_DIGEST.fullmatch(offered) or not hmac.compare_digest(
        expected, offered.encode("ascii")
    ):
        raise BadSignature("the signature does not match")


def nonce_key(timestamp: str, nonce: str) -> str:
    """What a signed request is remembered by for its window: compatible mode signs only
    the token, the timestamp and the nonce, so each pair may carry one request."""
    return f"wechat#{timestamp}#{nonce}"


def request_digest(method: str, params: dict[str, str], body: bytes) -> str:
    """The request a signature came with: its method, every query parameter and the body.
    The same request again (WeChat's retry) has the same digest; anything else under the
    same signature does not."""
    hasher = hashlib.sha256(method.upper().encode() + b"\n")
    for name, value in sorted(params.items()):
        hasher.update(f"{name}={value}\n".encode())
    hasher.update(body)
    return hasher.hexdigest()


@frozen
class Message:
    """One message WeChat POSTs: the follower (``sender``, an OpenID), the account
    (``recipient``, its original id), and what was sent."""

    sender: str
    recipient: str
    msg_type: str
    msg_id: str | None = None
    content: str | None = None
    event: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def is_status_query(self) -> bool:
        text = (self.content or "").strip().rstrip("?？。.!！ ")
        return self.msg_type == "text" and text in STATUS_WORDS


def parse(raw: bytes) -> Message:
    """The message in ``raw``; no DTD, no entity, nothing fetched (defusedxml)."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if len(raw) > MAX_BODY_BYTES:
        raise BadMessage(f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadMessage("DTDs and entities are not accepted") from exc
    except (ParseError, ValueError) as exc:
        raise BadMessage("the body is not well-formed XML") from exc
    if root.tag != "xml":
        raise BadMessage("the root element must be <xml>")
    fields = {child.tag: (child.text or "") for child in root if len(child) == 0}
    sender = fields.get("FromUserName", "").strip()
    recipient = fields.get("ToUserName", "").strip()
    msg_type = fields.get("MsgType", "").strip()
    if fields.get("Encrypt") and not msg_type:
        raise EncryptedOnly(
            "encrypted (safe mode) messages are not supported: set the account's message "
            "encryption to plain or compatible mode"
        )
    if not sender or not recipient or not msg_type:
        raise BadMessage("ToUserName, FromUserName and MsgType are required")
    return Message(
        sender=sender,
        recipient=recipient,
        msg_type=msg_type,
        msg_id=fields.get("MsgId", "").strip() or None,
        content=fields.get("Content"),
        event=fields.get("Event", "").strip().lower() or None,
        fields=fields,
    )


def _cdata(text: str) -> str:
    """``text`` as CDATA: a ``]]>`` inside is split across two sections."""
    clean = _NOT_XML.sub("", text)
    return "<![CDATA[" + clean.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(message: Message, content: str, create_time: int) -> str:
    """The passive reply to ``message``: a text back to its sender, from the account."""
    return (
        "<xml>"
        f"<ToUserName>{_cdata(message.sender)}</ToUserName>"
        f"<FromUserName>{_cdata(message.recipient)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )


def title_of(content: str) -> str:
    """The appeal's title: the first line, at most ``TITLE_CHARS`` characters, cut after
    punctuation or a space when one comes late enough, without the punctuation."""
    line = next((part.strip() for part in content.strip().splitlines() if part.strip()), "")
    if len(line) <= TITLE_CHARS:
        return line.rstrip("".join(_BREAKS)) or line
    head = line[:TITLE_CHARS]
    cut = max((i for i, c in enumerate(head) if c in _BREAKS and i >= _TITLE_MIN_CUT), default=-1)
    if cut > 0:
        head = head[:cut]
    return head.rstrip("".join(_BREAKS)) or line[:TITLE_CHARS]


# -- what the account says -------------------------------------------------------------

HOW_TO = (
    "直接发送文字，写明事项、地点和时间，即可提交诉求，我们登记后告知编号；"
    "发送“查询”可了解最近一件诉求的办理进度。"
)
WELCOME = "感谢关注！本公众号受理民生诉求。" + HOW_TO
HELP = "目前只能受理文字留言。" + HOW_TO


def registered(appeal_id: str) -> str:
    return (
        f"您的诉求已登记，编号：{appeal_id}。平台中心将尽快受理并转交承办单位，"
        "发送“查询”可了解办理进度。"
    )


def status(appeal_id: str, title: str, state_label: str, at: str) -> str:
    return f"您最近的诉求：编号 {appeal_id}，“{title}”，{at}提交，当前状态：{state_label}。"


NO_APPEAL = "您还没有通过本公众号提交过诉求。" + HOW_TO
BLANK = "留言内容为空，未能登记。" + HOW_TO
IN_PROGRESS = "您的留言正在登记，请稍后发送“查询”了解办理进度。"
# A follower over the submission limits (as the app's 429): nothing is registered.
TOO_MANY = "您近期提交的诉求较多，本条留言未登记，请稍后再试。如有紧急情况请拨打12345。"


def refused(reasons: list[str]) -> str:
    return "您的留言未能登记：" + "；".join(reasons) + "。请修改后重新发送。"
