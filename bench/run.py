"""Sozialmonitor benchmark suite: one command, its own stores, the app of the working tree beside today's main
(an earlier commit, copied and started from that copy) in headless Chromium, in the same run.

    python bench/run.py                      # full run (~15 min on 2 cores): writes bench/results.json, RESULTS.md
    python bench/run.py --quick              # smoke run (~8 min): writes bench/quick/
    python bench/run.py --only gemeinden,memory --quick --out /tmp/bench   # some parts only
    python bench/run.py --compare none       # the working tree alone
    python bench/run.py --baseline           # also the naive plotly choropleth (bench/baseline_app.py)

See bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.metadata
import json
import os
import platform
import runpy
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import checkout  # noqa: E402
import geocheck  # noqa: E402
import imports  # noqa: E402
import inpage  # noqa: E402
import replay  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402


@dataclass(frozen=True)
class Dataset:
    key: str
    label: str
    frame: str
    level: str
    source: str  # geodata/<source>, layer <level>: the full-resolution geometry the demo imports
    main: bool  # one of the two datasets (more repetitions); else a point of the scaling table


DATASETS = (
    Dataset("berlin", "Berlin, Planungsräume", "berlin", "planungsraum", "berlin.gpkg", True),
    Dataset("kreise", "Deutschland, Kreise", "deutschland", "kreis", "deutschland.gpkg", False),
    Dataset("bw_by", "Gemeinden Baden-Württemberg + Bayern", "bench_bw_by", "gemeinde", "deutschland.gpkg", False),
    Dataset("gemeinden", "Deutschland, Gemeinden", "deutschland", "gemeinde", "deutschland.gpkg", True),
)
PARTS = (*(d.key for d in DATASETS), "memory", "import")


@dataclass(frozen=True)
class Effort:
    loads: int  # first loads (a fresh browser context each); the first one meets cold server caches
    switches: int  # indicator/period switches, alternating
    replay_n: int  # HTTP replays of a captured switch (every callback request of it, inputs varied)


@dataclass(frozen=True)
class Budget:
    ours: Effort  # each Sozialmonitor version (working tree, main) on the main datasets
    baseline: Effort
    ours_scaling: Effort  # on the scaling-only datasets
    baseline_scaling: Effort
    switch_limit_s: float  # per app and dataset
    replay_limit_s: float  # per app and dataset
    import_rows: int | None  # None: the full ~1 M rows
    browse_indicators: int  # worker memory: indicators picked on every level of the browse

    def effort(self, kind: str, dataset: Dataset) -> Effort:
        if kind != "baseline":
            return self.ours if dataset.main else self.ours_scaling
        return self.baseline if dataset.main else self.baseline_scaling


FULL = Budget(ours=Effort(3, 6, 30), baseline=Effort(1, 3, 5), ours_scaling=Effort(2, 4, 12),
              baseline_scaling=Effort(1, 2, 2), switch_limit_s=90, replay_limit_s=30, import_rows=None,
              browse_indicators=3)
QUICK = Budget(ours=Effort(2, 2, 8), baseline=Effort(1, 2, 3), ours_scaling=Effort(1, 2, 4),
               baseline_scaling=Effort(1, 1, 2), switch_limit_s=40, replay_limit_s=15, import_rows=100_000,
               browse_indicators=1)

STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


@dataclass
class Target:
    """One version of the app under test: the working tree (key "app") or a copy of an earlier commit ("main").
    Each has its own code, its own store loaded by that code, and its own server process."""

    key: str
    label: str
    repo: Path
    workdir: Path
    ids: dict[str, str]
    server: servers.Server | None = None
    error: str | None = None
    setup_s: dict[str, float] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.workdir / 'demo.db'}"


# --- setup -------------------------------------------------------------------------------------------

def cli(repo: Path, database_url: str, *args: str, timeout: float = 600) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "SOZIALMONITOR_LOG_LEVEL": "WARNING", "PYTHONPATH": str(repo)}
    done = subprocess.run([sys.executable, "-m", "sozialmonitor", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"sozialmonitor {args[0]} failed ({done.returncode}):\n{done.stdout[-2000:]}\n"
                           f"{done.stderr[-2000:]}")


def add_bw_by(repo: Path, database_url: str, workdir: Path) -> None:
    """A ~3,000-area level: the real Gemeinden of Baden-Württemberg (08) and Bayern (09), as frame bench_bw_by,
    with the Gemeindeverzeichnis indicators of the demo."""
    import pyogrio

    frame = pyogrio.read_dataframe(repo / "geodata" / "deutschland.gpkg", layer="gemeinde")
    part = frame[frame["id"].astype(str).str[:2].isin(["08", "09"])]
    path = workdir / "bw_by.gpkg"
    pyogrio.write_dataframe(part, path, layer="gemeinde", driver="GPKG")
    cli(repo, database_url, "import-areas", str(path), "--layer", "gemeinde", "--frame", "bench_bw_by", "--level",
        "gemeinde", "--id-col", "id", "--name-col", "name", "--frame-name", "Benchmark: BW + BY",
        "--frame-name-en", "Benchmark: BW + BY", "--level-name", "Gemeinde", "--level-name-en", "Municipality")
    cli(repo, database_url, "import-indicators", str(repo / "data" / "deutschland" / "gemeinden_gv.csv.gz"),
        "--frame", "bench_bw_by", "--level", "gemeinde", "--format", "long", "--unknown-areas", "skip")


def component_ids(repo: Path) -> dict[str, str]:
    """The ids of the indicator and level dropdowns, period slider and frame dropdown, from the version's single
    declaration of ids (layouts/ids.py, read as a file: two versions' modules never meet in sys.modules)."""
    names = {"indicator": "INDICATOR", "period": "PERIOD", "frame": "FRAME", "level": "LEVEL"}
    try:
        declared = runpy.run_path(str(repo / "layouts" / "ids.py"))
    except Exception:  # a broken or moved module: fall back to today's ids
        declared = {}
    return {key: str(declared.get(name, key)) for key, name in names.items()}


def prepare_store(target: Target, datasets: list[Dataset]) -> None:
    """The demo, loaded into a fresh SQLite file by the version's own CLI (its own migrations), plus the BW + BY
    frame when a dataset needs it. Setup: not measured."""
    target.workdir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    cli(target.repo, target.database_url, "load-demo")
    target.setup_s["load_demo_s"] = round(time.perf_counter() - t, 1)
    if any(d.key == "bw_by" for d in datasets):
        t = time.perf_counter()
        add_bw_by(target.repo, target.database_url, target.workdir)
        target.setup_s["bw_by_import_s"] = round(time.perf_counter() - t, 1)


def start(target: Target, logdir: Path) -> servers.Server | None:
    try:
        server = servers.start_app(target.repo, target.database_url, logdir, name=target.key)
    except Exception as exc:  # a broken version is reported, the other one still measured
        target.error = f"app did not start: {str(exc)[:1500]}"
        log(f"{target.label}: {target.error}")
        return None
    log(f"{target.label} up at {server.base} in {server.started_s} s (pid {server.pid})")
    return server


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A throw-away database on the PostgreSQL server, dropped at the end."""
    import psycopg

    name = f"sozialmonitor_bench_{secrets.token_hex(4)}"
    conninfo = server_url.replace("postgresql+psycopg://", "postgresql://").rstrip("/")
    with psycopg.connect(conninfo + "/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url.rstrip('/')}/{name}"
    finally:
        with psycopg.connect(conninfo + "/postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- one dataset -------------------------------------------------------------------------------------

def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 1) if present else None


def p95(values: list[float | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    value = replay.percentile(present, 95)
    return round(value, 1) if value is not None else None


def spread(values: list[float | None]) -> dict[str, Any]:
    present = [float(v) for v in values if v is not None]
    return {"n": len(present), "p50_ms": median(present), "p95_ms": p95(present),
            "max_ms": round(max(present), 1) if present else None}


def load_and_switch(browser: Any, base: str, kind: str, label: str, ids: dict[str, str], query: str, hint: str,
                    switches: int, budget: Budget) -> tuple[inpage.PageRun, list[inpage.SwitchResult]]:
    """One first load in a fresh browser context; then, if asked, ``switches`` switches on that page."""
    driver = inpage.Driver(browser, base, kind, ids["indicator"], ids["period"], label)
    try:
        run = driver.open(query, hint)
        log(f"    {label} load: first coloured map {run.first_map_ms} ms ({run.paint_signal}; app's mark "
            f"{run.first_map_mark_ms} ms; plotly requested {run.plotly.get('requested_ms')} ms), "
            f"{run.load_total.get('gzip', 0) / 1e6:.2f} MB gzip in {run.load_total.get('count', 0)} responses"
            + (f" — {run.error}" if run.error else ""))
        done: list[inpage.SwitchResult] = []
        if switches and run.error is None:
            done = driver.run_switches(switches, run.indicator_values, budget.switch_limit_s, log)
        return run, done
    finally:
        driver.close()


def summarise(loads: list[inpage.PageRun], switches: list[inpage.SwitchResult]) -> dict[str, Any]:
    """One version's first loads and switches on one dataset."""
    first = loads[-1]
    ok = [r for r in loads if r.first_map_ms is not None]
    warm = ok[1:] or ok
    out: dict[str, Any] = {
        # the first load of a level after the worker started also pays for the server's cold caches (geometry
        # serialised and compressed, values read): reported apart; the figure is the median of the later ones
        "first_map_ms": median([r.first_map_ms for r in warm]),
        "first_map_cold_server_ms": loads[0].first_map_ms if loads else None,
        "first_map_ms_all": [r.first_map_ms for r in loads],
        "first_map_mark_ms": median([r.first_map_mark_ms for r in warm]),
        "first_map_signal": sorted({r.paint_signal for r in ok if r.paint_signal}),
        "first_map_idle_ms": median([r.first_map_idle_ms for r in loads]),
        "first_map_long_task_ms": median([r.first_map_long_task_ms for r in loads]),
        "plotly_requested_before_map": [r.plotly.get("requested_before_map") for r in ok],
        "plotly_ms": {key: median([r.plotly.get(key) for r in warm]) for key in
                      ("requested_ms", "loaded_ms", "evaluated_ms")},
        "first_load_milestones_ms": first.milestones,
        "first_load_bytes": first.load,
        "first_load_total": first.load_total,
        "first_load_callbacks": first.load_callbacks,
        "geometry_url": first.geometry_url,
        "external_requests": sorted({u for r in loads for u in r.external_requests})[:10],
        "console_errors": sorted({e for r in loads for e in r.console_errors})[:10],
        "errors": [r.error for r in loads if r.error],
        "indicators_offered": len(first.indicator_values),
        "periods_offered_first_indicator": first.period_count,
    }
    good = [s for s in switches if not s.timed_out]
    out["switches"] = [{
        "kind": s.kind, "paint_ms": s.paint_ms, "mark_ms": s.mark_ms, "signal": s.signal, "idle_ms": s.idle_ms,
        "complete_ms": s.complete_ms, "request_ms": s.request_ms, "response_ms": s.response_ms,
        "client_ms": s.client_ms, "long_task_ms": s.long_task_ms, "bytes_gzip": s.bytes_gzip,
        "bytes_raw": s.bytes_raw, "bytes_transferred": s.bytes_transferred, "map_bytes_gzip": s.map_bytes_gzip,
        "map_bytes_raw": s.map_bytes_raw, "callback_requests": s.n_callbacks, "callbacks": s.callbacks,
        "timed_out": s.timed_out,
    } for s in switches]
    out["switch_summary"] = {
        "n": len(good),
        "paint_ms_p50": median([s.paint_ms for s in good]),
        "paint_ms_p95": p95([s.paint_ms for s in good]),
        "mark_ms_p50": median([s.mark_ms for s in good]),
        "signals": sorted({s.signal for s in good}),
        "idle_ms_p50": median([s.idle_ms for s in good]),
        "complete_ms_p50": median([s.complete_ms for s in good]),
        "request_ms_p50": median([s.request_ms for s in good]),
        "response_ms_p50": median([s.response_ms for s in good]),
        "client_ms_p50": median([s.client_ms for s in good]),
        "long_task_ms_p50": median([s.long_task_ms for s in good]),
        "bytes_gzip_p50": median([s.bytes_gzip for s in good]),
        "bytes_raw_p50": median([s.bytes_raw for s in good]),
        "bytes_transferred_p50": median([s.bytes_transferred for s in good]),
        "map_bytes_gzip_p50": median([s.map_bytes_gzip for s in good]),
        "map_bytes_raw_p50": median([s.map_bytes_raw for s in good]),
        "callback_requests_p50": median([s.n_callbacks for s in good]),
        "callback_requests_max": max((s.n_callbacks for s in good), default=None),
        "map_callback": good[0].map_callback if good else None,
        "timed_out": sum(1 for s in switches if s.timed_out),
    }
    keys = sorted({k for s in good for k in s.outputs})
    out["map_callback_outputs"] = {k: {"raw": int(median([s.outputs.get(k, {}).get("raw") for s in good]) or 0),
                                       "gzip": int(median([s.outputs.get(k, {}).get("gzip") for s in good]) or 0)}
                                   for k in keys}
    return out


@dataclass
class ReplayPlan:
    """Every callback request of each captured switch, with its inputs varied per repetition."""

    target: Target
    switches: list[list[tuple[str, str, list[str]]]]  # per switch: (callback, url, one body per repetition)
    varied: dict[str, bool]  # per callback: did varying the indicator/period change its body?
    times: list[tuple[int, str, bool, float]] = field(default_factory=list)  # (repetition, callback, first?, ms)
    totals: list[float] = field(default_factory=list)  # server time of each replayed switch (its requests summed)
    errors: list[str] = field(default_factory=list)
    deadline: float = 0.0


def replay_plan(target: Target, switches: list[inpage.SwitchResult], first: inpage.PageRun, n: int) -> ReplayPlan:
    plan = ReplayPlan(target, [], {})
    periods = max(first.period_count, 1)
    for s in switches:
        if s.timed_out or not s.requests:
            continue
        entry = []
        for name, url, body in s.requests:
            bodies = replay.variants(body, target.ids["indicator"], first.indicator_values, target.ids["period"],
                                     periods, n)
            plan.varied[name] = plan.varied.get(name, False) or len(set(bodies)) > 1
            entry.append((name, url, bodies))
        plan.switches.append(entry)
    return plan


def replay_interleaved(plans: list[ReplayPlan], n: int, limit_s: float) -> dict[str, dict[str, Any]]:
    """Server time of every ``/_dash-update-component`` request a switch causes, replayed over HTTP: repetition
    k replays captured switch k mod s with its inputs varied (replay.variants); the versions take turns switch
    by switch, so both see the same machine."""
    for plan in plans:
        plan.deadline = time.monotonic() + limit_s
    for k in range(n):
        for plan in (plans if k % 2 == 0 else plans[::-1]):
            if not plan.switches or time.monotonic() > plan.deadline:
                continue
            total = 0.0
            for index, (name, url, bodies) in enumerate(plan.switches[k % len(plan.switches)]):
                result = replay.replay(url, [bodies[k]], replay.REQUEST_TIMEOUT)
                if not result["n"]:
                    plan.errors.extend(result["errors"])
                    continue
                plan.times.append((k, name, index == 0, float(result["p50_ms"])))
                total += float(result["p50_ms"])
            plan.totals.append(round(total, 1))
    out = {}
    for plan in plans:
        every = [ms for _, _, _, ms in plan.times]
        first = [ms for _, _, is_first, ms in plan.times if is_first]
        by_name: dict[str, list[float]] = {}
        for _, name, _, ms in plan.times:
            by_name.setdefault(name, []).append(ms)
        out[plan.target.key] = {
            # p95 over every callback request the switches caused (one sample per request)
            "callback": {**spread(every), "requests": len(every), "switches_replayed": len(plan.totals)},
            # the first request of each switch (the one that restyles the map): the old definition
            "map_callback": {**spread(first), "callback": plan.switches[0][0][0] if plan.switches else None},
            "switch_server": spread(list(plan.totals)),  # a switch's requests summed
            "by_callback": {name: {**spread(times), "varied": plan.varied.get(name, False)}
                            for name, times in sorted(by_name.items())},
            "replay_errors": plan.errors[:5],
        }
    return out


def measure_dataset(browser: Any, targets: list[Target], dataset: Dataset, budget: Budget, position: int,
                    with_baseline: bool, repo: Path, logdir: Path) -> dict[str, Any]:
    """Every version on one dataset: first loads interleaved (version order alternates from load to load), each
    version's switches right after its last load, then the HTTP replays, taking turns."""
    log(f"  {dataset.key}: {dataset.label} ({dataset.frame}/{dataset.level}); load average {loadavg()}")
    load = loadavg()
    live = [t for t in targets if t.server is not None]
    effort = budget.effort("app", dataset)
    query = f"frame={dataset.frame}&level={dataset.level}"
    hint = f"/{dataset.frame}/{dataset.level}"
    loads: dict[str, list[inpage.PageRun]] = {t.key: [] for t in live}
    switches: dict[str, list[inpage.SwitchResult]] = {t.key: [] for t in live}
    for n in range(effort.loads):
        order = live if (n + position) % 2 == 0 else live[::-1]
        for t in order:
            assert t.server is not None
            last = n == effort.loads - 1
            run, done = load_and_switch(browser, t.server.base, "app", t.label, t.ids, query, hint,
                                        effort.switches if last else 0, budget)
            loads[t.key].append(run)
            switches[t.key] = done or switches[t.key]
    out: dict[str, Any] = {"label": dataset.label, "frame": dataset.frame, "level": dataset.level,
                           "loadavg_at_start": load}
    for t in targets:
        out[t.key] = summarise(loads[t.key], switches[t.key]) if t.key in loads else {"errors": [t.error]}
    plans = [replay_plan(t, switches[t.key], loads[t.key][-1], effort.replay_n) for t in live]
    replays = replay_interleaved(plans, effort.replay_n, budget.replay_limit_s * len(plans))
    for t in live:
        out[t.key].update(replays[t.key])
        out[t.key]["worker_after"] = servers.memory_mb(t.server.pid) if t.server else {}
        cb = replays[t.key]["callback"]
        log(f"    {t.label} callback replay: every request p50 {cb['p50_ms']} ms, p95 {cb['p95_ms']} ms "
            f"(n={cb['n']}, {cb['switches_replayed']} switches); by callback: " + "; ".join(
                f"{k} p95 {v['p95_ms']} ms" for k, v in replays[t.key]["by_callback"].items()))
    now = out.get("app") or {}
    if "app" in loads and loads["app"] and loads["app"][-1].geometry_body is not None:
        started = time.perf_counter()
        now["geometry_check"] = geocheck.check(loads["app"][-1].geometry_body, repo / "geodata" / dataset.source,
                                               dataset.level)
        log(f"    geometry check ({time.perf_counter() - started:.1f} s): clean={now['geometry_check'].get('clean')}")
    if with_baseline:
        out["baseline"] = measure_baseline(browser, targets[0], dataset, budget, logdir)
    return out


def measure_baseline(browser: Any, target: Target, dataset: Dataset, budget: Budget, logdir: Path) -> dict[str, Any]:
    """bench/baseline_app.py (the plotly choropleth) on the working tree's store, one process per dataset."""
    effort = budget.effort("baseline", dataset)
    server = servers.start_baseline(target.repo, target.database_url, dataset.frame, dataset.level, logdir)
    ids = {"indicator": "indicator", "period": "period"}
    try:
        log(f"    baseline up in {server.started_s} s")
        loads = []
        done: list[inpage.SwitchResult] = []
        for n in range(effort.loads):
            run, switched = load_and_switch(browser, server.base, "baseline", "baseline", ids, "",
                                            f"/{dataset.frame}/{dataset.level}",
                                            effort.switches if n == effort.loads - 1 else 0, budget)
            loads.append(run)
            done = switched or done
        out = summarise(loads, done)
        plan = replay_plan(Target("baseline", "baseline", target.repo, target.workdir, ids), done, loads[-1],
                           effort.replay_n)
        out.update(replay_interleaved([plan], effort.replay_n, budget.replay_limit_s)["baseline"])
        out["worker"] = servers.memory_mb(server.pid)
        return out
    finally:
        server.stop()


# --- worker memory -----------------------------------------------------------------------------------

def measure_memory(browser: Any, targets: list[Target], budget: Budget, logdir: Path) -> dict[str, Any]:
    """Each version in a fresh process: open every demo frame and level once, pick the same few indicators on
    each, then read the process's memory (RSS, PSS, USS)."""
    out: dict[str, Any] = {}
    for t in targets:
        server = start(dataclasses.replace(t, key=f"{t.key}-memory"), logdir)
        if server is None:
            out[t.key] = {"error": "app did not start for the memory browse"}
            continue
        try:
            walk = inpage.browse(browser, server.base, t.ids, budget.browse_indicators, t.label, log)
            memory = servers.memory_mb(server.pid)
            log(f"  {t.label} worker after the browse: {memory}")
            out[t.key] = {**memory, "browse": walk}
        finally:
            server.stop()
    return out


# --- summary keys ------------------------------------------------------------------------------------

def figures(side: dict[str, Any]) -> dict[str, Any]:
    """The flat figures of one version on one dataset."""
    switch = side.get("switch_summary") or {}
    load_total = side.get("first_load_total") or {}
    geometry = (side.get("first_load_bytes") or {}).get("geometry", {})
    outline = (side.get("first_load_bytes") or {}).get("geometry_other", {})
    callback = side.get("callback") or {}
    map_callback = side.get("map_callback") or {}
    total = side.get("switch_server") or {}
    before = side.get("plotly_requested_before_map") or []
    plotly = side.get("plotly_ms") or {}
    return {
        "switch_bytes_gzip": _int(switch.get("bytes_gzip_p50")),
        "switch_map_bytes_gzip": _int(switch.get("map_bytes_gzip_p50")),
        "switch_bytes_raw": _int(switch.get("bytes_raw_p50")),
        "switch_bytes_transferred": _int(switch.get("bytes_transferred_p50")),
        "callbacks_per_switch": switch.get("callback_requests_p50"),
        "callbacks_per_switch_max": switch.get("callback_requests_max"),
        "callback_ms_p50": callback.get("p50_ms"),
        "callback_ms_p95": callback.get("p95_ms"),
        "map_callback_ms_p50": map_callback.get("p50_ms"),
        "map_callback_ms_p95": map_callback.get("p95_ms"),
        "switch_server_ms_p50": total.get("p50_ms"),
        "switch_server_ms_p95": total.get("p95_ms"),
        "switch_to_paint_ms": switch.get("paint_ms_p50"),
        "switch_to_paint_ms_p95": switch.get("paint_ms_p95"),
        "switch_to_mark_ms": switch.get("mark_ms_p50"),
        "switch_complete_ms": switch.get("complete_ms_p50"),
        "first_map_ms": side.get("first_map_ms"),
        "first_map_cold_server_ms": side.get("first_map_cold_server_ms"),
        "first_map_mark_ms": side.get("first_map_mark_ms"),
        "plotly_requested_before_map": any(before) if before else None,
        "plotly_requested_ms": plotly.get("requested_ms"),
        "plotly_loaded_ms": plotly.get("loaded_ms"),
        "plotly_evaluated_ms": plotly.get("evaluated_ms"),
        "page_bytes_gzip": load_total.get("gzip"),
        "page_bytes_raw": load_total.get("raw"),
        "geometry_bytes_gzip": geometry.get("gzip"),
        "geometry_bytes_raw": geometry.get("raw"),
        "geometry_bytes_transferred": geometry.get("transferred"),
        "outline_geometry_bytes_gzip": outline.get("gzip"),
    }


def headline(detail: dict[str, Any], imports_result: dict[str, Any] | None, memory: dict[str, Any]) -> dict[str, Any]:
    """The flat per-dataset figures: the working tree's under the plain keys, main's under ``main_…``, the
    baseline's (if measured) under ``baseline_…``."""
    ours = detail.get("app") or {}
    check = ours.get("geometry_check") or {}
    row: dict[str, Any] = {"areas": check.get("polygons"), **figures(ours),
                           "geometry_clean_coverage": check.get("clean"), "geometry_vertices": check.get("vertices")}
    sqlite = (imports_result or {}).get("sqlite") or {}
    postgres = (imports_result or {}).get("postgres") or {}
    row.update({
        "import_scope": (f"{imports_result['areas']:,} Gemeinde polygons + {imports_result['rows']:,} synthetic rows "
                         "(one import benchmark per run, the same for every dataset)") if imports_result else None,
        "import_s_sqlite": sqlite.get("total_s"),
        "import_s_postgres": postgres.get("total_s"),
    })
    for key, prefix in (("app", ""), ("main", "main_")):
        worker = memory.get(key) or {}
        row.update({f"{prefix}worker_rss_mb": worker.get("rss_mb"), f"{prefix}worker_pss_mb": worker.get("pss_mb"),
                    f"{prefix}worker_uss_mb": worker.get("uss_mb"),
                    f"{prefix}worker_peak_rss_mb": worker.get("peak_rss_mb")})
    if "main" in detail:
        row.update({f"main_{k}": v for k, v in figures(detail["main"]).items()})
    theirs = detail.get("baseline")
    if theirs:
        row.update({f"baseline_{k}": v for k, v in figures(theirs).items() if not k.startswith("plotly_")})
        row["baseline_first_map_idle_ms"] = theirs.get("first_map_idle_ms")
        row["baseline_switch_to_idle_ms"] = (theirs.get("switch_summary") or {}).get("idle_ms_p50")
        row["baseline_geometry_bytes_gzip"] = sum(
            v["gzip"] for k, v in theirs.get("map_callback_outputs", {}).items() if "GeoJSON" in k) or None
        for key, base_key in (("switch_bytes_ratio", "bytes_gzip_p50"), ("switch_map_bytes_ratio",
                                                                          "map_bytes_gzip_p50")):
            mine = (ours.get("switch_summary") or {}).get(base_key)
            other = (theirs.get("switch_summary") or {}).get(base_key)
            row[key] = round(other / mine, 1) if mine and other else None
    return row


def _int(value: float | None) -> int | None:
    return None if value is None else round(value)


# --- machine -----------------------------------------------------------------------------------------

def machine(repo: Path, browser_version: str | None) -> dict[str, Any]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    commit = "?"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True,
                              timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench"],
                               cwd=repo, capture_output=True, text=True, timeout=10)
        if head.returncode == 0:
            commit = head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
        else:
            commit = "not a git checkout"

    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "?"

    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gib": ram, "os": platform.platform(),
        "python": platform.python_version(), "chromium": browser_version,
        "packages": {n: version(n) for n in ("dash", "dash-leaflet", "plotly", "playwright", "SQLAlchemy",
                                             "psycopg", "shapely")},
        "repo_commit": commit,
    }


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# --- main --------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the Sozialmonitor benchmarks (see bench/README.md).")
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer repetitions, 100k import rows")
    parser.add_argument("--only", metavar="LIST", help=f"comma-separated parts to run, of: {', '.join(PARTS)}")
    parser.add_argument("--out", type=Path, help="where results.json and RESULTS.md go "
                                                  "(default: bench/, with --quick bench/quick/)")
    parser.add_argument("--repo", type=Path, default=BENCH.parent, help="the Sozialmonitor checkout to measure")
    parser.add_argument("--compare", metavar="REF", default=checkout.BASELINE_REF,
                        help="git ref of today's main, measured beside the working tree in the same run (its files "
                             f"copied with git archive; default {checkout.BASELINE_REF}); 'none' skips it")
    parser.add_argument("--baseline", action="store_true",
                        help="also measure the naive plotly choropleth (bench/baseline_app.py) as a third column")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432",
                        help="PostgreSQL server for the import benchmark (a throw-away database is created "
                             "and dropped); 'none' skips it")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, stores)")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in (args.only or ",".join(PARTS)).split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    args.parts = parts
    if args.compare.lower() == "none":
        args.compare = None
    else:
        try:
            checkout.describe(args.compare, args.repo.resolve())
        except ValueError as exc:
            parser.error(str(exc))
    return args


