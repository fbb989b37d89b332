"""The event catalogue: every event a department's system receives, with the JSON Schema
of its body (the envelope, its ``data`` and the ``work_order`` it carries), an example, when
it is sent and to whom. One definition: the deliverer stamps ``schema_version`` from it,
the OpenAPI document's ``webhooks`` section is built from it, and the test suite validates
every delivery it makes against it.

Changes within a version are additive only (a new event type, a new optional field); a
change that is not (a field removed, renamed or retyped) is a new version, announced
beforehand and sent beside the old one for the stated period (docs/integrate/events.md).

Adding an event type: add its ``EventType`` to ``EVENTS`` (the suite fails on a delivery
whose type has none), then emit it from ``notices.py``."""

from __future__ import annotations

import copy
from dataclasses import field
from typing import Any

from chalicelib.core.domain import schemas
from chalicelib.core.domain.records import frozen

SCHEMA_VERSION = "1"
SCHEMA_VERSION_HEADER = "X-Minsheng-Schema-Version"

_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_DEADLINES: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"sign_due": _TIME, "contact_due": _TIME, "reply_due": _TIME},
}
_STAGE = {"type": "string", "enum": ["sign", "contact", "reply"]}


def _data(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


# The work order as the department reads it through the API at the time of the delivery.
WORK_ORDER: dict[str, Any] = {
    **copy.deepcopy(schemas.APPEAL),
    "description": "The work order as the department reads it (GET /appeals/{id}) when the "
    "delivery is made; masked as leaders read it while the URL is not verified",
}
WORK_ORDER["properties"].update(
    {
        "state_at": _TIME,
        "reply": {"type": ["object", "null"]},
        "extension": {"type": ["object", "null"]},
        "merged_into": {"type": ["string", "null"]},
    }
)

# Who receives what (the ``to`` of each event).
LEAD_AND_CO = "the lead department and every co-handling department"
LEAD = "the lead department"


@frozen
class EventType:
    type: str
    when: str
    to: str
    data: dict[str, Any]
    example: dict[str, Any]
    about_work_order: bool = True  # carries appeal_id, masked and work_order
    extra: dict[str, Any] = field(default_factory=dict)  # more top-level properties


_EVENTS = (
    EventType(
        "work_order.dispatched",
        "The work order is dispatched to the department (first dispatch, re-dispatch, "
        "or again after rework)",
        LEAD_AND_CO,
        _data(
            ["role", "deadlines"],
            {
                "role": {"type": "string", "enum": ["lead", "co"]},
                "round": {"type": ["integer", "null"], "minimum": 1},
                "deadlines": _DEADLINES,
            },
        ),
        {
            "role": "lead",
            "round": 1,
            "deadlines": {
                "sign_due": "2026-11-28T09:45:00.000+08:00",
                "contact_due": "2026-11-28T10:00:00.000+08:00",
                "reply_due": "2026-12-03T09:30:00.000+08:00",
            },
        },
    ),
    EventType(
        "work_order.reminder",
        "A stage's deadline is near (sign 5 min, contact 10 min, reply 4 h before)",
        "the department that owes the stage",
        _data(["stage", "due"], {"stage": _STAGE, "due": _TIME_OR_NULL}),
        {"stage": "reply", "due": "2026-12-03T09:30:00.000+08:00"},
    ),
    EventType(
        "work_order.overdue",
        "A stage's deadline has passed (once per stage and round)",
        "the department that owes the stage",
        _data(["stage", "due"], {"stage": _STAGE, "due": _TIME_OR_NULL}),
        {"stage": "sign", "due": "2026-11-28T09:45:00.000+08:00"},
    ),
    EventType(
        "work_order.commented",
        "A leader commented (点评批示) on an open work order",
        LEAD_AND_CO,
        _data(["comment"], {"comment": {"type": "integer", "minimum": 1}}),
        {"comment": 1},
    ),
    EventType(
        "work_order.rework",
        "The citizen was not satisfied and asked for the work to be done again (重办); "
        "a new round's deadlines",
        LEAD_AND_CO,
        _data(["deadlines"], {"deadlines": _DEADLINES}),
        {
            "deadlines": {
                "sign_due": "2026-12-04T10:15:00.000+08:00",
                "contact_due": "2026-12-04T10:30:00.000+08:00",
                "reply_due": "2026-12-09T10:00:00.000+08:00",
            }
        },
    ),
    EventType(
        "work_order.merged",
        "Another appeal was merged into this work order as a duplicate",
        "the department handling the work order merged into",
        _data(["merged_appeal_id"], {"merged_appeal_id": schemas.APPEAL_ID}),
        {"merged_appeal_id": "20261128-9M2K4Q7R"},
    ),
    EventType(
        "work_order.recalled",
        "The work order left the department (it returned it, or the center re-dispatched "
        "it elsewhere); work_order is null from then on",
        "the department(s) it left",
        _data(["reason"], {"reason": {"type": "string", "enum": ["returned", "redispatched"]}}),
        {"reason": "redispatched"},
    ),
    EventType(
        "work_order.extension_decided",
        "The platform center decided the department's extension request (延期); approved, "
        "the reply deadline moves",
        LEAD,
        _data(
            ["approve", "days", "reply_due"],
            {
                "approve": {"type": "boolean"},
                "days": {"type": "integer", "minimum": 1},
                "reply_due": {
                    **_TIME_OR_NULL,
                    "description": "The reply deadline after the decision (the new one if "
                    "approved, the same as before if refused)",
                },
                "previous_reply_due": {
                    **_TIME_OR_NULL,
                    "description": "The deadline before the decision (approved only)",
                },
            },
        ),
        {
            "approve": True,
            "days": 3,
            "reply_due": "2026-12-08T09:30:00.000+08:00",
            "previous_reply_due": "2026-12-03T09:30:00.000+08:00",
        },
    ),
    EventType(
        "work_order.citizen_note",
        "The citizen added to their open work order (a reply to the mayor's mailbox, say): "
        "the note is the timeline event at position event of work_order",
        LEAD_AND_CO,
        _data(
            ["event"],
            {
                "event": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "The note's index in work_order.timeline",
                },
                "channel": {"type": "string"},
                "media_added": {"type": "integer", "minimum": 0},
            },
        ),
        {"event": 6, "channel": "mailbox", "media_added": 0},
    ),
    EventType(
        "work_order.rated",
        "The citizen rated the reply (评价), or the platform center recorded their answer "
        "to a call-back (回访) as the rating, without rework",
        LEAD_AND_CO,
        _data(
            ["score", "resolved"],
            {
                "score": {"type": "integer", "minimum": 1, "maximum": 5},
                "resolved": {"type": "boolean"},
            },
        ),
        {"score": 5, "resolved": True},
    ),
    EventType(
        "work_order.closed",
        "The work order is closed (办结): rated, or with no rating 7 days after the reply",
        LEAD_AND_CO,
        _data(["reason"], {"reason": {"type": "string", "enum": ["rated", "no_rating"]}}),
        {"reason": "rated"},
    ),
    EventType(
        "work_order.urged",
        "The platform center or a leader urged the open work order (催办)",
        "the department holding the work order",
        _data(
            ["count", "overdue"],
            {
                "count": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "description": "The work order's urges so far, this one included",
                },
                "overdue": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The stages overdue when it was urged",
                },
            },
        ),
        {"count": 1, "overdue": ["reply"]},
    ),
    EventType(
        "work_order.dispute_decided",
        "The platform center decided the department's return (派单异议审核) by its next "
        "step: dispatched back to the same department rejects the dispute (its reply "
        "deadline runs on from the first dispatch); any other step upholds it",
        "the department that returned the work order",
        _data(
            ["outcome", "step", "event"],
            {
                "outcome": {"type": "string", "enum": ["upheld", "rejected"]},
                "step": {
                    "type": "string",
                    "enum": ["dispatched", "transferred", "rejected", "merged"],
                    "description": "The center's step that decided it",
                },
                "event": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "The step's index in the work order's timeline (its note "
                    "says why, when the dispute is rejected)",
                },
            },
        ),
        {"outcome": "rejected", "step": "dispatched", "event": 7},
    ),
    EventType(
        "webhook.changed",
        "The department's webhook registration changed (URL or enabled flag): sent to the "
        "URL being replaced",
        "the department, at the URL being replaced",
        _data(
            ["action"],
            {
                "action": {"type": "string"},
                "old_url": {"type": ["string", "null"]},
                "url": {"type": ["string", "null"]},
                "old_enabled": {"type": ["boolean", "null"]},
                "enabled": {"type": ["boolean", "null"]},
                "by": {"type": "object"},
            },
        ),
        {
            "action": "changed",
            "old_url": "https://cases.example.gov.cn/minsheng",
            "url": "https://cases.example.gov.cn/minsheng-v2",
            "old_enabled": True,
            "enabled": True,
            "by": {"role": "admin", "id": "a1b2", "username": "admin1"},
        },
        about_work_order=False,
    ),
    EventType(
        "webhook.verify",
        "A challenge to a newly registered URL: answer 200 with the challenge's "
        "HMAC-SHA256 under the secret",
        "the department, at the new URL",
        _data(["challenge"], {"challenge": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}),
        {"challenge": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
        about_work_order=False,
    ),
)
EVENTS: dict[str, EventType] = {e.type: e for e in _EVENTS}


