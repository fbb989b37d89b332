"""Every route of the app's route table × every caller, with the status each must get
(OWASP API Top 10, 2023: API1 broken object-level authorization, API5 broken
function-level authorization, API3 broken object-property-level authorization).

The expectations are written here, route by route, not derived from the routes' own
declarations: a route added to the app without an entry here fails
``test_every_route_has_an_entry``, and a route whose guard is wrong fails the matrix.

To see the matrix catch a broken guard: in ``chalicelib/work_orders/services/transitions.py``
``load_for``, remove the line that raises NotFound for a citizen who does not own the
appeal; ``test_the_matrix`` then fails on ``POST /appeals/{appeal_id}/rating`` for
``other`` and ``deputy`` (they get 200: they rate a stranger's appeal)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.core.domain import clock
from tests.integration.conftest import Stack, body
from tests.integration.lifecycle_helpers import (
    DEPARTMENT,
    OTHER_DEPARTMENT,
    VALID_BODIES,
    Clock,
    People,
    shanghai,
)

CO_DEPARTMENT = "water-supply-company"
# The staff account the users routes act on, and the CSV header of an import.
MATRIX_STAFF = "matrix.staff"
CSV_HEADER = "username,name,role,department_id,email,phone\n"

# The callers. ``system`` is a department's own system: it holds a signing secret, never
# a user token.
ANON, OWNER, OTHER, DEPUTY = "anon", "owner", "other", "deputy"
OPERATOR, LEADER, ADMIN = "operator", "leader", "admin"
DEPT, OTHER_DEPT, CO_DEPT, SYSTEM = "dept", "other_dept", "co_dept", "system"
CALLERS = (ANON, OWNER, OTHER, DEPUTY, OPERATOR, DEPT, OTHER_DEPT, CO_DEPT, LEADER, ADMIN, SYSTEM)
CITIZENS = (OWNER, OTHER, DEPUTY)
STAFF = (OPERATOR, DEPT, OTHER_DEPT, CO_DEPT, LEADER, ADMIN)
SIGNED_IN = CITIZENS + STAFF
EVERYONE = CALLERS

OK = "ok"  # allowed: 2xx. A 409 is only ever expected where a row says 409 for that caller.


def rule(allowed: tuple[str, ...], hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    """``allowed`` succeed; ``hidden`` get 404 (they may not learn the object exists);
    every other signed-in caller 403; callers without a token (anon, system) 401."""
    expected: dict[str, Any] = {}
    for caller in CALLERS:
        if caller in allowed:
            expected[caller] = OK
        elif caller in hidden:
            expected[caller] = 404
        elif caller in (ANON, SYSTEM):
            expected[caller] = 401
        else:
            expected[caller] = 403
    return expected


def public() -> dict[str, Any]:
    return {caller: OK for caller in CALLERS}


def same(status: int) -> dict[str, Any]:
    """A public route whose answer does not depend on who calls (its own credential is
    in the request: a token in the path, a signature)."""
    return {caller: status for caller in CALLERS}


# What an appeal needs to be in for the step to be taken (the allowed caller gets 2xx).
STATE_FOR = {
    "accept": "submitted",
    "reject": "submitted",
    "transfer": "submitted",
    "merge": "submitted",
    "dispatch": "submitted",
    "sign": "dispatched",
    "return": "dispatched",
    "contact": "signed",
    "extension": "signed",
    "extension/decision": "extension",
    "reply": "contacted",
    "reply/check": "contacted",
    "rating": "replied",
    "callback": "replied",
    "rating/review": "rated",
    "direct-reply": "submitted",
}

STAFF_READ = rule((OPERATOR, DEPT, OTHER_DEPT, CO_DEPT, LEADER, ADMIN))
ADMIN_ONLY = rule((ADMIN,))
OPERATOR_ONLY = rule((OPERATOR,))
LEAD_DEPARTMENT = {**rule((DEPT,), hidden=(OTHER_DEPT,)), CO_DEPT: 403}

MATRIX: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/"): public(),
    ("GET", "/dashboard/{asset}"): public(),
    ("GET", "/console"): same(301),  # to /console/, where the page's relative links resolve
    ("GET", "/console/{asset}"): public(),
    ("GET", "/console/vendor/{asset}"): public(),
    ("GET", "/console/lib/{asset}"): public(),
    ("GET", "/console/views/{asset}"): public(),
    ("GET", "/portal"): same(301),  # to /portal/, where the page's relative links resolve
    ("GET", "/portal/{asset}"): public(),
    ("GET", "/portal/vendor/{asset}"): public(),
    ("GET", "/portal/lib/{asset}"): public(),
    ("GET", "/portal/views/{asset}"): public(),
    ("GET", "/public/categories"): public(),
    ("GET", "/public/departments"): public(),
    ("GET", "/openapi.json"): public(),
    ("GET", "/public/appeals"): public(),
    ("GET", "/public/appeals/{appeal_id}"): same(404),  # the matrix's appeal is private
    ("GET", "/public/daily-volume"): public(),
    ("GET", "/public/hot-topics"): public(),
    ("GET", "/public/rankings"): public(),
    ("GET", "/public/stats"): public(),
    ("GET", "/public/trends"): public(),
    ("POST", "/appeals"): rule(CITIZENS),
    ("GET", "/appeals/mine"): rule(CITIZENS),
    ("POST", "/uploads"): rule(CITIZENS),
    ("GET", "/appeals/{appeal_id}"): rule(
        (OWNER, OPERATOR, DEPT, CO_DEPT, LEADER, ADMIN), hidden=(OTHER, DEPUTY, OTHER_DEPT)
    ),
    ("POST", "/appeals/{appeal_id}/accept"): OPERATOR_ONLY,
    ("POST", "/appeals/{appeal_id}/reject"): OPERATOR_ONLY,
    ("POST", "/appeals/{appeal_id}/dispatch"): OPERATOR_ONLY,
    ("POST", "/appeals/{appeal_id}/merge"): OPERATOR_ONLY,
    ("GET", "/appeals/{appeal_id}/similar"): OPERATOR_ONLY,
    ("POST", "/appeals/{appeal_id}/extension/decision"): OPERATOR_ONLY,
    ("POST", "/appeals/{appeal_id}/media/publish"): OPERATOR_ONLY,
    ("POST", "/appeals/{appeal_id}/escalate"): rule((OPERATOR, LEADER)),
    ("POST", "/appeals/{appeal_id}/transfer"): OPERATOR_ONLY,
    ("POST", "/appeals/{appeal_id}/urge"): rule((OPERATOR, LEADER)),
    ("POST", "/appeals/{appeal_id}/callback"): OPERATOR_ONLY,
    ("GET", "/callbacks"): OPERATOR_ONLY,
    ("POST", "/appeals/{appeal_id}/rating/review"): rule((LEADER, ADMIN)),
    ("POST", "/appeals/{appeal_id}/sign"): LEAD_DEPARTMENT,
    ("POST", "/appeals/{appeal_id}/contact"): LEAD_DEPARTMENT,
    ("POST", "/appeals/{appeal_id}/reply"): LEAD_DEPARTMENT,
    ("POST", "/appeals/{appeal_id}/return"): LEAD_DEPARTMENT,
    ("POST", "/appeals/{appeal_id}/extension"): LEAD_DEPARTMENT,
    ("POST", "/appeals/{appeal_id}/note"): LEAD_DEPARTMENT,
    ("POST", "/appeals/{appeal_id}/comments"): rule((LEADER,)),
    ("GET", "/appeals/{appeal_id}/comments"): rule(
        (OPERATOR, DEPT, CO_DEPT, LEADER, ADMIN), hidden=(OTHER_DEPT,)
    ),
    ("PUT", "/appeals/{appeal_id}/follow"): rule((LEADER,)),
    ("DELETE", "/appeals/{appeal_id}/follow"): rule((LEADER,)),
    ("GET", "/me/following"): rule((LEADER,)),
    ("POST", "/appeals/{appeal_id}/rating"): rule((OWNER,), hidden=(OTHER, DEPUTY)),
    # 附议 is for public appeals: any citizen may, but not on their own appeal (409).
    ("PUT", "/appeals/{appeal_id}/support"): {**rule(CITIZENS), OWNER: 409},
    ("DELETE", "/appeals/{appeal_id}/support"): rule(CITIZENS),
    ("GET", "/supervision"): rule((OPERATOR, LEADER, ADMIN)),
    ("POST", "/appeals/{appeal_id}/reply/check"): LEAD_DEPARTMENT,
    ("GET", "/alerts"): rule((OPERATOR, LEADER)),
    ("POST", "/alerts/{alert_id}/act"): OPERATOR_ONLY,
    ("POST", "/alerts/{alert_id}/work-order"): OPERATOR_ONLY,
    ("GET", "/work-orders"): STAFF_READ,
    ("GET", "/departments"): STAFF_READ,
    ("POST", "/departments"): ADMIN_ONLY,
    ("PUT", "/departments/{department_id}"): ADMIN_ONLY,
    ("GET", "/categories"): STAFF_READ,
    ("POST", "/categories"): ADMIN_ONLY,
    ("PUT", "/categories/{code}"): ADMIN_ONLY,
    ("GET", "/calendar/{year}"): STAFF_READ,
    ("PUT", "/calendar/{year}"): ADMIN_ONLY,
    ("GET", "/departments/{department_id}/webhook"): ADMIN_ONLY,
    ("PUT", "/departments/{department_id}/webhook"): ADMIN_ONLY,
    ("POST", "/departments/{department_id}/webhook/secret"): ADMIN_ONLY,
    # The matrix's registration has no previous secret: the admin's call is a 409.
    ("POST", "/departments/{department_id}/webhook/secret/revoke-previous"): ADMIN_ONLY,
    # The department's own staff read who changed its webhook; other departments do not.
    ("GET", "/departments/{department_id}/webhook/history"): rule((ADMIN, DEPT)),
    # A new challenge to the registered URL: the admin, or the department's own staff.
    ("POST", "/departments/{department_id}/webhook/verify"): rule((ADMIN, DEPT)),
    ("GET", "/deliveries"): ADMIN_ONLY,
    ("POST", "/deliveries/redrive"): ADMIN_ONLY,
    ("POST", "/deliveries/{delivery_id}/redrive"): ADMIN_ONLY,
    ("POST", "/webhooks/departments/{department_id}"): {
        **{caller: 401 for caller in CALLERS},
        SYSTEM: OK,
    },
    # A department's system reads its own work orders, signed with its secret; a token is
    # no signature.
    **{
        ("GET", path): {**{caller: 401 for caller in CALLERS}, SYSTEM: OK}
        for path in (
            "/department-systems/{department_id}/work-orders",
            "/department-systems/{department_id}/work-orders/{appeal_id}",
            "/department-systems/{department_id}/work-orders/{appeal_id}/comments",
        )
    },
    ("GET", "/me/notifications"): rule(SIGNED_IN),
    # Marking read a notification that is not the caller's own (here: none is) is a 404.
    ("POST", "/me/notifications/read"): rule((), hidden=SIGNED_IN),
    ("GET", "/report-recipients"): ADMIN_ONLY,
    ("PUT", "/report-recipients"): ADMIN_ONLY,
    ("GET", "/reports/daily"): rule((LEADER, ADMIN)),
    ("GET", "/reports/monthly"): rule((LEADER, ADMIN)),
    # A department reads its own week only.
    ("GET", "/reports/weekly"): {
        **rule((LEADER, ADMIN, DEPT)),
        OTHER_DEPT: 403,
        CO_DEPT: 403,
    },
    ("GET", "/mailbox/messages"): rule((OPERATOR, ADMIN)),
    ("POST", "/hotline/appeals"): OPERATOR_ONLY,
    ("GET", "/hotline/callers/{phone}/appeals"): OPERATOR_ONLY,
    ("POST", "/open311/keys"): ADMIN_ONLY,
    ("DELETE", "/open311/keys/{key_id}"): ADMIN_ONLY,
    ("GET", "/open311/v2/discovery.json"): public(),
    ("GET", "/open311/v2/discovery.xml"): public(),
    ("GET", "/open311/v2/services.json"): public(),
    ("GET", "/open311/v2/services.xml"): public(),
    ("GET", "/open311/v2/services/{service_file}"): public(),
    ("GET", "/open311/v2/requests.json"): public(),
    ("GET", "/open311/v2/requests.xml"): public(),
    ("GET", "/open311/v2/requests/{request_file}"): same(404),  # private appeal
    ("POST", "/open311/v2/requests.json"): public(),  # the API key is in the form
    ("POST", "/open311/v2/requests.xml"): public(),
    # The SMS link's token is the credential: a token never issued opens nothing.
    ("GET", "/r/{token}"): same(404),
    ("POST", "/r/{token}"): same(404),
    # WeChat's signature is the credential: a request without one is refused.
    ("GET", "/wechat"): same(403),
    ("POST", "/wechat"): same(403),
    # The knowledge base: staff read; the center and departments write (a department its
    # own articles: the matrix's article is DEPT's); citizens search public articles and
    # say one helped; the center replies directly to a consultation (the matrix asks on one).
    ("GET", "/knowledge/articles"): STAFF_READ,
    ("POST", "/knowledge/articles"): rule((OPERATOR, DEPT, OTHER_DEPT, CO_DEPT, ADMIN)),
    ("GET", "/knowledge/articles/{article_id}"): STAFF_READ,
    ("PUT", "/knowledge/articles/{article_id}"): rule((OPERATOR, DEPT, ADMIN)),
    ("GET", "/knowledge/search"): rule(SIGNED_IN),
    ("POST", "/knowledge/articles/{article_id}/helpful"): rule(CITIZENS),
    ("POST", "/appeals/{appeal_id}/direct-reply"): OPERATOR_ONLY,
    # Staff accounts: the admin's; other staff read the directory (contacts masked).
    ("GET", "/users"): STAFF_READ,
    ("POST", "/users"): ADMIN_ONLY,
    ("POST", "/users/import"): ADMIN_ONLY,
    ("PATCH", "/users/{username}"): ADMIN_ONLY,
    ("POST", "/users/{username}/disable"): ADMIN_ONLY,
    ("POST", "/users/{username}/enable"): ADMIN_ONLY,
    ("POST", "/users/{username}/reset-password"): ADMIN_ONLY,
    ("POST", "/users/{username}/sign-out"): ADMIN_ONLY,
    ("GET", "/users/{username}/history"): ADMIN_ONLY,
    # Exports: the center, leaders and admins ask; an export is read by whoever asked for
    # it (the matrix's is the operator's) and by admins, hidden from anyone else.
    ("POST", "/exports"): rule((OPERATOR, LEADER, ADMIN)),
    ("GET", "/exports/{export_id}"): rule((OPERATOR, ADMIN), hidden=(LEADER,)),
}


def test_every_route_has_an_entry() -> None:
    """A route added to the app without its row here fails: the matrix is the route
    table's, not a sample."""
    from app import app  # noqa: F401  (registers every route)
    from chalicelib.core.http.base import all_routes

    declared = {(r.method, r.path) for r in all_routes()}
    assert declared - set(MATRIX) == set(), "routes without an entry in the matrix"
    assert set(MATRIX) - declared == set(), "entries for routes the app does not have"
    for key, expected in MATRIX.items():
        assert set(expected) == set(CALLERS), key


