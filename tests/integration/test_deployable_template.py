"""The deployable template as ``make package`` writes it (built here without dependencies:
Chalice's output completed by infra/), read as AWS would read it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.config import env_name, resource_fields
from chalicelib.core.event_sources import QUEUE_CONSUMERS, QUEUES, STREAM_CONSUMERS
from chalicelib.core.store.models import ALL_MODELS
from infra.permissions import NEEDS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("template")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("package") / "prod"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    subprocess.run(
        [sys.executable, "-m", "infra.package", "prod", str(out), "--no-dependencies"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    yield out / "template.json"


@pytest.fixture(scope="module")
def full(built: Path) -> dict[str, Any]:
    """The template as built: every optional part behind its parameter."""
    return dict(json.loads(built.read_text("utf-8")))


@pytest.fixture(scope="module")
def core(built: Path) -> dict[str, Any]:
    """The core template: no optional part at all."""
    return dict(json.loads(built.with_name("core-template.json").read_text("utf-8")))


def truth(template: dict[str, Any], parts_on: bool, **others: bool) -> dict[str, bool]:
    """Each condition's value: the parts' as ``parts_on``, deletion protection on, no
    domain name or base URL of the district's unless ``others`` says so."""
    from infra.parts import PARTS

    values = {p.condition: parts_on for p in PARTS.values()}
    values.update(DeletionProtectionOn=True, HasApiDomain=False, HasPublicBaseUrl=False)
    # The stack's defaults: deliveries from the public network, no cross-origin pages
    values.update(DeliveryInVpc=False, DeliveryPrivateTargetsOn=False, HasCorsOrigins=False)
    # The stack's own user pool, and no external issuer beside it
    values.update(HasUserPool=True, PoolTokensOnly=True)
    values.update(others)
    return {name: values[name] for name in template.get("Conditions", {})}


@pytest.fixture(scope="module")
def issuer_core(built: Path) -> dict[str, Any]:
    """The core template without the user pool (for regions without Cognito user pools)."""
    return dict(json.loads(built.with_name("core-issuer-template.json").read_text("utf-8")))


@pytest.fixture(scope="module")
def template(full: dict[str, Any]) -> dict[str, Any]:
    """The full template as a stack with every part on sees it."""
    from infra.parts import resolved

    return resolved(full, truth(full, True))


def of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def functions(template: dict[str, Any]) -> dict[str, Any]:
    return of_type(template, "AWS::Serverless::Function")


def test_cfn_lint_reports_nothing(built: Path, linted: dict[Path, list[str]]) -> None:
    assert linted[built] == []


def test_stream_mappings_carry_the_declared_delivery(template: dict[str, Any]) -> None:
    """Every DynamoDB subscription: the real stream, partial batch responses, bisecting,
    bounded retries and an SQS on-failure destination, as chalicelib/core/event_sources.py says
    (which the local pump reads too)."""
    mappings = {
        name: event["Properties"]
        for name, function in functions(template).items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "DynamoDB"
    }
    assert len(mappings) == len(STREAM_CONSUMERS)
    tables = of_type(template, "AWS::DynamoDB::Table")
    queues = of_type(template, "AWS::SQS::Queue")
    for function, mapping in mappings.items():
        declared = next(
            c
            for c in STREAM_CONSUMERS.values()
            if function == "".join(p.capitalize() for p in c.name.split("_"))
        )
        delivery = declared.delivery
        table, attribute = mapping["Stream"]["Fn::GetAtt"]
        assert table in tables and attribute == "StreamArn"
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["BisectBatchOnFunctionError"] is delivery.bisect_on_error is True
        assert mapping["MaximumRetryAttempts"] == delivery.maximum_retry_attempts
        assert mapping["BatchSize"] == declared.batch_size
        assert mapping["StartingPosition"] == declared.starting_position
        on_failure = mapping["DestinationConfig"]["OnFailure"]
        queue, attribute = on_failure["Destination"]["Fn::GetAtt"]
        assert on_failure["Type"] == "SQS" and queue in queues and attribute == "Arn"


