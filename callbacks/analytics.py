"""Callbacks of the "Analyse" section. Each plain function unpacks its inputs, calls the analytics service and
returns layout pieces; ``register`` wires them (tests call the plain functions directly).

The frame, level, language and selection come from the resolved view (``ids.QUERY``), so an analysis
always runs on the level the map shows. A result repaints the map like any switch of the main controls:
paint data in the ``hideout`` format through ``ids.PAINT`` (restyled in place by ``assets/map.js``), plus
legend and title (``allow_duplicate``); the next change of the main controls shows the indicator again.
Domain errors an analysis can run into (too few areas, a constant indicator, a bad period …) become a
message in the tool's own message area; anything else goes to ``callbacks.guard``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from dash import Dash, Input, Output, State, ctx, html, no_update

from callbacks.dashboard import toggle
from callbacks.guard import guarded
from layouts import analytics_ids as aids
from layouts import ids
from layouts.analytics import (
    category_hideout,
    category_legend,
    composite_result,
    hot_spot_result,
    lowering_options,
    mss_result,
    period_options,
    scatter_figure,
    scatter_stats,
    typology_result,
)
from layouts.controls import indicator_options
from layouts.mapview import hideout, legend, map_title
from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.analytics.service import (
    AnalyticsService,
    CompositeAnalysis,
    HotSpotAnalysis,
    MssAnalysis,
    ScatterAnalysis,
    ScatterRequest,
    TypologyAnalysis,
    request_from_dict,
    request_to_dict,
)
from sozialmonitor.boundary import describe
from sozialmonitor.errors import NotAllowed, SozialmonitorError
from sozialmonitor.formatting import parse_number_list, period_label
from sozialmonitor.i18n import t
from sozialmonitor.service import Service
from sozialmonitor.view import ViewState, parse_query

Answer = dict[str, Any]
TOOLS = ("composite", "typology", "hot_spots", "scatter")


def _state(query: str | None) -> ViewState:
    return parse_query(query or "")[0]


def _lang(**inputs: Any) -> str:
    return _state(inputs.get("query")).lang




class _ChooseFirst(SozialmonitorError):
    """A required choice (indicator, period …) is empty."""


def _need(*values: Any) -> None:
    if any(v is None or v == "" or v == [] for v in values):
        raise _ChooseFirst("nothing chosen")


WORDING = {"not_allowed": "an_not_allowed", "not_found": "an_not_visible", "bad_request": "an_error"}


def explained(outputs: dict[str, Any]) -> Callable[[Callable[..., Answer]], Callable[..., Answer]]:
    """Turn the domain errors of an analysis into a message (output ``notices``), leaving the rest alone."""

    def decorate(fn: Callable[..., Answer]) -> Callable[..., Answer]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Answer:
            try:
                return fn(*args, **kwargs)
            except SozialmonitorError as exc:
                lang = _lang(**kwargs)
                text = t("an_choose_first", lang) if isinstance(exc, _ChooseFirst) else describe(exc, lang, WORDING)
                answer: Answer = {name: no_update for name in outputs}
                answer["notices"] = [html.P(text, className="notice notice-error", role="alert")]
                return answer
        return wrapper
    return decorate


# --- choices: indicators and periods the tools may offer ------------------------------------------------

OPTION_OUTPUTS: dict[str, Any] = {
    **{f"{name}_options": Output(cid, "options") for name, cid in (
        ("components", aids.COMPOSITE_COMPONENTS), ("typology", aids.TYPOLOGY_INDICATORS),
        ("hot_spots", aids.HOT_SPOTS_INDICATOR), ("x", aids.SCATTER_X), ("y", aids.SCATTER_Y))},
    **{f"{name}_value": Output(cid, "value") for name, cid in (
        ("components", aids.COMPOSITE_COMPONENTS), ("typology", aids.TYPOLOGY_INDICATORS),
        ("hot_spots", aids.HOT_SPOTS_INDICATOR), ("x", aids.SCATTER_X), ("y", aids.SCATTER_Y))},
    "mss_hidden": Output(aids.MSS_SECTION, "hidden"),
    "mss_period_options": Output(aids.MSS_PERIOD, "options"),
    "mss_period": Output(aids.MSS_PERIOD, "value"),
}


def _keep(value: Any, allowed: set[str], multi: bool) -> Any:
    if multi:
        return [v for v in (value or []) if v in allowed]
    return value if value in allowed else None


def _period_value(current: str | None, periods: Sequence[str]) -> str | None:
    return current if current in periods else (periods[-1] if periods else None)


def update_options(analytics: AnalyticsService, query: str | None, audience: Audience = PUBLIC, *,
                   components: Any = None, typology: Any = None, hot_spots: Any = None, x: Any = None,
                   y: Any = None, mss_period: str | None = None) -> Answer:
    """The view's level changed (or the page loaded): indicators of the level for every tool, the MSS
    preset where it applies; choices that no longer exist are dropped."""
    state = _state(query)
    choices = analytics.choices(audience, state.frame, state.level, state.lang)
    items = indicator_options(choices.indicators)
    allowed = {o.id for o in choices.indicators}
    answer: Answer = {f"{name}_options": items for name in ("components", "typology", "hot_spots", "x", "y")}
    answer.update({
        "components_value": _keep(components, allowed, True), "typology_value": _keep(typology, allowed, True),
        "hot_spots_value": _keep(hot_spots, allowed, False) or (state.indicator if state.indicator in allowed
                                                                 else None),
        "x_value": _keep(x, allowed, False), "y_value": _keep(y, allowed, False),
        "mss_hidden": not choices.mss_periods,
        "mss_period_options": period_options(choices.mss_periods, state.lang),
        "mss_period": _period_value(mss_period, choices.mss_periods),
    })
    return answer


PERIOD_OUTPUTS: dict[str, Any] = {
    **{f"{tool}_options": Output(cid, "options") for tool, cid in (
        ("composite", aids.COMPOSITE_PERIOD), ("typology", aids.TYPOLOGY_PERIOD),
        ("hot_spots", aids.HOT_SPOTS_PERIOD), ("scatter", aids.SCATTER_PERIOD))},
    **{f"{tool}_period": Output(cid, "value") for tool, cid in (
        ("composite", aids.COMPOSITE_PERIOD), ("typology", aids.TYPOLOGY_PERIOD),
        ("hot_spots", aids.HOT_SPOTS_PERIOD), ("scatter", aids.SCATTER_PERIOD))},
    "lowering_options": Output(aids.COMPOSITE_LOWERING, "options"),
    "lowering": Output(aids.COMPOSITE_LOWERING, "value"),
}


def update_periods(analytics: AnalyticsService, query: str | None, audience: Audience = PUBLIC, *,
                   components: Any = None, typology: Any = None, hot_spots: Any = None, x: Any = None,
                   y: Any = None, periods: dict[str, str | None] | None = None, lowering: Any = None) -> Answer:
    """The chosen indicators changed: each tool offers the periods with data of all its indicators."""
    state = _state(query)
    selections = {"composite": list(components or []), "typology": list(typology or []),
                  "hot_spots": [hot_spots] if hot_spots else [], "scatter": [v for v in (x, y) if v]}
    choices = analytics.choices(audience, state.frame, state.level, state.lang, selections)
    current = periods or {}
    answer: Answer = {}
    for tool in TOOLS:
        found = choices.periods.get(tool, ())
        answer[f"{tool}_options"] = period_options(found, state.lang)
        answer[f"{tool}_period"] = _period_value(current.get(tool), found)
    answer["lowering_options"] = lowering_options(selections["composite"], choices.indicators)
    answer["lowering"] = [c for c in (lowering or []) if c in selections["composite"]]
    return answer


# --- running an analysis: result panel, map mode, and the request kept for "save" ------------------------

def _outputs(result_id: str, message_id: str) -> dict[str, Any]:
    return {
        "result": Output(result_id, "children"),
        "notices": Output(message_id, "children"),
        "paint": Output(ids.PAINT, "data", allow_duplicate=True),
        "legend": Output(ids.LEGEND, "children", allow_duplicate=True),
        "title": Output(ids.MAP_TITLE, "children", allow_duplicate=True),
        "request": Output(aids.LAST_REQUEST, "data", allow_duplicate=True),
    }


MSS_OUTPUTS = _outputs(aids.MSS_RESULT, aids.MSS_MESSAGE)
COMPOSITE_OUTPUTS = _outputs(aids.COMPOSITE_RESULT, aids.COMPOSITE_MESSAGE)
TYPOLOGY_OUTPUTS = _outputs(aids.TYPOLOGY_RESULT, aids.TYPOLOGY_MESSAGE)
HOT_SPOTS_OUTPUTS = _outputs(aids.HOT_SPOTS_RESULT, aids.HOT_SPOTS_MESSAGE)


def _painted(analytics: AnalyticsService, audience: Audience, analysis: CompositeAnalysis | MssAnalysis |
             TypologyAnalysis | HotSpotAnalysis, state: ViewState, result: list[Any]) -> Answer:
    painted = analytics.map_of(audience, analysis, state.lang, state.selected)
    return {"result": result, "notices": [], "paint": category_hideout(painted, state.lang),
            "legend": category_legend(painted, state.lang), "title": painted.title,
            "request": request_to_dict(analysis.request)}


@explained(MSS_OUTPUTS)
def run_mss(analytics: AnalyticsService, audience: Audience = PUBLIC, *, query: str | None, period: str | None,
            show: str | None = "status") -> Answer:
    state = _state(query)
    _need(period)
    analysis = analytics.mss(audience, state.frame, state.level, str(period),
                             "dynamics" if show == "dynamics" else "status")
    return _painted(analytics, audience, analysis, state, mss_result(analysis, state.lang))


@explained(COMPOSITE_OUTPUTS)
def run_composite(analytics: AnalyticsService, audience: Audience = PUBLIC, *, query: str | None,
                  components: Sequence[str] | None, lowering: Sequence[str] | None = None,
                  weights: str | None = "", cuts: str | None = "", min_population: float | None = None,
                  period: str | None) -> Answer:
    state = _state(query)
    _need(components, period)
    parsed_weights = parse_number_list(weights, state.lang)
    parsed_cuts = parse_number_list(cuts, state.lang)
    for name, parsed in (("an_weights", parsed_weights), ("an_cuts", parsed_cuts)):
        if parsed is None:
            return {**{k: no_update for k in COMPOSITE_OUTPUTS}, "notices": [
                html.P(t("an_bad_numbers", state.lang, field=t(name, state.lang)), className="notice notice-error",
                       role="alert")]}
    analysis = analytics.composite(audience, state.frame, state.level, str(period), list(components or []),
                                   parsed_weights or (), list(lowering or []), parsed_cuts or (-1.0, 1.0),
                                   float(min_population) if isinstance(min_population, int | float) else None)
    return _painted(analytics, audience, analysis, state, composite_result(analysis, state.lang))


@explained(TYPOLOGY_OUTPUTS)
def run_typology(analytics: AnalyticsService, audience: Audience = PUBLIC, *, query: str | None,
                 indicators: Sequence[str] | None, k: int | None = 4, method: str | None = "kmeans",
                 seed: int | None = 0, period: str | None) -> Answer:
    state = _state(query)
    _need(indicators, period)
    analysis = analytics.typology(audience, state.frame, state.level, list(indicators or []), str(period),
                                  int(k or 4), method or "kmeans", int(seed or 0))
    return _painted(analytics, audience, analysis, state, typology_result(analysis, state.lang))


@explained(HOT_SPOTS_OUTPUTS)
def run_hot_spots(analytics: AnalyticsService, audience: Audience = PUBLIC, *, query: str | None,
                  indicator: str | None, period: str | None, alpha: float | None = 0.05,
                  permutations: int | None = 999) -> Answer:
    state = _state(query)
    _need(indicator, period)
    analysis = analytics.hot_spots(audience, state.frame, state.level, str(indicator), str(period),
                                   float(alpha or 0.05), int(permutations or 999))
    return _painted(analytics, audience, analysis, state, hot_spot_result(analysis, state.lang))


SCATTER_OUTPUTS: dict[str, Any] = {
    "figure": Output(aids.SCATTER_GRAPH, "figure"),
    "style": Output(aids.SCATTER_GRAPH, "style"),
    "stats": Output(aids.SCATTER_STATS, "children"),
    "notices": Output(aids.SCATTER_MESSAGE, "children"),
    "request": Output(aids.SCATTER_REQUEST, "data"),
}


@explained(SCATTER_OUTPUTS)
def run_scatter(analytics: AnalyticsService, audience: Audience = PUBLIC, *, trigger: str | None,
                query: str | None, x: str | None, y: str | None, period: str | None,
                request: dict[str, Any] | None = None) -> Answer:
    """Compute on "run"; when only the view changed, redraw the last scatter with the new selection (or
    clear it when the level changed)."""
    state = _state(query)
    if trigger != aids.SCATTER_RUN:
        if not request:
            return {name: no_update for name in SCATTER_OUTPUTS}
        previous = request_from_dict(request)
        if (previous.frame, previous.level) != (state.frame, state.level):
            return {"figure": no_update, "style": {"display": "none"}, "stats": [], "notices": [], "request": None}
        assert isinstance(previous, ScatterRequest)
        wanted = previous
    else:
        _need(x, y, period)
        wanted = ScatterRequest(state.frame, state.level, str(period), str(x), str(y))
    analysis = analytics.run(audience, wanted)
    assert isinstance(analysis, ScatterAnalysis)
    return {"figure": scatter_figure(analysis, state.lang, state.selected), "style": {"display": "block"},
            "stats": scatter_stats(analysis, state.lang), "notices": [], "request": request_to_dict(wanted)}


def scatter_click(click: dict[str, Any] | None, selected: Sequence[str] | None) -> Answer:
    """A click on a point adds its area to the selection (or removes it); the main callback does the rest."""
    points = (click or {}).get("points") or [{}]
    code = points[0].get("customdata")
    if not isinstance(code, str):
        return {"selected": no_update}
    return {"selected": list(toggle(tuple(selected or ()), code))}


MAP_OUTPUTS: dict[str, Any] = {
    "paint": Output(ids.PAINT, "data", allow_duplicate=True),
    "legend": Output(ids.LEGEND, "children", allow_duplicate=True),
    "title": Output(ids.MAP_TITLE, "children", allow_duplicate=True),
}


def restore_map(service: Service, query: str | None, audience: Audience = PUBLIC) -> Answer:
    """Back from a map mode to the view's indicator."""
    model = service.view(_state(query), audience)
    if model.map is None:
        return {name: no_update for name in MAP_OUTPUTS}
    return {"paint": hideout(model.map), "legend": legend(model.map).children,
            "title": map_title(model.state, model.map.name)}


