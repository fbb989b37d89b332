"""An appeal's photos: which ones the platform center marked public (a fold over the
timeline's ``media_published`` events, so the mark is on record like every other step), and
where a public copy lives (a key that names the appeal, never the citizen who uploaded it)."""

from __future__ import annotations

from chalicelib.core.domain.appeal import Appeal

PUBLISHED_EVENT = "media_published"


def published(appeal: Appeal) -> frozenset[int]:
    """Indexes into ``appeal.media`` marked public, as the latest mark of each says."""
    marked: set[int] = set()
    for event in appeal.timeline:
        if event.type == PUBLISHED_EVENT:
            index = int(event.data["index"])
            if event.data.get("public"):
                marked.add(index)
            else:
                marked.discard(index)
    return frozenset(marked)


def public_key(appeal_id: str, index: int, upload_key: str) -> str:
    """Where the public copy of photo ``index`` is kept: ``public/{appeal}/{index}.{ext}``.
    The upload key holds the citizen's user id, which a public URL must not carry."""
    name = upload_key.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
    return f"public/{appeal_id}/{index}.{extension}"
