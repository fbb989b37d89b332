"""Opening an appeal's photos: short-lived presigned GET URLs for those who may see them,
and the platform center's mark that makes a photo public."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.core.domain import clock, photos
from chalicelib.core.domain.appeal import PUBLIC_STATES, Appeal
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.schemas import PUBLISH_MEDIA
from chalicelib.core.domain.workflow import Action, check_photo_index
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations import media
from chalicelib.core.observability import logger
from chalicelib.work_orders.services.transitions import perform

PHOTO_URL_SECONDS = 300


def sees_every_photo(viewer: Principal, appeal: Appeal) -> bool:
    """The citizen who sent them, the platform center, the handling and co-handling
    departments, and leaders (they supervise the case and instruct on it). Admins manage the
    platform, not cases: they, like the public, see public-marked photos only."""
    if viewer.owns(appeal.citizen_id):
        return True
    if appeal.protects_reporter(viewer):
        return False  # a 举报's photo keys name the reporter's account
    if viewer.role in (Role.OPERATOR, Role.LEADER, Role.SYSTEM):
        return True
    if viewer.role is Role.DEPARTMENT:
        units = [appeal.department_id, *appeal.co_department_ids]
        return viewer.department_id is not None and viewer.department_id in units
    return False


def photo_links(appeal: Appeal, viewer: Principal | None) -> list[dict[str, Any]]:
    """A URL per photo ``viewer`` may open (None: the anonymous public). Others than those
    who see every photo get the public copies of marked photos of a public appeal only."""
    every = viewer is not None and sees_every_photo(viewer, appeal)
    marked = photos.published(appeal)
    shown_publicly = appeal.publishable and appeal.state in PUBLIC_STATES
    expires_at = clock.iso(clock.now() + timedelta(seconds=PHOTO_URL_SECONDS))
    links: list[dict[str, Any]] = []
    for index, key in enumerate(appeal.media):
        public = index in marked
        if every:
            link = {
                "index": index,
                "key": key,
                "url": media.presign_download(key, PHOTO_URL_SECONDS),
            }
        elif public and shown_publicly:
            copy = photos.public_key(appeal.id, index, key)
            link = {"index": index, "url": media.presign_download(copy, PHOTO_URL_SECONDS)}
        else:
            continue
        links.append({**link, "expires_at": expires_at, "public": public})
    return links


def publish_photo(principal: Principal, appeal_id: str, body: Any) -> Appeal:
    """Mark photo ``index`` public (or not). The public copy is made before the mark is
    written, so a marked photo always has one; taking the mark back removes the copy."""

    def copy_first(appeal: Appeal, params: dict[str, Any]) -> None:
        index = int(params["index"])
        check_photo_index(appeal, index)
        if params["public"]:
            key = appeal.media[index]
            media.copy_object(key, photos.public_key(appeal.id, index, key))

    saved = perform(
        principal, appeal_id, Action.PUBLISH_MEDIA, body, schema=PUBLISH_MEDIA, check=copy_first
    )
    if not body["public"]:
        index = int(body["index"])
        copy = photos.public_key(saved.id, index, saved.media[index])
        try:
            media.delete_object(copy)
        except ServiceUnavailable:
            # The mark is written and no URL is issued for the copy any more: not a failure
            # of the request.
            logger.warning("public photo copy not removed", extra={"key": copy})
    return saved