# --- saving ------------------------------------------------------------------------------------------

SAVE_OUTPUTS: dict[str, Any] = {"notices": Output(aids.SAVE_MESSAGE, "children")}


@explained(SAVE_OUTPUTS)
def save(analytics: AnalyticsService, audience: Audience = PUBLIC, *, query: str | None,
         request: dict[str, Any] | None, indicator_id: str | None, name_de: str | None,
         name_en: str | None = "") -> Answer:
    """Store the result on the map as a new indicator (the domain checks the role and the inputs)."""
    lang = _state(query).lang
    _need(request)
    wanted = request_from_dict(request)
    if isinstance(wanted, ScatterRequest):
        raise NotAllowed("a scatter plot cannot be saved")
    saved = analytics.save(audience, wanted, indicator_id or "", name_de or "", name_en or "")
    text = t("an_saved", lang, id=saved.spec.id, n=saved.summary.inserted + saved.summary.updated +
             saved.summary.unchanged, period=period_label(saved.period, lang),
             visibility=t(f"an_visibility_{saved.spec.visibility}", lang))
    return {"notices": [html.P(text, className="notice")]}


SUBJECT_OUTPUTS: dict[str, Any] = {"subject": Output(aids.SAVE_SUBJECT, "children"),
                                   "notices": Output(aids.SAVE_MESSAGE, "children", allow_duplicate=True)}


