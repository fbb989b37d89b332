"""Who is calling, as the verified token says."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    OPERATOR = "operator"
    DEPARTMENT = "department"
    LEADER = "leader"
    ADMIN = "admin"
    SYSTEM = "system"


# A user in several groups acts with the strongest one.
_GROUP_PRECEDENCE = (Role.ADMIN, Role.LEADER, Role.OPERATOR, Role.DEPARTMENT)


@dataclass(frozen=True)
class Principal:
    id: str
    role: Role
    username: str = ""
    department_id: str | None = None

    @classmethod
    def from_claims(cls, claims: dict[str, object]) -> Principal:
        raw_groups = claims.get("cognito:groups") or []
        groups = set(raw_groups) if isinstance(raw_groups, list) else set()
        role = next((r for r in _GROUP_PRECEDENCE if r.value in groups), Role.CITIZEN)
        department = claims.get("custom:department_id")
        department_id = str(department) if department else None
        if role is Role.DEPARTMENT and not department_id:
            # Staff without a department cannot act for one; treat them as no staff at all.
            role = Role.CITIZEN
        username = claims.get("cognito:username") or claims.get("username") or ""
        return cls(
            id=str(claims["sub"]),
            role=role,
            username=str(username),
            department_id=department_id if role is Role.DEPARTMENT else None,
        )

    def actor(self) -> dict[str, str]:
        return {"role": self.role.value, "id": self.id}


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
