"""Open311 GeoReport v2 as the platform speaks it: pure shaping of services, requests,
discovery and errors in JSON and XML, and the parsing of the spec's query parameters.

What the public reads of an appeal comes from ``Appeal.view(None)`` (masked text, coarse
location); nothing here sees a contact."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.core.domain.appeal import Appeal, State
from chalicelib.core.domain.clock import TZ, iso
from chalicelib.core.domain.ids import is_appeal_id
from chalicelib.core.domain.masking import mask_name
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import ValidationFailed

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

DEFAULT_DAYS = 90  # the spec's default window, and the longest one may ask for
MAX_RESULTS = 1000  # the spec's default (and our) largest answer
MAX_IDS = 100  # service_request_id values in one call
MAX_CODES = 100  # service_code values in one call (DynamoDB's IN takes 100)

# Appeals the department has answered are closed for Open311; a rework opens them again.
CLOSED_STATES = frozenset({State.REPLIED, State.CLOSED})
STATUSES = ("open", "closed")


def status_of(state: State) -> str:
    return "closed" if state in CLOSED_STATES else "open"


def states_for(statuses: Sequence[str]) -> frozenset[State]:
    from chalicelib.core.domain.appeal import PUBLIC_STATES

    return frozenset(s for s in PUBLIC_STATES if status_of(s) in statuses)


def split_format(name: str) -> tuple[str, str | None]:
    """``20261126-ABCDEFGH.json`` -> (``20261126-ABCDEFGH``, ``json``); no known suffix:
    (name, None)."""
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix.lower() in FORMATS:
        return stem, suffix.lower()
    return name, None


# --- shapes -----------------------------------------------------------------------------


def service(category: Any) -> dict[str, Any]:
    """A category as an Open311 service. No category defines attributes, so ``metadata``
    is false and the service definition lists none."""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(category.keywords),
        "group": category.group or "",
    }


def service_definition(code: str) -> dict[str, Any]:
    return {"service_code": code, "attributes": []}


def description_of(title: str, content: str) -> str:
    """The appeal's words as one text: the title, then the content (unless it already
    starts with the title, as Open311 submissions do)."""
    if not title or content.startswith(title.rstrip("…")):
        return content
    return f"{title}\n{content}"


def _without_name(appeal: Appeal) -> Callable[[str | None], Any]:
    """Free-text masking finds numbers, not names: the citizen's own name, known from the
    contact, is masked wherever the text repeats it."""
    name = ((appeal.contact or {}).get("name") or "").strip()

    def hide(text: str | None) -> str | None:
        if not text or len(name) < 2:
            return text
        return text.replace(name, mask_name(name) or "")

    return hide


def service_request(
    appeal: Appeal, services: Mapping[str, str], departments: Mapping[str, str]
) -> dict[str, Any]:
    """An appeal as the public reads it, in the spec's fields. ``services`` and
    ``departments`` map codes and ids to names."""
    public = appeal.view(None, with_timeline=False)
    location = public.get("location") or {}
    reply = public.get("reply") or {}
    status = status_of(appeal.state)
    department = appeal.department_id
    hide = _without_name(appeal)
    return {
        "service_request_id": appeal.id,
        "status": status,
        "status_notes": hide(reply.get("public_reply")) if status == "closed" else None,
        "service_name": services.get(appeal.category or "") if appeal.category else None,
        "service_code": appeal.category,
        "description": hide(description_of(public["title"], public["content"])),
        "agency_responsible": departments.get(department) if department else None,
        "service_notice": None,
        "requested_datetime": appeal.created_at,
        "updated_datetime": appeal.updated_at,
        "expected_datetime": appeal.deadlines.get("reply_due") if status == "open" else None,
        "address": location.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": location.get("lat"),
        "long": location.get("lng"),
        "media_url": None,
    }


def created(appeal_id: str, notice: str) -> list[dict[str, Any]]:
    return [{"service_request_id": appeal_id, "service_notice": notice, "account_id": None}]


def discovery(base_url: str, changeset: str, contact: str) -> dict[str, Any]:
    return {
        "changeset": changeset,
        "contact": contact,
        "key_service": "API keys are issued by the platform's administrators.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": changeset,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def errors(status: int, failure: ValidationFailed | str) -> list[dict[str, Any]]:
    """The spec's error list; validation errors name the field at fault, one per entry."""
    if isinstance(failure, ValidationFailed):
        return [
            {"code": status, "description": f"{e['field']}: {e['message']}"} for e in failure.errors
        ]
    return [{"code": status, "description": failure}]


