"""Exports (导出): a person asks for a file (``POST /exports``), the exports queue's consumer
builds it, and its record says how far it got (``GET /exports/{id}``), then links to it.

A work-orders file is streamed: the month index is read a page at a time (one query and
one batch read per page), each page's rows go to a temporary file as they come, and the
file goes to the media bucket from disk. However long the month, the consumer holds one
page of appeals. Every row shows personal data as a supervisor sees it (masked names and
numbers; a 举报 has no contact at all), whoever asked."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.domain.validation import validate
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.event_sources import EXPORT_ATTEMPTS, EXPORT_FUNCTION_TIMEOUT_SECONDS
from chalicelib.core.observability import logger, metrics
from chalicelib.core.store import appeals as appeal_store
from chalicelib.core.store import reference
from chalicelib.exports.domain.exports import (
    COLUMNS,
    CONTENT_TYPES,
    EXPORT_REQUEST,
    KEEP_DAYS,
    LINK_SECONDS,
    SHEET_TITLES,
    Column,
    ExportRequest,
    bulletin_rows,
    download_name,
    matches,
    object_key,
    parse_request,
    period_bounds,
    ranking_rows,
    work_order_row,
)
from chalicelib.exports.integrations import exports as outlet
from chalicelib.exports.store import exports as records

_ID_LENGTH = 26  # 20261126T090000-<10 hex>


def _new_id() -> str:
    return f"{clock.now():%Y%m%dT%H%M%S}-{secrets.token_hex(5)}"


def _is_id(text: str) -> bool:
    head, _, tail = text.partition("-")
    return (
        len(text) == _ID_LENGTH
        and len(head) == 15
        and head[:8].isdigit()
        and head[8] == "T"
        and head[9:].isdigit()
        and len(tail) == 10
        and all(c in "0123456789abcdef" for c in tail)
    )


def _check_filters(request: ExportRequest) -> None:
    errors = []
    department_id = request.filters.get("department_id")
    if department_id is not None and reference.get_department(department_id) is None:
        errors.append({"field": "filters.department_id", "message": "is not a department"})
    category = request.filters.get("category")
    if category is not None and reference.get_category(category) is None:
        errors.append({"field": "filters.category", "message": "is not a category"})
    if errors:
        raise ValidationFailed(errors)


def request_export(principal: Principal, body: Any, key: str | None) -> tuple[dict[str, Any], bool]:
    """Record and queue an export; the record as its requester sees it, and whether this
    is a replay (the same ``Idempotency-Key`` again: the first export, no second one)."""
    from chalicelib.core.services.idempotency import run_once

    request = parse_request(validate(EXPORT_REQUEST, body))
    _check_filters(request)

    def make() -> dict[str, Any]:
        export_id = _new_id()
        now = clock.iso(clock.now())
        records.create(
            export_id,
            {
                "export_id": export_id,
                "kind": request.kind,
                "period": request.period,
                "file_format": request.format,
                "filters": dict(request.filters),
                "state": "queued",
                "requested_by": principal.username or principal.id,
                "requester_id": principal.id,
                "requester_role": principal.role.value,
                "requested_at": now,
            },
        )
        try:
            outlet.enqueue({"export_id": export_id})
        except Exception:
            records.fail(export_id, clock.iso(clock.now()), "the export could not be queued")
            raise
        logger.info(
            "export requested",
            extra={"export_id": export_id, "kind": request.kind, "period": request.period},
        )
        metrics.add_metric(name="ExportRequested", unit="Count", value=1)
        return {"export_id": export_id}

    ref, replayed = run_once("POST /exports", principal.id, key, body, make)
    return show(principal, str(ref["export_id"])), replayed


def show(principal: Principal, export_id: str) -> dict[str, Any]:
    """The record (with a fresh link once the file is there), for the person who asked for
    it, or an admin; anyone else learns nothing of it (404)."""
    record = records.get(export_id) if _is_id(export_id) else None
    if record is None or not (
        principal.role is Role.ADMIN or record.get("requester_id") == principal.id
    ):
        raise NotFound(f"no export {export_id}")
    now = clock.now()
    view: dict[str, Any] = {
        "id": export_id,
        "kind": record["kind"],
        "period": record["period"],
        "format": record["file_format"],
        "filters": record.get("filters") or {},
        "state": record["state"],
        "reason": record.get("reason"),
        "rows": record.get("rows"),
        "bytes": record.get("bytes"),
        "requested_by": {
            "username": record.get("requested_by"),
            "role": record.get("requester_role"),
        },
        "requested_at": record["requested_at"],
        "started_at": record.get("started_at"),
        "finished_at": record.get("finished_at"),
        "file_expires_at": record.get("file_expires_at"),
    }
    if record["state"] == "done":
        expires = record.get("file_expires_at")
        if isinstance(expires, str) and clock.parse_iso(expires) > now:
            view["url"] = outlet.link(str(record["file_key"]), LINK_SECONDS)
            view["url_expires_at"] = clock.iso(now + timedelta(seconds=LINK_SECONDS))
        else:
            view["state"] = "expired"
    return view


# -- the consumer -------------------------------------------------------------------------


def _work_order_rows(period: str, filters: dict[str, str]) -> Iterator[list[Any]]:
    departments = {d.id: d.name for d in reference.list_departments()}
    categories = {c.code: c.name for c in reference.list_categories()}
    since, until = period_bounds(period)
    pages = appeal_store.submitted_pages(
        since, until, settings().export_page_size, keep=lambda a: matches(a, filters)
    )
    for page in pages:
        for appeal in page:
            yield work_order_row(appeal, departments, categories)


def rows_of(kind: str, period: str, filters: dict[str, str]) -> Iterator[list[Any]]:
    """The rows of an export, in its columns' order, as they are read."""
    if kind == "work-orders":
        return _work_order_rows(period, filters)
    department_id = filters.get("department_id")
    if kind == "bulletin":
        from chalicelib.figures.services.department_figures import department_figures

        figures = department_figures(period, department_id)
        return iter(list(bulletin_rows(figures, int(figures["min_cases"]))))
    from chalicelib.figures.services.rankings import public_rankings

    return iter(list(ranking_rows(public_rankings(period, None)["boards"], department_id)))


