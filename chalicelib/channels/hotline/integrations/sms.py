"""Text messages to callers' phones through SNS (transactional SMS), to mainland China
mobiles only. Local stages also write each message to the outbox folder as a text file a
person can read."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.core.config import settings
from chalicelib.core.domain import clock, phones
from chalicelib.core.domain.masking import without_recipient
from chalicelib.core.integrations.aws import client


class SendFailed(RuntimeError):
    """SNS did not take the message."""


class NotMainlandMobile(ValueError):
    """The platform texts mainland China mobiles only; nothing was sent."""


def send(phone: str, text: str, name: str) -> str:
    """Send ``text`` to ``phone`` (E.164, a mainland China mobile: any other number is
    refused before SNS is asked); returns SNS's message id. ``name`` names the outbox file
    (no personal data)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if phones.mainland_mobile(phone) != phone:
        raise NotMainlandMobile("not a mainland China mobile number in E.164")
    try:
        answer = client("sns").publish(
            PhoneNumber=phone,
            Message=text,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
            },
        )
    except (BotoCoreError, ClientError) as exc:
        # SNS names the number in some refusals: the text is kept masked, and the original
        # (which callers log with its traceback) is not chained.
        raise SendFailed(without_recipient(str(exc), phone)) from None
    outbox = settings().outbox_dir
    if outbox:
        folder = Path(outbox) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S")
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        (folder / f"{stamp}--{safe}.txt").write_text(f"To: {phone}\n\n{text}\n", "utf-8")
    return str(answer["MessageId"])
