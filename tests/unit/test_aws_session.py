"""botocore's data files are parsed once per process: the product's boto3 clients and
PynamoDB's connections share one botocore session, which creates clients one at a time
(chalicelib/core/aws_session.py, chalicelib/core/store/model_meta.py). No request is made:
creating a client sends nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.botocore_files import COUNT_PARSED

ROOT = Path(__file__).resolve().parents[2]

SERVICES = ["dynamodb", "sqs", "s3", "sesv2", "sns", "cognito-idp", "secretsmanager"]
MODELS = [
    "appeal_models.AppealModel",
    "appeal_models.CommentModel",
    "reference_models.DepartmentModel",
    "reference_models.SettingModel",
    "table_models.UserModel",
    "notice_models.DeliveryModel",
]

# In a fresh interpreter: every file a botocore loader parses while the clients and the
# connections are created, then what they were created with.
PROBE = (
    "import importlib, json, threading\n"
    + COUNT_PARSED  # no braces: safe for the format below
    + """
from chalicelib.core import aws_session
from chalicelib.core.integrations.aws import client
clients = [client(s) for s in {services!r}]
connections = []
for path in {models!r}:
    module, name = path.rsplit(".", 1)
    model = getattr(importlib.import_module("chalicelib.core.store." + module), name)
    connections.append(model._get_connection().connection)
made = [c.client for c in connections]
other = []  # a second thread's connection
thread = threading.Thread(target=lambda: other.append(connections[0].session))
thread.start(); thread.join()
print(json.dumps({{
    "parsed": parsed,
    "endpoints": sorted({{c.meta.endpoint_url for c in clients + made}}),
    "regions": sorted({{c.meta.region_name for c in clients + made}}),
    "access_keys": sorted({{c._request_signer._credentials.access_key for c in clients + made}}),
    "sessions": len({{id(c.session) for c in connections}} | {{id(other[0])}}
                    | {{id(aws_session.session()), id(aws_session.boto3_session()._session)}}),
}}))
"""
)


def probe(**env: str) -> dict[str, Any]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MINSHENG_", "AWS_"))} | {
        "MINSHENG_STAGE": "test",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "probe-key",
        "AWS_SECRET_ACCESS_KEY": "probe-secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        **env,
    }
    code = PROBE.format(services=SERVICES, models=MODELS)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_each_data_file_is_parsed_once_for_every_client_and_connection() -> None:
    # Given seven services' clients and six models' connections made in one process
    found = probe()
    parsed = Counter(found["parsed"])

    # Then each of botocore's data files was parsed once, the shared ones and each
    # service's model alike (before: the endpoints once per client and per model)
    assert parsed, "nothing parsed: the probe no longer sees botocore's loader"
    assert {name: n for name, n in parsed.items() if n > 1} == {}
    assert "endpoints.json" in parsed
    assert any(name.startswith("dynamodb/") and "service-2" in name for name in parsed)
    assert any(name.startswith("cognito-idp/") and "service-2" in name for name in parsed)

    # And every connection, in any thread, and the boto3 clients share one session
    assert found["sessions"] == 1

    # And credentials and region are resolved as before, from the environment
    assert found["access_keys"] == ["probe-key"]
    assert found["regions"] == ["eu-west-1"]


def test_the_local_stacks_endpoint_reaches_every_client_and_connection() -> None:
    # Given the endpoint the local stack sets (moto's server)
    found = probe(MINSHENG_STAGE="local", MINSHENG_AWS_ENDPOINT="http://127.0.0.1:5999")

    # Then the boto3 clients and PynamoDB's go there
    assert found["endpoints"] == ["http://127.0.0.1:5999"]


def test_pynamodb_connections_get_the_process_session_in_every_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pynamodb.connection.base as base

    from chalicelib.core import aws_session
    from chalicelib.core.store.appeal_models import AppealModel

    # Given a new PynamoDB connection of a model (the hook still in the name PynamoDB calls)
    assert base.get_session is aws_session.session
    monkeypatch.setattr(AppealModel, "_connection", None)
    connection = AppealModel._get_connection().connection

    # Then its session is the one the boto3 clients are made from, in another thread too
    assert connection.session is aws_session.session()
    assert aws_session.boto3_session()._session is connection.session
    seen: list[Any] = []
    worker = threading.Thread(target=lambda: seen.append(connection.session))
    worker.start()
    worker.join()
    assert seen == [aws_session.session()]


def test_clients_created_from_many_threads_at_once_are_made_one_at_a_time() -> None:
    from botocore.session import Session

    from chalicelib.core import aws_session

    # Given a fresh session and eight threads that each create two clients at once, with
    # the creation watched for overlap
    aws_session.reset()
    shared = aws_session.session()
    inside, overlaps, made, errors = [0], [0], [], []
    original = Session.create_client
    guard = threading.Lock()

    def watched(self: Any, *args: Any, **kwargs: Any) -> Any:
        with guard:
            inside[0] += 1
            overlaps[0] = max(overlaps[0], inside[0])
        try:
            return original(self, *args, **kwargs)
        finally:
            with guard:
                inside[0] -= 1

    start = threading.Barrier(8)

    def work() -> None:
        try:
            start.wait()
            for service in ("dynamodb", "sqs"):
                made.append(shared.create_client(service, region_name="us-east-1"))
        except Exception as exc:  # reported below
            errors.append(exc)

    Session.create_client = watched  # type: ignore[method-assign]
    try:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        Session.create_client = original  # type: ignore[method-assign]
        aws_session.reset()

    # Then all sixteen were made, never two at the same time
    assert errors == []
    assert len(made) == 16
    assert overlaps[0] == 1


def test_reset_makes_a_new_boto3_session_on_the_same_loader_and_search_paths() -> None:
    from chalicelib.core import aws_session

    # Given the boto3 session, then reset three times
    first = aws_session.boto3_session()
    loader = first._session.get_component("data_loader")
    paths = list(loader.search_paths)
    for _ in range(3):
        aws_session.reset()
        again = aws_session.boto3_session()

    # Then a new session each time (tests that restart moto get fresh clients), on the
    # same loader, whose search paths boto3 did not lengthen
    assert again is not first
    assert again._session.get_component("data_loader") is loader
    assert loader.search_paths == paths
    assert len(paths) == len(set(paths))


def test_no_model_sets_credentials_of_its_own() -> None:
    # PynamoDB would set a model's credentials on its session, which the thread's other
    # models share: every model takes them from the environment, as the clients do.
    from chalicelib.core.store.all_models import ALL_MODELS

    assert ALL_MODELS
    for model in ALL_MODELS:
        meta = model.Meta
        assert getattr(meta, "aws_access_key_id", None) is None, model.__name__
        assert getattr(meta, "aws_secret_access_key", None) is None, model.__name__
        assert getattr(meta, "aws_session_token", None) is None, model.__name__
