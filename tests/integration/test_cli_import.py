"""Every CLI command against SQLite and PostgreSQL, with the synthetic Musterstadt files a city might send."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from sozialmonitor.model import Area, Indicator, Observation
from sozialmonitor.store import Store
from sozialmonitor.values import session_values
from tests.conftest import FIXTURES
from tests.integration.conftest import CliRunner

AREAS = FIXTURES / "areas"
CITY = FIXTURES / "musterstadt"


def load_city(cli: CliRunner) -> None:
    assert cli("import-catalogue", CITY / "synthetic_catalogue.csv").code == 0
    r = cli("import-areas", AREAS / "synthetic_musterstadt_25833.gpkg", "--frame", "muster", "--level", "bezirk",
            "--layer", "stadtbezirke", "--id-col", "BEZ_ID", "--name-col", "BEZ_NAME",
            "--frame-name", "Musterstadt", "--level-name", "Stadtbezirk", "--level-name-en", "District")
    assert r.code == 0, r.err
    r = cli("import-areas", AREAS / "synthetic_musterstadt_25833.gpkg", "--frame", "muster", "--level", "sozialraum",
            "--layer", "sozialraeume", "--id-col", "SR_SCHLUESSEL", "--name-col", "SR_NAME",
            "--parent-col", "BEZIRK", "--parent-level", "bezirk")
    assert r.code == 0, r.err


def snapshot(store: Store) -> list[tuple[object, ...]]:
    """Everything in the store, independent of surrogate keys."""
    with store.session() as s:
        rows: list[tuple[object, ...]] = []
        rows += [tuple(r) for r in s.execute(text("SELECT id, name_de, name_en FROM frames ORDER BY id"))]
        rows += [tuple(r) for r in s.execute(text(
            "SELECT l.frame_id, l.key, l.name_de, l.name_en, p.key, l.source, l.licence FROM levels l "
            "LEFT JOIN levels p ON p.id = l.parent_id ORDER BY l.frame_id, l.key"))]
        rows += [tuple(r) for r in s.execute(text(
            "SELECT l.key, a.code, a.name, p.code, a.geom, a.geom_web FROM areas a JOIN levels l ON l.id = a.level_id "
            "LEFT JOIN areas p ON p.id = a.parent_id ORDER BY l.key, a.code"))]
        rows += [tuple(r) for r in s.execute(text("SELECT * FROM indicators ORDER BY id"))]
        rows += [tuple(r) for r in s.execute(text(
            "SELECT o.indicator_id, o.period, a.code, o.value, o.numerator, o.denominator, o.status "
            "FROM observations o JOIN areas a ON a.id = o.area_id ORDER BY 1, 2, 3"))]
    return rows


def test_help_on_every_command(cli: CliRunner) -> None:
    for command in ("migrate", "import-catalogue", "import-areas", "import-indicators", "export",
                    "import-manifest", "load-demo", "info"):
        r = cli(command, "--help")
        assert r.code == 0 and "usage: python -m sozialmonitor " + command in r.out


def test_city_files_import_with_flags_only(cli: CliRunner, store: Store) -> None:
    load_city(cli)
    r = cli("import-indicators", CITY / "synthetic_german_cp1252.csv", "--frame", "muster", "--level", "sozialraum",
            "--area-col", "Schlüssel")
    assert r.code == 0, r.err
    assert "8 inserted, 0 updated, 0 unchanged" in r.out
    r = cli("import-indicators", CITY / "synthetic_wide_sgb2.csv", "--frame", "muster", "--level", "sozialraum",
            "--format", "wide", "--indicator", "sgb2_quote", "--area-col", "Sozialraum")
    assert r.code == 0, r.err
    with store.session() as s:
        rows = {(o.indicator_id, o.period, code): (o.value, o.status) for o, code in s.execute(
            select(Observation, Area.code).join(Area, Area.id == Observation.area_id))}
        names = dict(s.execute(select(Area.code, Area.name)).all())
    assert names["SR-0102"] == "Schloßpark"
    assert rows[("einwohner", "2023-12-31", "SR-0101")] == (1234.0, "ok")
    assert rows[("sgb2_quote", "2023-12-31", "SR-0201")] == (8.25, "ok")
    assert rows[("sgb2_quote", "2023-12-31", "SR-0102")] == (None, "secret")
    assert rows[("sgb2_quote", "2023-12-31", "SR-0202")] == (None, "missing")
    assert rows[("einwohner", "2023-12-31", "SR-0202")] == (None, "not_applicable")
    assert rows[("sgb2_quote", "2020", "SR-0102")] == (None, "secret")
    assert rows[("sgb2_quote", "2019", "SR-0202")] == (None, "later")
    assert rows[("sgb2_quote", "2020", "SR-0202")] == (None, "unreliable")
    assert rows[("sgb2_quote", "2021", "SR-0202")] == (9.1, "unreliable")


def test_importing_the_same_files_twice_changes_nothing(cli: CliRunner, store: Store) -> None:
    load_city(cli)
    args = ("import-indicators", CITY / "synthetic_observations.csv", "--frame", "muster", "--level", "sozialraum")
    assert "16 inserted" in cli(*args).out
    before = snapshot(store)
    r = cli(*args)
    assert "0 inserted, 0 updated, 16 unchanged" in r.out
    r = cli("import-areas", AREAS / "synthetic_musterstadt_25833.gpkg", "--frame", "muster", "--level", "sozialraum",
            "--layer", "sozialraeume", "--id-col", "SR_SCHLUESSEL", "--name-col", "SR_NAME", "--parent-col", "BEZIRK")
    assert "0 inserted, 0 updated, 4 unchanged" in r.out
    assert cli("import-catalogue", CITY / "synthetic_catalogue.csv").out.count("5 unchanged") == 1
    assert snapshot(store) == before


def test_broken_store_rules_are_reported_together_and_nothing_is_written(cli: CliRunner, store: Store) -> None:
    load_city(cli)
    before = snapshot(store)
    r = cli("import-indicators", CITY / "broken_store_rules.csv", "--frame", "muster", "--level", "sozialraum")
    assert r.code == 1
    assert "4 problem(s) found; nothing was imported" in r.err
    assert "row 2, column 'value': 112.5 is outside 0 … 100 for 'sgb2_quote' (unit %)" in r.err
    assert "row 3, column 'area_id': unknown area 'SR-9999' in level muster/sozialraum" in r.err
    assert "row 4, column 'indicator_id': unknown indicator 'gibt_es_nicht'" in r.err
    assert "row 5, column 'value': -3 is outside 0 … 100" in r.err
    assert snapshot(store) == before


def test_unknown_areas_can_be_skipped_and_are_listed(cli: CliRunner, store: Store, tmp_path: Path) -> None:
    load_city(cli)
    path = tmp_path / "historic.csv"
    path.write_text("area_id,indicator_id,period,value\nSR-0101,einwohner,2013,5\nSR-0999,einwohner,2013,7\n",
                    encoding="utf-8")
    r = cli("import-indicators", path, "--frame", "muster", "--level", "sozialraum", "--unknown-areas", "skip")
    assert r.code == 0
    assert "1 inserted" in r.out and "1 skipped" in r.out and "SR-0999" in r.out


@pytest.mark.parametrize(("file", "flags", "message"), [
    ("broken_duplicate_and_empty_ids.geojson", ["--id-col", "SR_SCHLUESSEL"], "duplicate id 'SR-0101'"),
    ("broken_projected_without_crs.geojson", ["--id-col", "SR_SCHLUESSEL"], "name the CRS with --crs"),
    ("broken_empty.geojson", [], "the file is empty"),
    ("broken_corrupt.gpkg", [], "not a readable"),
    ("broken_unknown_parent.gpkg", ["--id-col", "SR_SCHLUESSEL", "--parent-col", "BEZIRK"],
     "parent '99' of area 'SR-0102' is not an area of level 'bezirk'"),
])
def test_broken_area_files_leave_the_store_unchanged(
    cli: CliRunner, store: Store, file: str, flags: list[str], message: str
) -> None:
    load_city(cli)
    before = snapshot(store)
    r = cli("import-areas", AREAS / file, "--frame", "muster", "--level", "sozialraum", *flags)
    assert r.code == 1
    assert message in r.err
    assert snapshot(store) == before


def test_aggregation_to_the_parent_level_follows_the_catalogue(cli: CliRunner, store: Store) -> None:
    load_city(cli)
    assert cli("import-indicators", CITY / "synthetic_observations.csv", "--frame", "muster",
               "--level", "sozialraum").code == 0
    with store.session() as s:
        values = {ind: session_values(s).raw("muster", "bezirk", ind, "2022")[0]
                  for ind in ("einwohner", "kinder_u6", "anteil_kinder_u6", "alter_mittel", "sgb2_quote")}
    assert values["einwohner"].loc["01", "value"] == 400
    assert values["einwohner"].loc["02", "status"] == "missing"
    assert values["kinder_u6"].loc["02", "value"] == 25
    assert values["anteil_kinder_u6"].loc["01", "value"] == pytest.approx(17.5)
    assert math.isnan(values["anteil_kinder_u6"].loc["02", "value"])
    assert values["alter_mittel"].loc["01", "value"] == pytest.approx(32.5)
    assert values["sgb2_quote"].empty


def test_export_then_import_gives_an_identical_store(
    cli: CliRunner, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_city(cli)
    assert cli("import-indicators", CITY / "synthetic_observations.csv", "--frame", "muster",
               "--level", "sozialraum").code == 0
    assert cli("import-indicators", CITY / "synthetic_german_cp1252.csv", "--frame", "muster",
               "--level", "sozialraum", "--area-col", "Schlüssel").code == 0
    r = cli("export", "--frame", "muster", "--out", tmp_path / "out")
    assert r.code == 0, r.err
    exported = pd.read_csv(tmp_path / "out" / "observations_sozialraum.csv", dtype=str, keep_default_na=False)
    assert list(exported.columns) == ["area_id", "indicator_id", "period", "value", "status", "numerator",
                                      "denominator"]
    assert len(exported) == 24
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh.upgrade()
    monkeypatch.setenv("DATABASE_URL", fresh.url)
    r = cli("import-manifest", tmp_path / "out" / "manifest.yaml")
    assert r.code == 0, r.err
    assert snapshot(fresh) == snapshot(store)
    fresh.dispose()


def test_info_and_migrate(cli: CliRunner) -> None:
    load_city(cli)
    assert cli("migrate").code == 0
    r = cli("info")
    assert "level sozialraum (parent: bezirk): 4 areas" in r.out


def test_schema_from_migrations_matches_the_model(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from sozialmonitor.model import Base

    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_counts_after_city_import(cli: CliRunner, store: Store) -> None:
    load_city(cli)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Area)) == 6
        assert s.scalar(select(func.count()).select_from(Indicator)) == 5


INDICATORS = FIXTURES / "indicators"


@pytest.mark.parametrize(("file", "message"), [
    ("synthetic_broken_value.csv", "row 3, column 'value': '12a' is not a number"),
    ("synthetic_broken_period.csv", "row 2, column 'period': '2019/20' is not a period"),
    ("synthetic_broken_duplicate.csv", "row 4"),
    ("synthetic_broken_empty.csv", "empty"),
    ("synthetic_broken_corrupt.xlsx", "synthetic_broken_corrupt.xlsx"),
    ("synthetic_broken_missing_column.csv", "required column"),
])
def test_broken_indicator_files_exit_1_and_leave_the_store_unchanged(
    cli: CliRunner, store: Store, file: str, message: str
) -> None:
    load_city(cli)
    assert cli("import-indicators", CITY / "synthetic_observations.csv", "--frame", "muster",
               "--level", "sozialraum").code == 0
    before = snapshot(store)
    r = cli("import-indicators", INDICATORS / file, "--frame", "muster", "--level", "sozialraum")
    assert r.code == 1
    assert message in r.err
    assert "nothing was imported" in r.err
    assert snapshot(store) == before


def test_unknown_frame_or_level_names_the_allowed_ones(cli: CliRunner) -> None:
    load_city(cli)
    r = cli("import-indicators", CITY / "synthetic_observations.csv", "--frame", "muster", "--level", "ortsteil")
    assert r.code == 1
    assert "unknown level of frame 'muster' 'ortsteil'; allowed: bezirk, sozialraum" in r.err
    r = cli("export", "--frame", "atlantis", "--out", "/tmp/never")
    assert r.code == 1 and "unknown frame 'atlantis'; allowed: muster" in r.err
