"""The bad-input catalogue (issue 13): one test each. Every bad input gets a problem+json
answer naming what is wrong, and writes nothing (checked by reading the tables); text that
only looks dangerous (markup, SQL, emoji, rare characters) is stored and returned as text.

To see the catalogue catch a broken check: in ``chalicelib/core/http/base.py`` remove
the ``_CONTROL`` test from ``_check_text``; ``test_nul_and_control_characters`` fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import DEPARTMENT, Clock, People, shanghai

GOOD = {"kind": "complaint", "title": "路灯不亮", "content": "东门路灯坏了"}


@pytest.fixture
def people(client: Any, stack: Stack) -> Iterator[People]:
    Clock(shanghai("2026-11-26T09:00:00"))
    yield People(stack, client)
    clock.set_clock(None)


def table_items(table: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    return list(client.scan(TableName=table)["Items"])


def snapshot() -> dict[str, Any]:
    """What the writes of a request could touch: appeals, comments, idempotency, limits."""
    cfg = settings()
    return {
        name: sorted(json.dumps(i, sort_keys=True) for i in table_items(table))
        for name, table in (
            ("appeals", cfg.appeals_table),
            ("comments", cfg.comments_table),
            ("idempotency", cfg.idempotency_table),
        )
    }


def raw_post(people: People, who: str, path: str, raw: bytes | str) -> Any:
    return people.client.http.post(path, headers=people.stack.headers(people.token(who)), body=raw)


def refused(response: Any, status: int, *fields: str) -> None:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = body(response)
    assert problem["status"] == status and problem["title"] and problem["detail"]
    if fields:
        assert [e["field"] for e in problem["errors"]] == list(fields), problem


@pytest.fixture
def before(people: People) -> Iterator[dict[str, Any]]:
    """An appeal of the citizen's in the table already, and the tables as they are."""
    people.submit()
    people.token("operator")
    people.token(f"department:{DEPARTMENT}")
    yield snapshot()


def test_invalid_json(people: People, before: dict[str, Any]) -> None:
    for raw in ('{"kind": "complaint",', "[1, 2", "{'kind': 'complaint'}", "\ufeff{}x"):
        refused(raw_post(people, "citizen", "/appeals", raw), 400, "body")
    refused(raw_post(people, "citizen", "/appeals", b"\xff\xfe{}"), 400, "body")
    refused(raw_post(people, "citizen", "/appeals", "[]"), 400, "body")
    assert snapshot() == before


def test_wrong_types(people: People, before: dict[str, Any]) -> None:
    wrong = {"kind": 5, "title": ["路灯"], "content": {"text": "x"}, "is_public": "yes"}
    response = people.post("citizen", "/appeals", wrong)
    refused(response, 400, "content", "is_public", "kind", "title")
    assert snapshot() == before


def test_unknown_fields(people: People, before: dict[str, Any]) -> None:
    refused(people.post("citizen", "/appeals", {**GOOD, "priority": "high"}), 400, "priority")
    assert snapshot() == before


def test_a_body_over_the_limit(people: People, before: dict[str, Any]) -> None:
    huge = json.dumps({**GOOD, "content": "长" * 30_000})  # 90 KB of UTF-8
    response = raw_post(people, "citizen", "/appeals", huge)
    assert response.status_code == 413, response.body
    assert body(response)["field"] == "body"
    assert snapshot() == before


def test_content_of_4001_characters(people: People, before: dict[str, Any]) -> None:
    refused(people.post("citizen", "/appeals", {**GOOD, "content": "字" * 4001}), 400, "content")
    assert people.post("citizen", "/appeals", {**GOOD, "content": "字" * 4000}).status_code == 201


def test_empty_and_whitespace_only_strings(people: People, before: dict[str, Any]) -> None:
    for blank in ("", " ", "\u3000\u3000", "\n\t "):
        response = people.post("citizen", "/appeals", {**GOOD, "title": blank})
        refused(response, 400, "title")
    assert snapshot() == before


def test_nul_and_control_characters(people: People, before: dict[str, Any]) -> None:
    for text in ("路灯\x00不亮", "路灯\x1b[31m", "\x07"):
        refused(people.post("citizen", "/appeals", {**GOOD, "content": text}), 400, "content")
    nested = {**GOOD, "contact": {"name": "张\x00三"}}
    refused(people.post("citizen", "/appeals", nested), 400, "contact.name")
    assert snapshot() == before


