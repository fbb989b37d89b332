"""What every table's PynamoDB model shares: the region, the endpoint (moto's, locally) and
on-demand billing."""

from __future__ import annotations

from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE

from chalicelib.core.config import settings

_S = settings()


class TableMeta:
    region = _S.region
    host = _S.aws_endpoint
    billing_mode = PAY_PER_REQUEST_BILLING_MODE
