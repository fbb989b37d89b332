"""Create every resource the app needs in an AWS-compatible endpoint (moto), tables from the
same PynamoDB definitions the app and ``infra/`` use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# ``deputy``: people's congress deputies and CPPCC members, citizens whose appeals are flagged.
GROUPS = ("operator", "department", "leader", "admin", "deputy")
# The phone number and whether the pool verified it (by SMS code): appeals the hotline took
# for a verified number are the citizen's own.
CLIENT_READ_ATTRIBUTES = [
    "email",
    "name",
    "phone_number",
    "phone_number_verified",
    "custom:department_id",
]
# Users must never write their own department: only the admin API sets it. A phone number
# they write is unverified until they confirm the code the pool sends to it.
CLIENT_WRITE_ATTRIBUTES = ["email", "name", "phone_number"]
# Phone numbers are verified by the SMS code the pool sends.
AUTO_VERIFIED = ["phone_number"]
PASSWORD_POLICY = {
    "MinimumLength": 12,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": False,
    # A temporary password (an invitation, a reset) works this many days.
    "TemporaryPasswordValidityDays": 7,
}
# What the pool sends a new staff member (the users API makes the account): the user name
# and the temporary password ({####}), by email, SMS or both.
INVITATION = {
    "EmailSubject": "民生诉求平台工作台账号",
    "EmailMessage": "您好！您的民生诉求平台工作台账号已开通。用户名：{username}，临时密码：{####}。"
    "请在 7 天内登录工作台，按提示设置新密码并开启两步验证。",
    "SMSMessage": "【民生诉求平台】工作台账号 {username}，临时密码 {####}，"
    "请在7天内登录并设置新密码。",
}
# The code ({####}) that confirms a citizen's phone number when they sign up in the portal,
# and the code of a forgotten password, which goes to the verified email first, else the
# verified phone. One template serves both (as a user pool has it).
VERIFICATION = {
    "DefaultEmailOption": "CONFIRM_WITH_CODE",
    "EmailSubject": "民生诉求平台验证码",
    "EmailMessage": "您的民生诉求平台验证码：{####}。如非本人操作，请忽略本邮件。",
    "SmsMessage": "【民生诉求平台】验证码 {####}，用于注册账号或重设密码，请勿告诉他人。",
}
ACCOUNT_RECOVERY = {
    "RecoveryMechanisms": [
        {"Name": "verified_email", "Priority": 1},
        {"Name": "verified_phone_number", "Priority": 2},
    ]
}
# Authenticator apps (TOTP) for whoever sets one up; the API requires one of the roles in
# MINSHENG_MFA_ROLES (core/services/accounts.py).
MFA_CONFIGURATION = "OPTIONAL"
ENABLED_MFAS = ["SOFTWARE_TOKEN_MFA"]
POOL_SCHEMA = [
    {
        "Name": "department_id",
        "AttributeDataType": "String",
        "Mutable": True,
        "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
    }
]
APP_CLIENT = {
    "GenerateSecret": False,
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "ReadAttributes": CLIENT_READ_ATTRIBUTES,
    "WriteAttributes": CLIENT_WRITE_ATTRIBUTES,
    "IdTokenValidity": 60,
    "TokenValidityUnits": {"IdToken": "minutes"},
    # A wrong user name and a wrong password get the same answer: signing in does not
    # tell who has an account.
    "PreventUserExistenceErrors": "ENABLED",
    # Signing out of the console revokes its refresh token (RevokeToken).
    "EnableTokenRevocation": True,
}
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
# Photos never attached to an appeal are not kept.
UNATTACHED_UPLOAD_DAYS = 30
# Letters to the mayor's mailbox are kept this long in the inbox bucket (over a year: the
# raw letter is the record of what the citizen wrote).
INBOX_KEEP_DAYS = 400


@dataclass(frozen=True)
class Identity:
    user_pool_id: str
    user_pool_client_id: str


def create_user_pool(cognito: Any, name: str) -> Identity:
    pool = cognito.create_user_pool(
        PoolName=name,
        Policies={"PasswordPolicy": PASSWORD_POLICY},
        Schema=POOL_SCHEMA,
        AdminCreateUserConfig={
            "AllowAdminCreateUserOnly": False,
            "InviteMessageTemplate": INVITATION,
        },
        AutoVerifiedAttributes=AUTO_VERIFIED,
        VerificationMessageTemplate=VERIFICATION,
        AccountRecoverySetting=ACCOUNT_RECOVERY,
        MfaConfiguration=MFA_CONFIGURATION,
    )["UserPool"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool["Id"],
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration=MFA_CONFIGURATION,
    )
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=f"{name}-app",
        **APP_CLIENT,
    )["UserPoolClient"]
    for group in GROUPS:
        cognito.create_group(GroupName=group, UserPoolId=pool["Id"])
    return Identity(pool["Id"], client["ClientId"])


def create_user(
    cognito: Any,
    pool_id: str,
    username: str,
    password: str,
    group: str | None,
    department_id: str | None,
    phone: str | None = None,
) -> None:
    """A user; with ``phone`` (E.164), a verified phone number (as after the SMS code)."""
    attributes = [{"Name": "name", "Value": username}]
    if department_id:
        attributes.append({"Name": "custom:department_id", "Value": department_id})
    if phone:
        attributes += [
            {"Name": "phone_number", "Value": phone},
            {"Name": "phone_number_verified", "Value": "true"},
        ]
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=attributes,
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )
    if group:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


def create_tables(dynamodb: Any) -> dict[str, str]:
    """Create every table; returns table name -> stream ARN (for tables with a stream)."""
    from chalicelib.core.store.models import ALL_MODELS
    from chalicelib.core.store.tables import create_table_request, ttl_attribute

    streams: dict[str, str] = {}
    for model in ALL_MODELS:
        request = create_table_request(model)
        description = dynamodb.create_table(**request)["TableDescription"]
        ttl = ttl_attribute(model)
        if ttl:
            dynamodb.update_time_to_live(
                TableName=request["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl},
            )
        if description.get("LatestStreamArn"):
            streams[request["TableName"]] = description["LatestStreamArn"]
    return streams


def create_media_bucket(s3: Any, bucket: str, region: str) -> None:
    from chalicelib.exports.domain.exports import KEEP_DAYS as EXPORT_KEEP_DAYS
    from chalicelib.exports.domain.exports import PREFIX as EXPORTS_PREFIX
    from chalicelib.intake.services.uploads import UPLOADS_ROOT

    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK,
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-unattached-uploads",
                    "Status": "Enabled",
                    "Filter": {"Prefix": UPLOADS_ROOT},
                    "Expiration": {"Days": UNATTACHED_UPLOAD_DAYS},
                },
                {
                    "ID": "expire-exports",
                    "Status": "Enabled",
                    "Filter": {"Prefix": EXPORTS_PREFIX},
                    "Expiration": {"Days": EXPORT_KEEP_DAYS},
                },
            ]
        },
    )


def queue_name(queue: str) -> str:
    """The local stack's name for a queue ``chalicelib/core/event_sources.py`` declares."""
    from chalicelib.core.config import settings

    return f"minsheng-{settings().stage}-{queue}"


