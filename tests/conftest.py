"""Test environment: set before anything imports the app (settings are read once)."""

import gc
import os
import sys
from collections.abc import Iterator
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

# The test processes collect cyclic garbage less often than Python's default (700, 10, 10).
# In-process moto keeps every table's items as objects, so a test's heap holds hundreds of
# thousands of live objects, and each full collection walked them all to free next to
# nothing: about a fifth of an integration test's CPU (test_intake_api.py and
# test_authorization_matrix.py: 4.1 s of 22 s in the collector, 0.9 s with these). The
# tests that look for garbage collect it themselves (gc.collect()); the local stack's own
# processes keep Python's defaults.
gc.set_threshold(20_000, 20, 10)


def _default_sessions_share_one_loader() -> None:
    """The tests' own boto3 clients (``boto3.client(...)``: the fixtures that make the
    pool, the tables, the queues and the buckets, and the tests that read them back) come
    from boto3's default session, which ``mock_aws`` forgets at each start: each test made
    a botocore session whose new data loader read and parsed the endpoints file and each
    service's model again, about half of an integration test's set-up. Here every default
    session gets the first one's loader (the files do not change while the suite runs);
    credentials, region and settings are resolved afresh as before. The product's own
    session (``chalicelib/core/aws_session.py``) keeps its loader by itself and is not
    touched, so its tests still see what it does."""
    import boto3
    import botocore.session

    original = boto3.setup_default_session
    loaders: list[object] = []

    def setup_default_session(**kwargs: object) -> None:
        if "botocore_session" not in kwargs:
            made = botocore.session.get_session()
            if loaders:
                made.register_component("data_loader", loaders[0])
            else:
                loaders.append(made.get_component("data_loader"))
            kwargs["botocore_session"] = made
        original(**kwargs)
        # boto3 adds its data folder to the loader at every session: once is enough
        paths = boto3.DEFAULT_SESSION._loader.search_paths
        paths[:] = list(dict.fromkeys(paths))

    boto3.setup_default_session = setup_default_session


_default_sessions_share_one_loader()

if "mutmut" in sys.modules:  # `make mutants`: any failing example kills the mutant
    from hypothesis import Phase
    from hypothesis import settings as hypothesis_settings

    # Loaded before the test modules import: their @settings keep this for what they
    # leave unset. Shrinking a mutant's failure to its smallest example is time wasted.
    hypothesis_settings.register_profile(
        "mutants", phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target)
    )
    hypothesis_settings.load_profile("mutants")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests marked ``long(seconds)`` first, longest first. With ``--dist loadgroup``
    one worker takes the local stack's group at once and the other the tests in this
    order: the long ones start early, the many short ones fill the end, and neither worker
    waits alone on a test of minutes. The rest keep the order they come in: pytest-randomly
    shuffles before this runs (last, and the sort is stable), so the long ones still go
    first and the others in the run's random order (its seed is in the header)."""

    def seconds(item: pytest.Item) -> float:
        mark = item.get_closest_marker("long")
        return float(mark.args[0]) if mark else 0.0

    items.sort(key=seconds, reverse=True)
    if config.getoption("loadgroup", default=False):  # set on xdist workers only
        _name_groups(items)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """The run's seed, last, where a failure is read: with it the same order comes again."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int) and config.getoption("randomly_reorganize", default=False):
        terminalreporter.write_line(
            f"tests in random order, seed {seed}: -p randomly -p no:cacheprovider "
            f"--randomly-seed={seed} collects them in this order again"
        )


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


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """What one test may leave in the process for the next, put back on both sides of
    every test: the platform clock (``clock.set_clock``), the settings (read from the
    environment once and cached: a test that changed the environment leaves them behind)
    and the knowledge search's index (kept per process, checked against a version stamp
    that a fresh table of the next test may share)."""
    _reset_process_state()
    yield
    _reset_process_state()


def _reset_process_state() -> None:
    # Only what is imported already: importing the app here would read the settings early.
    clock = sys.modules.get("chalicelib.core.domain.clock")
    if clock is not None:
        clock.set_clock(None)
    config = sys.modules.get("chalicelib.core.config")
    if config is not None:
        config.settings.cache_clear()
    search = sys.modules.get("chalicelib.knowledge.services.knowledge_search")
    if search is not None:
        search.invalidate()


@pytest.fixture(autouse=True)
def _deliveries_match_the_event_catalogue() -> Iterator[list[str]]:
    """Every delivery a department system of the suite receives during a test (the
    receivers of tests/support/department_system.py, the example system of
    examples/department_system/) is valid against its event type's schema in the
    catalogue; a type without one fails the test."""
    from tests.support import department_system
    from tests.support.event_schemas import problems

    found: list[str] = []
    checked: list[int] = []

    def check(headers: dict[str, str], raw: bytes) -> None:
        checked.append(1)
        found.extend(problems(headers, raw))

    department_system.OBSERVERS.append(check)
    yield found
    department_system.OBSERVERS.remove(check)
    if found:
        pytest.fail(
            f"{len(found)} of the deliveries ({len(checked)} received) do not match the "
            "event catalogue:\n" + "\n".join(sorted(set(found))[:20])
        )
