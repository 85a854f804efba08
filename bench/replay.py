"""Server callback time: replay captured ``/_dash-update-component`` requests over loopback HTTP.

The request body of a switch is captured in the browser (inpage.py); here it is sent again N times with the
indicator and period inputs varied, so the server computes a different view each time (the domain service
caches per indicator and period, so the first request of each combination is cold, repeats are warm — as on
a server used by many people). Each time is one POST from send to the last byte of the (gzip-compressed)
answer, with a fresh connection, as ``urllib`` does it, and the page's ``Origin`` header, as a browser sends it.
"""

from __future__ import annotations

import copy
import json
import statistics
import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

REQUEST_TIMEOUT = 60.0


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0…100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def variants(body: str, indicator_id: str, indicators: list[str], period_id: str, periods: int,
             count: int) -> list[str]:
    """``count`` request bodies that ask for different indicators and periods: request k takes indicator
    k mod n and period (k div n) mod p, alternately as an indicator change and as a period change."""
    try:
        template = json.loads(body)
    except ValueError:
        return [body] * count
    inputs = template.get("inputs")
    ids = {i.get("id") for i in inputs} if isinstance(inputs, list) else set()
    if indicator_id not in ids or not indicators:
        return [body] * count
    out = []
    for k in range(count):
        request = copy.deepcopy(template)
        for item in request["inputs"]:
            if item.get("id") == indicator_id:
                item["value"] = indicators[k % len(indicators)]
            elif item.get("id") == period_id and periods > 0:
                item["value"] = (k // len(indicators)) % periods
        changed = indicator_id if k % 2 == 0 else period_id
        request["changedPropIds"] = [f"{changed}.value"]
        out.append(json.dumps(request))
    return out


def replay(url: str, bodies: list[str], time_limit_s: float) -> dict[str, Any]:
    """POST each body once, in order, until done or ``time_limit_s`` has passed; p50/p95 of the times."""
    times: list[float] = []
    sizes: list[int] = []
    errors: list[str] = []
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"  # as a browser sends it (an app may refuse cross-origin POSTs)
    deadline = time.monotonic() + time_limit_s
    for body in bodies:
        if time.monotonic() > deadline:
            break
        request = urllib.request.Request(url, data=body.encode("utf-8"), method="POST", headers={
            "Content-Type": "application/json", "Accept-Encoding": "gzip", "Origin": origin})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                data = response.read()
                status = response.status
        except OSError as exc:
            errors.append(str(exc)[:200])
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if status not in (200, 204):
            errors.append(f"HTTP {status}")
            continue
        times.append(elapsed)
        sizes.append(len(data))
    return {
        "n": len(times),
        "p50_ms": _round(percentile(times, 50)),
        "p95_ms": _round(percentile(times, 95)),
        "max_ms": _round(max(times) if times else None),
        "mean_ms": _round(statistics.fmean(times) if times else None),
        "response_bytes_median": int(statistics.median(sizes)) if sizes else None,
        "errors": errors[:5],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
