"""Minsheng's Chalice app: registers the blueprints and middleware, decides nothing."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice

from chalicelib.administration.http import admin, users
from chalicelib.channels.hotline.http import hotline, rating_links
from chalicelib.channels.mailbox.events import mailbox as mailbox_queue
from chalicelib.channels.mailbox.http import mailbox as mailbox_api
from chalicelib.channels.open311.http import open311 as open311_api
from chalicelib.channels.wechat.http import wechat
from chalicelib.console.http import console
from chalicelib.core.events import appeal_stream
from chalicelib.core.http import cors, meta
from chalicelib.core.http.base import as_problem, feature_gate, secure_headers
from chalicelib.core.observability import flush_metrics
from chalicelib.exports.events import exports as export_queue
from chalicelib.exports.http import exports
from chalicelib.figures.events import rankings
from chalicelib.figures.events import reports as report_schedules
from chalicelib.figures.events import statistics as appeal_statistics
from chalicelib.figures.events import supports as support_stream
from chalicelib.figures.http import alerts, feed, public, reports
from chalicelib.intake.http import citizen
from chalicelib.knowledge.http import knowledge
from chalicelib.notifications.events import delivery as notification_queue
from chalicelib.notifications.events import fan_out as appeal_notifications
from chalicelib.notifications.http import in_app, webhooks
from chalicelib.portal.http import portal
from chalicelib.work_orders.events import closing, sla
from chalicelib.work_orders.events import routing as appeal_routing
from chalicelib.work_orders.http import department, operator
from chalicelib.work_orders.http import leaders as leader

app = Chalice(app_name="minsheng")

for blueprint in (
    meta.bp,
    citizen.bp,
    operator.bp,
    department.bp,
    leader.bp,
    admin.bp,
    users.bp,
    public.bp,
    feed.bp,
    console.bp,
    portal.bp,
    webhooks.bp,
    in_app.bp,
    notification_queue.bp,
    appeal_stream.bp,
    appeal_routing.bp,
    appeal_statistics.bp,
    appeal_notifications.bp,
    support_stream.bp,
    sla.bp,
    closing.bp,
    rankings.bp,
    reports.bp,
    report_schedules.bp,
    alerts.bp,
    open311_api.bp,
    hotline.bp,
    rating_links.bp,
    wechat.bp,
    mailbox_api.bp,
    mailbox_queue.bp,
    knowledge.bp,
    exports.bp,
    export_queue.bp,
):
    app.register_blueprint(blueprint)
# Last: the preflight (OPTIONS) of every path the blueprints above registered.
app.register_blueprint(cors.preflight_blueprint())


@app.middleware("http")
def http_envelope(event: Any, get_response: Any) -> Any:
    try:
        return cors.answer(
            event, secure_headers(as_problem(feature_gate(event) or get_response(event)))
        )
    finally:
        flush_metrics()