def compared(ref: str, repo: Path) -> dict[str, Any]:
    """What ``ref`` is: short commit and subject line."""
    subject = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%s", ref], capture_output=True,
                             text=True, check=False).stdout.strip()
    return {"ref": ref, "commit": checkout.describe(ref, repo), "subject": subject}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    budget = QUICK if args.quick else FULL
    repo = args.repo.resolve()
    out_dir = (args.out or (BENCH / "quick" if args.quick else BENCH)).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    command = "python bench/run.py" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    shm = Path("/dev/shm")
    workdir = Path(tempfile.mkdtemp(prefix="sozialmonitor-bench-", dir=shm if os.access(shm, os.W_OK) else None))
    disk_dir = Path(tempfile.mkdtemp(prefix="sozialmonitor-bench-import-"))
    log(f"repo {repo}; work dir {workdir} (stores for the page benchmarks), {disk_dir} (import benchmark)")
    started_at = datetime.now(UTC)
    load_before = loadavg()
    datasets = [d for d in DATASETS if d.key in args.parts]
    details: dict[str, Any] = {}
    setup: dict[str, Any] = {}
    memory: dict[str, Any] = {}
    browser_version = None
    imports_result: dict[str, Any] | None = None
    comparison = compared(args.compare, repo) if args.compare else None
    try:
        if datasets or "memory" in args.parts:
            with (checkout.checkout(args.compare, repo) if args.compare else contextlib.nullcontext()) as old_repo:
                targets = [Target("app", "now", repo, workdir / "now", component_ids(repo))]
                if old_repo is not None:
                    assert comparison is not None
                    targets.append(Target("main", f"main ({comparison['commit']})", old_repo, workdir / "main",
                                          component_ids(old_repo)))
                browser_version = measure_apps(args, budget, targets, datasets, workdir, repo, details, memory)
                setup = {t.key: {**t.setup_s, **({"error": t.error} if t.error else {})} for t in targets}
        if "import" in args.parts:
            imports_result = run_imports(repo, disk_dir, budget, args.postgres)
    finally:
        if args.keep:
            log(f"kept {workdir} and {disk_dir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            shutil.rmtree(disk_dir, ignore_errors=True)
    elapsed = round(time.monotonic() - STARTED, 1)
    results: dict[str, Any] = {
        "meta": {
            "date": started_at.strftime("%Y-%m-%d %H:%M UTC"), "command": command, "quick": args.quick,
            "duration_s": elapsed, "loadavg_before": load_before, "loadavg_after": loadavg(),
            "machine": machine(repo, browser_version), "setup_s": setup, "budget": dataclasses.asdict(budget),
            "compare": comparison, "baseline": args.baseline,
            "units": "bytes; kB = 1,000 bytes, MB = 1,000,000 bytes; memory (*_mb) in MiB as /proc reports it; "
                     "times in ms unless _s",
        },
        "imports": imports_result,
        "memory": memory or None,
    }
    for key, detail in details.items():
        results[key] = headline(detail, imports_result, memory)
    if imports_result and "gemeinden" not in details and "import" in args.parts:
        results.setdefault("gemeinden", {})
        results["gemeinden"].update({"import_s_sqlite": (imports_result.get("sqlite") or {}).get("total_s"),
                                     "import_s_postgres": (imports_result.get("postgres") or {}).get("total_s")})
    results["detail"] = details
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    (out_dir / "RESULTS.md").write_text(report.render(results), encoding="utf-8")
    log(f"done in {elapsed} s: {out_dir / 'results.json'}, {out_dir / 'RESULTS.md'}")
    return 0


def measure_apps(args: argparse.Namespace, budget: Budget, targets: list[Target], datasets: list[Dataset],
                 workdir: Path, repo: Path, details: dict[str, Any], memory: dict[str, Any]) -> str | None:
    """Stores (both versions at once: setup, not measured), servers, the datasets and the memory browse."""
    log("loading the demo into a SQLite store per version, each with its own code (python -m sozialmonitor "
        "load-demo" + (" + frame bench_bw_by" if any(d.key == "bw_by" for d in datasets) else "") + ") …")
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        for target, failure in zip(targets, pool.map(lambda t: _try(prepare_store, t, datasets), targets),
                                   strict=True):
            if failure:
                target.error = f"store setup failed: {failure}"
                log(f"{target.label}: {target.error}")
    for target in targets:
        log(f"{target.label}: {target.repo} — setup {target.setup_s}; ids {target.ids}")
    from playwright.sync_api import sync_playwright

    try:
        for target in targets:
            if target.error is None:
                target.server = start(target, workdir)
        with sync_playwright() as playwright:
            browser = inpage.launch(playwright)
            try:
                if any(t.server for t in targets):
                    for position, dataset in enumerate(datasets):
                        details[dataset.key] = measure_dataset(browser, targets, dataset, budget, position,
                                                               args.baseline, repo, workdir)
                for target in targets:  # the measuring processes are done: stop them before the memory browse
                    if target.server is not None:
                        log(f"{target.label} worker after the datasets: {servers.memory_mb(target.server.pid)}")
                        target.server.stop()
                        target.server = None
                if "memory" in args.parts:
                    log("worker memory: a fresh process per version, every demo frame and level, "
                        f"{budget.browse_indicators} indicator(s) picked on each …")
                    memory.update(measure_memory(browser, [t for t in targets if t.error is None], budget, workdir))
                return str(browser.version)
            finally:
                browser.close()
    finally:
        for target in targets:
            if target.server is not None:
                target.server.stop()


def _try(function: Any, *args: Any) -> str | None:
    """Run; return None, or the error as text (a thread's failure must not hide the other version's result)."""
    try:
        function(*args)
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:1500]}"
    return None


