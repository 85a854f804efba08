"""Import benchmark: the Gemeinde geometries plus ~1 million synthetic observations, through the CLI.

What is timed is what an operator runs (`python -m sozialmonitor …`, one process per step, Python start-up
included) against a fresh SQLite file on disk and a fresh PostgreSQL database:

1. ``import-areas``      geodata/deutschland.gpkg, layer ``gemeinde`` (10,997 polygons; validated, repaired,
                         simplified as a coverage) as the only level of a new frame ``bench``;
2. ``import-catalogue``  a synthetic catalogue of 23 indicators (``bench_synth_01`` … ``bench_synth_23``);
3. ``import-indicators`` a long CSV (gzip) with 10,997 areas × 23 indicators × 4 periods = 1,011,724 rows.

The values are synthetic (a fixed random seed), clearly named so; they exist only in the temporary stores.
"""

from __future__ import annotations

import csv
import gzip
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio

INDICATORS = 23
PERIODS = ("2020-12-31", "2021-12-31", "2022-12-31", "2023-12-31")
STEP_TIMEOUT = 600.0
CATALOGUE_COLUMNS = ("id", "name_de", "name_en", "topic", "topic_en", "unit", "unit_en", "polarity", "aggregation",
                     "numerator", "denominator", "factor", "visibility", "min_count", "decimals", "source", "licence",
                     "definition_de", "definition_en", "scale")


@dataclass
class SyntheticData:
    geometry: Path
    layer: str
    catalogue: Path
    observations: Path
    areas: int
    rows: int


@dataclass
class ImportRun:
    store: str  # "sqlite" or "postgres"
    steps: dict[str, float] = field(default_factory=dict)  # step → seconds
    error: str | None = None

    @property
    def total(self) -> float | None:
        return None if self.error else round(sum(self.steps.values()), 2)


def make_synthetic(repo: Path, workdir: Path, rows_wanted: int | None = None) -> SyntheticData:
    """Write the synthetic catalogue and the long observation table for every Gemeinde.

    ``rows_wanted`` (for --quick) keeps only the first indicators so that about that many rows remain."""
    geometry = repo / "geodata" / "deutschland.gpkg"
    ids = pyogrio.read_dataframe(geometry, layer="gemeinde", columns=["id"], read_geometry=False)["id"]
    codes = sorted(str(c) for c in ids)
    indicators = INDICATORS
    if rows_wanted is not None:
        indicators = max(1, min(INDICATORS, rows_wanted // (len(codes) * len(PERIODS))))
    catalogue = workdir / "bench_catalogue.csv"
    with catalogue.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CATALOGUE_COLUMNS)
        for n in range(1, indicators + 1):
            row = {
                "id": f"bench_synth_{n:02d}", "name_de": f"Synthetischer Indikator {n:02d}",
                "name_en": f"Synthetic indicator {n:02d}", "topic": "Benchmark (synthetisch)",
                "topic_en": "Benchmark (synthetic)", "unit": "Index", "unit_en": "index", "polarity": "neutral",
                "aggregation": "none", "visibility": "public", "decimals": "2",
                "source": "Synthetische Zufallswerte für den Benchmark (bench/imports.py)", "licence": "CC0-1.0",
                "definition_de": "Synthetische Werte, nur für Lasttests.",
                "definition_en": "Synthetic values, for load tests only.", "scale": "sequential",
            }
            writer.writerow([row.get(c, "") for c in CATALOGUE_COLUMNS])
    rng = np.random.default_rng(20261121)
    observations = workdir / "bench_observations.csv.gz"
    rows = 0
    with gzip.open(observations, "wt", encoding="utf-8", newline="", compresslevel=1) as out:
        out.write("area_id,indicator_id,period,value\n")
        for n in range(1, indicators + 1):
            indicator = f"bench_synth_{n:02d}"
            for period in PERIODS:
                values = rng.gamma(2.0, 25.0, size=len(codes))
                out.write("".join(f"{c},{indicator},{period},{v:.2f}\n" for c, v in zip(codes, values, strict=True)))
                rows += len(codes)
    return SyntheticData(geometry, "gemeinde", catalogue, observations, len(codes), rows)


def _run_step(repo: Path, database_url: str, args: list[str]) -> float:
    env = {**os.environ, "DATABASE_URL": database_url, "SOZIALMONITOR_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sozialmonitor", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=STEP_TIMEOUT, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-8:]
        raise RuntimeError(f"`sozialmonitor {args[0]}` exited {done.returncode}: " + " | ".join(tail))
    return round(elapsed, 2)


def time_import(repo: Path, database_url: str, store: str, data: SyntheticData) -> ImportRun:
    run = ImportRun(store)
    steps: list[tuple[str, list[str]]] = [
        ("import_areas", ["import-areas", str(data.geometry), "--layer", data.layer, "--frame", "bench",
                          "--level", "gemeinde", "--id-col", "id", "--name-col", "name",
                          "--frame-name", "Benchmark", "--frame-name-en", "Benchmark",
                          "--level-name", "Gemeinde", "--level-name-en", "Municipality"]),
        ("import_catalogue", ["import-catalogue", str(data.catalogue)]),
        ("import_indicators", ["import-indicators", str(data.observations), "--frame", "bench", "--level", "gemeinde",
                               "--format", "long"]),
    ]
    try:
        for name, args in steps:
            run.steps[name] = _run_step(repo, database_url, args)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        run.error = str(exc)[:600]
    return run


def summary(run: ImportRun, data: SyntheticData) -> dict[str, Any]:
    return {"store": run.store, "areas": data.areas, "rows": data.rows, "steps_s": dict(run.steps),
            "total_s": run.total, "error": run.error}