# -- the world the matrix runs in --------------------------------------------------------


@dataclass
class World:
    people: People
    stack: Stack
    client: Any
    tokens: dict[str, str] = field(default_factory=dict)
    webhook_secret: str = ""
    api_key: str = ""
    key_id: str = ""
    delivery_id: str = ""
    article_id: str = ""
    export_id: str = ""

    def headers(self, caller: str, **extra: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **extra}
        if caller in self.tokens:
            headers["Authorization"] = f"Bearer {self.tokens[caller]}"
        return headers

    def appeal(
        self,
        state: str = "dispatched",
        public: bool = False,
        photo: bool = False,
        kind: str = "complaint",
    ) -> str:
        """An appeal of the owner's (a complaint unless ``kind``, private unless ``public``,
        with a photo if ``photo``), dispatched to DEPT with CO_DEPT co-handling, brought to
        ``state``."""
        people = self.people
        payload: dict[str, Any] = {
            "kind": kind,
            "title": "路灯不亮",
            "content": "东门路灯坏了",
            "is_public": public,
        }
        if photo:
            payload["media"] = [self.uploaded_photo()]
        appeal_id = str(body(people.post("owner", "/appeals", payload))["id"])
        if state == "submitted":
            return appeal_id
        dispatch = {"department_id": DEPARTMENT, "co_department_ids": [CO_DEPARTMENT]}
        assert people.act("operator", appeal_id, "dispatch", dispatch).status_code == 200
        dept = f"department:{DEPARTMENT}"
        steps = {
            "dispatched": [],
            "signed": ["sign"],
            "extension": ["sign", "extension"],
            "contacted": ["sign", "contact"],
            "replied": ["sign", "contact", "reply"],
            "rated": ["sign", "contact", "reply"],
        }[state]
        for step in steps:
            assert people.act(dept, appeal_id, step).status_code == 200, step
        if state == "rated":
            assert people.act("owner", appeal_id, "rating").status_code == 200
        return appeal_id

    def uploaded_photo(self) -> str:
        import boto3

        from chalicelib.core.config import settings

        ticket = body(self.people.post("owner", "/uploads", {"content_type": "image/png"}))
        boto3.client("s3", region_name="us-east-1").put_object(
            Bucket=settings().media_bucket, Key=ticket["key"], Body=b"\x89PNG"
        )
        return str(ticket["key"])


