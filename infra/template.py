"""The deployable template: what ``chalice package`` writes (functions, API, schedules,
stream subscriptions), completed with everything Chalice does not generate.

- data: a table per PynamoDB model in ``ALL_MODELS``, the queues ``event_sources``
  declares, the media bucket;
- identity: the Cognito pool, its app client and groups;
- wiring: every function gets each resource's name from ``Ref`` (``MINSHENG_*``), its own
  log group with retention, a role per group of functions with the same needs
  (``infra/permissions.py``); stream subscriptions are bound to ``GetAtt Table.StreamArn``
  with the delivery settings ``event_sources`` declares;
- operations: alarms to an SNS topic for the on-call address; the Cognito authorizer in
  front of signed-in routes.

``python -m infra.package`` runs Chalice and writes the result; ``data_template()`` alone is
what the moto CloudFormation test deploys.
"""

from __future__ import annotations

import copy
from typing import Any

from chalicelib.core.config import (
    FEATURE_FIELDS,
    FEATURES,
    FEATURES_VARIABLE,
    Settings,
    env_name,
    resource_fields,
    settings,
)
from chalicelib.core.config import REPORT_SENDER as REPORT_SENDER_VARIABLE
from chalicelib.core.event_sources import (
    DELIVERY_FUNCTION_TIMEOUT_SECONDS,
    EXPORT_FUNCTION_TIMEOUT_SECONDS,
    HANDLER_FEATURES,
    QUEUE_CONSUMERS,
    QUEUES,
    STREAM_CONSUMERS,
)
from infra.parts import NO_VALUE, RESOURCE_FEATURES, Selection, fixed, mark, simplify
from infra.permissions import NEEDS, Grant

FUNCTION_TYPE = "AWS::Serverless::Function"
LOG_RETENTION_DAYS = {"dev": 14, "prod": 365}
SWEEP_LAG_ALARM_SECONDS = 300
API_5XX_RATE = 0.05
AUTHORIZER = "MinshengUserPool"
# The parameter (and its condition) protecting the tables and the user pool from being
# deleted by anyone: on, except for the first create (a failed one is then rolled back
# whole; docs/operate/deploy.md turns it on right after).
DELETION_PROTECTION = "DeletionProtection"
PROTECTED = "DeletionProtectionOn"
# Data that outlives the stack, except when the first create itself fails: then it goes
# with the rolled-back stack, and a retry starts clean (no orphan blocking it).
RETAIN_EXCEPT_ON_CREATE = {
    "DeletionPolicy": "RetainExceptOnCreate",
    "UpdateReplacePolicy": "Retain",
}
REPORT_SENDER = "ReportSender"  # the parameter naming the reports' From address
REPORT_FUNCTIONS = ("DailyReport", "WeeklyReport", "MonthlyReport")
# Functions that write links to the API into what they send: the reports, and the SMS
# rating links the notifications consumer sends.
LINK_FUNCTIONS = (*REPORT_FUNCTIONS, "DeliverNotifications")
WECHAT_SECRET = "WeChatSecret"
OWNER_KEY_SECRET = "OwnerKeySecret"
OWNER_KEY_CHARS = 64
MAILBOX_ADDRESS = "MailboxAddress"  # the parameter naming the mayor's mailbox address
INBOX_BUCKET = "InboxBucket"
MAILBOX_FUNCTION = "ReceiveMail"
MAILBOX_MEMORY_MB = 1024
# Where accounts are kept: the stack's own user pool (``pool``), or the external OpenID
# Connect issuer alone (``issuer``: no pool; everyone signs in at OidcIssuer). A parameter
# of its own rather than implied by OidcIssuer: a district may keep the pool beside its
# sign-on (citizens in the pool, staff at the issuer), and naming an issuer must never take
# a pool and its accounts out of the stack. (Not named UserPool: that is the pool's id.)
USER_POOL = "Accounts"
HAS_USER_POOL = "HasUserPool"
# API Gateway checks tokens itself only where the pool's are the only ones (it cannot check
# an external issuer's: with one, the app alone checks every token, as it always does too).
GATEWAY_CHECKS_TOKENS = "PoolTokensOnly"
POOL_RESOURCE = "pool:user_pool_id"
POOL_SETTINGS = ("user_pool_id", "user_pool_client_id")
EXPORT_FUNCTION = "BuildExports"
# The export consumer holds one page of appeals and the writer's buffers, whatever the
# month's size (bench/export_memory.py); the rest is the runtime.
EXPORT_MEMORY_MB = 512


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", "_").split("_"))


# -- names ------------------------------------------------------------------------------


def table_logical_id(model: Any) -> str:
    """``AppealModel`` -> ``AppealTable``: derived, so a new model needs no entry here."""
    return f"{model.__name__.removesuffix('Model')}Table"


def table_setting(model: Any, cfg: Settings | None = None) -> str:
    """The Settings field whose value is the model's table name."""
    values = cfg or settings()
    fields = [
        f
        for f in resource_fields()
        if f.endswith("_table") and getattr(values, f) == model.Meta.table_name
    ]
    if len(fields) != 1:
        raise LookupError(f"{model.__name__}: no single *_table setting names its table")
    return fields[0]


def resource_ids() -> dict[str, str]:
    """Settings field -> logical id of the resource whose ``Ref`` is that name."""
    from chalicelib.core.store.models import ALL_MODELS

    ids = {table_setting(model): table_logical_id(model) for model in ALL_MODELS}
    ids.update({q.url_setting: queue_logical_id(q.name) for q in QUEUES.values() if q.url_setting})
    ids.update(
        media_bucket="MediaBucket", user_pool_id="UserPool", user_pool_client_id="UserPoolClient"
    )
    ids.update(inbox_bucket=INBOX_BUCKET)
    missing = set(resource_fields()) - set(ids)
    if missing:
        raise LookupError(f"no resource in the template for {sorted(missing)}")
    return ids


def queue_logical_id(name: str) -> str:
    return f"{_camel(name)}Queue"


def output_name(field: str) -> str:
    """The stack output carrying a resource's name: ``appeals_table`` -> ``AppealsTable``."""
    return _camel(field)


# -- resources --------------------------------------------------------------------------


def table_resources(conditional_protection: bool = False) -> dict[str, Any]:
    """A table per model; ``conditional_protection``: deletion protection as the
    ``DeletionProtection`` parameter says (the deployed template)."""
    from chalicelib.core.store.models import ALL_MODELS
    from chalicelib.core.store.tables import cloudformation_resource

    tables = {table_logical_id(m): cloudformation_resource(m) for m in ALL_MODELS}
    if conditional_protection:
        for table in tables.values():
            table["Properties"]["DeletionProtectionEnabled"] = {"Fn::If": [PROTECTED, True, False]}
    return tables


def queue_resources(parts: Selection | None = None) -> dict[str, Any]:
    """The declared queues (those of the parts ``parts`` carries, each on its part's
    condition; every one without ``parts``)."""
    resources: dict[str, Any] = {}
    for q in QUEUES.values():
        if parts is not None and not parts.has(q.feature):
            continue
        properties: dict[str, Any] = {
            "MessageRetentionPeriod": q.retention_seconds,
            "VisibilityTimeout": q.visibility_timeout_seconds,
            "SqsManagedSseEnabled": True,
        }
        if q.dead_letter:
            properties["RedrivePolicy"] = {
                "deadLetterTargetArn": {"Fn::GetAtt": [queue_logical_id(q.dead_letter), "Arn"]},
                "maxReceiveCount": q.max_receive_count,
            }
        resources[queue_logical_id(q.name)] = mark(
            {"Type": "AWS::SQS::Queue", "Properties": properties},
            parts.condition(q.feature) if parts is not None else None,
        )
    return resources