@explained(SUBJECT_OUTPUTS)
def save_subject(analytics: AnalyticsService, audience: Audience = PUBLIC, *, query: str | None,
                 request: dict[str, Any] | None) -> Answer:
    """What "save" would store: the result now on the map."""
    lang = _state(query).lang
    if not request:
        return {"subject": t("an_save_nothing", lang), "notices": no_update}
    return {"subject": t("an_save_subject", lang, what=analytics.title(audience, request_from_dict(request), lang)),
            "notices": []}


# --- wiring ------------------------------------------------------------------------------------------

def _trigger() -> str | None:
    return ctx.triggered_id if isinstance(ctx.triggered_id, str) else None


QUERY = State(ids.QUERY, "data")  # the resolved view: frame, level, language, selection
VIEW_TICK = Input(aids.VIEW_TICK, "data")  # set by the browser while the section is open (see register_opening)


def register(app: Dash, service: Service, analytics: AnalyticsService, audience_of: Callable[[], Audience]) -> None:
    """Wire the Analyse section; ``audience_of`` tells who is asking (decided on the server)."""
    register_opening(app)
    register_choices(app, analytics, audience_of)
    register_analyses(app, analytics, audience_of)
    register_scatter(app, analytics, audience_of)
    register_result_actions(app, service, analytics, audience_of)


