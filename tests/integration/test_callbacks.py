"""Callbacks called as plain functions against the demo store (no browser): they unpack inputs, call the
service and return layout pieces."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from dash import no_update
from plotly.utils import PlotlyJSONEncoder

from callbacks import dashboard
from layouts import ids
from layouts.controls import dropdown_labels, mark_positions, period_marks
from sozialmonitor.access import PUBLIC
from sozialmonitor.service import Service
from sozialmonitor.view import parse_query, to_query


def inputs(service: Service, query: str = "", **changes: Any) -> dict[str, Any]:
    """The main callback's inputs as the page would send them for the view in ``query``."""
    model = service.view(parse_query(query)[0])
    state = model.state
    base = {
        "frame": state.frame, "level": state.level, "indicator": state.indicator,
        "period_index": model.periods.index(state.period or ""), "mode": state.mode, "base": state.base,
        "change": state.change, "method": state.method, "breaks": "", "k": state.k,
        "fixed": ["fixed"] if state.fixed else [], "palette": state.palette,
        "outline": ["outline"] if state.outline else [], "view": state.view, "selected": list(state.selected),
        "panels": list(state.panels), "previous": to_query(state), "center": None, "zoom": None,
    }
    base.update(changes)
    return base


def test_changing_the_indicator_restyles_without_geometry(service: Service) -> None:
    answer = dashboard.update_view(service, ids.INDICATOR, **inputs(service, indicator="mss_s3_transfer_recipients"))
    assert parse_query(answer["query"])[0].indicator == "mss_s3_transfer_recipients"
    assert answer["hideout"] is no_update  # the layer is not rebuilt …
    assert "coordinates" not in json.dumps(answer["paint"])  # … only repainted, without shapes
    assert len(answer["paint"]["cls"]) == 448
    assert answer["geo_url"] is no_update  # the same geometry stays
    assert answer["viewport"] is no_update  # the map keeps its place
    assert answer["indicator_options"] is no_update  # options only change with frame or level


def test_changing_the_period_uses_the_slider_index(service: Service) -> None:
    answer = dashboard.update_view(service, ids.PERIOD, **inputs(service, period_index=0))
    assert parse_query(answer["query"])[0].period == "2012-12-31"
    assert answer["period_labels"][0] == "31.12.2012"  # the slider's label is set in the browser from these
    assert answer["series"] is no_update  # the time series does not depend on the period
    assert answer["ranking"] is not no_update and answer["paint"] is not no_update


def test_a_selection_change_answers_the_panels_not_the_map(service: Service) -> None:
    """The browser toggles the selection on a map or ranking click; the one answer carries what shows it."""
    answer = dashboard.update_view(service, ids.SELECTED, **inputs(service, selected=["01011101"]))
    assert parse_query(answer["query"])[0].selected == ("01011101",)
    assert answer["selected"] is no_update  # the selection belongs to the browser: never overwritten
    assert answer["paint"] is no_update and answer["legend"] is no_update and answer["hideout"] is no_update
    assert any(trace.get("name") == "Stülerstraße" for trace in answer["series"]["data"])
    assert "Stülerstraße" in str(answer["profile"])
    assert answer["table"] is no_update  # the table is not shown
    assert answer["selected_options"] is no_update  # 448 areas: the picker offers them all already


def test_a_large_levels_picker_follows_the_selection(service: Service) -> None:
    query = "frame=deutschland&level=gemeinde"
    answer = dashboard.update_view(service, ids.SELECTED, **inputs(service, query, selected=["01001000"]))
    assert [o["value"] for o in answer["selected_options"]] == ["01001000"]  # 10,997 areas: only the selection


def test_closed_panels_are_not_computed(service: Service) -> None:
    answer = dashboard.update_view(service, ids.PANELS, **inputs(service, "panels=profile", panels=["profile"]))
    assert parse_query(answer["query"])[0].panels == ("profile",)
    assert answer["series_hidden"] and answer["ranking_hidden"] and not answer["profile_hidden"]
    closed = dashboard.update_view(service, ids.INDICATOR, **inputs(
        service, "panels=profile", panels=["profile"], indicator="mss_s3_transfer_recipients"))
    assert closed["series"] is no_update and closed["ranking"] is no_update
    reopened = dashboard.update_view(service, ids.PANELS, **inputs(service, "panels=profile",
                                                                   panels=["series", "profile"]))
    assert reopened["series"] is not no_update and reopened["ranking"] is no_update