def secret_prefix() -> Any:
    """Where the departments' webhook secrets are kept in Secrets Manager (the API creates
    one per department when the admin registers it)."""
    return {"Fn::Sub": "${AWS::StackName}/webhooks/"}


def wechat_secret_name() -> Any:
    """The WeChat official account's secret (``integrations/wechat.py``)."""
    return {"Fn::Sub": "${AWS::StackName}/wechat"}


def wechat_resources() -> dict[str, Any]:
    """The account's secret, with a new token (letters and digits, as WeChat requires)
    to enter in its server configuration; the admin adds the AppID (README)."""
    return {
        WECHAT_SECRET: {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Name": wechat_secret_name(),
                "Description": "WeChat official account: the server token and the AppID",
                "GenerateSecretString": {
                    "SecretStringTemplate": '{"app_id": ""}',
                    "GenerateStringKey": "token",
                    "PasswordLength": 32,
                    "ExcludePunctuation": True,
                },
            },
        }
    }


def owner_key_secret_name() -> Any:
    """The secret owner keys are keyed with (``domain/identities.py``)."""
    return {"Fn::Sub": "${AWS::StackName}/owner-keys"}


def owner_key_resources() -> dict[str, Any]:
    """A random value CloudFormation generates once, which nobody needs to read: the app
    keys hotline callers', mail senders' and WeChat followers' owner keys with it. Kept
    when the stack is deleted or the resource replaced, like the tables whose keys depend
    on it (a new value would orphan every owner key: see docs/operate/upgrades.md)."""
    from chalicelib.local.provision import OWNER_KEY_DESCRIPTION

    return {
        OWNER_KEY_SECRET: {
            "Type": "AWS::SecretsManager::Secret",
            **RETAIN_EXCEPT_ON_CREATE,
            "Properties": {
                "Name": owner_key_secret_name(),
                "Description": OWNER_KEY_DESCRIPTION,
                "GenerateSecretString": {
                    "PasswordLength": OWNER_KEY_CHARS,
                    "ExcludePunctuation": True,
                },
            },
        }
    }


def media_lifecycle_rules() -> list[dict[str, Any]]:
    """Uploads never attached to an appeal expire; attached photos are copied under
    ``ATTACHED_ROOT`` (services/uploads.py), which no rule touches."""
    from chalicelib.exports.domain.exports import KEEP_DAYS as EXPORT_KEEP_DAYS
    from chalicelib.exports.domain.exports import PREFIX as EXPORTS_PREFIX
    from chalicelib.intake.services.uploads import UPLOADS_ROOT
    from chalicelib.local.provision import UNATTACHED_UPLOAD_DAYS

    return [
        {
            "Id": "expire-unattached-uploads",
            "Status": "Enabled",
            "Prefix": UPLOADS_ROOT,
            "ExpirationInDays": UNATTACHED_UPLOAD_DAYS,
        },
        {
            # Export files (POST /exports): a link is made for 5 minutes at a time; the file
            # is kept a week, then the record says it expired.
            "Id": "expire-exports",
            "Status": "Enabled",
            "Prefix": EXPORTS_PREFIX,
            "ExpirationInDays": EXPORT_KEEP_DAYS,
        },
        {
            "Id": "abort-incomplete-multipart-uploads",
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
    ]


def private_bucket(lifecycle_rules: list[dict[str, Any]]) -> dict[str, Any]:
    """A bucket's properties: no public access, encrypted at rest, objects owned by the
    bucket's account, kept as ``lifecycle_rules`` say."""
    from chalicelib.local.provision import PUBLIC_ACCESS_BLOCK

    return {
        "PublicAccessBlockConfiguration": PUBLIC_ACCESS_BLOCK,
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            ]
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "LifecycleConfiguration": {"Rules": lifecycle_rules},
    }


def tls_only(bucket: str) -> dict[str, Any]:
    """The bucket policy statement that refuses every request not made over TLS."""
    return {
        "Sid": "TlsOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [
            {"Fn::GetAtt": [bucket, "Arn"]},
            {"Fn::Sub": f"${{{bucket}.Arn}}/*"},
        ],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def bucket_resources() -> dict[str, Any]:
    return {
        "MediaBucket": {
            "Type": "AWS::S3::Bucket",
            **RETAIN_EXCEPT_ON_CREATE,
            "Properties": private_bucket(media_lifecycle_rules()),
        }
    }


def media_bucket_policy() -> dict[str, Any]:
    """The photos bucket refuses plain HTTP (presigned uploads and downloads are https).
    Apart from ``bucket_resources``: moto's CloudFormation creates no bucket policies."""
    return {
        "MediaBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "MediaBucket"},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [tls_only("MediaBucket")]},
            },
        }
    }


def inbox_bucket_resource() -> dict[str, Any]:
    """Where SES stores letters to the mayor's mailbox: private, encrypted, kept
    ``INBOX_KEEP_DAYS`` (the raw letter is the record of what the citizen wrote)."""
    from chalicelib.channels.mailbox.integrations.mailbox import INBOX_PREFIX
    from chalicelib.local.provision import INBOX_KEEP_DAYS

    return {
        INBOX_BUCKET: {
            "Type": "AWS::S3::Bucket",
            **RETAIN_EXCEPT_ON_CREATE,
            "Properties": private_bucket(
                [
                    {
                        "Id": "keep-letters",
                        "Status": "Enabled",
                        "Prefix": INBOX_PREFIX,
                        "ExpirationInDays": INBOX_KEEP_DAYS,
                    }
                ]
            ),
        }
    }


def identity_resources() -> dict[str, Any]:
    from chalicelib.local import provision as spec

    resources: dict[str, Any] = {
        "UserPool": {
            "Type": "AWS::Cognito::UserPool",
            **RETAIN_EXCEPT_ON_CREATE,
            "Properties": {
                "UserPoolName": {"Fn::Sub": "${AWS::StackName}-users"},
                "Policies": {"PasswordPolicy": spec.PASSWORD_POLICY},
                "Schema": spec.POOL_SCHEMA,
                "AdminCreateUserConfig": {
                    "AllowAdminCreateUserOnly": False,
                    "InviteMessageTemplate": spec.INVITATION,
                },
                "AutoVerifiedAttributes": spec.AUTO_VERIFIED,
                "VerificationMessageTemplate": spec.VERIFICATION,
                "AccountRecoverySetting": spec.ACCOUNT_RECOVERY,
                # Authenticator apps for whoever sets one up (the API requires one of the
                # roles in MINSHENG_MFA_ROLES).
                "MfaConfiguration": spec.MFA_CONFIGURATION,
                "EnabledMfas": spec.ENABLED_MFAS,
                # The verification codes go by SMS through SNS, as the pool's role.
                "SmsConfiguration": {
                    "SnsCallerArn": {"Fn::GetAtt": ["UserPoolSmsRole", "Arn"]},
                    "ExternalId": {"Fn::Sub": "${AWS::StackName}-users-sms"},
                },
                "DeletionProtection": {
                    "Fn::If": [PROTECTED, "ACTIVE", "INACTIVE"],
                },
            },
        },
        "UserPoolSmsRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "cognito-idp.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "StringEquals": {
                                    "sts:ExternalId": {"Fn::Sub": "${AWS::StackName}-users-sms"},
                                    "aws:SourceAccount": {"Ref": "AWS::AccountId"},
                                }
                            },
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "send-verification-codes",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [sms_statement(["sns:Publish"])],
                        },
                    }
                ],
            },
        },
        "UserPoolClient": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "UserPoolId": {"Ref": "UserPool"},
                "ClientName": {"Fn::Sub": "${AWS::StackName}-app"},
                **spec.APP_CLIENT,
            },
        },
    }
    for group in spec.GROUPS:
        resources[f"{_camel(group)}Group"] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"GroupName": group, "UserPoolId": {"Ref": "UserPool"}},
        }
    return resources