class UnknownEventType(KeyError):
    """A delivery of a type the catalogue does not describe."""


def event_type(type_: str) -> EventType:
    try:
        return EVENTS[type_]
    except KeyError as exc:
        raise UnknownEventType(f"{type_} has no schema in the event catalogue") from exc


def payload_schema(type_: str) -> dict[str, Any]:
    """The JSON Schema (2020-12, self-contained) of the body a delivery of ``type_`` has."""
    event = event_type(type_)
    properties: dict[str, Any] = {
        "id": {
            "type": "string",
            "pattern": "^[0-9a-f]{32}$",
            "description": "The delivery's id, equal to X-Minsheng-Delivery, the same on "
            "every retry: drop a body whose id you have handled",
        },
        "type": {"const": event.type},
        "schema_version": {
            "const": SCHEMA_VERSION,
            "description": "The body's format version (also in X-Minsheng-Schema-Version)",
        },
        "occurred_at": {
            **_TIME,
            "description": "When the change happened (not when it was sent)",
        },
        "department_id": {"type": "string"},
        "data": copy.deepcopy(event.data),
    }
    required = ["id", "type", "schema_version", "occurred_at", "department_id", "data"]
    if event.about_work_order:
        properties["appeal_id"] = schemas.APPEAL_ID
        properties["masked"] = {"type": "boolean"}
        properties["work_order"] = {
            "anyOf": [copy.deepcopy(WORK_ORDER), {"type": "null"}],
            "description": "null once the work order is no longer the department's",
        }
        required += ["appeal_id", "masked", "work_order"]
    properties.update(copy.deepcopy(event.extra))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": event.type,
        "description": f"{event.when}. To: {event.to}.",
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


