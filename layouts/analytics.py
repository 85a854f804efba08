"""The "Analyse" section below the panels: MSS status × dynamics, composite index builder, typology, hot spots
and scatter, each with its controls and its result; saving a result as an indicator (planner and admin).

Pure functions returning components; everything they show comes from the analytics results
(``sozialmonitor.analytics.service``), every string from ``sozialmonitor.i18n``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from layouts import analytics_ids as aids
from layouts.aria import aria
from layouts.controls import dropdown_labels, field, indicator_options
from layouts.mapview import legend_items, wire
from layouts.panels import EMPTY_FIGURE, FONT
from sozialmonitor.access import Audience
from sozialmonitor.analytics.hotspots import CLUSTERS
from sozialmonitor.analytics.mss import STATUS
from sozialmonitor.analytics.service import (
    ALPHAS,
    DEFAULT_CUTS,
    HOT_SPOT_COLOURS,
    PERMUTATIONS,
    SAVING_ROLES,
    TYPE_K_RANGE,
    CategoryMap,
    CompositeAnalysis,
    HotSpotAnalysis,
    MssAnalysis,
    ScatterAnalysis,
    TypologyAnalysis,
    class_ranges,
)
from sozialmonitor.formatting import MINUS, format_number, period_label, plotly_separators
from sozialmonitor.i18n import t
from sozialmonitor.palettes import MISSING_FILL
from sozialmonitor.results import IndicatorOption, ViewModel
from sozialmonitor.view import Notice

SELECTED_COLOUR = "#000000"
POINT_COLOUR = "#1b6ca8"


def figure_layout(lang: str, height: int) -> dict[str, Any]:
    return {"separators": plotly_separators(lang), "height": height, "margin": {"l": 60, "r": 16, "t": 16, "b": 48},
            "font": {"family": FONT, "size": 13, "color": "#1f1f1f"}, "plot_bgcolor": "#ffffff",
            "paper_bgcolor": "#ffffff", "legend": {"orientation": "h", "y": -0.25}}


# --- controls ---------------------------------------------------------------------------------------

def period_options(periods: Sequence[str], lang: str) -> list[dict[str, str]]:
    return [{"label": period_label(p, lang), "value": p} for p in periods]


def _dropdown(component_id: str, items: list[dict[str, Any]], lang: str, *, multi: bool = False,
              value: Any = None, placeholder: str = "") -> dcc.Dropdown:
    return dcc.Dropdown(id=component_id, options=items, value=value, multi=multi, clearable=multi,
                        placeholder=placeholder, labels=dropdown_labels(lang), maxHeight=300)


def _run(component_id: str, lang: str) -> html.Button:
    return html.Button(t("an_run", lang), id=component_id, className="button", type="button")


def _message(component_id: str) -> html.Div:
    return html.Div(id=component_id, className="notices", role="status", **aria(live="polite"))


def _tool(section_id: str, title_key: str, intro_key: str, lang: str, children: list[Any],
          hidden: bool = False) -> html.Section:
    heading = f"h-{section_id}"
    return html.Section(id=section_id, className="analysis", hidden=hidden, **aria(labelledby=heading),
                        children=[html.H3(t(title_key, lang), id=heading),
                                  html.P(t(intro_key, lang), className="hint"), *children])


def analytics_section(model: ViewModel, audience: Audience) -> html.Details:
    """The whole section, closed until opened; periods are filled by a callback on page load."""
    lang = model.state.lang
    options = indicator_options(model.indicators)
    has_mss = all(any(o.id == i for o in model.indicators) for i in STATUS if i != "mss_s2_long_term_unemployed")
    choose = t("an_choose_indicators", lang)
    return html.Details(id=aids.SECTION, className="analytics panel-wide", children=[
        html.Summary(html.H2(t("an_title", lang), className="analytics-title"), className="analytics-summary",
                     id=aids.SUMMARY),
        dcc.Store(id=aids.OPEN, data=False),
        dcc.Store(id=aids.VIEW_TICK),
        html.P(t("an_intro", lang), className="hint"),
        html.Button(t("an_restore_map", lang), id=aids.RESTORE_MAP, className="button-link", type="button"),
        dcc.Store(id=aids.LAST_REQUEST),
        dcc.Store(id=aids.SCATTER_REQUEST),
        _tool(aids.MSS_SECTION, "an_mss_title", "an_mss_intro", lang, hidden=not has_mss, children=[
            html.Div(className="analysis-controls", children=[
                field(t("period", lang), _dropdown(aids.MSS_PERIOD, [], lang), aids.MSS_PERIOD),
                html.Fieldset(className="field", children=[
                    html.Legend(t("an_mss_show", lang), className="field-label"),
                    dcc.RadioItems(id=aids.MSS_SHOW, value="status", inline=True, className="radio-row", options=[
                        {"label": t("an_mss_status", lang), "value": "status"},
                        {"label": t("an_mss_dynamics", lang), "value": "dynamics"}]),
                ]),
                _run(aids.MSS_RUN, lang),
            ]),
            _message(aids.MSS_MESSAGE), html.Div(id=aids.MSS_RESULT),
        ]),
        _tool("an-composite", "an_composite_title", "an_composite_intro", lang, children=[
            html.Div(className="analysis-controls", children=[
                field(t("an_components", lang), _dropdown(aids.COMPOSITE_COMPONENTS, options, lang, multi=True,
                                                          value=[], placeholder=choose), aids.COMPOSITE_COMPONENTS),
                field(t("an_lowering", lang), _dropdown(aids.COMPOSITE_LOWERING, [], lang, multi=True, value=[]),
                      aids.COMPOSITE_LOWERING),
                field(t("an_weights", lang), dcc.Input(id=aids.COMPOSITE_WEIGHTS, type="text", value="",
                                                       className="text-input"),
                      aids.COMPOSITE_WEIGHTS),
                field(t("an_cuts", lang), dcc.Input(id=aids.COMPOSITE_CUTS, type="text",
                                                    value=numbers_text(DEFAULT_CUTS, lang), className="text-input"),
              aids.COMPOSITE_CUTS),
                field(t("an_min_population", lang), dcc.Input(id=aids.COMPOSITE_MIN_POPULATION, type="number",
                                                              min=0, step=1, className="text-input"),
                      aids.COMPOSITE_MIN_POPULATION),
                field(t("period", lang), _dropdown(aids.COMPOSITE_PERIOD, [], lang), aids.COMPOSITE_PERIOD),
                _run(aids.COMPOSITE_RUN, lang),
            ]),
            _message(aids.COMPOSITE_MESSAGE), html.Div(id=aids.COMPOSITE_RESULT),
        ]),
        _tool("an-typology", "an_typology_title", "an_typology_intro", lang, children=[
            html.Div(className="analysis-controls", children=[
                field(t("an_indicators", lang), _dropdown(aids.TYPOLOGY_INDICATORS, options, lang, multi=True,
                                                          value=[], placeholder=choose), aids.TYPOLOGY_INDICATORS),
                field(t("an_k", lang), _dropdown(aids.TYPOLOGY_K, [{"label": str(k), "value": k} for k in range(
                    TYPE_K_RANGE[0], TYPE_K_RANGE[1] + 1)], lang, value=4), aids.TYPOLOGY_K),
                html.Fieldset(className="field", children=[
                    html.Legend(t("an_method", lang), className="field-label"),
                    dcc.RadioItems(id=aids.TYPOLOGY_METHOD, value="kmeans", inline=True, className="radio-row",
                                   options=[{"label": t("an_kmeans", lang), "value": "kmeans"},
                                            {"label": t("an_ward", lang), "value": "ward"}]),
                ]),
                field(t("an_seed", lang), dcc.Input(id=aids.TYPOLOGY_SEED, type="number", value=0, min=0, step=1,
                                                    className="text-input"), aids.TYPOLOGY_SEED),
                field(t("period", lang), _dropdown(aids.TYPOLOGY_PERIOD, [], lang), aids.TYPOLOGY_PERIOD),
                _run(aids.TYPOLOGY_RUN, lang),
            ]),
            _message(aids.TYPOLOGY_MESSAGE), html.Div(id=aids.TYPOLOGY_RESULT),
        ]),
        _tool("an-hot-spots", "an_hot_spots_title", "an_hot_spots_intro", lang, children=[
            html.Div(className="analysis-controls", children=[
                field(t("indicator", lang), _dropdown(aids.HOT_SPOTS_INDICATOR, options, lang,
                                                      value=model.state.indicator), aids.HOT_SPOTS_INDICATOR),
                field(t("period", lang), _dropdown(aids.HOT_SPOTS_PERIOD, [], lang), aids.HOT_SPOTS_PERIOD),
                field(t("an_alpha", lang), _dropdown(aids.HOT_SPOTS_ALPHA, [
                    {"label": format_number(a, 2, lang), "value": a} for a in ALPHAS], lang, value=0.05),
                      aids.HOT_SPOTS_ALPHA),
                field(t("an_permutations", lang), _dropdown(aids.HOT_SPOTS_PERMUTATIONS, [
                    {"label": str(p), "value": p} for p in PERMUTATIONS], lang, value=999),
                      aids.HOT_SPOTS_PERMUTATIONS),
                _run(aids.HOT_SPOTS_RUN, lang),
            ]),
            _message(aids.HOT_SPOTS_MESSAGE), html.Div(id=aids.HOT_SPOTS_RESULT),
        ]),
        _tool("an-scatter", "an_scatter_title", "an_scatter_intro", lang, children=[
            html.Div(className="analysis-controls", children=[
                field(t("an_x", lang), _dropdown(aids.SCATTER_X, options, lang, placeholder=choose), aids.SCATTER_X),
                field(t("an_y", lang), _dropdown(aids.SCATTER_Y, options, lang, placeholder=choose), aids.SCATTER_Y),
                field(t("period", lang), _dropdown(aids.SCATTER_PERIOD, [], lang), aids.SCATTER_PERIOD),
                _run(aids.SCATTER_RUN, lang),
            ]),
            _message(aids.SCATTER_MESSAGE), html.Div(id=aids.SCATTER_STATS),
            html.Div(id=aids.SCATTER_SLOT),  # scatter_graph() mounts here (see layouts/panels.py graph_slot)
        ]),
        *([save_form(lang)] if audience.role in SAVING_ROLES else []),
    ])


def scatter_graph() -> dcc.Graph:
    """The scatter's graph as the browser mounts it, hidden until a result: once the map shows its colours, or
    when the section opens before that (the scatter callback writes to it)."""
    return dcc.Graph(id=aids.SCATTER_GRAPH, figure=EMPTY_FIGURE, config={"displaylogo": False}, className="graph",
                     style={"display": "none"})


def save_form(lang: str) -> html.Section:
    return html.Section(className="analysis analysis-save", **aria(labelledby="h-an-save"), children=[
        html.H3(t("an_save_title", lang), id="h-an-save"),
        html.P(t("an_save_nothing", lang), id=aids.SAVE_SUBJECT, className="hint"),
        html.Div(className="analysis-controls", children=[
            field(t("an_save_id", lang), dcc.Input(id=aids.SAVE_ID, type="text", className="text-input",
                                                   pattern=r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}"), aids.SAVE_ID),
            field(t("an_save_name_de", lang), dcc.Input(id=aids.SAVE_NAME_DE, type="text", className="text-input"),
                  aids.SAVE_NAME_DE),
            field(t("an_save_name_en", lang), dcc.Input(id=aids.SAVE_NAME_EN, type="text", className="text-input"),
                  aids.SAVE_NAME_EN),
            html.Button(t("an_save", lang), id=aids.SAVE_BUTTON, className="button", type="button"),
        ]),
        _message(aids.SAVE_MESSAGE),
    ])


def lowering_options(components: Sequence[str], items: Sequence[IndicatorOption]) -> list[dict[str, str]]:
    labels = {o.id: o.label for o in items}
    return [{"label": labels.get(c, c), "value": c} for c in components]


def numbers_text(values: Sequence[float], lang: str) -> str:
    return "; ".join(f"{v:g}".replace(".", ",") if lang == "de" else f"{v:g}" for v in values)


# --- results ----------------------------------------------------------------------------------------

def notices(items: Sequence[Notice], lang: str) -> list[html.P]:
    return [html.P(t(n.key, lang, **n.params), className="notice") for n in items]


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], caption: str, numeric_from: int = 1) -> html.Table:
    return html.Table(className="profile-table analysis-table", children=[
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
        html.Tbody([html.Tr([html.Th(r[0], scope="row"),
                             *(html.Td(c, className="num" if i + 1 >= numeric_from else "")
                               for i, c in enumerate(r[1:]))]) for r in rows]),
    ])


def _swatch(colour: str) -> html.Span:
    return html.Span(className="swatch", style={"backgroundColor": colour}, **aria(hidden="true"))


def _excluded_line(included: int, excluded: int, lang: str) -> html.P:
    return html.P(t("an_areas_used", lang, n=included, excluded=excluded), className="hint")


def mss_result(analysis: MssAnalysis, lang: str) -> list[Any]:
    """Status × dynamics matrix (counts of areas), with totals; the class counts of the index on the map."""
    result = analysis.result
    counts = result.matrix.counts
    status_names = [t(f"an_mss_status_{i}", lang) for i in range(1, len(counts.index) + 1)]
    dynamics_names = [t(f"an_mss_dynamics_{i}", lang) for i in range(1, len(counts.columns) + 1)]
    rows = []
    for name, (_, row) in zip(status_names, counts.iterrows(), strict=True):
        rows.append([name, *(str(int(v)) for v in row), str(int(row.sum()))])
    rows.append([t("an_total", lang), *(str(int(v)) for v in counts.sum(axis=0)), str(int(counts.to_numpy().sum()))])
    head = [f"{t('an_mss_status', lang)} \\ {t('an_mss_dynamics', lang)}", *dynamics_names, t("an_total", lang)]
    shown = analysis.shown
    return [
        *notices(analysis.notices, lang),
        html.P(t("an_mss_edition", lang, edition=result.edition, period=period_label(result.period, lang)),
               className="analysis-summary-line"),
        _excluded_line(len(shown.table), len(shown.excluded), lang),
        _table(head, rows, t("an_matrix_caption", lang)),
    ]


def composite_result(analysis: CompositeAnalysis, lang: str) -> list[Any]:
    result = analysis.result
    names = class_ranges(result.spec.classes.cuts, lang)
    counts = result.counts()
    class_rows = [[name, str(int(counts.iloc[i]))] for i, name in enumerate(names)]
    component_rows = []
    for component in result.spec.components:
        spec = analysis.specs.get(component.indicator)
        label = spec.name(lang) if spec else component.indicator
        decimals = spec.decimals if spec else 2
        sign = "+" if component.direction > 0 else MINUS
        component_rows.append([label, sign, format_number(component.weight, 2, lang),
                               format_number(float(result.means[component.indicator]), decimals, lang),
                               format_number(float(result.sds[component.indicator]), decimals, lang)])
    return [
        *notices(analysis.notices, lang),
        _excluded_line(len(result.table), len(result.excluded), lang),
        _table([t("an_class", lang), t("an_areas", lang)], class_rows, t("an_classes_caption", lang)),
        _table([t("col_indicator", lang), t("an_direction", lang), t("an_weight", lang), t("an_mean", lang),
                t("an_sd_long", lang)], component_rows, t("an_components_caption", lang)),
    ]


def typology_result(analysis: TypologyAnalysis, lang: str) -> list[Any]:
    result = analysis.result
    labels = [analysis.specs[i].name(lang) if i in analysis.specs else i for i in result.indicators]
    fig = go.Figure()
    for type_no in result.profile.index:
        colour = analysis.colours[int(type_no) - 1]
        row = result.profile.loc[type_no]
        fig.add_trace(go.Bar(x=labels, y=[float(v) for v in row.to_numpy()], name=t("an_type", lang, n=type_no),
                             marker={"color": colour, "line": {"color": "#333333", "width": 0.5}},
                             hovertemplate="%{x}: %{y:.2f}<extra>%{fullData.name}</extra>"))
    fig.update_layout(**figure_layout(lang, 340), barmode="group",
                      yaxis={"title": t("an_mean_z", lang), "gridcolor": "#e5e5e5", "zerolinecolor": "#000000"})
    silhouette = format_number(result.silhouette, 2, lang) if result.silhouette is not None else "–"
    rows = [[html.Span([_swatch(analysis.colours[int(str(k)) - 1]), " ", t("an_type", lang, n=k)]), str(int(n))]
            for k, n in result.sizes.items()]
    return [
        html.P(t("an_typology_summary", lang, k=result.k, method=t(f"an_{result.method}", lang),
                 silhouette=silhouette), className="analysis-summary-line"),
        _excluded_line(int(result.sizes.sum()), len(result.excluded), lang),
        html.Figure([dcc.Graph(figure=fig, config={"displaylogo": False}, className="graph"),
                     html.Figcaption(t("an_profile_caption", lang), className="hint")]),
        _table([t("an_type_col", lang), t("an_areas", lang)], rows, t("an_sizes_caption", lang)),
    ]


def hot_spot_result(analysis: HotSpotAnalysis, lang: str) -> list[Any]:
    result = analysis.result
    items = [("an_moran_i", format_number(result.moran_i, 3, lang)),
             ("an_expected_i", format_number(result.expected_i, 3, lang)),
             ("an_z_sim", format_number(result.z_sim, 2, lang)),
             ("an_p_sim", p_text(result.p_sim, lang).removeprefix("p ").removeprefix("= ")),
             ("an_n", str(result.n))]
    counts = result.counts()
    rows = [[html.Span([_swatch(HOT_SPOT_COLOURS.get(c, MISSING_FILL)), " ", t(f"an_cluster_{c}", lang)]),
             str(int(counts[c]))] for c in CLUSTERS if c != "no_data" and (c != "island" or counts[c])]
    return [
        *notices(analysis.notices, lang),
        html.Dl([x for key, value in items for x in (html.Dt(t(key, lang)), html.Dd(value))], className="info-list"),
        html.P(t("an_moran_reading", lang, permutations=result.permutations,
                 alpha=format_number(result.alpha, 2, lang), expected=round(result.alpha * result.n)),
               className="hint"),
        _table([t("an_cluster", lang), t("an_areas", lang)], rows, t("an_clusters_caption", lang)),
    ]


def p_text(p: float, lang: str) -> str:
    """``p = 0,012``; below 0.001 ``p < 0,001`` (more digits would suggest a precision the test lacks)."""
    return f"p < {format_number(0.001, 3, lang)}" if p < 0.001 else f"p = {format_number(p, 3, lang)}"


def scatter_stats(analysis: ScatterAnalysis, lang: str) -> list[Any]:
    result = analysis.result
    items = [("an_pearson", f"{format_number(result.pearson_r, 2, lang)} ({p_text(result.pearson_p, lang)})"),
             ("an_spearman", f"{format_number(result.spearman_rho, 2, lang)} ({p_text(result.spearman_p, lang)})"),
             ("an_r_squared", format_number(result.r_squared, 2, lang)),
             ("an_n", str(result.n))]
    return [html.Dl([x for key, value in items for x in (html.Dt(t(key, lang)), html.Dd(value))],
                    className="info-list"),
            html.P(t("an_scatter_caution", lang), className="hint")]


def scatter_figure(analysis: ScatterAnalysis, lang: str, selected: Sequence[str] = ()) -> go.Figure:
    """Points with their area code as customdata (a click selects the area), the OLS line, selected areas
    highlighted."""
    result = analysis.result
    points = result.points
    names = [analysis.areas.names[analysis.areas.index[str(c)]] for c in points.index]
    x_spec, y_spec = analysis.specs[result.x_indicator], analysis.specs[result.y_indicator]
    chosen = set(selected)
    colours = [SELECTED_COLOUR if c in chosen else POINT_COLOUR for c in points.index]
    sizes = [11 if c in chosen else 7 for c in points.index]
    x_title = f"{x_spec.name(lang)} ({x_spec.unit_en if lang == 'en' and x_spec.unit_en else x_spec.unit})"
    y_title = f"{y_spec.name(lang)} ({y_spec.unit_en if lang == 'en' and y_spec.unit_en else y_spec.unit})"
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[float(v) for v in points["x"]], y=[float(v) for v in points["y"]], mode="markers",
        customdata=[str(c) for c in points.index], text=names, name=t("an_areas", lang),
        marker={"color": colours, "size": sizes, "opacity": 0.75, "line": {"width": 0.5, "color": "#ffffff"}},
        hovertemplate=f"%{{text}} (%{{customdata}})<br>{x_spec.name(lang)}: %{{x:,.{x_spec.decimals}f}}<br>"
                      f"{y_spec.name(lang)}: %{{y:,.{y_spec.decimals}f}}<extra></extra>"))
    (x0, y0), (x1, y1) = result.line()
    fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", name=t("an_regression", lang),
                             line={"color": "#d95f02", "width": 2.5}, hoverinfo="skip"))
    fig.update_layout(**figure_layout(lang, 420), showlegend=True, clickmode="event",
                      xaxis={"title": x_title, "gridcolor": "#e5e5e5"},
                      yaxis={"title": y_title, "gridcolor": "#e5e5e5"})
    return fig


def category_hideout(data: CategoryMap, lang: str) -> dict[str, Any]:
    """A map mode in the map's wire format (:func:`layouts.mapview.hideout`), plus the category names."""
    return wire(data.classes, data.values, data.colours, data.unit, data.decimals, lang, data.selected,
                data.geometry_url, cats=list(data.names))


def category_legend(data: CategoryMap, lang: str) -> list[Any]:
    """Children of the map legend (``ids.LEGEND``) for a map mode, in the shape of ``mapview.legend``."""
    items = legend_items(data.legend, lang)
    return [html.H3(t("legend", lang), className="legend-title"), html.Ul(items, className="legend-list")]

