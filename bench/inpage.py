"""Measurements in headless Chromium (Playwright driving Debian's /usr/bin/chromium).

Everything here goes through the page as a person uses it: open a view, pick another indicator in the
dropdown, move the period slider with the keyboard. Times are read in the page (``performance``), bytes from
the responses the page received:

- first coloured map: navigation start → the first moment the map's polygons carry class colours, seen from
  outside the app: an init script (LEAFLET_HOOK in COMMON_JS) wraps Leaflet's ``Path.setStyle``, ``redraw``
  and ``onAdd``; in the next animation frame it counts the fill colours of every filled polygon on the map
  and times the paint at the end of Leaflet's canvas draw in that frame (SVG maps: the frame itself). The map is
  coloured at the first paint with at least two distinct chromatic fills (not grey, not white) covering at
  least 90 % as many polygons as the most any later paint of the load shows. The app's own
  ``sozialmonitor:styled`` mark (assets/map.js) is recorded beside it, and used only if no Leaflet paint is
  seen. Baseline: the first ``plotly_afterplot`` of a figure with data (PLOTLY_HOOK_JS);
- plotly.js: when the ``plotly*.js`` bundle under ``/_dash-component-suites/`` was requested and loaded
  (resource timing) and when its global was set (the bundle evaluated), relative to the first coloured map;
- switch-to-painted: the user's action (``event.timeStamp`` of the pointerdown/keydown, caught by a capturing
  listener armed just before it) → the first coloured paint that restyles polygons after it (baseline: the
  next afterplot);
- bytes: every response's decoded body (``response.body()``), its gzip size (level 6, computed here) and the
  size that actually travelled (``request.sizes()["responseBodySize"]``; the apps compress with zstd or gzip).

Nothing leaves the machine: Chromium runs with a dead loopback proxy for everything but 127.0.0.1/localhost,
and any non-local request the page attempts is listed in ``external_requests``.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Playwright, Request, Response

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    # loopback only: anything not on 127.0.0.1/localhost goes to a proxy port where nothing listens
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1;localhost",
]
VIEWPORT = {"width": 1366, "height": 768}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
STYLED = "sozialmonitor:styled"
CALLBACK_PATH = "/_dash-update-component"
FIRST_MAP_TIMEOUT_MS = 90_000
SWITCH_TIMEOUT_MS = 60_000
QUIET_MS = 600  # no request in flight for this long: the page has finished reacting
QUIET_LIMIT_S = 45.0

COLOURED_SHARE = 0.9  # a coloured paint shows at least this share of the most coloured polygons of the load
CHROMA_MIN = 12  # a fill is chromatic (a class colour, not grey/white) if max(r,g,b) - min(r,g,b) >= this

COMMON_JS = """
(() => {
  if (performance.setResourceTimingBufferSize) { performance.setResourceTimingBufferSize(20000); }
  const bench = window.__bench = {armed: false, t0: null, plots: [], long: [], paints: [], plotlyAt: null,
                                  onPlotly: []};
  const arm = (event) => { if (bench.armed) { bench.armed = false; bench.t0 = event.timeStamp; } };
  for (const type of ["pointerdown", "mousedown", "keydown"]) { window.addEventListener(type, arm, true); }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) { bench.long.push([e.startTime, e.duration]); }
    }).observe({type: "longtask", buffered: true});
  } catch (e) { /* no long-task timing */ }

  // plotly.js: when its global is set (the bundle has been evaluated); PLOTLY_HOOK_JS hooks in through onPlotly
  let plotly = window.Plotly;
  Object.defineProperty(window, "Plotly", {configurable: true, get() { return plotly; }, set(value) {
    plotly = value;
    if (bench.plotlyAt === null) { bench.plotlyAt = performance.now(); }
    for (const f of bench.onPlotly) { try { f(value); } catch (e) { /* a hook must not break the page */ } }
  }});

  // LEAFLET_HOOK: filled polygons restyled (setStyle, redraw) or added to a map are noted. In the next animation
  // frame the fills of all filled polygons on a map are counted, and the paint is timed: the end of the first
  // Leaflet canvas draw that started in or after that frame callback (a canvas map is drawn in Leaflet's own
  // frame callback), else the frame callback itself (SVG paths are restyled at once and painted in that frame).
  // One entry of bench.paints per frame: {t, restyled, added, filled, coloured, colours}.
  const polygons = new Set();
  const chroma = new Map();
  const draws = [];  // [start, end] of recent Leaflet canvas draws
  let pending = null;
  let probe = null;
  function chromatic(colour) {
    if (!chroma.has(colour)) {
      probe = probe || document.createElement("canvas").getContext("2d");
      probe.fillStyle = "#000000";
      probe.fillStyle = String(colour || "");  // the browser normalises: "#rrggbb" or "rgba(r, g, b, a)"
      const s = probe.fillStyle;
      let rgb = null;
      if (/^#[0-9a-f]{6}$/i.test(s)) { rgb = [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16)); }
      else if (/^rgba?\\(/.test(s)) { rgb = s.slice(s.indexOf("(") + 1).split(",").slice(0, 3).map(parseFloat); }
      chroma.set(colour, !!colour && !!rgb && Math.max(...rgb) - Math.min(...rgb) >= CHROMA_MIN);
    }
    return chroma.get(colour);
  }
  function frame() {
    const batch = pending;
    pending = null;
    const start = performance.now();
    let filled = 0;
    let coloured = 0;
    const colours = new Set();
    for (const layer of polygons) {
      if (!layer._map) { if (layer.__benchAdded) { polygons.delete(layer); } continue; }
      const o = layer.options || {};
      if (!o.fill || o.fillOpacity === 0) { continue; }
      filled += 1;
      const c = o.fillColor || o.color;
      if (chromatic(c)) { coloured += 1; colours.add(c); }
    }
    Object.assign(batch, {filled: filled, coloured: coloured, colours: colours.size});
    const channel = new MessageChannel();  // runs after this frame's other callbacks (Leaflet's canvas draw)
    channel.port1.onmessage = () => {
      const draw = draws.find(([s]) => s >= start);
      batch.t = draw ? draw[1] : start;
      bench.paints.push(batch);
    };
    channel.port2.postMessage(0);
  }
  function note(layer, how) {
    if (!layer.options || !layer.options.fill) { return; }
    polygons.add(layer);
    if (pending === null) {
      pending = {restyled: 0, added: 0};
      requestAnimationFrame(frame);
    }
    pending[how] += 1;
  }
  function hookLeaflet(L) {
    const proto = L && L.Path && L.Path.prototype;
    if (!proto || proto.__benchHooked) { return; }
    proto.__benchHooked = true;
    const setStyle = proto.setStyle;
    const redraw = proto.redraw;
    const onAdd = proto.onAdd;
    proto.setStyle = function () { const r = setStyle.apply(this, arguments); note(this, "restyled"); return r; };
    proto.redraw = function () { const r = redraw.apply(this, arguments); note(this, "restyled"); return r; };
    proto.onAdd = function () {
      const r = onAdd.apply(this, arguments);
      this.__benchAdded = true;
      note(this, "added");
      return r;
    };
    const canvas = L.Canvas && L.Canvas.prototype;
    if (canvas && typeof canvas._draw === "function") {
      const draw = canvas._draw;
      canvas._draw = function () {
        const s = performance.now();
        const r = draw.apply(this, arguments);
        draws.push([s, performance.now()]);
        if (draws.length > 100) { draws.shift(); }
        return r;
      };
    }
  }
  let leaflet = window.L;
  hookLeaflet(leaflet);
  Object.defineProperty(window, "L", {configurable: true, get() { return leaflet; },
                                      set(value) { leaflet = value; hookLeaflet(value); }});
})();
""".replace("CHROMA_MIN", str(CHROMA_MIN))

# Baseline only: note every completed plotly (re)draw of a figure with data. plotly_afterplot is heard on the
# graph div once plotly has initialised it; for the very first draw (whose afterplot can fire before any
# listener exists) the resolution of the Plotly.newPlot/react promise, which follows afterplot, is used.
# For plotly's MapLibre map the following `idle` (new data rendered) is noted as well; plotly usually fires
# afterplot only after that render, so afterplot is the later, conservative signal.
PLOTLY_HOOK_JS = """
(() => {
  const bench = window.__bench;
  const withData = (gd) => !!(gd && gd.data &&
    gd.data.some((t) => (t.z && t.z.length) || (t.locations && t.locations.length)));
  function record(gd, how) {
    const entry = {t: performance.now(), how: how, data: withData(gd), idle: null};
    bench.plots.push(entry);
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    const map = sub && sub.map;
    if (entry.data && map && map.once) {
      // plotly often fires afterplot only after MapLibre has rendered the new data: then it is idle already
      if (map.loaded() && !map.isMoving()) { entry.idle = entry.t; }
      else { map.once("idle", () => { entry.idle = performance.now(); }); }
    }
  }
  function hook(gd) {
    if (!gd || gd.__benchHooked || typeof gd.on !== "function") { return; }
    gd.__benchHooked = true;
    gd.on("plotly_afterplot", () => record(gd, "afterplot"));
  }
  function wrap(P) {
    if (!P || P.__benchWrapped) { return; }
    P.__benchWrapped = true;
    for (const name of ["newPlot", "react"]) {
      const original = P[name];
      if (typeof original !== "function") { continue; }
      P[name] = function (gd, ...rest) {
        const el = typeof gd === "string" ? document.getElementById(gd) : gd;
        const hooked = !!(el && el.__benchHooked);
        const result = original.call(this, gd, ...rest);
        hook(el);
        if (!hooked && result && typeof result.then === "function") { result.then(() => record(el, "promise")); }
        return result;
      };
    }
  }
  if (window.Plotly) { wrap(window.Plotly); }
  bench.onPlotly.push(wrap);  // COMMON_JS owns the window.Plotly accessor
})();
"""

# In-page signals, each a function of `since` (in-page ms) returning the first matching entry after it or null.
# LEAFLET_ANY: a paint after `since` that shows at least two class colours (the wait ends here);
# LEAFLET: the first of those with at least COLOURED_SHARE of the most coloured polygons any of them shows
# (read once the page is quiet, so a later, fuller paint of the same load can still raise the bar).
LEAFLET_ANY = ("since => window.__bench.paints.find((p) => p.t > since && p.restyled + p.added > 0 "
               "&& p.colours >= 2) || null")
LEAFLET = ("since => { const ps = window.__bench.paints.filter((p) => p.t > since && p.restyled + p.added > 0 "
           "&& p.colours >= 2); if (!ps.length) { return null; } const most = Math.max(...ps.map((p) => p.coloured));"
           f" return ps.find((p) => p.coloured >= {COLOURED_SHARE} * most); }}")
MARK = (f"since => (performance.getEntriesByName('{STYLED}').map((e) => ({{t: e.startTime}}))"
        ".filter((e) => e.t > since)[0]) || null")
AFTERPLOT = "since => window.__bench.plots.filter((p) => p.data && p.t > since)[0] || null"


def launch(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test installs it)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


# --- what the page received -------------------------------------------------------------------------

@dataclass
class Received:
    url: str
    method: str
    status: int
    resource_type: str
    body: bytes
    transferred: int | None
    encoding: str | None
    post_data: str | None
    at: float  # time.monotonic() when the response arrived

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def raw(self) -> int:
        return len(self.body)

    @property
    def gzip(self) -> int:
        return len(gzip.compress(self.body, compresslevel=6, mtime=0))

    def sizes(self) -> dict[str, Any]:
        return {"raw": self.raw, "gzip": self.gzip, "transferred": self.transferred, "encoding": self.encoding}


@dataclass
class Recorder:
    """Collects every response and counts requests in flight, for one page."""

    received: list[Received] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    in_flight: int = 0
    reading: int = 0  # response handlers still fetching a body
    last_activity: float = field(default_factory=time.monotonic)

    def attach(self, page: Page) -> None:
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_done)
        page.on("requestfailed", self._on_done)
        page.on("response", self._on_response)

    def _on_request(self, request: Request) -> None:
        self.in_flight += 1
        self.last_activity = time.monotonic()
        host = urlsplit(request.url).hostname
        if host not in LOCAL_HOSTS and not request.url.startswith(("data:", "blob:", "about:")):
            self.external.append(request.url)

    def _on_done(self, request: Request) -> None:
        self.in_flight = max(0, self.in_flight - 1)
        self.last_activity = time.monotonic()

    def _on_response(self, response: Response) -> None:
        # Fetching the body yields to other events (Playwright's sync API runs handlers in greenlets), so a
        # response may be recorded after its request finished: wait_quiet also waits for these handlers.
        self.reading += 1
        try:
            request = response.request
            try:
                body = response.body()
            except Exception:  # redirects and aborted requests have no body
                body = b""
            try:
                transferred: int | None = request.sizes()["responseBodySize"]
            except Exception:
                transferred = None
            self.received.append(Received(response.url, request.method, response.status, request.resource_type,
                                          body, transferred, response.headers.get("content-encoding"),
                                          request.post_data, time.monotonic()))
        finally:
            self.reading -= 1
            self.last_activity = time.monotonic()

    def mark(self) -> int:
        return len(self.received)

    def since(self, index: int) -> list[Received]:
        return self.received[index:]

    def wait_quiet(self, page: Page, quiet_ms: int = QUIET_MS, limit_s: float = QUIET_LIMIT_S) -> bool:
        """Wait until nothing has been in flight, nor a body being read, for ``quiet_ms`` (at most ``limit_s``)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            page.wait_for_timeout(100)
            if self.in_flight == 0 and self.reading == 0 and \
                    (time.monotonic() - self.last_activity) * 1000 >= quiet_ms:
                return True
        return False