def field_feature(field: str) -> str | None:
    """The optional part a setting belongs to (None: the core)."""
    return next((f for f, names in FEATURE_FIELDS.items() if field in names), None)


def data_outputs(parts: Selection | None = None) -> dict[str, Any]:
    ids = resource_ids()
    outputs = {
        output_name(field): mark(
            {"Description": env_name(field), "Value": {"Ref": ids[field]}},
            parts.condition(field_feature(field)) if parts else None,
        )
        for field in resource_fields()
        if parts is None or parts.has(field_feature(field))
    }
    outputs[output_name("webhook_secret_prefix")] = {
        "Description": env_name("webhook_secret_prefix"),
        "Value": secret_prefix(),
    }
    if parts is None or parts.has("wechat"):
        outputs[output_name("wechat_secret")] = mark(
            {"Description": env_name("wechat_secret"), "Value": wechat_secret_name()},
            parts.condition("wechat") if parts else None,
        )
    outputs[output_name("owner_key_secret")] = {
        "Description": env_name("owner_key_secret"),
        "Value": owner_key_secret_name(),
    }
    return outputs


def data_template() -> dict[str, Any]:
    """Tables, queues and the bucket, with their names as outputs: the resources whose
    data outlives a deployment (and what moto's CloudFormation can create)."""
    resources = {
        **table_resources(),
        **queue_resources(),
        **bucket_resources(),
        **inbox_bucket_resource(),
    }
    outputs = {k: v for k, v in data_outputs().items() if v["Value"].get("Ref") in resources}
    for name in QUEUES:
        outputs[f"{queue_logical_id(name)}Url"] = {"Value": {"Ref": queue_logical_id(name)}}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, "Outputs": outputs}


# -- permissions ------------------------------------------------------------------------


def _resolve(resource: str) -> Any:
    """A symbolic resource of ``infra/permissions.py`` as an ARN expression."""
    kind, _, rest = resource.partition(":")
    ids = resource_ids()
    if kind == "table":
        return {"Fn::GetAtt": [ids[rest], "Arn"]}
    if kind == "index":
        field, _, index = rest.partition("/")
        return {"Fn::Sub": f"${{{ids[field]}.Arn}}/index/{index}"}
    if kind == "objects":
        field, _, prefix = rest.partition("/")
        return {"Fn::Sub": f"${{{ids[field]}.Arn}}/{prefix}*"}
    if kind in ("queue", "pool"):
        return {"Fn::GetAtt": [ids[rest], "Arn"]}
    if kind == "secrets" and rest == "webhook_secret_prefix":
        return {
            "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
            "secret:${AWS::StackName}/webhooks/*"
        }
    if kind == "secrets" and rest == "wechat_secret":
        return {"Ref": WECHAT_SECRET}  # the secret's ARN: that one secret alone
    if kind == "secrets" and rest == "owner_key_secret":
        return {"Ref": OWNER_KEY_SECRET}
    if kind == "identity" and rest == "mailbox_address":
        return {
            "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
            f"${{{MAILBOX_ADDRESS}}}"
        }
    if kind == "identity" and rest == "report_sender":
        return {
            "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
            f"${{{REPORT_SENDER}}}"
        }
    if kind == "sms" and rest == "phone-numbers":
        return SNS_TOPICS  # granted as NotResource: see _statements
    raise ValueError(f"unknown resource {resource!r}")


def _log_group_arn(function: str) -> Any:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
        f"/aws/lambda/${{AWS::StackName}}-{function}:*"
    }


def _statements(grants: frozenset[Grant], parts: Selection | None = None) -> list[Any]:
    """The grants as statements; those on a part's resources only where the part is on
    (``Fn::If``), none for a part the template leaves out."""
    by_resource: dict[str, set[str]] = {}
    for action, resource in grants:
        by_resource.setdefault(resource, set()).add(action)
    statements: list[Any] = []
    for resource, actions in sorted(by_resource.items()):
        statement = (
            sms_statement(sorted(actions))
            if resource.startswith("sms:")
            else {"Effect": "Allow", "Action": sorted(actions), "Resource": _resolve(resource)}
        )
        feature = RESOURCE_FEATURES.get(resource)
        if resource == POOL_RESOURCE and parts is not None:
            statements.append({"Fn::If": [HAS_USER_POOL, statement, NO_VALUE]})
        elif parts is None or feature is None:
            statements.append(statement)
        elif parts.has(feature):
            statements.append(parts.when(feature, statement))
    return statements


# Every SNS topic: a text to a phone number has no ARN, so it is granted as "anything but a
# topic" (sns:Publish cannot then reach any topic).
SNS_TOPICS = {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}


def sms_statement(actions: list[str]) -> dict[str, Any]:
    return {
        "Sid": "SmsToPhoneNumbersOnly",
        "Effect": "Allow",
        "Action": actions,
        "NotResource": SNS_TOPICS,
    }


def stream_grants(function: str, handler: str) -> list[dict[str, Any]]:
    """What the event source mapping does with the function's role: read the stream, and
    describe exhausted batches to the on-failure queue."""
    declared = STREAM_CONSUMERS[handler]
    table = resource_ids()[declared.table_setting]
    return [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
            ],
            "Resource": {"Fn::GetAtt": [table, "StreamArn"]},
        },
        {
            # ListStreams has no resource-level permissions: the service accepts only "*".
            "Sid": "ListStreamsAcceptsOnlyAnyResource",
            "Effect": "Allow",
            "Action": ["dynamodb:ListStreams"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": {
                "Fn::GetAtt": [queue_logical_id(declared.delivery.on_failure_queue), "Arn"]
            },
        },
    ]


def queue_grants(handler: str) -> list[dict[str, Any]]:
    """What the SQS event source mapping does with the function's role: poll the queue and
    delete what the function handled."""
    declared = QUEUE_CONSUMERS[handler]
    return [
        {
            "Effect": "Allow",
            "Action": ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
            "Resource": {"Fn::GetAtt": [queue_logical_id(declared.queue), "Arn"]},
        }
    ]


