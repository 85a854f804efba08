"""gunicorn configuration for production: ``gunicorn -c gunicorn.conf.py app:server``.

Reads the same settings as the app (``sozialmonitor/settings.py``): address from SOZIALMONITOR_HOST and
SOZIALMONITOR_PORT, SOZIALMONITOR_WORKERS processes. The app is loaded once in the master before the
workers are forked (``preload_app``), so migrations and the demo load run once; the database engine's
connections are closed before each fork and never shared by two processes. Workers keep no per-user
state, so any worker — or any machine with the same SOZIALMONITOR_SECRET_KEY — can serve any request.
Production puts nginx in front (``deploy/nginx.conf``): it buffers slow clients, which would otherwise tie up
a sync worker each. Responses carry no ``Server`` header (``server/serving.py``).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server.serving import hide_gunicorn_banner
from sozialmonitor.settings import Settings

settings = Settings.from_env()
hide_gunicorn_banner()  # no `Server: gunicorn` header

bind = [f"[{settings.host}]:{settings.port}" if ":" in settings.host else f"{settings.host}:{settings.port}"]
workers = settings.workers
preload_app = True
timeout = 60
graceful_timeout = 20
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None
# gunicorn ≥ 25 opens a control socket under $HOME by default; keep it with the app's other local state
control_socket = str(settings.instance_dir / "gunicorn.ctl")
# X-Forwarded-Proto (wsgi.url_scheme) counts from the same proxies the app trusts with X-Forwarded-For; none by default
forwarded_allow_ips = ",".join(str(n) for n in settings.trusted_proxies)
errorlog = "-"
loglevel = settings.log_level.lower()
if settings.log_format == "json":
    accesslog = None  # the app logs every request as JSON (server/security.py)
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "server.security.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"level": settings.log_level, "handlers": ["console"], "propagate": False}},
        "root": {"level": settings.log_level, "handlers": ["console"]},
    }
else:
    accesslog = "-"


def _store(server: Any) -> Any:
    """The app's Store, registered by server/auth.py (None when the app is not loaded in this process)."""
    if not server.cfg.preload_app:
        return None
    flask_app = server.app.wsgi()
    return flask_app.config.get("SOZIALMONITOR_STORE") or flask_app.extensions.get("sozialmonitor.store")


def pre_fork(server: Any, worker: Any) -> None:
    """In the master: close pooled connections so the child does not inherit open sockets."""
    store = _store(server)
    if store is not None:
        store.dispose()


def when_ready(server: Any) -> None:
    """In the master, once the app is loaded: move what it built (modules, the app) out of the garbage collector's
    sight, so workers neither scan it on every full collection nor copy its pages by touching reference counts."""
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """In the worker: start with an empty pool (never touch connections the master may still own)."""
    store = _store(server)
    if store is not None:
        store.engine.dispose(close=False)
