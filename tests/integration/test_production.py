"""The documented production command: gunicorn with several workers against PostgreSQL
(`DATABASE_URL=postgresql+psycopg://… gunicorn -c gunicorn.conf.py app:server`), in a throw-away database
that is created and dropped here. Loopback only, bounded in time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import PG_ADMIN_URL, REPO

START_TIMEOUT = 90.0


@pytest.fixture
def throwaway_postgres(pg_database: str) -> Iterator[str]:
    """URL of a PostgreSQL database of its own (``pg_database`` skips or fails when there is no server)."""
    name = f"sozialmonitor_gunicorn_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_gunicorn_serves_with_two_workers_against_postgresql(throwaway_postgres: str, tmp_path: Path) -> None:
    port = _free_port()
    not_a_dir = tmp_path / "home"
    not_a_dir.write_text("HOME is a file here: gunicorn must not need it\n")
    env = {
        **os.environ,
        "DATABASE_URL": throwaway_postgres,
        "SOZIALMONITOR_LOAD_DEMO": "0",
        "SOZIALMONITOR_HOST": "127.0.0.1",
        "SOZIALMONITOR_PORT": str(port),
        "SOZIALMONITOR_WORKERS": "2",
        "SOZIALMONITOR_INSTANCE_DIR": str(tmp_path / "instance"),
        "SOZIALMONITOR_LOG_FORMAT": "json",
        "HOME": str(not_a_dir),
    }
    env.pop("XDG_RUNTIME_DIR", None)
    log = tmp_path / "gunicorn.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"],
                                  cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert server.poll() is None, f"gunicorn exited with {server.returncode}:\n{log.read_text()[-4000:]}"
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no answer within {START_TIMEOUT} s:\n{log.read_text()[-4000:]}"
            time.sleep(0.3)
        statuses = [_get(base + path)[0] for path in ["/", "/healthz"] * 10]
        assert statuses == [200] * 20
        assert _get(base + "/healthz")[1] == b"ok\n"
        text = log.read_text()
        assert text.count("Booting worker with pid") == 2
        assert '"logger": "sozialmonitor.request"' in text and "Traceback" not in text
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, log.read_text()[-4000:]
