"""The app as a subprocess on a free loopback port, for the tests that need a real server: the browser tests
(``python app.py``, tests/browser/conftest.py) and the production command (gunicorn, tests/integration/)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import REPO

GUNICORN_START_TIMEOUT = 90.0
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET (an HTTP error status is an answer too; no answer raises OSError)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def stop(server: subprocess.Popen[bytes], timeout_s: float) -> None:
    """Terminate ``server``; kill it if it has not exited within ``timeout_s``."""
    server.terminate()
    try:
        server.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The documented production command, ``gunicorn -c gunicorn.conf.py app:server``, run in the repository
    with ``env`` as its whole environment (``SOZIALMONITOR_HOST`` and ``SOZIALMONITOR_PORT`` say where it
    listens) and its output in ``log``. Yields the process and its base URL once ``/healthz`` answers 200;
    stops it on exit (terminate, kill after 30 s), also when it never answered."""
    base = f"http://{env['SOZIALMONITOR_HOST']}:{env['SOZIALMONITOR_PORT']}"
    with log.open("wb") as out:
        server = subprocess.Popen(GUNICORN, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + GUNICORN_START_TIMEOUT
        while True:
            assert server.poll() is None, f"gunicorn exited with {server.returncode}:\n{log.read_text()[-4000:]}"
            try:
                if http_get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, \
                f"no answer within {GUNICORN_START_TIMEOUT} s:\n{log.read_text()[-4000:]}"
            time.sleep(0.3)
        yield server, base
    finally:
        stop(server, timeout_s=30)
