"""The template's data resources, created by (moto's) CloudFormation, are the ones the app
needs: the app is pointed at them through the stack's outputs and the intake and lifecycle
journey runs against them, not against the local provisioning code's tables."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from chalicelib.core.config import env_name, resource_fields, settings
from infra.template import data_template, output_name, table_logical_id

REGION = "us-east-1"


@pytest.fixture
def deployed_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    from chalicelib.core.integrations.aws import reset_clients
    from chalicelib.core.integrations.tokens import clear_key_cache
    from chalicelib.core.store.models import ALL_MODELS
    from chalicelib.local import moto_patches, provision

    moto_patches.apply_all()
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName="minsheng-cfn", TemplateBody=json.dumps(data_template())
        )
        stack = cloudformation.describe_stacks(StackName="minsheng-cfn")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        from infra.template import table_setting

        fields = {model: table_setting(model) for model in ALL_MODELS}
        identity = provision.create_user_pool(boto3.client("cognito-idp", region_name=REGION), "p")
        for field in resource_fields():
            value = outputs.get(output_name(field))
            if field == "user_pool_id":
                value = identity.user_pool_id
            elif field == "user_pool_client_id":
                value = identity.user_pool_client_id
            assert value, field
            monkeypatch.setenv(env_name(field), value)
        settings.cache_clear()
        reset_clients()
        clear_key_cache()
        # What a fresh Lambda process does at import: table names from the environment.
        for model, field in fields.items():
            monkeypatch.setattr(model.Meta, "table_name", outputs[output_name(field)])
        from chalicelib.local.demo import load_reference_data

        load_reference_data("2026-11-26T09:00:00.000+08:00")
        yield outputs
    settings.cache_clear()
    reset_clients()


def test_journey_runs_on_the_tables_and_bucket_the_template_creates(
    deployed_stack: dict[str, str],
) -> None:
    from chalice.test import Client

    from app import app
    from chalicelib.core.store.models import AppealModel
    from tests.integration.conftest import Stack
    from tests.integration.lifecycle_helpers import DEPARTMENT, People
    from tests.integration.test_events import stream_records

    cfg = settings()
    assert cfg.appeals_table == deployed_stack[output_name("appeals_table")]
    assert not cfg.appeals_table.startswith(os.environ["MINSHENG_TABLE_PREFIX"])
    cognito = boto3.client("cognito-idp", region_name=REGION)
    stack = Stack(cfg.user_pool_id, cfg.user_pool_client_id, cognito)
    s3 = boto3.client("s3", region_name=REGION)
    with Client(app, stage_name="local") as client:
        people = People(stack, client)
        ticket = json.loads(people.post("citizen", "/uploads", {"content_type": "image/png"}).body)
        s3.put_object(Bucket=cfg.media_bucket, Key=ticket["key"], Body=b"\x89PNG")
        appeal = people.submit(media=[ticket["key"]])
        dept = f"department:{DEPARTMENT}"
        steps = [
            ("operator", "accept", None),
            ("operator", "dispatch", {"department_id": DEPARTMENT}),
            (dept, "sign", None),
            (dept, "contact", None),
            (dept, "reply", None),
            ("citizen", "rating", {"score": 5, "resolved": True}),
        ]
        for who, action, payload in steps:
            response = people.act(who, appeal["id"], action, payload)
            assert response.status_code == 200, (action, response.body)
        final = json.loads(people.get("citizen", f"/appeals/{appeal['id']}").body)
        assert final["state"] == "closed"
        # The photo was kept in the stack's bucket where its expiry rules do not reach
        # (moto's CloudFormation does not apply lifecycle rules: read them from the template)
        kept = final["media"][0]
        assert s3.head_object(Bucket=cfg.media_bucket, Key=kept)["ContentLength"] == 4
        bucket = data_template()["Resources"]["MediaBucket"]["Properties"]
        rules = bucket["LifecycleConfiguration"]["Rules"]
        expiring = [r.get("Prefix", "") for r in rules if "ExpirationInDays" in r]
        assert expiring and not any(kept.startswith(p) for p in expiring)
        # The stack's table streams what the consumers read
        records = stream_records()
        assert len(records) == len(steps) + 1
        result = client.lambda_.invoke("appeal_statistics", {"Records": records}).payload
        assert result == {"batchItemFailures": []}
    ddb = boto3.client(
        "dynamodb", region_name=REGION, config=Config(account_id_endpoint_mode="disabled")
    )
    assert ddb.describe_table(TableName=AppealModel.Meta.table_name)["Table"]["StreamSpecification"]
    assert table_logical_id(AppealModel) in cfg.appeals_table
