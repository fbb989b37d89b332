"""Signatures, the URLs webhooks may reach, and which notices a change gives rise to."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import pytest

from chalicelib.notifications.domain import notices, signatures, webhook_urls
from chalicelib.notifications.domain.webhook_urls import UrlRefused, check


def test_the_old_scheme_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"appeal_id": "x"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signatures.sign("s3cret", 1700000000, body) == expected


def test_v2_is_hmac_sha256_of_timestamp_dot_delivery_dot_body() -> None:
    body = b'{"appeal_id": "x"}'
    expected = hmac.new(b"s3cret", b"1700000000.d-42." + body, hashlib.sha256).hexdigest()
    assert signatures.sign_v2("s3cret", 1700000000, "d-42", body) == expected


def test_outbound_carries_both_schemes_for_each_secret_until_the_transition_ends() -> None:
    body = b"{}"
    both = signatures.signature_header(["a", "b"], 1, "d-1", body, sha256=True)
    assert both == ", ".join(
        [
            f"sha256={signatures.sign('a', 1, body)}",
            f"v2={signatures.sign_v2('a', 1, 'd-1', body)}",
            f"sha256={signatures.sign('b', 1, body)}",
            f"v2={signatures.sign_v2('b', 1, 'd-1', body)}",
        ]
    )
    after = signatures.signature_header(["a"], 1, "d-1", body, sha256=False)
    assert after == f"v2={signatures.sign_v2('a', 1, 'd-1', body)}"


def test_the_transition_ends_after_its_last_day() -> None:
    from datetime import date

    last = date(2027, 6, 30)
    assert signatures.sha256_accepted(date(2027, 6, 30), last)
    assert not signatures.sha256_accepted(date(2027, 7, 1), last)


def test_v2_does_not_verify_under_another_delivery_id() -> None:
    now = time.time()
    ts = int(now)
    header = f"v2={signatures.sign_v2('s3cret', ts, 'd-1', b'{}')}"
    signatures.verify(["s3cret"], str(ts), "d-1", header, b"{}", now)
    with pytest.raises(signatures.BadSignature, match="does not match"):
        signatures.verify(["s3cret"], str(ts), "d-2", header, b"{}", now, sha256=True)


def test_the_old_scheme_verifies_only_during_the_transition() -> None:
    now = time.time()
    ts = int(now)
    header = f"sha256={signatures.sign('s3cret', ts, b'{}')}"
    signatures.verify(["s3cret"], str(ts), "d-1", header, b"{}", now, sha256=True)
    # It does not cover the delivery id: the weakness v2 closes
    signatures.verify(["s3cret"], str(ts), "d-2", header, b"{}", now, sha256=True)
    with pytest.raises(signatures.BadSignature, match="v2="):
        signatures.verify(["s3cret"], str(ts), "d-1", header, b"{}", now, sha256=False)


def test_verify_accepts_either_secret_and_refuses_the_rest() -> None:
    now = time.time()
    body = b"{}"
    ts = int(now)
    header = f"v2={signatures.sign_v2('old', ts, 'd', body)}"
    signatures.verify(["new", "old"], str(ts), "d", header, body, now)
    both = signatures.signature_header(["x", "new"], ts, "d", body, sha256=True)
    signatures.verify(["new"], str(ts), "d", both, body, now)
    stale = f"v2={signatures.sign_v2('old', ts - 301, 'd', body)}"
    for secrets, stamp, sig, sent, reason in (
        (["new"], str(ts), header, body, "does not match"),
        (["old"], str(ts), header, b"{ }", "does not match"),
        (["old"], str(ts - 301), stale, body, "300"),
        (["old"], None, header, body, "missing"),
        (["old"], "12ab", header, body, "unix seconds"),
        (["old"], "²", header, body, "unix seconds"),  # a digit int() does not read: a 500
        (["old"], str(ts), None, body, "missing"),
        (["old"], str(ts), "md5=abc", body, "v2="),
    ):
        with pytest.raises(signatures.BadSignature, match=reason):
            signatures.verify(secrets, stamp, "d", sig, sent, now, sha256=True)


@pytest.mark.parametrize(
    "value",
    [
        "é",  # not ASCII: hmac.compare_digest raises TypeError on such a str
        "é" * 64,
        "A" * 64,  # upper case
        "0" * 63,
        "0" * 65,
        "g" * 64,
        " " + "0" * 63,
    ],
    ids=["e-acute", "64-e-acute", "upper-case", "63-digits", "65-digits", "not-hex", "space"],
)
def test_a_signature_that_is_not_lowercase_hex_of_its_length_is_a_wrong_signature(
    value: str,
) -> None:
    now = time.time()
    for scheme in ("sha256", "v2"):
        with pytest.raises(signatures.BadSignature, match="does not match"):
            signatures.verify(
                ["s3cret"], str(int(now)), "d", f"{scheme}={value}", b"{}", now, sha256=True
            )


def resolver(table: dict[str, list[str]]) -> Any:
    def resolve(host: str, _port: int) -> list[str]:
        if host not in table:
            raise UrlRefused(f"{host} does not resolve")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "https://127.0.0.1/",
        "https://10.0.0.5/",
        "https://172.16.3.4/",
        "https://192.168.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[fd00:ec2::254]/",
        "https://[::ffff:10.0.0.1]/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://internal.example.gov.cn/hook",  # resolves to a private address
        "https://mixed.example.gov.cn/hook",  # one of its addresses is private
        "https://localhost/",
        "http://cases.example.gov.cn/",  # plain http
        "https://nowhere.example.gov.cn/",  # does not resolve
    ],
)
def test_prod_refuses_urls_that_reach_inside(url: str) -> None:
    resolve = resolver(
        {
            "internal.example.gov.cn": ["10.1.2.3"],
            "mixed.example.gov.cn": ["203.0.113.9", "192.168.1.1"],
            "localhost": ["127.0.0.1"],
            "cases.example.gov.cn": ["198.51.100.7"],
        }
    )
    with pytest.raises(UrlRefused):
        check(url, allow_loopback=False, resolve=resolve)


def test_public_https_is_accepted_and_pinned_to_the_address_checked() -> None:
    resolve = resolver({"cases.example.gov.cn": ["8.8.4.4"]})
    target = check(
        "https://cases.example.gov.cn:8443/in?x=1", allow_loopback=False, resolve=resolve
    )
    assert (target.host, target.port, target.path, target.addresses) == (
        "cases.example.gov.cn",
        8443,
        "/in?x=1",
        ("8.8.4.4",),
    )


def test_the_local_stage_accepts_loopback_receivers_only() -> None:
    resolve = resolver({"localhost": ["127.0.0.1"], "lan.example": ["192.168.1.2"]})
    assert check("http://127.0.0.1:9000/hook", allow_loopback=True).port == 9000
    assert check("http://localhost:9000/", allow_loopback=True, resolve=resolve).addresses == (
        "127.0.0.1",
    )
    with pytest.raises(UrlRefused, match="private"):
        check("http://lan.example/", allow_loopback=True, resolve=resolve)
    with pytest.raises(UrlRefused, match="link-local"):
        check("http://169.254.169.254/", allow_loopback=True)
    with pytest.raises(UrlRefused, match="loopback receivers only"):
        check("http://8.8.8.8/", allow_loopback=True)


def test_the_system_resolver_is_used_by_default() -> None:
    assert check("https://127.0.0.1/", allow_loopback=True).addresses == ("127.0.0.1",)
    assert webhook_urls.system_resolver("127.0.0.1", 80) == ["127.0.0.1"]


def image(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "20261128-7K3M9Q2P",
        "state": "submitted",
        "citizen_id": "citizen-1",
        "channel": "app",
        "timeline": [{"type": "submitted", "at": "t0", "data": {}}],
        "created_at": "t0",
        "updated_at": "t0",
        "comments": 0,
    }
    return {**base, **fields}


def events(*types: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "submitted", "at": "t0", "data": {}}] + [
        {"type": t, "at": f"t{i + 1}", "data": d} for i, (t, d) in enumerate(types)
    ]


def found(old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(n.type, n.kind, n.recipient) for n in notices.notices("a", old, new)]


def test_dispatch_tells_the_departments_and_the_citizen() -> None:
    old = image()
    new = image(
        state="dispatched",
        department_id="roads",
        co_department_ids=["water"],
        timeline=events(("dispatched", {"accepted": True, "round": 1})),
    )
    assert found(old, new) == [
        ("appeal.accepted", "citizen", "citizen-1"),
        ("work_order.dispatched", "department", "roads"),
        ("work_order.dispatched", "department", "water"),
        ("appeal.updated", "followers", "a"),
    ]


def test_sweep_marks_returns_merges_and_comments() -> None:
    base = events(("dispatched", {"round": 1}))
    old = image(state="dispatched", department_id="roads", timeline=base)
    warned = image(
        state="dispatched",
        department_id="roads",
        timeline=[*base, {"type": "sla_warning", "at": "t2", "data": {"stage": "sign"}}],
    )
    assert found(old, warned) == [("work_order.reminder", "department", "roads")]
    returned = image(
        state="returned", department_id="roads", timeline=[*base, {"type": "returned", "at": "t2"}]
    )
    assert found(old, returned)[0] == ("work_order.recalled", "department", "roads")
    merged = image(
        state="merged", timeline=[*base, {"type": "merged", "at": "t2", "data": {"into": "b"}}]
    )
    assert found(old, merged)[0] == ("work_order.merged", "department_of", "b")
    commented = image(state="dispatched", department_id="roads", timeline=base, comments=2)
    assert found(old, commented) == [
        ("work_order.commented", "department", "roads"),
        ("appeal.updated", "followers", "a"),
        ("work_order.commented", "department", "roads"),
        ("appeal.updated", "followers", "a"),
    ]


def test_escalations_and_deputies_go_to_every_leader_once() -> None:
    old = image()
    escalated = image(timeline=events(("escalated", {"level": 2})))
    assert found(old, escalated) == [("appeal.escalated", "leaders", "*")]
    assert found(None, image(channel="deputy")) == [("appeal.deputy", "leaders", "*")]


def test_notice_ids_are_stable_and_differ_by_recipient() -> None:
    old = image()
    new = image(
        state="dispatched",
        department_id="roads",
        co_department_ids=["water"],
        timeline=events(("dispatched", {"round": 1})),
    )
    first = [n.id for n in notices.notices("a", old, new)]
    again = [n.id for n in notices.notices("a", old, new)]
    assert first == again and len(set(first)) == len(first)


def test_the_staff_read_who_moved_their_webhook_where() -> None:
    heading, text = notices.webhook_text(
        {
            "action": "changed",
            "old_url": "https://a.example/hook",
            "url": "https://b.example/hook",
            "old_enabled": True,
            "enabled": False,
            "by": {"role": "admin", "id": "u-1", "username": "admin1"},
        }
    )
    assert heading == "部门接口已变更"
    assert text == (
        "管理员 admin1 将本部门接收工单的接口由 https://a.example/hook（启用）改为 "
        "https://b.example/hook（停用）。如非本部门要求，请立即联系平台中心。"
    )
    assert notices.webhook_text({"action": "secret_rotated", "by": {"id": "u-1"}})[0] == (
        "部门接口密钥已更换"
    )


def test_a_challenge_is_answered_by_its_hmac_with_a_valid_secret_only() -> None:
    challenge = "ab" * 32
    answer = hmac.new(b"s3cret", challenge.encode(), hashlib.sha256).hexdigest()
    assert signatures.challenge_answer("s3cret", challenge) == answer
    assert signatures.answers_challenge(["other", "s3cret"], challenge, answer)
    for wrong in (challenge, answer.upper(), answer[:-1], "é" * 64, ""):
        assert not signatures.answers_challenge(["s3cret"], challenge, wrong), wrong
    assert not signatures.answers_challenge(["other"], challenge, answer)
    assert not signatures.answers_challenge(["s3cret"], "", answer)
