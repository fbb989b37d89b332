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

from tests.support.hostile_mail import HEADERS, heavy_headers, multipart, nested, tiny_parts

# SES's verdicts for a sender it vouches for, prepended as SES stores a letter.
SES = (
    b"Authentication-Results: amazonses.com;\r\n spf=pass smtp.mailfrom=example.com;\r\n"
    b" dkim=pass header.i=@example.com;\r\n dmarc=pass header.from=example.com;\r\n"
    b"X-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n"
)


def letters() -> dict[str, bytes]:
    large = multipart(b"Content-Type: text/plain\r\n\r\n" + b"x" * (40 * 1024 * 1024))
    return {
        "heavy headers, 6 MB of HTML": heavy_headers(),
        "20,000 tiny parts": tiny_parts(20_000),
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
