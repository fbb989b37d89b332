"""Shared helpers for lifecycle tests: people, a controllable clock, appeals in any state."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.clock import TZ
from tests.integration.conftest import Stack, body

DEPARTMENT = "transport-bureau"
OTHER_DEPARTMENT = "health-commission"

VALID_BODIES: dict[str, dict[str, Any]] = {
    "accept": {},
    "reject": {"reason": "不属于受理范围", "reason_code": "out_of_scope"},
    "transfer": {"to": "110", "note": "来电反映有人斗殴，已转110"},
    "urge": {"note": "请加快办理"},
    "dispatch": {"department_id": DEPARTMENT},
    "escalate": {"level": 3, "reason": "群众反映强烈"},
    "extension/decision": {"approve": True},
    "sign": {},
    "contact": {"method": "phone", "note": "已电话联系"},
    "reply": {
        "content": "已安排维修，东门路灯已修复",
        "handler_name": "王强",
        "handler_phone": "13900001111",
    },
    "reply/check": {"content": "东门路灯已安排维修"},
    "return": {"reason": "不属于本单位职责"},
    "extension": {"days": 2, "reason": "需协调多部门"},
    "note": {"text": "已安排人员现场查看"},
    "comments": {"text": "请尽快办理"},
    "rating": {"score": 5, "resolved": True},
    "callback": {"reached": True, "resolved": True, "satisfaction": "satisfied"},
    "rating/review": {"exclude": True, "reason": "评价针对政策本身"},
}


class Clock:
    """Moves the platform's clock by hand."""

    def __init__(self, start: datetime) -> None:
        self.at = start
        clock.set_clock(lambda: self.at)

    def advance(self, **delta: float) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at


@dataclass
class People:
    stack: Stack
    client: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, who: str) -> str:
        if who not in self.tokens:
            role, _, dept = who.partition(":")
            self.tokens[who] = self.stack.token(role, dept or None)
        return self.tokens[who]

    def post(self, who: str, path: str, payload: Any = None) -> Any:
        return self.client.http.post(
            path, headers=self.stack.headers(self.token(who)), body=json.dumps(payload or {})
        )

    def act(self, who: str, appeal_id: str, action: str, payload: Any = None) -> Any:
        body_ = VALID_BODIES.get(action, {}) if payload is None else payload
        return self.post(who, f"/appeals/{appeal_id}/{action}", body_)

    def get(self, who: str, path: str) -> Any:
        return self.client.http.get(path, headers=self.stack.headers(self.token(who)))

    def submit(self, who: str = "citizen", **fields: Any) -> dict[str, Any]:
        payload = {"kind": "complaint", "title": "路灯不亮", "content": "东门路灯坏了", **fields}
        response = self.post(who, "/appeals", payload)
        assert response.status_code == 201, response.body
        return dict(body(response))


def shanghai(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)
