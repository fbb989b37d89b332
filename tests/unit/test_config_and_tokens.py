"""Settings guards and the signing-key cache."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core import config
from chalicelib.core.errors import Unauthenticated
from chalicelib.core.integrations import tokens


def deployed(monkeypatch: pytest.MonkeyPatch, stage: str = "prod") -> None:
    """The environment the deployed template gives a function."""
    monkeypatch.setenv("MINSHENG_STAGE", stage)
    for field in config.deployed_fields():
        monkeypatch.setenv(config.env_name(field), f"stack-{field}")
    monkeypatch.setenv(config.REPORT_SENDER, "reports@district.example")


def test_deployed_stage_refuses_a_jwks_override(monkeypatch: pytest.MonkeyPatch) -> None:
    deployed(monkeypatch)
    monkeypatch.setenv("MINSHENG_JWKS_URL", "http://127.0.0.1:5000/keys")
    with pytest.raises(config.ConfigError):
        config.load_settings()


def test_deployed_stage_uses_the_real_pool_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    deployed(monkeypatch)
    monkeypatch.setenv("MINSHENG_USER_POOL_ID", "ap-east-1_abc")
    monkeypatch.setenv("AWS_REGION", "ap-east-1")
    monkeypatch.delenv("MINSHENG_JWKS_URL", raising=False)
    monkeypatch.delenv("MINSHENG_AWS_ENDPOINT", raising=False)
    cfg = config.load_settings()
    assert cfg.jwks_url == (
        "https://cognito-idp.ap-east-1.amazonaws.com/ap-east-1_abc/.well-known/jwks.json"
    )
    assert cfg.token_issuer == "https://cognito-idp.ap-east-1.amazonaws.com/ap-east-1_abc"


def test_unset_or_unknown_stage_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MINSHENG_STAGE")
    with pytest.raises(config.ConfigError, match="MINSHENG_STAGE is not set"):
        config.load_settings()
    for bad in ("Prod", "prod_1", "1prod", "p" * 21, "prod stage"):
        monkeypatch.setenv("MINSHENG_STAGE", bad)
        with pytest.raises(config.ConfigError, match=f"MINSHENG_STAGE={bad!r} is not a stage"):
            config.load_settings()


@pytest.mark.parametrize("stage", ["production", "zibo-zichuan", "staging2"])
def test_a_deployed_stage_may_take_any_name(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """A district names its stages; each is a deployed one (the real pool's keys, every
    resource name from the stack), never a local one."""
    deployed(monkeypatch, stage)
    cfg = config.load_settings()
    assert cfg.stage == stage and not cfg.is_local
    monkeypatch.delenv(config.env_name("appeals_table"))
    with pytest.raises(config.ConfigError, match="MINSHENG_APPEALS_TABLE"):
        config.load_settings()


def test_features_name_the_parts_that_are_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.FEATURES_VARIABLE, raising=False)
    assert config.load_settings().features == frozenset(config.FEATURES)
    for raw, expected in (
        ("all", set(config.FEATURES)),
        ("none", set()),
        ("", set()),
        ("mailbox,,sms,", {"mailbox", "sms"}),
        (" knowledge ", {"knowledge"}),
    ):
        monkeypatch.setenv(config.FEATURES_VARIABLE, raw)
        assert config.load_settings().features == expected, raw
    monkeypatch.setenv(config.FEATURES_VARIABLE, "mailbox,fax")
    with pytest.raises(config.ConfigError, match="MINSHENG_FEATURES: fax is not one of"):
        config.load_settings()
    monkeypatch.setenv(config.FEATURES_VARIABLE, "none")
    with pytest.raises(ValueError, match="fax"):
        config.load_settings().feature_on("fax")


def test_a_stage_without_a_part_is_not_given_its_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The core-only stack sets no inbox bucket, WeChat secret or report sender: a
    deployed function starts without them, and still refuses without a core one."""
    deployed(monkeypatch)
    for field in ("inbox_bucket", "wechat_secret"):
        monkeypatch.delenv(config.env_name(field))
    monkeypatch.delenv(config.REPORT_SENDER)
    with pytest.raises(config.ConfigError, match="MINSHENG_INBOX_BUCKET"):
        config.load_settings()
    monkeypatch.setenv(config.FEATURES_VARIABLE, "sms,open311,knowledge")
    cfg = config.load_settings()
    assert not cfg.feature_on("mailbox") and cfg.feature_on("sms")
    monkeypatch.setenv(config.FEATURES_VARIABLE, "reports")
    with pytest.raises(config.ConfigError, match=config.REPORT_SENDER):
        config.load_settings()


@pytest.mark.parametrize("field", config.deployed_fields())
def test_deployed_stage_refuses_to_guess_a_resource_name(
    monkeypatch: pytest.MonkeyPatch, field: str
) -> None:
    deployed(monkeypatch, "dev")
    monkeypatch.delenv(config.env_name(field))
    with pytest.raises(config.ConfigError, match=config.env_name(field)):
        config.load_settings()


def test_every_resource_name_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """infra/ sets MINSHENG_<FIELD> for each resource; a setting read from another name
    would silently fall back to a guess."""
    deployed(monkeypatch)
    monkeypatch.setenv("MINSHENG_USER_POOL_ID", "ap-east-1_abc")
    cfg = config.load_settings()
    for field in config.deployed_fields():
        expected = "ap-east-1_abc" if field == "user_pool_id" else f"stack-{field}"
        assert getattr(cfg, field) == expected, field


