"""The documented production command: gunicorn with several workers against PostgreSQL
(`DATABASE_URL=postgresql+psycopg://… gunicorn -c gunicorn.conf.py app:server`), in a throw-away database
that is created and dropped here. Loopback only, bounded in time."""

from __future__ import annotations

import os
from pathlib import Path

from tests.servers import free_port, gunicorn, http_get


def test_gunicorn_serves_with_two_workers_against_postgresql(throwaway_postgres: str, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "home"
    not_a_dir.write_text("HOME is a file here: gunicorn must not need it\n")
    env = {
        **os.environ,
        "DATABASE_URL": throwaway_postgres,
        "SOZIALMONITOR_LOAD_DEMO": "0",
        "SOZIALMONITOR_HOST": "127.0.0.1",
        "SOZIALMONITOR_PORT": str(free_port()),
        "SOZIALMONITOR_WORKERS": "2",
        "SOZIALMONITOR_INSTANCE_DIR": str(tmp_path / "instance"),
        "SOZIALMONITOR_LOG_FORMAT": "json",
        "HOME": str(not_a_dir),
    }
    env.pop("XDG_RUNTIME_DIR", None)
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, log) as (server, base):
        statuses = [http_get(base + path)[0] for path in ["/", "/healthz"] * 10]
        assert statuses == [200] * 20
        assert http_get(base + "/healthz")[1] == b"ok\n"
        text = log.read_text()
        assert text.count("Booting worker with pid") == 2
        assert '"logger": "sozialmonitor.request"' in text and "Traceback" not in text
    assert server.returncode == 0, log.read_text()[-4000:]
