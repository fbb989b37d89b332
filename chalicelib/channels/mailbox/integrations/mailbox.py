"""The inbox bucket SES stores received letters in: read one, sign a link to one."""

from __future__ import annotations

from chalicelib.core.config import settings
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client

# SES writes each letter under this prefix (the receipt rule's ObjectKeyPrefix).
INBOX_PREFIX = "inbox/"
# SES accepts messages up to 40 MB; nothing larger is read.
MAX_MESSAGE_BYTES = 40 * 1024 * 1024


class LetterGone(Exception):
    """The object a notification named is not there (deleted, or another bucket's)."""


def read(bucket: str, key: str) -> bytes:
    """The raw message at ``key``. Only the stack's inbox bucket and prefix are read."""
    from botocore.exceptions import BotoCoreError, ClientError

    if bucket != settings().inbox_bucket or not key.startswith(INBOX_PREFIX):
        raise LetterGone(f"not a letter of this mailbox: {bucket}/{key}")
    try:
        answer = client("s3").get_object(Bucket=bucket, Key=key)
        if int(answer.get("ContentLength", 0)) > MAX_MESSAGE_BYTES:
            raise LetterGone(f"larger than {MAX_MESSAGE_BYTES} bytes: {key}")
        return bytes(answer["Body"].read())
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchKey", "NotFound"):
            raise LetterGone(f"no letter at {key}") from exc
        raise ServiceUnavailable("the inbox is unavailable") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the inbox is unreachable") from exc


def presign_download(key: str, seconds: int) -> str:
    """A GET URL for one raw letter (``message/rfc822``), valid ``seconds``; no request."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return str(
            client("s3").generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": settings().inbox_bucket,
                    "Key": key,
                    "ResponseContentType": "message/rfc822",
                },
                ExpiresIn=seconds,
            )
        )
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("the inbox is unavailable") from exc
