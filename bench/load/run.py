"""Load and fault test of Sozialmonitor in production shape: gunicorn with several workers on a private
PostgreSQL cluster, driven by virtual users that behave like browsers. Loopback only, bounded in time.

    python bench/load/run.py                          # 50 users, 60 s, 4 workers → bench/load_results.json, LOAD.md
    python bench/load/run.py --fault                  # the same, PostgreSQL stopped for 10 s at t = 20 s
    python bench/load/run.py --users 10 --seconds 15  # a quick look

What happens (see bench/load/README.md):
1. a private PostgreSQL 15 cluster is created in a temporary folder on a free loopback port (the machine's
   shared server is never touched), the demo is loaded into it with ``python -m sozialmonitor load-demo``;
2. ``gunicorn -c gunicorn.conf.py app:server`` starts with ``SOZIALMONITOR_WORKERS`` workers against it;
3. ``--users`` virtual users (bench/load/dash_client.py) open permalinks and switch indicator and period,
   click areas on the map and in the ranking (profile), with a random think time, for ``--seconds``;
4. with ``--fault``: at ``--fault-at`` seconds the cluster is stopped (``pg_ctl stop -m fast``) and started
   again ``--outage`` seconds later; headless Chromium shows what a user sees during the outage and after
   (screenshots in bench/load/), and the run checks that the same gunicorn master and workers serve again;
5. gunicorn and the cluster are stopped and removed (always, also on failure); the results are merged into
   bench/load_results.json (key ``normal`` or ``fault``) and bench/LOAD.md is written from that file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from dash_client import Record, Recorder, Shared, VirtualUser, parse_dependencies  # noqa: E402
from pgcluster import Cluster, free_port, private_cluster  # noqa: E402

RESULTS = REPO / "bench" / "load_results.json"
MARKDOWN = REPO / "bench" / "LOAD.md"
START_TIMEOUT_S = 120.0
DEMO_TIMEOUT_S = 600.0
GOAL_P95_MS = 300.0
CALLBACK_KINDS = ("pages_content", "main", "panels", "table")  # and every "cb:<first output>" (other callbacks)


def is_callback(kind: str) -> bool:
    return kind in CALLBACK_KINDS or kind.startswith("cb:")


# --- statistics --------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0…100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return round(ordered[rank - 1], 1)


def stats(records: list[Record]) -> dict[str, Any]:
    ms = [r.ms for r in records if r.error is None]
    return {"n": len(records), "errors": sum(1 for r in records if r.error),
            "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99),
            "max_ms": round(max(ms), 1) if ms else None,
            "mean_ms": round(sum(ms) / len(ms), 1) if ms else None,
            "p95_all_ms": percentile([r.ms for r in records], 95)}


def summarize(records: list[Record], steps: list[Record]) -> dict[str, Any]:
    kinds = sorted({r.kind for r in records})
    errors: dict[str, int] = {}
    for r in records:
        if r.error:
            errors[f"{r.kind}:{r.error}"] = errors.get(f"{r.kind}:{r.error}", 0) + 1
    return {
        "overall": stats(records),
        "dash_callbacks": stats([r for r in records if is_callback(r.kind)]),
        "by_type": {k: stats([r for r in records if r.kind == k]) for k in kinds},
        "interactions": {k: stats([s for s in steps if s.kind == k]) for k in sorted({s.kind for s in steps})},
        "interactions_all": stats(steps),
        "status_counts": _count(str(r.status) for r in records),
        "errors": errors,
        "error_examples": [{"t": r.t, "kind": r.kind, "status": r.status, "error": r.error, "message": r.message}
                           for r in [r for r in records if r.error][:12]],
    }


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return dict(sorted(out.items()))


# --- processes ---------------------------------------------------------------------------------------

def load_demo(url: str, log: Path) -> float:
    started = time.monotonic()
    env = {**os.environ, "DATABASE_URL": url, "SOZIALMONITOR_LOG_LEVEL": "WARNING"}
    with log.open("wb") as out:
        result = subprocess.run([sys.executable, "-m", "sozialmonitor", "load-demo"], cwd=REPO, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                timeout=DEMO_TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"load-demo failed:\n{log.read_text()[-3000:]}")
    return time.monotonic() - started


def _get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Gunicorn:
    def __init__(self, url: str, workers: int, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "gunicorn.log"
        instance = workdir / "instance"
        instance.mkdir(exist_ok=True)
        env = {**os.environ, "DATABASE_URL": url, "SOZIALMONITOR_LOAD_DEMO": "0", "SOZIALMONITOR_HOST": "127.0.0.1",
               "SOZIALMONITOR_PORT": str(self.port), "SOZIALMONITOR_WORKERS": str(workers),
               "SOZIALMONITOR_INSTANCE_DIR": str(instance), "SOZIALMONITOR_LOG_FORMAT": "json",
               "SOZIALMONITOR_LOG_LEVEL": "INFO", "SOZIALMONITOR_SECRET_KEY": secrets.token_hex(32),
               "PYTHONUNBUFFERED": "1"}
        self.command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(self.command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if _get(self.base + "/healthz")[0] == 200 and len(self.workers()) == workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_S:.0f} s:\n{self.tail()}")
            time.sleep(0.3)

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return sorted(int(p) for p in text.split())

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its current workers (from /proc; clock ticks → s)."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in [self.process.pid, *self.workers()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError, ValueError):
                pass
        return round(total, 1)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_facts(self) -> dict[str, Any]:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return {"lines": text.count("\n"), "tracebacks": text.count("Traceback"),
                "store_unavailable_lines": text.count("store unavailable") + text.count("cannot be reached"),
                "worker_boots": text.count("Booting worker"), "worker_timeouts": text.count("WORKER TIMEOUT"),
                "callback_failures": text.count("failed")}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# --- the run -----------------------------------------------------------------------------------------

async def discover(base: str) -> tuple[Shared, list[str]]:
    """Callbacks, indicators and area ids, learnt by one scout tab (not counted)."""
    import aiohttp

    shared = Shared(base)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        async with http.get(base + "/_dash-dependencies") as response:
            shared.callbacks = parse_dependencies(await response.json())
        scout = VirtualUser(-1, shared, Recorder(time.monotonic()), random.Random(0), think=(0, 0), steps=(0, 0),
                            indicators=[], deadline=time.monotonic() + 60)
        await scout.open(http, "")
        indicators = scout._indicator_choices()
    return shared, indicators


async def fault_injector(cluster: Cluster, rec: Recorder, at: float, outage: float,
                         timeline: dict[str, float]) -> None:
    await asyncio.sleep(max(0.0, at - rec.now()))

    async def pg_ctl(action: str) -> None:
        timeline[f"db_{action}_begin"] = round(rec.now(), 3)
        process = await asyncio.create_subprocess_exec(*cluster.command(action), stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(process.communicate(), timeout=90)
        timeline[f"db_{action}_end"] = round(rec.now(), 3)
        if process.returncode != 0:
            raise RuntimeError(f"pg_ctl {action}: {out.decode(errors='replace')[-500:]}")

    await pg_ctl("stop")
    await asyncio.sleep(max(0.0, timeline["db_stop_begin"] + outage - rec.now()))
    await pg_ctl("start")


async def browser_witness(base: str, rec: Recorder, at: float, outage: float, timeline: dict[str, float],
                          seen: dict[str, Any], ready: asyncio.Event, go: asyncio.Event) -> None:
    """One real browser: a tab opened before the load starts that switches the period during the outage, a
    tab opened during the outage, and both after the database is back. Screenshots go to bench/load/.
    ``ready`` is set once the first tab shows the map (the load waits for it; it is set on failure too)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        seen["skipped"] = "playwright is not installed"
        ready.set()
        return
    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        seen["skipped"] = "no /usr/bin/chromium"
        ready.set()
        return
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
    notice = ".notice-error"
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium, args=args)
            try:
                await _witness(browser, base, rec, at, outage, timeline, seen, ready, go, notice)
            finally:
                await browser.close()
    except Exception as exc:  # a witness that fails is reported, the load goes on
        seen["failed"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        ready.set()


async def _witness(browser: Any, base: str, rec: Recorder, at: float, outage: float, timeline: dict[str, float],
                   seen: dict[str, Any], ready: asyncio.Event, go: asyncio.Event, notice: str) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="de-DE")

    async def local_only(route: Any) -> None:
        if route.request.url.startswith(base) or route.request.url.startswith("data:"):
            await route.continue_()
        else:
            await route.abort()

    await context.route("**/*", local_only)
    before = await context.new_page()
    await before.goto(base + "/?ind=mss_s4_child_poverty", wait_until="domcontentloaded", timeout=60_000)
    await before.wait_for_selector(".leaflet-interactive", timeout=60_000)
    seen["open_tab_loaded"] = True
    ready.set()
    await go.wait()  # the load's clock starts now

    await asyncio.sleep(max(0.0, at + 2.0 - rec.now()))
    # the tab opened before the outage: the user moves the period slider while the database is down
    seen["open_tab_switch_at"] = round(rec.now(), 2)
    slider = before.locator("#period [role=slider]").first
    await slider.focus()
    await before.keyboard.press("ArrowLeft")
    seen["open_tab"] = await _wait_text(before, notice, 20)
    seen["open_tab_seen_at"] = round(rec.now(), 2)
    await before.screenshot(path=str(HERE / "fault_open_tab.png"))

    # a new visitor during the outage
    fresh = await context.new_page()
    seen["new_tab_open_at"] = round(rec.now(), 2)
    try:
        await fresh.goto(base + "/?ind=mss_s4_child_poverty", wait_until="domcontentloaded", timeout=30_000)
        seen["new_tab"] = await _wait_text(fresh, notice, 20)
    except Exception as exc:
        seen["new_tab"] = {"notice": None, "timeout": str(exc).splitlines()[0][:160]}
    seen["new_tab_seen_at"] = round(rec.now(), 2)
    seen["new_tab_during_outage"] = "db_start_end" not in timeline
    await fresh.screenshot(path=str(HERE / "fault_new_tab.png"))

    # after the database is back: both tabs work again, without any restart
    for _ in range(int((outage + 120) * 10)):
        if "db_start_end" in timeline:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    seen["recovered_check_at"] = round(rec.now(), 2)
    try:
        await fresh.reload(wait_until="domcontentloaded", timeout=60_000)
        await fresh.wait_for_selector(".leaflet-interactive", timeout=60_000)
        seen["new_tab_after"] = {"map": True, "error_notice": await fresh.locator(notice).count() > 0}
    except Exception as exc:  # a timeout: report it, do not hide it
        seen["new_tab_after"] = {"map": False, "error": str(exc).splitlines()[0][:200]}
    seen["new_tab_after_at"] = round(rec.now(), 2)
    await fresh.screenshot(path=str(HERE / "fault_recovered.png"))
    await slider.focus()
    await before.keyboard.press("ArrowRight")
    await asyncio.sleep(5.0)
    seen["open_tab_after"] = {"error_notice": await before.locator(notice).count() > 0,
                              "notices": (await before.locator("#notices").inner_text())[:300]}
    seen["recovered_seen_at"] = round(rec.now(), 2)