def role_groups(functions: dict[str, str]) -> dict[str, list[str]]:
    """Role logical id -> functions sharing it (same code needs, same stream subscription).
    ``functions`` maps each function's logical id to its Chalice handler name."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for function, handler in sorted(functions.items()):
        if function not in NEEDS:
            raise LookupError(f"infra/permissions.py has no entry for {function}")
        stream = STREAM_CONSUMERS.get(handler)
        queue = QUEUE_CONSUMERS.get(handler)
        key = (
            NEEDS[function],
            stream.table_setting if stream else None,
            queue.queue if queue else None,
        )
        groups.setdefault(key, []).append(function)
    return {f"{members[0]}Role": members for members in groups.values()}


def role_resource(
    members: list[str], handlers: dict[str, str], parts: Selection | None = None
) -> dict[str, Any]:
    first = members[0]
    statements = _statements(NEEDS[first], parts)
    if handlers[first] in STREAM_CONSUMERS:
        statements += stream_grants(first, handlers[first])
    if handlers[first] in QUEUE_CONSUMERS:
        statements += queue_grants(handlers[first])
    statements.append(
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [_log_group_arn(m) for m in members],
        }
    )
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "minsheng",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


# -- assembly ---------------------------------------------------------------------------


def _handler_names(app: Any) -> dict[str, str]:
    """Function logical id (as Chalice names it) -> the app's handler name."""
    from chalice.app import DynamoDBEventConfig, ScheduledEventConfig, SQSEventConfig
    from chalice.utils import to_cfn_resource_name

    names = {"APIHandler": "api_handler"}
    for source in app.event_sources:
        if isinstance(source, DynamoDBEventConfig | ScheduledEventConfig | SQSEventConfig):
            names[to_cfn_resource_name(source.name)] = source.name
    return names


def _secure_routes(swagger: dict[str, Any]) -> None:
    """API Gateway checks the Cognito token on signed-in routes before the function runs
    (the app verifies it again); public routes stay open."""
    from chalicelib.core.http.base import all_routes

    signed_in = {(r.path, r.method.lower()) for r in all_routes() if r.roles is not None}
    # Only where the pool's tokens are the only ones (GATEWAY_CHECKS_TOKENS).
    swagger["securityDefinitions"] = {
        "Fn::If": [
            GATEWAY_CHECKS_TOKENS,
            {
                **swagger.get("securityDefinitions", {}),
                AUTHORIZER: {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "cognito_user_pools",
                    "x-amazon-apigateway-authorizer": {
                        "type": "cognito_user_pools",
                        "providerARNs": [{"Fn::GetAtt": ["UserPool", "Arn"]}],
                    },
                },
            },
            NO_VALUE,
        ]
    }
    for path, operations in swagger.get("paths", {}).items():
        for method, operation in operations.items():
            if (path, method) in signed_in:
                # (no security: the route is open at the gateway, the app checks tokens)
                operation["security"] = {"Fn::If": [GATEWAY_CHECKS_TOKENS, [{AUTHORIZER: []}], []]}
    detail = "$context.error.messageString"
    swagger["x-amazon-apigateway-gateway-responses"] = {
        kind: {
            "statusCode": str(status),
            "responseParameters": {
                "gatewayresponse.header.WWW-Authenticate": "'Bearer realm=\"minsheng\"'"
            }
            if status == 401
            else {},
            "responseTemplates": {
                "application/json": (
                    f'{{"type": "urn:minsheng:problem:{slug}", "title": "{title}", '
                    f'"status": {status}, "detail": {detail}}}'
                )
            },
        }
        for kind, status, slug, title in (
            ("UNAUTHORIZED", 401, "unauthenticated", "Not signed in"),
            ("ACCESS_DENIED", 403, "forbidden", "Not allowed"),
        )
    }


def _alarm(
    name: str, description: str, condition: str | None = None, **properties: Any
) -> dict[str, Any]:
    return {
        f"{name}Alarm": {
            **({"Condition": condition} if condition else {}),
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": description,
                "AlarmActions": [{"Ref": "AlarmTopic"}],
                "OKActions": [{"Ref": "AlarmTopic"}],
                "EvaluationPeriods": 1,
                "Period": 300,
                "TreatMissingData": "notBreaching",
                **properties,
            },
        }
    }


def _any_of_metric(
    name: str, description: str, metric: str, condition: str | None = None
) -> dict[str, Any]:
    """An alarm on the first count of one of the app's own metrics in five minutes."""
    return _alarm(
        name,
        description,
        condition,
        Namespace="Minsheng",
        MetricName=metric,
        Dimensions=[{"Name": "service", "Value": "minsheng"}],
        Statistic="Sum",
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )


def alarm_resources(
    functions: list[str], api_stage: str, parts: Selection | None = None
) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        "OnCallSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "AlarmTopic"},
                "Protocol": "email",
                "Endpoint": {"Ref": "OnCallEmail"},
            },
        },
    }
    for queue in QUEUES.values():
        if parts is not None and not parts.has(queue.feature):
            continue
        logical = queue_logical_id(queue.name)
        condition = parts.condition(queue.feature) if parts is not None else None
        resources.update(
            _alarm(
                f"{logical}Depth",
                f"Messages are waiting in {queue.name}: records that could not be processed",
                condition,
                Namespace="AWS/SQS",
                MetricName="ApproximateNumberOfMessagesVisible",
                Dimensions=[{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical, "QueueName"]}}],
                Statistic="Maximum",
                Threshold=queue.alarm_depth,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
            )
        )
    for function in functions:
        for metric in ("Errors", "Throttles"):
            resources.update(
                _alarm(
                    f"{function}{metric}",
                    f"{function}: {metric.lower()}",
                    Namespace="AWS/Lambda",
                    MetricName=metric,
                    Dimensions=[{"Name": "FunctionName", "Value": {"Ref": function}}],
                    Statistic="Sum",
                    Threshold=1,
                    ComparisonOperator="GreaterThanOrEqualToThreshold",
                )
            )
    resources.update(
        _alarm(
            "Api5xx",
            f"More than {API_5XX_RATE:.0%} of API requests failed with a 5xx",
            Namespace="AWS/ApiGateway",
            MetricName="5XXError",
            Dimensions=[
                {"Name": "ApiName", "Value": {"Ref": "AWS::StackName"}},
                {"Name": "Stage", "Value": api_stage},
            ],
            Statistic="Average",
            Threshold=API_5XX_RATE,
            ComparisonOperator="GreaterThanThreshold",
        )
    )
    resources.update(
        _any_of_metric(
            "WebhookUrlChanged",
            "A department's webhook URL was changed: its work orders go to another server "
            "from now on (check with the department that it asked for it)",
            "WebhookUrlChanged",
        )
    )
    resources.update(
        _alarm(
            "SlaSweepLag",
            "The oldest due work order waits longer than the SLA sweep allows "
            "(or the sweep stopped reporting)",
            Namespace="Minsheng",
            MetricName="SlaSweepLagSeconds",
            Dimensions=[{"Name": "service", "Value": "minsheng"}],
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=5,
            DatapointsToAlarm=3,
            Threshold=SWEEP_LAG_ALARM_SECONDS,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="breaching",
        )
    )
    return resources


