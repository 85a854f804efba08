"""The page: header, notices, controls, map or table, panels, footer.

Built server-side from the URL query, so the first response already holds the map's colours (the
GeoJSON hideout) — no callback has to race the geometry download.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from dash import dcc, html
from dash._utils import to_json
from dash.development.base_component import Component

from layouts import ids
from layouts.analytics import analytics_section
from layouts.aria import aria
from layouts.controls import controls
from layouts.mapview import map_section, map_title
from layouts.panels import (
    RANKING_HEIGHT,
    SERIES_HEIGHT,
    graph_slot,
    indicator_info,
    profile,
    ranking_figure,
    series_figure,
)
from layouts.table import table_section
from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.formatting import period_label
from sozialmonitor.i18n import t
from sozialmonitor.results import Panels, ViewModel
from sozialmonitor.view import Notice, ViewState, to_query


def notices(items: Sequence[Notice], lang: str, error: str | None = None) -> html.Div:
    children = [html.P(t(n.key, lang, **n.params), className="notice") for n in items]
    if error:
        children.insert(0, html.P(error, className="notice notice-error", role="alert"))
    return html.Div(children, id=ids.NOTICES, className="notices", role="status", **aria(live="polite"))


def lang_href(state: ViewState) -> str:
    other = "en" if state.lang == "de" else "de"
    query = to_query(replace(state, lang=other))
    return "/?" + query if query else "/"


def copy_texts(lang: str) -> dict[str, Any]:
    """What the status next to "Link kopieren" says (set in the browser, callbacks/dashboard.py)."""
    return {"data-done": t("link_copied", lang), "data-failed": t("link_copy_failed", lang)}


def header(state: ViewState, account: Component | None = None) -> html.Header:
    lang = state.lang
    return html.Header(className="site-header", children=[
        html.A(t("skip_to_content", lang), href="#main", className="skip-link"),
        html.Div(className="brand", children=[
            html.H1(t("app_title", lang)),
            html.P(t("app_subtitle", lang), className="subtitle"),
        ]),
        html.Nav(className="header-actions", **aria(label=t("language", lang)), children=[
            html.A(t("lang_switch", lang), href=lang_href(state), id=ids.LANG_LINK, className="button-link",
                   lang="en" if lang == "de" else "de", title=t("lang_switch_label", lang)),
            html.Button(t("copy_link", lang), id=ids.COPY_LINK, className="button-link copy-button", type="button"),
            html.Span(id=ids.COPY_STATUS, className="copy-status", role="status", **aria(live="polite"),
                      **copy_texts(lang)),
        ]),
        *([account] if account is not None else []),
    ])


def footer(model: ViewModel) -> html.Footer:
    lang = model.state.lang
    sources = []
    if model.info is not None:
        sources.append(html.Li(f"{t('info_geometry', lang)}: {model.info.geometry_source} "
                               f"({model.info.geometry_licence})"))
        sources.append(html.Li(f"{t('info_source', lang)}: {model.info.spec.source} ({model.info.spec.licence})"))
    return html.Footer(className="site-footer", children=[
        html.H2(t("footer_sources", lang)), html.Ul(sources, id="footer-sources"),
    ])


def page(model: ViewModel, panels: Panels | None = None, basemap_url: str | None = None, error: str | None = None,
         account: Component | None = None, audience: Audience = PUBLIC) -> html.Div:
    """The whole page for a resolved view, with the open panels (and the table) already filled: a new page
    fires no callback of its own."""
    state = model.state
    lang = state.lang
    panels = panels or Panels()
    if model.map is None:
        return html.Div(lang=lang, className="page", children=[
            header(state, account), html.Main(id="main", children=[notices(model.notices, lang, error)])])
    return html.Div(lang=lang, className="page", children=[
        dcc.Store(id=ids.QUERY, data=to_query(state)),
        dcc.Store(id=ids.SELECTION_PAINTED),
        dcc.Store(id=ids.PERIOD_LABELS, data=[period_label(p, lang) for p in model.periods]),
        dcc.Store(id=ids.PAINT),
        dcc.Store(id=ids.PAINT_DONE),
        dcc.Store(id=ids.GRAPHS_READY),
        header(state, account),
        html.Main(id="main", className="layout", children=[
            notices(model.notices, lang, error),
            html.Aside(controls(model), className="sidebar", **aria(label=t("controls", lang))),
            html.Div(className="content", children=[
                html.H2(map_title(model.state, model.map.name), id=ids.MAP_TITLE, className="map-title"),
                html.P(model.map.derived_from or "", id=ids.DERIVED_NOTE, className="hint"),
                map_section(model, basemap_url),
                table_section(model, with_grid=panels.table),
                html.Div(className="downloads", children=[
                    html.Button(t("download_csv", lang), id=ids.DOWNLOAD_CSV, className="button", type="button"),
                    html.Button(t("download_xlsx", lang), id=ids.DOWNLOAD_XLSX, className="button",
                                type="button"),
                    html.Button(t("download_all", lang), id=ids.DOWNLOAD_ALL, className="button", type="button"),
                    dcc.Download(id=ids.DOWNLOAD),
                ]),
                html.Div(className="panels", children=[
                    html.Section(id=ids.SERIES_SECTION, className="panel", hidden="series" not in state.panels,
                                 **aria(labelledby="h-series"), children=[
                        html.H2(t("panel_series", lang), id="h-series"),
                        *graph_slot(ids.SERIES_SLOT, ids.SERIES_FIGURE,
                                    series_figure(panels.series) if panels.series else None, SERIES_HEIGHT,
                                    lang)]),
                    html.Section(id=ids.RANKING_SECTION, className="panel",
                                 hidden="ranking" not in state.panels or state.view != "map",
                                 **aria(labelledby="h-ranking"), children=[
                        html.H2(t("panel_ranking", lang), id="h-ranking"),
                        *graph_slot(ids.RANKING_SLOT, ids.RANKING_FIGURE,
                                    ranking_figure(panels.ranking) if panels.ranking else None, RANKING_HEIGHT,
                                    lang)]),
                    html.Section(id=ids.PROFILE_SECTION, className="panel panel-wide",
                                 hidden="profile" not in state.panels, **aria(labelledby="h-profile"), children=[
                        html.H2(t("panel_profile", lang), id="h-profile"), profile(panels.profile, lang)]),
                    html.Section(className="panel panel-wide", **aria(labelledby="h-info"), children=[
                        html.H2(t("panel_info", lang), id="h-info"), indicator_info(model.info, lang)]),
                    analytics_section(model, audience),
                ]),
            ]),
        ]),
        footer(model),
    ])


def plain(component: Component) -> dict[str, Any]:
    """A component tree as the plain JSON Dash sends (``{"type", "namespace", "props"}``): what a shared cache
    keeps of a page, sent again without building a component."""
    return json.loads(to_json(component))  # type: ignore[no-any-return]


def error_page(state: ViewState, message: str) -> html.Div:
    return html.Div(lang=state.lang, className="page", children=[
        header(state), html.Main(id="main", className="layout", children=[notices([], state.lang, message)])])
