"""boto3 clients, created on first use and cached (moto must be active first, and cold
start stays small), all from the process's one botocore session, which PynamoDB's
connections share (``chalicelib/core/aws_session.py``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.core import aws_session
from chalicelib.core.config import settings


@cache
def client(service: str) -> Any:
    from botocore.config import Config

    cfg = settings()
    return aws_session.boto3_session().client(
        service,
        region_name=cfg.region,
        endpoint_url=cfg.aws_endpoint,
        config=Config(
            account_id_endpoint_mode="disabled",
            retries={"mode": "standard", "max_attempts": 3},
            signature_version="s3v4" if service == "s3" else None,
        ),
    )


def reset_clients() -> None:
    """Forget cached clients and their session (tests that start and stop moto)."""
    client.cache_clear()
    aws_session.reset()