def test_emoji_and_rare_cjk_are_stored_and_returned_intact(people: People) -> None:
    text = "𠀀𪚥𫝆 路灯😀👨‍👩‍👧 不亮 \u2028 龘"
    created = people.post("citizen", "/appeals", {**GOOD, "title": "𪚥😀", "content": text})
    assert created.status_code == 201, created.body
    shown = body(people.get("citizen", f"/appeals/{body(created)['id']}"))
    assert shown["title"] == "𪚥😀" and shown["content"] == text


def test_coordinates_out_of_range_or_not_numbers(people: People, before: dict[str, Any]) -> None:
    for location in ({"lat": 91, "lng": 0}, {"lat": 0, "lng": -180.5}, {"lat": "36.8", "lng": 0}):
        response = people.post("citizen", "/appeals", {**GOOD, "location": location})
        assert response.status_code == 400, location
        assert body(response)["errors"][0]["field"].startswith("location."), location
    for constant in ("NaN", "Infinity", "-Infinity"):
        raw = json.dumps(GOOD)[:-1] + f', "location": {{"lat": {constant}, "lng": 118}}}}'
        refused(raw_post(people, "citizen", "/appeals", raw), 400, "body")
    assert snapshot() == before


def test_script_and_sql_are_kept_as_text(people: People) -> None:
    title = "<script>alert(1)</script>"
    content = "'; DROP TABLE appeals; -- <img src=x onerror=alert(1)> {{7*7}} ${7*7}"
    created = people.post("citizen", "/appeals", {**GOOD, "title": title, "content": content})
    assert created.status_code == 201
    assert created.headers["Content-Type"].startswith("application/json")
    shown = body(people.get("citizen", f"/appeals/{body(created)['id']}"))
    assert shown["title"] == title and shown["content"] == content


def test_webhook_timestamps_far_in_the_future(client: Any, people: People) -> None:
    from tests.integration.test_webhooks import inbound, register

    secret = register(people, "http://127.0.0.1:9/hook")
    appeal_id = people.submit()["id"]
    people.act("operator", appeal_id, "dispatch")
    before = snapshot()
    from tests.support.department_system import signed_headers

    raw = json.dumps({"appeal_id": appeal_id, "action": "sign"}).encode()
    import time

    future = signed_headers(secret, raw, timestamp=int(time.time()) + 3600)
    response = client.http.post(f"/webhooks/departments/{DEPARTMENT}", headers=future, body=raw)
    assert response.status_code == 401, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert snapshot() == before
    # The same request signed now is taken (the refusal was the time, nothing else)
    assert inbound(client, secret, {"appeal_id": appeal_id, "action": "sign"}).status_code == 200


def test_ids_that_do_not_exist_or_belong_to_someone_else(
    people: People, before: dict[str, Any]
) -> None:
    mine = body(people.get("citizen", "/appeals/mine"))["items"][0]["id"]
    for appeal_id in ("20261126-ZZZZZZZZ", "not-an-id", "..%2F..%2Fetc", "%00", "2" * 300):
        response = people.get("citizen", f"/appeals/{appeal_id}")
        refused(response, 404)
        refused(people.get("operator", f"/appeals/{appeal_id}/similar"), 404)
    for asset in ("..%2F..%2Fapp.py", "__init__.py", "%00", "app.js%00", "x" * 300):
        refused(people.client.http.get(f"/console/{asset}"), 404)
        refused(people.client.http.get(f"/console/vendor/{asset}"), 404)
        refused(people.client.http.get(f"/console/lib/{asset}"), 404)
        refused(people.client.http.get(f"/console/views/{asset}"), 404)
        for folder in ("", "vendor/", "lib/", "views/"):
            refused(people.client.http.get(f"/portal/{folder}{asset}"), 404)
    refused(people.get("citizen:other", f"/appeals/{mine}"), 404)
    rating = {"score": 5, "resolved": True}
    refused(people.post("citizen:other", f"/appeals/{mine}/rating", rating), 404)
    refused(people.post(f"department:{DEPARTMENT}", f"/appeals/{mine}/sign", {}), 404)
    assert snapshot() == before


