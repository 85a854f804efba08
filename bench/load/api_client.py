"""A client of the read API (``/api/v1/…``): a script or a data portal fetching values, with the same think
time as the browser users. Its requests are recorded apart (``Recorder.api``) and never enter the user
figures.

Each *round* of an API user (seeded random, bounded in time and count):

- with probability 0.3, or while it knows nothing yet, it walks the catalogue: ``GET /api/v1/frames``,
  ``…/frames/{frame}/levels``, ``…/levels/{level}/indicators``, ``…/indicators/{indicator}`` (the periods);
  otherwise it picks an indicator it (or another API user) has seen;
- ``GET …/indicators/{indicator}/values?period=P`` — JSON, one in four ``&format=csv``;
- ``GET …/values?area=ID`` without a period: one area's series;
- one in three: the values again with ``If-None-Match: <ETag of the first answer>`` (expected: 304).

Frames, levels, indicators, periods and area ids are read from the answers themselves, tolerantly: an
answer may be a list, or an object holding the list (``{"frames": [...]}``, ``{"items": [...]}``, …);
an item may be a string or an object with ``id`` / ``key`` / ``code`` / ``name``. A 404 on
``/api/v1/frames``, or a 200 that is not JSON (Dash serves its page for any path), means the app has no
API ("API not available"): the API users stop.

Request types in the report: ``api:frames``, ``api:levels``, ``api:indicators``, ``api:indicator``,
``api:values``, ``api:values_csv``, ``api:series``, ``api:conditional``. An error is a status other than
200 (304 for a conditional repeat) or a failed connection; a conditional repeat answered with a full 200 is
not an error but counted (``etag_ignored``).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
from dash_client import REQUEST_TIMEOUT_S, Record, Recorder

API = "/api/v1"
LIST_KEYS = ("items", "data", "results", "frames", "levels", "indicators", "values", "periods", "series", "rows")
ID_KEYS = ("id", "key", "code", "slug", "name", "value")
AREA_KEYS = ("area_id", "area", "id", "code", "key")
PERIOD_KEYS = ("period", "id", "key", "label", "value", "name")
MAX_DEPTH = 4


def find_list(doc: Any, prefer: tuple[str, ...] = LIST_KEYS, depth: int = 0) -> list[Any]:
    """The list in an answer: the answer itself, or the first list under a preferred key, or any list."""
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict) or depth > MAX_DEPTH:
        return []
    for key in prefer:
        if isinstance(doc.get(key), list):
            return list(doc[key])
    for key in prefer:  # {"data": {"items": [...]}}
        if isinstance(doc.get(key), dict):
            found = find_list(doc[key], prefer, depth + 1)
            if found:
                return found
    return next((v for v in doc.values() if isinstance(v, list)), [])


def item_id(item: Any, keys: tuple[str, ...] = ID_KEYS) -> str | None:
    if isinstance(item, str | int) and not isinstance(item, bool):
        return str(item)
    if isinstance(item, dict):
        for key in keys:
            value = item.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                return str(value)
            if isinstance(value, dict) and value is not item:  # {"area": {"id": …, "name": …}, "value": …}
                inner = item_id(value, ID_KEYS)
                if inner:
                    return inner
    return None


def ids_of(doc: Any, prefer: tuple[str, ...] = LIST_KEYS, keys: tuple[str, ...] = ID_KEYS) -> list[str]:
    return [i for i in (item_id(x, keys) for x in find_list(doc, prefer)) if i]


def periods_of(doc: Any) -> list[str]:
    """Periods named by an indicator's description (``periods``: strings or objects), else by value rows."""
    stack, seen = [doc], 0
    while stack and seen < 200:
        node, seen = stack.pop(), seen + 1
        if isinstance(node, dict):
            if isinstance(node.get("periods"), list):
                return [p for p in (item_id(x, PERIOD_KEYS) for x in node["periods"]) if p]
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node[:50] if isinstance(v, dict | list))
    rows = find_list(doc, ("values", "rows", "data", "items", "series"))
    return sorted({str(r["period"]) for r in rows if isinstance(r, dict) and r.get("period") is not None})