# --- byte accounting ---------------------------------------------------------------------------------

def category(item: Received, geometry_hint: str) -> str:
    """Which part of the first load a response is."""
    path = item.path
    if item.method == "POST" and path.endswith(CALLBACK_PATH):
        return "initial_callbacks"
    if path.endswith("/_dash-layout"):
        return "layout"
    if path.endswith("/_dash-dependencies"):
        return "dependencies"
    if path.startswith("/geo/") or "geo" in item.resource_type:
        return "geometry" if geometry_hint in path else "geometry_other"
    if item.resource_type == "document":
        return "page"
    if item.resource_type == "script" or path.endswith(".js"):
        return "scripts"
    if item.resource_type == "stylesheet" or path.endswith(".css"):
        return "css"
    return "other"


def sum_sizes(items: list[Received]) -> dict[str, Any]:
    transferred = [i.transferred for i in items]
    return {"count": len(items), "raw": sum(i.raw for i in items), "gzip": sum(i.gzip for i in items),
            "transferred": sum(t for t in transferred if t is not None) if items else 0}


def output_sizes(body: bytes) -> dict[str, dict[str, int]]:
    """Raw and gzip bytes of each output of a Dash callback response (``component.prop``); a plotly figure's
    GeoJSON is counted apart from the rest of the figure."""
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    out: dict[str, dict[str, int]] = {}

    def add(key: str, value: Any) -> None:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        out[key] = {"raw": len(text), "gzip": len(gzip.compress(text, compresslevel=6, mtime=0))}

    for component, props in (data.get("response") or {}).items():
        if not isinstance(props, dict):
            continue
        for prop, value in props.items():
            key = f"{component}.{prop}"
            traces = value.get("data") if isinstance(value, dict) else None
            if isinstance(traces, list) and any(isinstance(t, dict) and "geojson" in t for t in traces):
                add(key + " (GeoJSON)", [t.get("geojson") for t in traces if isinstance(t, dict)])
                add(key + " (rest)", {**value, "data": [{k: v for k, v in t.items() if k != "geojson"}
                                                        for t in traces if isinstance(t, dict)]})
            else:
                add(key, value)
    return out


