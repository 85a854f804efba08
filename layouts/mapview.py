"""The map (dash-leaflet), its legend and title, and the map as a table (shown by layouts/table.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import dash_leaflet as dl
import pandas as pd
from dash import dcc, html
from dash_extensions.javascript import Namespace

from layouts import ids
from layouts.aria import aria
from sozialmonitor.formatting import format_range, format_value, period_label, unit_affixes
from sozialmonitor.i18n import t
from sozialmonitor.palettes import LOW_BASE_FILL, MISSING_FILL, SUPPRESSED_FILL
from sozialmonitor.results import SUPPRESSED, LegendEntry, MapData, ViewModel
from sozialmonitor.view import ViewState, to_query

# the map's fills of areas without a class; a rate on a small base is hatched (an SVG pattern assets/map.js adds),
# plain on the canvas a map of more than CANVAS areas is drawn on
FILLS = {"no_data": MISSING_FILL, "suppressed": SUPPRESSED_FILL, "low_base": "url(#sm-hatch)"}
CANVAS_FILLS = {**FILLS, "low_base": LOW_BASE_FILL}
CANVAS = 2000
INLINE_VALUES = 3000  # areas up to which a switch carries the values for tooltips (see hideout)
# Area outlines: a level with more than CANVAS areas gets thin, light ones — at national zoom 10,997 dark
# Gemeinde outlines were most of what one saw (the map turned grey-brown); its fills show the borders anyway.
EDGE = {"weight": 0.5, "color": "#5a5a5a", "opacity": 1}
FINE_EDGE = {"weight": 0.25, "color": "#8c8c8c", "opacity": 0.5}

MAP_JS = Namespace("sozialmonitor", "map")  # functions in assets/map.js


def hideout(data: MapData) -> dict[str, Any]:
    """The map's wire format: what the style function in assets/map.js needs, aligned to the geometry's feature
    order ``i``. Above ``INLINE_VALUES`` areas the values stay on the server and a tooltip asks for its area's
    value and rank when it opens (``tq``: the view's query for ``/tooltip``) — a switch then carries classes only."""
    state = data.state
    lazy = len(data.codes) > INLINE_VALUES
    return wire(
        data.classes,
        # display precision is all the tooltip shows (and ranks use): fewer bytes per switch
        None if lazy else [None if v is None else (round(v) if data.decimals <= 0 else round(v, data.decimals))
                           for v in data.values],
        data.palette, data.unit, data.decimals, state.lang, sorted(data.codes_index(state.selected)),
        data.geometry_url, tq=to_query(replace(state, selected=(), lat=None, lon=None, zoom=None)) if lazy else None)


def wire(classes: Sequence[int], values: Sequence[float | None] | None, colours: Sequence[str], unit: str,
         decimals: int, lang: str, selected: Sequence[int], geometry_url: str, *, tq: str | None = None,
         **extra: Any) -> dict[str, Any]:
    """The ``hideout`` assets/map.js reads, for the indicator map and the analytics' map modes alike: a class per
    feature index (``-1`` no data, ``-2`` suppressed), tooltip values (or ``tq`` to ask ``/tooltip``), colours,
    the selected feature indices; ``extra`` adds fields of a mode (``cats``)."""
    return {"cls": list(classes), "tq": tq, "val": None if values is None else list(values), "colors": list(colours),
            "unit": unit, "affix": list(unit_affixes(unit, lang)), "dec": decimals, "lang": lang,
            "n": sum(1 for c in classes if c >= 0), "sel": list(selected),
            "labels": tooltip_labels(lang), "geo": geometry_url,
            "fill": CANVAS_FILLS if len(classes) > CANVAS else FILLS,
            "edge": FINE_EDGE if len(classes) > CANVAS else EDGE, **extra}


def tooltip_labels(lang: str) -> dict[str, str]:
    return {"no_data": t("no_data", lang), "suppressed": t("suppressed", lang), "low_base": t("low_base", lang),
            "rank": t("rank", lang, rank="{rank}", n="{n}")}


def map_title(state: ViewState, name: str) -> str:
    """"S4 Kinderarmut · 31.12.2018", or the change between two periods."""
    if state.mode == "change" and state.base:
        when = t("change_title", state.lang, base=period_label(state.base, state.lang),
                 period=period_label(state.period or "", state.lang))
    else:
        when = period_label(state.period or "", state.lang)
    return f"{name} · {when}"


def legend_label(entry: LegendEntry, decimals: int, lang: str) -> str:
    """A class by its range in the language's number format, a category by its name."""
    if entry.kind == "class" and entry.lower is not None and entry.upper is not None:
        return format_range(entry.lower, entry.upper, decimals, lang, first=entry.first)
    if entry.kind in ("no_data", "suppressed", "low_base"):
        return t(entry.kind, lang)
    return entry.label


def rough_zoom(bounds: tuple[tuple[float, float], tuple[float, float]], width: int = 720, height: int = 470) -> float:
    """The web-mercator zoom at which ``bounds`` fit a map of about ``width`` × ``height`` pixels."""
    (south, west), (north, east) = bounds

    def mercator(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    zoom_x = math.log2(width * 360 / (256 * max(east - west, 1e-9)))
    zoom_y = math.log2(height * 2 * math.pi / (256 * max(mercator(north) - mercator(south), 1e-9)))
    return math.floor(min(zoom_x, zoom_y) * 4) / 4


def map_aspect(bounds: tuple[tuple[float, float], tuple[float, float]]) -> float:
    """Width / height of ``bounds`` on the (web-mercator) map: on phones the map takes this shape, so that the
    level fills it (assets/style.css ``--map-aspect``), clamped to shapes a phone can show."""
    (south, west), (north, east) = bounds

    def mercator(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width = math.radians(max(east - west, 1e-9))
    height = max(mercator(north) - mercator(south), 1e-9)
    return round(min(max(width / height, 0.6), 2.0), 3)


def map_shape(model: ViewModel) -> dict[str, str]:
    """The map's style: its shape as a CSS variable (used at phone width only)."""
    return {"--map-aspect": str(map_aspect(model.bounds))} if model.bounds else {}


def fit_bounds(model: ViewModel) -> dict[str, Any] | None:
    """The viewport that fits the level, unless the link names a map position."""
    state = model.state
    if model.bounds is None or (state.lat is not None and state.lon is not None and state.zoom is not None):
        return None
    return {"bounds": [list(model.bounds[0]), list(model.bounds[1])], "transition": "fitBounds",
            "options": {"animate": False}}


def legend_items(entries: Sequence[LegendEntry], lang: str, decimals: int = 0) -> list[html.Li]:
    """One list item per legend entry: swatch (the map's own fills for no data and suppressed), label, count."""
    items = []
    for entry in entries:
        if entry.kind == "class":
            swatch = html.Span(className="swatch", style={"backgroundColor": entry.colour})
        else:
            fills = {"no_data": {"backgroundColor": MISSING_FILL}, "suppressed": {"backgroundColor": SUPPRESSED_FILL}}
            swatch = html.Span(className=f"swatch swatch-{entry.kind.replace('_', '-')}",  # low_base: hatched (CSS)
                               style=fills.get(entry.kind, {}))
        count = t("area_count_one", lang) if entry.count == 1 else t("areas_count", lang, n=entry.count)
        items.append(html.Li([swatch, html.Span(legend_label(entry, decimals, lang), className="legend-label"),
                              html.Span(count, className="legend-count")], className=f"legend-{entry.kind}"))
    return items


def legend(data: MapData) -> html.Div:
    lang = data.state.lang
    items = legend_items(data.legend, lang, data.legend_decimals)
    unit = html.Span(f" ({data.unit})", className="legend-unit") if data.unit else None
    return html.Div([html.H3([t("legend", lang), unit], className="legend-title"),
                     html.Ul(items, className="legend-list")], id=ids.LEGEND, className="legend")


def keyboard_labels(lang: str) -> dict[str, Any]:
    """What assets/mapkeys.js says besides an area's tooltip line, as data attributes of the live region."""
    return {"data-selected": t("map_area_selected", lang, name="{name}"),
            "data-deselected": t("map_area_deselected", lang, name="{name}"),
            "data-mark": t("map_selected_mark", lang), "data-edge": t("map_no_area_there", lang),
            "data-zoom-in": t("map_zoom_in", lang), "data-zoom-out": t("map_zoom_out", lang)}


def map_section(model: ViewModel, basemap_url: str | None) -> html.Section:
    data = model.map
    state = model.state
    lang = state.lang
    assert data is not None
    center_zoom: dict[str, Any]
    if state.lat is not None and state.lon is not None and state.zoom is not None:
        center_zoom = {"center": [state.lat, state.lon], "zoom": state.zoom}
    elif model.bounds:
        (south, west), (north, east) = model.bounds
        # Open near the level's extent; a clientside callback then fits the exact bounds once the map
        # knows its size (dash-leaflet re-applies center/zoom props over an initial `viewport`).
        center_zoom = {"center": [(south + north) / 2, (west + east) / 2], "zoom": rough_zoom(model.bounds)}
    else:
        center_zoom = {"center": [51.2, 10.4], "zoom": 6}
    layers: list[Any] = []
    if basemap_url:
        layers.append(dl.TileLayer(id=ids.BASEMAP, url=basemap_url, attribution=t("basemap_attribution", lang)))
    layers.append(dl.GeoJSON(
        id=ids.AREAS, url=data.geometry_url, hideout=hideout(data),
        style=MAP_JS("style"), onEachFeature=MAP_JS("bindTooltip"),
        attribution=f"{model.info.geometry_source} ({model.info.geometry_licence})" if model.info else None,
    ))
    layers.append(dl.GeoJSON(id=ids.PARENT_OUTLINE, url=data.outline_url or "", interactive=False,
                             style=MAP_JS("outline"), hideout={"show": bool(data.outline_url)}))
    return html.Section(id=ids.MAP_SECTION, className="map-section", hidden=state.view != "map",
                        **aria(label=t("map_label", lang, title=map_title(state, data.name))), children=[
        html.Div(className="map-frame", children=[
            # keyboard=True: Leaflet's + / − zoom and Shift+arrow pan; the arrow keys step through the areas
            dl.Map(id=ids.MAP, children=layers, className="map", preferCanvas=len(data.codes) > CANVAS,
                   zoomSnap=0.25, trackViewport=True, keyboard=True, attributionControl=True, style=map_shape(model),
                   **center_zoom),
            # until the map shows its colours (hidden by assets/graphs.js mapPainted)
            html.Div(html.Span(t("loading_map", lang), className="skeleton-text"), id=ids.MAP_LOADING,
                     className="map-loading skeleton", role="status"),
            html.P(id=ids.MAP_ANNOUNCE, className="map-announce", role="status", **aria(live="polite"),
                   **keyboard_labels(lang)),
            html.P(t("map_keys_help", lang), id=ids.MAP_KEYS_HELP, className="hint map-keys-help"),
        ]),
        legend(data),
        dcc.Store(id=ids.INITIAL_VIEWPORT, data=fit_bounds(model)),
    ])


def table_frame(data: MapData) -> pd.DataFrame:
    """The map as a table: same values, classes and statuses (for screen readers and downloads)."""
    lang = data.state.lang
    labels = [legend_label(e, data.legend_decimals, lang) for e in data.legend if e.kind == "class"]
    rows = []
    for code, name, value, status, k in zip(data.codes, data.names, data.values, data.statuses, data.classes,
                                            strict=True):
        rows.append({
            "area_id": code, "name": name, "value": value,
            "value_text": format_value(value, data.unit, data.decimals, lang) if value is not None else
            (t("suppressed", lang) if k == SUPPRESSED else t("no_data", lang)),
            "class": k + 1 if k >= 0 else None,
            "class_label": labels[k] if k >= 0 else "",  # no class: the status says why
            "status": status,
            "status_text": t(f"status_{status}", lang),
        })
    return pd.DataFrame(rows)