def assemble(
    chalice_template: dict[str, Any],
    stage: str,
    app: Any,
    parts: frozenset[str] = frozenset(FEATURES),
) -> dict[str, Any]:
    """Chalice's template for ``stage`` completed into the deployable one, carrying the
    optional ``parts`` (each behind its parameter; none: the core template)."""
    template = copy.deepcopy(chalice_template)
    selection = Selection(parts)
    resources: dict[str, Any] = template["Resources"]
    handlers = {k: v for k, v in _handler_names(app).items() if k in resources}
    functions = sorted(k for k, v in resources.items() if v["Type"] == FUNCTION_TYPE)
    if sorted(handlers) != functions:
        raise LookupError(f"functions {functions} do not match the app's handlers {handlers}")
    # A part's functions: dropped from a template without it, on its condition otherwise.
    function_parts = {f: HANDLER_FEATURES.get(handlers[f]) for f in functions}
    for function, feature in function_parts.items():
        if not selection.has(feature):
            del resources[function]
    functions = [f for f in functions if selection.has(function_parts[f])]
    handlers = {f: handlers[f] for f in functions}

    template["Parameters"] = {
        "OnCallEmail": {
            "Type": "String",
            "Description": "Who receives the alarms (an SNS email subscription to confirm)",
            "AllowedPattern": "[^@\\s]+@[^@\\s]+\\.[^@\\s]+",
        },
        "LogRetentionDays": {
            "Type": "Number",
            "Default": LOG_RETENTION_DAYS.get(stage, 30),
            "AllowedValues": [7, 14, 30, 60, 90, 180, 365, 731, 1827, 3653],
        },
        DELETION_PROTECTION: {
            "Type": "String",
            "AllowedValues": ["on", "off"],
            "Default": "on",
            "Description": "Deletion protection of the tables and the user pool: off for the "
            "first create only (a failed one is then rolled back whole), on from then on",
        },
        **selection.parameters(),
        **district_parameters(),
        **user_pool_parameters(),
    }
    template["Conditions"] = {
        PROTECTED: {"Fn::Equals": [{"Ref": DELETION_PROTECTION}, "on"]},
        **selection.conditions(),
        **district_conditions(),
        **user_pool_conditions(),
    }
    template["Rules"] = {**district_rules(), **user_pool_rules()}
    resources.update(table_resources(conditional_protection=True))
    resources.update(queue_resources(selection))
    resources.update(bucket_resources())
    resources.update(media_bucket_policy())
    resources.update({k: mark(v, HAS_USER_POOL) for k, v in identity_resources().items()})
    if selection.has("wechat"):
        resources.update(
            {k: mark(v, selection.condition("wechat")) for k, v in wechat_resources().items()}
        )
    resources.update(owner_key_resources())

    ids = resource_ids()
    names = {
        env_name(field): selection.when(field_feature(field), {"Ref": ids[field]})
        for field in resource_fields()
        if selection.has(field_feature(field))
    }
    for field in POOL_SETTINGS:
        names[env_name(field)] = {"Fn::If": [HAS_USER_POOL, {"Ref": ids[field]}, NO_VALUE]}
    for function in functions:
        properties = resources[function]["Properties"]
        properties["FunctionName"] = {"Fn::Sub": f"${{AWS::StackName}}-{function}"}
        variables = properties.setdefault("Environment", {}).setdefault("Variables", {})
        variables.update(names)
        variables["MINSHENG_STAGE"] = stage
        variables[FEATURES_VARIABLE] = selection.features_value()
        variables[DNS_SUFFIX_VARIABLE] = {"Ref": "AWS::URLSuffix"}
        variables.update(district_variables())
        variables[env_name("webhook_secret_prefix")] = secret_prefix()
        if selection.has("wechat"):
            variables[env_name("wechat_secret")] = selection.when("wechat", wechat_secret_name())
        variables[env_name("owner_key_secret")] = owner_key_secret_name()
        condition = selection.condition(function_parts[function])
        mark(resources[function], condition)
        resources[f"{function}LogGroup"] = mark(
            {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {
                    "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{function}"},
                    "RetentionInDays": {"Ref": "LogRetentionDays"},
                },
            },
            condition,
        )
        resources[function]["DependsOn"] = [f"{function}LogGroup"]
        for event in properties.get("Events", {}).values():
            if event["Type"] == "DynamoDB":
                event["Properties"] = stream_mapping(handlers[function])
            if event["Type"] == "SQS":
                event["Properties"] = queue_mapping(handlers[function])
                properties["Timeout"] = DELIVERY_FUNCTION_TIMEOUT_SECONDS
            if event["Type"] == "Schedule" and handlers[function] in REPORT_SCHEDULES:
                event["Properties"]["Schedule"] = report_schedule(handlers[function])
        if function == EXPORT_FUNCTION:
            properties["Timeout"] = EXPORT_FUNCTION_TIMEOUT_SECONDS
            properties["MemorySize"] = EXPORT_MEMORY_MB

    for role, members in role_groups(handlers).items():
        resources[role] = role_resource(members, handlers, selection)
        features = {function_parts[m] for m in members}
        if len(features) == 1:
            mark(resources[role], selection.condition(features.pop()))
        for member in members:
            resources[member]["Properties"]["Role"] = {"Fn::GetAtt": [role, "Arn"]}

    api = resources.get("RestAPI")
    api_stage = "api"
    if api is not None:
        api["Properties"]["Name"] = {"Ref": "AWS::StackName"}
        api_stage = api["Properties"]["StageName"]
        _secure_routes(api["Properties"]["DefinitionBody"])
        add_throttling(template, api)
        resources.update(api_domain_resources(api_stage))
    alarms = alarm_resources(functions, api_stage, selection)
    for function in functions:
        for metric in ("Errors", "Throttles"):
            mark(alarms[f"{function}{metric}Alarm"], selection.condition(function_parts[function]))
    resources.update(alarms)
    for function in LINK_FUNCTIONS:
        if function in resources and api is not None:
            variables = resources[function]["Properties"]["Environment"]["Variables"]
            variables["MINSHENG_PUBLIC_BASE_URL"] = public_base_url(api_stage)
    if selection.has("reports"):
        add_report_sender(template, functions, selection)
    if selection.has("mailbox"):
        add_mailbox(template, functions, selection)
    from infra.delivery_network import place_delivery

    place_delivery(template, handlers)
    add_cors(template, functions)

    outputs = template.setdefault("Outputs", {})
    outputs.update(data_outputs(selection))
    for field in POOL_SETTINGS:
        mark(outputs[output_name(field)], HAS_USER_POOL)
    for queue in QUEUES.values():
        if selection.has(queue.feature):
            outputs[f"{queue_logical_id(queue.name)}Url"] = mark(
                {"Value": {"Ref": queue_logical_id(queue.name)}},
                selection.condition(queue.feature),
            )
    simplify(resources)
    if api is not None:
        outputs["ApiDomainTarget"] = {
            "Condition": HAS_API_DOMAIN,
            "Description": "Point the API's domain name here (a CNAME or alias record)",
            "Value": {"Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]},
        }
    return template


# -- district settings ------------------------------------------------------------------

# The runtime is told the partition's DNS suffix (amazonaws.com, amazonaws.com.cn, ...):
# it builds no AWS host name of its own.
DNS_SUFFIX_VARIABLE = "MINSHENG_DNS_SUFFIX"

# Stack parameter -> (setting, default, description): what a district sets without
# editing the code. An empty value leaves the app's default.
DISTRICT_SETTINGS: dict[str, tuple[str, str, str]] = {
    "ReplyDays": (
        "MINSHENG_REPLY_DAYS",
        "",
        "Working days to reply per kind, e.g. consultation=1,complaint=3,suggestion=5,help=3 "
        "(empty: those defaults)",
    ),
    "SubmissionLimits": (
        "MINSHENG_SUBMISSION_LIMITS",
        "",
        "Appeals one citizen may submit per window, e.g. 5/minute,20/day (empty: that; "
        "off: no limit)",
    ),
    "RankingMinCases": (
        "MINSHENG_RANKING_MIN_CASES",
        "",
        "Cases a department needs in a period to be ranked on rates (empty: 5)",
    ),
    # An external OpenID Connect issuer whose ID tokens the API accepts beside the pool's.
    "OidcIssuer": (
        "MINSHENG_OIDC_ISSUER",
        "",
        "An external OpenID Connect issuer (the district's sign-on), its tokens' iss exactly, "
        "e.g. https://sso.district.gov.cn/realms/staff (empty: the user pool's tokens only)",
    ),
    "OidcJwksUrl": (
        "MINSHENG_OIDC_JWKS_URL",
        "",
        "Its signing keys: the jwks_uri of its discovery document",
    ),
    "OidcAudience": ("MINSHENG_OIDC_AUDIENCE", "", "The aud its ID tokens carry for Minsheng"),
    "OidcGroupsClaim": (
        "MINSHENG_OIDC_GROUPS_CLAIM",
        "",
        "The claim listing the caller's roles: operator, department, leader, admin, deputy "
        "(empty: groups)",
    ),
    "OidcDepartmentClaim": (
        "MINSHENG_OIDC_DEPARTMENT_CLAIM",
        "",
        "The claim naming a department clerk's department id (empty: department_id)",
    ),
    "OidcClientId": (
        "MINSHENG_OIDC_CLIENT_ID",
        "",
        "The console's client at that issuer (public, authorization code with PKCE; its "
        "redirect URI is the console's address, https://<api>/console/); empty: the console "
        "signs in at the user pool only",
    ),
}
PUBLIC_BASE_URL = "PublicBaseUrl"
API_DOMAIN = "ApiDomainName"
API_CERTIFICATE = "ApiCertificateArn"
HAS_API_DOMAIN = "HasApiDomain"
HAS_PUBLIC_BASE_URL = "HasPublicBaseUrl"
REPORT_HOUR = "ReportHour"
REPORT_SCHEDULES = ("daily_report", "weekly_report")
# The reports' hour in Asia/Shanghai -> the UTC hour EventBridge runs them at, and the UTC
# day-of-week of a Monday at that hour (before 08:00 it is still Sunday in UTC).
REPORT_HOURS = {
    f"H{hour:02d}": {"Utc": str((hour - 8) % 24), "Monday": "MON" if hour >= 8 else "SUN"}
    for hour in range(24)
}


def district_parameters() -> dict[str, Any]:
    parameters: dict[str, Any] = {
        name: {"Type": "String", "Default": default, "Description": description}
        for name, (_, default, description) in DISTRICT_SETTINGS.items()
    }
    parameters["ReplyDays"]["AllowedPattern"] = (
        "^$|^(consultation|complaint|suggestion|help)=[0-9]{1,2}"
        "(,(consultation|complaint|suggestion|help)=[0-9]{1,2})*$"
    )
    parameters["SubmissionLimits"]["AllowedPattern"] = (
        "^$|^off$|^[0-9]+/(minute|hour|day)(,[0-9]+/(minute|hour|day))*$"
    )
    parameters["RankingMinCases"]["AllowedPattern"] = "^$|^[0-9]{1,4}$"
    for name in ("OidcIssuer", "OidcJwksUrl"):
        parameters[name]["AllowedPattern"] = "^$|^https://[^\\s]+$"
    parameters["OidcIssuer"]["ConstraintDescription"] = "an https:// address, or empty"
    parameters[PUBLIC_BASE_URL] = {
        "Type": "String",
        "Default": "",
        "AllowedPattern": "^$|^https://[^\\s/]+(/[^\\s]*)?[^/\\s]$",
        "Description": "The address links in texts and emails start with, e.g. "
        "https://12345.district.gov.cn (empty: the API's domain name, else its execute-api URL)",
    }
    parameters[API_DOMAIN] = {
        "Type": "String",
        "Default": "",
        "Description": "The API's own domain name, e.g. api.12345.district.gov.cn (empty: none)",
    }
    parameters[API_CERTIFICATE] = {
        "Type": "String",
        "Default": "",
        "Description": "The ACM certificate (in the stack's region) for ApiDomainName",
    }
    return parameters


def district_conditions() -> dict[str, Any]:
    return {
        HAS_API_DOMAIN: {"Fn::Not": [{"Fn::Equals": [{"Ref": API_DOMAIN}, ""]}]},
        HAS_PUBLIC_BASE_URL: {"Fn::Not": [{"Fn::Equals": [{"Ref": PUBLIC_BASE_URL}, ""]}]},
    }


def district_rules() -> dict[str, Any]:
    oidc_set = {"Fn::Not": [{"Fn::Equals": [{"Ref": "OidcIssuer"}, ""]}]}
    return {
        "OidcIssuerNeedsKeysAndAudience": {
            "RuleCondition": oidc_set,
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": name}, ""]}]},
                    "AssertDescription": f"OidcIssuer needs {name}",
                }
                for name in ("OidcJwksUrl", "OidcAudience")
            ],
        },
        "ApiDomainNeedsACertificate": {
            "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": API_DOMAIN}, ""]}]},
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": API_CERTIFICATE}, ""]}]},
                    "AssertDescription": "ApiDomainName needs ApiCertificateArn",
                }
            ],
        },
    }


