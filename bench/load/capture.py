"""Capture the requests a real browser sends to a running Sozialmonitor, as a reference for the load tool.

    python bench/load/capture.py http://127.0.0.1:8050 [--out bench/load/captured_requests.json]

Opens the dashboard in headless Chromium (/usr/bin/chromium through Playwright), switches the indicator,
moves the period slider, clicks an area on the map and one in the ranking, and writes every request to the
app (method, path, body of each ``/_dash-update-component`` POST) to a JSON file, and prints the callback
requests per step (compare with what ``dash_client.py`` sends for the same actions).
``dash_client.py`` builds its request bodies the same way Dash's renderer does (same keys,
``changedPropIds``, inputs without ``value`` while a prop is unset); this file is the reference to compare with.
Loopback only: any request to another host is aborted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Route, sync_playwright

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
LOCAL = {"127.0.0.1", "localhost"}


def capture(base: str, query: str = "") -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="de-DE")

            def guard(route: Route) -> None:
                if urlsplit(route.request.url).hostname in LOCAL or route.request.url.startswith("data:"):
                    route.continue_()
                else:
                    route.abort()

            page.route("**/*", guard)

            def on_request(request: object) -> None:
                url = urlsplit(request.url)  # type: ignore[attr-defined]
                entry: dict[str, object] = {"method": request.method, "path": url.path,  # type: ignore[attr-defined]
                                            "query": url.query}
                if url.path == "/_dash-update-component":
                    entry["body"] = json.loads(request.post_data or "{}")  # type: ignore[attr-defined]
                    entry["headers"] = {k: v for k, v in request.headers.items()  # type: ignore[attr-defined]
                                        if k.lower() in ("origin", "content-type", "accept", "referer")}
                seen.append(entry)

            page.on("request", on_request)
            page.goto(f"{base}/?{query}", wait_until="networkidle", timeout=60_000)
            page.wait_for_selector(".leaflet-interactive", timeout=60_000)
            seen.append({"step": "switch indicator"})
            page.locator("#indicator").click()
            search = page.locator(".dash-dropdown-search").first  # the open dropdown's
            if search.count():  # Dash 4's dropdown: type into its search field, pick the first match
                search.fill("Arbeitslos")
                page.locator("[role=option]", has_text="Arbeitslos").first.click()
            else:
                page.keyboard.type("Arbeitslos")
                page.keyboard.press("Enter")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
            seen.append({"step": "period slider: one step left"})
            handle = page.locator("#period .dash-slider-thumb, #period [role=slider]").first
            handle.focus()
            page.keyboard.press("ArrowLeft")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
            seen.append({"step": "click an area on the map"})
            page.locator("path.leaflet-interactive").nth(40).click(force=True)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
            bars = page.locator("#ranking-graph .bars path, #ranking-graph .point path")
            if bars.count() > 3:
                seen.append({"step": "click an area in the ranking"})
                bars.nth(3).click(force=True)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1500)
        finally:
            browser.close()
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="http://127.0.0.1:<port> of a running app")
    parser.add_argument("--query", default="", help="permalink query to open")
    parser.add_argument("--out", type=Path, default=HERE / "captured_requests.json")
    args = parser.parse_args()
    if urlsplit(args.base).hostname not in LOCAL:
        print("loopback only: give http://127.0.0.1:<port>", file=sys.stderr)
        return 2
    seen = capture(args.base.rstrip("/"), args.query)
    args.out.write_text(json.dumps(seen, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(seen)} requests to {args.out}")
    step = "open"
    for entry in seen:
        if "step" in entry:
            step = str(entry["step"])
        elif isinstance(entry.get("body"), dict):
            body: dict[str, object] = entry["body"]  # type: ignore[assignment]
            print(f"  {step}: callback {str(body.get('output'))[:60]} changed {body.get('changedPropIds')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