def write_file(
    path: str, kind: str, file_format: str, rows: Iterator[list[Any]], title: str
) -> int:
    """Every row into the file at ``path``; the number of rows written."""
    from chalicelib.exports.services.writers import WRITERS

    columns: tuple[Column, ...] = COLUMNS[kind]
    writer = WRITERS[file_format](path, title, columns)
    try:
        for row in rows:
            writer.write(row)
    finally:
        writer.close()
    return int(writer.rows)


def build(message: dict[str, Any], receive_count: int) -> str:
    """The export a queue message names, built once: ``done``, ``failed``, ``skipped``
    (someone else built or is building it) or ``missing`` (no such record)."""
    export_id = str(message.get("export_id", ""))
    record = records.get(export_id) if _is_id(export_id) else None
    if record is None:
        logger.warning("no export record for the message", extra={"export_id": export_id})
        return "missing"
    now = clock.now()
    if receive_count > EXPORT_ATTEMPTS:
        records.fail(export_id, clock.iso(now), f"not finished in {EXPORT_ATTEMPTS} attempts")
        return "failed"
    stale = now - timedelta(seconds=EXPORT_FUNCTION_TIMEOUT_SECONDS)
    if not records.start(export_id, clock.iso(now), clock.iso(stale)):
        return "skipped"
    kind, file_format = str(record["kind"]), str(record["file_format"])
    period = str(record["period"])
    filters = {str(k): str(v) for k, v in (record.get("filters") or {}).items()}
    key = object_key(export_id, file_format)
    handle, path = tempfile.mkstemp(prefix="export-", suffix=f".{file_format}")
    os.close(handle)
    try:
        count = write_file(
            path, kind, file_format, rows_of(kind, period, filters), SHEET_TITLES[kind]
        )
        size = os.path.getsize(path)
        with open(path, "rb") as body:
            outlet.store_file(
                key, body, CONTENT_TYPES[file_format], download_name(kind, period, file_format)
            )
    except Exception as exc:
        logger.exception("export not built", extra={"export_id": export_id})
        records.fail(
            export_id, clock.iso(clock.now()), f"the file could not be built ({type(exc).__name__})"
        )
        metrics.add_metric(name="ExportFailed", unit="Count", value=1)
        return "failed"
    finally:
        os.unlink(path)
    done = clock.now()
    records.finish(
        export_id,
        clock.iso(done),
        rows=count,
        size=size,
        file_key=key,
        expires_at=clock.iso(done + timedelta(days=KEEP_DAYS)),
    )
    logger.info("export built", extra={"export_id": export_id, "rows": count, "bytes": size})
    metrics.add_metric(name="ExportRows", unit="Count", value=count)
    return "done"
