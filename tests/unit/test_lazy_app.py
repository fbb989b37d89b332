"""The app registered from the blueprints' manifest (chalicelib/core/http/lazy.py): the same
routes and event sources as registering every blueprint, no capability imported until a
route of it is called, and a stale manifest named with the command that rewrites it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "MINSHENG_STAGE": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def _python(code: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=ENV, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_the_manifest_is_what_registering_every_blueprint_gives() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "chalicelib.core.http.lazy"],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "up to date" in run.stdout


# What Chalice and the packager read of the app, registered every blueprint at once (in a
# fresh interpreter: registering a blueprint twice points it at the second app).
_SHAPE = """
import json, sys
from chalice.app import Chalice
from chalicelib.core.http import cors
{setup}
def expr(e):
    return e.to_string() if hasattr(e, "to_string") else str(e)
shape = {{
    "routes": sorted(
        [p, m, e.view_name, list(e.content_types), e.view_args, e.authorizer is None,
         e.api_key_required, e.cors]
        for p, ms in app.routes.items() for m, e in ms.items()),
    "order": list(app.routes),
    "events": [
        [type(s).__name__, {{k: (expr(v) if k == "schedule_expression" else v)
                              for k, v in vars(s).items()}}]
        for s in app.event_sources],
    "handlers": sorted(app.handler_map),
}}
print(json.dumps(shape))
"""

_EAGER = """
import importlib
from chalicelib.blueprints import BLUEPRINTS
app = Chalice(app_name="minsheng")
for ref in BLUEPRINTS:
    module, _, attribute = ref.partition(":")
    app.register_blueprint(getattr(importlib.import_module(module), attribute))
app.register_blueprint(cors.preflight_blueprint())
"""


def test_the_app_has_the_routes_and_event_sources_of_every_blueprint() -> None:
    lazy: dict[str, Any] = json.loads(_python(_SHAPE.format(setup="from app import app")))
    eager: dict[str, Any] = json.loads(_python(_SHAPE.format(setup=_EAGER)))
    assert lazy["routes"] == eager["routes"]
    assert lazy["order"] == eager["order"]
    assert lazy["events"] == eager["events"]
    assert lazy["handlers"] == eager["handlers"]
    assert len(lazy["routes"]) > 200 and len(lazy["events"]) >= 15


def test_importing_the_app_imports_no_capability_until_its_route_is_called() -> None:
    out = _python(
        """
import json, sys
from app import app
from chalice.test import Client
before = sorted(m for m in sys.modules if m.startswith("chalicelib."))
with Client(app, stage_name="local") as client:
    page = client.http.get("/console/")
after = sorted(m for m in sys.modules if m.startswith("chalicelib."))
print(json.dumps({"before": before, "after": after, "status": page.status_code}))
"""
    )
    seen = json.loads(out)
    capabilities = {m.split(".")[1] for m in seen["before"] if m.count(".") >= 1}
    assert capabilities <= {"blueprints", "core"}, capabilities
    assert not any(".store" in m or ".services" in m for m in seen["before"])
    assert "pynamodb" not in out
    # The route's own module came with its call, and the others stayed out.
    assert seen["status"] == 200
    assert "chalicelib.console.http.console" in seen["after"]
    assert "chalicelib.figures.http.public" not in seen["after"]
    assert "chalicelib.channels.wechat.http.wechat" not in seen["after"]


def test_a_manifest_for_other_blueprints_is_refused_with_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalice.app import Chalice

    from chalicelib.core.http import lazy

    with pytest.raises(lazy.ManifestStale, match="--write"):
        lazy.register(Chalice(app_name="minsheng"), ("chalicelib.core.http.meta:bp",))


def test_an_event_handler_imports_its_module_on_its_first_event() -> None:
    out = _python(
        """
import sys
from app import app
handler = app.handler_map["sla_sweep"]
print("chalicelib.work_orders.events.sla" in sys.modules, handler.handler_string)
"""
    )
    assert out.split() == ["False", "chalicelib.work_orders.events.sla.sla_sweep"]