def register_opening(app: Dash) -> None:
    """Browser-only: whether the section is open, and the tick that lets its options follow the view."""
    # <details> toggles natively on every click (and Enter/Space) of its summary: odd count = open
    app.clientside_callback("function(n) { return (n || 0) % 2 === 1; }", Output(aids.OPEN, "data"),
                            Input(aids.SUMMARY, "n_clicks"), prevent_initial_call=True)
    # Nothing of Analyse runs while it is closed: its options follow the view only through this tick, which the
    # browser sets when the section opens or the view changes while it is open — a closed section sends nothing.
    app.clientside_callback(
        "function(query, open) { return open ? Date.now() : window.dash_clientside.no_update; }",
        Output(aids.VIEW_TICK, "data"), Input(ids.QUERY, "data"), Input(aids.OPEN, "data"), prevent_initial_call=True)


def register_choices(app: Dash, analytics: AnalyticsService, audience_of: Callable[[], Audience]) -> None:
    """The indicators and periods every tool offers, following the view and the chosen indicators."""

    @app.callback(output=OPTION_OUTPUTS, prevent_initial_call=True, inputs={
        "tick": VIEW_TICK, "query": QUERY, "components": State(aids.COMPOSITE_COMPONENTS, "value"),
        "typology": State(aids.TYPOLOGY_INDICATORS, "value"), "hot_spots": State(aids.HOT_SPOTS_INDICATOR, "value"),
        "x": State(aids.SCATTER_X, "value"), "y": State(aids.SCATTER_Y, "value"),
        "mss_period": State(aids.MSS_PERIOD, "value"), "open": State(aids.OPEN, "data")})
    @guarded(OPTION_OUTPUTS)
    def _options(tick: int | None, query: str | None, open: bool | None, **current: Any) -> Answer:
        if not open:  # the section is closed: a switch of the main view costs nothing here
            return {name: no_update for name in OPTION_OUTPUTS}
        return update_options(analytics, query, audience_of(), **current)

    @app.callback(output=PERIOD_OUTPUTS, prevent_initial_call=True, inputs={
        "tick": VIEW_TICK, "query": QUERY, "components": Input(aids.COMPOSITE_COMPONENTS, "value"),
        "typology": Input(aids.TYPOLOGY_INDICATORS, "value"), "hot_spots": Input(aids.HOT_SPOTS_INDICATOR, "value"),
        "x": Input(aids.SCATTER_X, "value"), "y": Input(aids.SCATTER_Y, "value"),
        "composite_period": State(aids.COMPOSITE_PERIOD, "value"),
        "typology_period": State(aids.TYPOLOGY_PERIOD, "value"),
        "hot_spots_period": State(aids.HOT_SPOTS_PERIOD, "value"),
        "scatter_period": State(aids.SCATTER_PERIOD, "value"),
        "lowering": State(aids.COMPOSITE_LOWERING, "value"), "open": State(aids.OPEN, "data")})
    @guarded(PERIOD_OUTPUTS)
    def _periods(tick: int | None, query: str | None, components: Any, typology: Any, hot_spots: Any, x: Any,
                 y: Any, lowering: Any, open: bool | None, **periods: str | None) -> Answer:
        if not open:
            return {name: no_update for name in PERIOD_OUTPUTS}
        return update_periods(analytics, query, audience_of(), components=components, typology=typology,
                              hot_spots=hot_spots, x=x, y=y, lowering=lowering,
                              periods={k.removesuffix("_period"): v for k, v in periods.items()})