def test_the_mailbox_hands_its_consumer_one_letter_at_a_time(template: dict[str, Any]) -> None:
    """A letter is read within the function's timeout (the limits bound it), and if one
    still ran out of time, only it would come back: the mailbox queue's mapping takes one
    letter a batch, reports failures by message, and the queue hides a message longer than
    six timeouts, as chalicelib/core/event_sources.py declares (the local pump reads it too)."""
    mappings = {
        name: (function["Properties"], event["Properties"])
        for name, function in functions(template).items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    }
    function, mapping = mappings["ReceiveMail"]
    assert mapping["Queue"] == {"Fn::GetAtt": ["MailboxQueue", "Arn"]}
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = template["Resources"]["MailboxQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    assert function["Timeout"] == 60
    # Webhook deliveries keep their batches of ten (each one bounded to seconds)
    _, delivery = mappings["DeliverNotifications"]
    assert delivery["BatchSize"] == QUEUE_CONSUMERS["deliver_notifications"].batch_size == 10


def test_the_export_consumer_builds_one_export_a_run_and_its_files_expire(
    template: dict[str, Any],
) -> None:
    """An export is one run of up to 15 minutes (a month streamed into its file), one a
    batch, its queue hiding a message six timeouts; the media bucket deletes the files
    under exports/ after 7 days; the API may only send to the queue and sign links to the
    files, the consumer only put them (tests/integration/test_permissions.py has the rest)."""
    function = functions(template)["BuildExports"]["Properties"]
    mapping = next(iter(function["Events"].values()))["Properties"]
    assert mapping["Queue"] == {"Fn::GetAtt": ["ExportsQueue", "Arn"]}
    assert mapping["BatchSize"] == 1
    assert function["Timeout"] == 900 and function["MemorySize"] == 512
    queue = template["Resources"]["ExportsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    assert "RedrivePolicy" not in queue  # a failed build is marked failed on its record
    rules = template["Resources"]["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiry = next(r for r in rules if r.get("Prefix") == "exports/")
    assert expiry["ExpirationInDays"] == 7 and expiry["Status"] == "Enabled"
    role = function["Role"]["Fn::GetAtt"][0]
    statements = template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    puts = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert [p["Resource"] for p in puts] == [{"Fn::Sub": "${MediaBucket.Arn}/exports/*"}]


def test_every_model_has_a_kept_table_and_every_function_its_names(
    template: dict[str, Any],
) -> None:
    tables = of_type(template, "AWS::DynamoDB::Table")
    assert len(tables) == len(ALL_MODELS)
    for table in tables.values():
        # Kept, except when the first create fails: then a retry starts clean
        assert table["DeletionPolicy"] == "RetainExceptOnCreate"
        assert table["UpdateReplacePolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
    resources = template["Resources"]
    for function in functions(template).values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["MINSHENG_STAGE"] == "prod"
        for field in resource_fields():
            target = variables[env_name(field)]["Ref"]
            expected = {"bucket": "AWS::S3::Bucket", "pool": "AWS::Cognito::UserPool"}
            kind = resources[target]["Type"]
            if field.endswith("_table"):
                assert kind == "AWS::DynamoDB::Table", field
            elif field.endswith("_queue"):
                assert kind == "AWS::SQS::Queue", field
            elif field.endswith("_bucket"):
                assert kind == expected["bucket"]
            elif field == "user_pool_id":
                assert kind == expected["pool"]
            else:
                assert kind == "AWS::Cognito::UserPoolClient"


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]


def test_roles_are_least_privilege(template: dict[str, Any]) -> None:
    """No "*" action; "*" as a resource only for dynamodb:ListStreams, which has no
    resource-level permissions; SMS as sns:Publish to anything but an SNS topic; each
    function's role grants what infra/permissions.py lists for it (and the
    stream/log/destination needs of its kind), nothing else."""
    from infra.template import SNS_TOPICS, _resolve

    roles = of_type(template, "AWS::IAM::Role")
    for name, role in roles.items():
        for statement in _statements(role):
            actions = statement["Action"]
            assert all("*" not in a for a in actions), (name, actions)
            if "NotResource" in statement:
                # SMS to phone numbers: sns:Publish to anything but a topic
                assert actions == ["sns:Publish"] and statement["Sid"], name
                assert statement["NotResource"] == SNS_TOPICS, name
                continue
            if statement["Resource"] == "*":
                assert actions == ["dynamodb:ListStreams"] and statement.get("Sid"), name
    for name, function in functions(template).items():
        role_name, attribute = function["Properties"]["Role"]["Fn::GetAtt"]
        assert attribute == "Arn"
        granted = set()
        for statement in _statements(roles[role_name]):
            resources = statement.get("Resource", statement.get("NotResource"))
            for resource in resources if isinstance(resources, list) else [resources]:
                for action in statement["Action"]:
                    granted.add((action, json.dumps(resource, sort_keys=True)))
        expected = {(a, json.dumps(_resolve(r), sort_keys=True)) for a, r in NEEDS[name]}
        logs = {(a, r) for a, r in granted if a.startswith("logs:")}
        stream = {(a, r) for a, r in granted if a.startswith(("dynamodb:", "sqs:"))} - expected
        assert granted - logs - stream == expected, name
        assert {a for a, _ in logs} == {"logs:CreateLogStream", "logs:PutLogEvents"}
        assert any(f"-{name}:*" in r for _, r in logs), name
        events = [e["Type"] for e in function["Properties"].get("Events", {}).values()]
        if "DynamoDB" in events:
            assert {a for a, _ in stream} == {
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
                "sqs:SendMessage",
            }
        elif "SQS" in events:
            # The event source mapping polls the queue and deletes what was handled.
            queue = next(
                e["Properties"]["Queue"]
                for e in function["Properties"]["Events"].values()
                if e["Type"] == "SQS"
            )
            assert stream == {
                (action, json.dumps(queue, sort_keys=True))
                for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
            }, name
        else:
            assert stream == set(), name


def test_alarms_logs_and_the_on_call_topic(template: dict[str, Any]) -> None:
    alarms = of_type(template, "AWS::CloudWatch::Alarm")
    metrics = [
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values()
    ]
    names = set(functions(template))
    assert metrics.count(("AWS/Lambda", "Errors")) == len(names)
    assert metrics.count(("AWS/Lambda", "Throttles")) == len(names)
    assert metrics.count(("AWS/SQS", "ApproximateNumberOfMessagesVisible")) == len(QUEUES)
    assert ("AWS/ApiGateway", "5XXError") in metrics
    assert ("Minsheng", "SlaSweepLagSeconds") in metrics
    assert ("Minsheng", "WebhookUrlChanged") in metrics
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    subscription = of_type(template, "AWS::SNS::Subscription")["OnCallSubscription"]
    assert subscription["Properties"]["Endpoint"] == {"Ref": "OnCallEmail"}
    groups = of_type(template, "AWS::Logs::LogGroup")
    assert {f"{n}LogGroup" for n in names} == set(groups)
    assert all(
        g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups.values()
    )
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 365


def test_signed_in_routes_are_behind_the_cognito_authorizer(template: dict[str, Any]) -> None:
    from chalicelib.core.http.base import all_routes

    swagger = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    authorizer = swagger["securityDefinitions"]["MinshengUserPool"]
    assert authorizer["x-amazon-apigateway-authorizer"]["providerARNs"] == [
        {"Fn::GetAtt": ["UserPool", "Arn"]}
    ]
    for route in all_routes():
        operation = swagger["paths"][route.path][route.method.lower()]
        secured = operation.get("security") == [{"MinshengUserPool": []}]
        assert secured is (route.roles is not None), (route.method, route.path)


def test_the_api_stage_is_throttled_by_parameters(template: dict[str, Any]) -> None:
    """API Gateway refuses floods before any function runs (429 from the gateway): every
    route of the stage, at a steady rate and burst the district sets."""
    settings_ = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert settings_ == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": {"Ref": "ApiThrottleRate"},
            "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurst"},
        }
    ]
    parameters = template["Parameters"]
    assert parameters["ApiThrottleRate"]["Default"] < parameters["ApiThrottleBurst"]["Default"]