def test_cursors_from_another_user_or_query(people: People, before: dict[str, Any]) -> None:
    for _ in range(2):
        people.submit()
    page = body(people.get("citizen", "/appeals/mine?limit=1"))
    cursor = page["next_cursor"]
    assert cursor
    # Another citizen cannot page into this citizen's list with it
    refused(people.get("citizen:other", f"/appeals/mine?cursor={cursor}"), 400, "cursor")
    # Nor does it fit another list
    refused(people.get("operator", f"/work-orders?state=submitted&cursor={cursor}"), 400, "cursor")
    refused(people.get("citizen", "/appeals/mine?cursor=bm90LWEtY3Vyc29y"), 400, "cursor")
    refused(people.get("citizen", "/appeals/mine?cursor=%%%"), 400, "cursor")
    refused(people.get("citizen", "/appeals/mine?limit=0"), 400, "limit")
    refused(people.get("citizen", "/appeals/mine?limit=101"), 400, "limit")


def test_knowledge_base_bodies_queries_and_ids(people: People, before: dict[str, Any]) -> None:
    """Articles, search and the direct reply: each bad input named, nothing written."""
    knowledge = settings().knowledge_table
    article = {"title": "停水查询", "answer": "请关注供水公司公告。", "category": "water-supply"}
    created = people.post("operator", "/knowledge/articles", article)
    assert created.status_code == 201, created.body
    path = f"/knowledge/articles/{body(created)['id']}"
    kept = sorted(json.dumps(i, sort_keys=True) for i in table_items(knowledge))
    for bad, fields in (
        ({**article, "title": 5, "public": "yes"}, ("public", "title")),
        ({**article, "priority": 1}, ("priority",)),
        ({**article, "answer": "\u3000 "}, ("answer",)),
        ({**article, "answer": "答\x00复"}, ("answer",)),
        ({**article, "answer": "字" * 4001}, ("answer",)),
        ({**article, "questions": ["同一个", "同一个"]}, ("questions",)),
        ({**article, "review_at": "2026-13-01"}, ("review_at",)),
        ({**article, "valid_from": "2026-06-01", "valid_to": "2026-05-31"}, ("valid_to",)),
        ({**article, "category": "no-such-category"}, ("category",)),
    ):
        refused(people.post("operator", "/knowledge/articles", bad), 400, *fields)
    operator = people.stack.headers(people.token("operator"))
    for bad, fields in (({}, ("body",)), ({"version": 0}, ("version",)), ({"x": 1}, ("x",))):
        response = people.client.http.put(path, headers=operator, body=json.dumps(bad))
        refused(response, 400, *fields)
    refused(people.get("operator", "/knowledge/search"), 400, "q")
    refused(people.get("operator", "/knowledge/search?q=%E5%81%9C&limit=21"), 400, "limit")
    refused(people.get("operator", "/knowledge/search?q=%E5%81%9C&category=nope"), 400, "category")
    refused(people.get("operator", "/knowledge/articles?cursor=%%%"), 400, "cursor")
    refused(people.get("operator", "/knowledge/articles/kb-does-not-exist"), 404)
    refused(people.get("operator", "/knowledge/articles/" + "k" * 3000), 404)
    refused(people.post("citizen", "/knowledge/articles/" + "k" * 3000 + "/helpful"), 404)
    long_category = "/knowledge/search?q=%E5%81%9C&category=" + "a" * 3000
    refused(people.get("operator", long_category), 400, "category")
    refused(people.post("citizen", "/knowledge/articles/kb-does-not-exist/helpful"), 404)
    appeal = people.submit(kind="consultation")["id"]
    state = snapshot()
    for bad, fields in (
        ({}, ("article_id",)),
        ({"article_id": "../etc"}, ("article_id",)),
        ({"article_id": body(created)["id"], "content": ""}, ("content",)),
    ):
        refused(people.act("operator", appeal, "direct-reply", bad), 400, *fields)
    assert snapshot() == state
    assert sorted(json.dumps(i, sort_keys=True) for i in table_items(knowledge)) == kept
