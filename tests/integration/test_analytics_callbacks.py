"""Callbacks of the Analyse section called as plain functions on the demo store (SQLite and PostgreSQL): they
unpack inputs, call the analytics service and return layout pieces; errors become messages in the panel."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash import no_update

from callbacks import analytics as cb
from layouts import analytics_ids as aids
from sozialmonitor import importing
from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.analytics.service import AnalyticsService
from sozialmonitor.model import Indicator
from sozialmonitor.service import Service
from sozialmonitor.store import Store
from tests.conftest import FIXTURES
from tests.integration import test_access as access
from tests.integration.musterstadt import load_city

S1, S4, FOREIGNERS = "mss_s1_unemployed", "mss_s4_child_poverty", "pop_share_foreigners"
LATEST = "2018-12-31"
PLANNER = Audience("planner", "p")


@pytest.fixture
def analytics(service: Service) -> AnalyticsService:
    return AnalyticsService(service)


def text(component: Any) -> str:
    return json.dumps(component, default=lambda c: c.to_plotly_json() if hasattr(c, "to_plotly_json") else str(c),
                      ensure_ascii=False)


def test_options_follow_the_level_and_the_audience(analytics: AnalyticsService) -> None:
    answer = cb.update_options(analytics, "", components=[S1, "gibt_es_nicht"], hot_spots=None)
    offered = {o["value"] for o in answer["components_options"] if not o.get("disabled")}
    assert S4 in offered and not any(v.startswith("mss_k") for v in offered)
    assert answer["components_value"] == [S1]  # what the level does not offer is dropped
    assert answer["hot_spots_value"] == S4  # the map's indicator
    assert answer["mss_hidden"] is False and answer["mss_period"] == LATEST
    bezirk = cb.update_options(analytics, "level=bezirk", components=[S1])
    assert bezirk["mss_hidden"] is True and bezirk["components_value"] == []
    council = cb.update_options(analytics, "", Audience("council", "c"))
    assert any(o["value"].startswith("mss_k") for o in council["components_options"])


def test_periods_are_those_with_data_of_every_chosen_indicator(analytics: AnalyticsService) -> None:
    answer = cb.update_periods(analytics, "", components=[S1, S4], x=S1, y=FOREIGNERS, lowering=[S4, "other"],
                               periods={"scatter": "2016-12-31"})
    assert [o["value"] for o in answer["scatter_options"]] == ["2016-12-31", LATEST]
    assert answer["scatter_period"] == "2016-12-31"  # a valid choice is kept
    assert answer["composite_period"] == LATEST
    assert answer["typology_options"] == [] and answer["typology_period"] is None
    assert answer["lowering"] == [S4] and [o["value"] for o in answer["lowering_options"]] == [S1, S4]


def test_hot_spots_paint_the_map_and_summarise_morans_i(analytics: AnalyticsService) -> None:
    answer = cb.run_hot_spots(analytics, query="sel=01011101", indicator=S4, period=LATEST, alpha=0.05,
                              permutations=99)
    assert answer["notices"] == []
    assert len(answer["paint"]["cls"]) == 448 and answer["paint"]["sel"] == [0]
    legend = text(answer["legend"])
    assert "Hoch–Hoch (Hot Spot)" in legend and "Niedrig–Niedrig (Cold Spot)" in legend
    assert answer["title"] == "Hot Spots: S4 Kinderarmut · 31.12.2018"
    assert "Moran's I" in text(answer["result"])
    assert answer["request"]["kind"] == "hot_spots"
    assert cb.save_subject(analytics, query="", request=answer["request"])["subject"].startswith(
        "Zu speichern: Hot Spots")


def test_mss_shows_the_status_dynamics_matrix(analytics: AnalyticsService) -> None:
    answer = cb.run_mss(analytics, query="lang=en", period=LATEST, show="dynamics")
    result = text(answer["result"])
    assert "MSS 2019" in result and "very low" in result and "negative" in result
    assert answer["title"].startswith("MSS dynamics index")
    assert "positive" in text(answer["legend"])


def test_composite_typology_and_their_messages(analytics: AnalyticsService) -> None:
    answer = cb.run_composite(analytics, query="", components=[S1, S4], lowering=[], weights="1; 0,5", cuts="-1; 1",
                              min_population=300, period=LATEST)
    assert answer["notices"] == [] and "1,0 SD" in text(answer["legend"])
    bad = cb.run_composite(analytics, query="", components=[S1, S4], weights="eins", cuts="", period=LATEST)
    assert "Gewichte" in text(bad["notices"]) and bad["paint"] is no_update
    wrong = cb.run_composite(analytics, query="", components=[S1, S4], weights="1", cuts="", period=LATEST)
    assert "nicht möglich" in text(wrong["notices"]) and "weights" in text(wrong["notices"])
    hidden = cb.run_composite(analytics, query="", components=["mss_k01_youth_unemployment"], period=LATEST)
    assert "nicht verfügbar" in text(hidden["notices"])
    empty = cb.run_typology(analytics, query="", indicators=[], period=None)
    assert "zuerst" in text(empty["notices"])
    types = cb.run_typology(analytics, query="", indicators=[S1, S4, FOREIGNERS], k=3, method="ward", seed=0,
                            period=LATEST)
    assert types["notices"] == [] and "Typ 3" in text(types["legend"])
    profile = types["result"][2].children[0].figure  # the profile chart: one bar trace per type
    assert [trace.name for trace in profile.data] == ["Typ 1", "Typ 2", "Typ 3"]


def test_scatter_is_linked_with_the_selection(analytics: AnalyticsService) -> None:
    answer = cb.run_scatter(analytics, trigger=aids.SCATTER_RUN, query="", x=S1, y=S4, period=LATEST)
    points = answer["figure"].to_dict()["data"][0]
    assert "01011101" in points["customdata"] and answer["style"] == {"display": "block"}
    assert "Pearson r" in text(answer["stats"]) and "Spearman ρ" in text(answer["stats"])
    assert len(answer["figure"].to_dict()["data"]) == 2  # points and the regression line
    later = cb.run_scatter(analytics, trigger="view-query", query="sel=01011101", x=None, y=None, period=None,
                           request=answer["request"])
    marker = later["figure"].to_dict()["data"][0]["marker"]["color"]
    assert marker[points["customdata"].index("01011101")] == "#000000"
    assert cb.run_scatter(analytics, trigger="view-query", query="level=bezirk", x=None, y=None, period=None,
                          request=answer["request"])["style"] == {"display": "none"}
    assert cb.run_scatter(analytics, trigger="view-query", query="", x=None, y=None, period=None)["figure"] is no_update
    assert cb.scatter_click({"points": [{"customdata": "01011102"}]}, ["01011101"]) == {
        "selected": ["01011101", "01011102"]}
    assert cb.scatter_click({"points": [{"customdata": "01011101"}]}, ["01011101"]) == {"selected": []}


def test_restore_map_shows_the_indicator_again(analytics: AnalyticsService, service: Service) -> None:
    answer = cb.restore_map(service, "ind=mss_s3_transfer_recipients")
    assert answer["title"] == "S3 Transferbezug · 31.12.2018"
    assert "cats" not in answer["paint"] and len(answer["paint"]["cls"]) == 448


def test_only_planners_may_save(analytics: AnalyticsService) -> None:
    request = cb.run_hot_spots(analytics, query="", indicator=S4, period=LATEST, permutations=99)["request"]
    answer = cb.save(analytics, PUBLIC, query="", request=request, indicator_id="hs", name_de="HS", name_en="")
    assert "Fachplanung" in text(answer["notices"])


def test_a_planner_saves_the_result_on_the_map(store: Store) -> None:
    grid = FIXTURES / "analytics"
    with store.transaction() as session:
        importing.catalogue_into(session, grid / "synthetic_grid_catalogue.csv")
        importing.areas_into(session, grid / "synthetic_grid.geojson", frame="raster", level="feld")
        importing.indicators_into(session, grid / "synthetic_grid_values.csv", frame="raster", level="feld")
    analytics = AnalyticsService(Service(store))
    query = "frame=raster&level=feld&ind=grid_a&lang=en"
    painted = cb.run_typology(analytics, PLANNER, query=query, indicators=["grid_a", "grid_b"], k=3, period="2020")
    assert painted["notices"] == []
    saved = cb.save(analytics, PLANNER, query=query, request=painted["request"], indicator_id="grid_types",
                    name_de="Rastertypen", name_en="")
    message = text(saved["notices"])
    assert "Saved as “grid_types” (public): 26 values for 2020" in message
    options = cb.update_options(analytics, query, PLANNER)["typology_options"]
    assert "grid_types" in {o["value"] for o in options}



# --- replayed like an attacker would: every analytics callback with internal ids ---------------------------

def attacker_value(item: dict[str, str]) -> Any:
    """Internal ids in every analytics input (the main controls as in tests/integration/test_access.py)."""
    internal = {"frame": "muster", "level": "sozialraum", "period": "2023-12-31"}
    choices: dict[tuple[str, str], Any] = {
        (aids.COMPOSITE_COMPONENTS, "value"): ["sgb2_quote", "einwohner"],
        (aids.TYPOLOGY_INDICATORS, "value"): ["sgb2_quote", "einwohner"],
        (aids.HOT_SPOTS_INDICATOR, "value"): "sgb2_quote", (aids.SCATTER_X, "value"): "sgb2_quote",
        (aids.SCATTER_Y, "value"): "einwohner", (aids.TYPOLOGY_K, "value"): 2,
        **{(cid, "value"): "2023-12-31" for cid in (aids.MSS_PERIOD, aids.COMPOSITE_PERIOD, aids.TYPOLOGY_PERIOD,
                                                     aids.HOT_SPOTS_PERIOD, aids.SCATTER_PERIOD)},
        **{(cid, "n_clicks"): 1 for cid in (aids.MSS_RUN, aids.COMPOSITE_RUN, aids.TYPOLOGY_RUN, aids.HOT_SPOTS_RUN,
                                            aids.SCATTER_RUN, aids.RESTORE_MAP, aids.SAVE_BUTTON)},
        (aids.LAST_REQUEST, "data"): {"kind": "hot_spots", **internal, "indicator": "sgb2_quote"},
        (aids.SCATTER_REQUEST, "data"): {"kind": "scatter", **internal, "x": "sgb2_quote", "y": "einwohner"},
        (aids.SCATTER_GRAPH, "clickData"): {"points": [{"customdata": "SR-0101"}]},
        (aids.SAVE_ID, "value"): "leak", (aids.SAVE_NAME_DE, "value"): "Leck",
        (aids.OPEN, "data"): True,  # the attacker claims the section is open
    }
    key = (item["id"], item["property"])
    return choices[key] if key in choices else access.value_for(item)


def test_anonymous_replay_of_the_analytics_callbacks_reveals_nothing_internal(cli: Any, store: Store) -> None:
    load_city(cli)
    app = access.build(store, PUBLIC)
    mine = {k: v for k, v in app.callback_map.items()
            if "callback" in v and any(i["id"].startswith("an-") for i in [*v["inputs"], *v["state"]])}
    assert len(mine) == 11, "the analytics callbacks are not registered (app.py wiring)"
    client = app.server.test_client()
    for output, spec in mine.items():
        text_ = access.post_callback(client, output, spec, attacker_value)
        leaked = [s for s in access.SECRETS if s in text_]
        assert leaked == [], f"{output} leaked {leaked}"
    with store.session() as session:
        assert session.get(Indicator, "leak") is None  # nothing was saved
