"""A letter to the mayor's mailbox (区长信箱), read from the raw MIME message SES stored.

Pure: bytes in, a plain record out, standard library only. Chinese mail arrives in UTF-8,
GBK, GB2312 or GB18030, with RFC 2047 headers or raw 8-bit ones; GB2312 and GBK are read as
GB18030 (their superset, so a character a client took from the wider set still decodes),
and bytes that decode in no way become U+FFFD: a letter is never lost to its encoding.

The sender is the From address as written, parsed before any encoded word is decoded (only
the display name is decoded), and it stands for the letter only when SES vouches for it
(``authentication.py``).

Reading a letter never raises and takes bounded time. Its bytes are scanned first (size,
parts, nesting; ``screen``): a letter over a limit is set aside with only its headers read,
never handed to the email parser, which recurses once per level and slows with every part.
Only text codecs decode anything (a declared ``zlib`` or ``base64`` reads as UTF-8); the
parser runs with the legacy policy, whose headers are plain strings (the structured header
parser recurses on nested comments and takes seconds over long parameter lists); what is
read of text, headers and references is bounded; and a letter the parser still fails on is
set aside as unreadable.
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
from chalicelib.core.domain import phones
from chalicelib.core.domain.records import frozen

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
# Letters set aside with only their headers read (``screen``, ``parse``).
REASON_TOO_LARGE = "too-large"
REASON_TOO_MANY_PARTS = "too-many-parts"
REASON_TOO_DEEP = "too-deep"
REASON_UNREADABLE = "unreadable"


@frozen
class Limits:
    """What the mailbox reads of a letter at most (``MINSHENG_MAILBOX_MAX_BYTES``,
    ``_MAX_PARTS``, ``_MAX_DEPTH``; these defaults are the settings' defaults)."""

    max_bytes: int = 40 * 1024 * 1024  # SES's own limit for a received letter
    max_parts: int = 100  # MIME parts (a letter with nine photos has about a dozen)
    max_depth: int = 10  # multiparts and messages inside one another


DEFAULT_LIMITS = Limits()

# Bytes of text read from a letter, each kind (plain, HTML) in all: an appeal keeps 4,000
# characters, and HTML takes seconds a megabyte to reduce to text.
MAX_TEXT_BYTES = 256 * 1024
# Characters of a subject decoded (200 are shown), and message ids a letter may name for
# its thread (each one a lookup).
MAX_SUBJECT_CHARS = 4096
MAX_REFERENCES = 50
# Bytes of a letter over the size limit that are read, for its headers.
HEAD_BYTES = 64 * 1024

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


@frozen
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
    # Why only the headers were read (too large, too many parts, too deep, unreadable)
    unread: str | None = None

    @property
    def verified(self) -> bool:
        """Whether the letter may stand for its sender: own an appeal, join their thread,
        count against their limits, be answered."""
        return bool(self.sender) and self.verdict.reason is None

    @property
    def flag_reason(self) -> str | None:
        """Why this letter goes to an operator rather than becoming an appeal, if it does:
        SES's virus or spam verdict, a letter not read beyond its headers, no sender, a
        sender SES did not vouch for, then what machines send (auto-replies, bounces), then
        a letter without text."""
        if self.verdict.virus or self.verdict.spam:
            return self.verdict.reason
        if self.unread:
            return self.unread
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
    """The text codec a declared charset names (widened as above), else UTF-8: ``zlib``,
    ``base64``, ``rot13`` and the like are codecs Python knows but no text encoding."""
    name = (charset or "utf-8").strip().strip('"').lower()
    name = _SUPERSETS.get(name, name)
    try:
        found = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return "utf-8"
    if not getattr(found, "_is_text_encoding", True):
        return "utf-8"
    return _SUPERSETS.get(found.name, found.name)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """``data`` in the declared charset (widened as above). Undeclared (or ASCII-declared)
    bytes that are not UTF-8 are tried as GB18030; what still fails becomes U+FFFD. A text
    codec that cannot replace what it cannot decode (``idna``) gives way to UTF-8."""
    declared = (charset or "").strip().strip('"').lower()
    if declared in ("", "ascii", "us-ascii"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("gb18030", errors="replace")
    try:
        return data.decode(_codec(charset), errors="replace")
    except (UnicodeError, LookupError, ValueError, TypeError):
        return data.decode("utf-8", errors="replace")


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


def _references(message: Message) -> tuple[str, ...]:
    """In-Reply-To then References, each id once, the first ``MAX_REFERENCES``."""
    found: dict[str, None] = {}
    for name in ("In-Reply-To", "References"):
        for reference in _message_ids(_raw_header(message, name)):
            found.setdefault(reference)
    return tuple(found)[:MAX_REFERENCES]


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


# -- the limits, from the bytes ---------------------------------------------------------

# A Content-Type line (with its folded lines) that opens a multipart or a message. A line
# starts after CR or LF (the email parser reads CR, LF and CRLF as line ends), and the scans
# read the letter after a LF of their own, so its first line is one too.
_CONTAINER = (
    rb"[\r\n](?i:content-type)[ \t]*:(?P<value>\s*(?P<kind>(?i:multipart|message))/"
    rb"(?P<subtype>[^\s;]*)[^\r\n]*(?:(?:\r\n|\r|\n)[ \t][^\r\n]*)*)"
)
_CONTAINERS = re.compile(_CONTAINER)
_BOUNDARY = re.compile(
    rb'(?<![^\s;])boundary\s*=\s*(?:"(?P<quoted>[^"\r\n]*)"|(?P<token>[^\s;"]+))',
    re.IGNORECASE,
)
# A multipart whose boundary the scan does not read for sure (RFC 2231 pieces, escapes):
# no line is this (lines end before CR and LF).
_UNSURE = b"\n"


def screen(raw: bytes, limits: Limits) -> str | None:
    """Why a letter is set aside before the email parser sees it, if it is: more bytes,
    parts or levels of nesting than ``limits`` allow. Two scans of the bytes by regular
    expressions, never a parse: every Content-Type line that opens a multipart or a
    message is a level, every line that starts a part of a declared multipart (``--`` and
    its boundary) is a part, and a level ends where a part of a multipart around it starts
    or its closing line is. Lines that only look like these (in a text) count too, and
    when a multipart's boundary cannot be read for sure every line that starts with ``--``
    is a part: the scan errs towards setting aside, never towards parsing more than the
    limits, and the lines it looks at one by one are bounded by the limits too."""
    if len(raw) > limits.max_bytes:
        return REASON_TOO_LARGE
    # Each multipart or message is a part too: more of them than parts allowed is too
    # many parts (said once the scan below has not found the letter too deep first).
    most = limits.max_parts + limits.max_depth
    boundaries: set[bytes] = set()
    containers = 0
    lines = b"\n" + raw
    for found in _CONTAINERS.finditer(lines):
        containers += 1
        if containers > most:
            break
        if found["kind"].lower() == b"multipart":
            boundaries.add(_boundary(found["value"]))
    if not containers:
        return None  # one part: nothing nests, nothing to count
    if _UNSURE in boundaries:
        delimiter = rb"--(?P<line>[^\r\n]*)"
    else:
        names = b"|".join(re.escape(b) for b in sorted(boundaries, key=len, reverse=True))
        delimiter = rb"--(?P<line>(?:" + names + rb")(?:--)?)[ \t]*(?=[\r\n]|\Z)"
    levels: list[tuple[bytes, bool] | None] = []  # (boundary, digest) or None: a message
    parts = closings = 0
    for found in re.finditer(_CONTAINER + rb"|[\r\n]" + delimiter, lines):
        if found["kind"] is not None:
            if found["kind"].lower() == b"message":
                levels.append(None)
            else:
                digest = found["subtype"].lower() == b"digest"
                levels.append((_boundary(found["value"]), digest))
            if len(levels) > limits.max_depth:
                return REASON_TOO_DEEP
            continue
        line = found["line"].rstrip(b" \t")
        at = _level_of(levels, line)
        if at is None and line.endswith(b"--") and line[:-2] in boundaries:
            closings += 1  # one for each multipart
            if closings > most:
                return REASON_TOO_MANY_PARTS
            closed = _level_of(levels, line[:-2])
            if closed is not None:
                del levels[closed:]
            continue
        if at is not None:
            del levels[at + 1 :]
            level = levels[at]
            if level is not None and level[1]:
                levels.append(None)  # each part of a digest is a message
                if len(levels) > limits.max_depth:
                    return REASON_TOO_DEEP
        parts += 1
        if parts > limits.max_parts:
            return REASON_TOO_MANY_PARTS
    return REASON_TOO_MANY_PARTS if containers > most else None


def _level_of(levels: list[tuple[bytes, bool] | None], boundary: bytes) -> int | None:
    """Where the innermost open multipart with ``boundary`` is, if one is open."""
    for at in range(len(levels) - 1, -1, -1):
        level = levels[at]
        if level is not None and level[0] == boundary:
            return at
    return None


def _boundary(declared: bytes) -> bytes:
    """The boundary a Content-Type value names, as the email parser reads it, or
    ``_UNSURE``."""
    named = _BOUNDARY.search(declared)
    if named is None or b"boundary*" in declared.lower():
        return _UNSURE
    if named["quoted"] is not None:
        if b"\\" in named["quoted"]:
            return _UNSURE
        return bytes(named["quoted"].rstrip())
    return bytes(named["token"].rstrip())


# -- reading a letter -------------------------------------------------------------------


def parse(
    raw: bytes, *, max_image_bytes: int, max_images: int, limits: Limits = DEFAULT_LIMITS
) -> InboundMail:
    """Read one raw message. Never raises: a broken part is skipped (and an attachment
    that cannot be read counts as ignored); a letter over ``limits``, or one the parser
    fails on, is read no further than its headers and set aside (``unread``)."""
    reason = screen(raw, limits)
    if reason is None:
        try:
            return _read(
                raw,
                BytesParser(policy=policy.compat32).parsebytes(raw),
                max_image_bytes,
                max_images,
            )
        except Exception:  # a parser's failure on content (RecursionError among them)
            reason = REASON_UNREADABLE
    return set_aside(raw, len(raw), reason)


def set_aside(head: bytes, size: int, reason: str) -> InboundMail:
    """A letter read no further than its headers (from ``head``, the letter or its first
    bytes), with why. Its id is its Message-ID, else a digest of ``head``."""
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(head, headersonly=True)
        sender, sender_name, single = _sender(message)
        verdict = _verdict(message, sender, single)
        ids = _message_ids(_raw_header(message, "Message-ID"))
        subject = _subject(message)
        references = _references(message)
    except Exception:  # not even the headers read: the operator opens the raw letter
        sender, sender_name, verdict, ids, subject, references = "", "", UNVERIFIED, [], "", ()
    return InboundMail(
        message_id=ids[0] if ids else "sha256:" + hashlib.sha256(head).hexdigest(),
        sender=sender,
        sender_name=sender_name,
        subject=subject,
        text="",
        references=references,
        size=size,
        verdict=verdict,
        unread=reason,
    )


def too_large(head: bytes, size: int) -> InboundMail:
    """A letter of ``size`` bytes, over the size limit, of which ``head`` was read."""
    return set_aside(head, size, REASON_TOO_LARGE)


def _verdict(message: Message, sender: str, single: bool) -> Verdict:
    verdict = authentication.verdict(
        ((k, str(v)) for k, v in message.raw_items()), sender.rpartition("@")[2]
    )
    if not single:  # which of the senders did SES check? None stands for the letter
        verdict = Verdict(verified=False, spam=verdict.spam, virus=verdict.virus)
    return verdict


def _subject(message: Message) -> str:
    return decode_header_value((_raw_header(message, "Subject") or "")[:MAX_SUBJECT_CHARS])


def _read(raw: bytes, message: Message, max_image_bytes: int, max_images: int) -> InboundMail:
    sender, sender_name, single = _sender(message)
    ids = _message_ids(_raw_header(message, "Message-ID"))
    plain = _Text()
    html = _Text()
    images: list[Image] = []
    ignored = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            kind = part.get_content_type()
            if kind in ("message/delivery-status", "message/rfc822"):
                continue
            attachment = _is_attachment(part)
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if attachment:
                image = sniff_image(data)
                if image is None or len(data) > max_image_bytes or len(images) >= max_images:
                    ignored += 1
                else:
                    images.append(Image(image, data))
            elif kind == "text/plain":
                plain.add(data, part.get_content_charset())
            elif kind == "text/html":
                html.add(data, part.get_content_charset())
            else:
                ignored += 1
        except Exception:  # a part that cannot be read is left out, and counted
            ignored += 1
    text = tidy("\n\n".join(plain.texts))
    if not text:
        text = tidy("\n\n".join(html_to_text(t) for t in html.texts))
    return InboundMail(
        message_id=ids[0] if ids else "sha256:" + hashlib.sha256(raw).hexdigest(),
        sender=sender,
        sender_name=sender_name,
        subject=_subject(message),
        text=trim_quoted(text),
        references=_references(message),
        size=len(raw),
        images=images,
        ignored=ignored,
        auto_reason=_auto_reason(message, sender),
        verdict=_verdict(message, sender, single),
    )


class _Text:
    """A letter's text parts of one kind, decoded up to ``MAX_TEXT_BYTES`` in all (an HTML
    part is reduced to text only when the letter has no plain text)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.room = MAX_TEXT_BYTES

    def add(self, data: bytes, charset: str | None) -> None:
        if self.room <= 0:
            return
        data = data[: self.room]
        self.room -= len(data)
        self.texts.append(decode_bytes(data, charset))


# -- what an appeal takes from a letter -------------------------------------------------

# A line that gives the writer's number: a label at its start, then the number alone on it
# (a full stop or comma after it at most). A number anywhere else in a letter may be anyone's
# (the merchant complained about, a neighbour): it is never taken for the writer's.
_SPACE = r"[ \t\u3000]*"
_PHONE_LINE = re.compile(
    rf"^{_SPACE}(?:本人)?(?:联系电话|联系手机|联系方式|手机号码|手机号|手机|电话号码|电话)"
    rf"{_SPACE}[:：]?{_SPACE}"
    r"(?P<number>[+＋]?[0-9０-９][0-9０-９ \t\-－()（）]{5,24}[0-9０-９])"
    rf"{_SPACE}[。.,，;；]?{_SPACE}$",
    re.MULTILINE,
)


def contact_phone(text: str) -> str | None:
    """The phone number a letter gives for its writer, in E.164: the one valid number on
    labelled lines of its own (``联系电话：138 1234 5678``, ``手机：…``, ``电话：…``). None when
    the letter labels no number, or two different ones (which one is the writer's would
    be a guess)."""
    found = {
        e164
        for line in _PHONE_LINE.finditer(text)
        if (e164 := phones.normalize(line["number"])) is not None
    }
    return found.pop() if len(found) == 1 else None


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