def callback_name(post_data: str | None) -> str:
    """A short name for the callback a request body belongs to: its first output."""
    try:
        body = json.loads(post_data or "")
    except ValueError:
        return "?"
    outputs = body.get("outputs")
    first = outputs[0] if isinstance(outputs, list) and outputs else outputs
    if isinstance(first, dict):
        return f"{first.get('id')}.{first.get('property')}"
    return str(body.get("output", "?"))[:60]


# --- the page ----------------------------------------------------------------------------------------

@dataclass
class SwitchResult:
    kind: str  # "indicator" or "period"
    paint_ms: float | None  # action → first coloured paint that restyles polygons (baseline: afterplot)
    mark_ms: float | None  # action → the app's own sozialmonitor:styled mark, if it sets one
    signal: str  # which signal paint_ms is: "leaflet", "mark" (no Leaflet paint seen) or "afterplot"
    idle_ms: float | None  # baseline: MapLibre idle after the redraw
    complete_ms: float | None  # action → end of the last callback response the switch caused
    request_ms: float | None  # action → map callback request sent
    response_ms: float | None  # map callback: request sent → response received (server + network)
    client_ms: float | None  # map callback response received → painted
    long_task_ms: float  # main-thread long tasks between action and paint
    bytes_gzip: int  # every callback response the switch caused
    bytes_raw: int
    bytes_transferred: int
    map_bytes_gzip: int  # the first callback response after the action (the one that restyles the map)
    map_bytes_raw: int
    map_callback: str
    callbacks: list[dict[str, Any]]
    outputs: dict[str, dict[str, int]]  # of the map callback response
    requests: list[tuple[str, str, str]]  # (callback, url, body) of every callback request, for the HTTP replay
    timed_out: bool = False

    @property
    def n_callbacks(self) -> int:
        """``/_dash-update-component`` requests the switch caused."""
        return len(self.callbacks)


