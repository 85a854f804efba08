"""Dashboard callbacks. Each unpacks its inputs, calls the service once and returns layout pieces."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import flask
from dash import Dash, Input, Output, State, ctx, no_update
from dash.dcc.express import send_bytes, send_string
from plotly.utils import PlotlyJSONEncoder

from callbacks.guard import guarded
from layouts import analytics_ids as aids
from layouts import ids
from layouts.analytics import scatter_graph
from layouts.controls import (
    ALL_OPTIONS,
    breaks_text,
    indicator_options,
    options,
    outline_value,
    period_marks,
    selected_options,
)
from layouts.mapview import hideout, legend, map_shape, map_title
from layouts.page import notices
from layouts.panels import graph, indicator_info, profile, ranking_figure, series_figure
from layouts.table import area_grid
from sozialmonitor import downloads
from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.formatting import parse_number_list, period_label
from sozialmonitor.results import Panels, ViewModel
from sozialmonitor.service import Service
from sozialmonitor.view import MAX_SELECTED, PANELS, Notice, ViewState, changed_parts, parse_query, to_query

MAIN_OUTPUTS: dict[str, Any] = {
    "query": Output(ids.QUERY, "data"),
    "geo_url": Output(ids.AREAS, "url"),
    "hideout": Output(ids.AREAS, "hideout"),
    "paint": Output(ids.PAINT, "data"),
    "outline_url": Output(ids.PARENT_OUTLINE, "url"),
    "outline_hideout": Output(ids.PARENT_OUTLINE, "hideout"),
    "viewport": Output(ids.MAP, "viewport"),
    "map_shape": Output(ids.MAP, "style"),  # a new level's shape (phones) …
    "map_resized": Output(ids.MAP, "invalidateSize"),  # … which Leaflet learns before it fits the viewport
    "outline": Output(ids.OUTLINE, "value"),
    "legend": Output(ids.LEGEND, "children"),
    "title": Output(ids.MAP_TITLE, "children"),
    "derived": Output(ids.DERIVED_NOTE, "children"),
    "notices": Output(ids.NOTICES, "children"),
    "frame": Output(ids.FRAME, "value"),
    "level_options": Output(ids.LEVEL, "options"),
    "level": Output(ids.LEVEL, "value"),
    "indicator_options": Output(ids.INDICATOR, "options"),
    "indicator": Output(ids.INDICATOR, "value"),
    "period_max": Output(ids.PERIOD, "max"),
    "period_marks": Output(ids.PERIOD, "marks"),
    "period": Output(ids.PERIOD, "value"),
    "period_labels": Output(ids.PERIOD_LABELS, "data"),
    "mode": Output(ids.MODE, "value"),
    "base_options": Output(ids.BASE, "options"),
    "base": Output(ids.BASE, "value"),
    "change_row": Output(ids.CHANGE_ROW, "hidden"),
    "manual_row": Output(ids.MANUAL_ROW, "hidden"),
    "breaks": Output(ids.BREAKS, "value"),
    "selected": Output(ids.SELECTED, "value"),
    "selected_options": Output(ids.SELECTED, "options"),
    "map_hidden": Output(ids.MAP_SECTION, "hidden"),
    "table_hidden": Output(ids.TABLE_SECTION, "hidden"),
    "info": Output(ids.INFO, "children"),
    "series": Output(ids.SERIES_FIGURE, "data"),  # the graph takes it from there (register_graph_mounts)
    "series_hidden": Output(ids.SERIES_SECTION, "hidden"),
    "ranking": Output(ids.RANKING_FIGURE, "data"),
    "ranking_hidden": Output(ids.RANKING_SECTION, "hidden"),
    "profile": Output(ids.PROFILE, "children"),
    "profile_hidden": Output(ids.PROFILE_SECTION, "hidden"),
    "table": Output(ids.TABLE_SECTION, "children"),  # the grid, while the table is shown (layouts/table.py)
}

MAIN_INPUTS: dict[str, Any] = {
    "frame": Input(ids.FRAME, "value"),
    "level": Input(ids.LEVEL, "value"),
    "indicator": Input(ids.INDICATOR, "value"),
    "period_index": Input(ids.PERIOD, "value"),
    "mode": Input(ids.MODE, "value"),
    "base": Input(ids.BASE, "value"),
    "change": Input(ids.CHANGE, "value"),
    "method": Input(ids.METHOD, "value"),
    "breaks": Input(ids.BREAKS, "value"),
    "k": Input(ids.K, "value"),
    "fixed": Input(ids.FIXED, "value"),
    "palette": Input(ids.PALETTE, "value"),
    "outline": Input(ids.OUTLINE, "value"),
    "view": Input(ids.VIEW, "value"),
    "selected": Input(ids.SELECTED, "value"),  # toggled in the browser by map and ranking clicks
    "panels": Input(ids.PANELS, "value"),
    "previous": State(ids.QUERY, "data"),
    "center": State(ids.MAP, "center"),
    "zoom": State(ids.MAP, "zoom"),
}


def parse_breaks(text: str | None, lang: str) -> tuple[float, ...] | None:
    """``"5; 10,5; 20"`` → (5.0, 10.5, 20.0), sorted and without repeats; None when not numbers."""
    values = parse_number_list(text, lang)
    return None if values is None else tuple(sorted(set(values)))


def toggle(selected: tuple[str, ...], code: str | None) -> tuple[str, ...]:
    if not code:
        return selected
    if code in selected:
        return tuple(c for c in selected if c != code)
    return (*selected, code)[-MAX_SELECTED:]


def state_from_inputs(service: Service, previous: ViewState, inputs: dict[str, Any],
                      trigger: str | None) -> ViewState:
    """The view the user asked for: the previous view with the changed control applied."""
    state = previous
    if trigger == ids.FRAME and inputs["frame"] != previous.frame:
        return replace(ViewState(lang=previous.lang), frame=inputs["frame"], level="", indicator=previous.indicator)
    if trigger == ids.LEVEL and inputs["level"] != previous.level:
        return replace(previous, level=inputs["level"], selected=(), period=previous.period, lat=None, lon=None,
                       zoom=None)
    periods = service.periods(previous.frame, previous.level, previous.indicator)
    index = inputs["period_index"]
    period = periods[index] if isinstance(index, int) and 0 <= index < len(periods) else previous.period
    selected = tuple(c for c in inputs["selected"] or () if isinstance(c, str))[-MAX_SELECTED:]
    panels = inputs.get("panels")
    breaks = parse_breaks(inputs["breaks"], previous.lang)
    center = inputs.get("center")
    lat = lon = None
    if isinstance(center, dict):
        lat, lon = center.get("lat"), center.get("lng")
    elif isinstance(center, list | tuple) and len(center) == 2:
        lat, lon = center
    state = replace(
        previous, indicator=inputs["indicator"] or previous.indicator, period=period, mode=inputs["mode"] or "value",
        base=inputs["base"], change=inputs["change"] or "abs", method=inputs["method"] or "quantiles",
        breaks=breaks if breaks is not None else previous.breaks, k=int(inputs["k"] or previous.k),
        fixed=bool(inputs["fixed"]), palette=inputs["palette"] or "auto",
        # the outline stays the level's default (see Service.map_data) until the user ticks or unticks it
        outline=bool(inputs["outline"]) if trigger == ids.OUTLINE else previous.outline,
        view=inputs["view"] or "map", selected=selected,
        panels=tuple(p for p in PANELS if p in panels) if isinstance(panels, list) else previous.panels,
        lat=round(lat, 5) if isinstance(lat, float | int) else previous.lat,
        lon=round(lon, 5) if isinstance(lon, float | int) else previous.lon,
        zoom=float(inputs["zoom"]) if isinstance(inputs.get("zoom"), float | int) else previous.zoom,
    )
    if state.method == "manual" and not state.breaks:
        state = replace(state, method="manual")  # resolve() falls back to quantiles until breaks are given
    return state


def main_answer(model: ViewModel, panels: Panels, previous: ViewState, trigger: str | None, bad_breaks: bool,
                parts: frozenset[str]) -> dict[str, Any]:
    """Every output of the main callback: what ``parts`` names is recomputed, the rest stays as it is."""
    state = model.state
    data = model.map
    lang = state.lang
    assert data is not None
    structure_changed = "structure" in parts or trigger in (ids.FRAME, ids.LEVEL)
    repaint = "map" in parts
    periods = model.periods
    earlier = [p for p in periods if p < (state.period or "")]
    shown = [n for n in model.notices if n.key not in ("unknown_period", "unknown_indicator") or structure_changed]
    if bad_breaks:
        shown.append(Notice("bad_breaks"))
    same = no_update
    return {
        "query": to_query(state),
        "geo_url": data.geometry_url if structure_changed else same,
        # a new level brings new geometry and its first colours together; any other switch only repaints
        "hideout": hideout(data) if structure_changed else same,
        "paint": hideout(data) if repaint and not structure_changed else same,
        "outline_url": data.outline_url or "" if repaint else same,
        "outline_hideout": {"show": bool(data.outline_url)} if repaint else same,
        "viewport": {"bounds": [list(model.bounds[0]), list(model.bounds[1])], "transition": "fitBounds"}
        if structure_changed and model.bounds else same,
        "map_shape": map_shape(model) if structure_changed else same,
        "map_resized": f"{state.frame}/{state.level}" if structure_changed else same,
        "outline": outline_value(model) if structure_changed else same,
        "legend": legend(data).children if repaint else same,
        "title": map_title(state, data.name) if repaint else same,
        "derived": data.derived_from or "" if repaint else same,
        "notices": notices(shown, lang).children,
        "frame": state.frame if structure_changed else same,
        "level_options": options(model.levels) if structure_changed else same,
        "level": state.level if structure_changed else same,
        "indicator_options": indicator_options(model.indicators) if structure_changed else same,
        "indicator": state.indicator if repaint else same,
        "period_max": max(len(periods) - 1, 0) if repaint else same,
        "period_marks": period_marks(periods, lang) if repaint else same,
        "period": periods.index(state.period) if state.period in periods else 0,
        "period_labels": [period_label(p, lang) for p in periods] if repaint else same,
        "mode": state.mode if repaint else same,
        "base_options": [{"label": period_label(p, lang), "value": p} for p in earlier] if repaint else same,
        "base": state.base if repaint else same,
        "change_row": state.mode != "change",
        "manual_row": state.method != "manual",
        "breaks": same if bad_breaks or not repaint else breaks_text(state),
        # the selection belongs to the browser (clicks toggle it there); the server only resets it with the level
        "selected": list(state.selected) if structure_changed else same,
        # a small level's picker holds every area already; a large one's holds the selection, so it follows it
        "selected_options": selected_options(model) if structure_changed or (
            "selection" in parts and len(data.codes) > ALL_OPTIONS) else same,
        "map_hidden": state.view != "map",
        "table_hidden": state.view != "table",
        "info": indicator_info(model.info, lang).children if repaint else same,
        "series": series_figure(panels.series) if panels.series is not None else same,
        "series_hidden": "series" not in state.panels,
        "ranking": ranking_figure(panels.ranking) if panels.ranking is not None else same,
        "ranking_hidden": "ranking" not in state.panels or state.view != "map",
        "profile": profile(panels.profile, lang).children if "profile" in parts else same,
        "profile_hidden": "profile" not in state.panels,
        "table": [area_grid(data)] if panels.table else same,
    }


def update_view(service: Service, trigger: str | None, audience: Audience = PUBLIC, **inputs: Any) -> dict[str, Any]:
    """Any control, or the selection the browser toggled, changed: resolve the new view and answer what changed
    for what is visible — map, panels and table in this one answer (one request per user action)."""
    previous, _ = parse_query(inputs["previous"] or "")
    wanted = state_from_inputs(service, previous, inputs, trigger)
    bad_breaks = parse_breaks(inputs["breaks"], previous.lang) is None
    model = service.view(wanted, audience)
    if model.map is None:
        answer: dict[str, Any] = {name: no_update for name in MAIN_OUTPUTS}
        answer["notices"] = notices(model.notices, previous.lang).children
        return answer
    parts = changed_parts(previous, model.state)
    if trigger in (ids.FRAME, ids.LEVEL):
        parts |= {"structure", "map"}
    panels = service.panels(model, parts, audience)
    return main_answer(model, panels, previous, trigger, bad_breaks, parts)


DOWNLOAD_OUTPUTS: dict[str, Any] = {"file": Output(ids.DOWNLOAD, "data")}
DOWNLOAD_KINDS = {ids.DOWNLOAD_CSV: "csv", ids.DOWNLOAD_XLSX: "xlsx", ids.DOWNLOAD_ALL: "all"}


def download(service: Service, trigger: str | None, query: str, audience: Audience = PUBLIC,
             site: str = "") -> dict[str, Any]:
    """The current view as CSV or XLSX, or everything on its level as XLSX (sozialmonitor/downloads.py)."""
    file = downloads.download(service, parse_query(query or "")[0], audience,
                              DOWNLOAD_KINDS.get(trigger or "", "csv"), site=site)
    if file is None:
        return {"file": no_update}
    if isinstance(file.content, str):  # CSV as text: the browser saves it as UTF-8, BOM included
        return {"file": send_string(file.content, file.filename, type=file.mimetype)}
    return {"file": send_bytes(file.content, file.filename, type=file.mimetype)}


def _trigger() -> str | None:
    return ctx.triggered_id if isinstance(ctx.triggered_id, str) else None


def _lang(**inputs: Any) -> str:
    return parse_query(inputs.get("previous") or inputs.get("query") or "")[0].lang


def register(app: Dash, service: Service, audience_of: Callable[[], Audience]) -> None:
    """Wire the callbacks; ``audience_of`` tells who is asking in the current request (decided on the
    server from the session, never from anything the browser sends)."""

    @app.callback(output=MAIN_OUTPUTS, inputs=MAIN_INPUTS, prevent_initial_call=True)
    @guarded(MAIN_OUTPUTS, lang_of=_lang)
    def _update_view(**inputs: Any) -> dict[str, Any]:
        return update_view(service, _trigger(), audience_of(), **inputs)

    @app.callback(output=DOWNLOAD_OUTPUTS,
                  inputs={"csv": Input(ids.DOWNLOAD_CSV, "n_clicks"), "xlsx": Input(ids.DOWNLOAD_XLSX, "n_clicks"),
                          "all": Input(ids.DOWNLOAD_ALL, "n_clicks"), "query": State(ids.QUERY, "data")},
                  prevent_initial_call=True)
    @guarded(DOWNLOAD_OUTPUTS)
    def _download(query: str, **_clicks: int | None) -> dict[str, Any]:
        return download(service, _trigger(), query, audience_of(), flask.request.url_root)

    register_layout_helpers(app)
    register_graph_mounts(app)

    # Browser-only, no request: a map or ranking click toggles its area in the selection (no click is lost
    # while an answer is on its way), the map outlines the selection at once, the slider shows its period,
    # the address bar always equals the view (the server's last answer, with the browser's own selection and
    # map position), and the link is copied (the status next to the button says so, for screen readers too).
    app.clientside_callback(
        "function(click, rank, selected) { return window.sozialmonitor.map.toggle(click, rank, selected); }",
        Output(ids.SELECTED, "value", allow_duplicate=True), Input(ids.AREAS, "clickData"),
        Input(ids.RANKING, "clickData", allow_optional=True),  # the ranking graph mounts after the map's colours
        State(ids.SELECTED, "value"), prevent_initial_call=True)
    app.clientside_callback(
        "function(selected) { return window.sozialmonitor.map.highlight(selected); }",
        Output(ids.SELECTION_PAINTED, "data"), Input(ids.SELECTED, "value"), prevent_initial_call=True)
    app.clientside_callback(
        "function(index, labels) { return (labels || [])[index] || window.dash_clientside.no_update; }",
        Output(ids.PERIOD_LABEL, "children"), Input(ids.PERIOD, "value"), State(ids.PERIOD_LABELS, "data"),
        prevent_initial_call=True)
    app.clientside_callback(
        "function(query, selected, center, zoom) {"
        " return window.sozialmonitor.map.syncUrl(query, selected, center, zoom); }",
        Output(ids.LANG_LINK, "href"), Input(ids.QUERY, "data"), Input(ids.SELECTED, "value"),
        Input(ids.MAP, "center"), Input(ids.MAP, "zoom"), prevent_initial_call=True)
    app.clientside_callback(
        "function(data) { return window.sozialmonitor.map.paint(data); }",
        Output(ids.PAINT_DONE, "data"), Input(ids.PAINT, "data"), prevent_initial_call=True)
    app.clientside_callback(
        "function(viewport) { return viewport || window.dash_clientside.no_update; }",
        Output(ids.MAP, "viewport", allow_duplicate=True), Input(ids.INITIAL_VIEWPORT, "data"),
        prevent_initial_call="initial_duplicate")
    app.clientside_callback(
        "function(n) { const status = document.getElementById('" + ids.COPY_STATUS + "').dataset;"
        " if (!navigator.clipboard) { return status.failed; }"
        " return navigator.clipboard.writeText(window.location.href)"
        ".then(function () { setTimeout(function () { window.dash_clientside.set_props('" + ids.COPY_STATUS + "',"
        " {children: ''}); }, 5000); return status.done; }, function () { return status.failed; }); }",
        Output(ids.COPY_STATUS, "children"), Input(ids.COPY_LINK, "n_clicks"), prevent_initial_call=True)


def register_layout_helpers(app: Dash) -> None:
    """Collapse the controls above the map on narrow (phone) screens, once, when the page loads."""
    app.clientside_callback(
        "function(_) { return window.innerWidth >= 900; }",
        Output(ids.CONTROLS, "open"), Input(ids.CONTROLS, "id"))


def register_graph_mounts(app: Dash) -> None:
    """Mount the plotly graphs once the map shows its colours — in the browser, with the figures the page holds
    by then, no request (see layouts/panels.py ``graph_slot`` and assets/graphs.js). ids.GRAPHS_READY is set by
    assets/map.js after the first coloured paint; without a visible map, here once the page has loaded."""
    app.clientside_callback(
        "function(hidden) { return window.sozialmonitor.graphs.wait(hidden); }",
        Output(ids.GRAPHS_READY, "data"), Input(ids.MAP_SECTION, "hidden"))
    for slot, figure, graph_id in ((ids.SERIES_SLOT, ids.SERIES_FIGURE, ids.SERIES),
                                   (ids.RANKING_SLOT, ids.RANKING_FIGURE, ids.RANKING)):
        spec = json.dumps(graph(graph_id), cls=PlotlyJSONEncoder)  # the graph as layouts/ declares it
        app.clientside_callback(
            f"function(ready, figure, mounted) {{ window.sozialmonitor.graphs.mount('{slot}', {spec}, ready, figure,"
            " mounted); }",
            Input(ids.GRAPHS_READY, "data"), Input(figure, "data"), State(slot, "children"), prevent_initial_call=True)
    # the Analyse scatter (its callbacks write to the graph) also mounts when the section is opened before that
    spec = json.dumps(scatter_graph(), cls=PlotlyJSONEncoder)
    app.clientside_callback(
        f"function(ready, open, mounted) {{ window.sozialmonitor.graphs.mount('{aids.SCATTER_SLOT}', {spec},"
        " ready || open, null, mounted); }",
        Input(ids.GRAPHS_READY, "data"), Input(aids.OPEN, "data"), State(aids.SCATTER_SLOT, "children"),
        prevent_initial_call=True)
