"""What every table's PynamoDB model shares: the region, the endpoint (moto's, locally),
on-demand billing, and the process's one botocore session.

PynamoDB 6.1 makes a botocore session per connection and thread (``Connection.session``,
with ``botocore.session.get_session``, looked up in ``pynamodb.connection.base``) because
botocore sessions are not safe for concurrent client creation. It has no setting or
``Meta`` option for the session, and ``Model._get_connection`` builds its
``TableConnection`` and ``Connection`` by name. So that one name is pointed at
``aws_session.session``: the process's session, which creates clients one at a time under
a lock, resolved as before (credentials from the environment; the region and host are
``Meta``'s), so botocore's data files are parsed once per process instead of once per model
(``tests/unit/test_aws_session.py`` checks that it still takes effect)."""

from __future__ import annotations

import pynamodb.connection.base as _connection_base
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE

from chalicelib.core import aws_session
from chalicelib.core.config import settings

_connection_base.get_session = aws_session.session  # type: ignore[attr-defined]

_S = settings()


class TableMeta:
    region = _S.region
    host = _S.aws_endpoint
    billing_mode = PAY_PER_REQUEST_BILLING_MODE
