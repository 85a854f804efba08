"""Load and fault test of Sozialmonitor in production shape: gunicorn with several workers on a private
PostgreSQL cluster, driven by virtual users that behave like browsers and by clients of the read API, the
working tree measured beside a baseline commit in the same run. Loopback only, bounded in time.

    python bench/load/run.py                          # 50 users, 60 s, 4 workers → bench/load_results.json, LOAD.md
    python bench/load/run.py --fault                  # the same, PostgreSQL stopped for 10 s at t = 20 s
    python bench/load/run.py --users 10 --seconds 15 --no-browser --out /tmp/load.json   # a quick look

What happens (see bench/load/README.md):
1. a private PostgreSQL 15 cluster is created in a temporary folder on a free loopback port (the machine's
   shared server is never touched);
2. with ``--baseline REF`` (default: bench/checkout.py's BASELINE_REF in a normal run, none in a fault run)
   that commit is copied with ``git archive``; each code version loads the demo into its own database of
   the cluster with its own ``python -m sozialmonitor load-demo`` (both at once);
3. per code version, baseline first: ``gunicorn -c gunicorn.conf.py app:server`` starts from that code with
   ``SOZIALMONITOR_WORKERS`` workers, behind nginx with the working tree's ``deploy/nginx.conf`` as the README's
   production section documents (``--proxy none``: straight at gunicorn); ``--users`` virtual users
   (bench/load/dash_client.py) open permalinks, switch indicator and period, click areas on the map and in the
   ranking, and ``--api-users`` API clients
   (bench/load/api_client.py) fetch from ``/api/v1/…``, with a random think time, for ``--seconds``; the
   same seed, so both versions see the same users; then ``--api-seconds`` with the API clients alone (their
   CPU per request); gunicorn is stopped;
4. with ``--fault`` (working tree only): at ``--fault-at`` seconds the cluster is stopped and started again
   ``--outage`` seconds later; headless Chromium shows what a user sees (screenshots in bench/load/), and the
   run checks that the same gunicorn master and workers serve again;
5. gunicorn and the cluster are stopped and removed (always, also on failure); the results are merged into
   ``--out`` (bench/load_results.json, key ``normal`` or ``fault``) and ``--markdown`` (bench/LOAD.md) is
   written from that file: the issue's goal figures baseline vs now, then each version's details.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.append(str(REPO))  # bench.checkout, bench.servers, bench.replay, bench.report

from api_client import ApiShared, ApiUser, probe  # noqa: E402
from dash_client import Recorder, Shared, VirtualUser, parse_dependencies  # noqa: E402
from fault import browser_witness, fault_analysis, fault_injector  # noqa: E402
from pgcluster import Cluster, private_cluster  # noqa: E402
from processes import CpuMeter, Gunicorn, children, code_origin, end_strays, get, git_commit, load_demos, machine  # noqa: E402  # noqa: E402
from report import render_markdown  # noqa: E402
from summary import GOALS, compare, is_callback, stats, summarize, summarize_api  # noqa: E402

from bench.checkout import BASELINE_REF, checkout, describe  # noqa: E402
from tests.servers import nginx  # noqa: E402  (the documented nginx site in front, as in production)

RESULTS = REPO / "bench" / "load_results.json"
MARKDOWN = REPO / "bench" / "LOAD.md"
CUTOFF_S = 150.0  # the whole load is cut off this long after the deadline
STEPS = (3, 8)


# --- one measured app --------------------------------------------------------------------------------

async def discover(base: str) -> tuple[Shared, list[str], ApiShared]:
    """Callbacks, indicators and area ids, learnt by one scout tab, and whether there is an API (not counted)."""
    shared, api = Shared(base), ApiShared(base)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        async with http.get(base + "/_dash-dependencies") as response:
            shared.callbacks = parse_dependencies(await response.json())
        scout = VirtualUser(-1, shared, Recorder(time.monotonic()), random.Random(0), think=(0, 0), steps=(0, 0),
                            indicators=[], deadline=time.monotonic() + 60)
        await scout.open(http, "")
        await probe(http, base, api)
    return shared, scout._indicator_choices(), api


async def _bounded(tasks: list[asyncio.Future[Any]], seconds: float) -> list[str]:
    """Wait for ``tasks`` at most ``seconds``, cancel what is left; the failures, as text."""
    if not tasks:
        return []
    done, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=30)
    return [repr(t.exception())[:300] for t in done if not t.cancelled() and t.exception()]


async def run_load(args: argparse.Namespace, server: Gunicorn, cluster: Cluster | None, *,
                   fault: bool) -> dict[str, Any]:
    base = server.base
    shared, indicators, api = await discover(base)
    timeline: dict[str, float] = {}
    seen: dict[str, Any] = {}
    ready, go = asyncio.Event(), asyncio.Event()
    rec = Recorder(time.monotonic())
    witness = None
    if fault and cluster is not None and not args.no_browser:
        # the witness's first tab loads before the users arrive (on a saturated server it would take minutes)
        witness = asyncio.ensure_future(browser_witness(base, rec, args.fault_at, args.outage, timeline, seen, ready,
                                                          go))
        await asyncio.wait_for(ready.wait(), timeout=180)
    meter = CpuMeter(server, cluster)
    rec.t0 = time.monotonic()
    meter.start()
    go.set()
    deadline = rec.t0 + args.seconds
    think = (args.think_min, args.think_max)
    users = [VirtualUser(n, shared, rec, random.Random(args.seed * 10_007 + n), think=think, steps=STEPS,
                         indicators=indicators, deadline=deadline) for n in range(args.users)]
    api_users = [ApiUser(n, api, rec, random.Random(args.seed * 20_011 + n), think=think, deadline=deadline)
                 for n in range(args.api_users if api.available else 0)]
    tasks = [asyncio.ensure_future(u.run()) for u in [*users, *api_users]]
    half: dict[str, float] = {}

    async def at_half_time() -> None:  # gunicorn's CPU at half time: the second half's CPU per action
        await asyncio.sleep(max(0.0, rec.t0 + args.seconds / 2 - time.monotonic()))
        half["gunicorn"] = server.cpu_seconds()

    tasks.append(asyncio.ensure_future(at_half_time()))
    if fault and cluster is not None:
        tasks.append(asyncio.ensure_future(fault_injector(cluster, rec, args.fault_at, args.outage, timeline)))
    if witness is not None:
        tasks.append(witness)
    failures = await _bounded(tasks, args.seconds + CUTOFF_S)
    ended = rec.now()
    cpu = meter.stop()
    if "gunicorn" in half:
        cpu["gunicorn_second_half_s"] = round(meter.after["gunicorn"] - half["gunicorn"], 2)
    cut_off = sum(1 for u in users if u.in_action)
    api_during_load = len(rec.api)

    api_only: dict[str, Any] = {}
    if api_users and api.available and args.api_seconds > 0:  # the API clients alone: their CPU per request
        start = rec.now()
        meter.start()
        alone = [ApiUser(n, api, rec, random.Random(args.seed * 30_011 + n), think=think,
                         deadline=time.monotonic() + args.api_seconds) for n in range(args.api_users)]
        failures += await _bounded([asyncio.ensure_future(u.run()) for u in alone], args.api_seconds + 60)
        only_cpu = meter.stop()
        done = [r for r in rec.api[api_during_load:] if r.t >= start]
        api_only = {"seconds": args.api_seconds, "requests": len(done), "errors": sum(1 for r in done if r.error),
                    "gunicorn_cpu_s": only_cpu["gunicorn_s"],
                    "cpu_ms_per_request": round(1000 * only_cpu["gunicorn_s"] / len(done), 2) if done else None}
    return {"records": rec.records, "steps": rec.steps, "api_records": rec.api[:api_during_load], "api": api,
            "api_only": api_only, "timeline": timeline, "browser": seen, "failures": failures,
            "ended_s": round(ended, 2), "cpu": cpu, "indicators": len(indicators), "actions_cut_off": cut_off,
            "click_protocol": shared.protocol(),
            "callbacks": [c.output[:60] for c in shared.callbacks if not c.clientside],
            "sessions": sum(u.sessions for u in users), "requests": sum(u.requests for u in users)}


def per_action(outcome: dict[str, Any], api_users: int, seconds: float) -> dict[str, Any]:
    """Server CPU per user action (gunicorn CPU ÷ finished actions, an open counting as one); also for the
    second half alone (caches warm: CPU from half time to the end ÷ actions finished in that time)."""
    steps, records = outcome["steps"], outcome["records"]
    actions = len(steps)
    gunicorn_s = outcome["cpu"]["gunicorn_s"]
    late = sum(1 for s in steps if s.t + s.ms / 1000 >= seconds / 2)
    late_s = outcome["cpu"].get("gunicorn_second_half_s")
    api_requests = len(outcome["api_records"])
    only = outcome["api_only"]
    out: dict[str, Any] = {"actions": actions, "opens": sum(1 for s in steps if s.kind == "open"),
                           "steps": sum(1 for s in steps if s.kind != "open"),
                           "actions_cut_off": outcome["actions_cut_off"],
                           "cpu_ms": round(1000 * gunicorn_s / actions, 1) if actions else None,
                           "cpu_ms_second_half": round(1000 * late_s / late, 1) if late and late_s is not None
                           else None,
                           "callback_requests": round(sum(1 for r in records if is_callback(r.kind)) / actions, 2)
                           if actions else None,
                           "requests": round(len(records) / actions, 2) if actions else None}
    if not api_requests:
        out["cpu_ms_without_api"] = out["cpu_ms"]
        out["without_api_how"] = ("no API users" if not api_users else "API not available: no API traffic"
                                  if not outcome["api"].available else "no API requests in this run")
    elif only.get("cpu_ms_per_request") is not None and actions:
        share = api_requests * only["cpu_ms_per_request"] / 1000
        out["api_cpu_s_estimate"] = round(share, 2)
        out["cpu_ms_without_api"] = round(1000 * max(0.0, gunicorn_s - share) / actions, 1)
        out["without_api_how"] = (f"estimate: {api_requests} API requests × {only['cpu_ms_per_request']} ms "
                                  "measured with the API clients alone")
    else:
        out["cpu_ms_without_api"] = None
        out["without_api_how"] = "not measured (`--api-seconds 0`); run with `--api-users 0`"
    return out


def measure(args: argparse.Namespace, *, label: str, root: Path, commit: str | None, url: str, workdir: Path,
            cluster: Cluster, fault: bool, demo_s: float | None) -> dict[str, Any]:
    """Start gunicorn from ``root`` on ``url``, run the load against it, stop it; the results of that app."""
    server = Gunicorn(url, args.workers, workdir / label, root=root,
                      extra_env={"SOZIALMONITOR_TRUSTED_PROXIES": "127.0.0.1", **dict(args.server_env)})
    proxy = contextlib.ExitStack()
    try:
        before = set(children(os.getpid()))
        if args.proxy == "nginx":  # the documented setup: nginx (deploy/nginx.conf of the working tree) in front
            host, port = proxy.enter_context(nginx(nginx_binary(), f"127.0.0.1:{server.port}",
                                                   workdir / label / "nginx"))
            server.base = f"http://{host}:{port}"
        servers = {server.process.pid, *(set(children(os.getpid())) - before)}
        master, workers_before = server.process.pid, server.workers()
        print(f"[{label}] gunicorn on port {server.port} from {root}: master {master}, workers {workers_before}; "
              f"users at {server.base}{' (nginx)' if args.proxy == 'nginx' else ''}", flush=True)
        print(f"[{label}] {args.users} users + {args.api_users} API clients for {args.seconds:.0f} s"
              f"{' with a database outage' if fault else ''} …", flush=True)
        outcome = asyncio.run(run_load(args, server, cluster, fault=fault))
        leftovers = end_strays(servers)
        health = get(server.base + "/healthz")[0]
        page = get(server.base + "/?ind=mss_s4_child_poverty")[0]
        workers_after = server.workers()
        same = server.process.poll() is None and workers_after == workers_before
        facts = server.log_facts()
    finally:
        proxy.close()
        server.stop()

    records = outcome["records"]
    window = [r for r in records if r.t <= args.seconds]
    half = args.seconds / 2  # the second half: every worker's caches have seen most indicators and periods
    api: ApiShared = outcome["api"]
    api_summary: dict[str, Any] = {"users": args.api_users, "available": bool(api.available), "reason": api.reason}
    if api.available and args.api_users:
        api_summary.update(summarize_api(outcome["api_records"], args.seconds))
        api_summary["conditional"] = {"sent": sum(1 for r in outcome["api_records"] if r.kind == "api:conditional"),
                                      "not_modified": sum(1 for r in outcome["api_records"]
                                                          if r.kind == "api:conditional" and r.status == 304),
                                      "etag_ignored": api.etag_ignored}
        api_summary["api_only_phase"] = outcome["api_only"]
    phase: dict[str, Any] = {
        "app": {"label": label, "commit": commit, "root": str(root), "code_origin": code_origin(root),
                "click_protocol": outcome["click_protocol"], "demo_load_s": demo_s},
        "cpu": outcome["cpu"],
        "sessions": outcome["sessions"],
        "requests": len(records),
        "throughput_rps": round(len(window) / args.seconds, 1),
        "interactions_per_s": round(len([s for s in outcome["steps"] if s.t <= args.seconds]) / args.seconds, 1),
        "per_action": per_action(outcome, args.api_users, args.seconds),
        "load_ended_s": outcome["ended_s"],
        **summarize(records, outcome["steps"]),
        "second_half": {"overall": stats([r for r in records if r.t >= half]),
                        "dash_callbacks": stats([r for r in records if r.t >= half and is_callback(r.kind)]),
                        "interactions_all": stats([s for s in outcome["steps"] if s.t >= half])},
        "api": api_summary,
        "server_after_run": {"healthz": health, "page": page, "same_master_and_workers": same,
                             "master_pid": master, "workers_before": workers_before, "workers_after": workers_after,
                             "log": facts},
        "callbacks_seen": outcome["callbacks"],
        "task_failures": outcome["failures"],
        "stray_processes_ended": leftovers,
    }
    if fault:
        phase["fault"] = fault_analysis(records, outcome["timeline"])
        phase["browser"] = outcome["browser"]
    pa = phase["per_action"]
    print(f"[{label}] {pa['actions']} actions, {phase['interactions_per_s']} actions/s, CPU/action {pa['cpu_ms']} ms "
          f"(without API {pa['cpu_ms_without_api']}), action p95 {phase['interactions_all']['p95_ms']} ms, request "
          f"p95 {phase['overall']['p95_ms']} ms, errors {phase['overall']['errors']}; API: "
          f"{'not available' if not api.available else api_summary.get('requests')}", flush=True)
    return phase


# --- the run -----------------------------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load and fault test against loopback (see the module docstring).")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--api-users", type=int, default=5, help="clients of /api/v1 beside the users (0: none)")
    parser.add_argument("--api-seconds", type=float, default=10.0,
                        help="after the load, the API clients alone for this long (their CPU per request; 0: skip)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--baseline", default=None,
                        help=f"git ref measured first in the same run (default {BASELINE_REF}; in a fault run "
                             "none); 'none' to skip")
    parser.add_argument("--fault", action="store_true", help="stop PostgreSQL for --outage s at --fault-at s")
    parser.add_argument("--fault-at", type=float, default=20.0)
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--think-min", type=float, default=0.2)
    parser.add_argument("--think-max", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-browser", action="store_true", help="no Chromium witness in the fault run")
    parser.add_argument("--server-env", action="append", default=[], type=_pair, metavar="NAME=VALUE",
                        help="extra environment of both gunicorns (repeatable), e.g. a cache key prefix")
    parser.add_argument("--proxy", choices=("nginx", "none"), default="nginx",
                        help="nginx with deploy/nginx.conf in front of gunicorn, as the README's production setup "
                             "(default), or the users straight at gunicorn")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--markdown", type=Path, default=MARKDOWN)
    args = parser.parse_args()
    if not (1 <= args.users <= 500 and 1 <= args.seconds <= 900 and 1 <= args.workers <= 32
            and 0 <= args.api_users <= 100 and 0 <= args.api_seconds <= 120):
        parser.error("bounded: 1–500 users, 0–100 API users, 1–900 s, 0–120 API-only s, 1–32 workers")
    if args.fault and not (args.fault_at > 0 and args.fault_at + args.outage < args.seconds):
        parser.error("--fault-at + --outage must end before --seconds")
    if args.baseline is None:
        args.baseline = "none" if args.fault else BASELINE_REF
    if args.baseline != "none":
        try:
            args.baseline_commit = describe(args.baseline)
        except ValueError as exc:
            parser.error(str(exc))
    return args


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(found, os.X_OK):
        raise SystemExit("nginx is missing (scripts/test installs Debian's nginx); or run with --proxy none")
    return found


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def main() -> int:
    args = parse_args()
    name = "fault" if args.fault else "normal"
    command = "python bench/load/run.py " + " ".join(sys.argv[1:])
    workdir = Path(tempfile.mkdtemp(prefix="sozialmonitor-load-"))
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    now_commit = git_commit()
    baseline: dict[str, Any] | None = None
    try:
        with private_cluster() as cluster, contextlib.ExitStack() as stack:
            print(f"private PostgreSQL on 127.0.0.1:{cluster.port} in {cluster.root}", flush=True)
            jobs = {"now": (REPO, cluster.url, workdir / "load-demo-now.log")}
            if args.baseline != "none":
                old = stack.enter_context(checkout(args.baseline))
                jobs["baseline"] = (old, cluster.create_database("sozialmonitor_baseline"),
                                    workdir / "load-demo-baseline.log")
                print(f"baseline {args.baseline} ({args.baseline_commit}) copied to {old}", flush=True)
            demo = load_demos(jobs)
            print("demo loaded: " + ", ".join(f"{k} {v:.1f} s" for k, v in demo.items()), flush=True)
            if "baseline" in jobs:  # first, with the same seed, users and duration
                baseline = measure(args, label="baseline", root=jobs["baseline"][0], commit=args.baseline_commit,
                                   url=jobs["baseline"][1], workdir=workdir, cluster=cluster, fault=False,
                                   demo_s=demo["baseline"])
            now = measure(args, label="now", root=REPO, commit=now_commit, url=cluster.url, workdir=workdir,
                          cluster=cluster, fault=args.fault, demo_s=demo["now"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    result: dict[str, Any] = {
        "command": command,
        "date": started_at,
        "commit": now_commit,
        "machine": machine(),
        "config": {"users": args.users, "api_users": args.api_users, "api_only_seconds": args.api_seconds,
                   "seconds": args.seconds, "workers": args.workers, "think_s": [args.think_min, args.think_max],
                   "steps_per_session": list(STEPS), "seed": args.seed, "worker_class": "sync (gunicorn default)",
                   "proxy": "nginx, deploy/nginx.conf" if args.proxy == "nginx" else "none",
                   "baseline": None if args.baseline == "none" else f"{args.baseline} ({args.baseline_commit})",
                   "baseline_databases": "each version loads the demo into its own database of the one cluster"
                   if baseline else None, "server_env": sorted(k for k, _ in args.server_env),
                   "load_generator": "same machine, one asyncio process (aiohttp), one connection pool per user"},
        "goal": {g[0]: f"{g[3]} {g[4]:g}" for g in GOALS},
        **now,
        "baseline": baseline,
        "comparison": compare(now, baseline, args.users),
    }
    merged: dict[str, Any] = {}
    if args.out.exists():
        try:
            merged = json.loads(args.out.read_text())
        except ValueError:
            merged = {}
    merged[name] = result
    args.out.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n")
    args.markdown.write_text(render_markdown(merged))
    for row in result["comparison"]:
        if row["goal"]:
            print(f"  {row['key']}: baseline {row['baseline']} → now {row['now']} (goal {row['goal']}: "
                  f"{'met' if row['met_now'] else 'missed' if row['met_now'] is False else '–'})")
    print(f"wrote {args.out} and {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
