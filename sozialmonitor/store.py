"""Engine and session handling. SQLite file by default, PostgreSQL through ``DATABASE_URL``.

The store is created and upgraded through Alembic migrations (:meth:`Store.upgrade`). Every import runs
inside :meth:`Store.transaction`: either everything is written or nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from sozialmonitor.errors import StoreRefused, StoreUnavailable
from sozialmonitor.model import Area, Frame, StoreState

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class Store:
    """A database holding frames, areas, the catalogue and observations."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def describe(self) -> str:
        """The URL without password, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def upgrade(self) -> None:
        """Create the schema or bring it to the newest migration."""
        try:
            with self.engine.begin() as connection:
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
        except OperationalError as exc:
            raise StoreUnavailable(f"cannot open the store at {self.describe()}: {exc.orig}") from exc

    def schema_is_current(self) -> bool:
        heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
        with self.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        return current == heads

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session (no commit)."""
        try:
            with self._sessions() as session:
                yield session
        except OperationalError as exc:
            raise StoreUnavailable(f"the store at {self.describe()} cannot be reached: {exc.orig}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back on any exception. A value
        the database refuses (text too long for a column, a NUL character) becomes a clear error, not a
        driver traceback; validation should have caught it before."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            raise StoreUnavailable(f"the store at {self.describe()} cannot be reached: {exc.orig}") from exc
        except (DataError, IntegrityError) as exc:
            raise StoreRefused(f"the store refused the data, nothing was written: {str(exc.orig).strip()[:300]}") \
                from exc

    def is_empty(self) -> bool:
        with self.session() as session:
            return not session.scalar(select(func.count()).select_from(Area))

    def dispose(self) -> None:
        self.engine.dispose()


def bump_generation(session: Session, frame: str | None = None) -> None:
    """Mark the store as changed (inside the import's transaction): the store's generation, and that of the
    frame the import wrote to — or of every frame when ``frame`` is None (the catalogue is shared by all)."""
    session.execute(update(StoreState).where(StoreState.id == 1).values(generation=StoreState.generation + 1))
    frames = update(Frame).values(generation=Frame.generation + 1)
    session.execute(frames if frame is None else frames.where(Frame.id == frame))


def frame_generations(session: Session) -> dict[str, int]:
    return {str(i): int(g) for i, g in session.execute(select(Frame.id, Frame.generation))}


def generation(session: Session) -> int:
    return int(session.scalar(select(StoreState.generation).where(StoreState.id == 1)) or 0)
