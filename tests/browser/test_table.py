"""The table view is a Dash AG Grid: sorted by value as numbers, numbers right-aligned in the language's format,
paged by keyboard, loaded only when the table is asked for — and all of it under the app's Content-Security-Policy
(no 'unsafe-eval'), with no violation reported."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from layouts import ids
from tests.browser.helpers import open_view

expect.set_options(timeout=15_000)

# every Content-Security-Policy violation of the page, as the browser reports it
WATCH_CSP = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber));"""
GRID = f"#{ids.TABLE}"
VALUES = f"{GRID} .ag-center-cols-container .ag-cell[col-id='value']"


def german(text: str) -> float:
    return float(text.replace(".", "").replace(",", ".").replace("−", "-"))


def shown_values(page: Page) -> list[str]:
    """The value column's texts in the order the rows are shown."""
    return list(page.eval_on_selector_all(
        f"{GRID} .ag-center-cols-container .ag-row",
        "rows => rows.sort((a, b) => a.getAttribute('row-index') - b.getAttribute('row-index'))"
        ".map(r => r.querySelector(\"[col-id='value']\").textContent)"))


def test_the_table_is_a_grid_sorted_as_numbers_in_german_format(page: Page, console_errors: list[str]) -> None:
    page.add_init_script(WATCH_CSP)
    page.goto("/?view=table")
    header = page.get_by_role("columnheader", name="Wert (%)")
    expect(header).to_have_attribute("aria-sort", "descending")  # highest first
    first = page.locator(f"{GRID} .ag-row[row-index='0']")
    expect(first).to_contain_text("Gewerbegebiet Köllnische Heide")
    expect(first).to_contain_text("77,19")
    values = shown_values(page)
    assert len(values) == 25 and values == sorted(values, key=german, reverse=True)
    cell = page.locator(VALUES).first
    box, text = cell.bounding_box(), cell.locator(".ag-cell-value").bounding_box()
    assert box and text and box["x"] + box["width"] - (text["x"] + text["width"]) < 24  # right-aligned

    header.focus()
    page.keyboard.press("Enter")  # sorts by keyboard: lowest first
    expect(header).to_have_attribute("aria-sort", "ascending")
    values = [v for v in shown_values(page) if v]  # rows without a value (their status says why) sort lowest
    assert values[0] == "0,64" and values == sorted(values, key=german)

    page.get_by_role("button", name="Nächste Seite").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"{GRID} .ag-paging-row-summary-panel")).to_have_text("26 bis 50 von 448")
    assert page.evaluate("window.__csp") == []
    assert console_errors == []


def test_the_english_table_uses_english_numbers(page: Page, console_errors: list[str]) -> None:
    page.add_init_script(WATCH_CSP)
    page.goto("/?view=table&lang=en")
    expect(page.locator(f"{GRID} .ag-row[row-index='0']")).to_contain_text("77.19")
    expect(page.get_by_role("columnheader", name="Value (%)")).to_be_visible()
    expect(page.locator(f"{GRID} .ag-paging-description")).to_have_text("Page 1 of 18")
    assert page.evaluate("window.__csp") == []
    assert console_errors == []


def test_the_grid_loads_when_the_table_is_asked_for(page: Page, console_errors: list[str]) -> None:
    page.add_init_script(WATCH_CSP)
    grid_code: list[str] = []
    page.on("request", lambda r: grid_code.append(r.url) if "async-community" in r.url else None)
    open_view(page)
    assert grid_code == []  # not while the map loads
    page.get_by_role("radio", name="Tabelle").check()
    expect(page.locator(f"{GRID} .ag-row[row-index='0']")).to_contain_text("77,19")
    assert len(grid_code) == 1
    assert page.evaluate("window.__csp") == []
    assert console_errors == []