def test_changing_the_level_fits_the_map_and_refreshes_options(service: Service) -> None:
    answer = dashboard.update_view(service, ids.LEVEL, **inputs(service, level="bezirk"))
    state = parse_query(answer["query"])[0]
    assert state.level == "bezirk"
    assert state.indicator != "mss_s4_child_poverty"  # not derivable (aggregation none): falls back
    assert answer["viewport"]["transition"] == "fitBounds"
    assert answer["hideout"]["geo"].startswith("/geo/berlin/bezirk.geojson") and answer["paint"] is no_update
    assert answer["indicator_options"] is not no_update


def test_the_parent_outline_follows_the_level_until_the_user_chooses(service: Service) -> None:
    """Off by default above 2,000 areas (10,997 Gemeinden under Kreis borders turned the map grey-brown), on for
    Berlin; the checkbox shows the level's default, and ticking it is kept in the link."""
    national = dashboard.update_view(service, ids.LEVEL, **inputs(service, "frame=deutschland&level=kreis",
                                                                   level="gemeinde"))
    assert national["outline"] == [] and national["outline_url"] == ""
    assert "outline" not in national["query"]  # still the default: links stay short
    ticked = dashboard.update_view(service, ids.OUTLINE, **inputs(service, "frame=deutschland&level=gemeinde",
                                                                  outline=["outline"]))
    assert ticked["outline_url"].startswith("/geo/deutschland/kreis.geojson") and "outline=1" in ticked["query"]
    berlin = dashboard.update_view(service, ids.LEVEL, **inputs(service, level="prognoseraum"))
    assert berlin["outline"] == ["outline"] and berlin["outline_url"].startswith("/geo/berlin/bezirk.geojson")


def test_a_new_level_gives_the_map_its_shape_for_phones(service: Service) -> None:
    answer = dashboard.update_view(service, ids.LEVEL, **inputs(service, level="bezirk"))
    assert 1.0 < float(answer["map_shape"]["--map-aspect"]) < 1.4  # Berlin is a little wider than tall
    assert answer["map_resized"] == "berlin/bezirk"  # Leaflet measures the new shape before it fits the bounds
    national = dashboard.update_view(service, ids.FRAME, **inputs(service, frame="deutschland"))
    assert float(national["map_shape"]["--map-aspect"]) < 1.0  # Germany is taller than wide


def test_the_period_slider_labels_a_few_periods_evenly() -> None:
    """20 yearly periods gave "1998 1 2 3 42003 …" (an unlabelled mark shows its index): now at most six labels,
    the first and the last always, every period still selectable."""
    years = [str(y) for y in range(1998, 2018)]
    marks = period_marks(years, "de")
    assert list(marks) == [0, 4, 8, 11, 15, 19]
    assert [m["label"] for m in marks.values()] == ["1998", "2002", "2006", "2009", "2013", "2017"]
    half_years = [f"{y}-{md}" for y in range(2015, 2021) for md in ("06-30", "12-31")]  # Berlin's register
    marks = period_marks(half_years, "de")
    assert [m["label"] for m in marks.values()] == ["30.06.2015", "30.06.2018", "31.12.2020"]
    assert list(period_marks(["2012-12-31", "2014-12-31", "2016-12-31", "2018-12-31"], "de").values()) == [
        {"label": "2012", "style": {"transform": "translateX(-8px)"}}, {"label": "2014"}, {"label": "2016"},
        {"label": "2018", "style": {"transform": "translateX(calc(-100% + 8px))"}}]  # one date a year: the year
    for n in range(1, 40):
        picked = mark_positions(n, 10)
        assert picked[0] == 0 and picked[-1] == n - 1 and len(picked) <= 6


def test_the_selection_box_counts_in_both_languages() -> None:
    assert dropdown_labels("de")["selected_count"] == "{num_selected} ausgewählt"  # Dash fills {num_selected}
    assert dropdown_labels("en")["selected_count"] == "{num_selected} selected"


def test_changing_the_frame_resets_level_and_indicator(service: Service) -> None:
    answer = dashboard.update_view(service, ids.FRAME, **inputs(service, frame="deutschland"))
    state = parse_query(answer["query"])[0]
    assert (state.frame, state.level) == ("deutschland", "gemeinde")
    assert answer["level_options"][0]["value"] == "gemeinde"


def test_bad_manual_breaks_keep_the_text_and_say_why(service: Service) -> None:
    answer = dashboard.update_view(service, ids.BREAKS, **inputs(service, method="manual", breaks="5; zehn"))
    assert answer["breaks"] is no_update
    assert "Grenzen" in json.dumps([str(n) for n in answer["notices"]])
    good = dashboard.update_view(service, ids.BREAKS, **inputs(service, method="manual", breaks="10; 20,5; 40"))
    state = parse_query(good["query"])[0]
    assert state.method == "manual" and state.breaks == (10.0, 20.5, 40.0)
    assert good["breaks"] == "10; 20,5; 40"


