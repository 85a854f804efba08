"""The shipped demo loads through the normal importers, on SQLite and PostgreSQL, and says what it skipped."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sozialmonitor.frames import get_level, levels
from sozialmonitor.importing import load_demo_if_empty
from sozialmonitor.model import Area, Observation
from sozialmonitor.settings import REPO_ROOT
from sozialmonitor.store import Store
from sozialmonitor.values import session_values

RAW = REPO_ROOT.parent / "shared" / "data" / "raw"


def test_demo_counts(demo: tuple[Store, str]) -> None:
    store, _ = demo
    with store.session() as s:
        counts = {(lvl.frame_id, lvl.key): s.scalar(select(func.count()).select_from(Area).where(
            Area.level_id == lvl.id)) for frame in ("berlin", "deutschland") for lvl in levels(s, frame)}
    assert counts == {
        ("berlin", "bezirk"): 12, ("berlin", "prognoseraum"): 60, ("berlin", "bezirksregion"): 138,
        ("berlin", "planungsraum"): 448, ("deutschland", "land"): 16, ("deutschland", "kreis"): 401,
        ("deutschland", "gemeinde"): 10997,
    }


def test_historic_municipality_keys_are_reported_not_silently_dropped(demo: tuple[Store, str]) -> None:
    _, printed = demo
    [line] = [x for x in printed.splitlines() if "gemeinden_gv" in x]
    assert "130404 inserted, 0 updated, 0 unchanged, 0 repaired, 2628 skipped" in line
    [note] = [x for x in printed.splitlines() if "unknown area id(s) skipped" in x]
    assert "524 unknown area id(s) skipped (2628 rows)" in note and "03152001" in note


def test_fixed_duplicate_id_and_values_match_the_published_tables(demo: tuple[Store, str]) -> None:
    store, _ = demo
    with store.session() as s:
        plr = get_level(s, "berlin", "planungsraum")
        names = dict(s.execute(select(Area.code, Area.name).where(Area.level_id == plr.id)).all())
        s4 = session_values(s).raw("berlin", "planungsraum", "mss_s4_child_poverty", "2018-12-31")[0]
    assert names["04030417"] == "Schloßstraße" and names["06010102"] == "Schloßstraße"
    # MSS 2019, table 2-1, Stülerstraße: S4 = 15.43624 %
    assert s4.loc["01011101", "value"] == pytest.approx(15.43624)
    # Großer Tiergarten (< 300 inhabitants) is not in table 1: its zeros are not data
    assert s4.loc["01011102", "status"] == "secret" and math.isnan(s4.loc["01011102", "value"])


@pytest.mark.skipif(not RAW.exists(), reason="../shared/data/raw is not beside the repository")
def test_derived_district_regions_equal_the_published_totals(demo: tuple[Store, str]) -> None:
    """Bezirksregion values are not imported; they are derived from the Planungsräume and must equal
    the Amt für Statistik's own Bezirksregion table (and shares must be recomputed, not averaged)."""
    store, _ = demo
    published = RAW / "berlin_population" / "district_regions" / \
        "berlin-lor-population-2019-02-t2-district-regions.csv"
    with published.open(encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    with store.session() as s:
        values = session_values(s)
        total, derived = values.raw("berlin", "bezirksregion", "pop_total", "2019-12-31")
        share, _ = values.raw("berlin", "bezirksregion", "pop_share_age_below_6", "2019-12-31")
    assert derived
    assert len(total) == 138
    assert {code: int(total.loc[code, "value"]) for code in rows} == {
        code: int(r["inhabitants"]) for code, r in rows.items()}
    for code, r in rows.items():
        assert share.loc[code, "value"] == pytest.approx(float(r["inhabitants_age_below_6_percentage"]), abs=1e-9)


def test_loading_the_demo_again_is_a_no_op(demo: tuple[Store, str]) -> None:
    store, _ = demo
    with store.session() as s:
        before = s.scalar(select(func.count()).select_from(Observation))
    assert load_demo_if_empty(store, Path(REPO_ROOT / "data")) is False
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Observation)) == before