@pytest.fixture
def world(client: Any, stack: Stack) -> Iterator[World]:
    from tests.integration.test_webhooks import register
    from tests.integration.test_wechat import install_account

    Clock(shanghai("2026-11-26T09:00:00"))
    people = People(stack, client)
    roles = {
        OWNER: "citizen",
        OTHER: "citizen:other",
        DEPUTY: "deputy",
        OPERATOR: "operator",
        DEPT: f"department:{DEPARTMENT}",
        OTHER_DEPT: f"department:{OTHER_DEPARTMENT}",
        CO_DEPT: f"department:{CO_DEPARTMENT}",
        LEADER: "leader",
        ADMIN: "admin",
    }
    tokens = {caller: people.token(who) for caller, who in roles.items()}
    people.tokens["owner"] = tokens[OWNER]
    world = World(people, stack, client, tokens)
    install_account()
    world.webhook_secret = register(people, "http://127.0.0.1:9/hook")
    key = body(people.post("admin", "/open311/keys", {"name": "matrix"}))
    world.api_key, world.key_id = key["api_key"], key["key_id"]
    from chalicelib.notifications.store import deliveries

    world.delivery_id = "d" + uuid.uuid4().hex
    deliveries.open_delivery(
        world.delivery_id, DEPARTMENT, "work_order.dispatched", "x", "{}", clock.iso(clock.now())
    )
    deliveries.record_attempt(world.delivery_id, {"attempt": 1}, "dead", clock.iso(clock.now()))
    from chalicelib.knowledge.services.knowledge import import_articles

    world.article_id = "kb-matrix-bus-route"
    row = {
        "id": world.article_id,
        "title": "公交线路咨询",
        "answer": "请拨打公交热线。",
        "category": "public-transport",
        "owner_department_id": DEPARTMENT,
    }
    import_articles([row], clock.iso(clock.now()))
    staff = {
        "username": MATRIX_STAFF,
        "name": "矩阵职员",
        "role": "department",
        "department_id": DEPARTMENT,
        "email": "matrix@example.gov",
    }
    assert people.post("admin", "/users", staff).status_code == 201
    export = {"kind": "rankings", "period": "2026-11", "format": "csv"}
    world.export_id = body(
        world.client.http.post("/exports", headers=world.headers(OPERATOR), body=json.dumps(export))
    )["id"]
    yield world
    clock.set_clock(None)


