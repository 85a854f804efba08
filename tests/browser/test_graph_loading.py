"""plotly.js waits for the map: the graphs mount (and Dash fetches plotly) only once the map shows its colours, with
the figures the page holds by then, and without a request of their own."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, Route, expect

from layouts import ids

expect.set_options(timeout=15_000)

# The first animation frame in which every polygon of the map has its fill: the moment the map shows its colours,
# on the same clock (performance.now()) as the Resource Timing entries of the page's requests.
WATCH_COLOURS = """
(() => {
  window.__colouredAt = null;
  const check = () => {
    const paths = document.querySelectorAll("#map path.leaflet-interactive");
    if (paths.length && Array.from(paths).every((p) => (p.getAttribute("fill") || "none") !== "none")) {
      window.__colouredAt = performance.now();
    } else {
      requestAnimationFrame(check);
    }
  };
  requestAnimationFrame(check);
})();
"""
# what Dash fetches for a dcc.Graph: dcc's async-graph chunk and the plotly.js bundle
PLOTLY_REQUESTS = """() => performance.getEntriesByType("resource")
  .filter((e) => /\\/(async-graph|plotly)[^\\/]*\\.js/.test(new URL(e.name).pathname))
  .map((e) => ({url: e.name, start: e.startTime}))"""
# the traces the series graph draws, and those of the figure the page holds in its store
DRAWN = f"""() => document.querySelector("#{ids.SERIES} .js-plotly-plot").data
  .map((t) => ({{name: t.name || null, y: t.y}}))"""
TRACES = f"#{ids.SERIES} .scatterlayer .trace"
STORED = f"""() => window.dash_component_api.getLayout("{ids.SERIES_FIGURE}").props.data.data
  .map((t) => ({{name: t.name || null, y: t.y}}))"""


def traces(figure: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": t.get("name"), "y": t["y"]} for t in figure["data"]]


def callback_requests(page: Page) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if "/_dash-update-component" in r.url else None)
    return sent


def test_plotly_loads_only_after_the_map_is_coloured(page: Page, console_errors: list[str]) -> None:
    page.add_init_script(WATCH_COLOURS)
    sent = callback_requests(page)
    page.goto("/?panels=series")
    page.wait_for_function("() => window.__colouredAt !== null", timeout=30000)
    stored = page.evaluate(STORED)
    expect(page.locator(TRACES)).to_have_count(len(stored))
    assert page.evaluate(DRAWN) == stored  # the graph shows the figure the page came with
    coloured = page.evaluate("window.__colouredAt")
    plotly = page.evaluate(PLOTLY_REQUESTS)
    assert plotly, "no request for plotly.js was recorded"
    assert min(r["start"] for r in plotly) > coloured, (coloured, plotly)
    page.wait_for_timeout(500)
    assert len(sent) == 1 and "_pages_content" in sent[0], sent  # only Dash Pages' own routing: no mount request
    assert console_errors == []


def test_a_figure_answered_before_the_map_is_coloured_is_the_one_the_graph_mounts_with(
    page: Page, console_errors: list[str]
) -> None:
    held: list[Route] = []
    page.route("**/geo/**", lambda route: held.append(route), times=2)  # the map cannot be coloured yet
    page.add_init_script(WATCH_COLOURS)
    page.goto("/?panels=series")
    page.wait_for_selector(f"#{ids.INDICATOR}", timeout=30000)
    first = page.evaluate(STORED)
    page.click(f"#{ids.INDICATOR}")
    page.fill(".dash-dropdown-content input.dash-dropdown-search", "Transfer")
    with page.expect_response(lambda r: "/_dash-update-component" in r.url
                              and ids.SERIES_FIGURE in (r.request.post_data or "")) as answer:
        page.get_by_role("option", name="S3 Transferbezug", exact=True).click()
    figure = answer.value.json()["response"][ids.SERIES_FIGURE]["data"]
    assert traces(figure) != first  # another indicator, another series
    page.wait_for_function(f"expected => JSON.stringify(({STORED})()) === JSON.stringify(expected)", arg=traces(figure))
    page.wait_for_timeout(300)
    assert held, "the geometry was not requested"
    assert page.evaluate(PLOTLY_REQUESTS) == []
    expect(page.locator(f"#{ids.SERIES}")).to_have_count(0)
    assert page.evaluate("window.__colouredAt") is None

    for route in held:
        route.continue_()
    page.wait_for_function("() => window.__colouredAt !== null", timeout=30000)
    expect(page.locator(TRACES)).to_have_count(len(figure["data"]))
    assert page.evaluate(DRAWN) == traces(figure)  # the latest answer, not the figure the page came with
    expect(page.locator(f"#{ids.MAP_TITLE}")).to_have_text("S3 Transferbezug · 31.12.2018")
    assert console_errors == []


def test_without_a_visible_map_the_graphs_mount_once_the_page_has_loaded(page: Page, console_errors: list[str]) -> None:
    page.goto("/?view=table&panels=series")
    expect(page.locator(f"#{ids.TABLE}")).to_be_visible()
    stored = page.evaluate(STORED)
    expect(page.locator(TRACES)).to_have_count(len(stored))
    assert page.evaluate(DRAWN) == stored
    assert console_errors == []
