"""One typed settings object, read once from the environment.

Nothing else in the code base reads ``os.environ``. Every setting is documented here (``SETTINGS``) and
in the README's settings table; a test fails when the two disagree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
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


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


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
    data_dir: Path = field(default=REPO_ROOT / "data")

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
        return cls(
            database_url=url,
            instance_dir=instance_dir,
            load_demo=_flag(env, "SOZIALMONITOR_LOAD_DEMO", True),
            host=(env.get("SOZIALMONITOR_HOST") or "127.0.0.1").strip(),
            port=_port(env, "SOZIALMONITOR_PORT", 8050),
            debug=_flag(env, "SOZIALMONITOR_DEBUG", False),
            log_level=level,
            basemap_url=(env.get("SOZIALMONITOR_BASEMAP_URL") or "").strip() or None,
        )
