"""The app as a subprocess on a free loopback port, for the tests that need a real server: the browser tests
(``python app.py``, tests/browser/conftest.py) and the production command (gunicorn, tests/integration/),
with the shipped nginx site in front (also for the load harness, bench/load/run.py)."""

from __future__ import annotations

import os
import re
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


NGINX_CONF = REPO / "deploy" / "nginx.conf"


def _once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/nginx.conf should contain {old!r} exactly once"
    return text.replace(old, new)


def site_for_test(upstream: str, port: int, redirect_port: int) -> str:
    """deploy/nginx.conf as shipped, but on loopback ports, without TLS (no certificate here) and proxying
    to ``upstream``: every other line is the production one."""
    site = NGINX_CONF.read_text(encoding="utf-8")
    site = _once(site, "listen 80;", f"listen 127.0.0.1:{redirect_port};")
    site = _once(site, "listen 443 ssl;", f"listen 127.0.0.1:{port};")
    site, certificates = re.subn(r"(?m)^\s*ssl_certificate(_key)? .*\n", "", site)
    assert certificates == 2, "deploy/nginx.conf should name a certificate and its key"
    return _once(site, "proxy_pass http://127.0.0.1:8050;", f"proxy_pass http://{upstream};")


def main_config(folder: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, with every path in ``folder``."""
    temp_paths = "\n".join(f"    {kind}_temp_path {folder / kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach tmp_path (mode 0700)
    return (f"{user}worker_processes 1;\nerror_log {folder / 'error.log'} info;\npid {folder / 'nginx.pid'};\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n    access_log off;\n{temp_paths}\n    include {site};\n}}\n")


@contextmanager
def nginx(binary: str, upstream: str, folder: Path) -> Iterator[tuple[str, int]]:
    """nginx (``binary``) in the foreground with deploy/nginx.conf in front of ``upstream``; yields (host, port)
    once it passes ``/healthz`` through; stopped on exit. Used by tests/integration/test_slow_clients.py and the
    load harness (bench/load/run.py), which measure the documented production setup."""
    folder.mkdir(parents=True)
    port = free_port()
    site = folder / "sozialmonitor.conf"
    site.write_text(site_for_test(upstream, port, free_port()), encoding="utf-8")
    conf = folder / "nginx.conf"
    conf.write_text(main_config(folder, site), encoding="utf-8")
    log = folder / "error.log"
    check = subprocess.run([binary, "-t", "-e", str(log), "-p", str(folder), "-c", str(conf)],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen([binary, "-e", str(log), "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            assert server.poll() is None, f"nginx exited with {server.returncode}:\n{log.read_text()[-3000:]}"
            try:
                if http_get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"nginx never passed /healthz on:\n{log.read_text()[-3000:]}"
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        stop(server, timeout_s=10)
