"""A letter to the mayor's mailbox (区长信箱), read from the raw MIME message SES stored.

Pure: bytes in, a plain record out, standard library only. Chinese mail arrives in UTF-8,
GBK, GB2312 or GB18030, with RFC 2047 headers or raw 8-bit ones; GB2312 and GBK are read as
GB18030 (their superset, so a character a client took from the wider set still decodes),
and bytes that decode in no way become U+FFFD: a letter is never lost to its encoding.

The sender is the From address as written, parsed before any encoded word is decoded (only
the display name is decoded), and it stands for the letter only when SES vouches for it
(``authentication.py``).
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from chalicelib.channels.mailbox.domain import authentication
from chalicelib.channels.mailbox.domain.authentication import UNVERIFIED, Verdict

# Charsets read as another that contains them.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
}
# Image types the app takes as an appeal's photos (domain/schemas.py ALLOWED_IMAGE_TYPES),
# recognised by their first bytes, never by what the sender declared.
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}

AUTO_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk", "list"})
ROBOT_SENDERS = frozenset({"mailer-daemon", "postmaster"})
# Machines that say they take no answer (notifications, SES's own verification mail).
NO_REPLY_SENDERS = frozenset({"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply"})

# Why a letter waits for an operator instead of becoming an appeal.
REASON_AUTO_REPLY = "auto-reply"
REASON_BOUNCE = "bounce"
REASON_NO_TEXT = "no-text"
REASON_NO_SENDER = "no-sender"
REASON_UNVERIFIED = authentication.REASON_UNVERIFIED

CASE_NUMBER = re.compile(r"诉求编号\s*[:：]?\s*(\d{8}-[0-9A-HJKMNP-TV-Z]{8})")
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
# Where a mail client starts quoting the letter answered.
_QUOTE_MARKERS = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:original message|原始邮件|回复的原邮件|forwarded message|转发的邮件)\s*-{2,}"
    r"|on .{1,200} wrote:\s*"
    r"|在\s*.{1,200}(?:写道|wrote)\s*[:：]\s*"
    r"|发件人\s*[:：].*"
    r"|from:\s.*@.*"
    r")$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Image:
    content_type: str
    data: bytes

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


@dataclass
class InboundMail:
    message_id: str  # the Message-ID without brackets, or ``sha256:<digest of the bytes>``
    sender: str  # the From address, its domain in lower case ("" if none)
    sender_name: str  # the From display name ("" if none)
    subject: str
    text: str  # the body as plain text, quoted earlier mail trimmed
    references: tuple[str, ...]  # In-Reply-To then References, without brackets
    size: int
    images: list[Image] = field(default_factory=list)
    ignored: int = 0  # attachments not kept: not an image, too large, too many
    auto_reason: str | None = None  # set for auto-replies and bounces
    # What SES says of the sender (unverified unless its topmost results vouch for it)
    verdict: Verdict = UNVERIFIED

    @property
    def verified(self) -> bool:
        """Whether the letter may stand for its sender: own an appeal, join their thread,
        count against their limits, be answered."""
        return bool(self.sender) and self.verdict.reason is None

    @property
    def flag_reason(self) -> str | None:
        """Why this letter goes to an operator rather than becoming an appeal, if it does:
        SES's virus or spam verdict, no sender, a sender SES did not vouch for, then what
        machines send (auto-replies, bounces), then a letter without text."""
        if self.verdict.virus or self.verdict.spam:
            return self.verdict.reason
        if not self.sender:
            return REASON_NO_SENDER
        if self.verdict.reason:
            return self.verdict.reason
        if self.auto_reason:
            return self.auto_reason
        if not self.text.strip():
            return REASON_NO_TEXT
        return None

    @property
    def case_number(self) -> str | None:
        """An appeal id the subject names (``[诉求编号 20261128-7K3M9Q2P]``), if any."""
        found = CASE_NUMBER.search(self.subject)
        return found.group(1) if found else None


# -- decoding ---------------------------------------------------------------------------


def _codec(charset: str | None) -> str:
    name = (charset or "utf-8").strip().strip('"').lower()
    name = _SUPERSETS.get(name, name)
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return "utf-8"
    return _SUPERSETS.get(found, found)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """``data`` in the declared charset (widened as above). Undeclared (or ASCII-declared)
    bytes that are not UTF-8 are tried as GB18030; what still fails becomes U+FFFD."""
    declared = (charset or "").strip().strip('"').lower()
    if declared in ("", "ascii", "us-ascii"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("gb18030", errors="replace")
    return data.decode(_codec(charset), errors="replace")


def decode_header_value(raw: str | None) -> str:
    """A header's text: RFC 2047 words decoded in their (widened) charsets, raw 8-bit bytes
    (which the parser keeps as surrogates) read as UTF-8 or else GB18030."""
    if not raw:
        return ""
    raw = str(raw)
    parts: list[str] = []
    try:
        chunks = decode_header(raw)
    except Exception:
        chunks = [(raw, None)]
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, charset))
        else:
            parts.append(_unescape(chunk))
    text = "".join(parts)
    return re.sub(r"\s+", " ", text.replace("\r", " ").replace("\n", " ")).strip()


def _unescape(text: str) -> str:
    """Undo the parser's surrogate escapes of 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("utf-8", errors="surrogateescape"), None)


