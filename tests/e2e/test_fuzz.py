"""Fuzzing the running local stack from its own OpenAPI document (issue 13): every
operation, with generated valid and invalid requests, as each role and as nobody. No answer
may be a 5xx, and every answer must be one the document declares: its status, its media
type, its headers and its body's schema. Invalid requests must be refused.

``make test`` runs a bounded number of examples per operation and role
(``MINSHENG_FUZZ_EXAMPLES``, 2 by default) from a fixed seed; ``make fuzz`` runs the same
with many more, from a new seed each run (``MINSHENG_FUZZ_SEED``; printed, and named in a
failure, so a run can be repeated).

Valid requests mostly name things that exist: the path parameters are drawn from the stack's
own ids (the reference district's departments and categories, the knowledge base's
articles, Open311 service codes, appeals and an API key made for the fuzzing, the demo
caller's phone), so operations reach their handlers rather than a 404. Each role's test
reports how many of its answers to such operations were something other than a 404.

To see it catch a defect: make any handler raise (e.g. ``raise RuntimeError`` at the top
of ``chalicelib/figures/http/public.py`` ``public_stats``) and it fails with a 500."""

from __future__ import annotations

import os
import subprocess
import warnings
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
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

from tests.e2e.conftest import RunningStack, start_stack, stop_stack, wait_seconds

# A stack of its own: the admin's fuzzed calls add departments, categories and calendar
# years, which the shared stack's tests must not see. Its own group, so it can run beside
# the shared stack's tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("fuzz-stack")]

EXAMPLES = int(os.environ.get("MINSHENG_FUZZ_EXAMPLES", "2"))
# Unset: derandomized, the same requests every run (make test). Set: hypothesis draws from
# this seed (make fuzz sets a new one each run).
SEED = os.environ.get("MINSHENG_FUZZ_SEED") or None
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
def real_ids(fuzz_stack: RunningStack, tokens: dict[str, str | None]) -> dict[str, list[str]]:
    """Ids that exist on the fuzzed stack, per path parameter: the demo data's, and a few
    appeals (one public, dispatched) and an Open311 key made for the fuzzing."""
    api = fuzz_stack.api

    def call(role: str, method: str, path: str, payload: Any = None) -> Any:
        response = requests.request(
            method,
            api + path,
            headers={"Authorization": f"Bearer {tokens[role]}"} if tokens[role] else {},
            json=payload,
            timeout=30,
        )
        assert response.status_code < 300, (path, response.status_code, response.text[:300])
        return response.json()

    appeal = {"kind": "complaint", "title": "路灯不亮", "content": "东门路灯坏了"}
    public = call("citizen", "POST", "/appeals", {**appeal, "is_public": True})["id"]
    private = call("citizen", "POST", "/appeals", appeal)["id"]
    question = call("citizen", "POST", "/appeals", {**appeal, "kind": "consultation"})["id"]
    dispatch = {"department_id": "transport-bureau"}
    call("operator", "POST", f"/appeals/{public}/dispatch", dispatch)
    key_id = call("admin", "POST", "/open311/keys", {"name": "fuzz"})["key_id"]
    services = call("anonymous", "GET", "/open311/v2/services.json")
    articles = call("operator", "GET", "/knowledge/articles?limit=100")["items"]
    from chalicelib.local.demo import DEMO_CALLER

    export = {"kind": "rankings", "period": "2026-11", "format": "csv"}
    export_id = call("leader", "POST", "/exports", export)["id"]  # leaders' and admins' to read

    return {
        "appeal_id": [public, private, question],
        "request_file": [f"{public}.json", f"{public}.xml"],
        "department_id": [d["id"] for d in call("admin", "GET", "/departments")["items"]],
        "code": [c["code"] for c in call("admin", "GET", "/categories")["items"]],
        "article_id": [a["id"] for a in articles],
        "service_file": [f"{s['service_code']}.json" for s in services][:10],
        "key_id": [key_id],
        "export_id": [export_id],
        "year": ["2026", "2027"],
        "phone": [DEMO_CALLER],
        "/dashboard/{asset}": ["app.js", "app.css"],
        "/console/{asset}": ["app.js", "app.css", "config.json"],
        "/console/vendor/{asset}": ["htm-preact.js", "LICENSE-htm.txt", "LICENSE-preact.txt"],
        "/portal/{asset}": ["app.js", "app.css", "config.json"],
        "/portal/vendor/{asset}": ["htm-preact.js", "LICENSE-htm.txt", "SOURCES.txt"],
        "/portal/lib/{asset}": ["api.js", "session.js", "problem.js"],
        "/portal/views/{asset}": ["board.js", "mine.js", "appeal-form.js"],
    }


