"""What only a browser shows (issue 11): slider labels that do not overlap, the selection box's count, units and
dates that are not cut or broken, light outlines for many areas, a map that fills a phone, the charts' toolbar,
and an honest wait while the page loads. Measured by bounding boxes and computed styles."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Route, expect

from layouts import ids

expect.set_options(timeout=15_000)
STYLED = "sozialmonitor:styled"
PHONE = {"width": 390, "height": 844}
NBSP = "\u00a0"


def open_view(page: Page, query: str = "", timeout: int = 60000) -> None:
    page.goto("/" + (f"?{query}" if query else ""))
    page.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > 0", timeout=timeout)


def boxes(page: Page, selector: str) -> list[dict[str, Any]]:
    return list(page.eval_on_selector_all(selector, """els => els.map(e => {
        const b = e.getBoundingClientRect();
        return {text: e.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom};
    })"""))


def phone_page(browser: Browser, app_server: str) -> Page:
    """A phone: small, touch only (CSS ``hover: none``, where plotly shows its toolbar all the time)."""
    return browser.new_page(viewport=PHONE, locale="de-DE", base_url=app_server, has_touch=True, is_mobile=True)


def test_period_slider_labels_are_few_and_do_not_overlap(page: Page, console_errors: list[str],
                                                         screenshot: Callable[[Page, str], Path]) -> None:
    """20 yearly periods read "1998 1 2 3 42003 …", 12 half-yearly dates overlapped: now at most six labels, the
    first and the last period among them, side by side inside the sidebar."""
    for query, first, last in (("frame=deutschland&level=kreis&ind=inkar_unemployment_rate", "1998", "2017"),
                               ("level=bezirk&ind=pop_total", "30.06.2015", "31.12.2020")):
        page.goto(f"/?{query}")
        expect(page.locator(f"#{ids.PERIOD} .dash-slider-mark").first).to_be_visible()
        marks = boxes(page, f"#{ids.PERIOD} .dash-slider-mark")
        assert 2 <= len(marks) <= 6, marks
        assert (marks[0]["text"], marks[-1]["text"]) == (first, last)
        for a, b in pairwise(marks):
            assert a["right"] + 2 <= b["left"], (a, b)  # side by side, not over each other
        sidebar = page.locator(f"#{ids.CONTROLS}").bounding_box()
        assert sidebar is not None
        assert marks[0]["left"] >= sidebar["x"] and marks[-1]["right"] <= sidebar["x"] + sidebar["width"]
        expect(page.locator(f"#{ids.PERIOD_LABEL}")).to_have_text(last)  # the current period in full
    screenshot(page, "display-slider")
    assert console_errors == []


def test_the_selection_box_counts_its_areas(page: Page, console_errors: list[str]) -> None:
    page.goto("/?level=bezirk&ind=pop_total&sel=01,02,03")
    box = page.locator(f"#{ids.SELECTED}")
    expect(box).to_contain_text("3 ausgewählt")
    assert "{" not in box.inner_text()  # was "Charit… {num} ausgewählt"
    page.goto("/?level=bezirk&ind=pop_total&sel=01,02,03&lang=en")
    expect(page.locator(f"#{ids.SELECTED}")).to_contain_text("3 selected")
    assert console_errors == []


def test_units_and_dates_are_whole_on_a_phone(browser: Browser, app_server: str,
                                              screenshot: Callable[[Page, str], Path]) -> None:
    """The English profile wrapped "2020-12-/31"; the time series' unit was cut to "/km²"."""
    phone = phone_page(browser, app_server)
    try:
        open_view(phone, "frame=deutschland&level=kreis&ind=gem_density&sel=11000&lang=en")
        date = phone.locator(f"#{ids.PROFILE} td.date").filter(has_text="Dec").first
        expect(date).to_have_text(f"31{NBSP}Dec{NBSP}2023")
        lines = date.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e);"
                              " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }")
        assert lines == 1  # one line: a date never breaks
        unit = phone.locator(f"#{ids.SERIES} .gtitle")
        expect(unit).to_have_text("inhabitants/km²")
        graph = phone.locator(f"#{ids.SERIES} .main-svg").first.bounding_box()
        title = unit.bounding_box()
        assert graph is not None and title is not None
        assert graph["x"] <= title["x"] and title["x"] + title["width"] <= graph["x"] + graph["width"]
        ticks = boxes(phone, f"#{ids.SERIES} .ytick text")
        assert ticks and min(t["left"] for t in ticks) >= graph["x"]  # tick labels are not cut either
        # the profile table scrolls in its box; the page does not scroll sideways
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(phone, "display-phone-units")
    finally:
        phone.close()


def test_a_multiplier_unit_reads_as_a_word_in_the_tooltip(page: Page, console_errors: list[str]) -> None:
    open_view(page, "frame=deutschland&level=kreis&ind=inkar_gdp_per_capita")
    box = page.locator(f"#{ids.MAP}").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.move(box["x"] + box["width"] * 0.5 + 2, box["y"] + box["height"] * 0.5 + 2)
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text(f"{NBSP}Tsd.{NBSP}€")  # "33,7 Tsd. €", not "33,7 1.000 €"
    assert "1.000 €" not in tooltip.inner_text()
    assert console_errors == []


