"""The control panel: frame, level, indicator, period, display mode, classification, palette, selection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from layouts import ids
from sozialmonitor.classify import K_RANGE, METHODS
from sozialmonitor.formatting import period_label
from sozialmonitor.i18n import t
from sozialmonitor.palettes import DIVERGING, SEQUENTIAL
from sozialmonitor.results import IndicatorOption, Option, ViewModel
from sozialmonitor.view import PANELS, ViewState


def dropdown_labels(lang: str) -> dcc.Dropdown.Labels:
    if lang == "en":
        return {}
    return {"select_all": "Alle auswählen", "deselect_all": "Auswahl aufheben",
            "selected_count": "{num_selected} ausgewählt",  # Dash fills in {num_selected}
            "search": "Suchen", "clear_search": "Suche leeren", "clear_selection": "Auswahl leeren",
            "no_options_found": "Keine Treffer"}


def options(items: Sequence[Option]) -> list[dict[str, str]]:
    return [{"label": o.label, "value": o.value} for o in items]


def indicator_options(items: Sequence[IndicatorOption]) -> list[dict[str, Any]]:
    """Indicators grouped by topic: a disabled heading per topic, then its indicators."""
    out: list[dict[str, Any]] = []
    topic = None
    for item in items:
        if item.topic != topic:
            topic = item.topic
            out.append({"label": html.Strong(topic), "value": f"__topic__{topic}", "disabled": True,
                        "search": f"{topic}"})
        out.append({"label": item.label, "value": item.id, "search": f"{item.topic} {item.search}"})
    return out


def period_marks(periods: Sequence[str], lang: str) -> dict[int, dict[str, Any]]:
    step = max(1, -(-len(periods) // 4))  # at most ~4 labels fit the sidebar; every period stays selectable
    marks: dict[int, dict[str, Any]] = {}
    for i, p in enumerate(periods):
        label = period_label(p, lang) if ((i % step == 0 and (len(periods) - 1 - i >= step or i == 0))
                                          or i == len(periods) - 1) else ""
        marks[i] = {"label": label}
    return marks


def method_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"method_{m}", lang), "value": m} for m in METHODS]


def palette_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t("palette_auto", lang), "value": "auto"},
            *({"label": name, "value": name} for name in SEQUENTIAL + DIVERGING)]


def breaks_text(state: ViewState) -> str:
    return "; ".join(f"{b:g}".replace(".", ",") if state.lang == "de" else f"{b:g}" for b in state.breaks)


def field(label: str, control: Any, control_id: str, *, hidden: bool = False,
          row_id: str | None = None) -> html.Div:
    kwargs: dict[str, Any] = {"id": row_id} if row_id else {}
    return html.Div([html.Label(label, htmlFor=control_id, className="field-label"), control],
                    className="field", hidden=hidden, **kwargs)


def controls(model: ViewModel) -> html.Details:
    state = model.state
    lang = state.lang
    periods = model.periods
    period_index = periods.index(state.period) if state.period in periods else max(len(periods) - 1, 0)
    earlier = [p for p in periods if p < (state.period or "")]
    return html.Details(open=True, id=ids.CONTROLS, className="controls", children=[
        html.Summary(t("controls", lang), className="controls-summary"),
        field(t("frame", lang), dcc.Dropdown(id=ids.FRAME, options=options(model.frames), value=state.frame,
                                             clearable=False, searchable=False, labels=dropdown_labels(lang)),
              ids.FRAME),
        field(t("level", lang), dcc.Dropdown(id=ids.LEVEL, options=options(model.levels), value=state.level,
                                             clearable=False, searchable=False, labels=dropdown_labels(lang)),
              ids.LEVEL),
        field(t("indicator", lang), dcc.Dropdown(
            id=ids.INDICATOR, options=indicator_options(model.indicators), value=state.indicator, clearable=False,
            placeholder=t("indicator_search", lang), maxHeight=360, optionHeight=36,
            labels=dropdown_labels(lang)), ids.INDICATOR),
        html.Div(className="field", children=[
            html.Label(t("period", lang), htmlFor=ids.PERIOD, className="field-label"),
            html.Output(period_label(state.period or "", lang), id=ids.PERIOD_LABEL, className="period-value",
                        htmlFor=ids.PERIOD),
            dcc.Slider(id=ids.PERIOD, min=0, max=max(len(periods) - 1, 0), step=1, value=period_index,
                       marks=period_marks(periods, lang), included=False, updatemode="mouseup"),
        ]),
        html.Fieldset(className="field", children=[
            html.Legend(t("mode", lang), className="field-label"),
            dcc.RadioItems(id=ids.MODE, value=state.mode, inline=True, className="radio-row", options=[
                {"label": t("mode_value", lang), "value": "value"},
                {"label": t("mode_change", lang), "value": "change"}]),
        ]),
        html.Div(id=ids.CHANGE_ROW, hidden=state.mode != "change", children=[
            field(t("base_period", lang), dcc.Dropdown(
                id=ids.BASE, options=[{"label": period_label(p, lang), "value": p} for p in earlier],
                value=state.base, clearable=False, searchable=False, labels=dropdown_labels(lang)), ids.BASE),
            html.Fieldset(className="field", children=[
                html.Legend(t("change_kind", lang), className="field-label"),
                dcc.RadioItems(id=ids.CHANGE, value=state.change, inline=True, className="radio-row", options=[
                    {"label": t("change_abs", lang), "value": "abs"},
                    {"label": t("change_rel", lang), "value": "rel"}]),
            ]),
        ]),
        field(t("method", lang), dcc.Dropdown(id=ids.METHOD, options=method_options(lang), value=state.method,
                                              clearable=False, searchable=False, labels=dropdown_labels(lang)),
              ids.METHOD),
        field(t("manual_breaks", lang), dcc.Input(id=ids.BREAKS, type="text", value=breaks_text(state),
                                                  debounce=True, className="text-input",
                                                  # "decimal" is a valid HTML inputmode (a keypad with the
                                                  # decimal separator); Dash's list of values lacks it
                                                  inputMode="decimal"),  # type: ignore[arg-type]
              ids.BREAKS, hidden=state.method != "manual", row_id=ids.MANUAL_ROW),
        html.Div(className="field", children=[
            html.Label(t("classes", lang), htmlFor=ids.K, className="field-label"),
            dcc.Slider(id=ids.K, min=K_RANGE[0], max=K_RANGE[1], step=1, value=state.k,
                       marks={k: str(k) for k in range(K_RANGE[0], K_RANGE[1] + 1)}, included=False),
        ]),
        dcc.Checklist(id=ids.FIXED, className="check", value=["fixed"] if state.fixed else [],
                      options=[{"label": t("fixed_breaks", lang), "value": "fixed"}]),
        field(t("palette", lang), dcc.Dropdown(id=ids.PALETTE, options=palette_options(lang), value=state.palette,
                                               clearable=False, searchable=False, labels=dropdown_labels(lang)),
              ids.PALETTE),
        dcc.Checklist(id=ids.OUTLINE, className="check", value=["outline"] if state.outline else [],
                      options=[{"label": t("outline", lang), "value": "outline"}]),
        html.Fieldset(className="field", children=[
            html.Legend(t("view_as", lang), className="field-label"),
            dcc.RadioItems(id=ids.VIEW, value=state.view, inline=True, className="radio-row", options=[
                {"label": t("view_map", lang), "value": "map"},
                {"label": t("view_table", lang), "value": "table"}]),
        ]),
        html.Fieldset(className="field", children=[
            html.Legend(t("panels_shown", lang), className="field-label"),
            dcc.Checklist(id=ids.PANELS, className="check", value=list(state.panels),
                          options=[{"label": t(f"panel_{p}", lang), "value": p} for p in PANELS]),
        ]),
        field(t("selected_areas", lang), dcc.Dropdown(
            id=ids.SELECTED, multi=True, value=list(state.selected), placeholder=t("select_hint", lang),
            options=selected_options(model), labels=dropdown_labels(lang)), ids.SELECTED),
    ])


ALL_OPTIONS = 600  # levels up to this many areas offer every area in the picker (sent once per level)


def selected_options(model: ViewModel, search: str = "") -> list[dict[str, str]]:
    """Options of the area picker: every area of a small level (in code order, so a click need not send them
    again), else the selected areas plus the first matches of the search text."""
    data = model.map
    if data is None:
        return []
    needle = search.casefold().strip()
    if len(data.codes) <= ALL_OPTIONS and not needle:
        return [{"label": f"{n} ({c})", "value": c} for c, n in zip(data.codes, data.names, strict=True)]
    chosen = set(model.state.selected)
    out = [{"label": f"{n} ({c})", "value": c} for c, n in zip(data.codes, data.names, strict=True) if c in chosen]
    if needle:
        matches = [(c, n) for c, n in zip(data.codes, data.names, strict=True)
                   if c not in chosen and (needle in n.casefold() or c.startswith(needle))]
        out += [{"label": f"{n} ({c})", "value": c} for c, n in matches[:50]]
    return out
