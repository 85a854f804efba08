"""An import killed with SIGKILL halfway leaves the store exactly as before, on SQLite and PostgreSQL.

``python -m sozialmonitor import-indicators`` runs in a subprocess on a store holding a known snapshot (the
synthetic Musterstadt). The file is big (300,000 synthetic rows written to tmp), so the write takes a while;
the command runs on a pseudo-terminal, where it draws its progress bar ("storing … 25,000/300,000"), and is
killed with SIGKILL as soon as the bar shows that part — not all — of the rows have been written inside the
import's transaction. Then every table's row count and a hash of its whole content must equal the snapshot,
and the next import must work.
"""

from __future__ import annotations

import csv
import hashlib
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from sozialmonitor.model import Base
from sozialmonitor.store import Store
from tests.conftest import REPO
from tests.integration.conftest import CliRunner
from tests.integration.musterstadt import CITY, import_areas, import_indicators

ROWS = 300_000
AREA_IDS = ("SR-0101", "SR-0102", "SR-0201", "SR-0202")
INDICATORS = ("einwohner", "kinder_u6")
KILL_TIMEOUT_S = 60.0
PROGRESS = re.compile(rb"(\d[\d,]*)/(\d[\d,]*)")


def big_file(path: Path, rows: int = ROWS) -> Path:
    """``rows`` observations of two count indicators for the four social areas, one per day since 1800."""
    per_day = len(AREA_IDS) * len(INDICATORS)
    start = date(1800, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["area_id", "indicator_id", "period", "value"])
        for n in range(-(-rows // per_day)):
            day = (start + timedelta(days=n)).isoformat()
            for area in AREA_IDS:
                for indicator in INDICATORS:
                    writer.writerow([area, indicator, day, (n * 7 + len(area)) % 1000 + 3])
    return path


def snapshot(store: Store) -> dict[str, tuple[int, str]]:
    """Per table: row count and a SHA-256 of every row (ordered by primary key)."""
    out = {}
    with store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            count = 0
            for row in connection.execute(sa.select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                count += 1
            out[table.name] = (count, digest.hexdigest())
    return out


def run_and_kill(url: str, file: Path, workdir: Path) -> tuple[int, int, str]:
    """Start the import on a pseudo-terminal; SIGKILL it once its progress bar shows 0 < done < total.
    Returns (done, total) at the kill and what the command printed."""
    leader, follower = pty.openpty()
    env = {**os.environ, "DATABASE_URL": url, "SOZIALMONITOR_LOG_LEVEL": "WARNING",
           "SOZIALMONITOR_INSTANCE_DIR": str(workdir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sozialmonitor", "import-indicators", str(file), "--frame", "muster", "--level",
         "sozialraum"], cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    output = b""
    done = total = 0
    deadline = time.monotonic() + KILL_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the command ended and closed the terminal
                    chunk = b""
                if not chunk and process.poll() is not None:
                    break
                output += chunk
                found = PROGRESS.findall(output[-200:])
                if found:
                    done, total = (int(x.replace(b",", b"")) for x in found[-1])
                    if 0 < done < total:
                        process.send_signal(signal.SIGKILL)
                        break
            elif process.poll() is not None:
                break
    finally:
        if process.poll() is None and not (0 < done < total):
            process.kill()  # not killed halfway: the test fails below, without leaving a process behind
        process.wait(timeout=30)
        os.close(leader)
    text = output.decode("utf-8", "replace")
    assert process.returncode == -signal.SIGKILL and 0 < done < total, (
        f"the import was not killed halfway (exit {process.returncode}, progress {done}/{total}):\n{text[-1500:]}")
    return done, total, text


def test_sigkill_halfway_leaves_the_store_exactly_as_before(cli: CliRunner, store: Store, tmp_path: Path) -> None:
    import_areas(cli, internal=False)
    import_indicators(cli, CITY / "synthetic_observations.csv")
    before = snapshot(store)
    assert before["observations"][0] > 0
    file = big_file(tmp_path / "big_long.csv")
    store.dispose()  # the killed command is the only client while it runs

    done, total, _ = run_and_kill(store.url, file, tmp_path)
    assert total == ROWS

    after = Store(store.url)
    try:
        assert snapshot(after) == before, f"the store changed although the import was killed at {done}/{total}"
        # the store is usable: the next import works and adds exactly what it says
        small = tmp_path / "small.csv"
        small.write_text("area_id,indicator_id,period,value\nSR-0101,einwohner,2030,123\n", encoding="utf-8")
        result = cli("import-indicators", small, "--frame", "muster", "--level", "sozialraum")
        assert result.code == 0, result.err
        assert "1 inserted" in result.out
        changed = snapshot(after)
        assert changed["observations"][0] == before["observations"][0] + 1
        assert changed["areas"] == before["areas"] and changed["indicators"] == before["indicators"]
    finally:
        after.dispose()
