"""What an appeal's change tells whom: the notices one stream record gives rise to.

Pure: it reads the record's old and new images. Each notice has a stable id derived from
what happened (the appeal, the event's place in its timeline or the comment's number, the
type and the recipient), so a record delivered twice gives the same ids, and whoever
delivers a notice can do it once."""

from __future__ import annotations

import hashlib
from dataclasses import field
from typing import Any

from chalicelib.core.domain.appeal import TRANSFER_TARGETS
from chalicelib.core.domain.records import frozen

# Recipient kinds. ``leaders`` is every leader; ``followers`` the leaders following the
# appeal; ``department_of`` the department handling another appeal (a merge target).
DEPARTMENT = "department"
CITIZEN = "citizen"
LEADER = "leader"
LEADERS = "leaders"
FOLLOWERS = "followers"
DEPARTMENT_OF = "department_of"
# The caller's phone (the recipient id is the appeal's: the number is read at delivery).
SMS = "sms"
# Channels whose people may have no app: their replies are followed up by SMS.
SMS_CHANNELS = ("hotline", "mailbox")

# For departments' systems (webhooks).
WORK_ORDER_TYPES = (
    "work_order.dispatched",
    "work_order.reminder",
    "work_order.overdue",
    "work_order.commented",
    "work_order.rework",
    "work_order.merged",
    "work_order.recalled",
    "work_order.extension_decided",
    "work_order.citizen_note",
    "work_order.rated",
    "work_order.closed",
    "work_order.urged",
    "work_order.dispute_decided",
)
# For people, in the app.
PERSON_TYPES = (
    "appeal.accepted",
    "appeal.replied",
    "appeal.closed",
    "appeal.rejected",
    "appeal.escalated",
    "appeal.deputy",
    "appeal.updated",
    "appeal.transferred",
    # Early warning (未诉先办): a topic rising in a town or street, about no single appeal.
    "appeal.alert",
)

OPEN_AT_DEPARTMENT = ("dispatched", "signed", "contacted")

# A change of a department's webhook registration: delivered to the URL it replaces (the
# message names it in ``url``) and kept in the app for the department's staff.
WEBHOOK_CHANGED = "webhook.changed"
# A challenge to a new URL: its system proves it holds the department's secret.
WEBHOOK_VERIFY = "webhook.verify"
DEPARTMENT_STAFF = "department_staff"


@frozen
class Notice:
    type: str
    kind: str  # recipient kind, above
    recipient: str  # department id, user id, appeal id (followers, department_of)
    appeal_id: str
    occurred_at: str
    source: str  # what happened: "e3" (timeline event 3), "c2" (comment 2), "new"
    data: dict[str, Any] = field(default_factory=dict)

    def for_recipient(self, kind: str, recipient: str) -> Notice:
        return Notice(
            self.type, kind, recipient, self.appeal_id, self.occurred_at, self.source, self.data
        )

    @property
    def id(self) -> str:
        """Stable: the same happening for the same recipient is the same notice."""
        text = "|".join((self.appeal_id, self.source, self.type, self.kind, self.recipient))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def message(self) -> dict[str, Any]:
        """The queue message: ids and facts, no personal data (the deliverer reads the
        appeal when it delivers)."""
        return {
            "id": self.id,
            "type": self.type,
            "recipient": {"kind": self.kind, "id": self.recipient},
            "appeal_id": self.appeal_id,
            "occurred_at": self.occurred_at,
            "data": self.data,
        }


