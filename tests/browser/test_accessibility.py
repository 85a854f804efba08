"""axe-core finds no serious or critical WCAG 2.1 A/AA violation in any state of the page: start, English, table
view, change mode, phone width, the Analyse section with each analysis (in the table view, where the view's radios
have been switched by hand), and logged in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from layouts import analytics_ids as aids
from layouts import ids
from tests.browser.helpers import open_view
from tests.browser.test_login import PASSWORD, add_user

expect.set_options(timeout=20_000)
Axe = Callable[[Page], list[dict[str, Any]]]


@pytest.mark.parametrize("query", ["", "lang=en", "view=table", "mode=change", "method=manual&breaks=10_20_40"])
def test_no_serious_violation_in_a_state_of_the_page(page: Page, axe: Axe, console_errors: list[str],
                                                     query: str) -> None:
    if "table" in query:
        page.goto(f"/?{query}")
        page.wait_for_selector(f"#{ids.TABLE} .ag-row")
    else:
        open_view(page, query)
    assert axe(page) == []
    assert console_errors == []


def test_no_serious_violation_at_phone_width(browser: Browser, app_server: str, axe: Axe,
                                             screenshot: Callable[[Page, str], Path]) -> None:
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="de-DE", base_url=app_server)
    try:
        open_view(phone)
        assert axe(phone) == []
        phone.locator(f"#{ids.CONTROLS} > summary").click()  # the controls, opened
        expect(phone.locator(f"#{ids.CONTROLS}")).to_have_attribute("open", "")
        assert axe(phone) == []
        screenshot(phone, "a11y-phone-controls")
    finally:
        phone.close()


def choose(page: Page, dropdown_id: str, option: str) -> None:
    page.click(f"#{dropdown_id}")
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")  # a multiple choice stays open


def test_no_serious_violation_with_each_analysis_in_the_table_view(page: Page, axe: Axe,
                                                                     console_errors: list[str]) -> None:
    open_view(page)
    page.get_by_role("radio", name="Tabelle").check()  # Dash marks the options anew on a change
    page.wait_for_selector(f"#{ids.TABLE} .ag-row")
    page.locator(f"#{aids.SECTION} > summary").click()
    expect(page.locator(f"#{aids.HOT_SPOTS_PERIOD}")).to_contain_text("31.12.2018")  # filled when opened
    assert axe(page) == []
    steps = [
        (aids.MSS_RUN, aids.MSS_RESULT, lambda: None),
        (aids.COMPOSITE_RUN, aids.COMPOSITE_RESULT, lambda: (choose(page, aids.COMPOSITE_COMPONENTS, "S4 Kinderarmut"),
                                                             choose(page, aids.COMPOSITE_COMPONENTS,
                                                                    "S3 Transferbezug"))),
        (aids.TYPOLOGY_RUN, aids.TYPOLOGY_RESULT, lambda: (choose(page, aids.TYPOLOGY_INDICATORS, "S4 Kinderarmut"),
                                                           choose(page, aids.TYPOLOGY_INDICATORS,
                                                                  "S3 Transferbezug"))),
        (aids.HOT_SPOTS_RUN, aids.HOT_SPOTS_RESULT, lambda: None),
        (aids.SCATTER_RUN, aids.SCATTER_STATS, lambda: (choose(page, aids.SCATTER_X, "S4 Kinderarmut"),
                                                        choose(page, aids.SCATTER_Y, "S3 Transferbezug"))),
    ]
    for run, result, prepare in steps:  # each result stays in its tool: one check sees them all
        prepare()
        page.locator(f"#{run}").click()
        expect(page.locator(f"#{result}")).not_to_be_empty()
        if run == aids.MSS_RUN:  # a map mode: categories in legend and tooltips
            assert axe(page) == []
    assert axe(page) == []
    assert console_errors == []


def test_no_serious_violation_when_logged_in(page: Page, demo_db_url: str, axe: Axe,
                                             console_errors: list[str]) -> None:
    name = add_user(demo_db_url, "planner")  # a planner also sees the form that saves an analysis
    page.goto("/login")
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text(f"Angemeldet als {name}")).to_be_visible()
    page.wait_for_selector("button#selected-areas[tabindex='0']")
    page.locator(f"#{aids.SECTION} > summary").click()
    expect(page.locator(f"#{aids.SAVE_BUTTON}")).to_be_visible()
    assert axe(page) == []
    assert console_errors == []