def register_analyses(app: Dash, analytics: AnalyticsService, audience_of: Callable[[], Audience]) -> None:
    """The tools whose result paints the map: MSS, composite index, typology, hot spots."""

    @app.callback(output=MSS_OUTPUTS, inputs={
        "run": Input(aids.MSS_RUN, "n_clicks"), "show": Input(aids.MSS_SHOW, "value"), "query": QUERY,
        "period": State(aids.MSS_PERIOD, "value")}, prevent_initial_call=True)
    @guarded(MSS_OUTPUTS, lang_of=_lang)
    def _mss(run: int | None, **inputs: Any) -> Answer:
        if not run:
            return {name: no_update for name in MSS_OUTPUTS}
        return run_mss(analytics, audience_of(), **inputs)

    @app.callback(output=COMPOSITE_OUTPUTS, inputs={
        "run": Input(aids.COMPOSITE_RUN, "n_clicks"), "query": QUERY,
        "components": State(aids.COMPOSITE_COMPONENTS, "value"), "lowering": State(aids.COMPOSITE_LOWERING, "value"),
        "weights": State(aids.COMPOSITE_WEIGHTS, "value"), "cuts": State(aids.COMPOSITE_CUTS, "value"),
        "min_population": State(aids.COMPOSITE_MIN_POPULATION, "value"),
        "period": State(aids.COMPOSITE_PERIOD, "value")}, prevent_initial_call=True)
    @guarded(COMPOSITE_OUTPUTS, lang_of=_lang)
    def _composite(run: int | None, **inputs: Any) -> Answer:
        return run_composite(analytics, audience_of(), **inputs)

    @app.callback(output=TYPOLOGY_OUTPUTS, inputs={
        "run": Input(aids.TYPOLOGY_RUN, "n_clicks"), "query": QUERY,
        "indicators": State(aids.TYPOLOGY_INDICATORS, "value"), "k": State(aids.TYPOLOGY_K, "value"),
        "method": State(aids.TYPOLOGY_METHOD, "value"), "seed": State(aids.TYPOLOGY_SEED, "value"),
        "period": State(aids.TYPOLOGY_PERIOD, "value")}, prevent_initial_call=True)
    @guarded(TYPOLOGY_OUTPUTS, lang_of=_lang)
    def _typology(run: int | None, **inputs: Any) -> Answer:
        return run_typology(analytics, audience_of(), **inputs)

    @app.callback(output=HOT_SPOTS_OUTPUTS, inputs={
        "run": Input(aids.HOT_SPOTS_RUN, "n_clicks"), "query": QUERY,
        "indicator": State(aids.HOT_SPOTS_INDICATOR, "value"), "period": State(aids.HOT_SPOTS_PERIOD, "value"),
        "alpha": State(aids.HOT_SPOTS_ALPHA, "value"), "permutations": State(aids.HOT_SPOTS_PERMUTATIONS, "value")},
        prevent_initial_call=True)
    @guarded(HOT_SPOTS_OUTPUTS, lang_of=_lang)
    def _hot_spots(run: int | None, **inputs: Any) -> Answer:
        return run_hot_spots(analytics, audience_of(), **inputs)


