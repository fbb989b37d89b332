"""Photo uploads: presigned POST policies S3 enforces, and attaching them to appeals."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3

from chalicelib.core.config import settings
from tests.integration.conftest import Stack, body
from tests.integration.test_intake_api import APPEAL, post


def ticket(client: Any, stack: Stack, token: str, payload: dict[str, Any]) -> Any:
    return client.http.post("/uploads", headers=stack.headers(token), body=json.dumps(payload))


def test_upload_ticket_policy_carries_the_key_type_and_size_conditions(
    client: Any, stack: Stack
) -> None:
    """The signed policy names the key, the content type and the size range. S3 on AWS
    refuses a POST that breaks them; moto does not check a POST policy at all (its POST
    handler stores whatever file comes, moto/s3/responses.py ``_bucket_response_post``), so
    here only the conditions themselves can be asserted, not their enforcement."""
    response = ticket(client, stack, stack.token(), {"content_type": "image/jpeg", "size": 2048})
    assert response.status_code == 201
    issued = body(response)
    policy = json.loads(base64.b64decode(issued["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"key": issued["key"]} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, settings().upload_max_bytes] in conditions
    assert {"bucket": settings().media_bucket} in conditions
    assert issued["key"].endswith(".jpg")
    assert issued["expires_at"].endswith("+08:00")


def test_upload_ticket_refuses_other_types_and_sizes(client: Any, stack: Stack) -> None:
    token = stack.token()
    not_image = ticket(client, stack, token, {"content_type": "text/html"})
    too_big = ticket(client, stack, token, {"content_type": "image/png", "size": 50 << 20})
    assert not_image.status_code == too_big.status_code == 400
    assert body(not_image)["errors"][0]["field"] == "content_type"
    assert body(too_big)["errors"][0]["field"] == "size"


def test_appeal_attaches_own_uploaded_photo_only(client: Any, stack: Stack) -> None:
    token, other = stack.token(), stack.token()
    mine = body(ticket(client, stack, token, {"content_type": "image/png"}))
    theirs = body(ticket(client, stack, other, {"content_type": "image/png"}))
    s3 = boto3.client("s3", region_name="us-east-1")
    for issued in (mine, theirs):
        s3.put_object(Bucket=settings().media_bucket, Key=issued["key"], Body=b"\x89PNG....")
    never_uploaded = body(ticket(client, stack, token, {"content_type": "image/png"}))

    rejected = post(
        client, stack, token, {**APPEAL, "media": [theirs["key"], never_uploaded["key"]]}
    )
    assert rejected.status_code == 400
    assert [e["field"] for e in body(rejected)["errors"]] == ["media[0]", "media[1]"]

    accepted = post(client, stack, token, {**APPEAL, "media": [mine["key"]]})
    assert accepted.status_code == 201
    kept = "attached/" + mine["key"].removeprefix("uploads/")
    assert body(accepted)["media"] == [kept]
    assert s3.get_object(Bucket=settings().media_bucket, Key=kept)["Body"].read() == b"\x89PNG...."


def test_no_expiry_rule_reaches_attached_photos(stack: Stack) -> None:
    """Given the bucket's lifecycle as the local stack and the deployed template set it,
    when a photo is attached, then no expiring rule matches its key, while a fresh upload
    is matched (so the rule still clears unattached uploads)."""
    from chalicelib.intake.services.uploads import attached_key
    from infra.template import media_lifecycle_rules

    upload = "uploads/citizen-1/0a.png"
    s3 = boto3.client("s3", region_name="us-east-1")
    local = s3.get_bucket_lifecycle_configuration(Bucket=settings().media_bucket)["Rules"]
    local_expiring = [r["Filter"].get("Prefix", "") for r in local if "Expiration" in r]
    deployed_expiring = [
        r.get("Prefix", "") for r in media_lifecycle_rules() if "ExpirationInDays" in r
    ]
    for prefixes in (local_expiring, deployed_expiring):
        assert any(upload.startswith(p) for p in prefixes)
        assert not any(attached_key(upload).startswith(p) for p in prefixes)
    # Export files expire too, under their own prefix, the same in both.
    assert sorted(local_expiring) == sorted(deployed_expiring)
    assert any("exports/report.xlsx".startswith(p) for p in local_expiring)
