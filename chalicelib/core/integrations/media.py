"""Citizens' photos in S3: presigned POST policies and existence checks."""

from __future__ import annotations

from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client


def presign_upload(key: str, content_type: str, max_bytes: int, seconds: int) -> dict[str, Any]:
    """A POST form S3 itself enforces: exact key, exact content type, size range."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return dict(
            client("s3").generate_presigned_post(
                Bucket=settings().media_bucket,
                Key=key,
                Fields={"Content-Type": content_type},
                Conditions=[
                    {"Content-Type": content_type},
                    ["content-length-range", 1, max_bytes],
                ],
                ExpiresIn=seconds,
            )
        )
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("uploads are unavailable") from exc


def object_exists(key: str) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("s3").head_object(Bucket=settings().media_bucket, Key=key)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchKey", "NotFound"):
            return False
        raise ServiceUnavailable("the media store is unavailable") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the media store is unreachable") from exc
    return True


def presign_download(key: str, seconds: int) -> str:
    """A GET URL for one photo, valid ``seconds``. Signing happens here: no request."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return str(
            client("s3").generate_presigned_url(
                "get_object",
                Params={"Bucket": settings().media_bucket, "Key": key},
                ExpiresIn=seconds,
            )
        )
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("photos are unavailable") from exc


def copy_object(source: str, target: str) -> None:
    """Copy within the media bucket (server side; the bytes never pass through here)."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket = settings().media_bucket
    try:
        client("s3").copy_object(
            Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source}
        )
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("the media store did not accept the copy") from exc


def delete_object(key: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("s3").delete_object(Bucket=settings().media_bucket, Key=key)
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("the media store did not accept the delete") from exc


def put_object(key: str, data: bytes, content_type: str) -> None:
    """Store a photo the platform received itself (a letter's attachment)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("s3").put_object(
            Bucket=settings().media_bucket, Key=key, Body=data, ContentType=content_type
        )
    except (BotoCoreError, ClientError) as exc:
        raise ServiceUnavailable("the media store did not accept the photo") from exc
