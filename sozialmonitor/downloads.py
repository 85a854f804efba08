"""The dashboard's downloads: the current view as CSV or XLSX, and everything a visitor may see on a level as XLSX.

Made for people who open them in a spreadsheet program, and readable by pandas with the documented parameters
(README, "Downloads"):

- **Language decides the dialect.** German: ``;`` between fields, decimal comma, German headers; English: ``,``
  and decimal point, English headers — what Excel expects of a CSV opened by double-click in that locale. Both
  are UTF-8 **with BOM** (without it Excel reads umlauts as Windows-1252) and CRLF line ends. No thousands
  separators; a negative number has the ASCII minus (``-5,7``), so it stays a number.
- **Values are rounded to the catalogue's decimals** — half away from zero, as on screen
  (:func:`sozialmonitor.formatting.round_half_away`) — in change mode too, so no float noise
  (``-5.699999999999999``) reaches a file. A CSV writes exactly that many decimals; an XLSX stores the rounded
  number with a number format of that many decimals.
- **The CSV holds the data table only**: one header row, one row per area. No comment or metadata rows, which
  would break Excel's sorting, filters and pivot tables and need extra reader options. The XLSX carries the
  same table on the sheet "Daten"/"Data" and the metadata on "Metadaten"/"Metadata".
- **Numbers stay numbers, texts stay texts.** Only text cells get the formula guard
  (:func:`sozialmonitor.formatting.spreadsheet_text`); an empty value cell means no value, and the status columns
  say why — in words and as the machine status of the read API.

Values are read through the one values path only (``service.view`` for the current view, ``service.data.aligned``
for everything): visibility and disclosure control apply exactly as on screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from sozialmonitor.access import Audience
from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.errors import UnknownName
from sozialmonitor.formatting import format_range, format_value, round_half_away, spreadsheet_text
from sozialmonitor.i18n import t
from sozialmonitor.results import MapData, Option, ViewModel
from sozialmonitor.service import Service
from sozialmonitor.view import ViewState, to_query
from sozialmonitor.xlsx import MIMETYPE, Sheet, workbook

KINDS = ("csv", "xlsx", "all")
DIALECTS = {"de": (";", ","), "en": (",", ".")}  # language → (field separator, decimal mark)
BOM = "\ufeff"
CSV_MIMETYPE = "text/csv;charset=utf-8"

# machine name of a column → text key of its header
HEADERS = {
    "area_id": "col_area_id", "name": "col_area", "indicator_id": "col_indicator_id", "indicator": "col_indicator",
    "period": "col_period", "base_period": "base_period", "value": "col_value", "unit": "info_unit",
    "status": "col_status", "status_code": "col_status_code", "class": "col_class", "class_range": "col_class_range",
}
EVERYTHING = ("area_id", "name", "indicator_id", "indicator", "period", "value", "unit", "status", "status_code")


@dataclass(frozen=True)
class File:
    """A download: CSV as text (with its BOM), XLSX as bytes."""

    filename: str
    content: str | bytes
    mimetype: str


def rounded(value: float | None, decimals: int) -> float | None:
    """``value`` rounded to ``decimals`` places as on screen (half away from zero); ``None`` for no value or a
    non-finite one; ``-0.0`` becomes ``0.0``."""
    if value is None or not math.isfinite(value):
        return None
    return float(round_half_away(value, decimals)) + 0.0


def labelled(table: pd.DataFrame, lang: str, *, change: bool = False) -> pd.DataFrame:
    """``table`` with headers in the language (machine names → words) and every text cell guarded against
    running as a formula; numeric columns are left as they are."""
    out = table.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):  # each distinct text once: long tables repeat them
            guarded = {u: spreadsheet_text(u) for u in out[column].dropna().unique().tolist()}
            if any(k != v for k, v in guarded.items()):
                out[column] = out[column].map(guarded)
    names = {c: t(HEADERS[c], lang) for c in out.columns if c in HEADERS}
    if change:
        names["value"] = t("mode_change", lang)
    return out.rename(columns=names)


def csv_text(table: pd.DataFrame, decimals: int, lang: str) -> str:
    """A labelled table as CSV in the language's dialect (see the module docstring), BOM first; every float
    column with exactly ``decimals`` places (a view's table has one: the value)."""
    sep, decimal = DIALECTS["en" if lang == "en" else "de"]
    return BOM + table.to_csv(sep=sep, decimal=decimal, float_format=f"%.{decimals}f", index=False,
                              lineterminator="\r\n")


# --- the current view ----------------------------------------------------------------------------------------

def view_table(data: MapData) -> pd.DataFrame:
    """The current view, one row per area in code order (as the map and the read API): values rounded to the
    catalogue's decimals, the class and its range as in the legend, the status in words and as code."""
    state, lang = data.state, data.state.lang
    ranges = class_ranges(data)
    n = len(data.codes)
    table = pd.DataFrame({
        "area_id": list(data.codes), "name": list(data.names), "indicator_id": [state.indicator] * n,
        "indicator": [data.name] * n, "period": [state.period or ""] * n,
        "base_period": [state.base or ""] * n,
        "value": pd.Series([rounded(v, data.decimals) for v in data.values], dtype="float64"),
        "unit": [data.unit] * n,
        "status": [t(f"status_{s}", lang) for s in data.statuses], "status_code": list(data.statuses),
        "class": pd.array([k + 1 if k >= 0 else None for k in data.classes], dtype="Int64"),
        "class_range": [ranges[k] if k >= 0 else "" for k in data.classes],
    })
    return table if state.mode == "change" else table.drop(columns=["base_period"])


def class_ranges(data: MapData) -> list[str]:
    """Each class's range as the legend words it (``'> 10,00 – 15,00'``), in the view's language."""
    return [format_range(e.lower, e.upper, data.legend_decimals, data.state.lang, first=e.first)
            if e.lower is not None and e.upper is not None else e.label for e in data.legend if e.kind == "class"]


def view_metadata(model: ViewModel, link: str, now: datetime) -> pd.DataFrame:
    """What the view's numbers are: indicator, unit, definition, periods, mode, classification, source, licence,
    when the file was made and the link to the view — two columns, item and content."""
    data, state, lang = model.map, model.state, model.state.lang
    assert data is not None and model.info is not None
    spec = model.info.spec
    rows = [
        (t("col_indicator", lang), data.name), (t("col_indicator_id", lang), state.indicator),
        (t("info_unit", lang), data.unit), (t("info_definition", lang), _definition(spec, lang)),
        (t("frame", lang), _label(model.frames, state.frame)), (t("level", lang), _label(model.levels, state.level)),
        (t("col_period", lang), state.period or ""),
        (t("mode", lang), t(f"meta_change_{state.change}", lang, base=state.base) if state.mode == "change"
         else t("mode_value", lang)),
    ]
    classification = data.classification
    if classification.k > 0:
        method = t("meta_classes", lang, method=t(f"method_{classification.method}", lang), k=classification.k)
        fixed = state.fixed and state.mode == "value"
        rows.append((t("method", lang), f"{method}; {t('fixed_breaks', lang)}" if fixed else method))
    entries = [e for e in data.legend if e.kind == "class"]
    for n, (entry, words) in enumerate(zip(entries, class_ranges(data), strict=True), 1):
        count = t("area_count_one", lang) if entry.count == 1 else t("areas_count", lang, n=entry.count)
        rows.append((t("meta_class", lang, n=n), f"{words} ({count})"))
    if data.reference is not None:
        rows.append((data.reference_label, format_value(data.reference, data.unit, data.decimals, lang)))
    if data.derived_from:
        rows.append((t("meta_derived", lang), data.derived_from))
    rows += [
        (t("meta_rounding", lang), t("meta_rounding_text", lang, n=data.decimals)),
        (t("meta_empty", lang), t("meta_empty_text", lang)),
        (t("info_source", lang), spec.source), (t("info_licence", lang), spec.licence),
        (t("info_geometry", lang), f"{model.info.geometry_source} ({model.info.geometry_licence})"),
        (t("meta_generated", lang), now.isoformat(timespec="seconds")), (t("meta_link", lang), link),
    ]
    return _pairs(rows, lang)


def _definition(spec: IndicatorSpec, lang: str) -> str:
    return spec.definition_en if lang == "en" and spec.definition_en else spec.definition_de


def _unit(spec: IndicatorSpec, lang: str) -> str:
    return spec.unit_en if lang == "en" and spec.unit_en else spec.unit


def _label(options: Sequence[Option], value: str) -> str:
    return next((o.label for o in options if o.value == value), value)


def _pairs(rows: Sequence[tuple[str, str]], lang: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[t("meta_item", lang), t("meta_content", lang)])


# --- everything on a level -----------------------------------------------------------------------------------

def everything_tables(service: Service, state: ViewState, audience: Audience) -> tuple[
        pd.DataFrame, list[int], pd.DataFrame]:
    """Every indicator the audience may see on the view's level, every period, in long form (machine names
    :data:`EVERYTHING`), the decimals of each row, and one catalogue row per indicator. Values come from
    ``service.data.aligned`` — published values only: a secret cell has no value and the status ``secret``."""
    lang, frame, level = state.lang, state.frame, state.level
    specs = service.specs()
    if not service.may_see_level(frame, level, audience):  # default deny, whatever state a caller passes
        return pd.DataFrame(columns=list(EVERYTHING)), [], pd.DataFrame()
    indicators = sorted(i for i in service.availability(frame, level)
                        if i in specs and service.may_see_indicator(i, audience))
    areas = service.areas(frame, level)
    n = len(areas.codes)
    columns: dict[str, list[object]] = {c: [] for c in EVERYTHING}
    decimals: list[int] = []
    catalogue = []
    for indicator in indicators:
        spec = specs[indicator]
        periods = service.periods(frame, level, indicator)
        for period in periods:
            values, statuses = service.data.aligned(frame, level, indicator, period)
            columns["area_id"] += areas.codes
            columns["name"] += areas.names
            columns["indicator_id"] += [indicator] * n
            columns["indicator"] += [spec.name(lang)] * n
            columns["period"] += [period] * n
            columns["value"] += [rounded(v, spec.decimals) for v in values]
            columns["unit"] += [_unit(spec, lang)] * n
            columns["status"] += [t(f"status_{s}", lang) for s in statuses]
            columns["status_code"] += statuses
            decimals += [spec.decimals] * n
        catalogue.append({
            t("col_indicator_id", lang): indicator, t("col_indicator", lang): spec.name(lang),
            t("info_unit", lang): _unit(spec, lang), t("info_definition", lang): _definition(spec, lang),
            t("meta_periods", lang): ", ".join(periods), t("meta_decimals", lang): spec.decimals,
            t("meta_visibility", lang): t(f"visibility_{spec.visibility}", lang),
            t("info_source", lang): spec.source, t("info_licence", lang): spec.licence,
        })
    table = pd.DataFrame(columns)
    table["value"] = table["value"].astype("float64")
    return table, decimals, pd.DataFrame(catalogue)


def everything(service: Service, state: ViewState, audience: Audience, link: str, now: datetime) -> File | None:
    """The XLSX of :func:`everything_tables` for a resolved view: sheets data, metadata (one row per indicator)
    and about (territory, level, audience, time, link); ``None`` when the audience may see nothing here."""
    lang = state.lang
    table, decimals, catalogue = everything_tables(service, state, audience)
    if catalogue.empty:
        return None
    info = service.level_info(state.frame, state.level)
    about = _pairs([
        (t("frame", lang), _label(service.frames(lang, audience), state.frame)),
        (t("level", lang), info.name(lang)),
        (t("meta_scope", lang), t("meta_scope_internal" if audience.internal else "meta_scope_public", lang)),
        (t("meta_rounding", lang), t("meta_rounding_each", lang)),
        (t("meta_empty", lang), t("meta_empty_text", lang)),
        (t("info_geometry", lang), f"{info.source} ({info.licence})"),
        (t("meta_generated", lang), now.isoformat(timespec="seconds")), (t("meta_link", lang), link),
    ], lang)
    data = labelled(table, lang)
    content = workbook([
        Sheet(t("sheet_data", lang), data, {t("col_value", lang): decimals}),
        Sheet(t("sheet_metadata", lang), labelled(catalogue, lang),
              wrap=[t("info_definition", lang), t("info_source", lang)]),
        Sheet(t("sheet_about", lang), labelled(about, lang), wrap=[t("meta_content", lang)]),
    ])
    return File(f"{state.frame}_{state.level}_{t('file_everything', lang)}.xlsx", content, MIMETYPE)


# --- one call per button -------------------------------------------------------------------------------------

def download(service: Service, state: ViewState, audience: Audience, kind: str, *, site: str = "",
             now: datetime | None = None) -> File | None:
    """The file a download button asks for — ``csv`` or ``xlsx`` of the current view, ``all`` for everything on
    its level — for the view as the audience may see it (resolved like the page); ``None`` when there is nothing
    to download. ``site`` is the address the link in the metadata starts with (``https://…/``)."""
    if kind not in KINDS:
        raise UnknownName("download", kind, KINDS)
    now = now or datetime.now(UTC)
    model = service.view(state, audience)
    if model.map is None:
        return None
    resolved = model.state
    link = site.rstrip("/") + "/?" + to_query(resolved)
    if kind == "all":
        return everything(service, resolved, audience, link, now)
    data = model.map
    table = labelled(view_table(data), resolved.lang, change=resolved.mode == "change")
    name = service.download_name(resolved)
    if kind == "csv":
        return File(f"{name}.csv", csv_text(table, data.decimals, resolved.lang), CSV_MIMETYPE)
    value = t("mode_change" if resolved.mode == "change" else "col_value", resolved.lang)
    content = workbook([
        Sheet(t("sheet_data", resolved.lang), table, {value: data.decimals}),
        Sheet(t("sheet_metadata", resolved.lang), labelled(view_metadata(model, link, now), resolved.lang),
              wrap=[t("meta_content", resolved.lang)]),
    ])
    return File(f"{name}.xlsx", content, MIMETYPE)