# -- one request per route and caller -----------------------------------------------------


def _action(path: str) -> str | None:
    prefix = "/appeals/{appeal_id}/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def request_for(
    world: World, method: str, path: str, caller: str, extra: dict[str, Any] | None = None
) -> Any:
    """A request that would succeed for an allowed caller, in a fresh world where it needs
    one (an appeal in the right state); ``extra`` fields are added to its JSON body."""
    client = world.client
    action = _action(path)
    params: dict[str, str] = {
        "asset": "app.js",
        "year": "2027",
        "code": "water-supply",
        "department_id": DEPARTMENT,
        "delivery_id": world.delivery_id,
        "key_id": "k" + uuid.uuid4().hex[:8],
        "phone": "13912345678",
        "token": "x" * 43,
        "service_file": "road-facilities.json",
        "article_id": world.article_id,
        "username": MATRIX_STAFF,
        "export_id": world.export_id,
    }
    if "{appeal_id}" in path or "{request_file}" in path:
        appeal_id = world.appeal(
            STATE_FOR.get(action or "", "dispatched"),
            public=action == "support",
            photo=action == "media/publish",
            kind="consultation" if action == "direct-reply" else "complaint",
        )
        params["appeal_id"] = appeal_id
        params["request_file"] = f"{appeal_id}.json"
    if "{alert_id}" in path:
        params["alert_id"] = open_alert()
    url = path.format(**params)
    payload: Any = _payload(world, method, path, action)
    if extra:
        payload = {**(payload or {}), **extra}
    headers = world.headers(caller)
    if path == "/webhooks/departments/{department_id}":
        return _webhook(world, caller, params, extra or {})
    if path.startswith("/department-systems/") and caller == SYSTEM:
        return _signed_read(world, url)
    if path.startswith("/open311/v2/requests.") and method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        form = {
            "api_key": world.api_key,
            "service_code": "road-facilities",
            "lat": "36.8",
            "long": "118.0",
            "description": "路灯不亮",
        }
        return client.http.post(url, headers=headers, body=urlencode(form))
    if path == "/r/{token}" and method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return client.http.post(url, headers=headers, body="score=5&resolved=yes")
    if path == "/users/import":
        headers["Content-Type"] = "text/csv"
        unique = uuid.uuid4().hex[:8]
        row = f"m.{unique},矩阵,operator,,{unique}@example.gov,"
        return client.http.post(url, headers=headers, body=CSV_HEADER + row + "\n")
    if path == "/wechat" and method == "POST":
        headers["Content-Type"] = "text/xml"
        return client.http.post(url, headers=headers, body="<xml></xml>")
    if path == "/console/vendor/{asset}":
        url = "/console/vendor/htm-preact.js"
    if path == "/console/lib/{asset}":
        url = "/console/lib/api.js"
    if path == "/console/views/{asset}":
        url = "/console/views/queue.js"
    if path == "/portal/vendor/{asset}":
        url = "/portal/vendor/htm-preact.js"
    if path == "/portal/lib/{asset}":
        url = "/portal/lib/api.js"
    if path == "/portal/views/{asset}":
        url = "/portal/views/board.js"
    if path == "/deliveries":
        url += "?status=dead"
    if path == "/mailbox/messages":
        url += "?status=flagged"
    if path == "/reports/daily":
        url += "?date=2026-11-25"
    if path == "/reports/weekly":
        url += f"?week=2026-W47&department_id={DEPARTMENT}"
    if path == "/reports/monthly":
        url += "?month=2026-10"
    if path == "/knowledge/search":
        url += "?q=%E5%85%AC%E4%BA%A4"
    call: Callable[..., Any] = getattr(client.http, method.lower())
    if method in ("GET", "DELETE") and payload is None:
        return call(url, headers=headers)
    return call(url, headers=headers, body=json.dumps(payload if payload is not None else {}))


