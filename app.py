"""Minsheng's Chalice app: registers the blueprints and middleware, decides nothing.

The blueprints (``chalicelib/blueprints.py``) are registered from their manifest: each
route's and event handler's module is imported when it is first called, not here, so the
API function's cold start holds only what every request needs (``chalicelib/core/http/
lazy.py``)."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice

from chalicelib.blueprints import BLUEPRINTS
from chalicelib.core.config import settings
from chalicelib.core.http import cors, lazy
from chalicelib.core.http.base import as_problem, feature_gate, secure_headers
from chalicelib.core.observability import flush_metrics

settings()  # a stage's missing or bad settings fail the function's start, not a request
app = Chalice(app_name="minsheng")
lazy.register(app, BLUEPRINTS)
# Last: the preflight (OPTIONS) of every documented path.
app.register_blueprint(cors.preflight_blueprint(lazy.documented_paths()))


@app.middleware("http")
def http_envelope(event: Any, get_response: Any) -> Any:
    try:
        return cors.answer(
            event, secure_headers(as_problem(feature_gate(event) or get_response(event)))
        )
    finally:
        flush_metrics()