def _resolved_environment(template: dict[str, Any]) -> dict[str, str]:
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    stand_ins = {
        "UserPool": "us-east-1_Stack1234",
        "UserPoolClient": "stackclient123",
        "CorsOrigins": "",  # the parameter's default
        "ReportSender": "reports@district.example",
        "MailboxAddress": "mayor@district.example",
    }

    parameters = template["Parameters"]

    def value(v: Any) -> str:
        if isinstance(v, str):
            return v
        if "Fn::Sub" in v:
            return str(v["Fn::Sub"]).replace("${AWS::StackName}", "minsheng-prod")
        if "Fn::Join" in v:
            separator, parts = v["Fn::Join"]
            return str(separator).join(value(p) for p in parts)
        if v["Ref"] == "AWS::URLSuffix":
            return "amazonaws.com.cn"
        if v["Ref"] in parameters and v["Ref"] not in stand_ins:
            return str(parameters[v["Ref"]]["Default"])
        return stand_ins.get(v["Ref"], f"minsheng-prod-{v['Ref']}")

    return {k: value(v) for k, v in variables.items()}


def _import_app(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import app; from chalicelib.core.http.lazy import load_all; load_all(); "
            "print(len(app.app.routes))",
        ],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_the_app_imports_with_the_prod_environment_and_not_without_a_stage(
    template: dict[str, Any],
) -> None:
    """Given the APIHandler's environment from the template (Refs stood in by names), the
    app and every blueprint's module import; without MINSHENG_STAGE the app refuses,
    naming the variable."""
    env = _resolved_environment(template)
    imported = _import_app(env)
    assert imported.returncode == 0, imported.stderr
    assert int(imported.stdout.strip()) > 10
    env.pop("MINSHENG_STAGE")
    refused = _import_app(env)
    assert refused.returncode != 0
    assert "MINSHENG_STAGE is not set" in refused.stderr


def test_the_segmenter_and_the_search_index_ride_in_layers_on_the_functions_that_use_them(
    template: dict[str, Any],
) -> None:
    from infra.package import LAYER_LIST, layer_requirements, runtime_requirements

    segmenter, search, spreadsheet = LAYER_LIST
    layered = {name: f["Properties"].get("Layers") for name, f in functions(template).items()}
    # Export files are written with openpyxl by the export consumer alone
    assert layered.pop("BuildExports") == [{"Ref": spreadsheet.id}]
    assert layered.pop("AppealTopics") == [{"Ref": segmenter.id}]
    assert layered.pop("SupportTopics") == [{"Ref": segmenter.id}]
    # Knowledge-base search in the API segments the query and ranks with tantivy
    assert layered.pop("APIHandler") == [{"Ref": segmenter.id}, {"Ref": search.id}]
    assert not any(layered.values()), layered
    for layer in LAYER_LIST:
        assert of_type(template, "AWS::Serverless::LayerVersion")[layer.id]["Properties"][
            "CompatibleRuntimes"
        ] == ["python3.11"]
    assert [s.split("==")[0] for s in layer_requirements(segmenter)] == ["rjieba"]
    assert [s.split("==")[0] for s in layer_requirements(search)] == ["tantivy"]
    assert [s.split("==")[0] for s in layer_requirements(spreadsheet)] == [
        "openpyxl",
        "et-xmlfile",
    ]
    assert not any(
        s.startswith(("rjieba", "tantivy", "openpyxl", "et-xmlfile"))
        for s in runtime_requirements()
    )
    # and only the shared segmenter module imports it; only the search module, tantivy
    for module, expected in (
        ("rjieba", ["chalicelib/core/services/segmenter.py"]),
        ("tantivy", ["chalicelib/knowledge/services/knowledge_search.py"]),
        ("openpyxl", ["chalicelib/exports/services/writers.py"]),
    ):
        users = [
            str(p.relative_to(ROOT))
            for p in (ROOT / "chalicelib").rglob("*.py")
            if re.search(rf"^\s*(import|from) {module}\b", p.read_text("utf-8"), re.MULTILINE)
            and "local" not in p.parts
        ]
        assert users == expected, users


