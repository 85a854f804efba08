"""A private, throw-away PostgreSQL 15 cluster on a free loopback port (never the machine's shared server).

``initdb`` into a temporary folder owned by the ``postgres`` OS user (when running as root: PostgreSQL
refuses to run as root), ``pg_ctl start`` listening on 127.0.0.1 only with its socket in that folder,
one database ``sozialmonitor`` (``create_database`` adds more, e.g. one for a baseline commit),
``stop`` / ``start`` for fault injection, and ``destroy`` (stop immediately, remove the folder) — always,
also on failure, through the context manager.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.servers import free_port

PG_BIN = Path(os.environ.get("SOZIALMONITOR_PG_BIN", "/usr/lib/postgresql/15/bin"))


class Cluster:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sozialmonitor-loadpg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.url = self.url_for("sozialmonitor")

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def _ok(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            raise RuntimeError(f"{what} failed ({result.returncode}): {result.stdout[-800:]} {result.stderr[-800:]}")

    def init(self) -> None:
        self._ok(self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                           "--locale=C.UTF-8"), "initdb")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# load test: loopback only, socket in the private folder\n"
                       f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\nmax_connections = 200\nfsync = on\n")
        self.start()
        self._ok(self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "sozialmonitor"),
                 "createdb")

    def create_database(self, name: str) -> str:
        """One more database in the cluster (e.g. one per code version); returns its URL."""
        self._ok(self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name),
                 f"createdb {name}")
        return self.url_for(name)

    def url_for(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> float:
        """Start and wait until it accepts connections; returns the seconds it took."""
        started = time.monotonic()
        self._ok(self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"),
                 "pg_ctl start")
        return time.monotonic() - started

    def stop(self, mode: str = "fast") -> float:
        started = time.monotonic()
        self._ok(self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"), "pg_ctl stop")
        return time.monotonic() - started

    def command(self, action: str) -> list[str]:
        """The command line of ``pg_ctl stop|start`` (for running it from asyncio)."""
        args = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60"]
        args += ["-m", "fast", "stop"] if action == "stop" else ["-l", str(self.log), "start"]
        return ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else args

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status").returncode == 0

    def destroy(self) -> None:
        try:
            if self.data.exists() and self.running():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.destroy()
