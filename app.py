"""Minsheng's Chalice app: registers the blueprints and middleware, decides nothing."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice

from chalicelib.handlers.http import (
    admin,
    citizen,
    console,
    department,
    feed,
    hotline,
    knowledge,
    leader,
    meta,
    operator,
    public,
    rating_links,
    reports,
    webhooks,
    wechat,
)
from chalicelib.handlers.http import mailbox as mailbox_api
from chalicelib.handlers.http import open311 as open311_api
from chalicelib.handlers.http.base import as_problem, secure_headers
from chalicelib.handlers.queues import mailbox as mailbox_queue
from chalicelib.handlers.queues import notifications as notification_queue
from chalicelib.handlers.schedules import closing, rankings, sla
from chalicelib.handlers.schedules import reports as report_schedules
from chalicelib.handlers.streams import appeals as appeal_stream
from chalicelib.handlers.streams import supports as support_stream
from chalicelib.observability import flush_metrics

app = Chalice(app_name="minsheng")

for blueprint in (
    meta.bp,
    citizen.bp,
    operator.bp,
    department.bp,
    leader.bp,
    admin.bp,
    public.bp,
    feed.bp,
    console.bp,
    webhooks.bp,
    notification_queue.bp,
    appeal_stream.bp,
    support_stream.bp,
    sla.bp,
    closing.bp,
    rankings.bp,
    reports.bp,
    report_schedules.bp,
    open311_api.bp,
    hotline.bp,
    rating_links.bp,
    wechat.bp,
    mailbox_api.bp,
    mailbox_queue.bp,
    knowledge.bp,
):
    app.register_blueprint(blueprint)


@app.middleware("http")
def http_envelope(event: Any, get_response: Any) -> Any:
    try:
        return secure_headers(as_problem(get_response(event)))
    finally:
        flush_metrics()
