from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from sozialmonitor.cli import main
from sozialmonitor.store import Store


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