def test_the_wechat_secret_is_declared_and_read_by_the_api_alone(
    template: dict[str, Any],
) -> None:
    """The official account's secret: a generated token (letters and digits, as WeChat
    takes) beside an AppID the admin fills in; every function is told its name; only the
    API's role may read it, and only that one secret."""
    from infra.template import WECHAT_SECRET

    secret = of_type(template, "AWS::SecretsManager::Secret")[WECHAT_SECRET]["Properties"]
    generated = secret["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "token" and generated["ExcludePunctuation"]
    assert generated["PasswordLength"] <= 32
    assert json.loads(generated["SecretStringTemplate"]) == {"app_id": ""}
    for function in functions(template).values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables[env_name("wechat_secret")] == secret["Name"]
    readers = []
    for name, role in of_type(template, "AWS::IAM::Role").items():
        for statement in _statements(role):
            if statement.get("Resource") == {"Ref": WECHAT_SECRET}:
                assert statement["Action"] == ["secretsmanager:GetSecretValue"]
                readers.append(name)
    assert [template["Resources"]["APIHandler"]["Properties"]["Role"]["Fn::GetAtt"][0]] == readers
    assert template["Outputs"]["WechatSecret"]["Value"] == secret["Name"]


def test_the_owner_key_secret_is_generated_kept_and_read_by_those_who_key_owners(
    template: dict[str, Any],
) -> None:
    """The secret owner keys are keyed with: generated by CloudFormation (long, no one
    types it), kept when the stack goes, named to every function; only the API (hotline
    calls, verified phones, WeChat) and the mailbox's consumer may read it, and only it."""
    from chalicelib.core.integrations.secrets import OWNER_KEY_MIN_CHARS
    from infra.template import OWNER_KEY_SECRET

    resource = of_type(template, "AWS::SecretsManager::Secret")[OWNER_KEY_SECRET]
    assert resource["DeletionPolicy"] == "RetainExceptOnCreate"
    assert resource["UpdateReplacePolicy"] == "Retain"
    secret = resource["Properties"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= 2 * OWNER_KEY_MIN_CHARS
    for function in functions(template).values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables[env_name("owner_key_secret")] == secret["Name"]
    readers = set()
    for name, role in of_type(template, "AWS::IAM::Role").items():
        for statement in _statements(role):
            if statement.get("Resource") == {"Ref": OWNER_KEY_SECRET}:
                assert statement["Action"] == ["secretsmanager:GetSecretValue"]
                readers.add(name)
    roles = {
        template["Resources"][f]["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in ("APIHandler", "ReceiveMail")
    }
    assert readers == roles
    assert template["Outputs"]["OwnerKeySecret"]["Value"] == secret["Name"]


def test_the_app_client_hides_whether_a_user_exists_and_can_revoke_tokens(
    template: dict[str, Any],
) -> None:
    [client] = of_type(template, "AWS::Cognito::UserPoolClient").values()
    assert client["Properties"]["PreventUserExistenceErrors"] == "ENABLED"
    assert client["Properties"]["EnableTokenRevocation"] is True


def test_every_bucket_refuses_plain_http(template: dict[str, Any]) -> None:
    """Each bucket's policy denies every request not made over TLS, to the bucket and to
    every object in it."""
    buckets = of_type(template, "AWS::S3::Bucket")
    assert set(buckets) >= {"MediaBucket", "InboxBucket"}
    policies = of_type(template, "AWS::S3::BucketPolicy").values()
    plain_http = {"Bool": {"aws:SecureTransport": "false"}}
    for name in buckets:
        [policy] = [p for p in policies if p["Properties"]["Bucket"] == {"Ref": name}]
        denied = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny" and s["Condition"] == plain_http
        ]
        assert len(denied) == 1, name
        [deny] = denied
        assert deny["Principal"] == "*" and deny["Action"] == "s3:*"
        assert deny["Resource"] == [
            {"Fn::GetAtt": [name, "Arn"]},
            {"Fn::Sub": f"${{{name}.Arn}}/*"},
        ]


def test_the_delivery_function_s_vpc_placement_is_a_parameter_off_by_default(
    full: dict[str, Any],
) -> None:
    """DeliveryNetwork=vpc puts the webhook deliverer (alone) in two private subnets behind
    one NAT gateway, whose address is an output; HTTPS is all it may send; every part of it
    is conditional, and private targets need it."""
    from infra.delivery_network import DELIVERY_HANDLER, IN_VPC

    parameters = full["Parameters"]
    assert parameters["DeliveryNetwork"]["Default"] == "public"
    assert parameters["DeliveryPrivateTargets"]["Default"] == "false"
    conditions = full["Conditions"]
    assert conditions[IN_VPC] == {"Fn::Equals": [{"Ref": "DeliveryNetwork"}, "vpc"]}
    assert {"Condition": IN_VPC} in conditions["DeliveryPrivateTargetsOn"]["Fn::And"]
    network = {k: v for k, v in full["Resources"].items() if v["Type"].startswith("AWS::EC2::")}
    assert {v["Type"] for v in network.values()} >= {
        "AWS::EC2::VPC",
        "AWS::EC2::NatGateway",
        "AWS::EC2::EIP",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::VPCEndpoint",
    }
    assert all(v.get("Condition") == IN_VPC for v in network.values())
    [group] = [v for v in network.values() if v["Type"] == "AWS::EC2::SecurityGroup"]
    assert [(r["FromPort"], r["ToPort"]) for r in group["Properties"]["SecurityGroupEgress"]] == [
        (443, 443)
    ]
    assert "SecurityGroupIngress" not in group["Properties"]
    placed = []
    for name, function in functions(full).items():
        properties = function["Properties"]
        variables = properties["Environment"]["Variables"]
        assert variables["MINSHENG_DELIVERY_NETWORK"] == {"Ref": "DeliveryNetwork"}
        assert variables["MINSHENG_WEBHOOK_PRIVATE_TARGETS"] == {
            "Fn::If": ["DeliveryPrivateTargetsOn", "true", "false"]
        }
        if "VpcConfig" in properties:
            placed.append(name)
            choice = properties["VpcConfig"]["Fn::If"]
            assert choice[0] == IN_VPC and choice[2] == {"Ref": "AWS::NoValue"}
            assert len(choice[1]["SubnetIds"]) == 2
            role = full["Resources"][properties["Role"]["Fn::GetAtt"][0]]
            [eni] = role["Properties"]["ManagedPolicyArns"]
            assert eni["Fn::If"][0] == IN_VPC
            assert eni["Fn::If"][1]["Fn::Sub"].endswith("AWSLambdaENIManagementAccess")
    from app import app
    from infra.template import _handler_names

    assert [_handler_names(app)[name] for name in placed] == [DELIVERY_HANDLER]
    outputs = full["Outputs"]
    assert outputs["DeliveryEgressAddress"] == {
        "Condition": IN_VPC,
        "Description": outputs["DeliveryEgressAddress"]["Description"],
        "Value": {"Ref": "DeliveryNatAddress"},
    }


def test_cross_origin_calls_are_a_parameter_none_by_default(full: dict[str, Any]) -> None:
    """``CorsOrigins`` (empty by default) is every function's MINSHENG_CORS_ORIGINS; the
    media bucket takes the photo uploads (POST only) of the API's own pages and of the
    listed origins."""
    import re

    parameter = full["Parameters"]["CorsOrigins"]
    assert parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("https://h5.example.cn,http://a.cn:8080")
    assert not pattern.fullmatch("*") and not pattern.fullmatch("https://a.cn/")
    for name, function in functions(full).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["MINSHENG_CORS_ORIGINS"] == {"Ref": "CorsOrigins"}, name
    [rule] = full["Resources"]["MediaBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    own = {"Fn::Sub": "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert rule["AllowedOrigins"] == {
        "Fn::If": [
            "HasCorsOrigins",
            {"Fn::Split": [",", {"Fn::Join": [",", [own, {"Ref": "CorsOrigins"}]]}]},
            [own],
        ]
    }
    assert "AllowedHeaders" not in rule  # a form post sends none beyond the safelisted


TEMPLATES = ("template.json", "core-template.json", "core-issuer-template.json")
# Accounts=issuer: the full template as CloudFormation resolves it, and the issuer core
NO_POOL = ("template.json", "core-issuer-template.json")


@dataclass(frozen=True)
class Expansion:
    """A template the tests lint, written to ``path``, and its SAM transform (CloudFormation's
    figures of it, and the expansion, written beside it)."""

    path: Path
    counted: Any
    expanded: dict[str, Any]

    @property
    def expanded_path(self) -> Path:
        return self.path.with_name(f"{self.path.name}.expanded.json")


@pytest.fixture(scope="module")
def expansions(
    built: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], Expansion]:
    """Each template as built ("built", name: the file itself) and each without the pool
    ("no-pool", name: written out), with its SAM transform (aws-sam-translator, on the
    template as `aws cloudformation package` writes it) written beside it, as `make package`
    writes them. Made once for the tests that read them."""
    from infra.transform import figures

    no_pool = tmp_path_factory.mktemp("no-pool")
    found = {}
    for kind, name in [("built", n) for n in TEMPLATES] + [("no-pool", n) for n in NO_POOL]:
        if kind == "built":
            path = built.with_name(name)
            template = json.loads(path.read_text("utf-8"))
        else:
            path, template = no_pool / name, _without_the_pool(built, name)
            path.write_text(json.dumps(template), "utf-8")
        counted, expanded = figures(template)
        found[kind, name] = Expansion(path, counted, expanded)
        found[kind, name].expanded_path.write_text(json.dumps(expanded), "utf-8")
    return found


@pytest.fixture(scope="module")
def linted(built: Path, expansions: dict[tuple[str, str], Expansion]) -> dict[Path, list[str]]:
    """cfn-lint's findings (errors, warnings and notes alike) in each file the tests lint:
    the templates as built and each expansion. One cfn-lint run over all of them: each file
    is linted once, and cfn-lint starts once rather than once a file."""
    paths = [path for e in expansions.values() for path in (e.path, e.expanded_path)]
    assert built in paths
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
    )
    matches = json.loads(result.stdout) if result.stdout.strip() else []
    # Nothing found is exit code 0; anything found is in the list (else cfn-lint failed)
    assert (result.returncode == 0) == (matches == []), result.stdout + result.stderr
    found: dict[Path, list[str]] = {path: [] for path in paths}
    for m in matches:
        found[Path(m["Filename"])].append(
            f"{m['Rule']['Id']} {m['Message']} ({m['Filename']}:"
            f"{m['Location']['Start']['LineNumber']})"
        )
    return found


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_lints_and_expands_within_cloudformations_limits(
    expansions: dict[tuple[str, str], Expansion], linted: dict[Path, list[str]], name: str
) -> None:
    """Both templates, as built and after the SAM transform CloudFormation runs on them
    (aws-sam-translator, on the template as `aws cloudformation package` writes it): cfn-lint
    finds nothing, and resources, size, parameters and outputs are within the limits. Too
    big to be passed inline: the deploy commands give a bucket."""
    from infra.transform import MAX_TEMPLATE_BYTES_IN_REQUEST

    counted = _lints_and_expands(expansions["built", name], linted).counted
    assert counted.packaged_bytes > MAX_TEMPLATE_BYTES_IN_REQUEST
    assert 100 < counted.resources < 500


def _lints_and_expands(expansion: Expansion, linted: dict[Path, list[str]]) -> Expansion:
    """cfn-lint finds nothing in the template nor in its SAM transform, which is within
    CloudFormation's limits."""
    assert linted[expansion.path] == []
    assert expansion.counted.problems() == []
    assert linted[expansion.expanded_path] == []
    return expansion


def test_the_issuer_core_template_is_the_core_without_the_pool(
    core: dict[str, Any], issuer_core: dict[str, Any]
) -> None:
    """core-issuer-template.json, for a region without SES and Cognito user pools: the core
    template as a stack with Accounts=issuer resolves it, naming no Cognito resource type at
    all (CloudFormation refuses a type its region lacks even behind a false condition), and
    requiring the issuer and the console's client there without a condition."""
    from infra.parts import resolved

    assert "AWS::Cognito::" not in json.dumps(issuer_core) and "cognito-idp" not in json.dumps(
        issuer_core
    )
    assert "Accounts" not in issuer_core["Parameters"]
    assert set(issuer_core["Parameters"]) == set(core["Parameters"]) - {"Accounts"}
    rule = issuer_core["Rules"]["AccountsAtTheIssuerNeedIt"]
    assert "RuleCondition" not in rule
    assert rule["Assertions"] == core["Rules"]["AccountsAtTheIssuerNeedIt"]["Assertions"]
    values = truth(core, False, HasUserPool=False, PoolTokensOnly=False)
    as_created = resolved(issuer_core, {k: values[k] for k in issuer_core["Conditions"]})
    expected = resolved(core, values)
    for section in ("Resources", "Outputs", "Mappings"):
        assert as_created.get(section) == expected.get(section), section


def _without_the_pool(built: Path, name: str) -> dict[str, Any]:
    """Template ``name`` as CloudFormation resolves it with Accounts=issuer, without the
    parameters only its conditions read."""
    from infra.parts import resolved

    built_template = json.loads(built.with_name(name).read_text("utf-8"))
    values = truth(built_template, name == "template.json", HasUserPool=False)
    no_pool = resolved(built_template, {**values, "PoolTokensOnly": False})
    used = json.dumps([no_pool["Resources"], no_pool["Outputs"]])
    no_pool["Parameters"] = {
        k: v
        for k, v in no_pool["Parameters"].items()
        if f'"Ref": "{k}"' in used or "${" + k + "}" in used
    }
    return no_pool


@pytest.mark.parametrize("name", NO_POOL)
def test_without_the_pool_the_templates_lint_and_expand(
    built: Path,
    expansions: dict[tuple[str, str], Expansion],
    linted: dict[Path, list[str]],
    name: str,
) -> None:
    """Accounts=issuer (everyone signs in at the external issuer): the full template as
    CloudFormation resolves it, and the issuer core template, name no Cognito resource,
    grant, authorizer, output or setting, and lint and expand within the limits."""
    built_template = json.loads(built.with_name(name).read_text("utf-8"))
    no_pool = _without_the_pool(built, name)
    text = json.dumps(no_pool["Resources"]) + json.dumps(no_pool["Outputs"])
    for absent in ("AWS::Cognito::", "cognito-idp", "UserPool", "MINSHENG_USER_POOL"):
        assert absent not in text, absent
    swagger = no_pool["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert "securityDefinitions" not in swagger
    assert all(
        op.get("security", []) == [] for ops in swagger["paths"].values() for op in ops.values()
    )
    # The rule: without the pool, the issuer and the console's client there are required
    rule = built_template["Rules"]["AccountsAtTheIssuerNeedIt"]
    if name == "template.json":
        assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "Accounts"}, "issuer"]}
    required = {a["Assert"]["Fn::Not"][0]["Fn::Equals"][0]["Ref"] for a in rule["Assertions"]}
    assert required == {"OidcIssuer", "OidcClientId"}
    # Resolved, the template no longer reads the parameters only its conditions read
    # (_without_the_pool drops them): what is linted and expanded is this template
    linted_no_pool = expansions["no-pool", name]
    assert json.loads(linted_no_pool.path.read_text("utf-8")) == no_pool
    expanded = _lints_and_expands(linted_no_pool, linted).expanded
    assert not [r for r in expanded["Resources"].values() if "Cognito" in r["Type"]]


