"""A letter as SES stores it in the inbox bucket: the headers SES prepends when it receives
mail (its spam and virus verdicts, and an ``Authentication-Results`` header with what it
found of SPF, DKIM and DMARC), above the letter as the sender wrote it. The shape is the
one SES writes (``amazonses.com; spf=… (spfCheck: …) client-ip=…; envelope-from=…;
helo=…; dkim=… header.i=@…; dmarc=… header.from=…;``)."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.utils import getaddresses


def from_domain(raw: bytes) -> str:
    """The domain of the letter's From address, read from the raw header (never decoded)."""
    message = BytesHeaderParser().parsebytes(raw)
    value = next((str(v) for k, v in message.raw_items() if k.lower() == "from"), "")
    found = getaddresses([value])
    address = found[0][1] if found else ""
    return address.rpartition("@")[2].lower() or "example.com"


def results(
    domain: str,
    *,
    spf: str = "pass",
    dkim: str = "pass",
    dmarc: str | None = "pass",
    envelope: str | None = None,
    signer: str | None = None,
) -> str:
    """An Authentication-Results value as SES writes it for mail from ``domain``."""
    envelope = envelope or f"bounce@{domain}"
    signer = signer or domain
    value = (
        f"amazonses.com; spf={spf} (spfCheck: domain of {envelope.rpartition('@')[2]} "
        f"designates 192.0.2.10 as permitted sender) client-ip=192.0.2.10; "
        f"envelope-from={envelope}; helo=mail.{domain}; dkim={dkim} header.i=@{signer};"
    )
    if dmarc is not None:
        value += f" dmarc={dmarc} header.from={domain};"
    return value


def stored(
    raw: bytes,
    *,
    authentication: str | None = None,
    spam: str = "PASS",
    virus: str = "PASS",
    **verdicts: str | None,
) -> bytes:
    """``raw`` with SES's headers on top. By default SPF, DKIM and DMARC pass for the From
    domain; ``authentication`` replaces the whole Authentication-Results value, and
    ``verdicts`` (spf, dkim, dmarc, envelope, signer) change parts of it."""
    value = authentication or results(from_domain(raw), **verdicts)  # type: ignore[arg-type]
    top = (
        "Received: from mail.example.com (mail.example.com [192.0.2.10]) by "
        "inbound-smtp.us-east-1.amazonaws.com with SMTP id 0123456789abcdef for "
        "mailbox@minsheng.localhost; Sat, 28 Nov 2026 01:30:00 +0000 (UTC)\r\n"
        f"X-SES-Spam-Verdict: {spam}\r\n"
        f"X-SES-Virus-Verdict: {virus}\r\n"
        f"Authentication-Results: {value}\r\n"
    )
    return top.encode() + raw