def _plain(value: Any) -> Any:
    """Stream images carry Decimals; messages are JSON."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def _departments(image: dict[str, Any]) -> list[str]:
    lead = image.get("department_id")
    return [d for d in [lead, *(image.get("co_department_ids") or [])] if d]


# Where a citizen's note still concerns the department: it has the work order in hand, or
# has replied and waits for the rating.
NOTE_AT_DEPARTMENT = (*OPEN_AT_DEPARTMENT, "replied")


def department_events(
    kind: str, index: int, data: dict[str, Any], new: dict[str, Any]
) -> list[tuple[str, list[str], dict[str, Any]]]:
    """What the departments' systems are told of the timeline event ``kind`` at ``index``
    beyond the steps above: (type, departments, data) each. The catalogue
    (``catalogue.py``) has each type's schema; a new type goes there first."""
    deadlines = dict(new.get("deadlines") or {})
    if kind == "extension_decided" and new.get("department_id"):
        reply_due = data.get("reply_due") or {}
        facts: dict[str, Any] = {
            "approve": bool(data.get("approve")),
            "days": data.get("days"),
            "reply_due": deadlines.get("reply_due"),
        }
        if isinstance(reply_due, dict) and reply_due.get("from"):
            facts["previous_reply_due"] = reply_due["from"]
        return [("work_order.extension_decided", [str(new["department_id"])], facts)]
    if kind == "citizen_note" and new.get("state") in NOTE_AT_DEPARTMENT:
        facts = {"event": index, "media_added": len(data.get("media") or [])}
        if data.get("channel"):
            facts["channel"] = data["channel"]
        return [("work_order.citizen_note", _departments(new), facts)]
    if kind == "rated":
        rating = {"score": data.get("score"), "resolved": bool(data.get("resolved"))}
        return [
            ("work_order.rated", _departments(new), rating),
            ("work_order.closed", _departments(new), {"reason": "rated"}),
        ]
    if kind == "closed":
        return [("work_order.closed", _departments(new), {"reason": "no_rating"})]
    return []


