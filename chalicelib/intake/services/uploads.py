"""Upload tickets for appeal photos."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import Principal
from chalicelib.core.domain.schemas import UPLOAD_CREATE
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.integrations import media

# Uploads land under UPLOADS_ROOT, where the bucket expires what is never attached; a photo
# attached to an appeal is copied under ATTACHED_ROOT, which no expiry rule touches.
UPLOADS_ROOT = "uploads/"
ATTACHED_ROOT = "attached/"

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}


def upload_prefix(principal: Principal) -> str:
    return f"{UPLOADS_ROOT}{principal.id}/"


def attached_key(upload_key: str) -> str:
    """Where an upload is kept once an appeal holds it."""
    return ATTACHED_ROOT + upload_key.removeprefix(UPLOADS_ROOT)


def create_upload_ticket(principal: Principal, body: Any) -> dict[str, Any]:
    request = validate(UPLOAD_CREATE, body)
    cfg = settings()
    size = request.get("size")
    if size is not None and size > cfg.upload_max_bytes:
        raise ValidationFailed.one("size", f"must be at most {cfg.upload_max_bytes} bytes")
    content_type = request["content_type"]
    key = f"{upload_prefix(principal)}{uuid.uuid4().hex}.{_EXTENSIONS[content_type]}"
    form = media.presign_upload(key, content_type, cfg.upload_max_bytes, cfg.upload_url_seconds)
    expires = clock.now() + timedelta(seconds=cfg.upload_url_seconds)
    return {
        "key": key,
        "url": form["url"],
        "fields": form["fields"],
        "expires_at": clock.iso(expires),
        "max_bytes": cfg.upload_max_bytes,
    }
