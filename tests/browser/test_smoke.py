"""The dashboard loads in a real browser: right title, a heading, a clean console, nothing from outside."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect


def test_the_dashboard_loads_offline_with_a_clean_console(
    page: Page,
    console_errors: list[str],
    external_requests: list[str],
    screenshot: Callable[[Page, str], Path],
) -> None:
    page.goto("/")
    expect(page).to_have_title("Sozialmonitor")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "smoke-dashboard")
    assert console_errors == []
    assert external_requests == []