def _payload(world: World, method: str, path: str, action: str | None) -> Any:
    if method in ("GET", "DELETE"):
        return None
    if action is not None:
        if action == "merge":
            return {"into": world.appeal("submitted")}
        if action == "media/publish":
            return {"index": 0, "public": True}
        if action in ("follow", "support"):
            return None
        if action == "direct-reply":
            return {"article_id": world.article_id, "content": "请拨打公交热线 12345。"}
        return VALID_BODIES.get(action, {})
    unique = uuid.uuid4().hex[:8]
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/appeals"): {"kind": "complaint", "title": "井盖缺失", "content": "路口井盖"},
        ("POST", "/uploads"): {"content_type": "image/png"},
        ("POST", "/departments"): {"id": f"unit-{unique}", "name": "新单位"},
        ("PUT", "/departments/{department_id}"): {"name": "交通运输局"},
        ("POST", "/categories"): {"code": f"cat-{unique}", "name": "新类别"},
        ("PUT", "/categories/{code}"): {"name": "供水"},
        ("PUT", "/calendar/{year}"): {"holidays": ["2027-01-01"], "workdays": []},
        ("PUT", "/departments/{department_id}/webhook"): {"url": "http://127.0.0.1:9/hook"},
        ("POST", "/departments/{department_id}/webhook/secret"): None,
        ("POST", "/departments/{department_id}/webhook/secret/revoke-previous"): None,
        ("POST", "/departments/{department_id}/webhook/verify"): None,
        ("POST", "/deliveries/redrive"): None,
        ("POST", "/deliveries/{delivery_id}/redrive"): None,
        ("POST", "/me/notifications/read"): {"ids": [f"20261126T090000000Z-{'0' * 32}"]},
        ("PUT", "/report-recipients"): {"daily": ["leader@example.com"], "weekly": {}},
        ("POST", "/hotline/appeals"): {
            "caller": {"phone": "13912345678"},
            "kind": "complaint",
            "title": "停水",
            "content": "小区停水",
        },
        ("POST", "/open311/keys"): {"name": f"key-{unique}"},
        ("POST", "/knowledge/articles"): {
            "title": f"文章 {unique}",
            "answer": "答复",
            "category": "public-transport",
        },
        ("PUT", "/knowledge/articles/{article_id}"): {"public": True},
        ("POST", "/knowledge/articles/{article_id}/helpful"): None,
        ("POST", "/users"): {
            "username": f"m.{unique}",
            "name": "矩阵",
            "role": "operator",
            "email": f"{unique}@example.gov",
        },
        ("PATCH", "/users/{username}"): {"name": "矩阵职员"},
        ("POST", "/users/{username}/disable"): None,
        ("POST", "/users/{username}/enable"): None,
        ("POST", "/users/{username}/reset-password"): None,
        ("POST", "/users/{username}/sign-out"): None,
        ("POST", "/exports"): {"kind": "rankings", "period": "2026-11", "format": "csv"},
        ("POST", "/alerts/{alert_id}/act"): {"note": "已通知属地排查"},
        ("POST", "/alerts/{alert_id}/work-order"): {"department_id": DEPARTMENT},
    }
    return bodies.get((method, path), {})


