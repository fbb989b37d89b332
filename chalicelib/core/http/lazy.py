"""The app registered from a manifest, each blueprint's module imported when first needed.

Importing every capability (about 200 modules: their stores, PynamoDB models, domain rules,
schemas) is most of the API function's cold start, yet one request needs one capability.
So ``app.py`` registers, from ``chalicelib/blueprints.json``, every route with a stand-in
view and every event handler with a stand-in; the stand-in imports the blueprint's module
the first time it is called, registers that blueprint on a private app of the same name
(whose request and Lambda context are the app's, read at each call), and calls the real view or
handler. Chalice sees the same routes, methods, media types and event sources as if every
blueprint had been registered itself: the packaged template, the local stack's pump and
scheduler and the tests read them from the app as before. What needs every route's
documentation (the OpenAPI document, the template's authorizer, the CORS paths) calls
:func:`load_all` first.

The manifest is what registering every blueprint gives (:func:`describe`):
``python -m chalicelib.core.http.lazy --write`` writes it, and a unit test fails while it
differs. Only the standard library and Chalice (both imported by any Chalice function) are
imported here."""

from __future__ import annotations

import functools
import importlib
import json
import sys
import threading
from pathlib import Path
from typing import Any

from chalice.app import (
    Blueprint,
    Chalice,
    Cron,
    DynamoDBEventConfig,
    Rate,
    ScheduledEventConfig,
    SQSEventConfig,
)

MANIFEST = Path(__file__).resolve().parents[2] / "blueprints.json"
WRITE_COMMAND = "python -m chalicelib.core.http.lazy --write"


class ManifestStale(RuntimeError):
    """The manifest was written for another list of blueprints."""


@functools.cache
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return data


def route_features() -> dict[tuple[str, str], str]:
    """(path, METHOD) -> the optional part a route belongs to, for the routes of a part."""
    return {
        (r["path"], r["method"]): r["feature"]
        for r in manifest()["routes"]
        if r.get("feature") is not None
    }


def documented_paths() -> dict[str, list[str]]:
    """Each documented path and its methods, in registration order (the preflight's)."""
    paths: dict[str, list[str]] = {}
    for r in manifest()["routes"]:
        if r["documented"]:
            methods = paths.setdefault(r["path"], [])
            if r["method"] not in methods:
                methods.append(r["method"])
    return paths


def load(ref: str) -> Blueprint:
    """Imports one blueprint's module ("module:attribute"), as its first request does."""
    return _blueprint(ref)


def load_all() -> None:
    """Imports every blueprint's module (their routes' documentation with them)."""
    for ref in manifest()["blueprints"]:
        _blueprint(ref)


_APP_NAME = "minsheng"


class _Private(Chalice):
    """Where the imported blueprints are registered: its request and Lambda context are
    the app's own, read at each call (the local server keeps the app's request per thread,
    so a copy here would be another thread's)."""

    app: Chalice | None = None

    @property  # type: ignore[override]
    def current_request(self) -> Any:
        return None if self.app is None else self.app.current_request

    @current_request.setter
    def current_request(self, _value: Any) -> None:
        pass

    @property  # type: ignore[override]
    def lambda_context(self) -> Any:
        return None if self.app is None else self.app.lambda_context

    @lambda_context.setter
    def lambda_context(self, _value: Any) -> None:
        pass


# The blueprints imported so far, each registered once on the private app.
_LOCK = threading.Lock()
_LOADED: dict[str, Blueprint] = {}
_PRIVATE = _Private(app_name=_APP_NAME)


def _blueprint(ref: str) -> Blueprint:
    found = _LOADED.get(ref)
    if found is not None:
        return found
    with _LOCK:
        if ref not in _LOADED:
            module, _, attribute = ref.partition(":")
            bp = getattr(importlib.import_module(module), attribute)
            _PRIVATE.register_blueprint(bp)
            _LOADED[ref] = bp
        return _LOADED[ref]


def _route_view(ref: str, path: str, method: str, name: str) -> Any:
    def view(**params: Any) -> Any:
        _blueprint(ref)
        return _PRIVATE.routes[path][method].view_function(**params)

    view.__name__ = view.__qualname__ = name
    return view


class _EventHandler:
    """Stands for an event handler: imports its module on the first event, as Lambda does
    with the handler string, and calls the handler Chalice made there."""

    def __init__(self, handler_string: str) -> None:
        self.handler_string = handler_string

    def __call__(self, event: Any, context: Any) -> Any:
        module, _, name = self.handler_string.rpartition(".")
        return getattr(importlib.import_module(module), name)(event, context)


def _schedule(expression: dict[str, Any]) -> Rate | Cron:
    if "rate" in expression:
        value, unit = expression["rate"]
        return Rate(value, unit=getattr(Rate, unit))
    return Cron(*expression["cron"])


