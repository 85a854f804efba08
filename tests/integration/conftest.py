from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from sozialmonitor.cli import main
from sozialmonitor.service import Service
from sozialmonitor.store import Store
from tests.conftest import throwaway_database


@dataclass
class Result:
    code: int
    out: str
    err: str


CliRunner = Callable[..., Result]


@pytest.fixture
def cli(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> CliRunner:
    """Run ``python -m sozialmonitor`` in-process against the test's store (chosen by DATABASE_URL)."""
    monkeypatch.setenv("DATABASE_URL", store.url)
    monkeypatch.setenv("SOZIALMONITOR_LOG_LEVEL", "WARNING")

    def run(*args: object) -> Result:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    """The shipped demo, loaded once per backend by `python -m sozialmonitor load-demo`; yields the store and
    what the command printed. Tests must not change it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    else:
        url = request.getfixturevalue("pg_database")
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.setenv("DATABASE_URL", url)
        assert main(["load-demo"]) == 0
    store = Store(url)
    yield store, out.getvalue()
    store.dispose()


@pytest.fixture(scope="session")
def service(demo: tuple[Store, str]) -> Service:
    """One service over the demo store per backend and session (its caches warm up once, as in a worker)."""
    return Service(demo[0])


@pytest.fixture
def throwaway_postgres(pg_database: str) -> Iterator[str]:
    """URL of a PostgreSQL database of its own, for a server in a subprocess (``pg_database`` skips or fails
    when there is no server)."""
    with throwaway_database("sozialmonitor_gunicorn") as url:
        yield url