def register_scatter(app: Dash, analytics: AnalyticsService, audience_of: Callable[[], Audience]) -> None:
    """The scatter plot, which follows the view's selection, and its clicks, which change the selection."""

    @app.callback(output=SCATTER_OUTPUTS, inputs={
        "run": Input(aids.SCATTER_RUN, "n_clicks"), "tick": VIEW_TICK, "query": QUERY,
        "x": State(aids.SCATTER_X, "value"), "y": State(aids.SCATTER_Y, "value"),
        "period": State(aids.SCATTER_PERIOD, "value"), "request": State(aids.SCATTER_REQUEST, "data"),
        "open": State(aids.OPEN, "data")}, prevent_initial_call=True)
    @guarded(SCATTER_OUTPUTS, lang_of=_lang)
    def _scatter(run: int | None, tick: int | None, open: bool | None, **inputs: Any) -> Answer:
        if not open:
            return {name: no_update for name in SCATTER_OUTPUTS}
        return run_scatter(analytics, audience_of(), trigger=_trigger(), **inputs)

    @app.callback(output={"selected": Output(ids.SELECTED, "value", allow_duplicate=True)},
                  inputs={"click": Input(aids.SCATTER_GRAPH, "clickData"), "selected": State(ids.SELECTED, "value")},
                  prevent_initial_call=True)
    @guarded({"selected": None})
    def _scatter_click(click: dict[str, Any] | None, selected: list[str] | None) -> Answer:
        return scatter_click(click, selected)


