"""moto's process writes the local stack's demo data on its own backends when the stack
asks (``MotoProcess.ask("demo", ...)``), once the resources are made through its endpoint:
what it answers is what the endpoint then serves (users who sign in, departments in the
table, a webhook secret each, the WeChat account's secret). A demo that cannot be written
is an error naming the cause, and the process goes on serving."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from chalicelib.local.moto_process import MotoProcess

REGION = "us-east-1"


@pytest.fixture
def moto_process() -> Iterator[MotoProcess]:
    process = MotoProcess.start("127.0.0.1", 0)
    try:
        yield process
    finally:
        process.stop()


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(account_id_endpoint_mode="disabled"),
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(("MINSHENG_", "AWS_"))}
    return {**env, **extra}


def test_moto_process_writes_the_demo_data_the_endpoint_then_serves(
    moto_process: MotoProcess,
) -> None:
    from chalicelib.core.config import settings
    from chalicelib.core.store.models import ALL_MODELS
    from chalicelib.data import district
    from chalicelib.local import demo, provision

    endpoint = moto_process.endpoint
    cognito = _client(endpoint, "cognito-idp")
    # Given the pool, the tables and the owner key made through moto's endpoint
    identity = provision.create_user_pool(cognito, "minsheng-demo")
    provision.create_tables(_client(endpoint, "dynamodb"))
    secrets = _client(endpoint, "secretsmanager")
    provision.create_owner_key_secret(secrets, settings().owner_key_secret)
    # When the stack asks moto's process for the demo data
    answer = moto_process.ask(
        "demo",
        {
            "env": _env(MINSHENG_USER_POOL_ID=identity.user_pool_id),
            "user_pool_id": identity.user_pool_id,
            "user_pool_client_id": identity.user_pool_client_id,
        },
        timeout=120,
    )
    # Then it answers the demo district, every demo user and a secret per department
    data = district()
    units = [*data["towns_and_streets"], *data["departments"]]
    assert answer["departments"] == len(units)
    assert answer["categories"] == len(data["categories"])
    assert answer["articles"] >= 40
    names = {u["username"] for u in answer["users"]}
    assert names == {u.username for u in demo.demo_users()}
    assert sorted(answer["webhook_secrets"]) == sorted(u["id"] for u in units)
    # And the endpoint serves what it wrote: a demo user signs in with the answered
    # password, the admin is asked for the authenticator the answer holds the secret of
    users = {u["username"]: u for u in answer["users"]}
    signed_in = cognito.initiate_auth(
        ClientId=identity.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "citizen1", "PASSWORD": users["citizen1"]["password"]},
    )
    assert signed_in["AuthenticationResult"]["IdToken"]
    admin = cognito.initiate_auth(
        ClientId=identity.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "admin1", "PASSWORD": users["admin1"]["password"]},
    )
    assert admin["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and users["admin1"]["totp_secret"]
    staff = cognito.admin_list_groups_for_user(
        UserPoolId=identity.user_pool_id, Username="staff-transport-bureau"
    )
    assert [g["GroupName"] for g in staff["Groups"]] == ["department"]
    # the departments and the staff directory are in the tables the endpoint serves
    dynamodb = _client(endpoint, "dynamodb")
    departments = next(m for m in ALL_MODELS if m.Meta.table_name == settings().departments_table)
    listed = dynamodb.scan(TableName=departments.Meta.table_name, Select="COUNT")
    assert listed["Count"] == len(units)
    users_table = dynamodb.scan(TableName=settings().users_table)["Items"]
    assert "staff-transport-bureau" in json.dumps(users_table)
    # the WeChat account's token is the one in its secret
    wechat = json.loads(
        secrets.get_secret_value(SecretId=answer["wechat"]["secret"])["SecretString"]
    )
    assert wechat["token"] == answer["wechat"]["token"]


def test_a_demo_that_cannot_be_written_is_an_error_and_moto_goes_on(
    moto_process: MotoProcess,
) -> None:
    # Given moto's process with no tables made
    # When the stack asks for the demo data
    with pytest.raises(RuntimeError) as failed:
        moto_process.ask("demo", {"env": _env()}, timeout=120)
    # Then the error names the cause, and the endpoint still answers
    assert "failed 'demo'" in str(failed.value)
    assert "reference data store did not accept the write" in str(failed.value)
    assert moto_process.alive()
    assert _client(moto_process.endpoint, "dynamodb").list_tables()["TableNames"] == []