def register(app: Chalice, blueprints: tuple[str, ...]) -> None:
    """Registers on ``app`` what ``blueprints`` register, from the manifest."""
    data = manifest()
    if list(blueprints) != data["blueprints"]:
        raise ManifestStale(f"{MANIFEST.name} lists other blueprints: run {WRITE_COMMAND}")
    _PRIVATE.app = app
    for r in data["routes"]:
        view = _route_view(r["blueprint"], r["path"], r["method"], r["view"])
        app.route(r["path"], methods=[r["method"]], content_types=list(r["content_types"]))(view)
    for source in data["event_sources"]:
        handler = _EventHandler(source["handler_string"])
        kind = source["kind"]
        if kind == "dynamodb":
            app.event_sources.append(
                DynamoDBEventConfig(
                    name=source["name"],
                    handler_string=source["handler_string"],
                    stream_arn=source["stream_arn"],
                    batch_size=source["batch_size"],
                    starting_position=source["starting_position"],
                    maximum_batching_window_in_seconds=source["batching_window"],
                )
            )
        elif kind == "sqs":
            app.event_sources.append(
                SQSEventConfig(
                    name=source["name"],
                    handler_string=source["handler_string"],
                    queue=source["queue"],
                    queue_arn=source["queue_arn"],
                    batch_size=source["batch_size"],
                    maximum_batching_window_in_seconds=source["batching_window"],
                    maximum_concurrency=source["maximum_concurrency"],
                )
            )
        else:
            app.event_sources.append(
                ScheduledEventConfig(
                    name=source["name"],
                    schedule_expression=_schedule(source["expression"]),
                    description=source["description"],
                    handler_string=source["handler_string"],
                )
            )
        app.handler_map[source["name"]] = handler


# -- the manifest -----------------------------------------------------------------------


def _expression(expr: Any) -> dict[str, Any]:
    if isinstance(expr, Rate):
        unit = {Rate.MINUTES: "MINUTES", Rate.HOURS: "HOURS", Rate.DAYS: "DAYS"}[expr.unit]
        return {"rate": [expr.value, unit]}
    if isinstance(expr, Cron):
        fields = ("minutes", "hours", "day_of_month", "month", "day_of_week", "year")
        return {"cron": [getattr(expr, f) for f in fields]}
    raise TypeError(f"a schedule the manifest cannot hold: {expr!r}")


def describe(blueprints: tuple[str, ...]) -> dict[str, Any]:
    """What registering ``blueprints`` (every module imported) gives: the manifest."""
    from chalicelib.core.http.base import ROUTES

    app = Chalice(app_name=_APP_NAME)
    owner: dict[int, str] = {}
    for ref in blueprints:
        module, _, attribute = ref.partition(":")
        bp = getattr(importlib.import_module(module), attribute)
        before = {id(e) for methods in app.routes.values() for e in methods.values()}
        count = len(app.event_sources)
        app.register_blueprint(bp)
        for methods in app.routes.values():
            for entry in methods.values():
                if id(entry) not in before:
                    owner[id(entry)] = ref
        for source in app.event_sources[count:]:
            owner[id(source)] = ref
    documented = {(r.path, r.method.upper()): r.feature for r in ROUTES}
    routes = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if entry.authorizer is not None or entry.api_key_required or entry.cors:
                raise ValueError(f"{method} {path}: the manifest holds no authorizer or CORS")
            routes.append(
                {
                    "path": path,
                    "method": method,
                    "blueprint": owner[id(entry)],
                    "view": entry.view_name,
                    "content_types": list(entry.content_types),
                    "documented": (path, method) in documented,
                    "feature": documented.get((path, method)),
                }
            )
    sources: list[dict[str, Any]] = []
    for source in app.event_sources:
        common = {"name": source.name, "handler_string": source.handler_string}
        if isinstance(source, DynamoDBEventConfig):
            sources.append(
                {
                    "kind": "dynamodb",
                    **common,
                    "stream_arn": source.stream_arn,
                    "batch_size": source.batch_size,
                    "starting_position": source.starting_position,
                    "batching_window": source.maximum_batching_window_in_seconds,
                }
            )
        elif isinstance(source, SQSEventConfig):
            sources.append(
                {
                    "kind": "sqs",
                    **common,
                    "queue": source.queue,
                    "queue_arn": source.queue_arn,
                    "batch_size": source.batch_size,
                    "batching_window": source.maximum_batching_window_in_seconds,
                    "maximum_concurrency": source.maximum_concurrency,
                }
            )
        elif isinstance(source, ScheduledEventConfig):
            sources.append(
                {
                    "kind": "schedule",
                    **common,
                    "expression": _expression(source.schedule_expression),
                    "description": source.description,
                }
            )
        else:
            raise TypeError(f"an event source the manifest cannot hold: {source!r}")
    return {"blueprints": list(blueprints), "routes": routes, "event_sources": sources}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    from chalicelib.blueprints import BLUEPRINTS

    text = render(describe(BLUEPRINTS))
    if "--write" in argv:
        MANIFEST.write_text(text, encoding="utf-8")
        print(f"wrote {MANIFEST}")
        return 0
    if MANIFEST.exists() and MANIFEST.read_text(encoding="utf-8") == text:
        print(f"{MANIFEST.name} is up to date")
        return 0
    print(f"{MANIFEST.name} differs from the blueprints: run {WRITE_COMMAND}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
