"""The daily report as a phone shows it: Debian's Chromium driven by Playwright at 390 px,
a screenshot kept in test-artifacts/, and a title made of markup shown as text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.domain import clock
from tests.integration import report_helpers as rh
from tests.integration.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}


@pytest.mark.long(30)
def test_daily_report_reads_on_a_phone_and_shows_markup_as_text(client: Any, stack: Stack) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs chromium and fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    # Given a simulated week with a work order titled <script>alert(1)</script> overdue
    rh.simulated_week(client, per_day=6)
    # When a leader reads Sunday's daily report over the API
    clock.set_clock(lambda: rh.SEND_AT)
    try:
        response = client.http.get(
            f"/reports/daily?date={rh.DAY}", headers=stack.headers(stack.token("leader"))
        )
        weekly = client.http.get(
            f"/reports/weekly?week={rh.WEEK}&department_id=transport-bureau",
            headers=stack.headers(stack.token("leader")),
        )
    finally:
        clock.set_clock(None)
    assert response.status_code == 200, response.body
    assert weekly.status_code == 200, weekly.body
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    ARTIFACTS.mkdir(exist_ok=True)
    page_file = ARTIFACTS / "daily-report.html"
    page_file.write_bytes(response.body)
    weekly_file = ARTIFACTS / "weekly-report.html"
    weekly_file.write_bytes(weekly.body)

    # Then the page opened at phone width shows the title as text, runs nothing, fits
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport=PHONE, device_scale_factor=2)
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            shown = page.inner_text("body")
            scripts = page.locator("script").count()
            width = page.evaluate("document.documentElement.scrollWidth")
            overdue = page.get_by_text(rh.SCRIPT_TITLE, exact=True)
            visible = overdue.count() == 1 and overdue.is_visible()
            page.screenshot(path=str(ARTIFACTS / "daily-report-390.png"), full_page=True)
            page.goto(weekly_file.as_uri())
            weekly_width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(ARTIFACTS / "weekly-report-390.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == []
    assert scripts == 0
    assert visible, "the markup title is not shown as text in the overdue list"
    assert "超期与提级督办工单" in shown and "关于般阳路学校门口增设信号灯的建议" in shown
    assert width <= PHONE["width"], f"the page is {width} px wide: it scrolls sideways"
    assert weekly_width <= PHONE["width"], f"the weekly is {weekly_width} px wide"
    assert (ARTIFACTS / "daily-report-390.png").stat().st_size > 20_000