def queue_attributes(queue: Any, dead_letter_arn: str | None) -> dict[str, str]:
    """A declared queue's attributes, as the template sets them."""
    import json

    attributes = {
        "MessageRetentionPeriod": str(queue.retention_seconds),
        "VisibilityTimeout": str(queue.visibility_timeout_seconds),
    }
    if dead_letter_arn:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": queue.max_receive_count}
        )
    return attributes


def create_queues(sqs: Any) -> dict[str, str]:
    """Every queue ``event_sources`` declares (dead-letter queues first); returns declared
    name -> queue URL, and points the settings of the queues the code writes to at them
    (``MINSHENG_<QUEUE>``)."""
    import os

    from chalicelib.core.config import env_name, settings
    from chalicelib.core.event_sources import queues_on

    urls: dict[str, str] = {}
    ordered = sorted(queues_on(), key=lambda q: q.dead_letter is not None)
    for queue in ordered:
        dead_letter_arn = None
        if queue.dead_letter:
            dead_letter_arn = sqs.get_queue_attributes(
                QueueUrl=urls[queue.dead_letter], AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
        urls[queue.name] = sqs.create_queue(
            QueueName=queue_name(queue.name),
            Attributes=queue_attributes(queue, dead_letter_arn),
        )["QueueUrl"]
        if queue.url_setting:
            os.environ[env_name(queue.url_setting)] = urls[queue.name]
    settings.cache_clear()
    return urls


def create_email_identity(sesv2: Any, address: str) -> None:
    """The reports' sender as a verified SES identity (moto verifies at once)."""
    sesv2.create_email_identity(EmailIdentity=address)


def create_wechat_secret(secretsmanager: Any, name: str, token: str, app_id: str) -> None:
    """The WeChat official account's secret, as the template creates it and the admin
    completes it (``integrations/wechat.py`` reads it)."""
    import json

    secretsmanager.create_secret(
        Name=name,
        Description="WeChat official account: the server token and the AppID",
        SecretString=json.dumps({"token": token, "app_id": app_id}),
    )


OWNER_KEY_DESCRIPTION = "Keys the owner keys of hotline callers, mail senders and WeChat followers"


def create_owner_key_secret(secretsmanager: Any, name: str) -> None:
    """The secret owner keys are keyed with (``domain/identities.py``): random, as the
    template generates it; the app only reads it."""
    import secrets

    secretsmanager.create_secret(
        Name=name, Description=OWNER_KEY_DESCRIPTION, SecretString=secrets.token_hex(32)
    )


def create_inbox_bucket(s3: Any, sqs: Any, bucket: str, region: str) -> None:
    """The bucket SES stores letters in, announcing each new one on the ``mailbox`` queue
    (S3 first sends an ``s3:TestEvent`` there, which the consumer skips)."""
    from chalicelib.channels.mailbox.integrations.mailbox import INBOX_PREFIX

    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=PUBLIC_ACCESS_BLOCK)
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "keep-letters",
                    "Status": "Enabled",
                    "Filter": {"Prefix": INBOX_PREFIX},
                    "Expiration": {"Days": INBOX_KEEP_DAYS},
                }
            ]
        },
    )
    url = sqs.get_queue_url(QueueName=queue_name("mailbox"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": INBOX_PREFIX}]}},
                }
            ]
        },
    )