async def _wait_text(page: Any, selector: str, seconds: float) -> dict[str, Any]:
    try:
        await page.wait_for_selector(selector, timeout=seconds * 1000)
        return {"notice": (await page.locator(selector).first.inner_text()).strip()}
    except Exception as exc:
        body = (await page.locator("body").inner_text())[:300]
        return {"notice": None, "timeout": str(exc).splitlines()[0][:160], "body": body}


async def run_load(args: argparse.Namespace, base: str, cluster: Cluster | None) -> dict[str, Any]:
    shared, indicators = await discover(base)
    timeline: dict[str, float] = {}
    seen: dict[str, Any] = {}
    ready, go = asyncio.Event(), asyncio.Event()
    rec = Recorder(time.monotonic())
    witness = None
    if args.fault and cluster is not None and not args.no_browser:
        # the witness's first tab loads before the users arrive (on a saturated server it would take minutes)
        witness = asyncio.ensure_future(browser_witness(base, rec, args.fault_at, args.outage, timeline, seen, ready,
                                                          go))
        await asyncio.wait_for(ready.wait(), timeout=180)
    rec.t0 = time.monotonic()
    go.set()
    deadline = rec.t0 + args.seconds
    users = [VirtualUser(n, shared, rec, random.Random(args.seed * 10_007 + n), think=(args.think_min, args.think_max),
                         steps=(3, 8), indicators=indicators, deadline=deadline) for n in range(args.users)]
    tasks = [asyncio.ensure_future(u.run()) for u in users]
    if args.fault and cluster is not None:
        tasks.append(asyncio.ensure_future(fault_injector(cluster, rec, args.fault_at, args.outage, timeline)))
    if witness is not None:
        tasks.append(witness)
    done, pending = await asyncio.wait(tasks, timeout=args.seconds + 150)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=30)
    failures = [repr(t.exception())[:300] for t in done if not t.cancelled() and t.exception()]
    ended = rec.now()
    return {"records": rec.records, "steps": rec.steps, "timeline": timeline, "browser": seen,
            "failures": failures, "ended_s": round(ended, 2), "indicators": len(indicators),
            "callbacks": [c.output[:60] for c in shared.callbacks if not c.clientside],
            "sessions": sum(u.sessions for u in users), "requests": sum(u.requests for u in users)}


