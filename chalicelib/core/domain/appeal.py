"""The appeal as the domain sees it, and how it is shown to each viewer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chalicelib.core.domain.masking import (
    coarse_location,
    mask_name,
    mask_phone,
    mask_text,
    without_reporter,
)
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.records import frozen


class Kind(StrEnum):
    CONSULTATION = "consultation"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    HELP = "help"
    WHISTLEBLOWING = "whistleblowing"  # 举报: the reporter is known to the center only


class Channel(StrEnum):
    APP = "app"
    WECHAT = "wechat"
    WEB = "web"
    HOTLINE = "hotline"
    MAILBOX = "mailbox"
    DEPUTY = "deputy"
    OPEN311 = "open311"  # an integrator's system, through the Open311 GeoReport v2 API
    # 主动治理: a work order the center opened itself on an early-warning alert.
    PROACTIVE = "proactive"


# Channels a citizen's own client may name; the rest are entered by the platform center.
CITIZEN_CHANNELS = (Channel.APP, Channel.WECHAT, Channel.WEB)


class State(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    CONTACTED = "contacted"
    REPLIED = "replied"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"
    RETURNED = "returned"
    TRANSFERRED = "transferred"  # 即时转办: handed on to 110/119/120/122 or another body


TERMINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.MERGED, State.TRANSFERRED})
# 即时转办: where an emergency or a matter of another legal procedure is handed on.
TRANSFER_TARGETS = {
    "110": "110 报警服务台",
    "119": "119 火警",
    "120": "120 急救中心",
    "122": "122 交通事故报警",
    "other": "其他机关",
}
# 不予受理: the documented reasons a bulletin counts rejections by.
REJECT_REASONS = {
    "out_of_scope": "不属于受理范围",
    "other_procedure": "应通过其他法定途径解决",
    "duplicate": "重复诉求",
    "no_content": "无实质内容",
    "abusive": "恶意或辱骂",
}
# 回访: what the citizen called back says of the handling, and the score it is recorded as.
CALLBACK_SATISFACTION = {
    "satisfied": ("满意", 5),
    "basically_satisfied": ("基本满意", 4),
    "dissatisfied": ("不满意", 2),
}
CALLBACK_ATTEMPTS = 3  # calls recorded per reply at most, reached or not
# The citizen's own words added to an open appeal after submitting it (a reply by mail).
NOTE_EVENT = "citizen_note"
DEPARTMENT_NOTE_EVENT = "department_note"  # 办理进展: staff read it, the citizen never
# States in which an appeal flagged public may be shown to the public: vetted by the center
# and not thrown out.
PUBLIC_STATES = frozenset(
    {
        State.ACCEPTED,
        State.DISPATCHED,
        State.SIGNED,
        State.CONTACTED,
        State.REPLIED,
        State.CLOSED,
        State.RETURNED,
    }
)


# What the public may follow of an appeal's progress: the steps, never notes or who.
PUBLIC_EVENT_TYPES = frozenset(
    {
        "submitted",
        "accepted",
        "dispatched",
        "signed",
        "contacted",
        "replied",
        "returned",
        "rework_requested",
        "rated",
        "closed",
        "transferred",
    }
)
# What the citizen follows of their own appeal: the steps and what they were told, never
# internal notes (instructions, escalation reasons, extension requests) or staff ids.
OWNER_EVENT_TYPES = frozenset(
    {
        "submitted",
        "accepted",
        "rejected",
        "dispatched",
        "signed",
        "contacted",
        "replied",
        "returned",
        "extension_decided",
        "rated",
        "rework_requested",
        "merged",
        "closed",
        "transferred",
        NOTE_EVENT,
    }
)
# Notes the citizen reads on their own timeline: the reason their appeal was not taken,
# and their own words.
OWNER_NOTES = frozenset(
    {"rejected", "rated", "rework_requested", "submitted", "transferred", NOTE_EVENT}
)
# Event data the citizen reads, per event type.
OWNER_DATA = {
    "submitted": ("channel",),
    "dispatched": ("department_id",),
    "replied": ("content", "department_id", "by"),
    "returned": (),
    "rated": ("score", "resolved", "callback"),
    "rework_requested": ("score", "resolved", "department_id", "callback"),
    "merged": ("into",),
    "contacted": ("method",),
    "rejected": ("reason_code",),
    "transferred": ("to", "name"),
}
NEUTRAL_REPLY = "已答复，详见回复"


class Audience(StrEnum):
    """Who is looking, as far as personal data goes."""

    HANDLER = "handler"  # the platform center, the handling departments, the platform
    OWNER = "owner"  # the citizen who filed the appeal
    SUPERVISOR = "supervisor"  # leaders and admins: everything, personal data masked
    PUBLIC = "public"  # anyone else: public steps, masked text, coarse location


def _masked_data(data: dict[str, Any], names: Sequence[str] = ()) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k != "handler_phone"}
    for key in ("content", "public_reply", "reason", "comment"):
        if isinstance(out.get(key), str):
            out[key] = mask_text(out[key], names)
    if isinstance(out.get("handler_name"), str):
        out["handler_name"] = mask_name(out["handler_name"])
    return out


def _staff_event(event: Event) -> dict[str, Any]:
    """The whole record as staff read it: the people who acted are named, except a
    citizen, who is ``{"role": "citizen"}`` (their id, or their number's owner key, is
    nobody's business but their own)."""
    shown = event.to_dict()
    if event.actor.get("role") == Role.CITIZEN.value:
        shown["actor"] = {"role": Role.CITIZEN.value}
    return shown


def _supervisor_event(event: Event, names: Sequence[str] = ()) -> dict[str, Any]:
    """For leaders and admins: the whole record, free text masked."""
    return {
        **_staff_event(event),
        "note": mask_text(event.note, names),
        "data": _masked_data(event.data, names),
    }


def _public_event(event: Event) -> dict[str, Any]:
    return {
        "type": event.type,
        "at": event.at,
        "actor": {"role": event.actor.get("role")},
        "note": None,
        "data": {},
    }


def _owner_event(event: Event, names: Mapping[str, str]) -> dict[str, Any] | None:
    """A step of the citizen's own appeal, or None for what stays inside the platform."""
    if event.type not in OWNER_EVENT_TYPES:
        return None
    data: dict[str, Any] = {
        k: event.data[k] for k in OWNER_DATA.get(event.type, ()) if k in event.data
    }
    if event.type == "extension_decided":
        if not event.data.get("approve") or not event.data.get("reply_due"):
            return None
        data = {"reply_due": event.data["reply_due"]["to"]}
    if event.type == "dispatched" and event.data.get("deadlines"):
        data["reply_due"] = event.data["deadlines"].get("reply_due")
    department = data.get("department_id")
    if department:
        data["department_name"] = names.get(str(department))
    return {
        "type": event.type,
        "at": event.at,
        "actor": {"role": event.actor.get("role")},
        "note": event.note if event.type in OWNER_NOTES else None,
        "data": data,
    }


@frozen
class Event:
    type: str
    at: str
    actor: dict[str, str]
    note: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "at": self.at,
            "actor": dict(self.actor),
            "note": self.note,
            "data": dict(self.data),
        }


