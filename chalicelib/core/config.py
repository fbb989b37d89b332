"""One typed settings object, read from the environment once.

Tests and the local stack set the environment before the app is imported; PynamoDB's
``Meta`` classes read table names and the endpoint from here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

from chalicelib.core.domain.records import frozen

LOCAL_STAGES = frozenset({"local", "test"})
# The stages the docs and the Makefile name; a deployed stage may take any name
# ``STAGE_PATTERN`` allows except the local ones.
DEPLOYED_STAGES = frozenset({"dev", "prod"})
STAGE_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,19}")
STAGE_VARIABLE = "MINSHENG_STAGE"
# Reports are sent from this address (an SES identity); a deployed stage must name it.
REPORT_SENDER = "MINSHENG_REPORT_SENDER"
LOCAL_REPORT_SENDER = "reports@minsheng.localhost"
# Letters to the mayor's mailbox are written to this address (the stack's parameter).
MAILBOX_ADDRESS = "MINSHENG_MAILBOX_ADDRESS"
LOCAL_MAILBOX_ADDRESS = "mailbox@minsheng.localhost"
# Local stages also write every sent email here as files a person can open.
OUTBOX = "MINSHENG_OUTBOX_DIR"
# SES receives letters of up to 40 MB: the mailbox reads no larger one.
MAILBOX_MAX_BYTES = 40 * 1024 * 1024


# The optional parts of the product, each switched on or off as a whole: its routes, its
# handlers and (in the deployed stack) every resource, grant and alarm it brings. With all
# off the stack is the core: intake, work orders, public figures, console, dashboard,
# webhooks. ``MINSHENG_FEATURES`` names the parts that are on (unset: all of them).
FEATURES = ("mailbox", "wechat", "sms", "reports", "open311", "knowledge")
FEATURES_VARIABLE = "MINSHENG_FEATURES"
# Not a part one lists in MINSHENG_FEATURES: the staff accounts API (/users…) is on where
# the accounts are the stack's, in its own user pool. A stack without a pool (stack
# parameter UserPool=none) signs everyone in at the external issuer, where they are kept.
ACCOUNTS_FEATURE = "accounts"
POOL_FIELDS = ("user_pool_id", "user_pool_client_id")
DEFAULT_DNS_SUFFIX = "amazonaws.com"
DNS_SUFFIX_PATTERN = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)+")


class ConfigError(RuntimeError):
    """The environment does not describe a usable deployment."""


@frozen
class Oidc:
    """An external OpenID Connect issuer: its ``iss``, where its signing keys are, the
    ``aud`` its tokens carry for the platform, and the claims naming the caller's groups
    (the platform's role names) and department."""

    issuer: str
    jwks_url: str
    audience: str
    groups_claim: str = "groups"
    department_claim: str = "department_id"
    # The console's client at the issuer (a public client: authorization code with PKCE);
    # empty: the console does not sign in through the issuer.
    client_id: str = ""


OIDC_VARIABLES = (
    "MINSHENG_OIDC_ISSUER",
    "MINSHENG_OIDC_JWKS_URL",
    "MINSHENG_OIDC_AUDIENCE",
    "MINSHENG_OIDC_GROUPS_CLAIM",
    "MINSHENG_OIDC_DEPARTMENT_CLAIM",
    "MINSHENG_OIDC_CLIENT_ID",
)


def _oidc(env: Mapping[str, str], local: bool) -> Oidc | None:
    """The external issuer, all of issuer, keys and audience or none of them; its addresses
    HTTPS outside local stages."""
    issuer, jwks_url, audience = (env.get(v, "").strip() for v in OIDC_VARIABLES[:3])
    if not (issuer or jwks_url or audience):
        return None
    given = zip(OIDC_VARIABLES[:3], (issuer, jwks_url, audience), strict=True)
    missing = [v for v, value in given if not value]
    if missing:
        raise ConfigError(f"an external OIDC issuer also needs {', '.join(missing)}")
    for name, url in (("MINSHENG_OIDC_ISSUER", issuer), ("MINSHENG_OIDC_JWKS_URL", jwks_url)):
        if not url.startswith("https://") and not (local and url.startswith("http://")):
            raise ConfigError(f"{name} must be an https:// address, got {url!r}")
    claims = [env.get(v, "").strip() for v in OIDC_VARIABLES[3:]]
    return Oidc(
        issuer=issuer,
        jwks_url=jwks_url,
        audience=audience,
        groups_claim=claims[0] or "groups",
        department_claim=claims[1] or "department_id",
        client_id=claims[2],
    )


@frozen
class Settings:
    stage: str
    region: str
    appeals_table: str
    comments_table: str
    departments_table: str
    categories_table: str
    idempotency_table: str
    settings_table: str
    follows_table: str
    stats_table: str
    webhooks_table: str
    webhook_history_table: str
    deliveries_table: str
    notifications_table: str
    supports_table: str
    notifications_queue: str
    notifications_dead_letter_queue: str
    webhook_secret_prefix: str
    secret_cache_seconds: int
    delivery_retry_seconds: tuple[int, ...]
    # How many appeals one citizen may submit per window: ((count, seconds), ...).
    submission_limits: tuple[tuple[int, int], ...]
    limits_table: str
    ranking_min_cases: int
    reply_days: dict[str, int]
    dispute_decision_days: int
    reference_cache_seconds: int
    media_bucket: str
    user_pool_id: str
    user_pool_client_id: str
    aws_endpoint: str | None
    jwks_url: str
    upload_max_bytes: int
    upload_url_seconds: int
    idempotency_seconds: int
    due_index_shards: int
    public_base_url: str | None
    report_sender: str
    outbox_dir: str | None
    api_keys_table: str
    rating_links_table: str
    # The WeChat official account's token and ids (a Secrets Manager secret's name).
    wechat_secret: str
    # The mayor's mailbox (区长信箱): received letters, the bucket SES stores them in, and
    # the address letters are written to (acknowledgements are sent from it).
    mail_table: str = ""
    inbox_bucket: str = ""
    mailbox_address: str = ""
    # The knowledge base (articles, their versions, the search index's version stamp), and
    # how long an instance trusts its cached index before it checks the stamp again.
    knowledge_table: str = ""
    knowledge_cache_seconds: int = 30
    # The secret owner keys are keyed with (``domain/identities.py``): a Secrets Manager
    # secret's name. Read once per process; changing its value orphans every owner key.
    owner_key_secret: str = ""
    # How many requests one Open311 API key may post per window: ((count, seconds), ...).
    open311_limits: tuple[tuple[int, int], ...] = ()
    # Staff accounts: the directory, each account's record (enabled, MFA, signed out) and
    # every change to it; the roles that must have an authenticator app (TOTP); how long a
    # function may keep an account's record before it reads it again (0: every request).
    users_table: str = ""
    mfa_roles: frozenset[str] = frozenset({"admin"})
    account_cache_seconds: int = 0
    # The last day (Asia/Shanghai) webhooks' ``sha256=`` signatures, which do not cover the
    # delivery id, are accepted inbound and sent outbound beside ``v2=`` ones.
    webhook_sha256_until: date = date(2027, 6, 30)
    # Webhook URLs on private ranges (10/8, 172.16/12, 192.168/16, fc00::/7: a government
    # network reached from the delivery function's VPC); allowed only where the stack
    # places the delivery function in a VPC (``delivery_network`` "vpc").
    webhook_private_targets: bool = False
    delivery_network: str = "public"
    # What the mailbox reads of a letter at most: its bytes, its MIME parts and how deep
    # they nest; a letter over one is set aside for an operator, read no further than its
    # headers (the defaults are ``channels/mailbox/domain/mailbox.py``'s ``Limits``).
    mailbox_max_bytes: int = MAILBOX_MAX_BYTES
    mailbox_max_parts: int = 100
    mailbox_max_depth: int = 10
    # The origins other than the API's own whose pages may call the API from a browser
    # (CORS): a district's own app shell, a separate H5 domain. None by default.
    cors_origins: tuple[str, ...] = ()
    # The optional parts that are on (``FEATURES``).
    features: frozenset[str] = frozenset(FEATURES)
    # The partition's DNS suffix (``amazonaws.com``, ``amazonaws.com.cn``, ...): every AWS
    # host name the app writes ends with it. The stack passes ``AWS::URLSuffix``.
    dns_suffix: str = DEFAULT_DNS_SUFFIX
    # An external OpenID Connect issuer whose ID tokens are accepted beside the user pool's
    # (a district's own sign-on): ``None`` when unset.
    oidc: Oidc | None = None
    # Exports (导出): the queue a request for a file waits on until its consumer builds it
    # (the queue's URL), and the rows the consumer reads from the month index per page.
    exports_queue: str = ""
    export_page_size: int = 100

    def aws_host(self, service: str) -> str:
        """``cognito-idp`` -> ``cognito-idp.{region}.{dns suffix}``."""
        return f"{service}.{self.region}.{self.dns_suffix}"

    def feature_on(self, feature: str) -> bool:
        if feature == ACCOUNTS_FEATURE:
            return self.has_user_pool
        if feature not in FEATURES:
            raise ValueError(f"{feature!r} is not an optional part: {FEATURES}")
        return feature in self.features

    @property
    def has_user_pool(self) -> bool:
        """Whether the stack has its own user pool: without one (no pool settings) an
        external issuer signs everyone in."""
        return bool(self.user_pool_id) or self.oidc is None

    @property
    def is_local(self) -> bool:
        return self.stage in LOCAL_STAGES

    @property
    def token_issuer(self) -> str:
        return f"https://{self.aws_host('cognito-idp')}/{self.user_pool_id}"


DELIVERY_NETWORKS = ("public", "vpc")


def _private_targets(env: Mapping[str, str]) -> tuple[bool, str]:
    """``MINSHENG_WEBHOOK_PRIVATE_TARGETS`` (true/false) and ``MINSHENG_DELIVERY_NETWORK``
    (public/vpc): private targets only with the VPC placement."""
    network = env.get("MINSHENG_DELIVERY_NETWORK", "public") or "public"
    if network not in DELIVERY_NETWORKS:
        raise ConfigError("MINSHENG_DELIVERY_NETWORK must be public or vpc")
    raw = (env.get("MINSHENG_WEBHOOK_PRIVATE_TARGETS", "false") or "false").lower()
    if raw not in ("true", "false"):
        raise ConfigError("MINSHENG_WEBHOOK_PRIVATE_TARGETS must be true or false")
    if raw == "true" and network != "vpc":
        raise ConfigError(
            "MINSHENG_WEBHOOK_PRIVATE_TARGETS=true needs MINSHENG_DELIVERY_NETWORK=vpc: private "
            "addresses are reachable from the delivery function's VPC only"
        )
    return raw == "true", network


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


DEFAULT_REPLY_DAYS = {
    "consultation": 1,
    "complaint": 3,
    "suggestion": 5,
    "help": 3,
    "whistleblowing": 5,
}


def _reply_days(raw: str) -> dict[str, int]:
    """``complaint=3,consultation=1``: working days to reply, per kind (defaults above)."""
    days = dict(DEFAULT_REPLY_DAYS)
    for part in filter(None, (p.strip() for p in raw.split(","))):
        kind, _, value = part.partition("=")
        if kind not in days or not value.isdigit() or not 1 <= int(value) <= 30:
            raise ConfigError(f"MINSHENG_REPLY_DAYS: bad entry {part!r}")
        days[kind] = int(value)
    return days


# The pauses before each retry of a failed webhook delivery (``event_sources`` counts the
# deployed dead-letter policy from them).
DEFAULT_DELIVERY_RETRY_SECONDS = (30, 120, 600, 3600, 6 * 3600)


def _retry_seconds(raw: str) -> tuple[int, ...]:
    """``30,120,600,3600,21600``: the pauses before each retry of a webhook delivery. As
    many as the deployed dead-letter policy counts (``event_sources``); each at most the
    12 hours SQS allows a message to stay hidden."""
    DELIVERY_RETRY_SECONDS = DEFAULT_DELIVERY_RETRY_SECONDS
    if not raw.strip():
        return DELIVERY_RETRY_SECONDS
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != len(DELIVERY_RETRY_SECONDS) or not all(p.isdigit() for p in parts):
        raise ConfigError(
            f"MINSHENG_DELIVERY_RETRY_SECONDS needs {len(DELIVERY_RETRY_SECONDS)} whole "
            f"numbers of seconds, got {raw!r}"
        )
    values = tuple(int(p) for p in parts)
    if any(v > 12 * 3600 for v in values):
        raise ConfigError("MINSHENG_DELIVERY_RETRY_SECONDS: at most 43200 seconds each")
    return values


WEBHOOK_SHA256_UNTIL_DEFAULT = "2027-06-30"


def _last_day(name: str, default: str) -> date:
    raw = os.environ.get(name, "").strip() or default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a date (YYYY-MM-DD), got {raw!r}") from exc


SUBMISSION_LIMITS_DEFAULT = "5/minute,20/day"
# Per Open311 API key: an integrator posts for many citizens.
OPEN311_LIMITS_DEFAULT = "30/minute,1000/day"
_WINDOWS = {"minute": 60, "hour": 3600, "day": 86400}


def _submission_limits(
    raw: str, default: str = SUBMISSION_LIMITS_DEFAULT, name: str = "MINSHENG_SUBMISSION_LIMITS"
) -> tuple[tuple[int, int], ...]:
    """``5/minute,20/day``: at most 5 appeals a minute and 20 a day per citizen (windows
    ``minute``, ``hour``, ``day``; a day is the calendar day in Asia/Shanghai). ``off``
    turns the limits off."""
    text = raw.strip() or default
    if text == "off":
        return ()
    limits: list[tuple[int, int]] = []
    for part in text.split(","):
        count, _, window = part.strip().partition("/")
        if not count.isdigit() or int(count) < 1 or window not in _WINDOWS:
            raise ConfigError(f"{name}: {part.strip()!r} is not <count>/<minute|hour|day>")
        limits.append((int(count), _WINDOWS[window]))
    return tuple(limits)


def _features(raw: str | None) -> frozenset[str]:
    """``mailbox,knowledge``: the optional parts that are on; ``all`` (or unset) for every
    one, ``none`` (or empty) for the core alone. Empty entries are ignored (the stack joins
    its conditions into ``mailbox,,sms,`` and the like)."""
    if raw is None or raw.strip() == "all":
        return frozenset(FEATURES)
    names = {p.strip() for p in raw.split(",") if p.strip()} - {"none"}
    unknown = sorted(names - set(FEATURES))
    if unknown:
        raise ConfigError(
            f"{FEATURES_VARIABLE}: {', '.join(unknown)} is not one of {', '.join(FEATURES)} "
            "(or all, none)"
        )
    return frozenset(names)


MFA_ROLES_DEFAULT = "admin"
# The roles MINSHENG_MFA_ROLES may name (admins always need an authenticator app).
MFA_ROLE_CHOICES = ("operator", "department", "leader", "admin")


def _mfa_roles(raw: str) -> frozenset[str]:
    """``admin,leader,operator``: the staff roles whose accounts must have TOTP set up before
    the API answers them; ``admin`` is always among them."""
    roles = {r.strip() for r in (raw.strip() or MFA_ROLES_DEFAULT).split(",") if r.strip()}
    unknown = sorted(roles - set(MFA_ROLE_CHOICES))
    if unknown:
        raise ConfigError(
            f"MINSHENG_MFA_ROLES: {', '.join(unknown)} is not one of {', '.join(MFA_ROLE_CHOICES)}"
        )
    return frozenset(roles | {"admin"})


_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?")


def _origins(raw: str) -> tuple[str, ...]:
    """``https://app.example.gov.cn,https://h5.example.gov.cn``: each an origin exactly as
    a browser sends it (scheme, host, port if not the default; no path, no wildcard)."""
    origins = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not _ORIGIN.fullmatch(part):
            raise ConfigError(
                f"MINSHENG_CORS_ORIGINS: {part!r} is not an origin such as https://h5.example.cn"
            )
        if part not in origins:
            origins.append(part)
    return tuple(origins)


def env_name(field: str) -> str:
    """The environment variable a resource name is read from: ``appeals_table`` ->
    ``MINSHENG_APPEALS_TABLE``. ``infra/`` sets these from the stack's own resources."""
    return f"MINSHENG_{field.upper()}"


def resource_fields() -> list[str]:
    """Settings that name a deployed resource: every table and queue, the bucket, the pool
    and its client. A deployed stage must be given each one; nothing guesses them from a
    prefix."""
    from dataclasses import fields

    names = [f.name for f in fields(Settings)]
    return [n for n in names if n.endswith(("_table", "_queue"))] + [
        "media_bucket",
        "inbox_bucket",
        "user_pool_id",
        "user_pool_client_id",
    ]


# Settings a deployed stage must be given that are not one resource's name.
DEPLOYED_SETTINGS = ("webhook_secret_prefix", "wechat_secret", "owner_key_secret")


def deployed_fields() -> list[str]:
    """Every setting the deployed stack gives a function (``MINSHENG_<FIELD>``)."""
    return [*resource_fields(), *DEPLOYED_SETTINGS]


def _stage(env: Mapping[str, str]) -> str:
    stage = env.get(STAGE_VARIABLE, "")
    if not stage:
        raise ConfigError(
            f"{STAGE_VARIABLE} is not set: the stack sets its stage name when deployed "
            f"(for example {', '.join(sorted(DEPLOYED_STAGES))}; the local stack and the "
            f"tests set {', '.join(sorted(LOCAL_STAGES))})"
        )
    if not STAGE_PATTERN.fullmatch(stage):
        raise ConfigError(
            f"{STAGE_VARIABLE}={stage!r} is not a stage name: lower-case letters, digits and "
            "hyphens, starting with a letter, at most 20 characters"
        )
    return stage


# Settings only an optional part reads: a deployed stage without the part is not given them.
FEATURE_FIELDS = {"mailbox": ("inbox_bucket",), "wechat": ("wechat_secret",)}


def required_fields(features: frozenset[str], user_pool: bool = True) -> list[str]:
    """The deployed settings a stage with ``features`` on must be given (``user_pool``:
    the stack has its own pool)."""
    left_out = {f for part in set(FEATURES) - features for f in FEATURE_FIELDS.get(part, ())}
    if not user_pool:
        left_out.update(POOL_FIELDS)
    return [f for f in deployed_fields() if f not in left_out]


def load_settings() -> Settings:
    env = os.environ
    stage = _stage(env)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    prefix = env.get("MINSHENG_TABLE_PREFIX", f"minsheng-{stage}")
    pool_id = env.get("MINSHENG_USER_POOL_ID", "")
    endpoint = env.get("MINSHENG_AWS_ENDPOINT") or None
    jwks_override = env.get("MINSHENG_JWKS_URL") or None
    features = _features(env.get(FEATURES_VARIABLE))
    dns_suffix = env.get("MINSHENG_DNS_SUFFIX", "").strip() or DEFAULT_DNS_SUFFIX
    if not DNS_SUFFIX_PATTERN.fullmatch(dns_suffix):
        raise ConfigError(f"MINSHENG_DNS_SUFFIX must be a domain name, got {dns_suffix!r}")
    if stage not in LOCAL_STAGES:
        # Never trust a key set other than the real pool's outside local stages: moto's
        # signing key is public.
        if jwks_override or endpoint:
            raise ConfigError(
                f"stage {stage!r} may not set MINSHENG_JWKS_URL or MINSHENG_AWS_ENDPOINT"
            )
        # Without a pool (both its settings unset) an external issuer must sign people in.
        pool = any(env.get(env_name(f)) for f in POOL_FIELDS) or not env.get(OIDC_VARIABLES[0])
        required = required_fields(features, user_pool=pool)
        missing = [env_name(f) for f in required if not env.get(env_name(f))]
        if "reports" in features and not env.get(REPORT_SENDER):
            missing.append(REPORT_SENDER)
        if env.get(OUTBOX):
            raise ConfigError(f"stage {stage!r} may not set {OUTBOX} (local stages only)")
        if missing:
            raise ConfigError(f"stage {stage!r} needs {', '.join(missing)} (set by the stack)")
    if jwks_override:
        jwks_url = jwks_override
    elif endpoint:
        jwks_url = f"{endpoint.rstrip('/')}/{pool_id}/.well-known/jwks.json"
    else:
        jwks_url = f"https://cognito-idp.{region}.{dns_suffix}/{pool_id}/.well-known/jwks.json"
    private_targets, delivery_network = _private_targets(env)
    return Settings(
        stage=stage,
        region=region,
        appeals_table=env.get("MINSHENG_APPEALS_TABLE", f"{prefix}-appeals"),
        comments_table=env.get("MINSHENG_COMMENTS_TABLE", f"{prefix}-comments"),
        departments_table=env.get("MINSHENG_DEPARTMENTS_TABLE", f"{prefix}-departments"),
        categories_table=env.get("MINSHENG_CATEGORIES_TABLE", f"{prefix}-categories"),
        idempotency_table=env.get("MINSHENG_IDEMPOTENCY_TABLE", f"{prefix}-idempotency"),
        settings_table=env.get("MINSHENG_SETTINGS_TABLE", f"{prefix}-settings"),
        follows_table=env.get("MINSHENG_FOLLOWS_TABLE", f"{prefix}-follows"),
        stats_table=env.get("MINSHENG_STATS_TABLE", f"{prefix}-stats"),
        webhooks_table=env.get("MINSHENG_WEBHOOKS_TABLE", f"{prefix}-webhooks"),
        webhook_history_table=env.get(
            "MINSHENG_WEBHOOK_HISTORY_TABLE", f"{prefix}-webhook-history"
        ),
        deliveries_table=env.get("MINSHENG_DELIVERIES_TABLE", f"{prefix}-deliveries"),
        notifications_table=env.get("MINSHENG_NOTIFICATIONS_TABLE", f"{prefix}-notifications"),
        supports_table=env.get("MINSHENG_SUPPORTS_TABLE", f"{prefix}-supports"),
        # Queue URLs: the local stack and the tests set them when they create the queues.
        notifications_queue=env.get("MINSHENG_NOTIFICATIONS_QUEUE", ""),
        notifications_dead_letter_queue=env.get("MINSHENG_NOTIFICATIONS_DEAD_LETTER_QUEUE", ""),
        webhook_secret_prefix=env.get("MINSHENG_WEBHOOK_SECRET_PREFIX", f"{prefix}/webhooks/"),
        secret_cache_seconds=_int("MINSHENG_SECRET_CACHE_SECONDS", 30, 0, 300),
        delivery_retry_seconds=_retry_seconds(env.get("MINSHENG_DELIVERY_RETRY_SECONDS", "")),
        submission_limits=_submission_limits(env.get("MINSHENG_SUBMISSION_LIMITS", "")),
        limits_table=env.get("MINSHENG_LIMITS_TABLE", f"{prefix}-limits"),
        ranking_min_cases=_int("MINSHENG_RANKING_MIN_CASES", 5, 1, 1000),
        reply_days=_reply_days(env.get("MINSHENG_REPLY_DAYS", "")),
        dispute_decision_days=_int("MINSHENG_DISPUTE_DECISION_DAYS", 1, 1, 10),
        reference_cache_seconds=_int("MINSHENG_REFERENCE_CACHE_SECONDS", 60, 0, 3600),
        media_bucket=env.get("MINSHENG_MEDIA_BUCKET", f"{prefix}-media"),
        user_pool_id=pool_id,
        user_pool_client_id=env.get("MINSHENG_USER_POOL_CLIENT_ID", ""),
        aws_endpoint=endpoint,
        jwks_url=jwks_url,
        upload_max_bytes=_int("MINSHENG_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, 1024, 50 << 20),
        upload_url_seconds=_int("MINSHENG_UPLOAD_URL_SECONDS", 900, 60, 3600),
        idempotency_seconds=_int("MINSHENG_IDEMPOTENCY_SECONDS", 86400, 60, 7 * 86400),
        due_index_shards=_int("MINSHENG_DUE_INDEX_SHARDS", 8, 1, 64),
        public_base_url=env.get("MINSHENG_PUBLIC_BASE_URL") or None,
        report_sender=env.get(REPORT_SENDER) or LOCAL_REPORT_SENDER,
        outbox_dir=env.get(OUTBOX) or None,
        api_keys_table=env.get("MINSHENG_API_KEYS_TABLE", f"{prefix}-api-keys"),
        rating_links_table=env.get("MINSHENG_RATING_LINKS_TABLE", f"{prefix}-rating-links"),
        wechat_secret=env.get("MINSHENG_WECHAT_SECRET", f"{prefix}/wechat"),
        mail_table=env.get("MINSHENG_MAIL_TABLE", f"{prefix}-mail"),
        inbox_bucket=env.get("MINSHENG_INBOX_BUCKET", f"{prefix}-inbox"),
        mailbox_address=env.get(MAILBOX_ADDRESS) or LOCAL_MAILBOX_ADDRESS,
        knowledge_table=env.get("MINSHENG_KNOWLEDGE_TABLE", f"{prefix}-knowledge"),
        knowledge_cache_seconds=_int("MINSHENG_KNOWLEDGE_CACHE_SECONDS", 30, 0, 3600),
        owner_key_secret=env.get("MINSHENG_OWNER_KEY_SECRET", f"{prefix}/owner-keys"),
        open311_limits=_submission_limits(
            env.get("MINSHENG_OPEN311_LIMITS", ""),
            OPEN311_LIMITS_DEFAULT,
            "MINSHENG_OPEN311_LIMITS",
        ),
        users_table=env.get("MINSHENG_USERS_TABLE", f"{prefix}-users"),
        mfa_roles=_mfa_roles(env.get("MINSHENG_MFA_ROLES", "")),
        account_cache_seconds=_int("MINSHENG_ACCOUNT_CACHE_SECONDS", 0, 0, 300),
        webhook_sha256_until=_last_day(
            "MINSHENG_WEBHOOK_SHA256_UNTIL", WEBHOOK_SHA256_UNTIL_DEFAULT
        ),
        webhook_private_targets=private_targets,
        delivery_network=delivery_network,
        mailbox_max_bytes=_int(
            "MINSHENG_MAILBOX_MAX_BYTES", MAILBOX_MAX_BYTES, 1024 * 1024, MAILBOX_MAX_BYTES
        ),
        mailbox_max_parts=_int("MINSHENG_MAILBOX_MAX_PARTS", 100, 10, 1000),
        mailbox_max_depth=_int("MINSHENG_MAILBOX_MAX_DEPTH", 10, 3, 50),
        cors_origins=_origins(env.get("MINSHENG_CORS_ORIGINS", "")),
        features=features,
        dns_suffix=dns_suffix,
        oidc=_oidc(env, stage in LOCAL_STAGES),
        exports_queue=env.get("MINSHENG_EXPORTS_QUEUE", ""),
        export_page_size=_int("MINSHENG_EXPORT_PAGE_SIZE", 100, 10, 1000),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()
