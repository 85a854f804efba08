"""The dashboard as a person uses it, in headless Chromium: map colours, switching, selecting, permalinks,
language, accessibility, phone width."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

STYLED = "sozialmonitor:styled"
expect.set_options(timeout=15_000)  # CI may run beside other work on two cores


def styled_count(page: Page) -> int:
    return int(page.evaluate(f"() => performance.getEntriesByName('{STYLED}').length"))


def wait_restyled(page: Page, before: int) -> None:
    page.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > {before}", timeout=15000)


def open_view(page: Page, query: str = "", timeout: int = 30000) -> None:
    page.goto("/" + (f"?{query}" if query else ""))
    page.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > 0", timeout=timeout)


def fills(page: Page) -> list[str]:
    script = "els => els.map(e => e.getAttribute('fill'))"
    return list(page.eval_on_selector_all("#map path.leaflet-interactive", script))


def choose(page: Page, dropdown_id: str, search: str, option: str) -> None:
    page.click(f"#{dropdown_id}")
    page.fill(".dash-dropdown-content input.dash-dropdown-search", search)
    page.get_by_role("option", name=option, exact=True).click()


def current_url(page: Page) -> str:
    return str(page.evaluate("location.href"))


def test_demo_map_is_coloured_with_an_honest_legend(
    page: Page, console_errors: list[str], external_requests: list[str], screenshot: Callable[[Page, str], Path]
) -> None:
    open_view(page)
    colours = fills(page)
    assert len(colours) == 448
    legend_swatches = page.eval_on_selector_all(
        "#legend .legend-class .swatch", "els => els.map(e => getComputedStyle(e).backgroundColor)")
    assert len(legend_swatches) == 5
    assert len(set(colours)) == 7  # five classes, "no data" and "suppressed"
    counts = page.eval_on_selector_all("#legend .legend-count", "els => els.map(e => e.textContent)")
    assert sum(int(c.split()[0]) for c in counts) == 448
    expect(page.locator("#map-title")).to_have_text("S4 Kinderarmut · 31.12.2018")
    expect(page.locator("#legend")).to_contain_text("gesperrt")
    screenshot(page, "dashboard-default")
    assert console_errors == [] and external_requests == []


def test_changing_indicator_and_period_changes_colours(page: Page, console_errors: list[str]) -> None:
    open_view(page)
    before = fills(page)
    n = styled_count(page)
    choose(page, "indicator", "Transfer", "S3 Transferbezug")
    wait_restyled(page, n)
    after_indicator = fills(page)
    assert after_indicator != before
    expect(page.locator("#map-title")).to_have_text("S3 Transferbezug · 31.12.2018")
    n = styled_count(page)
    page.locator("#period [role=slider]").focus()
    page.keyboard.press("Home")
    wait_restyled(page, n)
    expect(page.locator("#map-title")).to_have_text("S3 Transferbezug · 31.12.2012")
    assert fills(page) != after_indicator
    assert "period=2012-12-31" in current_url(page)
    assert console_errors == []


def test_clicking_an_area_selects_it_for_series_and_ranking(page: Page, console_errors: list[str]) -> None:
    open_view(page, "level=bezirk&ind=pop_total")
    page.locator("#map path.leaflet-interactive").nth(0).click(force=True)
    page.wait_for_function("() => new URL(location.href).searchParams.get('sel')", timeout=15000)
    code = page.evaluate("() => new URL(location.href).searchParams.get('sel')")
    assert len(code) == 2  # one Bezirk, by its two-digit id
    chosen = page.locator("#selected-areas").inner_text()
    assert f"({code})" in chosen
    name = chosen.split(f" ({code})")[0].strip().split("\n")[-1]
    expect(page.locator("#series-graph .legendtext").filter(has_text=name)).to_have_count(1, timeout=15000)
    expect(page.locator("#profile")).to_contain_text(f"Profil: {name}", timeout=15000)
    ranking_colours = page.eval_on_selector_all("#ranking-graph .point path", "els => els.map(e => e.style.fill)")
    assert "rgb(0, 0, 0)" in ranking_colours  # the selected bar is highlighted
    assert console_errors == []


def callback_requests(page: Page) -> list[str]:
    """Record the body of every Dash callback request from now on (the list grows as they are sent)."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if "/_dash-update-component" in r.url else None)
    return sent


def test_an_indicator_switch_costs_one_request(page: Page, console_errors: list[str]) -> None:
    """One user action, one round-trip: the map, the open panels and the notices come in one answer, and the
    closed Analyse section sends nothing."""
    open_view(page, "sel=01011101")
    page.wait_for_timeout(500)  # nothing may be pending from the page load
    sent = callback_requests(page)
    n = styled_count(page)
    choose(page, "indicator", "Transfer", "S3 Transferbezug")
    wait_restyled(page, n)
    expect(page.locator("#profile")).to_contain_text("Stülerstraße")
    page.wait_for_timeout(1500)  # a follow-up request would have been sent by now
    assert len(sent) == 1, sent
    assert "analytics" not in sent[0] and "an-" not in sent[0]
    assert console_errors == []


