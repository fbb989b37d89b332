"""Test environment: set before anything imports the app (settings are read once)."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    MINSHENG_STAGE="test",
    MINSHENG_TABLE_PREFIX="minsheng-test",
    POWERTOOLS_SERVICE_NAME="minsheng",
    POWERTOOLS_METRICS_NAMESPACE="Minsheng",
    POWERTOOLS_DEV="false",
)
for name in ("AWS_PROFILE", "MINSHENG_AWS_ENDPOINT", "MINSHENG_JWKS_URL", "AWS_ENDPOINT_URL"):
    os.environ.pop(name, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``long(seconds)`` first, longest first. With ``--dist loadgroup``
    one worker takes the local stack's group at once and the other the tests in this
    order: the long ones start early, the many short ones fill the end, and neither worker
    waits alone on a test of minutes. The short ones stay in the order collected."""

    def seconds(item: pytest.Item) -> float:
        mark = item.get_closest_marker("long")
        return float(mark.args[0]) if mark else 0.0

    items.sort(key=seconds, reverse=True)
