"""What every table's PynamoDB model shares: the region, the endpoint (moto's, locally),
on-demand billing, and botocore sessions that share the process's data loader.

PynamoDB 6.1 makes a botocore session per connection and thread (``Connection.session``,
with ``botocore.session.get_session``, looked up in ``pynamodb.connection.base``); it has
no setting or ``Meta`` option for the session, and ``Model._get_connection`` builds its
``TableConnection`` and ``Connection`` by name. So the one name is pointed at
``aws_session.thread_session``: still a session per thread, resolved as before
(credentials; the region and host are ``Meta``'s), now one for all the thread's models,
with botocore's data files parsed once per process instead of once per model
(``tests/unit/test_aws_session.py`` checks that it still takes effect)."""

from __future__ import annotations

import pynamodb.connection.base as _connection_base
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE

from chalicelib.core import aws_session
from chalicelib.core.config import settings

_connection_base.get_session = aws_session.thread_session  # type: ignore[attr-defined]

_S = settings()


class TableMeta:
    region = _S.region
    host = _S.aws_endpoint
    billing_mode = PAY_PER_REQUEST_BILLING_MODE