def open_alert() -> str:
    """A fresh open early-warning alert (each request acts on its own: one action each)."""
    from chalicelib.figures.store import warnings

    alert_id = f"2026-W48-{uuid.uuid4().hex[:12]}"
    assert warnings.put_alert(
        {
            "id": alert_id,
            "week": "2026-W48",
            "place_id": "zhaili-town",
            "place_name": "寨里镇",
            "dimension": "word",
            "key": "噪音",
            "label": "噪音",
            "citizens": 6,
            "baseline": [0] * 8,
            "rate": 0.5,
            "p_value": 0.00017,
            "raised_at": clock.iso(clock.now()),
            "state": "open",
        }
    )
    return alert_id


def _webhook(world: World, caller: str, params: dict[str, str], extra: dict[str, Any]) -> Any:
    from tests.integration.test_webhooks import inbound

    appeal_id = world.appeal("dispatched")
    if caller == SYSTEM:
        from chalicelib.core.integrations import secrets

        # The current secret: the matrix rotates it and revokes the previous one.
        keys = secrets.read(DEPARTMENT, fresh=True)
        payload = {"appeal_id": appeal_id, "action": "sign", **extra}
        return inbound(world.client, keys.current if keys else world.webhook_secret, payload)
    return world.client.http.post(
        f"/webhooks/departments/{params['department_id']}",
        headers=world.headers(caller),
        body=json.dumps({"appeal_id": appeal_id, "action": "sign"}),
    )


