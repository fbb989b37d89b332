"""Fuzzing the running local stack from its own OpenAPI document (issue 13): every
operation, with generated valid and invalid requests, as each role and as nobody. No answer
may be a 5xx, and every answer must be one the document declares: its status, its media
type, its headers and its body's schema. Invalid requests must be refused.

``make test`` runs a bounded number of examples per operation and role
(``MINSHENG_FUZZ_EXAMPLES``, 2 by default); ``make fuzz`` runs the same with many more.

To see it catch a defect: make any handler raise (e.g. ``raise RuntimeError`` at the top
of ``chalicelib/figures/http/public.py`` ``public_stats``) and it fails with a 500."""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import RunningStack, start_stack, stop_stack

# A stack of its own: the admin's fuzzed calls add departments, categories and calendar
# years, which the shared stack's tests must not see. Its own group, so it can run beside
# the shared stack's tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("fuzz-stack")]

EXAMPLES = int(os.environ.get("MINSHENG_FUZZ_EXAMPLES", "2"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Who calls: the demo users of each role, and nobody.
ROLES = {
    "anonymous": None,
    "citizen": "citizen2",
    "deputy": "deputy1",
    "operator": "operator1",
    "department": "staff-transport-bureau",
    "leader": "leader1",
    "admin": "admin1",
}


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = start_stack(tmp_path_factory.mktemp("fuzz") / ".local")
    try:
        yield stack
    finally:
        try:
            stop_stack(stack)
        except subprocess.TimeoutExpired:
            warnings.warn("the fuzzed stack took over 60 s to stop", stacklevel=1)


@pytest.fixture(scope="module")
def tokens(fuzz_stack: RunningStack) -> dict[str, str | None]:
    return {role: fuzz_stack.sign_in(user) if user else None for role, user in ROLES.items()}


@pytest.fixture(scope="module")
def operations(fuzz_stack: RunningStack) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{fuzz_stack.api}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation: Any, headers: dict[str, str], mode: GenerationMode) -> list[str]:
    """``EXAMPLES`` generated requests to one operation; the failures found."""
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)
        except (AssertionError, FailureGroup) as failure:  # every check's failures
            failures.append(f"{operation.label} ({mode.value}): {str(failure)[:600]}")
        except schemathesis.errors.SchemathesisError as failure:
            failures.append(f"{operation.label} ({mode.value}): {failure!r}"[:600])

    try:
        run()
    except Unsatisfiable:
        # An operation that takes no input has no invalid request to make.
        if mode is GenerationMode.POSITIVE:
            raise
    return failures


@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation_answers_as_documented(
    role: str, operations: list[Any], tokens: dict[str, str | None]
) -> None:
    token = tokens[role]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(operation, headers, mode)
    assert len(operations) >= 70
    assert not failures, "\n\n".join(failures[:20])
