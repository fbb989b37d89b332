"""The (timestamp, nonce) pairs of WeChat's signed requests, each remembered for its
window in the limits table (an item per pair, expiring with it), with the digest of the
request it came with."""

from __future__ import annotations

from chalicelib.core.config import settings
from chalicelib.core.errors import ServiceUnavailable
from chalicelib.core.integrations.aws import client

# The item's range key: the limits table keys every item by (subject, window).
WINDOW = "once"


def claim(key: str, digest: str, expires_at: int) -> bool:
    """Remember ``key`` as used by the request ``digest``: True the first time, and again
    for the same request (a retry); False when another request used it."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("dynamodb").update_item(
            TableName=settings().limits_table,
            Key={"subject": {"S": key}, "window": {"S": WINDOW}},
            UpdateExpression="SET #digest = :digest, expires_at = :expires",
            ConditionExpression="attribute_not_exists(subject) OR #digest = :digest",
            ExpressionAttributeNames={"#digest": "digest"},
            ExpressionAttributeValues={
                ":digest": {"S": digest},
                ":expires": {"N": str(expires_at)},
            },
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable("the limits store did not accept the write") from exc
    except BotoCoreError as exc:
        raise ServiceUnavailable("the limits store is unreachable") from exc
    return True