def notices(appeal_id: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Notice]:
    """Every notice one change of an appeal gives rise to, in order."""
    if new is None:
        return []
    old_timeline = list((old or {}).get("timeline") or [])
    timeline = list(new.get("timeline") or [])
    found: list[Notice] = []
    citizen = str(new.get("citizen_id") or "")
    department = new.get("department_id")
    before_department = (old or {}).get("department_id")

    def add(
        kind: str, recipient: str | None, type_: str, at: str, source: str, **data: Any
    ) -> None:
        if recipient:
            found.append(Notice(type_, kind, recipient, appeal_id, at, source, _plain(data)))

    if old is None and new.get("channel") == "deputy":
        add(LEADERS, "*", "appeal.deputy", str(new.get("created_at")), "new")

    for index in range(len(old_timeline), len(timeline)):
        event = timeline[index]
        kind, at = str(event.get("type")), str(event.get("at"))
        data = dict(event.get("data") or {})
        source = f"e{index}"
        everyone_told = False
        if kind == "accepted":
            add(CITIZEN, citizen, "appeal.accepted", at, source)
        elif kind == "dispatched":
            if data.get("accepted"):
                add(CITIZEN, citizen, "appeal.accepted", at, source)
            if before_department and before_department != department:
                previous_state = (old or {}).get("state")
                if previous_state in OPEN_AT_DEPARTMENT:
                    add(
                        DEPARTMENT,
                        before_department,
                        "work_order.recalled",
                        at,
                        source,
                        reason="redispatched",
                    )
            for target in _departments(new):
                add(
                    DEPARTMENT,
                    target,
                    "work_order.dispatched",
                    at,
                    source,
                    role="lead" if target == department else "co",
                    round=data.get("round"),
                    deadlines=dict(new.get("deadlines") or {}),
                )
        elif kind == "returned":
            for target in _departments(old or {}):
                add(DEPARTMENT, target, "work_order.recalled", at, source, reason="returned")
        elif kind == "rework_requested":
            for target in _departments(new):
                add(
                    DEPARTMENT,
                    target,
                    "work_order.rework",
                    at,
                    source,
                    deadlines=dict(new.get("deadlines") or {}),
                )
        elif kind in ("sla_warning", "sla_overdue"):
            type_ = "work_order.reminder" if kind == "sla_warning" else "work_order.overdue"
            add(
                DEPARTMENT,
                data.get("department_id") or department,
                type_,
                at,
                source,
                stage=data.get("stage"),
                due=data.get("due"),
            )
        elif kind == "merged":
            add(
                DEPARTMENT_OF,
                str(data.get("into") or new.get("merged_into") or ""),
                "work_order.merged",
                at,
                source,
                merged_appeal_id=appeal_id,
            )
        elif kind == "escalated":
            add(LEADERS, "*", "appeal.escalated", at, source, level=data.get("level"))
            everyone_told = True
        elif kind == "replied":
            add(CITIZEN, citizen, "appeal.replied", at, source)
            if new.get("channel") in SMS_CHANNELS and (new.get("contact") or {}).get("phone"):
                add(SMS, appeal_id, "appeal.replied", at, source)
        elif kind == "closed":
            add(CITIZEN, citizen, "appeal.closed", at, source)
        elif kind == "rejected":
            add(CITIZEN, citizen, "appeal.rejected", at, source)
        elif kind == "transferred":
            where = {"to": data.get("to"), "name": data.get("name")}
            add(CITIZEN, citizen, "appeal.transferred", at, source, **where)
        elif kind == "urged":
            holder = data.get("department_id") or department
            facts = {"count": data.get("count"), "overdue": data.get("overdue") or []}
            add(DEPARTMENT, holder, "work_order.urged", at, source, **facts)
            add(DEPARTMENT_STAFF, holder, "work_order.urged", at, source, **facts)
        dispute = data.get("dispute")
        if isinstance(dispute, dict) and dispute.get("department_id"):
            # 派单异议审核: the center's next step after a return decides it; the department
            # that returned the order is told which way, and where the step is on record.
            facts = {"outcome": dispute.get("outcome"), "step": kind, "event": index}
            disputer = str(dispute["department_id"])
            add(DEPARTMENT, disputer, "work_order.dispute_decided", at, source, **facts)
            add(DEPARTMENT_STAFF, disputer, "work_order.dispute_decided", at, source, **facts)
        for type_, targets, facts in department_events(kind, index, data, new):
            for target in targets:
                add(DEPARTMENT, target, type_, at, source, **facts)
        if kind not in ("submitted", "sla_warning") and not everyone_told:
            add(FOLLOWERS, appeal_id, "appeal.updated", at, source, event=kind)

    before = int((old or {}).get("comments") or 0)
    after = int(new.get("comments") or 0)
    for number in range(before + 1, after + 1):
        at = str(new.get("updated_at"))
        source = f"c{number}"
        if new.get("state") in OPEN_AT_DEPARTMENT:
            for target in _departments(new):
                add(DEPARTMENT, target, "work_order.commented", at, source, comment=number)
        add(FOLLOWERS, appeal_id, "appeal.updated", at, source, event="commented")
    return found


# What the app shows for each notice a person receives: (title, text with {title}).
TEXTS: dict[str, tuple[str, str]] = {
    "appeal.accepted": ("诉求已受理", "您的诉求“{title}”已受理，正在转交承办单位。"),
    "appeal.replied": ("诉求已答复", "您的诉求“{title}”已有答复，请查看并评价。"),
    "appeal.closed": ("诉求已办结", "您的诉求“{title}”已办结。"),
    "appeal.rejected": ("诉求未予受理", "您的诉求“{title}”未予受理，请查看原因。"),
    "appeal.escalated": ("诉求升级督办", "“{title}”已升级督办。"),
    "appeal.deputy": ("人大代表、政协委员诉求", "新的代表委员诉求：“{title}”。"),
    "appeal.updated": ("关注的诉求有新进展", "您关注的“{title}”有新进展：{event}。"),
    "appeal.transferred": ("诉求已转办", "您的诉求“{title}”已即时转至{to}办理。"),
    "work_order.urged": ("工单催办", "工单“{title}”被催办（第{count}次），请抓紧办理。"),
    "work_order.dispute_decided": ("派单异议审核结果", "工单“{title}”的退回异议{outcome}。"),
}
# How the department's staff read the center's decision on their return.
DISPUTE_OUTCOMES = {
    "upheld": "已被平台采纳，工单不再由本单位承办",
    "rejected": "未被采纳，工单已退回本单位继续办理，办理时限连续计算",
}