@dataclass
class PageRun:
    app: str
    first_map_ms: float | None
    first_map_idle_ms: float | None
    first_map_long_task_ms: float | None
    milestones: dict[str, float | None]
    load: dict[str, dict[str, Any]]
    load_total: dict[str, Any]
    load_callbacks: list[dict[str, Any]]
    geometry_body: bytes | None
    geometry_url: str | None
    switches: list[SwitchResult]
    indicator_values: list[str]
    period_count: int
    external_requests: list[str]
    console_errors: list[str]
    error: str | None = None
    first_map_mark_ms: float | None = None  # the app's own mark, beside the outside signal
    paint_signal: str | None = None  # which signal first_map_ms is (see SwitchResult.signal)
    plotly: dict[str, Any] = field(default_factory=dict)  # requested/loaded/evaluated ms, before_map


@dataclass
class Painted:
    t: float  # in-page ms of the painting signal
    signal: str
    mark: float | None = None  # the app's mark after the same `since`
    idle: float | None = None  # baseline: MapLibre idle
    paint: dict[str, Any] | None = None  # the Leaflet paint entry (counts of filled and coloured polygons)


class Driver:
    """Drives one page of either app; ``kind`` is "app" (a Sozialmonitor version) or "baseline"; ``label``
    names the version in logs."""

    def __init__(self, browser: Browser, base: str, kind: str, indicator_id: str, period_id: str,
                 label: str | None = None) -> None:
        self.kind = kind
        self.label = label or kind
        self.indicator_id = indicator_id
        self.period_id = period_id
        self.context = browser.new_context(viewport=VIEWPORT, locale="de-DE")  # type: ignore[arg-type]
        self.context.add_init_script(COMMON_JS)
        if kind == "baseline":
            self.context.add_init_script(PLOTLY_HOOK_JS)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text[:300]) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(f"pageerror: {e}"[:300]))
        self.recorder = Recorder()
        self.recorder.attach(self.page)
        self.base = base

    def close(self) -> None:
        self.context.close()

    # painting signals
    def _signal(self, script: str, since: float) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.page.evaluate(script, since)
        return result

    def _wait_painted(self, since: float, timeout_ms: int) -> None:
        """Until the map is painted after in-page time ``since`` (0: the first load; else the action's time)."""
        if self.kind == "baseline":
            self.page.wait_for_function(f"since => ({AFTERPLOT})(since) !== null", arg=since, timeout=timeout_ms)
            return
        self.page.wait_for_function(f"since => ({LEAFLET_ANY})(since) !== null || ({MARK})(since) !== null",
                                    arg=since, timeout=timeout_ms)
        if self._signal(LEAFLET_ANY, since) is None:  # the mark came first: give Leaflet's paint a moment
            with contextlib.suppress(Exception):
                self.page.wait_for_function(f"since => ({LEAFLET_ANY})(since) !== null", arg=since, timeout=5_000)

    def _painted_at(self, since: float) -> Painted:
        """The painting signal after ``since`` (read once the page is quiet)."""
        if self.kind == "baseline":
            entry = self._signal(AFTERPLOT, since) or {}
            if entry and entry.get("idle") is None:  # give MapLibre a moment to finish
                with contextlib.suppress(Exception):
                    self.page.wait_for_function(f"since => ({AFTERPLOT})(since).idle !== null", arg=since,
                                                timeout=5_000)
                    entry = self._signal(AFTERPLOT, since) or entry
            idle = entry.get("idle")
            return Painted(float(entry["t"]), "afterplot", idle=float(idle) if idle is not None else None)
        paint = self._signal(LEAFLET, since)
        mark = self._signal(MARK, since)
        mark_t = float(mark["t"]) if mark else None
        if paint is not None:
            return Painted(float(paint["t"]), "leaflet", mark=mark_t, paint=paint)
        if mark_t is None:
            raise RuntimeError("no painting signal")
        return Painted(mark_t, "mark", mark=mark_t)

    # first load
    def open(self, query: str, geometry_hint: str) -> PageRun:
        page = self.page
        url = self.base + "/" + (f"?{query}" if query else "")
        page.goto(url, wait_until="commit", timeout=FIRST_MAP_TIMEOUT_MS)
        run = PageRun(self.kind, None, None, None, {}, {}, {}, [], None, None, [], [], 0, self.recorder.external,
                      self.console_errors)
        try:
            self._wait_painted(0, FIRST_MAP_TIMEOUT_MS)
        except Exception as exc:
            run.error = f"no coloured map within {FIRST_MAP_TIMEOUT_MS / 1000:.0f} s: {str(exc)[:200]}"
            return run
        self.recorder.wait_quiet(page, quiet_ms=1000)
        painted = self._painted_at(0)
        first = painted.t
        run.first_map_long_task_ms = round(sum(d for s, d in self.page.evaluate("() => window.__bench.long")
                                                if s < first), 1)
        run.first_map_ms = round(first, 1)
        run.first_map_mark_ms = round(painted.mark, 1) if painted.mark is not None else None
        run.paint_signal = painted.signal
        run.first_map_idle_ms = round(painted.idle, 1) if painted.idle is not None else None
        received = list(self.recorder.received)
        groups: dict[str, list[Received]] = {}
        for item in received:
            groups.setdefault(category(item, geometry_hint), []).append(item)
        run.load = {name: sum_sizes(items) for name, items in sorted(groups.items())}
        run.load_total = sum_sizes(received)
        run.load_callbacks = [{"callback": callback_name(i.post_data), **i.sizes()} for i in groups.get(
            "initial_callbacks", [])]
        geometry = groups.get("geometry") or []
        if geometry:
            run.geometry_body = geometry[0].body
            run.geometry_url = geometry[0].url
        run.milestones = self._milestones(first, geometry_hint)
        if run.first_map_mark_ms is not None:
            run.milestones["first_map_mark"] = run.first_map_mark_ms
        run.plotly = {
            "requested_ms": run.milestones.get("plotly_js_requested"),
            "loaded_ms": run.milestones.get("plotly_js_loaded"),
            "evaluated_ms": run.milestones.get("plotly_evaluated"),
            # "plotly must not load before the map": did its request start before the first coloured paint?
            "requested_before_map": (run.milestones["plotly_js_requested"] < first
                                     if run.milestones.get("plotly_js_requested") is not None else False),
        }
        run.indicator_values = self._indicator_values()
        run.period_count = self._period_count()
        return run

    def _milestones(self, first: float, geometry_hint: str) -> dict[str, float | None]:
        script = """([hint, callbackPath]) => {
          const nav = performance.getEntriesByType("navigation")[0];
          const res = performance.getEntriesByType("resource");
          const bench = window.__bench;
          const pick = (f, key, agg) => {
            const xs = res.filter(f).map((e) => e[key]);
            return xs.length ? agg(...xs) : null;
          };
          const end = (f) => pick(f, "responseEnd", Math.max);
          const first = (f) => pick(f, "responseEnd", Math.min);
          const start = (f) => pick(f, "startTime", Math.min);
          const path = (e) => { try { return new URL(e.name).pathname; } catch (x) { return e.name; } };
          const geo = (e) => e.name.includes("/geo/") && e.name.includes(hint);
          // the plotly.js bundle Dash serves (dcc.Graph needs it): /_dash-component-suites/…/plotly*.js
          const plotly = (e) => path(e).includes("/_dash-component-suites/") && /\\/plotly[^\\/]*\\.js$/.test(path(e));
          // dash-leaflet's lazily loaded GeoJSON component: the map cannot ask for its geometry before it runs
          const component = (e) => /\\/async-GeoJSON[^\\/]*\\.js$/.test(path(e));
          const drawn = bench.paints.find((p) => p.filled > 0);
          // the main-thread long task that ended with plotly's global being set: its evaluation
          const at = bench.plotlyAt;
          const evaluation = at === null ? null : bench.long.find(([s, d]) => s <= at && at <= s + d + 1);
          return {
            dom_content_loaded: nav ? nav.domContentLoadedEventEnd : null,
            scripts_loaded: end((e) => e.initiatorType === "script"),
            first_callback_requested: start((e) => e.name.includes(callbackPath)),
            first_callback_response: first((e) => e.name.includes(callbackPath)),
            geojson_component_requested: start(component),
            geojson_component_loaded: end(component),
            geometry_requested: start(geo),
            geometry_loaded: first(geo),
            polygons_drawn: drawn ? drawn.t : null,
            plotly_js_requested: start(plotly),
            plotly_js_loaded: end(plotly),
            plotly_evaluation_started: evaluation ? evaluation[0] : null,
            plotly_evaluated: at,
          };
        }"""
        values = self.page.evaluate(script, [geometry_hint, CALLBACK_PATH])
        values = {k: (round(v, 1) if isinstance(v, int | float) else None) for k, v in values.items()}
        values["first_map"] = round(first, 1)
        return values

    def options(self, component_id: str) -> list[str]:
        """The values a dropdown offers (from Dash's layout store; enabled options only)."""
        raw = self.page.evaluate("""id => {
            const api = window.dash_component_api;
            const c = api && api.getLayout ? api.getLayout(id) : null;
            return c && c.props ? c.props.options : null;
        }""", component_id)
        if isinstance(raw, dict):
            return [str(k) for k in raw]
        out = []
        for item in raw or []:
            if isinstance(item, dict):
                if not item.get("disabled"):
                    out.append(str(item.get("value")))
            else:
                out.append(str(item))
        return out

    def value(self, component_id: str) -> Any:
        return self.page.evaluate("""id => {
            const api = window.dash_component_api;
            const c = api && api.getLayout ? api.getLayout(id) : null;
            return c && c.props ? c.props.value : null;
        }""", component_id)

    def visit(self, query: str) -> float | None:
        """Open a view in this page (browser cache warm, as a person moving on) until its map is painted;
        returns navigation start → painted (ms), or None if it did not paint in time."""
        self.page.goto(self.base + "/" + (f"?{query}" if query else ""), wait_until="commit",
                       timeout=FIRST_MAP_TIMEOUT_MS)
        try:
            self._wait_painted(0, FIRST_MAP_TIMEOUT_MS)
        except Exception:
            return None
        self.recorder.wait_quiet(self.page, quiet_ms=300, limit_s=20)
        return round(self._painted_at(0).t, 1)

    def _indicator_values(self) -> list[str]:
        """The selectable indicators, the current one first (read from the open dropdown)."""
        page = self.page
        page.click(f"#{self.indicator_id}")
        page.wait_for_selector("[role=option]", timeout=10_000)
        values: list[str] = page.evaluate(
            "() => { const inputs = Array.from(document.querySelectorAll('[role=option] input'))"
            ".filter((e) => !e.disabled);"
            " return inputs.filter((e) => e.checked).concat(inputs.filter((e) => !e.checked)).map((e) => e.value); }")
        page.keyboard.press("Escape")
        page.wait_for_timeout(200)
        return values

    def _period_count(self) -> int:
        slider = self.page.locator(f"#{self.period_id} [role=slider]")
        if slider.count() == 0:
            return 0
        return int(slider.get_attribute("aria-valuemax") or 0) + 1

    # switches
    def _arm(self) -> None:
        self.page.evaluate("() => { window.__bench.armed = true; window.__bench.t0 = null; }")

    def _pick_indicator(self, value: str) -> None:
        page = self.page
        page.click(f"#{self.indicator_id}")
        option = page.locator(f"[role=option]:has(input[value=\"{value}\"])")
        option.wait_for(state="visible", timeout=10_000)
        option.scroll_into_view_if_needed()
        self._arm()
        option.click()

    def _move_period(self) -> bool:
        slider = self.page.locator(f"#{self.period_id} [role=slider]")
        now = int(slider.get_attribute("aria-valuenow") or 0)
        top = int(slider.get_attribute("aria-valuemax") or 0)
        if top <= 0:
            return False
        slider.focus()
        self._arm()
        self.page.keyboard.press("ArrowLeft" if now > 0 else "ArrowRight")
        return True

    def switch(self, kind: str, indicator: str | None = None) -> SwitchResult | None:
        page = self.page
        self.recorder.wait_quiet(page, quiet_ms=300, limit_s=10)
        start = self.recorder.mark()
        if kind == "indicator":
            assert indicator is not None
            self._pick_indicator(indicator)
        elif not self._move_period():
            return None
        timed_out = False
        t0 = page.evaluate("() => window.__bench.t0")
        try:
            if t0 is None:
                raise RuntimeError("the action was not seen by the page")
            self._wait_painted(t0, SWITCH_TIMEOUT_MS)
        except Exception:
            timed_out = True
        self.recorder.wait_quiet(page)
        callbacks = [r for r in self.recorder.since(start) if r.method == "POST" and r.path.endswith(CALLBACK_PATH)]
        painted: Painted | None = None
        if not timed_out and t0 is not None:
            try:
                painted = self._painted_at(t0)
            except RuntimeError:
                timed_out = True
        timing = page.evaluate("""([t0, path]) => {
            const posts = performance.getEntriesByType("resource")
              .filter((e) => e.name.includes(path) && e.startTime >= t0).sort((a, b) => a.startTime - b.startTime);
            return {first_start: posts.length ? posts[0].startTime : null,
                    first_end: posts.length ? posts[0].responseEnd : null,
                    last_end: posts.length ? Math.max(...posts.map((e) => e.responseEnd)) : null,
                    long: window.__bench.long.filter(([s, d]) => s >= t0).map(([s, d]) => [s, d])};
        }""", [t0 or 0, CALLBACK_PATH])
        main = callbacks[0] if callbacks else None
        at = painted.t if painted else None

        def rel(v: float | None) -> float | None:
            return round(v - t0, 1) if v is not None and t0 is not None else None

        long_ms = sum(d for s, d in timing["long"] if at is None or s < at)
        return SwitchResult(
            kind=kind,
            paint_ms=rel(at),
            mark_ms=rel(painted.mark) if painted else None,
            signal=painted.signal if painted else "",
            idle_ms=rel(painted.idle) if painted else None,
            complete_ms=rel(timing["last_end"]),
            request_ms=rel(timing["first_start"]),
            response_ms=round(timing["first_end"] - timing["first_start"], 1) if timing["first_end"] else None,
            client_ms=round(at - timing["first_end"], 1) if at is not None and timing["first_end"] else None,
            long_task_ms=round(long_ms, 1),
            bytes_gzip=sum(r.gzip for r in callbacks),
            bytes_raw=sum(r.raw for r in callbacks),
            bytes_transferred=sum(r.transferred or 0 for r in callbacks),
            map_bytes_gzip=main.gzip if main else 0,
            map_bytes_raw=main.raw if main else 0,
            map_callback=callback_name(main.post_data) if main else "",
            callbacks=[{"callback": callback_name(r.post_data), **r.sizes()} for r in callbacks],
            outputs=output_sizes(main.body) if main else {},
            requests=[(callback_name(r.post_data), r.url, r.post_data or "") for r in callbacks],
            timed_out=timed_out or t0 is None,
        )

    def run_switches(self, count: int, indicators: list[str], time_limit_s: float,
                     log: Callable[[str], None]) -> list[SwitchResult]:
        """Alternate indicator and period switches (``count`` in all, within ``time_limit_s``)."""
        results: list[SwitchResult] = []
        choices = indicators[1:] or indicators  # the first is the one shown
        deadline = time.monotonic() + time_limit_s
        n_indicator = 0
        kind = "indicator"
        while len(results) < count and time.monotonic() < deadline and choices:
            if kind == "period":
                result = self.switch("period")
                if result is None:  # this indicator has a single period: switch the indicator instead
                    kind = "indicator"
                    continue
            else:
                result = self.switch("indicator", choices[n_indicator % len(choices)])
                n_indicator += 1
            assert result is not None
            results.append(result)
            log(f"      {self.label} {result.kind:9s} paint {result.paint_ms} ms ({result.signal or 'timed out'}), "
                f"{result.bytes_gzip / 1000:.1f} kB gzip in {result.n_callbacks} callback request(s)")
            kind = "period" if kind == "indicator" else "indicator"
        return results


