"""Who is calling, as the verified token says."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from chalicelib.core.domain.records import frozen


class Role(StrEnum):
    CITIZEN = "citizen"
    OPERATOR = "operator"
    DEPARTMENT = "department"
    LEADER = "leader"
    ADMIN = "admin"
    SYSTEM = "system"


DEPUTY_GROUP = "deputy"

# A user in several groups acts with the strongest one.
_GROUP_PRECEDENCE = (Role.ADMIN, Role.LEADER, Role.OPERATOR, Role.DEPARTMENT)


# The roles a staff account (or a deputy's) is given; each is a group of the user pool.
ACCOUNT_ROLES = ("operator", "department", "leader", "admin", DEPUTY_GROUP)


def account_role(groups: set[str] | list[str] | tuple[str, ...]) -> str | None:
    """The role an account's groups give it (the strongest staff group, else ``deputy``),
    or None for a plain citizen."""
    found = set(groups)
    staff = next((r.value for r in _GROUP_PRECEDENCE if r.value in found), None)
    return staff or (DEPUTY_GROUP if DEPUTY_GROUP in found else None)


@frozen
class Principal:
    id: str
    role: Role
    username: str = ""
    department_id: str | None = None
    # Other owner keys the caller holds: the ``tel:`` key of a verified phone number
    # (``domain/identities.py``), so appeals the hotline took for that number are theirs.
    aliases: tuple[str, ...] = ()
    # A people's congress deputy or CPPCC member (Cognito group ``deputy``): a citizen
    # whose appeals are flagged and go to the center and the leaders at once.
    deputy: bool = False

    @classmethod
    def from_claims(
        cls,
        claims: dict[str, object],
        *,
        phone_owner: Callable[[str], str],
        groups_claim: str = "cognito:groups",
        department_claim: str = "custom:department_id",
    ) -> Principal:
        """The caller the token's claims describe; ``phone_owner`` gives the owner key of
        a verified phone number (``services/owners.py``), asked only when there is one.
        The user pool's claims by default; an external issuer's groups (a list, or names
        separated by spaces or commas) and department in the claims it names."""
        raw_groups = claims.get(groups_claim) or []
        if isinstance(raw_groups, str):
            raw_groups = raw_groups.replace(",", " ").split()
        groups = {str(g) for g in raw_groups} if isinstance(raw_groups, list) else set()
        role = next((r for r in _GROUP_PRECEDENCE if r.value in groups), Role.CITIZEN)
        department = claims.get(department_claim)
        department_id = str(department) if department else None
        if role is Role.DEPARTMENT and not department_id:
            # Staff without a department cannot act for one; treat them as no staff at all.
            role = Role.CITIZEN
        username = (
            claims.get("cognito:username")
            or claims.get("username")
            or claims.get("preferred_username")
            or ""
        )
        aliases: tuple[str, ...] = ()
        verified = claims.get("phone_number_verified") in (True, "true")
        phone = claims.get("phone_number")
        if role is Role.CITIZEN and verified and isinstance(phone, str) and phone:
            aliases = (phone_owner(phone),)
        return cls(
            id=str(claims["sub"]),
            role=role,
            username=str(username),
            department_id=department_id if role is Role.DEPARTMENT else None,
            aliases=aliases,
            deputy=role is Role.CITIZEN and DEPUTY_GROUP in groups,
        )

    @property
    def managed(self) -> bool:
        """Whether the caller's account is one the users API manages (staff, deputies)."""
        return self.role in _GROUP_PRECEDENCE or self.deputy

    def as_account(self, role: str | None, department_id: str | None) -> Principal:
        """The caller with the role and department their account has now (a change made
        after the token was issued counts at once); ``None``: no staff role any more."""
        from dataclasses import replace

        if role is None:
            return replace(self, role=Role.CITIZEN, department_id=None, deputy=False)
        if role == DEPUTY_GROUP:
            return replace(self, role=Role.CITIZEN, department_id=None, deputy=True)
        if role == Role.DEPARTMENT.value and not department_id:
            return replace(self, role=Role.CITIZEN, department_id=None, deputy=False)
        staff = Role(role)
        return replace(
            self,
            role=staff,
            department_id=department_id if staff is Role.DEPARTMENT else None,
            deputy=False,
            aliases=(),
        )

    def owns(self, citizen_id: str) -> bool:
        """Whether an appeal filed for ``citizen_id`` is the caller's own."""
        return citizen_id == self.id or citizen_id in self.aliases

    def actor(self) -> dict[str, str]:
        return {"role": self.role.value, "id": self.id}

    def logged(self) -> dict[str, str]:
        """The actor as a log line names it: staff by id, a citizen by role alone (their
        id, or their number's owner key, is never a log field)."""
        return {"role": self.role.value} if self.role is Role.CITIZEN else self.actor()


SYSTEM = Principal(id="minsheng", role=Role.SYSTEM, username="minsheng")


def department_system(department_id: str) -> Principal:
    """A department's own case system, acting through signed webhooks: it acts for the
    department, and the timeline records it as the system, not as one of the staff."""
    return Principal(
        id=f"system:{department_id}",
        role=Role.DEPARTMENT,
        username=f"{department_id} system",
        department_id=department_id,
    )
