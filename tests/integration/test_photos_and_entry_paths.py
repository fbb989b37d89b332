"""Every way an appeal enters is validated the same way; its photos open, through
short-lived presigned URLs, for those who may see them, and for the public only once the
platform center marks a photo public."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
import requests

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.store import appeals as store
from chalicelib.intake.services import intake
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, OTHER_DEPARTMENT, People
from tests.integration.test_uploads import ticket

BAD_APPEAL = {
    "kind": "grievance",
    "title": " ",
    "content": "x" * 4001,
    "colour": "red",
    "is_public": "yes",
    "location": {"lat": 91, "lng": 117.9},
}


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    yield People(stack, client)
    clock.set_clock(None)


def appeal_count(stack: Stack) -> int:
    return len(stack.items(settings().appeals_table))


def test_operator_entered_appeals_are_validated_like_submitted_ones(
    client: Any, stack: Stack
) -> None:
    citizen = Principal("citizen-by-phone", Role.CITIZEN)
    # Given the same bad body, submitted by the citizen and entered on their behalf
    with pytest.raises(ValidationFailed) as submitted:
        intake.submit_appeal(citizen, BAD_APPEAL)
    with pytest.raises(ValidationFailed) as recorded:
        intake.record_appeal(citizen, {**BAD_APPEAL, "channel": "hotline"})
    # Then both paths name the same fields with the same messages, and store nothing
    assert recorded.value.errors == submitted.value.errors
    fields = {e["field"] for e in recorded.value.errors}
    assert {"kind", "title", "content", "colour", "is_public", "location.lat"} <= fields
    assert appeal_count(stack) == 0

    good = {"kind": "complaint", "title": "路灯不亮", "content": "东门路灯坏了"}
    # An entered appeal names its channel, one of the platform's
    for channel, message in ((None, "is required"), ("fax", "must be one of")):
        request = {**good, "channel": channel} if channel else good
        with pytest.raises(ValidationFailed) as refused:
            intake.record_appeal(citizen, request)
        assert refused.value.errors[0]["field"] == "channel"
        assert refused.value.errors[0]["message"].startswith(message)
    with pytest.raises(ValidationFailed) as not_object:
        intake.record_appeal(citizen, ["kind"])  # type: ignore[arg-type]
    assert not_object.value.errors == [{"field": "body", "message": "must be a JSON object"}]
    with pytest.raises(ValidationFailed) as unknown:
        intake.record_appeal(citizen, {**good, "channel": "hotline", "category": "no-such"})
    assert unknown.value.errors == [{"field": "category", "message": "is not a known category"}]
    assert appeal_count(stack) == 0

    # And a good one is stored with its channel
    stored = intake.record_appeal(citizen, {**good, "channel": "hotline"})
    assert stored.channel.value == "hotline"
    assert appeal_count(stack) == 1


def upload(people: People, who: str = "citizen", content: bytes = b"\x89PNG-photo") -> str:
    issued = body(
        ticket(people.client, people.stack, people.token(who), {"content_type": "image/png"})
    )
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=settings().media_bucket, Key=issued["key"], Body=content
    )
    return str(issued["key"])


def photos(people: People, who: str, appeal_id: str) -> list[dict[str, Any]]:
    response = people.get(who, f"/appeals/{appeal_id}")
    assert response.status_code == 200, (who, response.body)
    return list(body(response)["photos"])


def test_photos_open_for_the_owner_the_center_and_the_departments_only(people: People) -> None:
    # Given a public appeal with two photos, dispatched with a co-handling department
    keys = [upload(people, content=b"photo-0"), upload(people, content=b"photo-1")]
    appeal = people.submit(is_public=True, media=keys)
    dispatched = people.act(
        "operator",
        appeal["id"],
        "dispatch",
        {"department_id": DEPARTMENT, "co_department_ids": [OTHER_DEPARTMENT]},
    )
    assert dispatched.status_code == 200, dispatched.body
    soon = clock.now() + timedelta(minutes=10)

    # When the people who handle it read it, they get a working URL per photo
    handlers = ("citizen", "operator", f"department:{DEPARTMENT}")
    for who in (*handlers, f"department:{OTHER_DEPARTMENT}", "leader"):
        links = photos(people, who, appeal["id"])
        assert [link["index"] for link in links] == [0, 1], who
        # the appeal keeps its own copies, out of reach of the upload expiry
        assert [link["key"] for link in links] == [
            k.replace("uploads/", "attached/", 1) for k in keys
        ]
        assert all(link["public"] is False for link in links)
        assert all(clock.parse_iso(link["expires_at"]) < soon for link in links)
        assert requests.get(links[1]["url"], timeout=5).content == b"photo-1"

    # But another citizen, who sees the public appeal, and an admin get none
    assert photos(people, "citizen:someone-else", appeal["id"]) == []
    assert photos(people, "admin", appeal["id"]) == []


def test_operator_marks_a_photo_public_and_only_that_one_is_shown(people: People) -> None:
    # Given a public, accepted appeal with two photos
    keys = [upload(people, content=b"photo-0"), upload(people, content=b"photo-1")]
    appeal = people.submit(is_public=True, media=keys)
    stored = store.get(appeal["id"])
    assert stored is not None
    owner = stored.citizen_id
    assert people.act("operator", appeal["id"], "accept").status_code == 200
    path = f"/appeals/{appeal['id']}/media/publish"

    # When the operator marks the second photo public
    marked = people.post("operator", path, {"index": 1, "public": True})
    assert marked.status_code == 200, marked.body
    assert body(marked)["timeline"][-1]["type"] == "media_published"

    # Then another citizen gets that photo alone, from a copy that does not name its owner
    public = photos(people, "citizen:someone-else", appeal["id"])
    assert [(p["index"], p["public"]) for p in public] == [(1, True)]
    assert "key" not in public[0]
    assert owner not in public[0]["url"] and "uploads/" not in public[0]["url"]
    assert requests.get(public[0]["url"], timeout=5).content == b"photo-1"
    # and the owner sees both, the second marked public
    assert [p["public"] for p in photos(people, "citizen", appeal["id"])] == [False, True]

    # Bad requests name the field; the same mark twice is a conflict; only the center marks
    for payload, field in (
        ({"index": 2, "public": True}, "index"),
        ({"index": -1, "public": True}, "index"),
        ({"index": 0, "public": "yes"}, "public"),
        ({"public": True}, "index"),
        ({"index": 0, "public": True, "why": 1}, "why"),
    ):
        refused = people.post("operator", path, payload)
        assert refused.status_code == 400, payload
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert body(refused)["errors"][0]["field"] == field
    assert people.post("operator", path, {"index": 1, "public": True}).status_code == 409
    for who in ("citizen", "leader", f"department:{DEPARTMENT}"):
        assert people.post(who, path, {"index": 0, "public": True}).status_code == 403

    # When the operator takes the mark back, the public sees no photo again
    assert people.post("operator", path, {"index": 1, "public": False}).status_code == 200
    assert photos(people, "citizen:someone-else", appeal["id"]) == []
    assert len(store.get(appeal["id"]).timeline) == 4  # type: ignore[union-attr]


def test_a_private_appeal_s_photos_stay_hidden_even_when_marked(people: People) -> None:
    appeal = people.submit(is_public=False, media=[upload(people)])
    path = f"/appeals/{appeal['id']}/media/publish"
    assert people.post("operator", path, {"index": 0, "public": True}).status_code == 200
    assert people.get("citizen:someone-else", f"/appeals/{appeal['id']}").status_code == 404
    assert photos(people, "admin", appeal["id"]) == []