# --- XML --------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (escaping does not help): replaced.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Containers and the name of each of their items.
_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "endpoints": "endpoint",
    "formats": "format",
    "values": "value",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: Element, value: Any) -> None:
    from xml.etree.ElementTree import SubElement

    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(SubElement(element, key), item)
    elif isinstance(value, list):
        child = _ITEMS.get(element.tag, "item")
        for item in value:
            _fill(SubElement(element, child), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> str:
    """``value`` under ``<root>``, lists as repeated items (``services`` -> ``service``),
    every text escaped by the standard library."""
    from xml.etree import ElementTree  # only the XML answers pay for it

    element = ElementTree.Element(root)
    _fill(element, value)
    body = ElementTree.tostring(element, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


# --- query parameters -------------------------------------------------------------------


@frozen
class RequestQuery:
    """What ``GET requests`` asks: ids (which override everything else), or a window of
    submission times with optional service codes and statuses."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None

    def months(self) -> list[str]:
        """The public feed's month partitions the window touches, newest first."""
        assert self.start is not None and self.end is not None
        months: list[str] = []
        year, month = self.end.year, self.end.month
        while (year, month) >= (self.start.year, self.start.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return months

    def bounds(self) -> tuple[str, str]:
        assert self.start is not None and self.end is not None
        return iso(self.start), iso(self.end)


def _list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _moment(raw: str) -> datetime:
    """A W3C date-time (``2026-11-01T00:00:00Z``, any offset) or a date; without an offset,
    Asia/Shanghai."""
    moment = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment.astimezone(TZ)


KNOWN_QUERY = frozenset(
    {"service_request_id", "service_code", "start_date", "end_date", "status", "jurisdiction_id"}
)


def parse_request_query(params: Mapping[str, str], now: datetime) -> RequestQuery:
    """Every parameter checked; every one at fault named."""
    problems: list[dict[str, str]] = []
    for name in sorted(set(params) - KNOWN_QUERY):
        problems.append({"field": name, "message": "is not a parameter of this call"})
    ids = _list(params.get("service_request_id", ""))
    bad_ids = [i for i in ids if not is_appeal_id(i)]
    if bad_ids:
        problems.append(
            {"field": "service_request_id", "message": f"{bad_ids[0]!r} is not a request id"}
        )
    if len(ids) > MAX_IDS:
        problems.append({"field": "service_request_id", "message": f"at most {MAX_IDS} ids"})
    codes = _list(params.get("service_code", ""))
    if len(codes) > MAX_CODES:
        problems.append({"field": "service_code", "message": f"at most {MAX_CODES} codes"})
    statuses = [s.lower() for s in _list(params.get("status", ""))]
    wrong = [s for s in statuses if s not in STATUSES]
    if wrong:
        problems.append({"field": "status", "message": f"{wrong[0]!r} is not open or closed"})
    moments: dict[str, datetime] = {}
    for name in ("start_date", "end_date"):
        raw = params.get(name)
        if raw is None or not raw.strip():
            continue
        try:
            moments[name] = _moment(raw)
        except ValueError:
            problems.append(
                {"field": name, "message": "is not a W3C date-time (2026-11-01T00:00:00+08:00)"}
            )
    if problems:
        raise ValidationFailed(problems)
    window = timedelta(days=DEFAULT_DAYS)
    start, end = moments.get("start_date"), moments.get("end_date")
    if start is None and end is None:
        end = now
    if end is None:
        assert start is not None
        end = start + window
    if start is None:
        start = end - window
    if start > end:
        raise ValidationFailed.one("end_date", "is before start_date")
    if end - start > window:
        raise ValidationFailed.one(
            "end_date", f"may be at most {DEFAULT_DAYS} days after start_date"
        )
    return RequestQuery(
        ids=tuple(dict.fromkeys(ids)),
        service_codes=tuple(dict.fromkeys(codes)),
        statuses=tuple(dict.fromkeys(statuses)),
        start=start,
        end=end,
    )


# --- POST requests: the form as the intake request every channel uses ---------------------

# Accepted and not kept: the platform contacts citizens by phone, has no accounts or devices
# of other systems, and is one jurisdiction.
IGNORED_FIELDS = ("jurisdiction_id", "email", "device_id", "account_id")
FORM_FIELDS = frozenset(
    {
        "api_key",
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "description",
        "first_name",
        "last_name",
        "phone",
        "media_url",
        *IGNORED_FIELDS,
    }
)
OPEN311_KIND = "complaint"  # Open311 reports problems; the center may reclassify on accept
TITLE_CHARS = 30
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}[0-9]$")
SERVICE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _number(
    form: Mapping[str, str], name: str, low: float, high: float, problems: list[Any]
) -> float | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # also refuses nan and inf
        problems.append({"field": name, "message": f"must be a number from {low:g} to {high:g}"})
        return None
    return value


def _name(first: str, last: str) -> str:
    if any("\u3400" <= ch <= "\u9fff" for ch in first + last):  # CJK: no regex to compile
        return last + first  # 张 + 三: the family name first, no space
    return " ".join(p for p in (first, last) if p)


def title_of(description: str) -> str:
    line = description.strip().splitlines()[0].strip()
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def intake_request(form: Mapping[str, str], is_service: Callable[[str], bool]) -> dict[str, Any]:
    """The Open311 form as an intake request (``APPEAL_RECORD``'s fields, channel
    ``open311``). Every field at fault is named as Open311 names it; ``is_service`` says
    whether a code is a service one may post to."""
    problems: list[dict[str, str]] = []
    for name in sorted(set(form) - FORM_FIELDS):
        message = "is not a field of this call"
        if name.startswith("attribute["):
            message = "no service here defines attributes"
        problems.append({"field": name, "message": message})
    text = {name: form.get(name, "").strip() for name in FORM_FIELDS}
    code = text["service_code"]
    if not code:
        problems.append({"field": "service_code", "message": "is required"})
    elif not SERVICE_CODE.match(code) or not is_service(code):
        problems.append({"field": "service_code", "message": "is not a known service code"})
    description = text["description"]
    if not description:
        problems.append({"field": "description", "message": "is required"})
    lat = _number(form, "lat", -90, 90, problems)
    lng = _number(form, "long", -180, 180, problems)
    if (lat is None) != (lng is None) and not any(p["field"] in ("lat", "long") for p in problems):
        missing = "long" if lng is None else "lat"
        problems.append({"field": missing, "message": "is required with lat and long together"})
    address = text["address_string"]
    if len(address) > 200:
        problems.append({"field": "address_string", "message": "must be at most 200 characters"})
    if text["address_id"]:
        problems.append(
            {
                "field": "address_id",
                "message": "is not known here: send lat and long, or address_string",
            }
        )
    elif lat is None and lng is None and not address and not problems_for(problems, "lat", "long"):
        problems.append({"field": "lat", "message": "lat and long, or address_string, is required"})
    content = description
    if address and lat is None:
        content = f"{description}\n地址：{address}"
    if len(content) > 4000:
        problems.append(
            {
                "field": "description",
                "message": "must be at most 4000 characters (with the address)",
            }
        )
    name = _name(text["first_name"], text["last_name"])
    if len(name) > 50:
        problems.append(
            {
                "field": "last_name",
                "message": "first_name and last_name: at most 50 characters together",
            }
        )
    phone = text["phone"]
    if phone and not _PHONE.match(phone):
        problems.append({"field": "phone", "message": "is not a phone number"})
    if text["email"] and not _EMAIL.match(text["email"]):
        problems.append({"field": "email", "message": "is not an e-mail address"})
    if text["media_url"]:
        problems.append(
            {"field": "media_url", "message": "is not taken: photos are uploaded through the app"}
        )
    if problems:
        raise ValidationFailed(problems)
    request: dict[str, Any] = {
        "kind": OPEN311_KIND,
        "channel": "open311",
        "title": title_of(description),
        "content": content,
        "category": code,
        "is_public": True,
    }
    if lat is not None and lng is not None:
        request["location"] = {"lat": lat, "lng": lng, **({"address": address} if address else {})}
    contact = {k: v for k, v in (("name", name), ("phone", phone)) if v}
    if contact:
        request["contact"] = contact
    return request


def problems_for(problems: Sequence[Mapping[str, str]], *fields: str) -> bool:
    return any(p["field"] in fields for p in problems)


# Intake's field names -> the form's, for an error the intake's own checks find.
INTAKE_FIELDS = {
    "title": "description",
    "content": "description",
    "category": "service_code",
    "location.lat": "lat",
    "location.lng": "long",
    "location.address": "address_string",
    "contact.name": "last_name",
    "contact.phone": "phone",
}


def as_form_errors(failure: ValidationFailed) -> ValidationFailed:
    return ValidationFailed(
        [
            {"field": INTAKE_FIELDS.get(e["field"], e["field"]), "message": e["message"]}
            for e in failure.errors
        ]
    )


NOTICE = (
    "已受理登记，平台中心审核后公开（驳回的不公开）；联系电话仅办理人员可见。"
    "Shown in requests once the platform center accepts it. Contact details are seen by "
    "handlers only; email is not kept."
)
