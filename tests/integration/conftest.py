"""Integration fixtures: the real app and handlers against in-process moto."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

REGION = "us-east-1"


@dataclass
class Stack:
    """The AWS side of one test: a user pool, the tables and the media bucket."""

    pool_id: str
    client_id: str
    cognito: Any
    _tokens: dict[str, str] = field(default_factory=dict)
    # Authenticator secrets of the users who set one up (admins always do).
    totp: dict[str, str] = field(default_factory=dict)

    def user(
        self, role: str = "citizen", department_id: str | None = None, phone: str | None = None
    ) -> tuple[str, str]:
        """A new user of ``role`` (with ``phone``: a verified number): returns (username,
        password)."""
        from chalicelib.local.provision import create_user

        username = f"{role}-{uuid.uuid4().hex[:8]}"
        password = "Test-" + uuid.uuid4().hex[:12] + "A1"
        group = None if role == "citizen" else role
        create_user(self.cognito, self.pool_id, username, password, group, department_id, phone)
        if role == "admin":  # the API answers admins only once they have an authenticator
            self.set_up_totp(username, password)
        return username, password

    def set_up_totp(self, username: str, password: str) -> str:
        """An authenticator app for the user, as the console sets one up."""
        import pyotp

        access = self.cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )["AuthenticationResult"]["AccessToken"]
        secret = self.cognito.associate_software_token(AccessToken=access)["SecretCode"]
        self.cognito.verify_software_token(AccessToken=access, UserCode=pyotp.TOTP(secret).now())
        self.cognito.set_user_mfa_preference(
            AccessToken=access,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        self.totp[username] = secret
        return secret

    def sign_in(self, username: str, password: str) -> str:
        return str(self.authenticate(username, password)["IdToken"])

    def authenticate(self, username: str, password: str) -> dict[str, Any]:
        """The pool's tokens, the authenticator's code given when the pool asks for it."""
        import pyotp

        result = self.cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        if result.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            result = self.cognito.respond_to_auth_challenge(
                ClientId=self.client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=result["Session"],
                ChallengeResponses={
                    "USERNAME": username,
                    "SOFTWARE_TOKEN_MFA_CODE": pyotp.TOTP(self.totp[username]).now(),
                },
            )
        return dict(result["AuthenticationResult"])

    def token(self, role: str = "citizen", department_id: str | None = None) -> str:
        return self.sign_in(*self.user(role, department_id))

    def headers(self, token: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **extra}

    def moto_pool(self) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends

        return cognitoidp_backends["123456789012"][REGION].user_pools[self.pool_id]

    def items(self, table: str) -> list[dict[str, Any]]:
        client = boto3.client("dynamodb", region_name=REGION)
        return list(client.scan(TableName=table)["Items"])


REFERENCE_AT = "2026-11-26T09:00:00.000+08:00"
_reference_items: dict[tuple[str, ...], dict[str, list[dict[str, Any]]]] = {}


def load_reference_data() -> None:
    """The reference district, as the local stack loads it: through the loader (57 puts)
    in the first stack of each test process, then as the very items it wrote, 25 to a
    BatchWriteItem: the same rows, the same stream records, three requests."""
    from chalicelib.core.config import settings
    from chalicelib.core.store import reference
    from chalicelib.local.demo import load_reference_data as load

    ddb = boto3.client("dynamodb", region_name=REGION)
    tables = (settings().departments_table, settings().categories_table)
    written = _reference_items.get(tables)
    if written is None:
        load(REFERENCE_AT)
        _reference_items[tables] = {
            table: [
                item
                for page in ddb.get_paginator("scan").paginate(TableName=table)
                for item in page["Items"]
            ]
            for table in tables
        }
        return
    for table, items in written.items():
        for start in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            request: Any = {table: batch}
            while request:
                request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems")
    reference.clear_cache()


@pytest.fixture
def stack() -> Iterator[Stack]:
    from chalicelib.core.config import settings
    from chalicelib.core.integrations.aws import reset_clients
    from chalicelib.core.integrations.tokens import clear_key_cache
    from chalicelib.figures.services import rankings
    from chalicelib.local import moto_patches, provision

    moto_patches.apply_all()
    with mock_aws():
        cfg = Config(account_id_endpoint_mode="disabled")
        cognito = boto3.client("cognito-idp", region_name=REGION)
        identity = provision.create_user_pool(cognito, "minsheng-test")
        os.environ["MINSHENG_USER_POOL_ID"] = identity.user_pool_id
        os.environ["MINSHENG_USER_POOL_CLIENT_ID"] = identity.user_pool_client_id
        settings.cache_clear()
        reset_clients()
        clear_key_cache()
        rankings.clear_cache()
        provision.create_tables(boto3.client("dynamodb", region_name=REGION, config=cfg))
        provision.create_owner_key_secret(
            boto3.client("secretsmanager", region_name=REGION), settings().owner_key_secret
        )
        provision.create_media_bucket(
            boto3.client("s3", region_name=REGION), settings().media_bucket, REGION
        )
        provision.create_queues(boto3.client("sqs", region_name=REGION))
        provision.create_inbox_bucket(
            boto3.client("s3", region_name=REGION),
            boto3.client("sqs", region_name=REGION),
            settings().inbox_bucket,
            REGION,
        )
        reset_clients()
        from chalicelib.core.integrations import directory, secrets
        from chalicelib.core.services import accounts

        secrets.reset()
        directory.clear_cache()
        accounts.forget()
        moto_patches.SENT.clear()
        load_reference_data()
        yield Stack(identity.user_pool_id, identity.user_pool_client_id, cognito)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook retries at once (the schedule's length, and the dead-letter count, stay as
    deployed)."""
    from chalicelib.core.config import settings

    monkeypatch.setenv("MINSHENG_DELIVERY_RETRY_SECONDS", "0,0,0,0,0")
    settings.cache_clear()


@pytest.fixture
def client(stack: Stack) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    project = Path(__file__).resolve().parents[2]
    with Client(app, stage_name="local", project_dir=str(project)) as test_client:
        yield test_client


def body(response: Any) -> Any:
    return json.loads(response.body)