def user_pool_parameters() -> dict[str, Any]:
    return {
        USER_POOL: {
            "Type": "String",
            "AllowedValues": ["pool", "issuer"],
            "Default": "pool",
            "Description": "pool: the stack's own Cognito user pool keeps staff and citizens' "
            "accounts; issuer: no pool (a region without Cognito user pools), everyone signs "
            "in at OidcIssuer and is kept there, the portal offers no citizen sign-in",
        }
    }


def user_pool_conditions() -> dict[str, Any]:
    return {
        HAS_USER_POOL: {"Fn::Equals": [{"Ref": USER_POOL}, "pool"]},
        GATEWAY_CHECKS_TOKENS: {
            "Fn::And": [
                {"Condition": HAS_USER_POOL},
                {"Fn::Equals": [{"Ref": "OidcIssuer"}, ""]},
            ]
        },
    }


def user_pool_rules() -> dict[str, Any]:
    """Without the pool the external issuer signs everyone in, the console included."""
    return {
        "AccountsAtTheIssuerNeedIt": {
            "RuleCondition": {"Fn::Equals": [{"Ref": USER_POOL}, "issuer"]},
            "Assertions": [
                {
                    "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": name}, ""]}]},
                    "AssertDescription": f"Accounts=issuer needs {name}",
                }
                for name in ("OidcIssuer", "OidcClientId")
            ],
        }
    }