# --- a realistic browse (worker memory) ---------------------------------------------------------------

def browse(browser: Browser, base: str, ids: dict[str, str], indicators_per_level: int, label: str,
           log: Callable[[str], None], skip_frame_prefix: str = "bench_") -> dict[str, Any]:
    """Open every frame and level the app offers once (frames named ``skip_frame_prefix…`` are the benchmark's
    own additions and skipped) and, on each level, pick the next ``indicators_per_level`` indicators of the
    dropdown, in the dropdown's order — the same fixed walk for every version."""
    driver = Driver(browser, base, "app", ids["indicator"], ids["period"], label)
    visited: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        if driver.visit("") is None:
            return {"error": "the start page did not paint a map", "levels": []}
        frames = [f for f in driver.options(ids["frame"]) if not f.startswith(skip_frame_prefix)]
        for frame in frames:
            driver.visit(f"frame={frame}")
            levels = driver.options(ids["level"])
            for level in levels:
                painted = driver.visit(f"frame={frame}&level={level}")
                entry: dict[str, Any] = {"frame": frame, "level": level, "painted_ms": painted, "switches": 0}
                if painted is not None:
                    values = driver._indicator_values()
                    for value in values[1:1 + indicators_per_level]:
                        result = driver.switch("indicator", value)
                        if result is not None and not result.timed_out:
                            entry["switches"] += 1
                visited.append(entry)
                log(f"    {label} browse {frame}/{level}: painted {painted} ms, {entry['switches']} switch(es)")
    finally:
        driver.close()
    return {"levels": visited, "frames": len({v["frame"] for v in visited}), "duration_s":
            round(time.monotonic() - started, 1), "indicators_per_level": indicators_per_level,
            "console_errors": sorted(set(driver.console_errors))[:10]}
