"""Shared fixtures: a fresh store per test, on SQLite and (when reachable) on PostgreSQL.

PostgreSQL: one throw-away database per test session, one schema per test, all dropped at the end.
The server is taken from SOZIALMONITOR_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
When it cannot be reached the PostgreSQL variants are skipped — unless SOZIALMONITOR_REQUIRE_POSTGRES=1
(as in CI), which turns that into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from sozialmonitor.store import Store

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
PG_ADMIN_URL = os.environ.get("SOZIALMONITOR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("SOZIALMONITOR_REQUIRE_POSTGRES") == "1"


def _pg_reachable() -> str | None:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:
        return str(exc).splitlines()[0]


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """URL of a new PostgreSQL database named ``prefix`` plus a random suffix, dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """URL of a throw-away PostgreSQL database for this test session."""
    reason = _pg_reachable()
    if reason is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (SOZIALMONITOR_REQUIRE_POSTGRES=1) but not reachable: {reason}")
        pytest.skip(f"PostgreSQL not reachable: {reason}")
    with throwaway_database("sozialmonitor_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database (no schema yet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated, empty store."""
    s = Store(store_url)
    s.upgrade()
    try:
        yield s
    finally:
        s.dispose()