def without_pool(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` with Accounts=issuer decided: it names no Cognito resource type at all
    (CloudFormation refuses a type its region lacks even behind a false condition: the
    China regions have no Cognito user pools), and the issuer is always required."""
    result = fixed(template, {HAS_USER_POOL: False, GATEWAY_CHECKS_TOKENS: False})
    del result["Parameters"][USER_POOL]
    rules = result["Rules"]
    rules["AccountsAtTheIssuerNeedIt"] = {
        "Assertions": rules["AccountsAtTheIssuerNeedIt"]["Assertions"]
    }
    return result


def district_variables() -> dict[str, Any]:
    return {variable: {"Ref": name} for name, (variable, _, _) in DISTRICT_SETTINGS.items()}


def report_schedule(handler: str) -> Any:
    hour = {"Fn::FindInMap": ["ReportHours", {"Ref": REPORT_HOUR}, "Utc"]}
    if handler == "daily_report":
        return {"Fn::Sub": ["cron(0 ${Hour} * * ? *)", {"Hour": hour}]}
    monday = {"Fn::FindInMap": ["ReportHours", {"Ref": REPORT_HOUR}, "Monday"]}
    return {"Fn::Sub": ["cron(0 ${Hour} ? * ${Day} *)", {"Hour": hour, "Day": monday}]}


def public_base_url(api_stage: str) -> Any:
    """The links' base: the district's address, else the API's own domain, else the
    execute-api URL (every host name from the stack: any partition)."""
    return {
        "Fn::If": [
            HAS_PUBLIC_BASE_URL,
            {"Ref": PUBLIC_BASE_URL},
            {
                "Fn::If": [
                    HAS_API_DOMAIN,
                    {"Fn::Sub": f"https://${{{API_DOMAIN}}}"},
                    {
                        "Fn::Sub": "https://${RestAPI}.execute-api.${AWS::Region}."
                        f"${{AWS::URLSuffix}}/{api_stage}"
                    },
                ]
            },
        ]
    }


def api_domain_resources(api_stage: str) -> dict[str, Any]:
    """The API under the district's own domain name (a regional endpoint with its ACM
    certificate, the stage at the root), when ``ApiDomainName`` is set."""
    return {
        "ApiDomain": {
            "Type": "AWS::ApiGateway::DomainName",
            "Condition": HAS_API_DOMAIN,
            "Properties": {
                "DomainName": {"Ref": API_DOMAIN},
                "RegionalCertificateArn": {"Ref": API_CERTIFICATE},
                "EndpointConfiguration": {"Types": ["REGIONAL"]},
                "SecurityPolicy": "TLS_1_2",
            },
        },
        "ApiDomainMapping": {
            "Type": "AWS::ApiGateway::BasePathMapping",
            "Condition": HAS_API_DOMAIN,
            "DependsOn": [f"RestAPI{api_stage}Stage"],
            "Properties": {
                "DomainName": {"Ref": "ApiDomain"},
                "RestApiId": {"Ref": "RestAPI"},
                "Stage": api_stage,
            },
        },
    }


# API Gateway's own throttle for every route of the stage (requests per second, steady and
# burst), before any function runs; no WAF is needed for it. Parameters, so a district sizes
# them to its traffic; per-citizen submission limits are the app's (MINSHENG_SUBMISSION_LIMITS).
API_THROTTLE = {"ApiThrottleRate": 200, "ApiThrottleBurst": 400}


def add_throttling(template: dict[str, Any], api: dict[str, Any]) -> None:
    parameters = template.setdefault("Parameters", {})
    for name, default in API_THROTTLE.items():
        parameters[name] = {
            "Type": "Number",
            "Default": default,
            "MinValue": 1,
            "Description": "API Gateway throttle for every route: "
            + ("steady requests per second" if name.endswith("Rate") else "burst size"),
        }
    api["Properties"]["MethodSettings"] = [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": {"Ref": "ApiThrottleRate"},
            "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurst"},
        }
    ]


def stream_mapping(handler: str) -> dict[str, Any]:
    """A DynamoDB event's properties as ``event_sources`` declares them."""
    declared = STREAM_CONSUMERS[handler]
    delivery = declared.delivery
    table = resource_ids()[declared.table_setting]
    properties: dict[str, Any] = {
        "Stream": {"Fn::GetAtt": [table, "StreamArn"]},
        "StartingPosition": declared.starting_position,
        "BatchSize": declared.batch_size,
        "MaximumRetryAttempts": delivery.maximum_retry_attempts,
        "BisectBatchOnFunctionError": delivery.bisect_on_error,
        "MaximumRecordAgeInSeconds": delivery.maximum_record_age_seconds,
        "DestinationConfig": {
            "OnFailure": {
                "Type": "SQS",
                "Destination": {"Fn::GetAtt": [queue_logical_id(delivery.on_failure_queue), "Arn"]},
            }
        },
    }
    if delivery.report_batch_item_failures:
        properties["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    return properties


def queue_mapping(handler: str) -> dict[str, Any]:
    """An SQS event's properties as ``event_sources`` declares them."""
    declared = QUEUE_CONSUMERS[handler]
    properties: dict[str, Any] = {
        "Queue": {"Fn::GetAtt": [queue_logical_id(declared.queue), "Arn"]},
        "BatchSize": declared.batch_size,
        "Enabled": True,
    }
    if declared.report_batch_item_failures:
        properties["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    return properties


CORS_ORIGINS = "CorsOrigins"
# Where the portal's photos are posted from: the API's own pages on its execute-api
# address (the bucket's rule cannot name the API itself, which depends on the functions
# that name the bucket), and the origins the district lists.
API_ORIGINS = "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}"


def add_cors(template: dict[str, Any], functions: list[str]) -> None:
    """Cross-origin calls: the ``CorsOrigins`` parameter (none by default) is every
    function's ``MINSHENG_CORS_ORIGINS``; the media bucket answers the presigned photo
    uploads (POST) of the API's own pages and of those origins. The presigned policy is
    what guards an upload; the rule only lets the page read S3's answer."""
    template["Parameters"][CORS_ORIGINS] = {
        "Type": "String",
        "Default": "",
        "Description": "Origins other than the API's own whose pages may call the API from a "
        "browser (CORS), comma-separated (https://h5.example.gov.cn); none by default",
        "AllowedPattern": "^(https?://[a-z0-9.-]+(:[0-9]{1,5})?(,https?://[a-z0-9.-]+(:[0-9]{1,5})?)*)?$",
    }
    template.setdefault("Conditions", {})["HasCorsOrigins"] = {
        "Fn::Not": [{"Fn::Equals": [{"Ref": CORS_ORIGINS}, ""]}]
    }
    resources = template["Resources"]
    for function in functions:
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        variables["MINSHENG_CORS_ORIGINS"] = {"Ref": CORS_ORIGINS}
    own = {"Fn::Sub": API_ORIGINS}
    resources["MediaBucket"]["Properties"]["CorsConfiguration"] = {
        "CorsRules": [
            {
                "Id": "photo-uploads",
                "AllowedMethods": ["POST"],
                "AllowedOrigins": {
                    "Fn::If": [
                        "HasCorsOrigins",
                        {"Fn::Split": [",", {"Fn::Join": [",", [own, {"Ref": CORS_ORIGINS}]]}]},
                        [own],
                    ]
                },
                "MaxAge": 600,
            }
        ]
    }


def add_report_sender(template: dict[str, Any], functions: list[str], parts: Selection) -> None:
    """The reports' From address: a parameter, its SES identity (verified by the mail SES
    sends to it), the address in every function's settings, the schedules' hour, and an
    alarm on messages SES refused; all on the ``ReportEmails`` condition."""
    condition = parts.condition("reports")
    template["Parameters"][REPORT_SENDER] = {
        "Type": "String",
        "Default": "",
        "Description": "The address report emails are sent from (an SES identity the stack "
        "creates; confirm the verification mail SES sends to it); with ReportEmails on",
        "AllowedPattern": "^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
    }
    template["Rules"]["ReportEmailsNeedASender"] = _needs(
        "ReportEmails", REPORT_SENDER, "ReportEmails=on needs ReportSender"
    )
    template.setdefault("Mappings", {})["ReportHours"] = REPORT_HOURS
    template["Parameters"][REPORT_HOUR] = {
        "Type": "String",
        "Default": "H08",
        "AllowedValues": sorted(REPORT_HOURS),
        "Description": "When the daily and weekly reports go out, Asia/Shanghai (H08: 08:00)",
    }
    resources = template["Resources"]
    resources[f"{REPORT_SENDER}Identity"] = mark(
        {
            "Type": "AWS::SES::EmailIdentity",
            "Properties": {"EmailIdentity": {"Ref": REPORT_SENDER}},
        },
        condition,
    )
    for function in functions:
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        variables[REPORT_SENDER_VARIABLE] = parts.when("reports", {"Ref": REPORT_SENDER})
    resources.update(
        _any_of_metric(
            "ReportSendFailed",
            "SES refused a report email (it is retried by the next run)",
            "ReportSendFailed",
            condition,
        )
    )


def _needs(part_parameter: str, parameter: str, description: str) -> dict[str, Any]:
    """A rule: with the part on, ``parameter`` may not be empty."""
    return {
        "RuleCondition": {"Fn::Equals": [{"Ref": part_parameter}, "on"]},
        "Assertions": [
            {
                "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]},
                "AssertDescription": description,
            }
        ],
    }


def add_mailbox(template: dict[str, Any], functions: list[str], parts: Selection) -> None:
    """The mayor's mailbox (区长信箱): SES receives mail for the ``MailboxAddress``
    parameter into the inbox bucket (a receipt rule set: CloudFormation cannot make it the
    active one; see README), the bucket announces each letter on the ``mailbox`` queue, the
    ``receive_mail`` function reads it; acknowledgements are sent from the same address."""
    from chalicelib.channels.mailbox.integrations.mailbox import INBOX_PREFIX
    from chalicelib.core.config import MAILBOX_ADDRESS as MAILBOX_VARIABLE

    condition = parts.condition("mailbox")
    template["Parameters"][MAILBOX_ADDRESS] = {
        "Type": "String",
        "Default": "",
        "Description": "The mayor's mailbox address (区长信箱): SES receives its mail (its "
        "domain verified in SES, MX to SES inbound) and answers from it; with Mailbox on",
        "AllowedPattern": "^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
    }
    template["Rules"]["MailboxNeedsAnAddress"] = _needs(
        "Mailbox", MAILBOX_ADDRESS, "Mailbox=on needs MailboxAddress"
    )
    resources = template["Resources"]
    resources.update({k: mark(v, condition) for k, v in inbox_bucket_resource().items()})
    for function in functions:
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        variables[MAILBOX_VARIABLE] = parts.when("mailbox", {"Ref": MAILBOX_ADDRESS})
    if MAILBOX_FUNCTION in resources:
        # A letter may be 40 MB (SES's limit), held raw and decoded while it is read.
        resources[MAILBOX_FUNCTION]["Properties"]["MemorySize"] = MAILBOX_MEMORY_MB
    queue = queue_logical_id("mailbox")
    # The queue policy cannot name the bucket (S3 checks that it may write to the queue
    # before the bucket exists, and a name fixed here would make a retried first create
    # fail on the retained bucket): any bucket of this account, and only the inbox's
    # letters are read (the consumer's role reads that bucket alone).
    bucket_arn = {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"}
    inbox = resources[INBOX_BUCKET]
    inbox["DependsOn"] = ["MailboxQueuePolicy"]
    inbox["Properties"]["NotificationConfiguration"] = {
        "QueueConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Queue": {"Fn::GetAtt": [queue, "Arn"]},
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": INBOX_PREFIX}]}},
            }
        ]
    }
    account = {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    resources.update(
        {
            "MailboxQueuePolicy": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {
                    "Queues": [{"Ref": queue}],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "s3.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": {"Fn::GetAtt": [queue, "Arn"]},
                                "Condition": {
                                    "ArnLike": {"aws:SourceArn": bucket_arn},
                                    "StringEquals": account,
                                },
                            }
                        ],
                    },
                },
            },
            "InboxBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": INBOX_BUCKET},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "SesStoresLetters",
                                "Effect": "Allow",
                                "Principal": {"Service": "ses.amazonaws.com"},
                                "Action": "s3:PutObject",
                                "Resource": {"Fn::Sub": f"${{{INBOX_BUCKET}.Arn}}/{INBOX_PREFIX}*"},
                                "Condition": {"StringEquals": account},
                            },
                            tls_only(INBOX_BUCKET),
                        ],
                    },
                },
            },
            f"{MAILBOX_ADDRESS}Identity": {
                "Type": "AWS::SES::EmailIdentity",
                "Properties": {"EmailIdentity": {"Ref": MAILBOX_ADDRESS}},
            },
            "MailboxRuleSet": {
                "Type": "AWS::SES::ReceiptRuleSet",
                "Properties": {"RuleSetName": {"Fn::Sub": "${AWS::StackName}-mailbox"}},
            },
            "MailboxRule": {
                "Type": "AWS::SES::ReceiptRule",
                "DependsOn": ["InboxBucketPolicy"],
                "Properties": {
                    "RuleSetName": {"Ref": "MailboxRuleSet"},
                    "Rule": {
                        "Name": {"Fn::Sub": "${AWS::StackName}-letters"},
                        "Enabled": True,
                        "ScanEnabled": True,
                        "TlsPolicy": "Optional",
                        "Recipients": [{"Ref": MAILBOX_ADDRESS}],
                        "Actions": [
                            {
                                "S3Action": {
                                    "BucketName": {"Ref": INBOX_BUCKET},
                                    "ObjectKeyPrefix": INBOX_PREFIX,
                                }
                            }
                        ],
                    },
                },
            },
        }
    )
    resources.update(
        _any_of_metric(
            "MailboxAckFailed",
            "SES refused a mailbox acknowledgement (the appeal was recorded)",
            "MailboxAckFailed",
            condition,
        )
    )
    for name in MAILBOX_RESOURCES:
        mark(resources[name], condition)
    template.setdefault("Outputs", {})["MailboxRuleSet"] = {
        "Condition": condition,
        "Description": "Make it active once: aws ses set-active-receipt-rule-set --rule-set-name",
        "Value": {"Ref": "MailboxRuleSet"},
    }


MAILBOX_RESOURCES = (
    "MailboxQueuePolicy",
    "InboxBucketPolicy",
    f"{MAILBOX_ADDRESS}Identity",
    "MailboxRuleSet",
    "MailboxRule",
)