def test_deployed_stage_needs_a_report_sender_and_no_outbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deployed(monkeypatch)
    assert config.load_settings().report_sender == "reports@district.example"
    monkeypatch.setenv(config.OUTBOX, "/tmp/outbox")
    with pytest.raises(config.ConfigError, match=config.OUTBOX):
        config.load_settings()
    monkeypatch.delenv(config.OUTBOX)
    monkeypatch.delenv(config.REPORT_SENDER)
    with pytest.raises(config.ConfigError, match=config.REPORT_SENDER):
        config.load_settings()


def test_bad_numbers_in_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSHENG_DUE_INDEX_SHARDS", "0")
    with pytest.raises(config.ConfigError, match="MINSHENG_DUE_INDEX_SHARDS"):
        config.load_settings()


def test_key_cache_fetches_once_and_refetches_for_a_new_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fetched: list[str] = []
    keysets = [{"k1": "key-1"}, {"k1": "key-1", "k2": "key-2"}]

    def fetch(url: str) -> dict[str, Any]:
        fetched.append(url)
        return keysets[min(len(fetched) - 1, 1)]

    monkeypatch.setattr(tokens, "_fetch", fetch)
    cache = tokens._KeyCache()
    assert cache.key("u", "k1") == "key-1"
    assert cache.key("u", "k1") == "key-1"
    assert len(fetched) == 1
    # A token with an unknown kid right after a fetch does not hammer the key endpoint
    with pytest.raises(Unauthenticated):
        cache.key("u", "k2")
    assert len(fetched) == 1
    monkeypatch.setattr(tokens, "JWKS_MIN_REFETCH_SECONDS", 0)
    assert cache.key("u", "k2") == "key-2"
    assert len(fetched) == 2


def test_the_mfa_roles_always_include_admins(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core.config import ConfigError, load_settings

    monkeypatch.setenv("MINSHENG_STAGE", "test")
    monkeypatch.delenv("MINSHENG_MFA_ROLES", raising=False)
    assert load_settings().mfa_roles == frozenset({"admin"})
    monkeypatch.setenv("MINSHENG_MFA_ROLES", "leader, operator")
    assert load_settings().mfa_roles == frozenset({"admin", "leader", "operator"})
    monkeypatch.setenv("MINSHENG_MFA_ROLES", "leader,citizen")
    with pytest.raises(ConfigError, match="MINSHENG_MFA_ROLES: citizen"):
        load_settings()
    monkeypatch.setenv("MINSHENG_MFA_ROLES", "")
    monkeypatch.setenv("MINSHENG_ACCOUNT_CACHE_SECONDS", "301")
    with pytest.raises(ConfigError, match="MINSHENG_ACCOUNT_CACHE_SECONDS"):
        load_settings()


def test_the_mailbox_limits_are_the_parser_s_defaults_and_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.channels.mailbox.domain.mailbox import Limits

    cfg = config.load_settings()
    read = Limits(cfg.mailbox_max_bytes, cfg.mailbox_max_parts, cfg.mailbox_max_depth)
    assert read == Limits() == Limits(40 * 1024 * 1024, 100, 10)
    # Never beyond what SES stores, nor deeper than the parser can recurse
    for name, value in (("MINSHENG_MAILBOX_MAX_BYTES", 40 * 1024 * 1024 + 1),
                        ("MINSHENG_MAILBOX_MAX_DEPTH", 51),
                        ("MINSHENG_MAILBOX_MAX_PARTS", 0)):  # fmt: skip
        monkeypatch.setenv(name, str(value))
        with pytest.raises(config.ConfigError, match=name):
            config.load_settings()
        monkeypatch.delenv(name)


def test_aws_host_names_take_the_partitions_dns_suffix(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack passes AWS::URLSuffix: in aws-cn the pool's issuer, its keys and the
    console's and the portal's sign-in and photo hosts end in amazonaws.com.cn; nothing is
    built by hand."""
    from chalicelib.console.http import console
    from chalicelib.core.http import pages
    from chalicelib.portal.http import portal

    deployed(monkeypatch)
    monkeypatch.setenv("AWS_REGION", "cn-northwest-1")
    monkeypatch.setenv("MINSHENG_USER_POOL_ID", "cn-northwest-1_abc")
    monkeypatch.setenv("MINSHENG_DNS_SUFFIX", "amazonaws.com.cn")
    cfg = config.load_settings()
    assert (
        cfg.token_issuer == "https://cognito-idp.cn-northwest-1.amazonaws.com.cn/cn-northwest-1_abc"
    )
    assert cfg.jwks_url == f"{cfg.token_issuer}/.well-known/jwks.json"
    monkeypatch.setattr(console, "settings", lambda: cfg)
    monkeypatch.setattr(pages, "settings", lambda: cfg)
    assert console.cognito_endpoint() == "https://cognito-idp.cn-northwest-1.amazonaws.com.cn/"
    for policy in (console.policy(), portal.policy()):
        assert "https://stack-media_bucket.s3.cn-northwest-1.amazonaws.com.cn" in policy
        assert "https://cognito-idp.cn-northwest-1.amazonaws.com.cn" in policy
        assert ".amazonaws.com " not in policy and not policy.count("amazonaws.com;")
    monkeypatch.setenv("MINSHENG_DNS_SUFFIX", "not a domain")
    with pytest.raises(config.ConfigError, match="MINSHENG_DNS_SUFFIX"):
        config.load_settings()


def test_the_settings_cannot_be_changed_once_loaded() -> None:
    import dataclasses

    loaded = config.load_settings()
    with pytest.raises(dataclasses.FrozenInstanceError, match="stage"):
        loaded.stage = "prod"
    with pytest.raises(dataclasses.FrozenInstanceError, match="anything"):
        loaded.anything = 1  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del loaded.region
    changed = dataclasses.replace(loaded, stage="prod")
    assert (changed.stage, loaded.stage) == ("prod", "test")
    assert changed.region == loaded.region
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.stage = "dev"
