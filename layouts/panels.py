"""Panels below the map: time series, ranking, area profile, indicator information."""

from __future__ import annotations

from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from layouts import ids
from layouts.aria import aria
from sozialmonitor.formatting import format_number, format_value, period_label, plotly_separators, unit_affixes
from sozialmonitor.i18n import t
from sozialmonitor.results import IndicatorInfo, ProfileData, RankingData, SeriesData

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
LINE_COLOURS = ("#1b6ca8", "#d95f02", "#7570b3", "#1b9e77", "#e7298a", "#66a61e", "#a6761d", "#444444")


def _base_layout(lang: str, height: int, unit: str) -> dict[str, Any]:
    """What both panels' figures share. The unit is written above the plot, left-aligned and horizontal (as
    official statistics print it): a rotated axis title was cut off at phone width ("/km²"). Axes grow their
    margins to fit their labels (``automargin``)."""
    return {
        "separators": plotly_separators(lang), "height": height, "margin": {"l": 16, "r": 16, "t": 32, "b": 16},
        "font": {"family": FONT, "size": 13, "color": "#1f1f1f"}, "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff", "hoverlabel": {"font": {"family": FONT}},
        # below everything, tick labels included (at y=-0.2 of the plot it covered rotated dates)
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        "title": {"text": unit, "x": 0, "xref": "container", "xanchor": "left", "y": 1, "yref": "container",
                  "yanchor": "top", "pad": {"l": 8, "t": 8}, "font": {"size": 12, "color": "#555555"}},
    }


def _hover(unit: str, decimals: int, lang: str) -> str:
    """A hover value with its unit as format_value writes it (``33,7 Tsd. €``), in plotly's template syntax."""
    before, after = unit_affixes(unit, lang)
    return f"{before}%{{y:,.{max(decimals, 0)}f}}{after}"


Figure = dict[str, Any]  # a plotly figure as plain JSON: built without plotly's validation, which costs ~80 ms
EMPTY_FIGURE: Figure = {"data": [], "layout": {}}
SERIES_HEIGHT = 340
RANKING_HEIGHT = 300