def _signed_read(world: World, url: str) -> Any:
    from chalicelib.core.integrations import secrets
    from tests.integration.test_webhooks import signed_read

    keys = secrets.read(DEPARTMENT, fresh=True)
    return signed_read(world.client, keys.current if keys else world.webhook_secret, url)


def _outcome(status: int) -> Any:
    return OK if 200 <= status < 300 else status


@pytest.mark.long(45)
def test_the_matrix(world: World) -> None:
    """Every route × every caller: the status the matrix says, and never a 5xx."""
    from app import app  # noqa: F401
    from chalicelib.core.http.base import all_routes

    wrong: list[str] = []
    for route in all_routes():
        expected = MATRIX[(route.method, route.path)]
        for caller in CALLERS:
            if route.path == "/open311/keys/{key_id}" and caller == ADMIN:
                key = body(world.people.post("admin", "/open311/keys", {"name": "gone"}))
                response = world.client.http.delete(
                    f"/open311/keys/{key['key_id']}", headers=world.headers(ADMIN)
                )
            else:
                response = request_for(world, route.method, route.path, caller)
            got = _outcome(response.status_code)
            if response.status_code >= 500 or got != expected[caller]:
                wrong.append(
                    f"{route.method} {route.path} as {caller}: expected {expected[caller]}, "
                    f"got {response.status_code} {str(response.body)[:160]}"
                )
    assert not wrong, "\n".join(wrong)