STYLE_OF_FIRST_AREA = f"""() => {{
    const hideout = window.dash_component_api.getLayout("{ids.AREAS}").props.hideout;
    return window.sozialmonitor.map.style({{properties: {{i: 0}}}}, {{hideout: {{...hideout, sel: []}}}});
}}"""


def test_many_areas_get_light_outlines_and_no_parent_outline(page: Page, console_errors: list[str]) -> None:
    """At national zoom 10,997 dark Gemeinde outlines under Kreis borders turned the map grey-brown."""
    page.goto("/?frame=deutschland&level=gemeinde&ind=gem_population")
    expect(page.locator(f"#{ids.OUTLINE} input")).not_to_be_checked()  # the parent outline is off by default …
    fine = page.evaluate(STYLE_OF_FIRST_AREA)
    assert fine["weight"] <= 0.3 and fine["opacity"] <= 0.5, fine  # … and the areas' own outlines are light
    page.goto("/?frame=deutschland&level=gemeinde&ind=gem_population&outline=1")
    expect(page.locator(f"#{ids.OUTLINE} input")).to_be_checked()  # a link (or the checkbox) still turns it on
    open_view(page, "frame=deutschland&level=kreis&ind=gem_population")
    expect(page.locator(f"#{ids.OUTLINE} input")).to_be_checked()
    assert page.evaluate(STYLE_OF_FIRST_AREA)["weight"] == 0.5  # 401 Kreise keep their outlines
    assert console_errors == []


def test_a_phone_map_fits_its_level_and_hides_the_chart_toolbar(browser: Browser, app_server: str,
                                                                screenshot: Callable[[Page, str], Path]) -> None:
    phone = phone_page(browser, app_server)
    try:
        open_view(phone, "panels=series")
        phone.wait_for_timeout(500)  # the viewport is fitted once the map knows its size
        fill = phone.evaluate("""() => {
            const m = document.querySelector("#map").getBoundingClientRect();
            let l = 1e9, t = 1e9, r = -1e9, b = -1e9;
            document.querySelectorAll("#map path.leaflet-interactive").forEach(p => {
                const x = p.getBoundingClientRect();
                l = Math.min(l, x.left); t = Math.min(t, x.top); r = Math.max(r, x.right); b = Math.max(b, x.bottom);
            });
            return [(r - l) / m.width, (b - t) / m.height];
        }""")
        assert min(fill) >= 0.8, fill  # Berlin filled 94 % of the width but 61 % of the height
        button = phone.locator(f"#{ids.SERIES} .modebar-btn").first
        expect(button).to_be_attached(timeout=30000)
        container = phone.locator(f"#{ids.SERIES} .modebar-container")
        assert container.evaluate("e => getComputedStyle(e).opacity") == "0"  # nothing covers the small chart …
        button.focus()  # … yet the keyboard reaches the toolbar, and it shows
        phone.wait_for_function(f"() => getComputedStyle(document.querySelector('#{ids.SERIES} .modebar-container'))"
                                ".opacity === '1'")
        screenshot(phone, "display-phone-map")
    finally:
        phone.close()


def test_the_first_view_waits_honestly(page: Page, console_errors: list[str], axe: Callable[[Page], list[Any]],
                                       screenshot: Callable[[Page, str], Path]) -> None:
    """Under load the map's layer code and geometry arrive late: a status says so (no "Loading..." over the zoom
    buttons), and each chart's place holds a placeholder with a status until the chart is drawn."""
    held: list[Route] = []
    page.route("**/async-GeoJSON*", lambda route: held.append(route))
    page.goto("/?level=bezirk&ind=pop_total")
    expect(page.locator(f"#{ids.MAP} .leaflet-control-zoom")).to_be_visible()
    expect(page.locator(f"#{ids.MAP_LOADING}")).to_have_text("Karte wird geladen …")
    expect(page.locator(f"#{ids.MAP_LOADING}")).to_have_attribute("role", "status")
    assert page.get_by_text("Loading...").filter(visible=True).count() == 0
    skeletons = page.locator(f"#{ids.SERIES_SLOT} [role=status], #{ids.RANKING_SLOT} [role=status]")
    expect(skeletons).to_have_count(2)
    expect(skeletons.first).to_have_text("Diagramm wird geladen …")
    expect(skeletons.first).to_be_visible()
    screenshot(page, "display-waiting")
    assert axe(page) == []
    for route in held:
        route.continue_()
    page.unroute("**/async-GeoJSON*")
    page.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > 0", timeout=60000)
    expect(page.locator(f"#{ids.MAP_LOADING}")).to_be_hidden()
    expect(page.locator(f"#{ids.SERIES} .main-svg").first).to_be_visible(timeout=30000)
    expect(skeletons.first).to_be_hidden()
    assert console_errors == []