EVENT_NAMES = {
    "accepted": "已受理",
    "dispatched": "已转办",
    "signed": "已签收",
    "contacted": "已联系诉求人",
    "replied": "已答复",
    "returned": "已退回",
    "rework_requested": "诉求人要求重办",
    "rated": "已评价",
    "closed": "已办结",
    "rejected": "不予受理",
    "merged": "已合并",
    "sla_overdue": "已超期",
    "extension_requested": "申请延期",
    "extension_decided": "延期已审批",
    "commented": "领导批示",
    "media_published": "照片已公开",
    "citizen_note": "诉求人补充了情况",
    "transferred": "已即时转办",
    "urged": "已催办",
    "department_note": "承办单位记录了办理进展",
}


def alert_text(data: dict[str, Any]) -> tuple[str, str]:
    """A leader's notification of an early-warning alert: the place, what rose, how many
    citizens (never who)."""
    return (
        "未诉先办预警",
        "{place}本周有{citizens}位市民反映“{label}”，明显多于此前8周（周均{rate}）。".format(
            place=data.get("place_name") or "",
            citizens=data.get("citizens") or 0,
            label=data.get("label") or "",
            rate=data.get("rate") or 0,
        ),
    )


def text_for(type_: str, title: str, data: dict[str, Any]) -> tuple[str, str]:
    heading, template = TEXTS[type_]
    event = str(data.get("event") or "")
    to = str(data.get("to") or "")
    return heading, template.format(
        title=title,
        event=EVENT_NAMES.get(event, event),
        to=data.get("name") or TRANSFER_TARGETS.get(to, to),
        count=data.get("count") or 1,
        outcome=DISPUTE_OUTCOMES.get(str(data.get("outcome")), ""),
    )


# What the department's staff read in the app when its webhook changes: (title, text).
WEBHOOK_TEXTS: dict[str, tuple[str, str]] = {
    "registered": ("部门接口已登记", "{by}登记了本部门接收工单的接口：{url}（{enabled}）。"),
    "changed": (
        "部门接口已变更",
        "{by}将本部门接收工单的接口由 {old_url}（{old_enabled}）改为 {url}（{enabled}）。",
    ),
    "secret_issued": ("部门接口密钥已签发", "{by}签发了本部门接口的签名密钥。"),
    "secret_rotated": ("部门接口密钥已更换", "{by}更换了本部门接口的签名密钥。"),
    "previous_secret_revoked": (
        "部门接口旧密钥已停用",
        "{by}停用了本部门接口更换前的签名密钥，即时生效。",
    ),
}
WEBHOOK_ADVICE = "如非本部门要求，请立即联系平台中心。"


def webhook_text(data: dict[str, Any]) -> tuple[str, str]:
    """The staff's notification of a change of their department's webhook."""
    action = str(data.get("action") or "changed")
    heading, template = WEBHOOK_TEXTS.get(action, WEBHOOK_TEXTS["changed"])
    by = data.get("by") or {}
    who = f"管理员 {by.get('username') or by.get('id') or ''} ".replace("  ", " ")

    def state(value: Any) -> str:
        return "停用" if value is False else "启用"

    text = template.format(
        by=who,
        url=data.get("url") or "",
        old_url=data.get("old_url") or "",
        enabled=state(data.get("enabled")),
        old_enabled=state(data.get("old_enabled")),
    )
    return heading, text + WEBHOOK_ADVICE
