"""The dashboard without a mouse: every control in the tab order with a visible focus, the map as one tab stop whose
arrow keys step through the areas and say what they are on, and a whole task done by keyboard alone."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from layouts import ids
from tests.browser.helpers import (
    arrow_to_option,
    focused,
    open_view,
    styled_count,
    tab_until,
    wait_restyled,
)

expect.set_options(timeout=15_000)

# each tab stop by the id it carries or lies in (and its tag when it has no id of its own)
STOP = """() => { const e = document.activeElement; const holder = e.id ? e : e.parentElement.closest('[id]');
  return (holder ? holder.id : '') + (e.id ? '' : ' ' + e.tagName.toLowerCase()); }"""
# a focus ring people can see: an outline of at least 2 px, or a box shadow (AG Grid's headers)
RING = """() => { const s = getComputedStyle(document.activeElement);
  return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'; }"""
TAB_ORDER = [
    "_pages_content a",  # skip link
    ids.LANG_LINK, ids.COPY_LINK,
    "_pages_content a",  # log in
    f"{ids.CONTROLS} summary", ids.FRAME, ids.LEVEL, ids.INDICATOR, f"{ids.PERIOD} span", f"{ids.MODE} input",
    ids.METHOD, f"{ids.K} span", f"{ids.FIXED} input", ids.PALETTE, f"{ids.OUTLINE} input", f"{ids.VIEW} input",
    f"{ids.PANELS} input", f"{ids.PANELS} input", f"{ids.PANELS} input", ids.SELECTED,
    ids.MAP, f"{ids.MAP} a", f"{ids.MAP} a", f"{ids.MAP} a",  # the map (one stop), its zoom buttons, attribution
    ids.DOWNLOAD_CSV, ids.DOWNLOAD_XLSX,
]


def announced(page: Page) -> str:
    return page.locator(f"#{ids.MAP_ANNOUNCE}").inner_text()


def test_every_control_is_one_tab_stop_in_reading_order_with_a_visible_focus(page: Page,
                                                                            console_errors: list[str]) -> None:
    open_view(page)
    stops, rings = [], []
    while len(stops) < 40 and (not stops or stops[-1] != ids.DOWNLOAD_XLSX):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(STOP))
        rings.append(page.evaluate(RING))
    assert stops == TAB_ORDER  # the 448 areas are not tab stops: the downloads follow the map at once
    assert all(rings), [s for s, ring in zip(stops, rings, strict=True) if not ring]
    assert page.locator(f"#{ids.MAP} path.leaflet-interactive[tabindex]").count() == 0
    assert console_errors == []


def test_the_map_steps_through_the_areas_and_says_where_it_is(page: Page, console_errors: list[str],
                                                               screenshot: Callable[[Page, str], Path]) -> None:
    open_view(page, "level=bezirk&ind=pop_total&period=2020-12-31")
    page.focus(f"#{ids.MAP}")
    expect(page.locator(f"#{ids.MAP}")).to_have_attribute("role", "application")
    expect(page.locator(f"#{ids.MAP}")).to_have_attribute("aria-describedby", ids.MAP_KEYS_HELP)
    page.keyboard.press("Home")  # the first area by name
    expect(page.locator(f"#{ids.MAP_ANNOUNCE}")).to_have_text("Charlottenburg-Wilmersdorf: 341.392 Personen · Rang 4"
                                                               " von 12")
    expect(page.locator(".leaflet-tooltip")).to_contain_text("Charlottenburg-Wilmersdorf")
    page.keyboard.press("PageDown")  # the next by name
    expect(page.locator(f"#{ids.MAP_ANNOUNCE}")).to_contain_text("Friedrichshain-Kreuzberg: ")
    page.keyboard.press("ArrowLeft")  # Mitte lies west of Friedrichshain-Kreuzberg
    expect(page.locator(f"#{ids.MAP_ANNOUNCE}")).to_contain_text("Mitte: ")
    outline = page.eval_on_selector_all(f"#{ids.MAP} path.leaflet-interactive",
                                        "els => els.filter(e => e.getAttribute('stroke') === '#b35c00').length")
    assert outline == 1  # the area the keyboard is on has the focus colour
    page.keyboard.press("Enter")
    expect(page.locator(f"#{ids.MAP_ANNOUNCE}")).to_have_text("Mitte: ausgewählt")
    page.wait_for_function("() => new URL(location.href).searchParams.get('sel') === '01'")
    expect(page.locator(f"#{ids.SELECTED}")).to_contain_text("Mitte (01)")
    screenshot(page, "keyboard-map-focused")
    page.keyboard.press("Enter")
    expect(page.locator(f"#{ids.MAP_ANNOUNCE}")).to_have_text("Mitte: nicht mehr ausgewählt")
    page.keyboard.press("End")
    page.keyboard.press("PageDown")
    expect(page.locator(f"#{ids.MAP_ANNOUNCE}")).to_have_text("Kein weiteres Gebiet in dieser Richtung")
    page.keyboard.press("Shift+ArrowRight")  # Leaflet's own keys still move the map
    assert focused(page) == f"#{ids.MAP}"
    assert console_errors == []


