"""The owner keys of citizens who reach the platform through a channel rather than an
account (``domain/identities.py``), keyed with the stack's owner-key secret."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from chalicelib.core.domain import identities
from chalicelib.core.domain.appeal import Appeal
from chalicelib.core.domain.principal import Role
from chalicelib.core.errors import Conflict
from chalicelib.core.integrations.secrets import owner_key
from chalicelib.core.store import appeals as appeal_store


def phone_owner(e164: str) -> str:
    return identities.phone_owner(e164, owner_key())


def mail_owner(address: str) -> str:
    return identities.mail_owner(address, owner_key())


def wechat_owner(app_id: str, open_id: str) -> str:
    return identities.wechat_owner(app_id, open_id, owner_key())


# -- re-keying what an earlier version wrote ------------------------------------------------

REKEYED = "rekeyed"  # written with the new key (or would be, on a dry run)
CURRENT = "current"  # keyed with the secret already
LEFT = "left"  # no stored data gives the new key (WeChat's OpenIDs are not kept)
_ATTEMPTS = 5


def rekeyed(appeal: Appeal, new_key: str) -> Appeal:
    """The appeal owned by ``new_key``: its owner and the citizen's steps of its timeline
    (nothing else changes, not even ``updated_at``)."""
    old = appeal.citizen_id
    timeline = [
        replace(event, actor={**event.actor, "id": new_key})
        if event.actor == {"role": Role.CITIZEN.value, "id": old}
        else event
        for event in appeal.timeline
    ]
    return replace(appeal, citizen_id=new_key, timeline=timeline)


def rekey_appeals(
    resolve: Callable[[Appeal], str | None], *, dry_run: bool = False
) -> Counter[str]:
    """Every appeal owned by a ``tel:``, ``mail:`` or ``wechat:`` key, given the key
    ``resolve`` finds for it (None: it cannot tell). Counted per kind and outcome
    (``tel rekeyed``, ``mail current``, ``wechat left``...). Each write is conditional on
    the version read; one that lost a race with a person's action is read again."""
    counts: Counter[str] = Counter()
    prefixes = tuple(f"{kind}:" for kind in identities.KINDS)
    for appeal in appeal_store.scan_by_owner_prefix(prefixes):
        kind = appeal.citizen_id.partition(":")[0]
        outcome = _rekey_one(appeal, resolve, dry_run)
        counts[f"{kind} {outcome}"] += 1
    return counts


def _rekey_one(appeal: Appeal, resolve: Callable[[Appeal], str | None], dry_run: bool) -> str:
    for _ in range(_ATTEMPTS):
        new_key = resolve(appeal)
        if new_key is None:
            return LEFT
        if new_key == appeal.citizen_id:
            return CURRENT
        if dry_run:
            return REKEYED
        try:
            appeal_store.save_transition(rekeyed(appeal, new_key))
            return REKEYED
        except Conflict:
            current = appeal_store.get(appeal.id)
            if current is None:
                return LEFT
            appeal = current
    raise Conflict(f"appeal {appeal.id} kept changing while it was re-keyed: run again")
