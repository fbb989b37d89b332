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
    # Tests file many appeals as one citizen; the limits' own tests turn them on.
    MINSHENG_SUBMISSION_LIMITS="off",
)
for name in ("AWS_PROFILE", "MINSHENG_AWS_ENDPOINT", "MINSHENG_JWKS_URL", "AWS_ENDPOINT_URL"):
    os.environ.pop(name, None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests marked ``long(seconds)`` first, longest first. With ``--dist loadgroup``
    one worker takes the local stack's group at once and the other the tests in this
    order: the long ones start early, the many short ones fill the end, and neither worker
    waits alone on a test of minutes. The short ones stay in the order collected."""

    def seconds(item: pytest.Item) -> float:
        mark = item.get_closest_marker("long")
        return float(mark.args[0]) if mark else 0.0

    items.sort(key=seconds, reverse=True)
    if config.getoption("loadgroup", default=False):  # set on xdist workers only
        _name_groups(items)


def _name_groups(items: list[pytest.Item]) -> None:
    """What pytest-xdist does on a worker for ``--dist loadgroup``: the group's name after
    an ``@`` in each grouped test's node id, which is how the scheduler keeps a group on
    one worker. pytest-xdist 3.8 writes it to ``item._nodeid``, which pytest 9 no longer
    reads, so without this every e2e test is scheduled alone and each worker starts a
    local stack of its own. Does nothing once the id carries the group already."""
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted(
            {
                str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                for m in item.iter_markers("xdist_group")
            }
        )
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)  # type: ignore[attr-defined]
