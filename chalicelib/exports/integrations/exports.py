"""Where exports go: the request on the exports queue, the finished file under ``exports/``
in the media bucket (its lifecycle rule deletes it after seven days), and a short link to
it."""

from __future__ import annotations

import json
from typing import IO, Any

from chalicelib.core.config import settings
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations import media
from chalicelib.core.integrations.aws import client


def _errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def enqueue(message: dict[str, Any]) -> None:
    try:
        client("sqs").send_message(
            QueueUrl=settings().exports_queue, MessageBody=json.dumps(message)
        )
    except _errors() as exc:
        raise ServiceUnavailable("the export could not be queued; try again") from exc


def store_file(key: str, body: IO[bytes], content_type: str, download_name: str) -> None:
    """The file read from ``body`` as it is sent (one PutObject, never whole in memory)."""
    from urllib.parse import quote

    try:
        client("s3").put_object(
            Bucket=settings().media_bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ContentDisposition=f"attachment; filename*=UTF-8''{quote(download_name)}",
        )
    except _errors() as exc:
        raise ServiceUnavailable("the media store did not accept the export") from exc


def link(key: str, seconds: int) -> str:
    """A GET link to a stored export (signed here: no request)."""
    return media.presign_download(key, seconds)
