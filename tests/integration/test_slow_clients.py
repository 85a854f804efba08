"""The documented production setup keeps answering while clients send slowly: Debian's nginx with the shipped
``deploy/nginx.conf`` in front of ``gunicorn -c gunicorn.conf.py app:server``. 200 connections trickle a
request header one byte per second for 20 s (a connection nginx closes is opened again at once) while
``/healthz`` through nginx must answer within a second, again and again. Without nginx, a handful of such
connections leave gunicorn's sync workers no time for anybody else — checked too, so the test can fail.

Everything runs on loopback ports of its own, in ``tmp_path`` (nginx with its own prefix, temp folders, pid
file and error log; it does not need root). Without nginx the test is skipped — unless ``CI`` is set:
there ``scripts/test`` has installed it, and its absence is a failure.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, gunicorn, nginx

SLOW_CLIENTS = 200
SLOW_SECONDS = 20.0
ANSWER_WITHIN_S = 1.0
GUNICORN_WORKERS = 2


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if os.access(found, os.X_OK):
        return found
    reason = "nginx is not installed (scripts/test installs Debian's nginx: apt-get install nginx)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}; CI must run this test")
    pytest.skip(reason)


def get(host: str, port: int, path: str, timeout: float) -> tuple[int, bytes, dict[str, str], float]:
    """Status, body, headers and seconds taken of one GET on a new connection."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, body, {k.lower(): v for k, v in response.getheaders()}, time.monotonic() - started
    finally:
        connection.close()


class SlowClients:
    """``count`` connections that each send a request line and then one header byte per second, never
    finishing the header; a connection the server answers (408) or closes is replaced by a new one at once."""

    def __init__(self, host: str, port: int, count: int) -> None:
        self.address = (host, port)
        self.count = count
        self.replaced = 0
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: slow.example\r\nX-Slow: ")
        sock.setblocking(False)
        return sock

    def _still_open(self, sock: socket.socket) -> bool:
        try:
            sock.recv(1)  # an answer (408) or the end: the server gave up on this one
            return False
        except BlockingIOError:
            pass  # nothing to read: the server still waits for the header
        except OSError:
            return False
        try:
            sock.send(b"a")
            return True
        except OSError:
            return False

    def _trickle(self) -> None:
        while not self._stop.wait(1.0):
            for n, sock in enumerate(self._sockets):
                if not self._still_open(sock):
                    sock.close()
                    self._sockets[n] = self._connect()
                    self.replaced += 1

    def __enter__(self) -> SlowClients:
        self._sockets = [self._connect() for _ in range(self.count)]
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self._sockets:
            sock.close()


@pytest.fixture
def production(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """gunicorn as documented (two workers, SQLite, no demo data); yields its (host, port)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "SOZIALMONITOR_LOAD_DEMO": "0",
           "SOZIALMONITOR_HOST": "127.0.0.1", "SOZIALMONITOR_PORT": str(port),
           "SOZIALMONITOR_WORKERS": str(GUNICORN_WORKERS), "SOZIALMONITOR_INSTANCE_DIR": str(tmp_path / "instance"),
           "SOZIALMONITOR_TRUSTED_PROXIES": "127.0.0.1", "SOZIALMONITOR_LOG_LEVEL": "WARNING"}
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, log):
        yield "127.0.0.1", port
    assert "Traceback" not in log.read_text()


def test_nginx_keeps_the_server_answering_while_200_clients_send_slowly(
        production: tuple[str, int], tmp_path: Path) -> None:
    app_host, app_port = production
    status, _, headers, _ = get(app_host, app_port, "/healthz", timeout=5)
    assert status == 200 and "server" not in headers  # gunicorn.conf.py: no `Server: gunicorn`
    with nginx(nginx_binary(), f"{app_host}:{app_port}", tmp_path / "nginx") as (host, port):
        _, _, headers, _ = get(host, port, "/healthz", timeout=5)
        assert headers["server"] == "nginx"  # server_tokens off: no version
        probes: list[tuple[int, bytes, float]] = []
        with SlowClients(host, port, SLOW_CLIENTS) as slow:
            end = time.monotonic() + SLOW_SECONDS
            while time.monotonic() < end:
                time.sleep(2.0)
                status, body, _, took = get(host, port, "/healthz", timeout=10)
                probes.append((status, body, round(took, 3)))
            replaced = slow.replaced
        assert len(probes) >= 8
        assert all(status == 200 and body == b"ok\n" for status, body, _ in probes), probes
        assert max(took for _, _, took in probes) < ANSWER_WITHIN_S, probes
        # client_header_timeout: nginx dropped every first slow connection well within the 20 s
        assert replaced >= SLOW_CLIENTS, replaced

    # the same trickle straight at gunicorn: its sync workers each wait for one slow header, nobody else is served
    with SlowClients(app_host, app_port, 2 * GUNICORN_WORKERS):
        time.sleep(1.0)
        with pytest.raises(TimeoutError):
            get(app_host, app_port, "/healthz", timeout=ANSWER_WITHIN_S * 2)
    assert get(app_host, app_port, "/healthz", timeout=10)[0] == 200  # and it recovers once they are gone