def test_rapid_map_clicks_are_all_kept(page: Page, console_errors: list[str]) -> None:
    """Three quick clicks select three areas: the selection is toggled in the browser, so none is lost to an
    answer still on its way, and the address bar names all three."""
    open_view(page, "level=bezirk&ind=pop_total&panels=series")
    page.wait_for_timeout(500)
    sent = callback_requests(page)
    areas = page.locator("#map path.leaflet-interactive")
    for i in (0, 3, 6):
        areas.nth(i).click(force=True)
    page.wait_for_function("() => (new URL(location.href).searchParams.get('sel') || '').split(',').length === 3",
                           timeout=15000)
    codes = page.evaluate("() => new URL(location.href).searchParams.get('sel')").split(",")
    assert len(set(codes)) == 3
    expect(page.locator("#series-graph .legendtext")).to_have_count(3 + 2, timeout=15000)  # + Berlin, range
    selected = page.locator("#selected-areas").inner_text()
    assert all(f"({c})" in selected for c in codes)
    outlined = page.eval_on_selector_all("#map path.leaflet-interactive",
                                         "els => els.filter(e => e.getAttribute('stroke-width') === '3').length")
    assert outlined == 3
    page.wait_for_timeout(1000)
    assert 1 <= len(sent) <= 3  # one per click at most (Dash may drop superseded ones)
    assert console_errors == []


def test_a_permalink_restores_the_same_view(page: Page, browser: Any, app_server: str,
                                            console_errors: list[str]) -> None:
    open_view(page, "ind=pop_share_foreigners&period=2016-12-31&method=equal_interval&k=4&sel=01011101,01011102"
                    "&palette=PuBu&lat=52.5&lon=13.38&z=12")
    link = current_url(page)
    colours = fills(page)
    title = page.inner_text("#map-title")
    legend = page.inner_text("#legend")
    other = browser.new_page(viewport={"width": 1366, "height": 768}, locale="de-DE")
    try:
        other.goto(link)
        other.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > 0", timeout=30000)
        assert fills(other) == colours
        assert other.inner_text("#map-title") == title
        assert other.inner_text("#legend") == legend
        assert other.evaluate("location.href") == link
        center = other.evaluate("() => { const u = new URL(location.href); return [u.searchParams.get('lat'), "
                                "u.searchParams.get('z')]; }")
        assert float(center[0]) == 52.5 and float(center[1]) == 12
    finally:
        other.close()
    assert console_errors == []


def test_malformed_permalink_falls_back_with_a_notice(page: Page, console_errors: list[str]) -> None:
    open_view(page, "ind=gibt_es_nicht&k=99&z=banana")
    expect(page.locator("#notices")).to_contain_text("gibt_es_nicht")
    expect(page.locator("#notices")).to_contain_text("„k“")
    assert len(fills(page)) == 448
    assert console_errors == []


def test_language_switch_changes_labels_and_number_format(page: Page, console_errors: list[str]) -> None:
    open_view(page, "ind=pop_share_age_below_6&period=2020-12-31")
    de_legend = page.inner_text("#legend")
    assert "," in de_legend and "Legende" in de_legend
    page.click("#lang-link")
    page.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > 0", timeout=30000)
    assert "lang=en" in current_url(page)
    expect(page.locator("#h-series")).to_have_text("Time series")
    en_legend = page.inner_text("#legend")
    assert "Legend" in en_legend and "areas" in en_legend
    assert "," not in en_legend.split("\n", 1)[1].replace(" areas", "")
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.locator("#map-title")).to_have_text("Share: inhabitants under 6 · 31\u00a0Dec\u00a02020")
    assert console_errors == []


def test_table_view_shows_the_same_values(page: Page, console_errors: list[str]) -> None:
    page.goto("/?view=table")  # no map to wait for (more on the grid: test_table.py; axe: test_accessibility.py)
    table = page.locator("#area-table")
    first = table.locator(".ag-row[row-index='0']")
    expect(first).to_contain_text("Gewerbegebiet Köllnische Heide")  # highest value first
    expect(first).to_contain_text("77,19")
    page.get_by_role("columnheader", name="Wert (%)").click()
    # sorted as numbers, ascending: the lowest value after the 12 areas without one (their status says why)
    expect(table.locator(".ag-row[row-index='12'] .ag-cell[col-id='value']")).to_have_text("0,64")
    assert console_errors == []


def test_phone_width_collapses_the_controls(browser: Any, app_server: str,
                                            screenshot: Callable[[Page, str], Path]) -> None:
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="de-DE", base_url=app_server)
    try:
        open_view(phone)
        expect(phone.locator("#controls")).not_to_have_attribute("open", "")
        box = phone.locator("#map").bounding_box()
        assert box is not None and box["width"] <= 390
        screenshot(phone, "dashboard-phone")
    finally:
        phone.close()


def test_national_map_tooltip_asks_for_its_value(page: Page, console_errors: list[str]) -> None:
    # the first national view of a fresh worker builds its caches (tens of seconds on a busy 2-core machine)
    open_view(page, "frame=deutschland&level=gemeinde&ind=gem_population&period=2023-12-31", timeout=120000)
    box = page.locator("#map").bounding_box()
    assert box is not None
    tooltip = page.locator(".leaflet-tooltip")
    texts = []
    for fx, fy in ((0.5, 0.5), (0.45, 0.4), (0.55, 0.6), (0.5, 0.3), (0.4, 0.55)):  # some spots are gemeindefrei
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.mouse.move(box["x"] + box["width"] * fx + 2, box["y"] + box["height"] * fy + 2)
        page.wait_for_timeout(1500)  # the value comes from /tooltip after the tooltip opened
        texts.append(tooltip.inner_text() if tooltip.count() else "")
        if "Rang" in texts[-1]:
            break
    assert any("Rang" in x and "Personen" in x for x in texts), texts
    assert console_errors == []
