"""What the console and the portal serve alike: a static page with its script (an ES module
that imports its helpers from ``lib/`` and its views from ``views/``), style and vendored
libraries, each from an allow-list, with the page's Content-Security-Policy; and the hosts
the page's policy names (the user pool's endpoint, the media bucket)."""

from __future__ import annotations

import functools
import re
from typing import Any

from chalice.app import Request, Response

from chalicelib.core.config import settings
from chalicelib.core.domain.records import frozen
from chalicelib.core.errors import NotFound
from chalicelib.core.http.base import static_page, static_text

SCRIPT = "text/javascript; charset=utf-8"
HTML = "text/html; charset=utf-8"
# What the module folders serve: the files shipped in them whose names are lower-case
# letters, digits and hyphens ending in .js (never __init__.py, never a path).
MODULE_NAME = re.compile(r"[a-z0-9-]+\.js")
# Shipped once for both pages (chalicelib/static/shared/): its lib/ modules are served from
# each page's lib/ folder, its vendored files from each page's vendor/ folder.
SHARED = "chalicelib.static.shared"
SHARED_VENDOR = frozenset({"htm-preact.js", "LICENSE-htm.txt", "LICENSE-preact.txt", "SOURCES.txt"})


def media_of(assets: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The media types ``assets`` are served as, for the document: each a string."""
    return {kind.partition(";")[0]: {"type": "string"} for kind in assets.values()}


def origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def cognito_endpoint() -> str:
    """Where browsers sign up and in: the user pool's regional endpoint, or the local
    stack's."""
    cfg = settings()
    if cfg.aws_endpoint:
        return cfg.aws_endpoint.rstrip("/") + "/"
    return f"https://{cfg.aws_host('cognito-idp')}/"


def bucket_origins() -> str:
    """The media bucket's hosts as presigned URLs name it: the regional host of the
    partition's suffix and the global one (or the local stack's endpoint)."""
    cfg = settings()
    if cfg.aws_endpoint:
        return origin(cfg.aws_endpoint)
    bucket = cfg.media_bucket
    return f"https://{bucket}.{cfg.aws_host('s3')} https://{bucket}.s3.{cfg.dns_suffix}"


@frozen
class Site:
    """One page's files: ``package`` holds index.html and ``assets``; ``vendor`` names the
    vendored files it serves (``SHARED_VENDOR`` from the shared folder, the others from
    ``package``.vendor); each of ``modules`` (a script folder) serves the modules of its
    packages (the page's lib/ also the shared lib/; a page's own module of the same name
    would hide a shared one, which a test forbids)."""

    package: str
    assets: dict[str, str]
    vendor: dict[str, str]
    policy: Any  # () -> str: the page's Content-Security-Policy

    @property
    def modules(self) -> dict[str, tuple[str, ...]]:
        return {
            "lib": (f"{self.package}.lib", f"{SHARED}.lib"),
            "views": (f"{self.package}.views",),
        }

    def page(self, body: str, content_type: str) -> Response:
        return static_page(body, content_type, self.policy())

    def index(self, request: Request, slash: str) -> Response:
        """The page; without the trailing slash, a redirect to it (so that the page's
        relative links resolve)."""
        path = str((request.context or {}).get("path") or "")
        if not path.endswith("/"):
            return Response(body="", status_code=301, headers={"Location": slash})
        return self.page(static_text(self.package, "index.html"), HTML)

    def asset(self, name: str) -> Response:
        if name not in self.assets:
            raise NotFound(f"no asset {name}")
        return self.page(static_text(self.package, name), self.assets[name])

    def vendored(self, name: str) -> Response:
        if name not in self.vendor:
            raise NotFound(f"no asset {name}")
        package = f"{SHARED}.vendor" if name in SHARED_VENDOR else f"{self.package}.vendor"
        return self.page(static_text(package, name), self.vendor[name])

    def module(self, folder: str, name: str) -> Response:
        package = shipped(self.modules[folder]).get(name)
        if package is None:
            raise NotFound(f"no asset {folder}/{name}")
        return self.page(static_text(package, name), SCRIPT)


@functools.cache
def shipped(packages: tuple[str, ...]) -> dict[str, str]:
    """The ES modules a script folder serves, each with the package it comes from (the
    first that ships it), listed once per instance."""
    from importlib import resources

    found: dict[str, str] = {}
    for package in packages:
        for entry in resources.files(package).iterdir():
            if MODULE_NAME.fullmatch(entry.name) and entry.is_file():
                found.setdefault(entry.name, package)
    return found