# Fields a caller must never set by naming them in a body (OWASP API3, mass assignment).
PROTECTED = ("state", "department_id", "citizen_id", "version")


@pytest.mark.long(40)
def test_mass_assignment_is_refused_field_by_field(world: World) -> None:
    """Every JSON body the app takes, sent by a caller who may send it, with each protected
    field it does not declare: 400 naming that field, and nothing written."""
    from app import app  # noqa: F401
    from chalicelib.core.http.base import all_routes
    from tests.integration.test_abuse_limits import appeals_of_everyone

    checked = 0
    wrong: list[str] = []
    for route in all_routes():
        if route.request is None or route.content_type != "application/json":
            continue
        expected = MATRIX[(route.method, route.path)]
        # One who may send it (or, where no one may succeed, one it is hidden from: the
        # body is checked before the object).
        caller = next(c for c in CALLERS if expected[c] == OK or expected[c] == 404)
        declared = set((route.request.get("properties") or {}).keys())
        for name in PROTECTED:
            if name in declared:
                continue
            before = appeals_of_everyone()
            response = request_for(world, route.method, route.path, caller, {name: "closed"})
            after = appeals_of_everyone()
            checked += 1
            fields = [e["field"] for e in body(response).get("errors", [])]
            made = after - before  # the request's own fresh appeals, if it needed any
            if response.status_code != 400 or name not in fields:
                wrong.append(f"{route.method} {route.path} with {name}: {response.status_code}")
            elif route.path in ("/appeals", "/hotline/appeals") and made:
                wrong.append(f"{route.method} {route.path} with {name}: wrote an appeal")
    assert not wrong, "\n".join(wrong)
    assert checked >= 90  # 27 bodies x the fields they do not declare
