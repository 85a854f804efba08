"""Start and stop the apps under test as subprocesses on free loopback ports (as tests/browser/conftest.py does);
bench/load/ starts gunicorn with the same `free_port`, `stop` and `tail`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 90.0
BENCH = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str
    log: Path
    started_s: float = 0.0  # seconds from spawn to the first 200 on "/"

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 30) -> str:
        return tail(self.log, lines)

    def stop(self) -> None:
        stop(self.process)


def tail(log: Path, lines: int) -> str:
    """The last ``lines`` lines of a server's log, for an error message."""
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


def stop(process: subprocess.Popen[bytes], grace_s: float = 10) -> None:
    """Terminate a server that is still running; kill it if it has not exited after ``grace_s``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _start(name: str, args: list[str], repo: Path, env: dict[str, str], logdir: Path) -> Server:
    port = free_port()
    log = logdir / f"{name}.log"
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(repo)}
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, *args, "--host", "127.0.0.1", "--port", str(port)], cwd=repo,
                                   env=full_env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + START_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with status {process.returncode} before answering:\n{server.tail()}")
        try:
            with urllib.request.urlopen(server.base + "/", timeout=10) as response:
                if response.status == 200:
                    server.started_s = round(time.perf_counter() - started, 2)
                    return server
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"{name} did not answer 200 within {START_TIMEOUT:.0f} s ({last}):\n{server.tail()}")


def start_app(repo: Path, database_url: str, logdir: Path, name: str = "app") -> Server:
    """``python app.py`` of ``repo`` (the working tree, or a copy of an earlier commit: its own code, this venv,
    PYTHONPATH=repo), serving the given store (no demo loading, debug off); ``name`` keeps its log and
    instance folder apart from another version's."""
    instance = logdir / f"{name}-instance"
    instance.mkdir(exist_ok=True)
    env = {"DATABASE_URL": database_url, "SOZIALMONITOR_LOAD_DEMO": "0", "SOZIALMONITOR_DEBUG": "0",
           "SOZIALMONITOR_INSTANCE_DIR": str(instance), "SOZIALMONITOR_LOG_LEVEL": "WARNING"}
    return _start(name, ["app.py"], repo, env, logdir)


def start_baseline(repo: Path, database_url: str, frame: str, level: str, logdir: Path) -> Server:
    """bench/baseline_app.py for one level (one process per dataset, as a minimal app would be)."""
    args = [str(BENCH / "baseline_app.py"), "--database-url", database_url, "--frame", frame, "--level", level]
    return _start(f"baseline-{frame}-{level}", args, repo, {}, logdir)


def rss_mb(pid: int) -> dict[str, float | None]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of a process, in MiB (2^20 bytes)."""
    out: dict[str, float | None] = {"rss_mb": None, "peak_rss_mb": None}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    return out


def memory_mb(pid: int) -> dict[str, float | None]:
    """``rss_mb`` plus, where /proc/PID/smaps_rollup is readable, the proportional set size (PSS: shared pages
    split between the processes sharing them, what a worker costs among several) and the unique set size
    (USS: private pages only), in MiB."""
    out: dict[str, float | None] = {**rss_mb(pid), "pss_mb": None, "uss_mb": None}
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return out
    fields: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        parts = value.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            fields[key.strip()] = int(parts[0])
    if "Pss" in fields:
        out["pss_mb"] = round(fields["Pss"] / 1024, 1)
    if "Private_Clean" in fields and "Private_Dirty" in fields:
        out["uss_mb"] = round((fields["Private_Clean"] + fields["Private_Dirty"]) / 1024, 1)
    return out