def run_imports(repo: Path, disk_dir: Path, budget: Budget, postgres_url: str) -> dict[str, Any]:
    log("import benchmark: writing the synthetic catalogue and observations …")
    data = imports.make_synthetic(repo, disk_dir, budget.import_rows)
    result: dict[str, Any] = {"rows": data.rows, "areas": data.areas, "indicators": data.rows // data.areas //
                              len(imports.PERIODS), "periods": len(imports.PERIODS)}
    log(f"  {data.rows:,} rows for {data.areas:,} areas; importing into SQLite (on disk) …")
    sqlite = imports.time_import(repo, f"sqlite:///{disk_dir / 'import.db'}", "sqlite", data)
    result["sqlite"] = imports.summary(sqlite, data)
    log(f"  SQLite: {sqlite.steps} → {sqlite.total} s" + (f" — {sqlite.error}" if sqlite.error else ""))
    if postgres_url.lower() == "none":
        result["postgres"] = {"store": "postgres", "total_s": None, "error": "skipped (--postgres none)"}
        return result
    try:
        with postgres_database(postgres_url) as url:
            log(f"  importing into PostgreSQL ({url.rsplit('/', 1)[-1]}, dropped afterwards) …")
            pg = imports.time_import(repo, url, "postgres", data)
            result["postgres"] = imports.summary(pg, data)
            log(f"  PostgreSQL: {pg.steps} → {pg.total} s" + (f" — {pg.error}" if pg.error else ""))
    except Exception as exc:  # unreachable server: report, don't fail the run
        result["postgres"] = {"store": "postgres", "total_s": None, "error": f"{type(exc).__name__}: {exc}"[:400]}
        log(f"  PostgreSQL skipped: {exc}")
    return result


if __name__ == "__main__":
    sys.exit(main())
