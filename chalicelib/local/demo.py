"""Demo data for the reference district: departments, categories and users of every role."""

from __future__ import annotations

import secrets
import string
from dataclasses import asdict, dataclass
from typing import Any

from chalicelib.data import district
from chalicelib.local.provision import create_user


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    department_id: str | None
    phone: str | None = None  # verified (E.164): the hotline's appeals for it are theirs
    # The authenticator app's secret (base32) of a demo user who has one: admins must.
    totp_secret: str | None = None


def new_password() -> str:
    """Random per start: the local pool's passwords are printed, never committed."""
    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(14))
        if (
            any(c.isupper() for c in body)
            and any(c.islower() for c in body)
            and any(c.isdigit() for c in body)
        ):
            return body


def load_reference_data(at: str, data: dict[str, Any] | None = None) -> tuple[int, int]:
    """Departments (towns and streets included: they handle local affairs) and categories,
    from ``data`` (a district file's contents; the demo district by default)."""
    from chalicelib.core.store import reference

    data = data or district()
    departments = 0
    for town in data["towns_and_streets"]:
        reference.put_department(town["id"], town["name"], town["kind"], at)
        departments += 1
    for department in data["departments"]:
        kind = "utility" if department["id"].endswith("-company") else "department"
        reference.put_department(department["id"], department["name"], kind, at)
        departments += 1
    for category in data["categories"]:
        target = category.get("default_department")
        reference.put_category(
            category["code"],
            name=category["name"],
            group=category.get("group"),
            default_department=category.get("default_department"),
            keywords=list(category.get("keywords", [])),
            updated_at=at,
            # Utilities take their orders directly; the rest waits for the center to accept.
            auto_dispatch=bool(target and target.endswith("-company")),
            policy_reference=bool(category.get("policy_reference", False)),
        )
    return departments, len(data["categories"])


def seed(
    cognito: Any, secretsmanager: Any, user_pool_id: str | None, client_id: str | None
) -> dict[str, Any]:
    """Every piece of demo data the stack opens on, through the services, for the parts
    that are on (``MINSHENG_FEATURES``): the reference data, the demo users (with a pool),
    the webhook secrets, the WeChat account, the report recipients and the knowledge
    base. Returns what the banner and ``stack.json`` show (JSON: it crosses a pipe)."""
    from chalicelib.core.config import settings
    from chalicelib.core.domain import clock

    on = settings().feature_on
    at = clock.iso(clock.now())
    departments, categories = load_reference_data(at)
    users = (
        create_demo_users(cognito, user_pool_id, client_id)
        if user_pool_id is not None and client_id is not None
        else []
    )
    webhook_secrets = issue_webhook_secrets()
    wechat = wechat_account(secretsmanager) if on("wechat") else None
    if on("reports"):
        load_report_recipients(at)
    articles = load_knowledge_articles(at) if on("knowledge") else 0
    return {
        "departments": departments,
        "categories": categories,
        "users": users,
        "webhook_secrets": webhook_secrets,
        "wechat": wechat,
        "articles": articles,
    }


def load_knowledge_articles(at: str) -> int:
    """The knowledge base's demo articles (at least 40, in the district's categories)."""
    from chalicelib.knowledge.services.knowledge import demo_articles, import_articles

    return import_articles(demo_articles(), at)


# citizen1's verified number: a hotline call recorded for it is in citizen1's own list.
DEMO_CALLER = "+8613800138000"


def demo_users() -> list[DemoUser]:
    data = district()
    users = [
        DemoUser("citizen1", new_password(), "citizen", None, DEMO_CALLER),
        DemoUser("citizen2", new_password(), "citizen", None),
        DemoUser("operator1", new_password(), "operator", None),
        DemoUser("leader1", new_password(), "leader", None),
        DemoUser("admin1", new_password(), "admin", None),
        DemoUser("deputy1", new_password(), "deputy", None),
    ]
    for unit in [*data["towns_and_streets"], *data["departments"]]:
        users.append(DemoUser(f"staff-{unit['id']}", new_password(), "department", unit["id"]))
    return users


# Roles whose demo users get an authenticator app at start (the API requires one of admins).
DEMO_TOTP_ROLES = ("admin",)


def create_demo_users(cognito: Any, pool_id: str, client_id: str) -> list[dict[str, Any]]:
    """The demo users with working passwords (unlike an account the users API makes, which
    starts in FORCE_CHANGE_PASSWORD as on AWS), the admin with an authenticator app, and
    the staff in the users table's directory."""
    from dataclasses import replace

    from chalicelib.core.services.accounts import adopt

    created = []
    for user in demo_users():
        group = None if user.role == "citizen" else user.role
        create_user(
            cognito, pool_id, user.username, user.password, group, user.department_id, user.phone
        )
        if user.role in DEMO_TOTP_ROLES:
            user = replace(user, totp_secret=set_up_totp(cognito, client_id, user))
        if group is not None:
            adopt(user.username)
        created.append(asdict(user))
    return created


def set_up_totp(cognito: Any, client_id: str, user: DemoUser) -> str:
    """An authenticator app for a demo user, as the console sets one up; returns its secret."""
    import pyotp

    access = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user.username, "PASSWORD": user.password},
    )["AuthenticationResult"]["AccessToken"]
    secret = str(cognito.associate_software_token(AccessToken=access)["SecretCode"])
    cognito.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).now())
    cognito.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return secret


def issue_webhook_secrets() -> dict[str, str]:
    """A signing secret for every demo department (new at each start, like the passwords),
    so an integrator can call the inbound webhook at once; no URL is registered."""
    from chalicelib.core.domain.principal import SYSTEM
    from chalicelib.core.store import reference
    from chalicelib.notifications.services.webhooks import issue_secret

    return {
        department.id: issue_secret(department.id, SYSTEM, overlap=False)[1]
        for department in reference.list_departments()
    }


DEMO_WECHAT_APP_ID = "wx0000000000demo"


def wechat_account(secretsmanager: Any) -> dict[str, str]:
    """The demo official account: a token new at each start (letters and digits, as
    WeChat's server configuration takes), so a tester can sign requests to ``/wechat``."""
    from chalicelib.core.config import settings
    from chalicelib.local.provision import create_wechat_secret

    token = new_password() + new_password()
    name = settings().wechat_secret
    create_wechat_secret(secretsmanager, name, token, DEMO_WECHAT_APP_ID)
    return {"token": token, "app_id": DEMO_WECHAT_APP_ID, "secret": name}


DEMO_MAIL_DOMAIN = "example.com"


def report_recipients() -> dict[str, Any]:
    """The leaders get the daily; every town, street and department its weekly copy."""
    data = district()
    units = [*data["towns_and_streets"], *data["departments"]]
    return {
        "daily": [f"leader1@{DEMO_MAIL_DOMAIN}", f"district-office@{DEMO_MAIL_DOMAIN}"],
        "weekly": {unit["id"]: [f"{unit['id']}@{DEMO_MAIL_DOMAIN}"] for unit in units},
    }


def load_report_recipients(at: str) -> None:
    from chalicelib.core.store import reference
    from chalicelib.figures.services.report_recipients import SETTING

    _data, version = reference.setting_with_version(SETTING)
    reference.put_setting(SETTING, {**report_recipients(), "updated_at": at}, at, version)