def test_a_keyboard_user_picks_a_view_selects_two_areas_and_downloads_the_table(page: Page,
                                                                               console_errors: list[str]) -> None:
    open_view(page, "frame=deutschland&level=kreis")
    tab_until(page, f"#{ids.FRAME}")
    n = styled_count(page)
    page.keyboard.press("Enter")  # the list opens on the chosen frame
    arrow_to_option(page, "Berlin")
    wait_restyled(page, n)
    assert focused(page) == f"#{ids.FRAME}"

    page.keyboard.press("Tab")
    assert focused(page) == f"#{ids.LEVEL}"
    n = styled_count(page)
    page.keyboard.press("Enter")
    arrow_to_option(page, "Bezirk")
    wait_restyled(page, n)

    page.keyboard.press("Tab")
    assert focused(page) == f"#{ids.INDICATOR}"
    page.keyboard.press("Enter")
    expect(page.locator("input.dash-dropdown-search")).to_be_focused()  # the search has the focus on open
    n = styled_count(page)
    page.keyboard.type("insgesamt")
    page.keyboard.press("ArrowDown")
    arrow_to_option(page, "Einwohnerinnen und Einwohner insgesamt")
    wait_restyled(page, n)

    page.keyboard.press("Tab")  # the period slider: Home is the first period
    n = styled_count(page)
    page.keyboard.press("Home")
    wait_restyled(page, n)
    expect(page.locator(f"#{ids.MAP_TITLE}")).to_have_text("Einwohnerinnen und Einwohner insgesamt · 30.06.2015")

    tab_until(page, f"#{ids.MAP}", limit=15)
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    page.keyboard.press("PageDown")
    page.keyboard.press("Enter")
    page.wait_for_function("() => (new URL(location.href).searchParams.get('sel') || '').split(',').length === 2")
    query = parse_qs(urlsplit(page.url).query)
    assert query["sel"] == ["04,02"] and query["level"] == ["bezirk"] and query["ind"] == ["pop_total"]

    assert tab_until(page, f"#{ids.DOWNLOAD_CSV}", limit=5) <= 4  # zoom buttons and attribution, then downloads
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    # the German CSV (sozialmonitor/downloads.py): UTF-8 with BOM, ";" between fields, German headers
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 12 and {r["Stand"] for r in rows} == {"2015-06-30"}
    assert {r["Indikator-ID"] for r in rows} == {"pop_total"}
    assert console_errors == []


def test_copy_link_works_by_keyboard_and_says_so(page: Page, console_errors: list[str]) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_view(page, "level=bezirk")
    page.focus(f"#{ids.COPY_LINK}")
    page.keyboard.press("Enter")
    expect(page.locator(f"#{ids.COPY_STATUS}")).to_have_text("Link kopiert")
    assert page.evaluate("navigator.clipboard.readText()") == page.evaluate("location.href")
    assert console_errors == []
