"""Reports rendered with Jinja2 from ``chalicelib/templates/email/``: an HTML part for phone
mail clients (inline styles, tables, no script, no remote image) and a plain-text part.
HTML templates escape every value; Jinja2 is imported only by the functions that render."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from chalicelib.core.domain.records import frozen

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"


@frozen
class Rendered:
    subject: str
    html: str
    text: str


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    env = _environment()
    html = env.get_template(f"{name}.html").render(**context)
    text = env.get_template(f"{name}.txt").render(**context)
    return html, text


def daily(figures: dict[str, Any]) -> Rendered:
    html, text = _render("daily", figures)
    subject = f"【民生诉求日报】{figures['day_label']}（含{figures['month_label']}累计）"
    return Rendered(subject, html, text)


def weekly(figures: dict[str, Any]) -> Rendered:
    html, text = _render("weekly", figures)
    subject = (
        f"【部门周报】{figures['department_name']} {figures['week']}（{figures['week_label']}）"
    )
    return Rendered(subject, html, text)


def monthly(figures: dict[str, Any]) -> Rendered:
    html, text = _render("monthly", figures)
    return Rendered(f"【民生诉求月度通报】{figures['month_label']}", html, text)