def register_result_actions(app: Dash, service: Service, analytics: AnalyticsService,
                            audience_of: Callable[[], Audience]) -> None:
    """What to do with the result on the map: go back to the view's indicator, or store it as a new indicator."""

    @app.callback(output=MAP_OUTPUTS, inputs={"run": Input(aids.RESTORE_MAP, "n_clicks"), "query": QUERY},
                  prevent_initial_call=True)
    @guarded(MAP_OUTPUTS)
    def _restore(run: int | None, query: str | None) -> Answer:
        return restore_map(service, query, audience_of())

    @app.callback(output=SAVE_OUTPUTS, inputs={
        "run": Input(aids.SAVE_BUTTON, "n_clicks"), "query": QUERY, "request": State(aids.LAST_REQUEST, "data"),
        "indicator_id": State(aids.SAVE_ID, "value"), "name_de": State(aids.SAVE_NAME_DE, "value"),
        "name_en": State(aids.SAVE_NAME_EN, "value")}, prevent_initial_call=True)
    @guarded(SAVE_OUTPUTS, lang_of=_lang)
    def _save(run: int | None, **inputs: Any) -> Answer:
        return save(analytics, audience_of(), **inputs)

    @app.callback(output=SUBJECT_OUTPUTS, inputs={"request": Input(aids.LAST_REQUEST, "data"), "query": QUERY},
                  prevent_initial_call=True)
    @guarded(SUBJECT_OUTPUTS)
    def _subject(request: dict[str, Any] | None, query: str | None) -> Answer:
        return save_subject(analytics, audience_of(), query=query, request=request)
