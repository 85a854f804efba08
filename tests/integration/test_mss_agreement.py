"""The MSS preset reproduces the published status and dynamics classes (tables 1) from the published index
indicators (tables 2-1), report years 2013–2019: from the raw CSVs and from the shipped demo data in a store.

Achieved (see sozialmonitor/analytics/mss.py): 100 % in every year and for both indices; required: ≥ 99 %.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sozialmonitor import importing
from sozialmonitor.analytics.mss import (
    EDITIONS,
    RAW_NAME,
    compare,
    mss_for_level,
    mss_from_values,
    period_of,
    published_from_store,
    published_tables,
)
from sozialmonitor.frames import get_level
from sozialmonitor.store import Store
from tests.conftest import REPO

RAW = REPO.parent / "shared" / "data" / "raw" / "berlin_mss"
needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason=f"raw MSS tables not found in {RAW}")
REQUIRED = 0.99


@needs_raw
@pytest.mark.parametrize("year", EDITIONS)
def test_mss_classes_from_the_raw_tables(year: int) -> None:
    inputs, inhabitants, published = published_tables(RAW, year)
    status, dynamics = compare(mss_from_values(inputs, period_of(year), inhabitants), published)
    assert status.share >= REQUIRED, status.line()
    assert dynamics.share >= REQUIRED, dynamics.line()
    assert (status.mismatches, dynamics.mismatches) == ((), ())  # what the preset achieves: every area


@needs_raw
@pytest.mark.parametrize("year", EDITIONS)
def test_mss_z_scores_and_status_sum_match_the_published_table_3(year: int) -> None:
    inputs, inhabitants, _ = published_tables(RAW, year)
    result = mss_from_values(inputs, period_of(year), inhabitants)
    table3 = pd.read_csv(RAW / RAW_NAME.format(year=year, table="3"), dtype={"id": str}).set_index("id")
    n = len(result.status.spec.components)
    mine = result.status.table
    published = table3.loc[mine.index]
    for i, component in enumerate(result.status.spec.components):  # table 3's headers are misaligned: by position
        assert (mine[f"z:{component.indicator}"] - published.iloc[:, 2 + i]).abs().max() < 2e-5
    assert (mine["score"] - published.iloc[:, 2 + n].astype(float)).abs().max() < 5e-5


def _load_berlin_mss(store: Store, tmp_path: Path) -> None:
    population = pd.read_csv(REPO / "data" / "berlin" / "population_planungsraum.csv.gz", dtype={"area_id": str})
    pop_file = tmp_path / "pop_total.csv"
    population[population["indicator_id"] == "pop_total"].to_csv(pop_file, index=False)
    with store.transaction() as session:
        importing.catalogue_into(session, REPO / "data" / "catalogue.csv")
        importing.areas_into(session, REPO / "geodata" / "berlin.gpkg", frame="berlin", level="planungsraum",
                             layer="planungsraum", id_col="id", name_col="name")
        importing.indicators_into(session, REPO / "data" / "berlin" / "mss_planungsraum.csv.gz", frame="berlin",
                                  level="planungsraum")
        importing.indicators_into(session, pop_file, frame="berlin", level="planungsraum")


def test_mss_classes_from_the_store(store: Store, tmp_path: Path) -> None:
    _load_berlin_mss(store, tmp_path)
    with store.session() as session:
        level = get_level(session, "berlin", "planungsraum")
        for year in EDITIONS:
            period = period_of(year)
            result = mss_for_level(session, level, period)
            status, dynamics = compare(result, published_from_store(session, level, period))
            assert status.share >= REQUIRED and dynamics.share >= REQUIRED, (status.line(), dynamics.line())
            assert (status.mismatches, dynamics.mismatches) == ((), ())
            # the ≥ 300 threshold is checked where the register has the period (2016, 2018), noted elsewhere
            threshold_noted = any("not applied" in n for n in result.status.notes)
            assert threshold_noted == (year < 2017)
            assert len(result.status.spec.components) == (3 if year == 2019 else 4)
            assert result.matrix.counts.to_numpy().sum() == status.published
