"""Letters built to hurt a mail parser, for the mailbox's tests and bench/mail_parse.py:
one definition of each, so the bench times what the tests prove is set aside or read."""

from __future__ import annotations

HEADERS = (
    b"From: =?utf-8?b?5byg5LiJ?= <zhang.san@example.com>\r\n"
    b"Subject: =?utf-8?b?6Lev54Gv?=\r\nMessage-ID: <poison-1@example.com>\r\n"
)


def multipart(*parts: bytes, boundary: bytes = b"b") -> bytes:
    """A multipart/mixed body of ``parts`` (each its headers, a blank line, its body)."""
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return (
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
        + body + b"--" + boundary + b"--\r\n"
    )  # fmt: skip


def nested(levels: int) -> bytes:
    """``levels`` multiparts, each the only part of the one around it, text at the bottom."""
    raw = b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    for n in range(levels):
        raw += b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (n, n + 1)
    return raw + b"--b%d\r\nContent-Type: text/plain\r\n\r\nroad lamp\r\n--b%d--\r\n" % (
        levels,
        levels,
    )


def heavy_headers() -> bytes:
    """Three parts whose headers the standard library's structured header parser takes
    many seconds over (20,000 parameters; a file name of 20,000 encoded words), with 6 MB
    of HTML."""
    return multipart(
        b"Content-Type: text/html; charset=utf-8; " + b"; ".join([b"a=b"] * 20_000)
        + b"\r\n\r\n" + "<p>路灯不亮</p>".encode() * 300_000,
        b'Content-Type: image/png\r\nContent-Disposition: attachment; filename="'
        + b" ".join([b"=?utf-8?b?5L2g?="] * 20_000) + b'"\r\n\r\nnot a png',
    )  # fmt: skip


TINY_PART = (
    b"Content-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: base64\r\n\r\neA=="
)


def tiny_parts(count: int, *first: bytes) -> bytes:
    """``first``, then ``count`` parts of one character each."""
    return multipart(*first, *[TINY_PART] * count)