def series_figure(data: SeriesData) -> Figure:
    lang = data.lang
    x = [period_label(p, lang) for p in data.periods]
    hover = _hover(data.unit, data.decimals, lang) + "<extra>%{fullData.name}</extra>"
    traces: list[dict[str, Any]] = [
        {"type": "scatter", "x": x, "y": list(data.band_high), "mode": "lines", "line": {"width": 0},
         "hoverinfo": "skip", "showlegend": False, "connectgaps": False},
        {"type": "scatter", "x": x, "y": list(data.band_low), "mode": "lines", "line": {"width": 0},
         "fill": "tonexty", "fillcolor": "rgba(120,120,120,0.18)", "name": t("band", lang), "hoverinfo": "skip",
         "connectgaps": False},
    ]
    if data.reference is not None:
        traces.append({"type": "scatter", "x": x, "y": list(data.reference.values), "mode": "lines+markers",
                       "name": data.reference.name, "line": {"color": "#000000", "dash": "dash", "width": 2},
                       "connectgaps": False, "hovertemplate": hover})
    for i, line in enumerate(data.lines):
        traces.append({"type": "scatter", "x": x, "y": list(line.values), "mode": "lines+markers", "name": line.name,
                       "line": {"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 2.5}, "connectgaps": False,
                       "hovertemplate": hover})
    layout = {**_base_layout(lang, SERIES_HEIGHT, data.unit),
              "yaxis": {"gridcolor": "#e5e5e5", "tickformat": f",.{max(data.decimals, 0)}f", "automargin": True},
              "xaxis": {"type": "category", "automargin": True}}
    return {"data": traces, "layout": layout}


BAR_LIMIT = 600  # above this, one SVG bar per area makes plotly slow: draw filled areas per class instead
RANK_POINTS = 600  # sampled ranks of the ranking curve above BAR_LIMIT


def ranking_figure(data: RankingData) -> Figure:
    lang = data.lang
    n = len(data.codes)
    ranks = list(range(1, n + 1))
    hover = ("%{text}: " + _hover(data.unit, data.decimals, lang) + "<br>"
             + t("rank", lang, rank="%{x}", n=n) + "<extra></extra>")
    traces: list[dict[str, Any]] = []
    if n <= BAR_LIMIT:
        colours = ["#000000" if c in data.selected else colour for c, colour in zip(data.codes, data.colours,
                                                                                   strict=True)]
        traces.append({"type": "bar", "x": ranks, "y": list(data.values), "customdata": list(data.codes),
                       "text": list(data.names), "textposition": "none",
                       "marker": {"color": colours, "line": {"width": 0}}, "hovertemplate": hover})
    else:
        # One filled area per class colour, drawn through at most ~RANK_POINTS sampled ranks (the curve of
        # sorted values is smooth): a handful of SVG paths and a few kB instead of thousands of bars.
        step = max(1, -(-n // RANK_POINTS))
        start = 0
        while start < n:
            end = start
            while end < n and data.colours[end] == data.colours[start]:
                end += 1
            last = min(end, n - 1)  # close the gap to the next class
            picks = sorted({*range(start, last + 1, step), start, last})
            traces.append({"type": "scatter", "x": [ranks[i] for i in picks], "y": [data.values[i] for i in picks],
                           "mode": "lines", "fill": "tozeroy", "line": {"width": 0.5, "color": data.colours[start]},
                           "fillcolor": data.colours[start], "customdata": [data.codes[i] for i in picks],
                           "text": [data.names[i] for i in picks], "hovertemplate": hover, "showlegend": False})
            start = end
        chosen = [i for i, c in enumerate(data.codes) if c in data.selected]
        if chosen:
            traces.append({"type": "scatter", "x": [ranks[i] for i in chosen], "y": [data.values[i] for i in chosen],
                           "mode": "markers", "marker": {"color": "#000000", "size": 9},
                           "customdata": [data.codes[i] for i in chosen], "text": [data.names[i] for i in chosen],
                           "hovertemplate": hover, "showlegend": False})
    layout: dict[str, Any] = {
        **_base_layout(lang, RANKING_HEIGHT, data.unit), "bargap": 0.05, "showlegend": False,
        "xaxis": {"title": {"text": t("rank_note", lang)}, "showgrid": False, "automargin": True},
        "yaxis": {"gridcolor": "#e5e5e5", "tickformat": f",.{max(data.decimals, 0)}f", "automargin": True},
    }
    if data.reference is not None:
        layout["shapes"] = [{"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": data.reference,
                             "y1": data.reference, "line": {"color": "#000000", "dash": "dash"}}]
        layout["annotations"] = [{"xref": "x domain", "x": 1, "yref": "y", "y": data.reference, "showarrow": False,
                                  "text": data.reference_label, "xanchor": "right", "yanchor": "bottom"}]
    return {"data": traces, "layout": layout}


Element = dict[str, Any]  # an html element as the plain JSON Dash sends ({"type", "namespace", "props"})


def element(tag: str, children: Any = None, **props: Any) -> Element:
    """An html element without building a Dash component (which validates every prop): for the tables a panel
    sends with every click — the renderer receives exactly the same JSON."""
    if children is not None:
        props["children"] = children
    return {"type": tag, "namespace": "dash_html_components", "props": props}


def profile(data: ProfileData | None, lang: str) -> html.Div:
    if data is None:
        return html.Div(html.P(t("profile_hint", lang), className="hint"), id=ids.PROFILE)
    head = element("Tr", [element("Th", t(k, lang), scope="col") for k in
                          ("col_indicator", "col_period", "col_value", "col_reference", "col_difference",
                           "col_assessment")])
    body = []
    for row in data.rows:
        mark = element("Span", t(row.assessment, lang), className=f"mark mark-{row.assessment}")
        body.append(element("Tr", [
            element("Th", row.label, scope="row"), element("Td", row.period, className="date"),
            element("Td", row.value, className="num"), element("Td", row.reference, className="num"),
            element("Td", row.difference, className="num"), element("Td", [_spine(row.z), mark])]))
    children: Any = [
        html.H3(t("profile_of", lang, name=f"{data.name} ({data.code})")),
        # on a phone the table scrolls in its own box (reachable by keyboard), not the whole page sideways
        element("Div", element("Table", [element("Thead", head), element("Tbody", body)], className="profile-table"),
                className="table-scroll", tabIndex=0, role="region", **{"aria-label": t("panel_profile", lang)}),
        html.P("* " + t("reference_median", lang), className="hint"),
    ]
    return html.Div(id=ids.PROFILE, children=children)


def _spine(z: float | None) -> Element:
    """A small bar: position of the area relative to the reference in standard deviations (±3)."""
    if z is None:
        return element("Span")
    clipped = max(-3.0, min(3.0, z))
    width = abs(clipped) / 3 * 50
    left = 50 if clipped >= 0 else 50 - width
    return element("Span", className="spine", **aria(hidden="true"), children=[
        element("Span", className="spine-bar", style={"left": f"{left:.1f}%", "width": f"{width:.1f}%"})])


def indicator_info(info: IndicatorInfo | None, lang: str) -> html.Div:
    if info is None:
        return html.Div(id=ids.INFO)
    spec = info.spec
    rows = [
        ("info_definition", spec.definition_en if lang == "en" and spec.definition_en else spec.definition_de),
        ("info_unit", spec.unit_en if lang == "en" and spec.unit_en else spec.unit),
        ("info_polarity", t(f"polarity_{spec.polarity}", lang)),
        ("info_latest", period_label(info.latest, lang) if info.latest else "–"),
        ("info_source", spec.source),
        ("info_licence", spec.licence),
        ("info_geometry", f"{info.geometry_source} ({info.geometry_licence})"),
    ]
    # which disclosure rule applies (sozialmonitor/access.py): confidentiality and reliability, kept apart
    if spec.min_count is not None:
        key = "info_secret_count" if spec.aggregation == "sum" else "info_secret_rate"
        rows.append(("info_confidentiality", t(key, lang, n=format_number(spec.min_count, 0, lang))))
    if spec.min_denominator is not None:
        rows.append(("info_reliability", t("info_low_base", lang, n=format_number(spec.min_denominator, 0, lang))))
    return html.Div(id=ids.INFO, children=[
        html.H3(spec.name(lang)),
        html.Dl([item for key, value in rows for item in (html.Dt(t(key, lang)), html.Dd(value or "–"))],
                className="info-list"),
    ])


GRAPH_CONFIG: dcc.Graph.Config = {"displaylogo": False, "displayModeBar": "hover"}
"""The toolbar (modebar) shows on hover or keyboard focus only; on phones, where nothing hovers, only on focus
(assets/style.css): it covered the small charts. Its buttons are <button>s, reachable by keyboard."""


def graph(graph_id: str, figure: Figure | None = None) -> dcc.Graph:
    """A panel's plotly graph, as the browser mounts it into its slot (see ``graph_slot``)."""
    return dcc.Graph(id=graph_id, figure=figure or EMPTY_FIGURE, config=GRAPH_CONFIG, className="graph")


def skeleton(text: str) -> html.Div:
    """A placeholder where a chart will be: a grey box (the chart's size, so the page does not jump) with an
    accessible status text, replaced by the chart once it mounts."""
    return html.Div(html.Span(text, className="skeleton-text"), className="skeleton", role="status")


def graph_slot(slot_id: str, figure_id: str, figure: Figure | None, height: int, lang: str) -> list[Component]:
    """Where a panel's graph will be, and its figure meanwhile.

    A dcc.Graph that mounts makes Dash fetch and evaluate plotly.js (~4.8 MB), which would compete with the map's
    geometry download and drawing. So the graph mounts only once the map shows its colours, in the browser and
    without a request (assets/graphs.js; callbacks/dashboard.py ``register_graph_mounts``). Until then its figure
    waits in a store, which the main callback writes as well: the graph mounts with the latest figure, and later
    ones reach it from there. Meanwhile the slot holds a :func:`skeleton` of the graph's height ("wird geladen"),
    so the page neither jumps nor shows an unexplained empty box.
    """
    return [dcc.Store(id=figure_id, data=figure or EMPTY_FIGURE),
            html.Div(skeleton(t("loading_chart", lang)), id=slot_id, className="graph-slot",
                     style={"minHeight": f"{height}px"})]


def value_text(value: float | None, unit: str, decimals: int, lang: str) -> str:
    return format_value(value, unit, decimals, lang)