def example(type_: str) -> dict[str, Any]:
    """An example body of ``type_`` (the work order cut to a few fields)."""
    event = event_type(type_)
    body: dict[str, Any] = {
        "id": "3f1c9a0e6b8d4e2f9a7c5b3d1e0f2a4b",
        "type": event.type,
        "schema_version": SCHEMA_VERSION,
        "occurred_at": "2026-11-28T09:30:00.000+08:00",
        "department_id": "transport-bureau",
        "data": copy.deepcopy(event.example),
    }
    if event.about_work_order:
        body["appeal_id"] = "20261128-7K3M9Q2P"
        body["masked"] = False
        body["work_order"] = {
            "id": "20261128-7K3M9Q2P",
            "state": "dispatched",
            "kind": "complaint",
            "title": "小区门口积水",
            "content": "雨后积水严重，无法通行",
            "created_at": "2026-11-28T09:12:00.000+08:00",
            "updated_at": "2026-11-28T09:30:00.000+08:00",
            "version": 3,
            "timeline": [],
        }
    return body


def openapi_webhooks(headers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The OpenAPI 3.1 ``webhooks`` section: one POST per event type, with the headers
    every delivery carries (``headers``), its body's schema and an example."""
    found: dict[str, dict[str, Any]] = {}
    for type_, event in EVENTS.items():
        schema = payload_schema(type_)
        schema.pop("$schema")
        found[type_] = {
            "post": {
                "summary": event.when,
                "description": f"To: {event.to}. Body format version {SCHEMA_VERSION} "
                f"({SCHEMA_VERSION_HEADER}). Answer 2xx within 5 seconds; anything else "
                "is retried (at least once delivery: drop a repeated id).",
                "operationId": "webhook_" + type_.replace(".", "_"),
                "tags": ["webhook events"],
                "parameters": [dict(h) for h in headers],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": schema,
                            "examples": {"example": {"value": example(type_)}},
                        }
                    },
                },
                "responses": {
                    "200": {"description": "Received (any 2xx)"},
                    "default": {"description": "Not received: the delivery is tried again"},
                },
            }
        }
    return found