def test_the_pool_and_everything_that_uses_it_are_on_its_condition(
    full: dict[str, Any], core: dict[str, Any]
) -> None:
    """The pool, its client, groups and SMS role, its outputs, its settings and the grants
    on it exist only with Accounts=pool; API Gateway checks tokens only where the pool's are
    the only ones (with an external issuer the app alone checks them, as it always does)."""
    for template in (full, core):
        parameter = template["Parameters"]["Accounts"]
        assert parameter["AllowedValues"] == ["pool", "issuer"]
        assert parameter["Default"] == "pool"
        assert template["Conditions"]["HasUserPool"] == {
            "Fn::Equals": [{"Ref": "Accounts"}, "pool"]
        }
        assert template["Conditions"]["PoolTokensOnly"] == {
            "Fn::And": [{"Condition": "HasUserPool"}, {"Fn::Equals": [{"Ref": "OidcIssuer"}, ""]}]
        }
        resources = template["Resources"]
        pool = [k for k, v in resources.items() if v["Type"].startswith("AWS::Cognito::")]
        assert len(pool) == 7  # the pool, its app client and five groups
        for name in [*pool, "UserPoolSmsRole"]:
            assert resources[name]["Condition"] == "HasUserPool", name
        for output in ("UserPoolId", "UserPoolClientId"):
            assert template["Outputs"][output]["Condition"] == "HasUserPool"
        api = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
        assert api["MINSHENG_USER_POOL_ID"] == {
            "Fn::If": ["HasUserPool", {"Ref": "UserPool"}, {"Ref": "AWS::NoValue"}]
        }
        swagger = resources["RestAPI"]["Properties"]["DefinitionBody"]
        assert swagger["securityDefinitions"]["Fn::If"][0] == "PoolTokensOnly"
        conditional = 0
        for role, resource in of_type(template, "AWS::IAM::Role").items():
            if role == "UserPoolSmsRole":
                continue
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    branches = statement.get("Fn::If") if isinstance(statement, dict) else None
                    if branches and branches[0] == "HasUserPool":
                        assert "cognito-idp" in json.dumps(branches[1]), role
                        conditional += 1
                    else:
                        assert "cognito-idp" not in json.dumps(statement), (role, statement)
        assert conditional >= 2  # the users API's calls, the directory's reads


