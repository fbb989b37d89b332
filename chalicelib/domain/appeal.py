"""The appeal as the domain sees it, and how it is shown to each viewer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from chalicelib.domain.masking import mask_name, mask_phone
from chalicelib.domain.principal import Principal, Role


class Kind(StrEnum):
    CONSULTATION = "consultation"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    HELP = "help"


class Channel(StrEnum):
    APP = "app"
    WECHAT = "wechat"
    WEB = "web"
    HOTLINE = "hotline"
    MAILBOX = "mailbox"
    DEPUTY = "deputy"


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


TERMINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.MERGED})
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
    }
)
_PHONE_RUN = re.compile(r"\+?\d[\d -]{5,}\d")


def _mask_text(text: str | None) -> str | None:
    if not text:
        return text
    return _PHONE_RUN.sub(lambda m: mask_phone(m.group(0)) or "", text)


def _masked_event(event: Event) -> dict[str, Any]:
    """For leaders and admins: the whole record, with phone numbers masked."""
    data = {k: v for k, v in event.data.items() if k != "handler_phone"}
    return {**event.to_dict(), "note": _mask_text(event.note), "data": data}


def _public_event(event: Event) -> dict[str, Any]:
    return {
        "type": event.type,
        "at": event.at,
        "actor": {"role": event.actor.get("role")},
        "note": None,
        "data": {},
    }


@dataclass(frozen=True)
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

    def __post_init__(self) -> None:
        if not self.state_at:
            self.state_at = self.created_at

    def is_visible_to(self, viewer: Principal) -> bool:
        """Whether ``viewer`` may learn this appeal exists (else: 404, never 403)."""
        if viewer.role in (Role.OPERATOR, Role.LEADER, Role.ADMIN, Role.SYSTEM):
            return True
        if viewer.role is Role.DEPARTMENT:
            return viewer.department_id is not None and viewer.department_id in (
                [self.department_id, *self.co_department_ids]
            )
        if viewer.id == self.citizen_id:
            return True
        return self.is_public and self.state in PUBLIC_STATES

    def view(self, viewer: Principal, *, with_timeline: bool = True) -> dict[str, Any]:
        """The appeal as ``viewer`` may see it; personal data is masked unless needed."""
        # Names and phone numbers: the citizen, the platform center and the department
        # handling it. Leaders and admins see them masked; the public not at all.
        sees_personal = (
            viewer.role in (Role.OPERATOR, Role.DEPARTMENT, Role.SYSTEM)
            or viewer.id == self.citizen_id
        )
        staff = viewer.role in (Role.LEADER, Role.ADMIN)
        contact = None
        if self.contact is not None:
            contact = dict(self.contact)
            if not sees_personal:
                masked = {
                    "name": mask_name(contact.get("name")),
                    "phone": mask_phone(contact.get("phone")),
                }
                contact = {k: v for k, v in masked.items() if v is not None}
        body: dict[str, Any] = {
            **self.summary(),
            "content": self.content,
            "location": self.location,
            "contact": contact,
            "media": list(self.media) if sees_personal else [],
            "co_department_ids": list(self.co_department_ids),
            "rating": self.rating,
            "reply": self._reply_view(sees_personal),
            "extension": self.extension,
            "merged_into": self.merged_into,
            "version": self.version,
        }
        if with_timeline:
            if sees_personal:
                body["timeline"] = [e.to_dict() for e in self.timeline]
            elif staff:
                body["timeline"] = [_masked_event(e) for e in self.timeline]
            else:
                body["timeline"] = [
                    _public_event(e) for e in self.timeline if e.type in PUBLIC_EVENT_TYPES
                ]
        return body

    def _reply_view(self, sees_personal: bool) -> dict[str, Any] | None:
        if self.reply is None:
            return None
        if sees_personal:
            return dict(self.reply)
        return {
            "public_reply": self.reply.get("public_reply") or self.reply.get("content"),
            "department_id": self.reply.get("department_id"),
            "at": self.reply.get("at"),
        }

    def summary(self) -> dict[str, Any]:
        """The fields list views carry (what the indexes project)."""
        return {
            "id": self.id,
            "state": self.state.value,
            "kind": self.kind.value,
            "category": self.category,
            "channel": self.channel.value,
            "title": self.title,
            "is_public": self.is_public,
            "department_id": self.department_id,
            "deadlines": dict(self.deadlines),
            "overdue": list(self.overdue),
            "escalation": self.escalation,
            "state_at": self.state_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