def _end_strays(keep: int) -> list[int]:
    """End child processes this run started and left behind (a browser whose driver lost its loop), by pid."""
    try:
        children = [int(p) for p in Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()]
    except OSError:
        return []
    ended = []
    for pid in children:
        if pid == keep:
            continue
        try:
            os.kill(pid, 15)
            ended.append(pid)
        except OSError:
            pass
    return ended


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return (0, 0)
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values) - idle, sum(values))


def _busy_pct(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    total = after[1] - before[1]
    return round(100 * (after[0] - before[0]) / total, 1) if total > 0 else None


def _postgres_cpu(cluster: Cluster) -> tuple[int | None, float]:
    """(postmaster pid, CPU s of the postmaster, its reaped and its living children)."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None, 0.0

    def cpu(p: int, reaped: bool) -> float:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if reaped else 0)) / tick

    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        children = []
    return pid, cpu(pid, True) + sum(cpu(c, False) for c in children)


def _own_cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def fault_analysis(records: list[Record], timeline: dict[str, float]) -> dict[str, Any]:
    down = timeline.get("db_stop_begin")
    ready = timeline.get("db_start_end")
    if down is None or ready is None:
        return {"incomplete": True, **timeline}
    db_kinds = {"pages_content", "main", "panels", "table", "geometry"}
    errors = [r for r in records if r.error]
    during = [r for r in records if down <= r.t + r.ms / 1000 and r.t <= ready]
    after = [r for r in records if r.t >= ready and r.kind in db_kinds]
    first_ok_after = min((r for r in after if r.error is None and r.status == 200), key=lambda r: r.t + r.ms / 1000,
                         default=None)
    last_error = max(errors, key=lambda r: r.t + r.ms / 1000, default=None)
    per_second = []
    start = int(down) - 3
    stop = int(ready) + 8
    for second in range(max(start, 0), stop + 1):
        bucket = [r for r in records if second <= r.t < second + 1]
        per_second.append({"t": second, "n": len(bucket), "ok": sum(1 for r in bucket if not r.error),
                           "errors": _count(r.error for r in bucket if r.error),
                           "no_update_204": sum(1 for r in bucket if r.status == 204 and r.kind != "table")})
    messages = _count(f"{r.kind} → {r.status} {r.error}: {r.message}" for r in during if r.error)
    return {
        **timeline,
        "outage_s": round(ready - down, 2),
        "first_error_at": min((r.t for r in errors), default=None),
        "first_error_done_at": min((round(r.t + r.ms / 1000, 3) for r in errors), default=None),
        "last_error_sent_at": last_error.t if last_error else None,
        "last_error_done_at": round(last_error.t + last_error.ms / 1000, 3) if last_error else None,
        "errors_total": len(errors),
        "errors_after_db_ready": sum(1 for r in errors if r.t >= ready),
        "first_success_after_db_ready_at": round(first_ok_after.t + first_ok_after.ms / 1000, 3)
        if first_ok_after else None,
        "recovery_s": round(first_ok_after.t + first_ok_after.ms / 1000 - ready, 3) if first_ok_after else None,
        "all_clear_after_ready_s": round(max(0.0, (last_error.t + last_error.ms / 1000) - ready), 3)
        if last_error else 0.0,
        "requests_during_outage": len(during),
        "during_outage_by_type": {k: {"n": len(v), "errors": sum(1 for r in v if r.error),
                                      "status": _count(str(r.status) for r in v)}
                                  for k in sorted({r.kind for r in during})
                                  for v in [[r for r in during if r.kind == k]]},
        "what_clients_got": dict(sorted(messages.items(), key=lambda kv: -kv[1])[:12]),
        "per_second": per_second,
    }


def machine() -> dict[str, Any]:
    def version(name: str) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = None
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), None)
    pg = subprocess.run([str(Path(os.environ.get("SOZIALMONITOR_PG_BIN", "/usr/lib/postgresql/15/bin")) / "postgres"),
                         "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": mem, "os": platform.platform(),
            "python": platform.python_version(), "postgresql": pg,
            "packages": {n: version(n) for n in ("gunicorn", "dash", "Flask", "SQLAlchemy", "psycopg", "aiohttp",
                                                   "playwright")}}


def git_commit() -> str | None:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                            check=False)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=False)
    return (result.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")) if result.returncode == 0 else None


def main() -> int:
    parser = argparse.ArgumentParser(description="Load and fault test against loopback (see the module docstring).")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fault", action="store_true", help="stop PostgreSQL for --outage s at --fault-at s")
    parser.add_argument("--fault-at", type=float, default=20.0)
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--think-min", type=float, default=0.2)
    parser.add_argument("--think-max", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-browser", action="store_true", help="no Chromium witness in the fault run")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--markdown", type=Path, default=MARKDOWN)
    args = parser.parse_args()
    if not (1 <= args.users <= 500 and 1 <= args.seconds <= 900 and 1 <= args.workers <= 32):
        parser.error("bounded: 1–500 users, 1–900 s, 1–32 workers")
    if args.fault and not (args.fault_at > 0 and args.fault_at + args.outage < args.seconds):
        parser.error("--fault-at + --outage must end before --seconds")

    name = "fault" if args.fault else "normal"
    command = "python bench/load/run.py " + " ".join(sys.argv[1:])
    workdir = Path(tempfile.mkdtemp(prefix="sozialmonitor-load-"))
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    server: Gunicorn | None = None
    try:
        with private_cluster() as cluster:
            print(f"private PostgreSQL on 127.0.0.1:{cluster.port} in {cluster.root}", flush=True)
            demo_s = load_demo(cluster.url, workdir / "load-demo.log")
            print(f"demo loaded in {demo_s:.1f} s", flush=True)
            server = Gunicorn(cluster.url, args.workers, workdir)
            master, workers_before = server.process.pid, server.workers()
            print(f"gunicorn {server.base}: master {master}, workers {workers_before}", flush=True)
            print(f"{args.users} users for {args.seconds:.0f} s{' with a database outage' if args.fault else ''} …",
                  flush=True)
            cpu_before, own_before, machine_before = server.cpu_seconds(), _own_cpu(), _machine_ticks()
            pg_before = _postgres_cpu(cluster)
            outcome = asyncio.run(run_load(args, server.base, cluster))
            leftovers = _end_strays(server.process.pid)
            cpu = {"gunicorn_s": round(server.cpu_seconds() - cpu_before, 1),
                   "load_generator_s": round(_own_cpu() - own_before, 1),
                   "available_s": round((os.cpu_count() or 1) * outcome["ended_s"], 1),
                   "machine_busy_pct": _busy_pct(machine_before, _machine_ticks())}
            pg_after = _postgres_cpu(cluster)
            cpu["postgresql_s"] = round(pg_after[1] - pg_before[1], 1) if pg_after[0] == pg_before[0] else None
            if cpu["machine_busy_pct"] is not None:
                busy = cpu["machine_busy_pct"] / 100 * cpu["available_s"]
                cpu["other_processes_s"] = round(busy - cpu["gunicorn_s"] - cpu["load_generator_s"]
                                                 - (cpu["postgresql_s"] or 0), 1)
            # after the load: still the same processes, and they answer
            health = _get(server.base + "/healthz")[0]
            page = _get(server.base + "/?ind=mss_s4_child_poverty")[0]
            workers_after = server.workers()
            same = server.process.poll() is None and workers_after == workers_before
            facts = server.log_facts()
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    records: list[Record] = outcome["records"]
    window = [r for r in records if r.t <= args.seconds]
    summary = summarize(records, outcome["steps"])
    half = args.seconds / 2  # the second half: every worker's caches have seen most indicators and periods
    summary["second_half"] = {"overall": stats([r for r in records if r.t >= half]),
                              "dash_callbacks": stats([r for r in records if r.t >= half and is_callback(r.kind)]),
                              "interactions_all": stats([s for s in outcome["steps"] if s.t >= half])}
    result: dict[str, Any] = {
        "command": command,
        "date": started_at,
        "commit": git_commit(),
        "machine": machine(),
        "config": {"users": args.users, "seconds": args.seconds, "workers": args.workers,
                   "think_s": [args.think_min, args.think_max], "steps_per_session": [3, 8], "seed": args.seed,
                   "worker_class": "sync (gunicorn default)", "demo_load_s": round(demo_s, 1),
                   "load_generator": "same machine, one asyncio process (aiohttp), one connection pool per user"},
        "cpu": cpu,
        "sessions": outcome["sessions"],
        "requests": len(records),
        "throughput_rps": round(len(window) / args.seconds, 1),
        "interactions_per_s": round(len([s for s in outcome["steps"] if s.t <= args.seconds]) / args.seconds, 1),
        "goal": {"p95_ms": GOAL_P95_MS, "errors": 0},
        **summary,
        "server_after_run": {"healthz": health, "page": page, "same_master_and_workers": same,
                             "master_pid": master, "workers_before": workers_before, "workers_after": workers_after,
                             "log": facts},
        "callbacks_seen": outcome["callbacks"],
        "task_failures": outcome["failures"],
        "stray_processes_ended": leftovers,
    }
    if args.fault:
        result["fault"] = fault_analysis(records, outcome["timeline"])
        result["browser"] = outcome["browser"]
    merged: dict[str, Any] = {}
    if args.out.exists():
        try:
            merged = json.loads(args.out.read_text())
        except ValueError:
            merged = {}
    merged[name] = result
    args.out.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n")
    args.markdown.write_text(render_markdown(merged))
    o = result["overall"]
    print(f"{name}: {result['requests']} requests, {result['throughput_rps']} req/s, p50 {o['p50_ms']} ms, "
          f"p95 {o['p95_ms']} ms, p99 {o['p99_ms']} ms, errors {o['errors']}; wrote {args.out} and {args.markdown}")
    return 0


# --- report ------------------------------------------------------------------------------------------

def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _table(rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["| type | n | errors | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, s in rows.items():
        lines.append(f"| {name} | {s['n']:,} | {s['errors']:,} | {_ms(s['p50_ms'])} | {_ms(s['p95_ms'])} | "
                     f"{_ms(s['p99_ms'])} | {_ms(s['max_ms'])} |")
    return lines


def render_markdown(results: dict[str, Any]) -> str:
    out = ["# Load and fault test", "",
           "Generated by `bench/load/run.py` from `bench/load_results.json` (how it works: `bench/load/README.md`).",
           "Production shape: `gunicorn -c gunicorn.conf.py app:server` with `SOZIALMONITOR_WORKERS` sync workers",
           "on a private PostgreSQL 15 cluster holding the demo; virtual users behave like browsers (page, Dash",
           "layout and dependencies, scripts on the first visit, the pages callback, geometry, then the main",
           "callback and the panels and table callbacks it triggers). Loopback only; the load generator runs on",
           "the same machine and takes CPU from the server.", ""]
    for name in ("normal", "fault"):
        r = results.get(name)
        if not r:
            continue
        c, m = r["config"], r["machine"]
        o = r["overall"]
        ok = o["p95_ms"] is not None and o["p95_ms"] <= r["goal"]["p95_ms"] and o["errors"] == 0
        out += [f"## {'Normal run' if name == 'normal' else 'Fault run: PostgreSQL stopped during the load'}", "",
                f"- command: `{r['command']}`", f"- date: {r['date']} (commit {r['commit']})",
                f"- machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}, Python {m['python']}, "
                f"{m['postgresql']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v),
                f"- {c['users']} users, {c['seconds']:.0f} s, {c['workers']} gunicorn workers ({c['worker_class']}), "
                f"think time {c['think_s'][0]}–{c['think_s'][1]} s, {c['steps_per_session'][0]}–"
                f"{c['steps_per_session'][1]} steps per page load, seed {c['seed']}",
                f"- {r['sessions']:,} page loads, {r['requests']:,} requests, **{r['throughput_rps']} requests/s**, "
                f"{r['interactions_per_s']} user actions/s",
                f"- **overall p50 {_ms(o['p50_ms'])} ms, p95 {_ms(o['p95_ms'])} ms, p99 {_ms(o['p99_ms'])} ms, "
                f"errors {o['errors']}** — goal p95 ≤ {r['goal']['p95_ms']:.0f} ms and 0 errors: "
                f"{'met' if ok else 'not met'}",
                f"- CPU used during the load: gunicorn {r['cpu']['gunicorn_s']} s, load generator "
                f"{r['cpu']['load_generator_s']} s, of {r['cpu']['available_s']} s available "
                f"({m['cpus']} CPUs × {r['cpu']['available_s'] / (m['cpus'] or 1):.0f} s), PostgreSQL "
                f"{r['cpu'].get('postgresql_s')} s, other processes on the machine "
                f"{r['cpu'].get('other_processes_s')} s;"
                f" whole machine busy {r['cpu'].get('machine_busy_pct')} %" if r.get("cpu") else "",
                f"- server after the run: /healthz {r['server_after_run']['healthz']}, page "
                f"{r['server_after_run']['page']}, same master and workers: "
                f"{r['server_after_run']['same_master_and_workers']}; log: "
                + ", ".join(f"{k} {v}" for k, v in r["server_after_run"]["log"].items()), "",
                "Per request (latency of successful requests, send → last byte):", ""]
        out += _table({"**all**": o, "Dash callbacks": r["dash_callbacks"], **r["by_type"]})
        h = r.get("second_half")
        if h:
            out += ["", f"Second half only (t ≥ {c['seconds'] / 2:.0f} s, caches warm): all requests p50 "
                    f"{_ms(h['overall']['p50_ms'])} / p95 {_ms(h['overall']['p95_ms'])} ms, Dash callbacks p50 "
                    f"{_ms(h['dash_callbacks']['p50_ms'])} / p95 {_ms(h['dash_callbacks']['p95_ms'])} ms, user actions "
                    f"p50 {_ms(h['interactions_all']['p50_ms'])} / p95 {_ms(h['interactions_all']['p95_ms'])} ms."]
        out += ["", "Per user action (the action's requests together, as the user waits for them):", ""]
        out += _table({"**all**": r["interactions_all"], **r["interactions"]})
        if r["errors"]:
            out += ["", "Errors: " + ", ".join(f"{k} × {v}" for k, v in r["errors"].items())]
        f = r.get("fault")
        if f and not f.get("incomplete"):
            out += ["", "### Fault timeline (seconds since the start of the load)", "",
                    f"- {f['db_stop_begin']:.1f}: `pg_ctl stop -m fast` (done at {f['db_stop_end']:.1f})",
                    f"- {f['db_start_begin']:.1f}: `pg_ctl start` (accepting connections at {f['db_start_end']:.1f});"
                    f" outage {f['outage_s']:.1f} s",
                    f"- first failed request answered at {f['first_error_done_at']} (sent at {f['first_error_at']}: "
                    "queued behind other requests until the database was gone), last failed request sent at "
                    f"{f['last_error_sent_at']} (answered at {f['last_error_done_at']})",
                    f"- first successful database request after the restart answered at "
                    f"{f['first_success_after_db_ready_at']}: **recovery {f['recovery_s']} s after the database "
                    f"was back**, without restarting gunicorn; errors among requests sent after that moment: "
                    f"{f['errors_after_db_ready']}",
                    f"- {f['requests_during_outage']:,} requests overlapped the outage; {f['errors_total']:,} "
                    "errors in the whole run", "", "What the clients got during the outage:", ""]
            out += [f"- {k} × {v}" for k, v in f["what_clients_got"].items()]
            out += ["", "Requests per second around the outage (`204` = a callback that answered \"no change\"):",
                    "", "| t s | requests | ok | errors | 204 |", "|---:|---:|---:|---|---:|"]
            for b in f["per_second"]:
                errs = ", ".join(f"{k} {v}" for k, v in b["errors"].items()) or "–"
                out.append(f"| {b['t']} | {b['n']} | {b['ok']} | {errs} | {b['no_update_204']} |")
            b = r.get("browser") or {}
            if b:
                out += ["", "What a person sees (headless Chromium, screenshots in `bench/load/`):", ""]
                if b.get("skipped") or b.get("failed"):
                    out.append(f"- skipped or failed: {b.get('skipped') or b.get('failed')}")
                else:
                    out += [f"- a tab opened before the outage, period changed at {b.get('open_tab_switch_at')} s: "
                            f"{_seen(b.get('open_tab'))} (`fault_open_tab.png`)",
                            f"- a new visitor at {b.get('new_tab_open_at')} s: {_seen(b.get('new_tab'))} "
                            "(`fault_new_tab.png`)",
                            f"- after the database is back (check at {b.get('recovered_check_at')} s): the new tab "
                            f"reloaded shows the map: {(b.get('new_tab_after') or {}).get('map')}, error notice: "
                            f"{(b.get('new_tab_after') or {}).get('error_notice')} (`fault_recovered.png`); the old "
                            f"tab's next switch shows an error notice: "
                            f"{(b.get('open_tab_after') or {}).get('error_notice')}"]
        out.append("")
    return "\n".join(out) + "\n"


def _seen(item: dict[str, Any] | None) -> str:
    if not item:
        return "(nothing recorded)"
    if item.get("notice"):
        return f"«{item['notice']}»"
    return f"no error notice within the wait ({item.get('timeout')}); page text: «{item.get('body', '')[:120]}»"


if __name__ == "__main__":
    sys.exit(main())
