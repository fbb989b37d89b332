"""How long the mailbox takes to read a hostile letter: headers the standard library's
structured header parser takes many seconds over (20,000 parameters, a file name of 20,000
encoded words) with 6 MB of HTML; 20,000 tiny parts; 2,000 nested multiparts; and a 40 MB
letter. Each is set aside or read within the mailbox's limits; the figure is the median
of a few reads against the Lambda timeout's share for one letter (the queue hands the
function one letter at a time).

    .venv/bin/python bench/mail_parse.py [--runs 3] [--json rows.json]
"""

from __future__ import annotations

import statistics
import time

from _harness import emit, parser, row

HEADERS = (
    b"From: =?utf-8?b?5byg5LiJ?= <zhang.san@example.com>\r\n"
    b"Subject: =?utf-8?b?6Lev54Gv?=\r\nMessage-ID: <bench-1@example.com>\r\n"
)
# SES's verdicts for a sender it vouches for, prepended as SES stores a letter.
SES = (
    b"Authentication-Results: amazonses.com;\r\n spf=pass smtp.mailfrom=example.com;\r\n"
    b" dkim=pass header.i=@example.com;\r\n dmarc=pass header.from=example.com;\r\n"
    b"X-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n"
)


def multipart(*parts: bytes, boundary: bytes = b"b") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return (
        b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
        + body + b"--" + boundary + b"--\r\n"
    )  # fmt: skip


def nested(depth: int) -> bytes:
    inner = b"Content-Type: text/plain\r\n\r\nx"
    for level in range(depth):
        inner = multipart(inner, boundary=b"n%d" % level)
    return inner


def letters() -> dict[str, bytes]:
    headers_heavy = multipart(
        b"Content-Type: text/html; charset=utf-8; " + b"; ".join([b"a=b"] * 20_000)
        + b"\r\n\r\n" + "<p>路灯不亮</p>".encode() * 300_000,
        b'Content-Type: image/png\r\nContent-Disposition: attachment; filename="'
        + b" ".join([b"=?utf-8?b?5L2g?="] * 20_000) + b'"\r\n\r\nnot a png',
    )  # fmt: skip
    tiny = multipart(*[b"Content-Type: text/plain\r\n\r\nx"] * 20_000)
    large = multipart(b"Content-Type: text/plain\r\n\r\n" + b"x" * (40 * 1024 * 1024))
    return {
        "heavy headers, 6 MB of HTML": headers_heavy,
        "20,000 tiny parts": tiny,
        "2,000 nested multiparts": nested(2_000),
        "a 40 MB letter": large,
    }


def main() -> None:
    found = parser(__doc__)
    found.add_argument("--runs", type=int, default=3)
    args = found.parse_args()
    from chalicelib.channels.mailbox.domain.mailbox import parse

    rows = []
    for name, body in letters().items():
        raw = SES + HEADERS + body
        times = []
        reason = None
        for _ in range(args.runs):
            started = time.perf_counter()
            mail = parse(raw, max_image_bytes=5 * 1024 * 1024, max_images=9)
            times.append(time.perf_counter() - started)
            reason = mail.flag_reason
        median = statistics.median(times)
        print(f"{name}: {median:.3f} s ({reason or 'read'}, {len(raw):,} bytes)")
        rows.append(row(f"mail parse: {name} ({reason or 'read'})", median, "s", at_most=5))
    emit(rows, args.json)


if __name__ == "__main__":
    main()
