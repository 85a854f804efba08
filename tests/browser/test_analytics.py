"""The Analyse section in headless Chromium: hot spots repaint the map through the same geometry."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from layouts import analytics_ids as aids

STYLED = "sozialmonitor:styled"
expect.set_options(timeout=15_000)


def styled_count(page: Page) -> int:
    return int(page.evaluate(f"() => performance.getEntriesByName('{STYLED}').length"))


def test_hot_spots_repaint_the_map_with_their_classes(page: Page, console_errors: list[str]) -> None:
    geometry_requests: list[str] = []
    page.on("request", lambda r: geometry_requests.append(r.url) if "/geo/" in r.url else None)
    page.goto("/")
    page.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > 0", timeout=30000)
    page.locator(f"#{aids.SECTION} > summary").click()
    hot_spots = page.locator("#an-hot-spots")
    expect(hot_spots).to_be_visible()
    expect(page.locator(f"#{aids.HOT_SPOTS_PERIOD}")).to_contain_text("31.12.2018")  # filled on load
    before = styled_count(page)
    loaded = len(geometry_requests)
    page.locator(f"#{aids.HOT_SPOTS_RUN}").click()
    page.wait_for_function(f"() => performance.getEntriesByName('{STYLED}').length > {before}", timeout=30000)
    legend = page.locator("#legend")
    expect(legend).to_contain_text("Hoch–Hoch (Hot Spot)")
    expect(legend).to_contain_text("Niedrig–Niedrig (Cold Spot)")
    expect(page.locator("#map-title")).to_have_text("Hot Spots: S4 Kinderarmut · 31.12.2018")
    expect(page.locator(f"#{aids.HOT_SPOTS_RESULT}")).to_contain_text("Moran's I")
    fills = page.eval_on_selector_all("#map path.leaflet-interactive", "els => els.map(e => e.getAttribute('fill'))")
    assert len(fills) == 448 and "#d7191c" in fills and "#2c7bb6" in fills  # HH red, LL blue
    assert len(geometry_requests) == loaded  # only the styling travelled, not the geometry
    assert console_errors == []
