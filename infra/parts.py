"""The optional parts of the deployed stack (``chalicelib.core.config.FEATURES``).

The full template has one parameter per part (``on`` / ``off``) and a Condition on every
resource, grant, alarm, environment variable and output the part brings; the core
template (``make package`` writes both) leaves the parts out altogether, so it names no
resource type of theirs (SES, for one) and deploys in a region without them.

Tables stay in both whatever is on: a part switched off keeps its records, and finds
them again when it is switched back on (a table removed with the part would be retained
by its deletion policy and a new, empty one made on the way back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.core.config import FEATURES


@dataclass(frozen=True)
class Part:
    feature: str  # the name in MINSHENG_FEATURES
    parameter: str  # the stack parameter switching it
    description: str

    @property
    def condition(self) -> str:
        return f"{self.parameter}On"


PARTS = {
    p.feature: p
    for p in (
        Part(
            "mailbox",
            "Mailbox",
            "The mayor's mailbox (区长信箱): SES receiving, the inbox bucket, its queues and "
            "consumer (SES receiving exists in a few regions only: docs/operate/regions.md)",
        ),
        Part("wechat", "WeChat", "The WeChat official account (its secret and /wechat)"),
        Part(
            "sms",
            "SmsFollowUp",
            "SMS follow-up of hotline and mailbox appeals: rating links sent as texts (SNS)",
        ),
        Part(
            "reports",
            "ReportEmails",
            "Daily and weekly report emails (SES sending, the two schedules, the recipients)",
        ),
        Part("open311", "Open311", "The Open311 GeoReport v2 API and its keys"),
        Part(
            "knowledge",
            "KnowledgeSearch",
            "The knowledge base, its search (the search layer) and the center's direct reply",
        ),
    )
}
assert tuple(PARTS) == FEATURES, "every optional part has its stack parameter"

# The symbolic resources of infra/permissions.py only a part uses: a grant on one is the
# part's (conditional in the full template, absent from the core one).
RESOURCE_FEATURES = {
    "table:mail_table": "mailbox",
    "index:mail_table/flagged": "mailbox",
    "objects:inbox_bucket/inbox/": "mailbox",
    "identity:mailbox_address": "mailbox",
    "secrets:wechat_secret": "wechat",
    "sms:phone-numbers": "sms",
    "table:rating_links_table": "sms",
    "index:rating_links_table/by-token": "sms",
    "identity:report_sender": "reports",
    "table:api_keys_table": "open311",
    "table:knowledge_table": "knowledge",
    "index:knowledge_table/by-owner": "knowledge",
}

NO_VALUE = {"Ref": "AWS::NoValue"}


class Selection:
    """Which parts a template carries: each one switchable (the full template) or none
    (the core template)."""

    def __init__(self, included: frozenset[str]) -> None:
        unknown = included - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown parts {sorted(unknown)}")
        self.included = included

    def has(self, feature: str | None) -> bool:
        return feature is None or feature in self.included

    def condition(self, feature: str | None) -> str | None:
        return PARTS[feature].condition if feature is not None else None

    def when(self, feature: str | None, value: Any) -> Any:
        """``value`` where the part is on (NoValue where it is off); the value itself for
        the core. Only for parts the template carries."""
        if feature is None:
            return value
        return {"Fn::If": [PARTS[feature].condition, value, NO_VALUE]}

    def parameters(self) -> dict[str, Any]:
        return {
            PARTS[f].parameter: {
                "Type": "String",
                "AllowedValues": ["on", "off"],
                "Default": "on",
                "Description": PARTS[f].description,
            }
            for f in FEATURES
            if f in self.included
        }

    def conditions(self) -> dict[str, Any]:
        return {
            PARTS[f].condition: {"Fn::Equals": [{"Ref": PARTS[f].parameter}, "on"]}
            for f in FEATURES
            if f in self.included
        }

    def features_value(self) -> Any:
        """``MINSHENG_FEATURES`` as the stack sets it: the parts that are on."""
        if not self.included:
            return "none"
        return {
            "Fn::Join": [
                "",
                [
                    {"Fn::If": [PARTS[f].condition, f"{f},", ""]}
                    for f in FEATURES
                    if f in self.included
                ],
            ]
        }


def mark(resource: dict[str, Any], condition: str | None) -> dict[str, Any]:
    """``resource`` with ``condition`` (none for the core)."""
    if condition is not None:
        resource["Condition"] = condition
    return resource


def simplify(resources: dict[str, Any]) -> None:
    """Inside a resource on a part's condition, that part's ``Fn::If`` is its first
    branch: the resource exists only where the part is on."""

    def unwrap(value: Any, condition: str) -> Any:
        if isinstance(value, dict):
            branches = value.get("Fn::If")
            if len(value) == 1 and isinstance(branches, list) and branches[0] == condition:
                return unwrap(branches[1], condition)
            return {k: unwrap(v, condition) for k, v in value.items()}
        if isinstance(value, list):
            return [unwrap(v, condition) for v in value]
        return value

    for name, resource in resources.items():
        condition = resource.get("Condition")
        if condition:
            resources[name] = unwrap(resource, condition)


def fixed(template: dict[str, Any], truth: dict[str, bool]) -> dict[str, Any]:
    """``template`` with the conditions ``truth`` names decided (the others kept): their
    resources and outputs gone where false, their ``Fn::If`` replaced by the branch, the
    conditions themselves removed. For a template variant that must not name a resource
    type at all (CloudFormation refuses a type its region lacks even behind a false
    condition). A kept condition may not depend on a decided one."""
    kept = {k: v for k, v in template.get("Conditions", {}).items() if k not in truth}
    for name, condition in kept.items():
        if any(f'"Condition": "{decided}"' in json.dumps(condition) for decided in truth):
            raise ValueError(f"condition {name} depends on one decided here")

    gone = object()  # a decided Fn::If whose branch is AWS::NoValue: the key goes

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            branches = value.get("Fn::If")
            if len(value) == 1 and isinstance(branches, list) and branches[0] in truth:
                chosen = branches[1] if truth[branches[0]] else branches[2]
                return gone if chosen == NO_VALUE else walk(chosen)
            items = {k: walk(v) for k, v in value.items()}
            return {k: v for k, v in items.items() if v is not gone}
        if isinstance(value, list):
            return [item for item in (walk(v) for v in value) if item is not gone]
        return value

    result = {k: v for k, v in template.items() if k != "Conditions"}
    if kept:
        result["Conditions"] = kept
    for section in ("Resources", "Outputs"):
        entries = {}
        for name, entry in template.get(section, {}).items():
            condition = entry.get("Condition")
            if condition in truth:
                if not truth[condition]:
                    continue
                entry = {k: v for k, v in entry.items() if k != "Condition"}
            entries[name] = entry
        result[section] = walk(entries)
    return result


def resolved(template: dict[str, Any], truth: dict[str, bool]) -> dict[str, Any]:
    """``template`` as CloudFormation sees it with each condition ``truth`` says (every
    condition must be named): resources and outputs of false conditions gone, each
    ``Fn::If`` replaced by its branch, ``AWS::NoValue`` left out. For tests and reviews."""
    missing = set(template.get("Conditions", {})) - set(truth)
    if missing:
        raise KeyError(f"no truth for {sorted(missing)}")

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1 and "Fn::If" in value:
                condition, when_true, when_false = value["Fn::If"]
                return walk(when_true if truth[condition] else when_false)
            items = {k: walk(v) for k, v in value.items()}
            return {k: v for k, v in items.items() if v != NO_VALUE}
        if isinstance(value, list):
            return [item for item in (walk(v) for v in value) if item != NO_VALUE]
        return value

    result = {k: v for k, v in template.items() if k not in ("Conditions", "Rules")}
    for section in ("Resources", "Outputs"):
        kept = {
            name: {k: v for k, v in entry.items() if k != "Condition"}
            for name, entry in template.get(section, {}).items()
            if truth.get(entry.get("Condition", ""), True)
        }
        result[section] = walk(kept)
    return result
