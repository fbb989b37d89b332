"""The inbox bucket SES stores received letters in: read one, sign a link to one."""

from __future__ import annotations

from chalicelib.core.config import settings
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client

# SES writes each letter under this prefix (the receipt rule's ObjectKeyPrefix).
INBOX_PREFIX = "inbox/"
# What is read of a letter over the size limit: enough for its headers.
HEAD_BYTES = 64 * 1024


class LetterGone(Exception):
    """The object a notification named is not there (deleted, or another bucket's)."""


class TooLarge(Exception):
    """The letter is larger than the mailbox reads; ``head`` is its first bytes."""

    def __init__(self, size: int, head: bytes) -> None:
        super().__init__(f"a letter of {size} bytes")
        self.size = size
        self.head = head


def read(bucket: str, key: str, max_bytes: int) -> bytes:
    """The raw message at ``key``, or TooLarge (with its first ``HEAD_BYTES``) when it is
    larger than ``max_bytes``: the rest is never downloaded. Only the stack's inbox bucket
    and prefix are read."""
    from botocore.exceptions import BotoCoreError, ClientError

    if bucket != settings().inbox_bucket or not key.startswith(INBOX_PREFIX):
        raise LetterGone(f"not a letter of this mailbox: {bucket}/{key}")
    try:
        answer = client("s3").get_object(Bucket=bucket, Key=key)
        size = int(answer.get("ContentLength", 0))
        body = answer["Body"]
        if size > max_bytes:
            head = bytes(body.read(HEAD_BYTES))
            body.close()
            raise TooLarge(size, head)
        return bytes(body.read())
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
