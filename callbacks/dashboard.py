"""Dashboard callbacks. Each unpacks its inputs, calls the service once and returns layout pieces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dash import Dash, Input, Output, State, ctx, dcc, no_update

from callbacks.guard import guarded
from layouts import ids
from layouts.controls import breaks_text, indicator_options, options, period_marks, selected_options
from layouts.mapview import hideout, legend, table_columns, table_rows
from layouts.page import notices
from layouts.panels import indicator_info, profile, ranking_figure, series_figure
from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.formatting import parse_number_list
from sozialmonitor.service import Service, ViewModel, period_label
from sozialmonitor.view import MAX_SELECTED, Notice, ViewState, parse_query, to_query

MAIN_OUTPUTS: dict[str, Any] = {
    "query": Output(ids.QUERY, "data"),
    "geo_url": Output(ids.AREAS, "url"),
    "hideout": Output(ids.AREAS, "hideout"),
    "paint": Output(ids.PAINT, "data"),
    "outline_url": Output(ids.PARENT_OUTLINE, "url"),
    "outline_hideout": Output(ids.PARENT_OUTLINE, "hideout"),
    "viewport": Output(ids.MAP, "viewport"),
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
    "period_label": Output(ids.PERIOD_LABEL, "children"),
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
    "selected": Input(ids.SELECTED, "value"),
    "clicked": Input(ids.CLICKED, "data"),
    "ranking_click": Input(ids.RANKING, "clickData"),
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
    selected = tuple(inputs["selected"] or ())
    if trigger == ids.CLICKED and inputs["clicked"]:
        selected = toggle(previous.selected, inputs["clicked"].get("id"))
    elif trigger == ids.RANKING and inputs["ranking_click"]:
        points = inputs["ranking_click"].get("points") or [{}]
        selected = toggle(previous.selected, points[0].get("customdata"))
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
        fixed=bool(inputs["fixed"]), palette=inputs["palette"] or "auto", outline=bool(inputs["outline"]),
        view=inputs["view"] or "map", selected=selected,
        lat=round(lat, 5) if isinstance(lat, float | int) else previous.lat,
        lon=round(lon, 5) if isinstance(lon, float | int) else previous.lon,
        zoom=float(inputs["zoom"]) if isinstance(inputs.get("zoom"), float | int) else previous.zoom,
    )
    if state.method == "manual" and not state.breaks:
        state = replace(state, method="manual")  # resolve() falls back to quantiles until breaks are given
    return state


def main_answer(model: ViewModel, previous: ViewState, trigger: str | None, bad_breaks: bool) -> dict[str, Any]:
    state = model.state
    data = model.map
    lang = state.lang
    assert data is not None
    structure_changed = trigger in (ids.FRAME, ids.LEVEL)
    periods = model.periods
    earlier = [p for p in periods if p < (state.period or "")]
    shown = [n for n in model.notices if n.key not in ("unknown_period", "unknown_indicator") or structure_changed]
    if bad_breaks:
        shown.append(Notice("bad_breaks"))
    return {
        "query": to_query(state),
        "geo_url": data.geometry_url,
        # a new level brings new geometry and its first colours together; any other switch only repaints
        "hideout": hideout(data) if structure_changed else no_update,
        "paint": no_update if structure_changed else hideout(data),
        "outline_url": data.outline_url or "",
        "outline_hideout": {"show": bool(data.outline_url)},
        "viewport": {"bounds": [list(model.bounds[0]), list(model.bounds[1])], "transition": "fitBounds"}
        if structure_changed and model.bounds else no_update,
        "legend": legend(data).children,
        "title": data.title,
        "derived": data.derived_from or "",
        "notices": notices(shown, lang).children,
        "frame": state.frame,
        "level_options": options(model.levels) if structure_changed else no_update,
        "level": state.level,
        "indicator_options": indicator_options(model.indicators) if structure_changed else no_update,
        "indicator": state.indicator,
        "period_max": max(len(periods) - 1, 0),
        "period_marks": period_marks(periods, lang),
        "period": periods.index(state.period) if state.period in periods else 0,
        "period_label": period_label(state.period or "", lang),
        "mode": state.mode,
        "base_options": [{"label": period_label(p, lang), "value": p} for p in earlier],
        "base": state.base,
        "change_row": state.mode != "change",
        "manual_row": state.method != "manual",
        "breaks": no_update if bad_breaks else breaks_text(state),
        "selected": list(state.selected),
        # the area picker's options change with the level or the selection only
        "selected_options": selected_options(model)
        if structure_changed or trigger in (ids.SELECTED, ids.CLICKED, ids.RANKING) else no_update,
        "map_hidden": state.view != "map",
        "table_hidden": state.view != "table",
        "info": indicator_info(model.info, lang).children,
    }


def update_view(service: Service, trigger: str | None, audience: Audience = PUBLIC, **inputs: Any) -> dict[str, Any]:
    """Controls, map clicks or ranking clicks changed: resolve the new view and answer every output."""
    previous, _ = parse_query(inputs["previous"] or "")
    wanted = state_from_inputs(service, previous, inputs, trigger)
    bad_breaks = parse_breaks(inputs["breaks"], previous.lang) is None
    model = service.view(wanted, audience)
    if model.map is None:
        answer: dict[str, Any] = {name: no_update for name in MAIN_OUTPUTS}
        answer["notices"] = notices(model.notices, previous.lang).children
        return answer
    return main_answer(model, previous, trigger, bad_breaks)


PANEL_OUTPUTS: dict[str, Any] = {"series": Output(ids.SERIES, "figure"), "ranking": Output(ids.RANKING, "figure"),
                                 "profile": Output(ids.PROFILE, "children")}


def update_panels(service: Service, query: str, audience: Audience = PUBLIC) -> dict[str, Any]:
    """The view changed: time series, ranking and profile of the selected area."""
    model = service.view(parse_query(query or "")[0], audience)
    if model.map is None:
        return {name: no_update for name in PANEL_OUTPUTS}
    state = model.state
    chosen = state.selected[-1] if state.selected else None
    return {
        "series": series_figure(service.series(state, audience)),
        "ranking": ranking_figure(service.ranking(state, audience, model.map)),
        "profile": profile(service.profile(state, chosen, audience) if chosen else None, state.lang).children,
    }


TABLE_OUTPUTS: dict[str, Any] = {"rows": Output(ids.TABLE, "data"), "columns": Output(ids.TABLE, "columns")}


def update_table(service: Service, query: str, audience: Audience = PUBLIC) -> dict[str, Any]:
    """The table view: computed only while it is shown."""
    state, _ = parse_query(query or "")
    if state.view != "table":
        return {"rows": no_update, "columns": no_update}
    model = service.view(state, audience)
    if model.map is None:
        return {"rows": [], "columns": no_update}
    return {"rows": table_rows(service.table(model.state, audience, model.map)),
            "columns": table_columns(state.lang, model.map.unit, model.map.decimals)}


DOWNLOAD_OUTPUTS: dict[str, Any] = {"file": Output(ids.DOWNLOAD, "data")}


def download(service: Service, trigger: str | None, query: str, audience: Audience = PUBLIC) -> dict[str, Any]:
    """The current view as CSV or XLSX (raw values, classes and statuses)."""
    model = service.view(parse_query(query or "")[0], audience)
    if model.map is None:
        return {"file": no_update}
    frame = service.download_table(model.state, audience, model.map)
    name = service.download_name(model.state)
    if trigger == ids.DOWNLOAD_XLSX:
        return {"file": dcc.send_data_frame(frame.to_excel, f"{name}.xlsx", index=False,
                                            sheet_name=model.state.indicator[:31])}
    return {"file": dcc.send_data_frame(frame.to_csv, f"{name}.csv", index=False)}


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

    @app.callback(output=PANEL_OUTPUTS, inputs={"query": Input(ids.QUERY, "data")})
    @guarded(PANEL_OUTPUTS)
    def _update_panels(query: str) -> dict[str, Any]:
        return update_panels(service, query, audience_of())

    @app.callback(output=TABLE_OUTPUTS, inputs={"query": Input(ids.QUERY, "data")})
    @guarded(TABLE_OUTPUTS)
    def _update_table(query: str) -> dict[str, Any]:
        return update_table(service, query, audience_of())

    @app.callback(output=DOWNLOAD_OUTPUTS,
                  inputs={"csv": Input(ids.DOWNLOAD_CSV, "n_clicks"), "xlsx": Input(ids.DOWNLOAD_XLSX, "n_clicks"),
                          "query": State(ids.QUERY, "data")}, prevent_initial_call=True)
    @guarded(DOWNLOAD_OUTPUTS)
    def _download(csv: int | None, xlsx: int | None, query: str) -> dict[str, Any]:
        return download(service, _trigger(), query, audience_of())

    register_layout_helpers(app)

    # Browser-only: reduce a map click to the area id (the polygon never travels to the server), keep the
    # address bar in step with the view, and copy the link.
    app.clientside_callback(
        "function(click) { return window.sozialmonitor.map.clicked(click); }",
        Output(ids.CLICKED, "data"), Input(ids.AREAS, "clickData"), prevent_initial_call=True)
    app.clientside_callback(
        "function(query, center, zoom) { return window.sozialmonitor.map.syncUrl(query, center, zoom); }",
        Output(ids.LANG_LINK, "href"), Input(ids.QUERY, "data"), Input(ids.MAP, "center"), Input(ids.MAP, "zoom"),
        prevent_initial_call=True)
    app.clientside_callback(
        "function(data) { return window.sozialmonitor.map.paint(data); }",
        Output(ids.PAINT_DONE, "data"), Input(ids.PAINT, "data"), prevent_initial_call=True)
    app.clientside_callback(
        "function(viewport) { return viewport || window.dash_clientside.no_update; }",
        Output(ids.MAP, "viewport", allow_duplicate=True), Input(ids.INITIAL_VIEWPORT, "data"),
        prevent_initial_call="initial_duplicate")
    app.clientside_callback(
        "function(n) { return window.location.href; }",
        Output(ids.COPY_LINK, "content"), Input(ids.COPY_LINK, "n_clicks"), prevent_initial_call=True)


def register_layout_helpers(app: Dash) -> None:
    """Collapse the controls above the map on narrow (phone) screens, once, when the page loads."""
    app.clientside_callback(
        "function(_) { return window.innerWidth >= 900; }",
        Output(ids.CONTROLS, "open"), Input(ids.CONTROLS, "id"))
