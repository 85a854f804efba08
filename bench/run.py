"""Sozialmonitor benchmark suite: one command, its own stores, the real app and a baseline in headless Chromium.

    python bench/run.py                      # full run (~8–10 min on 2 cores): writes bench/results.json, RESULTS.md
    python bench/run.py --quick              # smoke run (~2–3 min): writes bench/quick/
    python bench/run.py --only berlin,import # some datasets / parts only

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
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

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
PARTS = (*(d.key for d in DATASETS), "import")


@dataclass(frozen=True)
class Effort:
    loads: int  # first loads (a fresh browser context each); the first one meets cold server caches
    switches: int  # indicator/period switches, alternating
    replay_n: int  # HTTP replays of the map callback
    other_replay_n: int  # HTTP replays of each further callback a switch causes


@dataclass(frozen=True)
class Budget:
    ours: Effort  # our app on the main datasets
    baseline: Effort
    ours_scaling: Effort  # on the scaling-only datasets
    baseline_scaling: Effort
    switch_limit_s: float  # per app and dataset
    replay_limit_s: float  # per callback
    import_rows: int | None  # None: the full ~1 M rows

    def effort(self, kind: str, dataset: Dataset) -> Effort:
        if kind == "app":
            return self.ours if dataset.main else self.ours_scaling
        return self.baseline if dataset.main else self.baseline_scaling


FULL = Budget(ours=Effort(2, 6, 30, 5), baseline=Effort(1, 3, 5, 0), ours_scaling=Effort(2, 4, 12, 2),
              baseline_scaling=Effort(1, 2, 2, 0), switch_limit_s=90, replay_limit_s=30, import_rows=None)
QUICK = Budget(ours=Effort(1, 2, 8, 2), baseline=Effort(1, 2, 3, 0), ours_scaling=Effort(1, 2, 5, 1),
               baseline_scaling=Effort(1, 1, 2, 0), switch_limit_s=40, replay_limit_s=15, import_rows=100_000)

STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


# --- setup -------------------------------------------------------------------------------------------

def cli(repo: Path, database_url: str, *args: str, timeout: float = 600) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "SOZIALMONITOR_LOG_LEVEL": "WARNING"}
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


def component_ids(repo: Path) -> tuple[str, str]:
    """The indicator dropdown's and period slider's ids, from the app's single declaration of ids."""
    sys.path.insert(0, str(repo))
    try:
        from layouts import ids

        return str(ids.INDICATOR), str(ids.PERIOD)
    except Exception:  # an older/newer layout module: fall back to today's ids
        return "indicator", "period"
    finally:
        sys.path.remove(str(repo))


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