def _normalised(template: dict[str, Any]) -> dict[str, Any]:
    """Resources and outputs, with the functions' MINSHENG_FEATURES value set aside (the
    core template names it ``none``; the full one joins its parts' conditions)."""
    copied = json.loads(json.dumps({k: template[k] for k in ("Resources", "Outputs")}))
    for resource in copied["Resources"].values():
        variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        if "MINSHENG_FEATURES" in variables:
            variables["MINSHENG_FEATURES"] = "<features>"
    return copied


def test_with_every_part_off_the_full_template_is_the_core_template(
    full: dict[str, Any], core: dict[str, Any]
) -> None:
    """Every resource, grant, alarm, layer, environment variable and output a part brings
    is on its condition: the full template with all parts off is the core template, and
    the core template names no part's resource type or resource."""
    from infra.parts import resolved

    off = resolved(full, truth(full, False))
    resolved_core = resolved(core, truth(core, False))
    assert _normalised(off) == _normalised(resolved_core)
    text = json.dumps(core)
    for absent in (
        "AWS::SES::",
        '"ses:',
        "InboxBucket",
        "MailboxQueue",
        "WeChatSecret",
        "SearchLayer",
        "MINSHENG_REPORT_SENDER",
        "MINSHENG_MAILBOX_ADDRESS",
        "MINSHENG_WECHAT_SECRET",
    ):
        assert absent not in text, absent
    assert set(functions(core)) == set(functions(template=resolved(full, truth(full, True)))) - {
        "ReceiveMail",
        "DailyReport",
        "WeeklyReport",
        "MonthlyReport",
    }
    roles = json.dumps(
        {
            k: v
            for k, v in of_type(core, "AWS::IAM::Role").items()
            if k.endswith("Role") and k != "UserPoolSmsRole"
        }
    )
    assert "sns:Publish" not in roles  # no texts to citizens (the pool's own codes stay)
    for table in ("ApiKeysTable", "KnowledgeTable", "MailTable", "RatingLinksTable"):
        assert table not in roles, table  # kept (their records stay), granted to nobody
    for variables in (
        f["Properties"]["Environment"]["Variables"] for f in functions(core).values()
    ):
        assert variables["MINSHENG_FEATURES"] == "none"


