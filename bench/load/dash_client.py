"""A virtual user: one browser tab of the Sozialmonitor dashboard, spoken over HTTP with aiohttp.

The user does what Dash's renderer does in a browser, request for request (compare
``captured_requests.json``, recorded from headless Chromium by ``capture.py``):

- *open*: ``GET /?<permalink>``, ``GET /_dash-layout``, ``GET /_dash-dependencies``, the page's scripts and
  styles (first visit only: a returning browser has them cached), then the pages callback
  (``POST /_dash-update-component`` for ``_pages_content``), then the geometry URL found in the returned
  layout, then every server callback whose inputs are in the new layout and that is not
  ``prevent_initial_call`` (panels and table), concurrently, as the renderer does;
- *steps*: a control changes (indicator, period slider, a click on a map area, a click in the ranking);
  the callbacks with that input are posted with the body the renderer would build (every input and state
  with its current value, ``changedPropIds``), the answer is applied to the tab's copy of the component
  props, and every server callback that has one of the changed props as input follows (the panels with
  series, ranking and the selected area's profile; the table), never the callback that produced them.

Which callbacks follow is read from ``/_dash-dependencies``, as the renderer does, so one client speaks
to both the app before the one-request-per-action rework (the baseline) and after it:

- a server callback fires when a prop it takes as input was changed by the user or by a server answer,
  and at least one of its outputs is in the layout (the renderer's ``pruneCallbacks``); props changed
  by a browser-side (clientside) callback fire nothing (there is no JavaScript here: e.g. the reworked
  app's Analyse section, whose callbacks follow a tick its browser sets only while the section is open,
  sends nothing, as in a browser), except the click handling the client runs itself (``click``):
- a map click: when the app has a clientside callback from ``areas-layer.clickData`` to
  ``selected-areas.value`` (the reworked app), the click toggles the area in the selection in the
  "browser" (at most 8, newest last) and the server callbacks on ``selected-areas.value`` follow; else
  (the app before) the browser reduced the click to ``clicked-area.data`` ``{id, at}`` and the main
  callback takes that. A click in the ranking likewise from ``ranking-graph.clickData`` (before: the
  main callback took ``ranking-graph.clickData`` itself).

Every request is recorded with its type, start time, duration (send → last byte), status and error kind.
An error is an HTTP status other than 200/204, a failed connection, or a 200 whose body carries the app's
error message (``notice-error``: the guard's "Datenbank … nicht erreichbar" or "unerwarteter Fehler").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

DASH_POST = "/_dash-update-component"
REQUEST_TIMEOUT_S = 30.0
MAX_CHAIN = 3  # callback → outputs → callbacks: the app has chains of length 2
PAGES_OUTPUT = ".._pages_content.children..._pages_store.data.."
SELECTION = ("selected-areas", "value")
MAX_SELECTED = 8  # the reworked app's clientside toggle keeps the newest 8
MAP_CLICK = "areas-layer.clickData"
RANKING_CLICK = "ranking-graph.clickData"
OLD_MAP_CLICK = ("clicked-area", "data")  # the app before: the browser reduces a map click to {id, at}

# the app's own words for the two error kinds (sozialmonitor/i18n.py: store_unavailable, internal_error)
MESSAGES = {
    "store_unavailable": ("Datenbank ist gerade nicht erreichbar", "database cannot be reached"),
    "internal_error": ("unerwarteter Fehler", "unexpected error"),
}

CALLBACK_TYPES = {  # output of a server callback → request type in the report
    PAGES_OUTPUT: "pages_content",
}


def callback_type(output: str) -> str:
    if output in CALLBACK_TYPES:
        return CALLBACK_TYPES[output]
    if "view-query.data" in output:
        return "main"
    if "profile.children" in output:
        return "panels"
    if "area-table.data" in output:
        return "table"
    first = output.strip(".").split("...")[0]
    return "cb:" + first


@dataclass(frozen=True)
class Callback:
    output: str
    outputs: tuple[tuple[str, str], ...]
    inputs: tuple[tuple[str, str], ...]
    state: tuple[tuple[str, str], ...]
    prevent_initial_call: bool
    clientside: bool

    @property
    def multi(self) -> bool:
        return self.output.startswith("..")

    @property
    def kind(self) -> str:
        return callback_type(self.output)


def _split(output: str) -> tuple[tuple[str, str], ...]:
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        ident, _, prop = part.rpartition(".")
        out.append((ident, prop.split("@")[0]))
    return tuple(out)


def parse_dependencies(deps: list[dict[str, Any]]) -> list[Callback]:
    return [
        Callback(
            output=d["output"],
            outputs=_split(d["output"]),
            inputs=tuple((i["id"], i["property"]) for i in d["inputs"]),
            state=tuple((s["id"], s["property"]) for s in d.get("state", [])),
            prevent_initial_call=bool(d.get("prevent_initial_call")),
            clientside=bool(d.get("clientside_function")),
        )
        for d in deps
        if all(isinstance(i.get("id"), str) for i in d["inputs"])  # no pattern-matching ids in this app
    ]


def collect_props(tree: Any, props: dict[tuple[str, str], Any]) -> None:
    """Record the props of every component with a string id in a layout tree (as the renderer's store)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "type" in node and "namespace" in node and isinstance(node.get("props"), dict):
                p = node["props"]
                ident = p.get("id")
                if isinstance(ident, str):
                    for key, value in p.items():
                        props[(ident, key)] = value
                stack.extend(p.values())
            else:
                stack.extend(node.values())


def error_kind(text: str) -> str | None:
    """``store_unavailable`` / ``internal_error`` / ``error_notice`` when a 200 carries the app's error."""
    if "notice-error" not in text:
        return None
    for kind, words in MESSAGES.items():
        if any(w in text for w in words):
            return kind
    return "error_notice"


@dataclass
class Record:
    t: float  # seconds since the run's start, when the request was sent
    kind: str
    ms: float
    status: int  # 0: no HTTP answer
    error: str | None = None
    message: str | None = None
    nbytes: int = 0


@dataclass
class Recorder:
    """Requests of the browser users (``records``), their actions (``steps``: one per open or step) and
    the API clients' requests (``api``), kept apart so that API traffic never enters the user figures."""

    t0: float
    records: list[Record] = field(default_factory=list)
    steps: list[Record] = field(default_factory=list)
    api: list[Record] = field(default_factory=list)
    limit: int = 2_000_000

    def now(self) -> float:
        return time.monotonic() - self.t0

    def add(self, record: Record) -> None:
        if len(self.records) < self.limit:
            self.records.append(record)

    def add_api(self, record: Record) -> None:
        if len(self.api) < self.limit:
            self.api.append(record)


@dataclass
class Shared:
    """What all users learn once: callbacks, indicator and area ids per geometry URL."""

    base: str
    callbacks: list[Callback] = field(default_factory=list)
    area_ids: dict[str, list[str]] = field(default_factory=dict)

    def selection_toggle(self, source: str) -> Callback | None:
        """The reworked app's browser-side callback that turns a click (``source``) into a toggle of
        ``selected-areas.value``, if the app has one."""
        return next((c for c in self.callbacks if c.clientside and SELECTION in c.outputs
                     and any(f"{i}.{p}" == source for i, p in c.inputs)), None)

    def protocol(self) -> str:
        """``selection`` (a click toggles the selection in the browser) or ``clicked-area`` (before)."""
        return "selection" if self.selection_toggle(MAP_CLICK) else "clicked-area"


def toggle_selection(current: Any, area: str) -> list[str]:
    """What the reworked app's clientside callback does with a click: toggle, at most 8, newest last."""
    selected = [str(a) for a in current] if isinstance(current, list) else ([str(current)] if current else [])
    if area in selected:
        return [a for a in selected if a != area]
    return [*selected, area][-MAX_SELECTED:]


class VirtualUser:
    """One browser tab; ``run`` repeats sessions (open + steps) until the deadline."""

    def __init__(self, number: int, shared: Shared, recorder: Recorder, rng: random.Random, *,
                 think: tuple[float, float], steps: tuple[int, int], indicators: list[str],
                 deadline: float, max_requests: int = 5000) -> None:
        self.number = number
        self.shared = shared
        self.rec = recorder
        self.rng = rng
        self.think = think
        self.steps = steps
        self.indicators = indicators
        self.deadline = deadline
        self.max_requests = max_requests
        self.requests = 0
        self.errors = 0
        self.props: dict[tuple[str, str], Any] = {}
        self.assets_loaded = False
        self.sessions = 0
        self.in_action = False  # an action under way (cut off if the run's hard limit cancels the user)
        self.origin = shared.base
        self.referer = shared.base + "/"

    # --- HTTP ------------------------------------------------------------------------------------------

    async def _request(self, http: aiohttp.ClientSession, method: str, path: str, kind: str,
                       body: dict[str, Any] | None = None) -> tuple[int, bytes]:
        self.requests += 1
        headers = {"Accept-Encoding": "gzip, deflate"}
        if body is not None:
            headers.update({"Origin": self.origin, "Content-Type": "application/json",
                            "Accept": "application/json", "Referer": self.referer})
        started = time.monotonic()
        t = started - self.rec.t0
        status, data, error, message = 0, b"", None, None
        try:
            async with http.request(method, self.shared.base + path, headers=headers,
                                    data=json.dumps(body) if body is not None else None) as response:
                status = response.status
                data = await response.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            error = "transport:" + type(exc).__name__
            message = str(exc)[:160]
        ms = (time.monotonic() - started) * 1000
        if error is None:
            if status not in (200, 204, 304):
                error = f"http_{status}"
                message = " ".join(data[:300].decode("utf-8", "replace").split())[:200]
            elif body is not None or kind == "page":
                found = error_kind(data.decode("utf-8", "replace")) if data else None
                if found:
                    error = found
                    message = _notice_text(data)
        if error is not None:
            self.errors += 1
        self.rec.add(Record(round(t, 4), kind, round(ms, 2), status, error, message, len(data)))
        return status, data

    # --- the renderer ----------------------------------------------------------------------------------

    def _value_item(self, ident: str, prop: str) -> dict[str, Any]:
        item: dict[str, Any] = {"id": ident, "property": prop}
        if (ident, prop) in self.props:
            item["value"] = self.props[(ident, prop)]
        return item

    def body(self, cb: Callback, changed: list[str]) -> dict[str, Any]:
        outputs: Any = [{"id": i, "property": p} for i, p in cb.outputs]
        body: dict[str, Any] = {
            "output": cb.output,
            "outputs": outputs if cb.multi else outputs[0],
            "inputs": [self._value_item(i, p) for i, p in cb.inputs],
            "changedPropIds": changed,
            "parsedChangedPropsIds": changed,
        }
        if cb.state:
            body["state"] = [self._value_item(i, p) for i, p in cb.state]
        return body

    def _ids(self) -> set[str]:
        return {ident for ident, _ in self.props}

    def _present(self, cb: Callback, ids: set[str] | None = None) -> bool:
        """Initial call: every input in the layout and at least one output."""
        ids = self._ids() if ids is None else ids
        return all(i in ids for i, _ in cb.inputs) and self._has_output(cb, ids)

    @staticmethod
    def _has_output(cb: Callback, ids: set[str]) -> bool:
        """The renderer drops a callback none of whose outputs is in the layout (``pruneCallbacks``)."""
        return any(i in ids for i, _ in cb.outputs)

    def _triggered(self, changed: set[str], exclude: Callback | None = None) -> list[tuple[Callback, list[str]]]:
        """Server callbacks with one of ``changed`` as input (and an output in the layout), each once,
        with the changed inputs as ``changedPropIds``; browser-side callbacks are not run here."""
        ids = self._ids()
        out = []
        for c in self.shared.callbacks:
            if c.clientside or c is exclude or not self._has_output(c, ids):
                continue
            hit = [f"{i}.{p}" for i, p in c.inputs if f"{i}.{p}" in changed]
            if hit:
                out.append((c, hit))
        return out

    async def fire(self, http: aiohttp.ClientSession, cb: Callback, changed: list[str],
                   depth: int = 0) -> None:
        """Post one callback, apply its answer, then fire what depends on the changed props."""
        status, data = await self._request(http, "POST", DASH_POST, cb.kind, self.body(cb, changed))
        if status != 200 or not data:
            return
        try:
            answer = json.loads(data)
        except ValueError:
            return
        updated: list[tuple[str, str]] = []
        for ident, props in (answer.get("response") or {}).items():
            if not isinstance(props, dict):
                continue
            for prop, value in props.items():
                self.props[(ident, prop)] = value
                updated.append((ident, prop))
                if prop == "children" and isinstance(value, dict | list):
                    collect_props(value, self.props)
        if depth + 1 >= MAX_CHAIN or not updated:
            return
        follow = self._triggered({f"{i}.{p}" for i, p in updated}, exclude=cb)
        await asyncio.gather(*(self.fire(http, c, hit, depth + 1) for c, hit in follow))

    async def open(self, http: aiohttp.ClientSession, query: str) -> None:
        """A page load with a permalink, as a browser does it."""
        self.props = {}
        self.referer = f"{self.shared.base}/?{query}"
        status, html_bytes = await self._request(http, "GET", f"/?{query}", "page")
        layout_status, shell = await self._request(http, "GET", "/_dash-layout", "dash_layout")
        await self._request(http, "GET", "/_dash-dependencies", "dash_dependencies")
        if layout_status == 200 and shell:
            with contextlib.suppress(ValueError):
                collect_props(json.loads(shell), self.props)  # the app shell (location, pages container, …)
        if not self.assets_loaded and status == 200:
            self.assets_loaded = True
            paths = re.findall(r'(?:src|href)="(/(?:assets|_dash-component-suites)/[^"]+)"',
                               html_bytes.decode("utf-8", "replace"))
            for start in range(0, len(paths), 6):  # a browser opens at most 6 connections per host
                await asyncio.gather(*(self._request(http, "GET", p.replace("&amp;", "&"), "asset")
                                       for p in paths[start:start + 6]))
        self.props[("_pages_location", "pathname")] = "/"
        self.props[("_pages_location", "search")] = f"?{query}"
        pages = next((c for c in self.shared.callbacks if c.output == PAGES_OUTPUT), None)
        if pages is None:
            return
        status, data = await self._request(http, "POST", DASH_POST, "pages_content",
                                           self.body(pages, ["_pages_location.pathname", "_pages_location.search"]))
        if status != 200:
            return
        try:
            layout = json.loads(data)["response"]
        except (ValueError, KeyError, TypeError):
            return
        collect_props(layout, self.props)
        geo = self.props.get(("areas-layer", "url"))
        outline = self.props.get(("outline-layer", "url"))
        fetches = [self.fetch_geometry(http, url) for url in (geo, outline) if isinstance(url, str) and url]
        ids = self._ids()
        initial = [c for c in self.shared.callbacks
                   if not c.clientside and not c.prevent_initial_call and c.output != PAGES_OUTPUT
                   and self._present(c, ids)]
        await asyncio.gather(*fetches, *(self.fire(http, c, []) for c in initial))

    async def fetch_geometry(self, http: aiohttp.ClientSession, url: str) -> None:
        status, data = await self._request(http, "GET", url, "geometry")
        if status == 200 and url not in self.shared.area_ids and data:
            try:
                features = json.loads(data).get("features") or []
                ids = [str(f.get("id") or (f.get("properties") or {}).get("id") or "") for f in features]
                self.shared.area_ids[url] = [i for i in ids if i]
            except (ValueError, AttributeError):
                self.shared.area_ids[url] = []

    # --- user actions ----------------------------------------------------------------------------------

    async def change(self, http: aiohttp.ClientSession, ident: str, prop: str, value: Any,
                     emulated: dict[tuple[str, str], Any] | None = None) -> None:
        """The user changes one prop; ``emulated``: props a browser-side callback changes in response
        (run here in Python). The server callbacks on any of them follow, each once."""
        self.props[(ident, prop)] = value
        changed = {f"{ident}.{prop}"}
        for key, new in (emulated or {}).items():
            self.props[key] = new
            changed.add(f"{key[0]}.{key[1]}")
        await asyncio.gather(*(self.fire(http, c, hit) for c, hit in self._triggered(changed)))

    async def click(self, http: aiohttp.ClientSession, source: str, event: Any, area: str) -> None:
        """A click on the map (``areas-layer.clickData``) or in the ranking (``ranking-graph.clickData``)."""
        ident, prop = source.rsplit(".", 1)
        if self.shared.selection_toggle(source):  # the reworked app: the browser toggles the selection
            await self.change(http, ident, prop, event,
                              {SELECTION: toggle_selection(self.props.get(SELECTION), area)})
        elif source == MAP_CLICK:  # before: the browser reduced the click to the area id (clientside)
            await self.change(http, ident, prop, event, {OLD_MAP_CLICK: {"id": area, "at": int(time.time() * 1000)}})
        else:
            await self.change(http, ident, prop, event)

    def _area_ids(self) -> list[str]:
        url = self.props.get(("areas-layer", "url"))
        return self.shared.area_ids.get(url, []) if isinstance(url, str) else []

    def _indicator_choices(self) -> list[str]:
        options = self.props.get(("indicator", "options")) or []
        values = [o.get("value") for o in options if isinstance(o, dict) and not o.get("disabled")]
        return [v for v in values if isinstance(v, str)] or self.indicators

    async def step(self, http: aiohttp.ClientSession) -> str | None:
        rng = self.rng
        action = rng.choices(["indicator", "period", "map_click", "ranking_click"], [30, 25, 30, 15])[0]
        if action == "indicator":
            current = self.props.get(("indicator", "value"))
            choices = [i for i in self._indicator_choices() if i != current]
            if not choices:
                return None
            await self.change(http, "indicator", "value", rng.choice(choices))
        elif action == "period":
            top = self.props.get(("period", "max"))
            if not isinstance(top, int) or top < 1:
                return None
            current = self.props.get(("period", "value"))
            indices = [i for i in range(top + 1) if i != current]
            await self.change(http, "period", "value", rng.choice(indices))
        else:
            ids = self._area_ids()
            if not ids:
                return None
            area = rng.choice(ids)
            if action == "map_click":  # dash-leaflet sends the clicked feature (here without its geometry)
                await self.click(http, MAP_CLICK, {"type": "Feature", "id": area, "properties": {"id": area}}, area)
            else:
                await self.click(http, RANKING_CLICK, {"points": [{"customdata": area, "x": 1, "y": area,
                                                                   "pointNumber": 0, "curveNumber": 0}]}, area)
        return action

    def permalink(self) -> str:
        rng = self.rng
        pairs: list[tuple[str, str]] = [("ind", rng.choice(self.indicators))] if self.indicators else []
        ids = next(iter(self.shared.area_ids.values()), [])
        if ids and rng.random() < 0.5:
            pairs.append(("sel", ",".join(rng.sample(ids, k=min(len(ids), rng.randint(1, 3))))))
        if rng.random() < 0.2:
            pairs.append(("lang", "en"))
        if rng.random() < 0.2:
            pairs.append(("method", rng.choice(["jenks", "equal", "quantiles"])))
        return urlencode(pairs, safe=",", quote_via=quote)

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        connector = aiohttp.TCPConnector(limit=6, force_close=False)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
            await asyncio.sleep(self.rng.uniform(0, 1.0))  # users do not arrive in the same millisecond
            while time.monotonic() < self.deadline and self.requests < self.max_requests:
                self.sessions += 1
                started, errors = time.monotonic(), self.errors
                self.in_action = True
                await self.open(http, self.permalink())
                self._step_record("open", started, errors)
                for _ in range(self.rng.randint(*self.steps)):
                    if time.monotonic() >= self.deadline or self.requests >= self.max_requests:
                        break
                    await asyncio.sleep(self.rng.uniform(*self.think))
                    if time.monotonic() >= self.deadline:
                        break
                    started, errors = time.monotonic(), self.errors
                    self.in_action = True
                    action = await self.step(http)
                    if action:
                        self._step_record(action, started, errors)
                    self.in_action = False
                await asyncio.sleep(self.rng.uniform(*self.think))


    def _step_record(self, action: str, started: float, errors_before: int) -> None:
        self.in_action = False
        failed = self.errors - errors_before
        self.rec.steps.append(Record(round(started - self.rec.t0, 4), action,
                                     round((time.monotonic() - started) * 1000, 2), 200,
                                     f"{failed} failed request(s)" if failed else None))


def _notice_text(data: bytes) -> str | None:
    text = data.decode("utf-8", "replace")
    for words in MESSAGES.values():
        for w in words:
            at = text.find(w)
            if at >= 0:
                start = max(text.rfind('"', 0, at) + 1, at - 80)
                end = text.find('"', at)
                return text[start:end if end > 0 else at + 120][:200]
    return None
