"""The analytics service on real stores (SQLite and PostgreSQL): the MSS preset on published values, who may
compute and save what, disclosure control, caching, and the categorical map mode."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from layouts import mapview
from layouts.analytics import category_hideout
from sozialmonitor import importing
from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.analytics.derived import parse_inputs
from sozialmonitor.analytics.mss import published_from_store
from sozialmonitor.analytics.service import (
    AnalyticsService,
    CompositeRequest,
    HotSpotRequest,
    NotAvailable,
    TypologyRequest,
    request_from_dict,
    request_to_dict,
)
from sozialmonitor.errors import NotAllowed, UnknownName
from sozialmonitor.model import Indicator, Observation
from sozialmonitor.resolve import NotVisible
from sozialmonitor.results import NO_DATA, SUPPRESSED
from sozialmonitor.service import Service
from sozialmonitor.store import Store
from sozialmonitor.view import ViewState
from tests.conftest import FIXTURES

COUNCIL = Audience("council", "c")
PLANNER = Audience("planner", "p")
LEVEL = ("berlin", "planungsraum")
LATEST = "2018-12-31"
S4 = "mss_s4_child_poverty"
GRID = FIXTURES / "analytics"


@pytest.fixture
def analytics(service: Service) -> AnalyticsService:
    return AnalyticsService(service)


def test_mss_on_published_values_reproduces_the_published_classes(analytics: AnalyticsService,
                                                                  service: Service) -> None:
    periods = analytics.mss_periods(PUBLIC, *LEVEL)
    assert periods == ("2012-12-31", "2014-12-31", "2016-12-31", "2018-12-31")
    for period in periods:
        result = analytics.mss(PUBLIC, *LEVEL, period)
        with service.store.session() as session:
            published = published_from_store(session, service.level_info(*LEVEL), period)
        for computed, column in ((result.result.status, "status_class"), (result.result.dynamics, "dynamics_class")):
            truth = published[column].dropna()
            assert (computed.table["class"].reindex(truth.index) == truth).all(), (period, column)
        counts = result.result.matrix.counts
        assert list(counts.index) == ["hoch", "mittel", "niedrig", "sehr niedrig"]
        assert list(counts.columns) == ["positiv", "stabil", "negativ"]
        assert int(counts.to_numpy().sum()) == len(result.result.matrix.table)
    # the register population starts in 2015: the ≥ 300 rule cannot be checked for MSS 2013 and says so
    assert [n.key for n in analytics.mss(PUBLIC, *LEVEL, "2012-12-31").notices] == ["an_threshold_skipped"]


def test_mss_does_not_apply_where_its_indicators_are_missing(analytics: AnalyticsService) -> None:
    assert analytics.mss_periods(PUBLIC, "berlin", "bezirk") == ()
    with pytest.raises(NotAvailable):
        analytics.mss(PUBLIC, "berlin", "bezirk", LATEST)


def test_the_public_can_neither_see_nor_compute_internal_indicators(analytics: AnalyticsService) -> None:
    offered = {o.id for o in analytics.choices(PUBLIC, *LEVEL, "de").indicators}
    assert S4 in offered and not any(i.startswith("mss_k") for i in offered)
    internal = ["mss_k01_youth_unemployment", S4]
    for request in (TypologyRequest(*LEVEL, LATEST, tuple(internal), 3),
                    HotSpotRequest(*LEVEL, LATEST, internal[0]),
                    CompositeRequest(*LEVEL, LATEST, tuple(internal))):
        with pytest.raises(NotVisible):
            analytics.run(PUBLIC, request)
    assert analytics.choices(PUBLIC, *LEVEL, "de", {"typology": internal}).periods["typology"] == ()
    assert any(o.id == internal[0] for o in analytics.choices(COUNCIL, *LEVEL, "de").indicators)
    assert analytics.typology(COUNCIL, *LEVEL, internal, LATEST, 3).result.sizes.sum() > 400


def test_suppressed_values_count_as_missing_and_are_painted_as_suppressed(analytics: AnalyticsService,
                                                                          service: Service) -> None:
    shown = service.data.shown(*LEVEL, S4, LATEST)
    secret = set(shown.index[shown["status"] == "secret"])
    assert secret  # the demo has suppressed S4 values
    result = analytics.hot_spots(PUBLIC, *LEVEL, S4, LATEST, permutations=99)
    assert result.suppressed == secret
    assert (result.result.table.loc[sorted(secret), "cluster"] == "no_data").all()
    painted = analytics.map_of(PUBLIC, result, "de")
    codes = service.areas(*LEVEL).codes
    classes = dict(zip(codes, painted.classes, strict=True))
    assert {classes[c] for c in secret} == {SUPPRESSED}
    assert NO_DATA in classes.values()  # 09041403 exists only since 2019: no value, not suppressed


def test_the_map_mode_reuses_the_geometry_and_the_hideout_format(analytics: AnalyticsService,
                                                                 service: Service) -> None:
    result = analytics.hot_spots(PUBLIC, *LEVEL, S4, LATEST, alpha=0.05, permutations=99)
    painted = analytics.map_of(PUBLIC, result, "en", selected=["01011101"])
    hideout = category_hideout(painted, "en")
    features = json.loads(gzip.decompress(service.geometry(*LEVEL).gzip_body))["features"]
    assert len(hideout["cls"]) == len(hideout["val"]) == len(features)
    main_map = service.view(ViewState()).map
    assert main_map is not None and set(mapview.hideout(main_map)) <= set(hideout)  # same format, plus "cats"
    assert "coordinates" not in json.dumps(hideout)
    assert hideout["geo"] == service.geometry_url(*LEVEL)
    assert hideout["sel"] == [features[0]["properties"]["i"]]
    assert hideout["fill"] == {"no_data": "#dcdcdc", "suppressed": "#a3a3a3", "low_base": "url(#sm-hatch)"}
    assert hideout["cats"][:2] == ["High–high (hot spot)", "Low–low (cold spot)"]
    assert len(hideout["colors"]) == len(hideout["cats"])
    assert sum(e.count for e in painted.legend) == len(features)
    counts = result.result.counts()
    by_label = {e.label: e.count for e in painted.legend}
    assert by_label["High–high (hot spot)"] == counts["HH"] > 0 and by_label["Low–low (cold spot)"] == counts["LL"] > 0
    assert painted.title.startswith("Hot spots: ") and painted.title.endswith(" · 31\u00a0Dec\u00a02018")


def test_results_are_cached_per_generation_and_reproducible(analytics: AnalyticsService, service: Service) -> None:
    request = TypologyRequest(*LEVEL, LATEST, ("mss_s1_unemployed", S4, "pop_share_foreigners"), 4, "kmeans", 7)
    first = analytics.run(PUBLIC, request)
    assert analytics.run(PUBLIC, request) is first
    again = AnalyticsService(Service(service.store)).run(PUBLIC, request)
    assert again.result.types.equals(first.result.types)  # type: ignore[union-attr]
    assert request_from_dict(json.loads(json.dumps(request_to_dict(request)))) == request


def test_a_period_without_data_names_the_valid_ones(analytics: AnalyticsService) -> None:
    with pytest.raises(UnknownName, match="2016-12-31"):
        analytics.scatter(PUBLIC, *LEVEL, "mss_s1_unemployed", "pop_share_foreigners", "2012-12-31")
    with pytest.raises(UnknownName, match="permutations"):
        analytics.hot_spots(PUBLIC, *LEVEL, S4, LATEST, permutations=99999)  # only the offered choices
    with pytest.raises(UnknownName):
        request_from_dict({"kind": "delete_everything"})
    with pytest.raises(UnknownName):
        request_from_dict({"kind": "hot_spots", "frame": "berlin", "level": "x", "period": "p", "indicator": "i",
                           "sql": "drop"})


# --- saving: on a fresh store (the demo must not change) ------------------------------------------------

def _grid(store: Store, tmp_path: Path) -> AnalyticsService:
    internal = tmp_path / "internal.csv"
    internal.write_text("id,name_de,name_en,topic,unit,polarity,aggregation,visibility\n"
                        "grid_b,Merkmal B,Feature B,Raster,Punkte,neutral,none,internal\n", encoding="utf-8")
    with store.transaction() as session:
        importing.catalogue_into(session, GRID / "synthetic_grid_catalogue.csv")
        importing.catalogue_into(session, internal)
        importing.areas_into(session, GRID / "synthetic_grid.geojson", frame="raster", level="feld")
        importing.indicators_into(session, GRID / "synthetic_grid_values.csv", frame="raster", level="feld")
    return AnalyticsService(Service(store))


def test_only_planners_and_admins_save_and_the_catalogue_records_how(store: Store, tmp_path: Path) -> None:
    analytics = _grid(store, tmp_path)
    request = HotSpotRequest("raster", "feld", "2020", "grid_a", permutations=99)
    for who in (PUBLIC, COUNCIL):
        with pytest.raises(NotAllowed, match="planner or admin"):
            analytics.save(who, request, "grid_hot", "Hot Spots A")
    saved = analytics.save(PLANNER, request, "grid_hot", "Hot Spots A")
    assert saved.spec.visibility == "public" and saved.spec.unit == "Klasse"
    with store.session() as session:
        row = session.get(Indicator, "grid_hot")
        assert row is not None and row.method is not None and "local Moran" in row.method
        assert parse_inputs(row.inputs) == [{"indicator": "grid_a", "period": "2020"}]
        assert row.derived_at is not None
        values = session.scalars(select(Observation.value).where(Observation.indicator_id == "grid_hot")).all()
    assert len(values) == 26
    # the new indicator is an indicator like any other: offered on the level
    assert "grid_hot" in {o.id for o in analytics.choices(PUBLIC, "raster", "feld", "de").indicators}


def test_a_result_with_an_internal_input_is_saved_as_internal(store: Store, tmp_path: Path) -> None:
    analytics = _grid(store, tmp_path)
    request = CompositeRequest("raster", "feld", "2020", ("grid_a", "grid_b"), (1.0, 0.5), ("grid_b",),
                               min_population=150, population="grid_pop")
    with pytest.raises(NotVisible):
        analytics.run(PUBLIC, request)
    saved = analytics.save(Audience("admin", "a"), request, "grid_index", "Rasterindex", "Grid index")
    assert saved.spec.visibility == "internal"
    assert analytics.service.may_see_indicator("grid_index", COUNCIL)
    assert not analytics.service.may_see_indicator("grid_index", PUBLIC)
    with store.session() as session:
        row = session.get(Indicator, "grid_index")
        assert row is not None
        inputs = parse_inputs(row.inputs)
    assert inputs[1] == {"indicator": "grid_b", "period": "2020", "weight": 0.5, "direction": -1}
    assert inputs[-1]["indicator"] == "grid_pop"


def test_saving_never_overwrites_an_imported_indicator(store: Store, tmp_path: Path) -> None:
    analytics = _grid(store, tmp_path)
    request = HotSpotRequest("raster", "feld", "2020", "grid_a", permutations=99)
    with pytest.raises(Exception, match="imported indicator"):
        analytics.save(PLANNER, request, "grid_a", "Überschreiben")
    with pytest.raises(UnknownName):
        analytics.save(PLANNER, request, "kein gültiger name!", "X")