def test_each_part_has_a_parameter_and_its_conditions_and_rules(full: dict[str, Any]) -> None:
    from chalicelib.core.config import FEATURES, env_name
    from infra.parts import PARTS, resolved

    for feature in FEATURES:
        part = PARTS[feature]
        parameter = full["Parameters"][part.parameter]
        assert parameter["AllowedValues"] == ["on", "off"] and parameter["Default"] == "on"
        assert full["Conditions"][part.condition] == {"Fn::Equals": [{"Ref": part.parameter}, "on"]}
        # With only this part off, the functions are told so and lose what it brings
        values = truth(full, True, **{part.condition: False})
        one_off = resolved(full, values)
        api = one_off["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
        told = "".join(api["MINSHENG_FEATURES"]["Fn::Join"][1]).strip(",").split(",")
        assert sorted(told) == sorted(set(FEATURES) - {feature})
        if feature == "mailbox":
            assert env_name("inbox_bucket") not in api and "ReceiveMail" not in one_off["Resources"]
        if feature == "knowledge":
            assert one_off["Resources"]["APIHandler"]["Properties"]["Layers"] == [
                {"Ref": "SegmenterLayer"}
            ]
    # A part switched on needs what it cannot work without
    rules = full["Rules"]
    assert rules["MailboxNeedsAnAddress"]["RuleCondition"] == {
        "Fn::Equals": [{"Ref": "Mailbox"}, "on"]
    }
    assert rules["ReportEmailsNeedASender"]["RuleCondition"] == {
        "Fn::Equals": [{"Ref": "ReportEmails"}, "on"]
    }
    assert "ApiDomainNeedsACertificate" in rules


def test_buckets_have_no_fixed_names_and_data_survives_all_but_a_failed_first_create(
    full: dict[str, Any], core: dict[str, Any]
) -> None:
    for template in (full, core):
        for name, resource in template["Resources"].items():
            if (
                resource["Type"]
                in (
                    "AWS::S3::Bucket",
                    "AWS::DynamoDB::Table",
                    "AWS::Cognito::UserPool",
                )
                or name == "OwnerKeySecret"
            ):
                assert resource["DeletionPolicy"] == "RetainExceptOnCreate", name
                assert resource["UpdateReplacePolicy"] == "Retain", name
            if resource["Type"] == "AWS::S3::Bucket":
                assert "BucketName" not in resource["Properties"], name
        # deletion protection as the parameter says (off for the first create)
        for table in of_type(template, "AWS::DynamoDB::Table").values():
            assert table["Properties"]["DeletionProtectionEnabled"] == {
                "Fn::If": ["DeletionProtectionOn", True, False]
            }
        assert template["Parameters"]["DeletionProtection"]["Default"] == "on"


def test_district_settings_are_stack_parameters(full: dict[str, Any]) -> None:
    """Reply days, submission limits, the ranking minimum, the reports' hour, the links'
    base URL and the API's own domain name come from parameters; every host name from the
    stack's partition."""
    from infra.template import REPORT_HOURS

    parameters = full["Parameters"]
    api = full["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    for parameter, variable in (
        ("ReplyDays", "MINSHENG_REPLY_DAYS"),
        ("SubmissionLimits", "MINSHENG_SUBMISSION_LIMITS"),
        ("RankingMinCases", "MINSHENG_RANKING_MIN_CASES"),
    ):
        assert api[variable] == {"Ref": parameter} and parameters[parameter]["Default"] == ""
    assert api["MINSHENG_DNS_SUFFIX"] == {"Ref": "AWS::URLSuffix"}
    links = full["Resources"]["DeliverNotifications"]["Properties"]["Environment"]["Variables"]
    assert links["MINSHENG_PUBLIC_BASE_URL"]["Fn::If"][0] == "HasPublicBaseUrl"
    assert "amazonaws.com" not in json.dumps(links["MINSHENG_PUBLIC_BASE_URL"])
    daily = full["Resources"]["DailyReport"]["Properties"]["Events"]["DailyReportEvent"]
    weekly = full["Resources"]["WeeklyReport"]["Properties"]["Events"]["WeeklyReportEvent"]
    assert daily["Properties"]["Schedule"]["Fn::Sub"][0] == "cron(0 ${Hour} * * ? *)"
    assert weekly["Properties"]["Schedule"]["Fn::Sub"][0] == "cron(0 ${Hour} ? * ${Day} *)"
    assert full["Mappings"]["ReportHours"] == REPORT_HOURS
    # 08:00 Asia/Shanghai is midnight UTC on the same Monday; 07:00 is Sunday 23:00 UTC
    assert REPORT_HOURS["H08"] == {"Utc": "0", "Monday": "MON"}
    assert REPORT_HOURS["H07"] == {"Utc": "23", "Monday": "SUN"}
    assert parameters["ReportHour"]["Default"] == "H08"
    domain = full["Resources"]["ApiDomain"]
    assert domain["Condition"] == "HasApiDomain"
    assert domain["Properties"]["RegionalCertificateArn"] == {"Ref": "ApiCertificateArn"}
    mapping = full["Resources"]["ApiDomainMapping"]["Properties"]
    assert mapping["RestApiId"] == {"Ref": "RestAPI"}


def _commands(markdown: str) -> list[list[str]]:
    """The shell commands of the page's code blocks, continuation lines joined, split into
    words (comments and placeholders' angle brackets kept as words)."""
    import shlex

    commands = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", markdown, re.S | re.M):
        for command in block.replace("\\\n", " ").splitlines():
            words = shlex.split(command.split("#", 1)[0], posix=True)
            if words:
                commands.append(words)
    return commands


def _options(words: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current = ""
    for word in words[3:]:
        if word.startswith("--"):
            current = word
            found[current] = []
        elif current:
            found[current].append(word)
    return found


def _broken_rules(template: dict[str, Any], given: dict[str, str]) -> list[str]:
    """The rules' assertions a deploy with ``given`` fails (the forms the template uses:
    a condition that a parameter equals a value, assertions that one is not empty)."""

    def value(name: str) -> str:
        return given.get(name, str(template["Parameters"][name].get("Default", "")))

    def holds(expression: dict[str, Any]) -> bool:
        if "Fn::Not" in expression:
            return not holds(expression["Fn::Not"][0])
        left, right = expression["Fn::Equals"]
        return value(left["Ref"]) == right

    return [
        assertion["AssertDescription"]
        for rule in template.get("Rules", {}).values()
        if "RuleCondition" not in rule or holds(rule["RuleCondition"])
        for assertion in rule["Assertions"]
        if not holds(assertion["Assert"])
    ]


def test_the_deploy_commands_in_the_docs_work_as_written(
    built: Path, full: dict[str, Any], core: dict[str, Any], issuer_core: dict[str, Any]
) -> None:
    """Read from docs/operate/deploy.md: each template is packaged to the artifacts bucket
    and deployed from the packaged file with the same bucket (the templates are over the
    inline limit), with the capabilities SAM needs; every parameter given is one of the
    template's, every required one is given on the stack's first deploy, and the templates
    named are the ones `make package` writes."""
    page = (ROOT / "docs" / "operate" / "deploy.md").read_text("utf-8")
    commands = _commands(page)
    assert ["make", "package", "STAGE=prod"] in commands
    packaged: dict[str, str] = {}
    first_deploy: set[str] = set()
    deploys = 0
    templates = {
        "template.json": full,
        "core-template.json": core,
        "core-issuer-template.json": issuer_core,
    }
    for words in commands:
        if words[:3] == ["aws", "cloudformation", "package"]:
            options = _options(words)
            source = Path(options["--template-file"][0])
            assert source.name in templates and source.parent == Path("build/prod")
            assert (built.parent / source.name).exists()
            assert options["--s3-bucket"] == ["<artifacts-bucket>"]
            packaged[options["--output-template-file"][0]] = source.name
        if words[:3] == ["aws", "cloudformation", "deploy"]:
            deploys += 1
            options = _options(words)
            target = options["--template-file"][0]
            assert target in packaged, f"{target} is deployed before it is packaged"
            assert options["--s3-bucket"] == ["<artifacts-bucket>"], words
            assert set(options["--capabilities"]) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
            template = templates[packaged[target]]
            given = dict(p.split("=", 1) for p in options.get("--parameter-overrides", []))
            unknown = set(given) - set(template["Parameters"])
            assert not unknown, (target, unknown)
            for name, value in given.items():
                allowed = template["Parameters"][name].get("AllowedValues")
                assert allowed is None or value in allowed or int(value) in allowed, name
            stack_key = (options["--stack-name"][0], target)
            if stack_key not in first_deploy:
                first_deploy.add(stack_key)
                required = {
                    name for name, p in template["Parameters"].items() if "Default" not in p
                }
                assert required <= set(given), (target, required - set(given))
                # The first create is rolled back whole if it fails
                assert given.get("DeletionProtection") == "off", target
                # and passes the template's rules (a part or mode that needs a parameter)
                assert _broken_rules(template, given) == [], (target, given)
    assert deploys >= 4 and set(packaged.values()) == set(templates)