def _raw_header(message: Message, name: str) -> str | None:
    """The header as it came, before any decoding (the first, topmost one, as
    ``message[name]`` finds it)."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _message_ids(raw: str | None) -> list[str]:
    if not raw:
        return []
    ids = re.findall(r"<([^<>\s]+)>", raw)
    if not ids and raw.strip():
        ids = [raw.strip().strip("<>")]
    return [i for i in ids if i]


# -- HTML to text -----------------------------------------------------------------------

_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.out.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: scripts and styles dropped, each block on its
    own line, entities decoded, runs of blank lines and spaces collapsed."""
    parser = _TextOf()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # the parser is lenient; this is a last resort
        return tidy(re.sub(r"<[^>]*>", " ", html))
    return tidy("".join(parser.out))


def tidy(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip() for line in text.splitlines()]
    joined = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


def trim_quoted(text: str) -> str:
    """The new part of a letter: from the first line a mail client uses to start quoting
    an earlier message ("-----原始邮件-----", "On ... wrote:", "在 ... 写道：", a "发件人:"
    header block), and lines quoted with ">", left out. Unmarked text stays whole."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_MARKERS.match(line) and "\n".join(kept).strip():
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    result = tidy("\n".join(kept))
    return result or tidy(text)


# -- attachments ------------------------------------------------------------------------


def sniff_image(data: bytes) -> str | None:
    """The image type ``data`` is, by its magic bytes, among those the app takes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "image/heic"
    return None


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment" or part.get_filename():
        return True
    return part.get_content_maintype() not in ("text", "multipart", "message")


# -- the whole letter -------------------------------------------------------------------


_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+$")


def _address(address: str) -> str:
    """An address as the mailbox keeps it (its domain in lower case), or "" when it is not
    a plain ``local@domain`` (an encoded word, a route, two ``@``, a non-ASCII name)."""
    local, at, domain = address.strip().rpartition("@")
    if not at or "@" in local or not _LOCAL_PART.match(local) or not _DOMAIN.match(domain):
        return ""
    return f"{local}@{domain.lower()}"


def _sender(message: Message) -> tuple[str, str, bool]:
    """(address, display name, whether the letter names exactly one sender). The raw
    header is parsed as it came and only the display name is decoded: encoded words that
    read as an address (``=?utf-8?q?victim=40gov.cn?= <attacker@evil.com>``) stay a name."""
    values = [str(v) for k, v in message.raw_items() if k.lower() == "from"]
    found = [(name, address) for name, address in getaddresses(values) if name or address]
    if not found:
        return "", "", True
    name, address = found[0]
    display = decode_header_value(name).strip().strip('"')
    return _address(address), display, len(values) == 1 and len(found) == 1


