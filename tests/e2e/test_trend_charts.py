"""Trend charts in Debian's Chromium against a running local stack with five simulated weeks
of traffic: the dashboard's, the leaders' figures view's and a department's own (its view)
bars are the months GET /public/trends answers, with a line per rate and the categories'
bars; each fits 390 px; screenshots in test-artifacts/."""

from __future__ import annotations

import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import (
    ROOT,
    RunningStack,
    settle,
    start_stack,
    stop_stack,
    wait_ms,
    wait_seconds,
)
from tests.e2e.test_console import Browser

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("trends-stack")]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DEPARTMENT = "transport-bureau"


@pytest.fixture(scope="module")
def months_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = start_stack(
        tmp_path_factory.mktemp("trends") / ".local",
        scale=0.005,
        extra=("--simulate-days", "35", "--simulate-per-day", "2"),  # two months at least
    )
    try:
        yield stack
    finally:
        try:
            stop_stack(stack)
        except subprocess.TimeoutExpired:
            warnings.warn("the trends' stack was slow to stop", stacklevel=1)


def _trend(stack: RunningStack, query: str = "") -> Any:
    response = requests.get(f"{stack.api}/public/trends{query}", timeout=wait_seconds(10))
    assert response.status_code == 200, response.text
    return response.json()


def _counted(stack: RunningStack) -> Any:
    """The trend once the pump has counted the simulated weeks: two months with appeals,
    the same on three reads in a row (nothing left to count)."""
    deadline = time.monotonic() + wait_seconds(180)
    seen: list[Any] = []
    while time.monotonic() < deadline:
        trend = _trend(stack)
        seen = [*seen[-2:], trend]
        *_, before, _now = trend["months"]
        if before["submitted"] and trend["categories"] and seen.count(trend) == 3:
            return trend
        time.sleep(3)
    pytest.fail("the trend never settled on two months of the simulation")


def _bars(page: Any, selector: str) -> list[list[Any]]:
    return list(
        page.evaluate(
            f"""() => [...document.querySelectorAll('{selector} rect.bar')]
                .map(r => [r.dataset.month, Number(r.dataset.value)])"""
        )
    )


def _fits(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
    used = page.evaluate("document.documentElement.scrollWidth")
    assert used <= PHONE["width"], f"{name} is {used} px wide"


# Its stack's five weeks take most of it: scheduled with the long ones, not at random among
# the short tests, where it could keep one worker busy after the other has finished.
@pytest.mark.long(35)
def test_the_trend_charts_draw_what_the_api_answers(months_stack: RunningStack) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs chromium and fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    trend = _counted(months_stack)
    wanted = [[m["month"], m["submitted"]] for m in trend["months"]]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        b = Browser(playwright, months_stack)
        try:
            # The public dashboard: 12 bars, the rates' lines, the categories
            page = b.page()
            page.set_viewport_size(PHONE)
            page.goto(months_stack.api + "/")
            page.wait_for_selector("body[data-ready='true']", timeout=wait_ms(30_000))
            assert _bars(page, "#trend") == wanted
            assert page.locator("#trend polyline[data-rate='on_time_completion_rate']").count()
            shown = page.locator("#categories g").count()
            assert shown == min(8, len(trend["categories"])) > 0
            first = page.locator("#categories g").first
            assert first.get_attribute("data-category") == trend["categories"][0]["code"]
            page.locator("#trend").scroll_into_view_if_needed()
            _fits(page, "dashboard-trend")
            page.locator("#trend").screenshot(path=str(ARTIFACTS / "dashboard-trend-chart.png"))
            page.close()

            # The leaders' figures view: the platform's trend and the categories
            page = b.page()
            b.sign_in(page, "leader1")
            page.click("nav.tabs a[href='#/figures']")
            page.wait_for_selector("#trend figure.trend")
            assert _bars(page, "#trend") == wanted
            assert page.locator("#trend polyline.line").count() >= 1
            assert page.locator("#trend svg.categories g").count() == shown
            page.set_viewport_size(PHONE)
            settle(page)
            page.locator("#trend").scroll_into_view_if_needed()
            _fits(page, "console-leader-trend")
            page.locator("#trend").screenshot(path=str(ARTIFACTS / "console-leader-trend.png"))
            # and, below, the month's rankings exported as CSV: built in the background,
            # then a link to the file (UTF-8 with a BOM, so Excel reads the Chinese)
            page.select_option("#export-kind", "rankings")
            page.select_option("#export-format", "csv")
            page.click("#exports button[type=submit]")
            page.wait_for_selector("#export-state[data-state='done']", timeout=wait_ms(90_000))
            link = page.locator("#export-link").get_attribute("href")
            assert link
            got = requests.get(link, timeout=wait_seconds(10))
            assert got.status_code == 200 and got.content.startswith(b"\xef\xbb\xbf")
            assert "办件量" in got.content.decode("utf-8-sig")
            page.locator("#exports").scroll_into_view_if_needed()
            _fits(page, "console-leader-export")
            page.close()

            # A department's own view: its dispatches per month, no categories
            own = _trend(months_stack, f"?department_id={DEPARTMENT}")
            page = b.page()
            b.sign_in(page, f"staff-{DEPARTMENT}")
            page.click("nav.tabs a[href='#/figures']")
            page.wait_for_selector("#trend figure.trend")
            assert _bars(page, "#trend") == [[m["month"], m["dispatched"]] for m in own["months"]]
            assert sum(m["dispatched"] for m in own["months"]) > 0
            assert page.locator("#trend svg.categories").count() == 0
            page.set_viewport_size(PHONE)
            settle(page)
            page.locator("#trend").scroll_into_view_if_needed()
            _fits(page, "console-department-trend")
            page.locator("#trend").screenshot(path=str(ARTIFACTS / "console-department-trend.png"))
            page.close()
        finally:
            b.browser.close()
    assert b.dialogs == [] and b.errors == [] and b.foreign == []
