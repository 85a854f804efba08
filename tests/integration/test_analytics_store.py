"""Analytics against a real store (SQLite and PostgreSQL): reading inputs, hot spots, composite, typology,
scatter, and saving results as documented indicators that survive export and import."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from sozialmonitor import importing
from sozialmonitor.analytics.composite import Component, CompositeSpec, composite_for_level
from sozialmonitor.analytics.derived import DerivedValues, InputRef, NotDerived, save_to_store
from sozialmonitor.analytics.hotspots import hot_spots_for_level
from sozialmonitor.analytics.inputs import wide_values
from sozialmonitor.analytics.scatter import scatter_for_level
from sozialmonitor.analytics.typology import typology_for_level
from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.errors import ValidationFailed
from sozialmonitor.frames import get_level
from sozialmonitor.model import Indicator, Observation
from sozialmonitor.store import Store, generation
from tests.conftest import FIXTURES
from tests.integration.conftest import CliRunner

GRID = FIXTURES / "analytics"
SPEC = IndicatorSpec(id="grid_index", name_de="Rasterindex", name_en="Grid index", topic="Raster", unit="Klasse",
                     polarity="higher_is_worse", aggregation="none", decimals=0)
DAY = date(2026, 11, 21)


def load_grid(store: Store) -> None:
    with store.transaction() as session:
        importing.catalogue_into(session, GRID / "synthetic_grid_catalogue.csv")
        importing.areas_into(session, GRID / "synthetic_grid.geojson", frame="raster", level="feld")
        importing.indicators_into(session, GRID / "synthetic_grid_values.csv", frame="raster", level="feld")


def index_result(store: Store) -> DerivedValues:
    spec = CompositeSpec((Component("grid_a"), Component("grid_b", 0.5, -1)), population="grid_pop",
                         min_population=150)
    with store.session() as session:
        return composite_for_level(session, get_level(session, "raster", "feld"), "2020", spec).derived("class")


def test_hot_spots_from_the_store(store: Store) -> None:
    load_grid(store)
    with store.session() as session:
        level = get_level(session, "raster", "feld")
        result = hot_spots_for_level(session, level, "grid_a", "2020")
        later = wide_values(session, level, ["grid_a", "grid_pop"], ["2021", "2020"])
    assert result.table.loc["r4c4", "cluster"] == "HH" and result.table.loc["r0c0", "cluster"] == "LL"
    assert result.table.loc["insel", "cluster"] == "island"
    assert result.moran_i > 0.5 and result.p_sim < 0.01
    assert later["grid_a"].isna().all()  # 2021: r0c0 has status missing, the others no row — never 0
    assert later.loc["r4c0", "grid_pop"] == 300.0


def test_composite_typology_and_scatter_from_the_store(store: Store) -> None:
    load_grid(store)
    with store.session() as session:
        level = get_level(session, "raster", "feld")
        spec = CompositeSpec((Component("grid_a"),), population="grid_pop", min_population=150)
        composite = composite_for_level(session, level, "2020", spec)
        types = typology_for_level(session, level, ["grid_a", "grid_b"], "2020", 3, seed=4)
        points = scatter_for_level(session, level, "grid_a", "grid_pop", "2020")
    assert set(composite.excluded.index) == {f"r0c{c}" for c in range(5)} | {"insel"}  # population 100 / 120
    assert composite.excluded["insel"] == "population below threshold"
    assert len(composite.table) == 20
    assert types.sizes.sum() == 26 and types.excluded == ()
    assert points.n == 26 and points.pearson_r == pytest.approx(0.3412, abs=1e-4)


def test_save_as_indicator_records_method_inputs_and_date(store: Store) -> None:
    load_grid(store)
    result = index_result(store)
    with store.session() as session:
        before = generation(session)
    summary = save_to_store(store, "raster", "feld", result, SPEC, derived_at=DAY)
    assert summary.inserted == 26
    with store.session() as session:
        row = session.get(Indicator, "grid_index")
        assert row is not None and row.derived_at == "2026-11-21"
        assert row.method is not None and row.method.startswith("composite z-score: 1·(+)z(grid_a) + 0.5·(−)z(grid_b)")
        assert [i["indicator"] for i in json.loads(row.inputs or "")] == ["grid_a", "grid_b", "grid_pop"]
        statuses = dict(session.execute(select(Observation.status, func.count()).where(
            Observation.indicator_id == "grid_index").group_by(Observation.status)).all())
        assert statuses == {"ok": 20, "not_applicable": 6}
        assert generation(session) == before + 1
    again = save_to_store(store, "raster", "feld", result, SPEC, derived_at=DAY)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 26)
    assert "catalogue: unchanged" in again.notes


def test_saving_never_overwrites_imported_indicators_and_validates_areas(store: Store) -> None:
    load_grid(store)
    result = index_result(store)
    with pytest.raises(NotDerived, match="'grid_a' is an imported indicator"):
        save_to_store(store, "raster", "feld", result, IndicatorSpec(**{**SPEC.__dict__, "id": "grid_a"}))
    stray = DerivedValues(pd.Series({"r0c0": 1.0, "nowhere": 2.0}), "2020", "test", (InputRef("grid_a", "2020"),))
    with pytest.raises(ValidationFailed, match="unknown area 'nowhere'"):
        save_to_store(store, "raster", "feld", stray, SPEC)
    with store.session() as session:
        assert session.get(Indicator, "grid_index") is None  # one transaction: nothing was written


def test_derived_indicator_survives_export_and_import(
    cli: CliRunner, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_grid(store)
    save_to_store(store, "raster", "feld", index_result(store), SPEC, derived_at=DAY)
    r = cli("export", "--frame", "raster", "--out", tmp_path / "out")
    assert r.code == 0, r.err
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh.upgrade()
    monkeypatch.setenv("DATABASE_URL", fresh.url)
    r = cli("import-manifest", tmp_path / "out" / "manifest.yaml")
    assert r.code == 0, r.err

    def derived_row(s: Store) -> tuple[object, ...]:
        with s.session() as session:
            row = session.get(Indicator, "grid_index")
            assert row is not None
            n = session.scalar(select(func.count()).select_from(Observation).where(
                Observation.indicator_id == "grid_index"))
            return row.method, row.inputs, row.derived_at, n

    assert derived_row(fresh) == derived_row(store)
    fresh.dispose()