def _auto_reason(message: Message, sender: str) -> str | None:
    if message.get_content_type() == "multipart/report":
        return REASON_BOUNCE
    local = sender.partition("@")[0].lower()
    if local in ROBOT_SENDERS:
        return REASON_BOUNCE
    return_path = _raw_header(message, "Return-Path")
    if return_path is not None and return_path.strip() == "<>":
        return REASON_BOUNCE
    auto = _raw_header(message, "Auto-Submitted")
    if auto is not None and auto.split(";")[0].strip().lower() != "no":
        return REASON_AUTO_REPLY
    if local.split("+", 1)[0] in NO_REPLY_SENDERS or local.startswith(("noreply", "no-reply")):
        return REASON_AUTO_REPLY
    if _raw_header(message, "X-Autoreply") is not None:
        return REASON_AUTO_REPLY
    if _raw_header(message, "X-Autorespond") is not None:
        return REASON_AUTO_REPLY
    precedence = (_raw_header(message, "Precedence") or "").strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return REASON_AUTO_REPLY
    return None


def parse(raw: bytes, *, max_image_bytes: int, max_images: int) -> InboundMail:
    """Read one raw message. Never raises on content: a broken part is skipped (and an
    attachment that cannot be read counts as ignored)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    sender, sender_name, single = _sender(message)
    verdict = authentication.verdict(
        ((k, str(v)) for k, v in message.raw_items()), sender.rpartition("@")[2]
    )
    if not single:  # which of the senders did SES check? None stands for the letter
        verdict = Verdict(verified=False, spam=verdict.spam, virus=verdict.virus)
    ids = _message_ids(_raw_header(message, "Message-ID"))
    message_id = ids[0] if ids else "sha256:" + hashlib.sha256(raw).hexdigest()
    references: list[str] = []
    for name in ("In-Reply-To", "References"):
        for found in _message_ids(_raw_header(message, name)):
            if found not in references:
                references.append(found)

    plain: list[str] = []
    html: list[str] = []
    images: list[Image] = []
    ignored = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_type() in ("message/delivery-status", "message/rfc822"):
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        data = payload if isinstance(payload, bytes) else b""
        if _is_attachment(part):
            kind = sniff_image(data)
            if kind is None or len(data) > max_image_bytes or len(images) >= max_images:
                ignored += 1
            else:
                images.append(Image(kind, data))
            continue
        if part.get_content_type() == "text/plain":
            plain.append(decode_bytes(data, part.get_content_charset()))
        elif part.get_content_type() == "text/html":
            html.append(html_to_text(decode_bytes(data, part.get_content_charset())))
        else:
            ignored += 1
    text = tidy("\n\n".join(plain))
    if not text:
        text = tidy("\n\n".join(html))
    return InboundMail(
        message_id=message_id,
        sender=sender,
        sender_name=sender_name,
        subject=decode_header_value(_raw_header(message, "Subject")),
        text=trim_quoted(text),
        references=tuple(references),
        size=len(raw),
        images=images,
        ignored=ignored,
        auto_reason=_auto_reason(message, sender),
        verdict=verdict,
    )


# -- what an appeal takes from a letter -------------------------------------------------

TRUNCATED = "\n……（来信过长，以下从略；全文见信件存档）"


def title_of(mail: InboundMail, max_length: int = 100) -> str:
    """The subject without reply prefixes, or the first words of the letter."""
    subject = _REPLY_PREFIX.sub("", mail.subject).strip()
    if not subject:
        first = next((line.strip() for line in mail.text.splitlines() if line.strip()), "")
        subject = first[:30]
    return subject[:max_length].strip() or "区长信箱来信"


def content_of(mail: InboundMail, max_length: int = 4000) -> str:
    """The letter's text, cut with a marker when longer than an appeal takes."""
    text = mail.text.strip()
    if len(text) <= max_length:
        return text
    return text[: max_length - len(TRUNCATED)].rstrip() + TRUNCATED