def measure_app(browser: Any, base: str, kind: str, dataset: Dataset, budget: Budget, ids: tuple[str, str],
                repo: Path) -> dict[str, Any]:
    """First loads, switches and callback replays of one app for one dataset."""
    query = f"frame={dataset.frame}&level={dataset.level}" if kind == "app" else ""
    effort = budget.effort(kind, dataset)
    hint = f"/{dataset.frame}/{dataset.level}"
    loads: list[inpage.PageRun] = []
    switches: list[inpage.SwitchResult] = []
    for n in range(effort.loads):
        driver = inpage.Driver(browser, base, kind, *ids)
        try:
            run = driver.open(query, hint)
            log(f"    {kind} load {n + 1}: first coloured map {run.first_map_ms} ms, "
                f"{run.load_total.get('gzip', 0) / 1e6:.2f} MB gzip in {run.load_total.get('count', 0)} responses"
                + (f" — {run.error}" if run.error else ""))
            loads.append(run)
            if n == effort.loads - 1 and run.error is None:
                switches = driver.run_switches(effort.switches, run.indicator_values, budget.switch_limit_s, log)
        finally:
            driver.close()
    first = loads[-1]
    out: dict[str, Any] = {
        # the first load of a level after the worker started also pays for the server's cold caches (geometry
        # serialised and compressed, values read): reported apart; the figure is the median of the later ones
        "first_map_ms": median([r.first_map_ms for r in (loads[1:] or loads)]),
        "first_map_cold_server_ms": loads[0].first_map_ms if loads else None,
        "first_map_ms_all": [r.first_map_ms for r in loads],
        "first_map_idle_ms": median([r.first_map_idle_ms for r in loads]),
        "first_map_long_task_ms": median([r.first_map_long_task_ms for r in loads]),
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
    if first.geometry_body is not None:
        started = time.perf_counter()
        out["geometry_check"] = geocheck.check(first.geometry_body, repo / "geodata" / dataset.source, dataset.level)
        log(f"    geometry check ({time.perf_counter() - started:.1f} s): clean={out['geometry_check'].get('clean')}")
    good = [s for s in switches if not s.timed_out]
    out["switches"] = [{
        "kind": s.kind, "paint_ms": s.paint_ms, "idle_ms": s.idle_ms, "complete_ms": s.complete_ms,
        "request_ms": s.request_ms, "response_ms": s.response_ms, "client_ms": s.client_ms,
        "long_task_ms": s.long_task_ms, "bytes_gzip": s.bytes_gzip, "bytes_raw": s.bytes_raw,
        "bytes_transferred": s.bytes_transferred, "map_bytes_gzip": s.map_bytes_gzip,
        "map_bytes_raw": s.map_bytes_raw, "callbacks": s.callbacks, "timed_out": s.timed_out,
    } for s in switches]
    out["switch_summary"] = {
        "n": len(good),
        "paint_ms_p50": median([s.paint_ms for s in good]),
        "paint_ms_p95": p95([s.paint_ms for s in good]),
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
        "map_callback": good[0].map_callback if good else None,
        "timed_out": sum(1 for s in switches if s.timed_out),
    }
    keys = sorted({k for s in good for k in s.outputs})
    out["map_callback_outputs"] = {k: {"raw": int(median([s.outputs.get(k, {}).get("raw") for s in good]) or 0),
                                       "gzip": int(median([s.outputs.get(k, {}).get("gzip") for s in good]) or 0)}
                                   for k in keys}
    # server time: replay the captured callback requests over HTTP
    requests = [r for s in good for r in s.requests]
    if requests:
        name, url, body = requests[0]
        periods = max(first.period_count, 1)
        bodies = replay.variants(body, ids[0], first.indicator_values, ids[1], periods, effort.replay_n)
        out["callback"] = {"callback": name, **replay.replay(url, bodies, budget.replay_limit_s)}
        others: dict[str, list[tuple[str, str]]] = {}
        for other_name, other_url, other_body in requests:
            if other_name != name:
                others.setdefault(other_name, []).append((other_url, other_body))
        out["other_callbacks"] = {}
        for other_name, items in sorted(others.items()):
            if not effort.other_replay_n:
                continue
            cycle = [items[k % len(items)][1] for k in range(effort.other_replay_n)]
            out["other_callbacks"][other_name] = replay.replay(items[0][0], cycle, budget.replay_limit_s / 2)
        log(f"    {kind} callback replay: p50 {out['callback']['p50_ms']} ms, p95 {out['callback']['p95_ms']} ms "
            f"(n={out['callback']['n']})" + "".join(f"; {k}: p95 {v['p95_ms']} ms" for k, v in
                                                    out["other_callbacks"].items()))
    return out


def measure_dataset(browser: Any, app: servers.Server, repo: Path, database_url: str, dataset: Dataset,
                    budget: Budget, ids: tuple[str, str], logdir: Path) -> dict[str, Any]:
    log(f"  {dataset.key}: {dataset.label} ({dataset.frame}/{dataset.level}); load average {loadavg()}")
    load = loadavg()
    ours = measure_app(browser, app.base, "app", dataset, budget, ids, repo)
    ours["worker_after"] = servers.rss_mb(app.pid)
    baseline_server = servers.start_baseline(repo, database_url, dataset.frame, dataset.level, logdir)
    try:
        log(f"    baseline up in {baseline_server.started_s} s")
        theirs = measure_app(browser, baseline_server.base, "baseline", dataset, budget, ("indicator", "period"),
                             repo)
        theirs["worker"] = servers.rss_mb(baseline_server.pid)
    finally:
        baseline_server.stop()
    return {"label": dataset.label, "frame": dataset.frame, "level": dataset.level, "loadavg_at_start": load,
            "app": ours, "baseline": theirs}


# --- summary keys ------------------------------------------------------------------------------------

def headline(detail: dict[str, Any], imports_result: dict[str, Any] | None, rss: dict[str, Any]) -> dict[str, Any]:
    """The flat per-dataset figures (the keys the issue asks for, plus a few that explain them)."""
    ours, theirs = detail["app"], detail["baseline"]
    check = ours.get("geometry_check") or {}
    geometry = ours["first_load_bytes"].get("geometry", {})
    outline = ours["first_load_bytes"].get("geometry_other", {})
    baseline_geojson = sum(v["gzip"] for k, v in theirs.get("map_callback_outputs", {}).items() if "GeoJSON" in k)
    switch = ours["switch_summary"]
    base_switch = theirs["switch_summary"]
    areas = check.get("polygons")
    ratio = None
    if switch["bytes_gzip_p50"] and base_switch["bytes_gzip_p50"]:
        ratio = round(base_switch["bytes_gzip_p50"] / switch["bytes_gzip_p50"], 1)
    map_ratio = None
    if switch["map_bytes_gzip_p50"] and base_switch["map_bytes_gzip_p50"]:
        map_ratio = round(base_switch["map_bytes_gzip_p50"] / switch["map_bytes_gzip_p50"], 1)
    sqlite = (imports_result or {}).get("sqlite") or {}
    postgres = (imports_result or {}).get("postgres") or {}
    return {
        "areas": areas,
        "switch_bytes_gzip": _int(switch["bytes_gzip_p50"]),
        "switch_map_bytes_gzip": _int(switch["map_bytes_gzip_p50"]),
        "switch_bytes_raw": _int(switch["bytes_raw_p50"]),
        "switch_bytes_transferred": _int(switch["bytes_transferred_p50"]),
        "baseline_switch_bytes_gzip": _int(base_switch["bytes_gzip_p50"]),
        "baseline_switch_bytes_raw": _int(base_switch["bytes_raw_p50"]),
        "switch_bytes_ratio": ratio,
        "switch_map_bytes_ratio": map_ratio,
        "callback_ms_p50": (ours.get("callback") or {}).get("p50_ms"),
        "callback_ms_p95": (ours.get("callback") or {}).get("p95_ms"),
        "baseline_callback_ms_p50": (theirs.get("callback") or {}).get("p50_ms"),
        "baseline_callback_ms_p95": (theirs.get("callback") or {}).get("p95_ms"),
        "switch_to_paint_ms": switch["paint_ms_p50"],
        "switch_to_paint_ms_p95": switch["paint_ms_p95"],
        "switch_complete_ms": switch["complete_ms_p50"],
        "baseline_switch_to_paint_ms": base_switch["paint_ms_p50"],
        "baseline_switch_to_paint_ms_p95": base_switch["paint_ms_p95"],
        "baseline_switch_to_idle_ms": base_switch["idle_ms_p50"],
        "first_map_ms": ours["first_map_ms"],
        "first_map_cold_server_ms": ours["first_map_cold_server_ms"],
        "baseline_first_map_ms": theirs["first_map_ms"],
        "baseline_first_map_idle_ms": theirs["first_map_idle_ms"],
        "page_bytes_gzip": ours["first_load_total"].get("gzip"),
        "page_bytes_raw": ours["first_load_total"].get("raw"),
        "baseline_page_bytes_gzip": theirs["first_load_total"].get("gzip"),
        "baseline_page_bytes_raw": theirs["first_load_total"].get("raw"),
        "geometry_bytes_gzip": geometry.get("gzip"),
        "geometry_bytes_raw": geometry.get("raw"),
        "geometry_bytes_transferred": geometry.get("transferred"),
        "outline_geometry_bytes_gzip": outline.get("gzip"),
        "baseline_geometry_bytes_gzip": baseline_geojson or None,
        "geometry_clean_coverage": check.get("clean"),
        "geometry_vertices": check.get("vertices"),
        "import_scope": (f"{imports_result['areas']:,} Gemeinde polygons + {imports_result['rows']:,} synthetic rows "
                         "(one import benchmark per run, the same for every dataset)") if imports_result else None,
        "import_s_sqlite": sqlite.get("total_s"),
        "import_s_postgres": postgres.get("total_s"),
        "worker_rss_mb": rss.get("rss_mb"),
        "worker_peak_rss_mb": rss.get("peak_rss_mb"),
    }


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
    return args


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
    rss: dict[str, Any] = {}
    browser_version = None
    imports_result: dict[str, Any] | None = None
    try:
        if datasets:
            database_url = f"sqlite:///{workdir / 'demo.db'}"
            t = time.perf_counter()
            log("loading the demo into SQLite (python -m sozialmonitor load-demo) …")
            cli(repo, database_url, "load-demo")
            setup["load_demo_s"] = round(time.perf_counter() - t, 1)
            if any(d.key == "bw_by" for d in datasets):
                t = time.perf_counter()
                log("adding the Gemeinden of Baden-Württemberg + Bayern as frame bench_bw_by …")
                add_bw_by(repo, database_url, workdir)
                setup["bw_by_import_s"] = round(time.perf_counter() - t, 1)
            ids = component_ids(repo)
            app = servers.start_app(repo, database_url, workdir)
            setup["app_start_s"] = app.started_s
            log(f"app up at {app.base} in {app.started_s} s (pid {app.pid})")
            try:
                from playwright.sync_api import sync_playwright

                with sync_playwright() as playwright:
                    browser = inpage.launch(playwright)
                    browser_version = browser.version
                    try:
                        for dataset in datasets:
                            details[dataset.key] = measure_dataset(browser, app, repo, database_url, dataset,
                                                                   budget, ids, workdir)
                    finally:
                        browser.close()
                rss = servers.rss_mb(app.pid)
                log(f"app worker after all views: {rss}")
            finally:
                app.stop()
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
            "units": "bytes; kB = 1,000 bytes, MB = 1,000,000 bytes; memory (*_rss_mb) in MiB as /proc reports it; "
                     "times in ms unless _s",
        },
        "imports": imports_result,
    }
    for key, detail in details.items():
        results[key] = headline(detail, imports_result, rss)
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
