"""Citizen intake over the real Chalice app and handlers, against moto."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from chalicelib.core.config import settings
from tests.integration.conftest import Stack, body

APPEAL = {
    "kind": "complaint",
    "title": "小区东门路灯不亮",
    "content": "般阳路街道某小区东门的路灯已经坏了两周，晚上出行不便。",
    "category": "road-facilities",
    "location": {"lat": 36.6433, "lng": 117.9667, "address": "般阳路 1 号"},
    "contact": {"name": "张三", "phone": "13812341234"},
    "is_public": False,
}


def post(client: Any, stack: Stack, token: str, payload: Any, **headers: str) -> Any:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return client.http.post("/appeals", headers=stack.headers(token, **headers), body=raw)


def appeal_count(stack: Stack) -> int:
    return len(stack.items(settings().appeals_table))


def test_citizen_submits_and_reads_back_with_timeline(client: Any, stack: Stack) -> None:
    # Given a citizen signed in through the user pool
    username, password = stack.user("citizen")
    token = stack.sign_in(username, password)
    # When they submit an appeal
    created = post(client, stack, token, APPEAL)
    # Then it is stored as submitted, with one event by them
    assert created.status_code == 201
    appeal = body(created)
    assert created.headers["Location"] == f"/appeals/{appeal['id']}"
    assert appeal["state"] == "submitted"
    assert appeal["channel"] == "app"
    assert appeal["contact"] == APPEAL["contact"]
    assert appeal["created_at"].endswith("+08:00")
    [event] = appeal["timeline"]
    assert event["type"] == "submitted"
    assert event["actor"]["role"] == "citizen"
    assert event["at"] == appeal["created_at"]
    # And reading it back gives the same appeal, with presigned URLs of its photos (none)
    read = client.http.get(f"/appeals/{appeal['id']}", headers=stack.headers(token))
    assert read.status_code == 200
    read_back = body(read)
    assert read_back.pop("photos") == []
    assert read_back == appeal
    assert appeal_count(stack) == 1


def test_tampered_token_is_refused(client: Any, stack: Stack) -> None:
    token = stack.token("citizen")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    response = post(client, stack, f"{header}.{forged}.{signature}", APPEAL)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert body(response)["status"] == 401
    assert appeal_count(stack) == 0


def test_expired_token_is_refused(client: Any, stack: Stack) -> None:
    username, _password = stack.user("citizen")
    expired, _ = stack.moto_pool().create_jwt(stack.client_id, username, "id", expires_in=-60)
    response = post(client, stack, expired, APPEAL)
    assert response.status_code == 401
    assert "expired" in body(response)["detail"]


def test_token_for_another_app_client_is_refused(client: Any, stack: Stack) -> None:
    username, _password = stack.user("citizen")
    other = stack.cognito.create_user_pool_client(UserPoolId=stack.pool_id, ClientName="other")
    token, _ = stack.moto_pool().create_jwt(other["UserPoolClient"]["ClientId"], username, "id")
    assert post(client, stack, token, APPEAL).status_code == 401


def test_token_signed_with_another_key_is_refused(client: Any, stack: Stack) -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    genuine = jwt.decode(stack.token("citizen"), options={"verify_signature": False})
    forged = jwt.encode(genuine, key, algorithm="RS256", headers={"kid": "dummy"})
    assert post(client, stack, forged, APPEAL).status_code == 401


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Basic Y2l0aXplbjpwdw==", "Bearer not-a-jwt"],
)
def test_missing_or_malformed_authorization_is_401(client: Any, header: str | None) -> None:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Authorization"] = header
    response = client.http.post("/appeals", headers=headers, body=json.dumps(APPEAL))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_private_appeal_is_404_for_another_citizen(client: Any, stack: Stack) -> None:
    owner, other = stack.token("citizen"), stack.token("citizen")
    appeal = body(post(client, stack, owner, APPEAL))
    # Given another citizen, the appeal does not exist, exactly like an unknown id
    theirs = client.http.get(f"/appeals/{appeal['id']}", headers=stack.headers(other))
    unknown = client.http.get("/appeals/20261126-ZZZZZZZZ", headers=stack.headers(other))
    assert theirs.status_code == unknown.status_code == 404
    assert body(theirs)["title"] == body(unknown)["title"]
    # And a department that it was never dispatched to cannot see it either
    staff = stack.token("department", "transport-bureau")
    assert (
        client.http.get(f"/appeals/{appeal['id']}", headers=stack.headers(staff)).status_code == 404
    )
    # While the platform center operator can
    operator = stack.token("operator")
    seen = client.http.get(f"/appeals/{appeal['id']}", headers=stack.headers(operator))
    assert seen.status_code == 200
    assert body(seen)["contact"]["phone"] == "13812341234"


def test_leader_sees_contact_masked(client: Any, stack: Stack) -> None:
    appeal = body(post(client, stack, stack.token("citizen"), APPEAL))
    leader = stack.token("leader")
    seen = body(client.http.get(f"/appeals/{appeal['id']}", headers=stack.headers(leader)))
    assert seen["contact"] == {"name": "张*", "phone": "138****1234"}


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"title": 5}, ["title"]),
        ({"is_public": "yes"}, ["is_public"]),
        ({"content": None}, ["content"]),
        ({"content": "x" * 4001}, ["content"]),
        ({"content": "   "}, ["content"]),
        ({"kind": "praise"}, ["kind"]),
        ({"location": {"lat": 91, "lng": 117.9}}, ["location.lat"]),
        ({"location": {"lat": 36.6}}, ["location.lng"]),
        ({"contact": {"phone": "call me"}}, ["contact.phone"]),
        ({"media": [f"uploads/x/{i}.jpg" for i in range(10)]}, ["media"]),
        ({"colour": "red", "priority": 1}, ["colour", "priority"]),
        ({"category": "no-such-category"}, ["category"]),
        ({"channel": "hotline"}, ["channel"]),
    ],
)
def test_bad_body_is_400_naming_fields_and_stores_nothing(
    client: Any, stack: Stack, change: dict[str, Any], fields: list[str]
) -> None:
    response = post(client, stack, stack.token("citizen"), {**APPEAL, **change})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = body(response)
    assert sorted(e["field"] for e in problem["errors"]) == sorted(fields)
    assert all(e["message"] for e in problem["errors"])
    assert appeal_count(stack) == 0


@pytest.mark.parametrize("missing", ["kind", "title", "content"])
def test_missing_required_field_is_named(client: Any, stack: Stack, missing: str) -> None:
    payload = {k: v for k, v in APPEAL.items() if k != missing}
    response = post(client, stack, stack.token("citizen"), payload)
    assert response.status_code == 400
    assert [e["field"] for e in body(response)["errors"]] == [missing]
    assert appeal_count(stack) == 0


def test_content_of_exactly_4000_characters_is_accepted(client: Any, stack: Stack) -> None:
    response = post(client, stack, stack.token("citizen"), {**APPEAL, "content": "路" * 4000})
    assert response.status_code == 201
    assert len(body(response)["content"]) == 4000


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"'])
def test_non_object_json_is_400_on_body(client: Any, stack: Stack, raw: str) -> None:
    response = post(client, stack, stack.token("citizen"), raw)
    assert response.status_code == 400
    assert body(response)["errors"][0]["field"] == "body"


def test_only_citizens_submit(client: Any, stack: Stack) -> None:
    response = post(client, stack, stack.token("operator"), APPEAL)
    assert response.status_code == 403
    assert appeal_count(stack) == 0


def test_idempotency_key_repeat_returns_first_response_and_stores_one(
    client: Any, stack: Stack
) -> None:
    token = stack.token("citizen")
    first = post(client, stack, token, APPEAL, **{"Idempotency-Key": "app-7f3a"})
    again = post(client, stack, token, APPEAL, **{"Idempotency-Key": "app-7f3a"})
    assert first.status_code == again.status_code == 201
    assert body(again) == body(first)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert appeal_count(stack) == 1


def test_idempotency_key_with_another_body_is_refused(client: Any, stack: Stack) -> None:
    token = stack.token("citizen")
    post(client, stack, token, APPEAL, **{"Idempotency-Key": "k-1"})
    other = post(
        client, stack, token, {**APPEAL, "title": "另一件事"}, **{"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 422
    assert appeal_count(stack) == 1


def test_idempotency_keys_are_per_citizen(client: Any, stack: Stack) -> None:
    for token in (stack.token("citizen"), stack.token("citizen")):
        assert post(client, stack, token, APPEAL, **{"Idempotency-Key": "same"}).status_code == 201
    assert appeal_count(stack) == 2


def test_failed_validation_does_not_burn_the_idempotency_key(client: Any, stack: Stack) -> None:
    token = stack.token("citizen")
    bad = post(client, stack, token, {**APPEAL, "category": "nope"}, **{"Idempotency-Key": "k"})
    assert bad.status_code == 400
    good = post(
        client,
        stack,
        token,
        {**APPEAL, "category": "nope"} | {"category": "heating"},
        **{"Idempotency-Key": "k"},
    )
    assert good.status_code == 201


def test_my_appeals_page_newest_first_and_only_mine(client: Any, stack: Stack) -> None:
    me, other = stack.token("citizen"), stack.token("citizen")
    ids = [body(post(client, stack, me, {**APPEAL, "title": f"第{i}件"}))["id"] for i in range(5)]
    post(client, stack, other, APPEAL)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "/appeals/mine?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = body(client.http.get(query, headers=stack.headers(me)))
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == list(reversed(ids))
    assert "content" not in page["items"][0]


def test_cursor_from_another_citizen_is_refused(client: Any, stack: Stack) -> None:
    me, other = stack.token("citizen"), stack.token("citizen")
    for _ in range(3):
        post(client, stack, other, APPEAL)
    theirs = body(client.http.get("/appeals/mine?limit=1", headers=stack.headers(other)))
    response = client.http.get(
        f"/appeals/mine?limit=1&cursor={theirs['next_cursor']}", headers=stack.headers(me)
    )
    assert response.status_code == 400
    assert body(response)["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "cursor=%%%"])
def test_bad_paging_parameters_are_400(client: Any, stack: Stack, query: str) -> None:
    response = client.http.get(f"/appeals/mine?{query}", headers=stack.headers(stack.token()))
    assert response.status_code == 400
    assert body(response)["errors"][0]["field"] in ("limit", "cursor")
