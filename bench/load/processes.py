"""The processes a load run starts and measures: the demo load, gunicorn (from the working tree or from an
old commit's copy), and the CPU counters read from /proc (gunicorn, PostgreSQL, this process, the machine).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Collection
from pathlib import Path
from typing import Any

from pgcluster import PG_BIN, Cluster

from bench.servers import free_port, stop, tail

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0
DEMO_TIMEOUT_S = 600.0


def load_demos(jobs: dict[str, tuple[Path, str, Path]]) -> dict[str, float]:
    """``python -m sozialmonitor load-demo`` for each label → (code root, database URL, log), all at once
    (each code version loads its own database); returns the seconds each took."""
    started = time.monotonic()
    running: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    took: dict[str, float] = {}
    try:
        for label, (root, url, log) in jobs.items():
            instance = log.parent / f"instance-demo-{label}"
            instance.mkdir(parents=True, exist_ok=True)
            env = {**os.environ, "DATABASE_URL": url, "SOZIALMONITOR_LOG_LEVEL": "WARNING",
                   "SOZIALMONITOR_INSTANCE_DIR": str(instance)}
            with log.open("wb") as out:
                running[label] = (subprocess.Popen([sys.executable, "-m", "sozialmonitor", "load-demo"], cwd=root,
                                                   env=env, stdin=subprocess.DEVNULL, stdout=out,
                                                   stderr=subprocess.STDOUT), log)
        while len(took) < len(running):
            if time.monotonic() - started > DEMO_TIMEOUT_S:
                raise RuntimeError(f"load-demo took longer than {DEMO_TIMEOUT_S:.0f} s")
            for label, (process, log) in running.items():
                if label in took or process.poll() is None:
                    continue
                if process.returncode != 0:
                    raise RuntimeError(f"load-demo ({label}) failed:\n{log.read_text(errors='replace')[-3000:]}")
                took[label] = round(time.monotonic() - started, 1)
            time.sleep(0.2)
    finally:
        for process, _ in running.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    return took


def code_origin(root: Path) -> str | None:
    """Where ``python -m sozialmonitor`` / gunicorn started in ``root`` import the app's package from."""
    result = subprocess.run([sys.executable, "-c", "import importlib.util as u; print(u.find_spec('sozialmonitor')"
                             ".origin)"], cwd=root, capture_output=True, text=True, timeout=60, check=False)
    return result.stdout.strip() or None


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py app:server`` started in ``root`` (the working tree or an old copy)."""

    def __init__(self, url: str, workers: int, workdir: Path, root: Path = REPO,
                 extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.root = root
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / "gunicorn.log"
        instance = workdir / "instance"
        instance.mkdir(exist_ok=True)
        env = {**os.environ, "DATABASE_URL": url, "SOZIALMONITOR_LOAD_DEMO": "0", "SOZIALMONITOR_HOST": "127.0.0.1",
               "SOZIALMONITOR_PORT": str(self.port), "SOZIALMONITOR_WORKERS": str(workers),
               "SOZIALMONITOR_INSTANCE_DIR": str(instance), "SOZIALMONITOR_LOG_FORMAT": "json",
               "SOZIALMONITOR_LOG_LEVEL": "INFO", "SOZIALMONITOR_SECRET_KEY": secrets.token_hex(32),
               "PYTHONUNBUFFERED": "1", **(extra_env or {})}
        self.command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(self.command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ({root}) exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if get(self.base + "/healthz")[0] == 200 and len(self.workers()) == workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_S:.0f} s:\n{self.tail()}")
            time.sleep(0.3)

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU of the master, of its living workers and of workers it has reaped (a restarted
        worker's CPU is not lost); from /proc, clock ticks → s."""
        return proc_cpu(self.process.pid, reaped=True) + sum(proc_cpu(p) for p in self.workers())

    def tail(self, lines: int = 40) -> str:
        return tail(self.log, lines)

    def log_facts(self) -> dict[str, Any]:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return {"lines": text.count("\n"), "tracebacks": text.count("Traceback"),
                "store_unavailable_lines": text.count("store unavailable") + text.count("cannot be reached"),
                "worker_boots": text.count("Booting worker"), "worker_timeouts": text.count("WORKER TIMEOUT"),
                "callback_failures": text.count("failed")}

    def stop(self) -> None:
        stop(self.process, grace_s=30)


def children(pid: int) -> list[int]:
    try:
        return sorted(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return []


def proc_cpu(pid: int, reaped: bool = False) -> float:
    """User + system CPU seconds of one process (``reaped``: plus its waited-for children)."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if reaped else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def end_strays(keep: Collection[int]) -> list[int]:
    """End child processes this run started and left behind (a browser whose driver lost its loop), by pid;
    ``keep``: the servers (gunicorn's master, nginx)."""
    ended = []
    for pid in children(os.getpid()):
        if pid in keep:
            continue
        try:
            os.kill(pid, 15)
            ended.append(pid)
        except OSError:
            pass
    return ended


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return (0, 0)
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values) - idle, sum(values))


def busy_pct(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    total = after[1] - before[1]
    return round(100 * (after[0] - before[0]) / total, 1) if total > 0 else None


def postgres_cpu(cluster: Cluster) -> tuple[int | None, float]:
    """(postmaster pid, CPU s of the postmaster, its reaped and its living children)."""
    try:
        pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None, 0.0
    return pid, proc_cpu(pid, reaped=True) + sum(proc_cpu(c) for c in children(pid))


def own_cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


class CpuMeter:
    """CPU used between ``start`` and ``stop``: gunicorn, this process (the load generator), PostgreSQL and
    the whole machine."""

    def __init__(self, server: Gunicorn, cluster: Cluster | None) -> None:
        self.server, self.cluster = server, cluster

    def _sample(self) -> dict[str, Any]:
        return {"t": time.monotonic(), "gunicorn": self.server.cpu_seconds(), "own": own_cpu(),
                "machine": machine_ticks(),
                "pg": postgres_cpu(self.cluster) if self.cluster is not None else (None, 0.0)}

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict[str, Any]:
        a = self.before
        b = self.after = self._sample()
        seconds = b["t"] - a["t"]
        cpu: dict[str, Any] = {"gunicorn_s": round(b["gunicorn"] - a["gunicorn"], 2),
                               "load_generator_s": round(b["own"] - a["own"], 1),
                               "available_s": round((os.cpu_count() or 1) * seconds, 1),
                               "machine_busy_pct": busy_pct(a["machine"], b["machine"]),
                               "postgresql_s": round(b["pg"][1] - a["pg"][1], 1)
                               if b["pg"][0] is not None and b["pg"][0] == a["pg"][0] else None}
        if cpu["machine_busy_pct"] is not None:
            busy = cpu["machine_busy_pct"] / 100 * cpu["available_s"]
            cpu["other_processes_s"] = round(busy - cpu["gunicorn_s"] - cpu["load_generator_s"]
                                             - (cpu["postgresql_s"] or 0), 1)
        return cpu


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
    pg = subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True,
                        check=False).stdout.strip()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": mem, "os": platform.platform(),
            "python": platform.python_version(), "postgresql": pg,
            "packages": {n: version(n) for n in ("gunicorn", "dash", "Flask", "SQLAlchemy", "psycopg", "aiohttp",
                                                   "orjson", "playwright")}}


def git_commit() -> str | None:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                            check=False)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=False)
    return (result.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")) if result.returncode == 0 else None