@dataclass
class Appeal:
    """An appeal and its work order, as the lifecycle reads and changes it."""

    id: str
    state: State
    kind: Kind
    channel: Channel
    title: str
    content: str
    citizen_id: str
    created_at: str
    updated_at: str
    category: str | None = None
    location: dict[str, Any] | None = None
    contact: dict[str, str] | None = None
    is_public: bool = False
    media: list[str] = field(default_factory=list)
    department_id: str | None = None
    co_department_ids: list[str] = field(default_factory=list)
    deadlines: dict[str, str] = field(default_factory=dict)
    overdue: list[str] = field(default_factory=list)
    escalation: dict[str, Any] | None = None
    rating: dict[str, Any] | None = None
    timeline: list[Event] = field(default_factory=list)
    version: int = 0
    state_at: str = ""
    extension: dict[str, Any] | None = None
    reply: dict[str, Any] | None = None
    merged_into: str | None = None
    rounds: int = 0
    warned: list[str] = field(default_factory=list)
    comments: int = 0  # leaders' instructions, stored apart from the timeline
    # Idempotency-Keys of the requests that changed it (digest -> payload digest and expiry),
    # recorded in the same conditional write as the change (services/idempotency.py).
    request_keys: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.state_at:
            self.state_at = self.created_at

    @property
    def publishable(self) -> bool:
        """Flagged public and allowed to be: a 举报 never is, whatever its flag says."""
        return self.is_public and self.kind is not Kind.WHISTLEBLOWING

    def protects_reporter(self, viewer: Principal | None) -> bool:
        """Whether ``viewer`` must not learn who made this 举报: everyone but the platform
        center (operators, the platform itself) and the reporter."""
        if self.kind is not Kind.WHISTLEBLOWING:
            return False
        if viewer is None:
            return True
        if viewer.role in (Role.OPERATOR, Role.SYSTEM):
            return False
        return not (viewer.role is Role.CITIZEN and viewer.owns(self.citizen_id))

    def _unnamed(self, text: str | None) -> str | None:
        """``text`` without the reporter's name or number."""
        contact = self.contact or {}
        return without_reporter(text, contact.get("name"), contact.get("phone"))

    def is_visible_to(self, viewer: Principal) -> bool:
        """Whether ``viewer`` may learn this appeal exists (else: 404, never 403)."""
        if viewer.role in (Role.OPERATOR, Role.LEADER, Role.ADMIN, Role.SYSTEM):
            return True
        if viewer.role is Role.DEPARTMENT:
            return self.is_handled_by(viewer)
        if viewer.owns(self.citizen_id):
            return True
        return self.publishable and self.state in PUBLIC_STATES

    def is_handled_by(self, viewer: Principal) -> bool:
        return viewer.department_id is not None and viewer.department_id in (
            [self.department_id, *self.co_department_ids]
        )

    def audience(self, viewer: Principal | None) -> Audience:
        """Names and phone numbers, and free text as written: the citizen, the platform
        center and the departments handling it. Leaders and admins see it masked; anyone
        else sees the public view."""
        if viewer is None:
            return Audience.PUBLIC
        if viewer.role in (Role.OPERATOR, Role.SYSTEM):
            return Audience.HANDLER
        if viewer.role is Role.DEPARTMENT:
            return Audience.HANDLER if self.is_handled_by(viewer) else Audience.PUBLIC
        if viewer.role in (Role.LEADER, Role.ADMIN):
            return Audience.SUPERVISOR
        return Audience.OWNER if viewer.owns(self.citizen_id) else Audience.PUBLIC

    def names(self) -> list[str]:
        """The people the appeal itself names: its contact and its handler (masked in free
        text for whoever may not read them)."""
        found = [(self.contact or {}).get("name"), (self.reply or {}).get("handler_name")]
        return [str(n) for n in found if n]

    def view(
        self,
        viewer: Principal | None,
        *,
        with_timeline: bool = True,
        comments: Sequence[Event] = (),
        names: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The appeal as ``viewer`` may see it. ``comments`` are the leaders' instructions
        kept apart from the lifecycle timeline (the latest ones, for those who see them);
        ``names`` the departments' names, for the citizen's own timeline."""
        audience = self.audience(viewer)
        clear = audience in (Audience.HANDLER, Audience.OWNER)
        protected = self.protects_reporter(viewer)
        content = (self._unnamed(self.content) if protected else self.content) or ""
        body: dict[str, Any] = {
            **self.summary(viewer),
            "content": content if clear else mask_text(content, self.names()) or "",
            "location": self.location if clear else coarse_location(self.location),
            # A 举报's reporter: never named to the department, a leader or an admin; the
            # photos' keys name the reporter's account, so they stay with the center.
            "contact": None if protected else self._contact_view(audience),
            "media": list(self.media) if clear and not protected else [],
            "co_department_ids": list(self.co_department_ids),
            "rating": self._rating_view(audience),
            "reply": self._reply_view(audience),
            "extension": self._internal(self.extension, audience),
            "merged_into": self.merged_into,
            "version": self.version,
        }
        if audience in (Audience.HANDLER, Audience.SUPERVISOR):
            body["comments"] = {"total": self.comments, "shown": len(comments)}
        if with_timeline:
            timeline = self._timeline_view(audience, comments, names or {})
            body["timeline"] = [self._unnamed_event(e) for e in timeline] if protected else timeline
        return body

    def _unnamed_event(self, shown: dict[str, Any]) -> dict[str, Any]:
        """A timeline event of a 举报 for those who must not learn who made it: the
        reporter's words without their name or number, and nothing that points to them
        (the letter it came in, the photos' keys)."""
        data = {k: v for k, v in shown["data"].items() if k not in ("source", "media")}
        for key in ("content", "comment"):
            if isinstance(data.get(key), str):
                data[key] = self._unnamed(data[key])
        note = shown.get("note")
        return {**shown, "note": self._unnamed(note) if note else note, "data": data}

    def _timeline_view(
        self, audience: Audience, comments: Sequence[Event], names: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        if audience is Audience.OWNER:
            shown = (_owner_event(e, names) for e in self.timeline)
            return [e for e in shown if e is not None]
        if audience is Audience.PUBLIC:
            return [_public_event(e) for e in self.timeline if e.type in PUBLIC_EVENT_TYPES]
        # Comments are kept apart; in the record they sit where their time puts them.
        merged = sorted([*self.timeline, *comments], key=lambda e: e.at)
        if audience is Audience.HANDLER:
            return [_staff_event(e) for e in merged]
        return [_supervisor_event(e, self.names()) for e in merged]

    def comments_view(self, viewer: Principal, comments: Sequence[Event]) -> list[dict[str, Any]]:
        """Leaders' instructions as ``viewer`` may read them (nobody but staff)."""
        audience = self.audience(viewer)
        if audience is Audience.HANDLER:
            return [_staff_event(e) for e in comments]
        if audience is Audience.SUPERVISOR:
            return [_supervisor_event(e, self.names()) for e in comments]
        return []

    def _contact_view(self, audience: Audience) -> dict[str, str] | None:
        if self.contact is None or audience is Audience.PUBLIC:
            return None
        if audience is not Audience.SUPERVISOR:
            return dict(self.contact)
        masked = {
            "name": mask_name(self.contact.get("name")),
            "phone": mask_phone(self.contact.get("phone")),
        }
        return {k: v for k, v in masked.items() if v is not None}

    def _rating_view(self, audience: Audience) -> dict[str, Any] | None:
        rating = self.rating
        if rating is None:
            return None
        protected = self.kind is Kind.WHISTLEBLOWING and audience is not Audience.OWNER
        if protected and rating.get("comment"):
            rating = {**rating, "comment": self._unnamed(rating["comment"])}
        if audience in (Audience.HANDLER, Audience.OWNER):
            return rating
        if audience is Audience.PUBLIC:
            shown = {"score": rating.get("score"), "resolved": rating.get("resolved")}
            # 剔除 is published: the rating stays, marked as out of the rates
            return {**shown, "excluded": True} if rating.get("excluded") else shown
        return _masked_data(rating, self.names())

    def _internal(self, value: dict[str, Any] | None, audience: Audience) -> dict[str, Any] | None:
        """Escalations and extension requests: the platform's business, not the public's
        nor the citizen's (the citizen sees a granted extension as its new deadline)."""
        if value is None or audience in (Audience.OWNER, Audience.PUBLIC):
            return None
        return dict(value) if audience is Audience.HANDLER else _masked_data(value, self.names())

    def _reply_view(self, audience: Audience) -> dict[str, Any] | None:
        if self.reply is None:
            return None
        if audience in (Audience.HANDLER, Audience.OWNER):
            return dict(self.reply)
        if audience is Audience.SUPERVISOR:
            return _masked_data(self.reply, self.names())
        return {
            "public_reply": mask_text(self.reply.get("public_reply"), self.names())
            or NEUTRAL_REPLY,
            "department_id": self.reply.get("department_id"),
            "by": self.reply.get("by"),
            "at": self.reply.get("at"),
        }

    def summary(self, viewer: Principal | None) -> dict[str, Any]:
        """The fields list views carry (what the indexes project), as ``viewer`` may see
        them; no viewer is the public."""
        audience = self.audience(viewer)
        clear = audience in (Audience.HANDLER, Audience.OWNER)
        title = (self._unnamed(self.title) if self.protects_reporter(viewer) else self.title) or ""
        return {
            "id": self.id,
            "state": self.state.value,
            "kind": self.kind.value,
            "category": self.category,
            "channel": self.channel.value,
            "title": title if clear else mask_text(title, self.names()) or "",
            "is_public": self.publishable,
            "department_id": self.department_id,
            "deadlines": dict(self.deadlines),
            "overdue": list(self.overdue),
            "escalation": self._internal(self.escalation, audience),
            "state_at": self.state_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