@pytest.fixture(scope="module")
def operations(fuzz_stack: RunningStack) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{fuzz_stack.api}/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    # Every path's CORS preflight is the same handler: fuzzed on a few paths (one with a
    # path parameter), not on all of them (tests/integration/test_cors.py covers them).
    preflights = {"/appeals", "/public/stats", "/appeals/{appeal_id}/support"}
    return [o for o in found if o.method.upper() != "OPTIONS" or o.path in preflights]


def _negates_authorization(case: Any) -> bool:
    mutations = getattr(case.meta.phase.data, "mutations", None) or ()
    return any(
        getattr(m.parameter_location, "value", None) == "header" and m.parameter == "Authorization"
        for m in mutations
    )


def _fuzz(
    operation: Any,
    headers: dict[str, str],
    mode: GenerationMode,
    ids: dict[str, list[str]],
    answers: Counter[str],
) -> list[str]:
    """``EXAMPLES`` generated requests to one operation; the failures found. A valid
    request's path parameters are, three times in four, ids that exist. ``answers``
    counts, for operations with path parameters, the answers that were a 404 and those
    that were not."""
    failures: list[str] = []
    path = operation.path

    def existing(name: str) -> list[str]:
        return ids.get(f"{path}", []) if name == "asset" else ids.get(name, [])

    @settings(
        max_examples=EXAMPLES,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=SEED is None,
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        if mode is GenerationMode.POSITIVE:  # a negative case's path stays as generated
            for name in list(case.path_parameters or {}):
                found = existing(name)
                if found and data.draw(st.integers(0, 3), label=f"generated {name}?") < 3:
                    case.path_parameters[name] = data.draw(st.sampled_from(found), label=name)
        # A request generated without a valid Authorization header is sent as generated:
        # the caller's token would make it valid again.
        sent = {} if _negates_authorization(case) else headers
        try:
            response = case.call_and_validate(headers=sent, checks=CHECKS, timeout=wait_seconds(30))
            if case.path_parameters and mode is GenerationMode.POSITIVE:
                answers[str(response.status_code)] += 1
        except (AssertionError, FailureGroup) as failure:  # every check's failures
            failures.append(f"{operation.label} ({mode.value}): {str(failure)[:600]}")
        except schemathesis.errors.SchemathesisError as failure:
            failures.append(f"{operation.label} ({mode.value}): {failure!r}"[:600])

    if SEED is not None:
        run = seed(int(SEED) + zlib.crc32(f"{operation.label} {mode.value}".encode()))(run)
    try:
        run()
    except Unsatisfiable:
        # An operation that takes no input has no invalid request to make.
        if mode is GenerationMode.POSITIVE:
            raise
    return failures


@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation_answers_as_documented(
    role: str,
    operations: list[Any],
    tokens: dict[str, str | None],
    real_ids: dict[str, list[str]],
) -> None:
    token = tokens[role]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures: list[str] = []
    answers: Counter[str] = Counter()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(operation, headers, mode, real_ids, answers)
    print(f"\n{role}: valid requests with path parameters: {dict(answers)} (seed {SEED})")
    assert len(operations) >= 70
    # Most valid requests naming a resource name one that exists (a 404 was most of them
    # when the ids were all generated)
    assert answers["404"] * 3 <= sum(answers.values()), (SEED, dict(answers))
    assert not failures, f"seed {SEED}:\n" + "\n\n".join(failures[:20])
