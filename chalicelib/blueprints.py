"""Every capability's blueprints, in the order the app registers them: the routes' and the
event handlers' modules, named and not imported. ``app.py`` registers them from the
manifest written beside this module (``blueprints.json``: what each one registers), so the
API function imports a route's module on that route's first request only; see
``chalicelib/core/http/lazy.py``. After adding, removing or changing a route or an event
handler: ``python -m chalicelib.core.http.lazy --write`` (a unit test fails until then)."""

from __future__ import annotations

# "module:attribute" of each Blueprint.
BLUEPRINTS: tuple[str, ...] = (
    "chalicelib.core.http.meta:bp",
    "chalicelib.intake.http.citizen:bp",
    "chalicelib.work_orders.http.operator:bp",
    "chalicelib.work_orders.http.department:bp",
    "chalicelib.work_orders.http.leaders:bp",
    "chalicelib.administration.http.admin:bp",
    "chalicelib.administration.http.users:bp",
    "chalicelib.figures.http.public:bp",
    "chalicelib.figures.http.feed:bp",
    "chalicelib.console.http.console:bp",
    "chalicelib.portal.http.portal:bp",
    "chalicelib.notifications.http.webhooks:bp",
    "chalicelib.notifications.http.in_app:bp",
    "chalicelib.notifications.events.delivery:bp",
    "chalicelib.core.events.appeal_stream:bp",
    "chalicelib.work_orders.events.routing:bp",
    "chalicelib.figures.events.statistics:bp",
    "chalicelib.notifications.events.fan_out:bp",
    "chalicelib.figures.events.supports:bp",
    "chalicelib.work_orders.events.sla:bp",
    "chalicelib.work_orders.events.closing:bp",
    "chalicelib.figures.events.rankings:bp",
    "chalicelib.figures.http.reports:bp",
    "chalicelib.figures.events.reports:bp",
    "chalicelib.figures.http.alerts:bp",
    "chalicelib.channels.open311.http.open311:bp",
    "chalicelib.channels.hotline.http.hotline:bp",
    "chalicelib.channels.hotline.http.rating_links:bp",
    "chalicelib.channels.wechat.http.wechat:bp",
    "chalicelib.channels.mailbox.http.mailbox:bp",
    "chalicelib.channels.mailbox.events.mailbox:bp",
    "chalicelib.knowledge.http.knowledge:bp",
    "chalicelib.exports.http.exports:bp",
    "chalicelib.exports.events.exports:bp",
)
