"""One typed settings object, read once from the environment.

Nothing else in the code base reads ``os.environ``. Every setting is documented here (``SETTINGS``) and
in the README's settings table; a test fails when the two disagree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from sozialmonitor.errors import SettingsError

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SettingDoc:
    env: str
    default: str
    description: str


SETTINGS: tuple[SettingDoc, ...] = (
    SettingDoc(
        "DATABASE_URL",
        "sqlite:///<instance dir>/sozialmonitor.db",
        "SQLAlchemy URL of the store, e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/test`.",
    ),
    SettingDoc(
        "SOZIALMONITOR_INSTANCE_DIR",
        "`instance/` in the repository",
        "Folder for the embedded SQLite store and other local state; created on first use.",
    ),
    SettingDoc(
        "SOZIALMONITOR_LOAD_DEMO",
        "`1`",
        "`1`: when the app starts on an empty store, load the shipped demo data; `0`: start empty.",
    ),
    SettingDoc("SOZIALMONITOR_HOST", "`127.0.0.1`", "Address `python app.py` listens on (`--host` overrides)."),
    SettingDoc("SOZIALMONITOR_PORT", "`8050`", "Port `python app.py` listens on (`--port` overrides)."),
    SettingDoc(
        "SOZIALMONITOR_DEBUG",
        "`0`",
        "`1` turns on Dash's debug mode (tracebacks in the browser). Never in production.",
    ),
    SettingDoc("SOZIALMONITOR_LOG_LEVEL", "`INFO`", "Log level: DEBUG, INFO, WARNING or ERROR."),
    SettingDoc(
        "SOZIALMONITOR_BASEMAP_URL",
        "empty (no basemap)",
        "Tile URL template of an optional basemap, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`. "
        "Off by default: the app needs no tile server and works offline.",
    ),
    SettingDoc(
        "SOZIALMONITOR_CACHE_URL",
        "empty (a cache in each process)",
        "Redis URL of the cache that every worker shares, e.g. `redis://127.0.0.1:6379/0`: computed views and "
        "values are then computed once for all workers and machines (keyed by each frame's data generation, so "
        "an import never serves stale numbers). Set it whenever more than one worker serves the public.",
    ),
    SettingDoc(
        "SOZIALMONITOR_CACHE_PREFIX",
        "`sozialmonitor:`",
        "Prefix of every key in the shared cache: lets several installations (or test runs) share one Redis.",
    ),
    SettingDoc(
        "SOZIALMONITOR_CACHE_LOCAL_MB",
        "`64`",
        "Megabytes each worker keeps of computed entries in its own memory: the whole cache without Redis, the "
        "near copy of entries it used with Redis (an entry never changes, so the copy is never stale).",
    ),
    SettingDoc(
        "SOZIALMONITOR_SECRET_KEY",
        "generated once and kept in `<instance dir>/secret_key`",
        "Key that signs the session cookie. Several machines behind one load balancer **must** share the "
        "same key (set it here); one machine may rely on the generated file.",
    ),
    SettingDoc(
        "SOZIALMONITOR_COOKIE_SECURE",
        "`0`",
        "`1`: the session cookie is always `Secure` (sent over HTTPS only) and answers carry "
        "`Strict-Transport-Security`. Set it whenever the app is served via HTTPS. Without it the cookie is "
        "`Secure` on requests that came via HTTPS, directly or as a trusted proxy's `X-Forwarded-Proto` says.",
    ),
    SettingDoc(
        "SOZIALMONITOR_SESSION_HOURS",
        "`8`",
        "Hours a login lasts (absolute, checked on the server); then the user is public again.",
    ),
    SettingDoc(
        "SOZIALMONITOR_TRUSTED_USER_HEADER",
        "empty (off)",
        "Single sign-on: name of the header in which a reverse proxy passes the authenticated user, e.g. "
        "`X-Remote-User`. Only honoured on requests from `SOZIALMONITOR_TRUSTED_PROXIES`; the user must "
        "exist locally and gets the local role. Off: the header is ignored.",
    ),
    SettingDoc(
        "SOZIALMONITOR_TRUSTED_PROXIES",
        "empty",
        "Comma-separated addresses or networks (`10.0.0.5, 192.168.0.0/24`) of reverse proxies trusted to "
        "send the user header, `X-Forwarded-For` (the client address used by the login throttle), "
        "`X-Forwarded-Host` and `X-Forwarded-Proto` (HTTPS: the session cookie is `Secure`); gunicorn "
        "(`forwarded_allow_ips`) trusts the same. Empty: these headers are ignored.",
    ),
    SettingDoc(
        "SOZIALMONITOR_FRAME_ANCESTORS",
        "`'self'`",
        "Who may embed the app in a frame (CSP `frame-ancestors`), e.g. `'self' https://www.musterstadt.de`; "
        "`'none'` forbids embedding.",
    ),
    SettingDoc(
        "SOZIALMONITOR_MAX_REQUEST_BYTES",
        "`1048576` (1 MiB)",
        "Largest request body accepted; larger requests get 413.",
    ),
    SettingDoc(
        "SOZIALMONITOR_LOG_FORMAT",
        "`text`",
        "`text`: readable lines; `json`: one JSON object per line (ts, level, logger, msg; per request "
        "method, path, status, ms, role) for log collectors.",
    ),
    SettingDoc(
        "SOZIALMONITOR_WORKERS",
        "`4`",
        "Number of gunicorn worker processes (`gunicorn -c gunicorn.conf.py app:server`).",
    ),
)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r} is not a yes/no value; allowed: 1, 0, true, false, yes, no, on, off")


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a port number (1-65535)") from None
    if not 1 <= port <= 65535:
        raise SettingsError(f"{name}={raw!r} is not a port number (1-65535)")
    return port


def _int(env: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number ({minimum}-{maximum})") from None
    if not minimum <= value <= maximum:
        raise SettingsError(f"{name}={raw!r} is outside the allowed range {minimum}-{maximum}")
    return value


def _networks(env: Mapping[str, str], name: str) -> tuple[IPv4Network | IPv6Network, ...]:
    networks = []
    for part in (env.get(name) or "").split(","):
        if part.strip():
            try:
                networks.append(ip_network(part.strip(), strict=False))
            except ValueError:
                raise SettingsError(f"{name}: {part.strip()!r} is not an IP address or network "
                                    "(e.g. 10.0.0.5 or 192.168.0.0/24)") from None
    return tuple(networks)


HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
# a CSP source: a keyword, a scheme, or an origin with optional wildcard subdomain and port
FRAME_SOURCE = re.compile(r"^('self'|'none'|https?:|https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?)$")


def _frame_ancestors(env: Mapping[str, str], name: str) -> str:
    raw = (env.get(name) or "").strip()
    if not raw:
        return "'self'"
    sources = raw.split()
    bad = [s for s in sources if not FRAME_SOURCE.match(s)]
    if bad or ("'none'" in sources and len(sources) > 1):
        raise SettingsError(f"{name}={raw!r} is not a list of frame sources; allowed: 'self', 'none' "
                            "(alone), or origins such as https://www.musterstadt.de, separated by spaces")
    return " ".join(sources)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class Settings:
    database_url: str
    instance_dir: Path
    load_demo: bool = True
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    log_level: str = "INFO"
    basemap_url: str | None = None
    cache_url: str | None = None
    cache_prefix: str = "sozialmonitor:"
    cache_local_mb: int = 64
    data_dir: Path = field(default=REPO_ROOT / "data")
    secret_key: str | None = field(default=None, repr=False)
    cookie_secure: bool = False
    session_hours: int = 8
    trusted_user_header: str | None = None
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    frame_ancestors: str = "'self'"
    max_request_bytes: int = 1024 * 1024
    log_format: str = "text"
    workers: int = 4

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        instance_dir = Path(env.get("SOZIALMONITOR_INSTANCE_DIR") or REPO_ROOT / "instance")
        url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'sozialmonitor.db'}"
        # Heroku-style URLs name the dialect without a driver; we ship psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        level = (env.get("SOZIALMONITOR_LOG_LEVEL") or "INFO").strip().upper()
        if level not in LOG_LEVELS:
            raise SettingsError(f"SOZIALMONITOR_LOG_LEVEL={level!r} is unknown; allowed: {', '.join(LOG_LEVELS)}")
        log_format = (env.get("SOZIALMONITOR_LOG_FORMAT") or "text").strip().lower()
        if log_format not in LOG_FORMATS:
            raise SettingsError(f"SOZIALMONITOR_LOG_FORMAT={log_format!r} is unknown; "
                                f"allowed: {', '.join(LOG_FORMATS)}")
        header = (env.get("SOZIALMONITOR_TRUSTED_USER_HEADER") or "").strip() or None
        if header is not None and not HEADER_NAME.match(header):
            raise SettingsError(f"SOZIALMONITOR_TRUSTED_USER_HEADER={header!r} is not a header name "
                                "(letters, digits and -, e.g. X-Remote-User)")
        proxies = _networks(env, "SOZIALMONITOR_TRUSTED_PROXIES")
        if header is not None and not proxies:
            raise SettingsError("SOZIALMONITOR_TRUSTED_USER_HEADER is set but SOZIALMONITOR_TRUSTED_PROXIES is "
                                "empty; name the reverse proxies whose header may be trusted")
        return cls(
            database_url=url,
            instance_dir=instance_dir,
            load_demo=_flag(env, "SOZIALMONITOR_LOAD_DEMO", True),
            host=(env.get("SOZIALMONITOR_HOST") or "127.0.0.1").strip(),
            port=_port(env, "SOZIALMONITOR_PORT", 8050),
            debug=_flag(env, "SOZIALMONITOR_DEBUG", False),
            log_level=level,
            basemap_url=(env.get("SOZIALMONITOR_BASEMAP_URL") or "").strip() or None,
            cache_url=_cache_url(env, "SOZIALMONITOR_CACHE_URL"),
            cache_prefix=(env.get("SOZIALMONITOR_CACHE_PREFIX") or "sozialmonitor:").strip(),
            cache_local_mb=_int(env, "SOZIALMONITOR_CACHE_LOCAL_MB", 64, 0, 64 * 1024),
            secret_key=(env.get("SOZIALMONITOR_SECRET_KEY") or "").strip() or None,
            cookie_secure=_flag(env, "SOZIALMONITOR_COOKIE_SECURE", False),
            session_hours=_int(env, "SOZIALMONITOR_SESSION_HOURS", 8, 1, 24 * 30),
            trusted_user_header=header,
            trusted_proxies=proxies,
            frame_ancestors=_frame_ancestors(env, "SOZIALMONITOR_FRAME_ANCESTORS"),
            max_request_bytes=_int(env, "SOZIALMONITOR_MAX_REQUEST_BYTES", 1024 * 1024, 1024, 1024**3),
            log_format=log_format,
            workers=_int(env, "SOZIALMONITOR_WORKERS", 4, 1, 64),
        )


def _cache_url(env: Mapping[str, str], name: str) -> str | None:
    url = (env.get(name) or "").strip() or None
    if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(f"{name}={url!r} is not a Redis URL; allowed: redis://…, rediss://… or unix://…")
    return url
