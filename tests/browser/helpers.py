"""Steps the keyboard, table and accessibility tests share: open a view and wait for its colours, move the focus
with the Tab key, read what has the focus."""

from __future__ import annotations

from playwright.sync_api import Page

STYLED = "sozialmonitor:styled"  # performance mark of assets/map.js: every area has its colour


def styled_count(page: Page) -> int:
    return int(page.evaluate(f"() => performance.getEntriesByName('{STYLED}').length"))


def wait_restyled(page: Page, before: int, timeout: int = 30000) -> None:
    page.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > {before}", timeout=timeout)


def open_view(page: Page, query: str = "", timeout: int = 30000) -> None:
    """Open the dashboard for ``query`` and wait until the map has its colours and the controls are drawn
    (Dash loads dropdowns and sliders after the page)."""
    page.goto("/" + (f"?{query}" if query else ""))
    page.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > 0", timeout=timeout)
    page.wait_for_selector("button#selected-areas[tabindex='0']", state="attached", timeout=timeout)


def focused(page: Page) -> str:
    """What has the focus: ``#id``, else its tag and class (``INPUT.dash-options-list-option-checkbox``)."""
    return str(page.evaluate(
        "() => { const e = document.activeElement; if (!e) { return ''; } if (e.id) { return '#' + e.id; }"
        " const c = typeof e.className === 'string' ? e.className : (e.className.baseVal || '');"
        " return e.tagName + (c ? '.' + c.trim().split(/\\s+/).join('.') : ''); }"))


def focused_text(page: Page) -> str:
    """The label of the focused element: an option's text, a button's name."""
    return str(page.evaluate(
        "() => { const e = document.activeElement; const l = e.closest('label');"
        " return ((l || e).getAttribute('aria-label') || (l || e).textContent || '').trim(); }"))


def tab_until(page: Page, selector: str, limit: int = 40) -> int:
    """Press Tab until ``selector`` has the focus; returns the number of presses (fails after ``limit``)."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab (last: {focused(page)})")


def arrow_to_option(page: Page, label: str, limit: int = 30) -> None:
    """In an opened dropdown, press Arrow Down until the option ``label`` has the focus, then Enter."""
    for _ in range(limit):
        if focused_text(page) == label:
            page.keyboard.press("Enter")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {label!r} not reached (last: {focused_text(page)!r})")