def areas_of(doc: Any) -> list[str]:
    """Area ids in a values answer: rows with ``area_id``/``area``/``id``, or an object keyed by area."""
    rows = find_list(doc, ("values", "rows", "data", "items", "areas"))
    if rows:
        return [a for a in (item_id(r, AREA_KEYS) for r in rows) if a]
    if isinstance(doc, dict):
        inner = doc.get("values")
        if isinstance(inner, dict):
            return [str(k) for k in inner]
    return []


@dataclass
class ApiShared:
    """What the API users learn (shared, like a script's cache) and whether the app has an API."""

    base: str
    available: bool | None = None  # None: not probed yet
    reason: str | None = None
    indicators: list[tuple[str, str, str]] = field(default_factory=list)  # (frame, level, indicator)
    periods: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    areas: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (frame, level) → area ids
    etag_ignored: int = 0
    conditional_sent: int = 0


class ApiUser:
    def __init__(self, number: int, shared: ApiShared, recorder: Recorder, rng: random.Random, *,
                 think: tuple[float, float], deadline: float, max_requests: int = 5000) -> None:
        self.number = number
        self.shared = shared
        self.rec = recorder
        self.rng = rng
        self.think = think
        self.deadline = deadline
        self.max_requests = max_requests
        self.requests = 0

    async def get(self, http: aiohttp.ClientSession, path: str, kind: str,
                  etag: str | None = None) -> tuple[int, bytes, dict[str, str]]:
        self.requests += 1
        headers = {"Accept-Encoding": "gzip, deflate", "Accept": "application/json, text/csv;q=0.9"}
        if etag:
            headers["If-None-Match"] = etag
        started = time.monotonic()
        status, data, error, message, answer_headers = 0, b"", None, None, {}
        try:
            async with http.get(self.shared.base + path, headers=headers) as response:
                status, answer_headers = response.status, dict(response.headers)
                data = await response.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            error, message = "transport:" + type(exc).__name__, str(exc)[:160]
        ms = (time.monotonic() - started) * 1000
        if error is None and status not in ((200, 304) if etag else (200,)):
            error, message = f"http_{status}", " ".join(data[:300].decode("utf-8", "replace").split())[:200]
        if etag and status == 200:
            self.shared.etag_ignored += 1
        self.rec.add_api(Record(round(started - self.rec.t0, 4), kind, round(ms, 2), status, error, message,
                                len(data)))
        return status, data, answer_headers

    async def get_json(self, http: aiohttp.ClientSession, path: str, kind: str) -> Any:
        status, data, _ = await self.get(http, path, kind)
        if status != 200:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def _pause(self) -> float:
        return self.rng.uniform(*self.think)

    def _going(self) -> bool:
        return time.monotonic() < self.deadline and self.requests < self.max_requests

    async def walk(self, http: aiohttp.ClientSession) -> tuple[str, str, str] | None:
        """The catalogue, top down: frames → levels → indicators → one indicator (its periods)."""
        rng = self.rng
        status, data, _ = await self.get(http, f"{API}/frames", "api:frames")
        if status == 404:
            self.shared.available, self.shared.reason = False, f"GET {API}/frames → 404"
            return None
        if status != 200:
            return None
        doc = _json(data)
        if doc is None:
            self.shared.available, self.shared.reason = False, f"GET {API}/frames → 200, not JSON"
            return None
        frames = ids_of(doc, ("frames", *LIST_KEYS))
        if not frames:
            return None
        frame = rng.choice(frames)
        await asyncio.sleep(self._pause())
        fq = quote(frame, safe="")
        levels = ids_of(await self.get_json(http, f"{API}/frames/{fq}/levels", "api:levels"), ("levels", *LIST_KEYS))
        if not levels or not self._going():
            return None
        level = rng.choice(levels)
        await asyncio.sleep(self._pause())
        lq = quote(level, safe="")
        answer = await self.get_json(http, f"{API}/frames/{fq}/levels/{lq}/indicators", "api:indicators")
        indicators = ids_of(answer, ("indicators", *LIST_KEYS))
        if not indicators or not self._going():
            return None
        for ind in indicators:
            if (frame, level, ind) not in self.shared.indicators:
                self.shared.indicators.append((frame, level, ind))
        indicator = rng.choice(indicators)
        await asyncio.sleep(self._pause())
        detail = await self.get_json(http, f"{API}/frames/{fq}/levels/{lq}/indicators/{quote(indicator, safe='')}",
                                     "api:indicator")
        periods = periods_of(detail) if detail is not None else []
        if periods:
            self.shared.periods[(frame, level, indicator)] = periods
        return frame, level, indicator

    async def values(self, http: aiohttp.ClientSession, frame: str, level: str, indicator: str) -> None:
        rng = self.rng
        path = (f"{API}/frames/{quote(frame, safe='')}/levels/{quote(level, safe='')}/indicators/"
                f"{quote(indicator, safe='')}/values")
        periods = self.shared.periods.get((frame, level, indicator)) or []
        query = f"?period={quote(rng.choice(periods), safe='')}" if periods else ""
        csv = rng.random() < 0.25
        full = path + query + (("&" if query else "?") + "format=csv" if csv else "")
        status, data, headers = await self.get(http, full, "api:values_csv" if csv else "api:values")
        if status != 200:
            return
        if not csv:
            doc = _json(data)
            areas = areas_of(doc)
            if areas:
                self.shared.areas[(frame, level)] = areas
            if not periods:
                found = periods_of(doc)
                if found:
                    self.shared.periods[(frame, level, indicator)] = found
        etag = headers.get("ETag") or headers.get("Etag")
        if etag and rng.random() < 1 / 3 and self._going():  # a script polling for changes
            await asyncio.sleep(self._pause())
            self.shared.conditional_sent += 1
            await self.get(http, full, "api:conditional", etag=etag)
        areas = self.shared.areas.get((frame, level)) or []
        if areas and self._going():
            await asyncio.sleep(self._pause())
            await self.get(http, f"{path}?area={quote(rng.choice(areas), safe='')}", "api:series")

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        connector = aiohttp.TCPConnector(limit=2)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
            await asyncio.sleep(self.rng.uniform(0, 1.0))
            while self._going() and self.shared.available is not False:
                known = self.shared.indicators
                if not known or self.rng.random() < 0.3:
                    chosen = await self.walk(http)
                    if chosen is None:
                        await asyncio.sleep(self._pause())
                        continue
                else:
                    chosen = self.rng.choice(known)
                if not self._going():
                    break
                await asyncio.sleep(self._pause())
                await self.values(http, *chosen)
                await asyncio.sleep(self._pause())


async def probe(http: aiohttp.ClientSession, base: str, shared: ApiShared) -> None:
    """Whether the app has the API (not recorded): a 404 on /api/v1/frames, or a 200 that is not JSON (an app
    serving its page for any path), means "not available"; another status: the API users run and report it."""
    try:
        async with http.get(base + f"{API}/frames", headers={"Accept": "application/json"}) as response:
            data = await response.read()
            shared.available = response.status != 404  # another failure: the API users run and report it
            if response.status != 200:
                shared.reason = f"GET {API}/frames → {response.status}"
            elif _json(data) is None:  # e.g. the Dash page served for any path
                kind = response.headers.get("Content-Type", "?").split(";")[0]
                shared.available, shared.reason = False, f"GET {API}/frames → 200 {kind}, not JSON"
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        shared.available, shared.reason = True, f"GET {API}/frames failed: {type(exc).__name__}"


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None