def test_panels_and_table(service: Service) -> None:
    query = "sel=01011101"
    answer = dashboard.update_view(service, ids.VIEW, **inputs(service, query, view="table"))
    series = answer["series"] if answer["series"] is not no_update else None
    assert series is None  # unchanged by switching to the table
    [grid] = answer["table"]  # the grid, put into the table section (AG Grid loads when the table is shown)
    rows = grid.rowData
    assert len(rows) == 448 and isinstance(rows[0]["value"], float)
    values = [r["value"] for r in rows if r["value"] is not None]
    assert values == sorted(values, reverse=True) and rows[-1]["value"] is None  # highest first, missing last
    assert rows[0]["value_text"] == "77,19" and rows[-1]["value_text"] == ""  # German numbers, made on the server
    assert answer["ranking_hidden"]  # the ranking belongs to the map view
    value_column = grid.columnDefs[2]
    assert value_column["cellDataType"] == "number" and value_column["headerName"] == "Wert (%)"  # sorts as numbers
    assert "function" not in json.dumps(grid.to_plotly_json(), cls=PlotlyJSONEncoder)  # no code for the browser
    english = dashboard.update_view(service, ids.VIEW, **inputs(service, query + "&lang=en", view="table"))
    assert english["table"][0].rowData[0]["value_text"] == "77.19"
    back = dashboard.update_view(service, ids.VIEW, **inputs(service, query + "&view=table", view="map"))
    assert back["table"] is no_update  # not computed while hidden
    opened = dashboard.update_view(service, ids.SELECTED, **inputs(service, "", selected=["01011101"]))
    assert opened["series"]["layout"]["separators"] == ",."


@pytest.mark.parametrize("trigger", [ids.DOWNLOAD_CSV, ids.DOWNLOAD_XLSX])
def test_download_of_the_current_view(service: Service, trigger: str) -> None:
    answer = dashboard.download(service, trigger, "ind=mss_s3_transfer_recipients")
    file = answer["file"]
    assert file["filename"].startswith("berlin_planungsraum_mss_s3_transfer_recipients_2018-12-31")
    assert file["filename"].endswith(".xlsx" if trigger == ids.DOWNLOAD_XLSX else ".csv")
    if trigger == ids.DOWNLOAD_CSV:
        text = file["content"]
        assert text.splitlines()[0] == ("\ufeffSchlüssel;Gebiet;Indikator-ID;Indikator;Stand;Wert;Einheit;Status;"
                                        "Status-Code;Klasse;Klassenbereich")


def test_errors_become_a_message_not_a_traceback(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    from callbacks.guard import guarded
    from sozialmonitor.errors import StoreUnavailable

    def broken(**_: Any) -> dict[str, Any]:
        raise StoreUnavailable("connection refused")

    wrapped = guarded({"notices": None, "query": None})(broken)
    answer = wrapped()
    assert answer["query"] is no_update
    assert "Datenbank ist gerade nicht erreichbar" in str(answer["notices"])


def test_geometry_route_caches_and_compresses(demo: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from flask import Flask

    from server import routes

    service = Service(demo[0])
    server = Flask("t")
    routes.register(server, service, lambda: PUBLIC)
    client = server.test_client()
    response = client.get("/geo/berlin/planungsraum.geojson", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    features = json.loads(gzip.decompress(response.data))["features"]
    assert len(features) == 448
    etag = response.headers["ETag"]
    assert client.get("/geo/berlin/planungsraum.geojson", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/geo/berlin/nirgendwo.geojson").status_code == 404


def test_large_maps_send_classes_only_and_tooltips_ask_the_server(service: Service) -> None:
    query = "frame=deutschland&level=gemeinde&ind=gem_population&period=2023-12-31"
    answer = dashboard.update_view(service, ids.PERIOD, **inputs(service, query, period_index=2))
    paint = answer["paint"]
    assert paint["val"] is None and len(paint["cls"]) == 10997 and "period=2021-12-31" in paint["tq"]
    assert len(json.dumps(paint)) < 40_000  # ~4 kB gzip: classes only
    from flask import Flask

    from server import routes

    server = Flask("t")
    routes.register(server, service, lambda: PUBLIC)
    body = server.test_client().get(f"/tooltip?{paint['tq']}&area=09162000").get_json()
    assert body["text"].startswith("1.") and "Rang" in body["text"]  # München, formatted per locale
    small = dashboard.update_view(service, ids.PERIOD, **inputs(service, "", period_index=1))
    assert small["paint"]["tq"] is None and len(small["paint"]["val"]) == 448  # small maps: values inline
