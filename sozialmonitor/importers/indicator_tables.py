"""Reshape a raw indicator table (long, wide or INKAR) into long observations, collecting every problem.

This module does not know the store: whether area ids and indicators exist, and whether values fit an
indicator's unit, is checked by the caller. Each problem names the file, the row as a person sees it and
the column header. Rows with a problem are left out of ``observations``; a caller imports nothing while
there are problems.

Shapes
    *long*: header ``area_id, indicator_id, period, value`` (any case, spaces around allowed), optional
    ``numerator, denominator, status``; other columns are ignored. ``area_col`` names the area column
    when it is not ``area_id``; ``indicator`` is used when there is no ``indicator_id`` column.
    *wide*: one row per area, one column per period (a header that is a year or a date); the area column
    is ``area_col`` or the first of ``area_id, id, AGS, ARS, Kennziffer, Schlüssel``; ``indicator`` is
    required. Name columns (``Name``, ``Raumeinheit``, ``Bezeichnung``, ``Gemeinde…`` …) are ignored.
    *inkar*: an INKAR export: row 1 holds indicator names, row 2 years, data start in row 3; the area
    column is ``Kennziffer`` (or ``area_col``). Columns with an empty row 2 are labels (``Raumeinheit``,
    ``Aggregat``) and ignored. An empty name continues the name of the column to its left (merged cells).
    ``indicator_id`` is the name as written (spaces around removed), for the caller to map onto the
    catalogue; ``indicator`` forces one id, which is allowed only while the file holds a single name.

Rules common to all shapes
    - area ids are text: spaces around removed, leading zeros kept; an Excel number ``1001.0`` → ``"1001"``;
    - INKAR only: when every area id is a number of 4 or 5 digits, the ids are Kreis keys (AGS) that lost
      their leading zero in a spreadsheet and are left-padded to 5 digits (``1001`` → ``"01001"``); other
      lengths (Länder 2, Regierungsbezirke 3, Gemeinden 8 digits) are left alone;
    - values follow :func:`~sozialmonitor.importers.cells.parse_value` with the file's decimal mark;
      numerator and denominator too, a symbol there is simply no number;
    - a blank row, or a row with an empty area id and no values (a footnote), is skipped; an empty area
      id next to values is a problem;
    - the same (area_id, indicator_id, period) twice is a problem on each later row, naming the first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Literal, NamedTuple

import pandas as pd

from sozialmonitor.errors import Problem, UnknownName
from sozialmonitor.importers.cells import Cell, normalise_period, parse_value
from sozialmonitor.importers.tables import RawTable, RawValue
from sozialmonitor.vocab import VALUE_STATUSES, Status

Format = Literal["long", "wide", "inkar"]
DashMeans = Literal["missing", "zero"]

FORMATS: tuple[Format, ...] = ("long", "wide", "inkar")
OBSERVATION_DTYPES: dict[str, str] = {
    "row": "int64",
    "area_id": "str",
    "indicator_id": "str",
    "period": "str",
    "value": "float64",
    "numerator": "float64",
    "denominator": "float64",
    "status": "str",
}
OBSERVATION_COLUMNS = tuple(OBSERVATION_DTYPES)
LONG_REQUIRED = ("area_id", "indicator_id", "period", "value")
AREA_COLUMN_NAMES = ("area_id", "id", "ags", "ars", "kennziffer", "schlüssel", "schluessel")
NAME_COLUMN_PREFIXES = (
    "name",
    "area_name",
    "raumeinheit",
    "bezeichnung",
    "gemeinde",
    "kreis",
    "gebiet",
    "aggregat",
)
INKAR_AREA_COLUMN = "kennziffer"
KREIS_KEY_DIGITS = 5


@dataclass(frozen=True)
class ParsedObservations:
    """Long observations (columns :data:`OBSERVATION_COLUMNS`) and every problem found on the way."""

    observations: pd.DataFrame
    problems: list[Problem]


def parse_indicator_table(
    table: RawTable,
    fmt: Format,
    *,
    indicator: str | None = None,
    area_col: str | None = None,
    dash_means: DashMeans = "missing",
) -> ParsedObservations:
    """Reshape ``table`` (of shape ``fmt``) into long observations; see the module docstring for rules.

    ``observations`` has the columns ``row`` (1-based source row), ``area_id``, ``indicator_id``,
    ``period``, ``value``, ``numerator``, ``denominator`` (NaN when absent) and ``status`` (a
    :class:`~sozialmonitor.vocab.Status` value). Raises :class:`UnknownName` for an unknown ``fmt``.
    """
    if fmt not in FORMATS:
        raise UnknownName("table format", fmt, FORMATS)
    out = _Collector(table.file)
    if not table.rows:
        out.problem(None, None, "the file holds no rows")
        return out.result()
    context = _Context(table, dash_means, out)
    if fmt == "long":
        _parse_long(context, indicator, area_col)
    elif fmt == "wide":
        _parse_wide(context, indicator, area_col)
    else:
        _parse_inkar(context, indicator, area_col)
    return out.result()


# --- collecting ---------------------------------------------------------------------------------------


class _Observation(NamedTuple):
    row: int
    area_id: str
    indicator_id: str
    period: str
    value: float
    numerator: float
    denominator: float
    status: str


@dataclass
class _Collector:
    """Collects observations and problems of one file; :meth:`result` adds the duplicate check."""

    file: str
    records: list[_Observation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    saw_data: bool = False

    def problem(self, row: int | None, column: str | None, reason: str) -> None:
        self.problems.append(Problem(self.file, row, column, reason))

    def observe(
        self,
        row: int,
        area_id: str,
        indicator_id: str,
        period: str,
        value: float | None,
        status: Status,
        numerator: float | None = None,
        denominator: float | None = None,
    ) -> None:
        self.records.append(
            _Observation(
                row,
                area_id,
                indicator_id,
                period,
                _nan(value),
                _nan(numerator),
                _nan(denominator),
                status.value,
            )
        )

    def result(self) -> ParsedObservations:
        if not self.saw_data and not self.problems:
            self.problem(None, None, "no data rows below the header")
        first_seen: dict[tuple[str, str, str], int] = {}
        repeats: dict[tuple[int, int], list[tuple[str, str, str]]] = {}
        kept: list[_Observation] = []
        for record in self.records:
            key = (record.area_id, record.indicator_id, record.period)
            first = first_seen.setdefault(key, record.row)
            if first == record.row:
                kept.append(record)
            else:
                repeats.setdefault((record.row, first), []).append(key)
        for (row, first), keys in repeats.items():
            area, indicator_id, period = keys[0]
            if len(keys) == 1:
                detail = f"indicator_id {indicator_id!r}, period {period!r}"
            else:
                detail = (
                    f"the same indicator and period in {len(keys)} values (e.g. {indicator_id!r}, {period!r})"
                )
            self.problem(row, None, f"duplicates row {first}: area_id {area!r}, {detail}")
        self.problems.sort(key=lambda p: p.row if p.row is not None else 0)
        frame = pd.DataFrame.from_records(kept, columns=OBSERVATION_COLUMNS).astype(OBSERVATION_DTYPES)
        return ParsedObservations(frame, list(self.problems))


@dataclass(frozen=True)
class _Context:
    table: RawTable
    dash_means: DashMeans
    out: _Collector

    def number(self, raw: RawValue, row: int, column: str) -> float | None:
        """A numerator/denominator cell: its number, ``None`` for empty, a symbol or a problem."""
        cell = self.value(raw, row, column)
        return cell.value if cell is not None else None

    def value(self, raw: RawValue, row: int, column: str) -> Cell | None:
        try:
            return parse_value(raw, decimal=self.table.decimal, dash_means=self.dash_means)
        except ValueError as error:
            self.out.problem(row, column, str(error))
            return None

    def period(self, raw: RawValue, row: int, column: str) -> str | None:
        try:
            return normalise_period(raw)
        except ValueError as error:
            self.out.problem(row, column, str(error))
            return None


# --- long ---------------------------------------------------------------------------------------------


def _parse_long(context: _Context, indicator: str | None, area_col: str | None) -> None:
    table, out = context.table, context.out
    header, header_row = table.rows[0], table.row_number(0)
    positions = _header_positions(header)
    area_key = _key(area_col) if area_col is not None else "area_id"
    wanted = {"area_id": area_key, "indicator_id": "indicator_id", "period": "period", "value": "value"}
    if "indicator_id" not in positions and indicator is not None:
        del wanted["indicator_id"]
    missing = [name for name, key in wanted.items() if key not in positions]
    for name in missing:
        shown = area_col if name == "area_id" and area_col is not None else name
        hint = " (or pass --indicator)" if name == "indicator_id" else ""
        out.problem(header_row, shown, f"missing required column {shown!r}{hint}; {_headers_were(header)}")
    for key in dict.fromkeys([*wanted.values(), "numerator", "denominator", "status"]):
        _report_repeated_header(context, header, key)
    if missing:
        return

    column = {name: positions[key] for name, key in wanted.items()}
    for optional in ("numerator", "denominator", "status"):
        if optional in positions:
            column[optional] = positions[optional]
    label = {name: _label(header[index]) for name, index in column.items()}

    for index in range(1, len(table.rows)):
        row = table.rows[index]
        if _is_blank_row(row):
            continue
        number = table.row_number(index)
        cells = {name: _cell(row, position) for name, position in column.items()}
        area = _label(cells["area_id"])
        if not area and all(_is_blank(cells.get(name)) for name in ("value", "numerator", "denominator")):
            continue  # a footnote: text in some other column, no values
        out.saw_data = True
        problems_before = len(out.problems)
        if not area:
            out.problem(number, label["area_id"], "area id is empty")
        indicator_id = _label(cells["indicator_id"]) if "indicator_id" in cells else (indicator or "")
        if not indicator_id:
            out.problem(number, label.get("indicator_id", "indicator_id"), "indicator id is empty")
        period = context.period(cells["period"], number, label["period"])
        cell = context.value(cells["value"], number, label["value"])
        numerator = context.number(cells.get("numerator"), number, label.get("numerator", "numerator"))
        denominator = context.number(
            cells.get("denominator"), number, label.get("denominator", "denominator")
        )
        given = _status(context, cells.get("status"), number, label.get("status", "status"))
        if cell is not None and given is not None:
            resolved = _combine(cells["value"], cell, given)
            if isinstance(resolved, str):
                out.problem(number, label["status"], resolved)
            else:
                cell = resolved
        if len(out.problems) == problems_before and cell is not None and period is not None:
            out.observe(number, area, indicator_id, period, cell.value, cell.status, numerator, denominator)


def _status(context: _Context, raw: RawValue, row: int, column: str) -> Status | None:
    """The status written in the status column, ``None`` if empty; a problem if it is not a status."""
    text = _label(raw).casefold()
    if not text:
        return None
    try:
        return Status(text)
    except ValueError:
        allowed = ", ".join(status.value for status in Status)
        context.out.problem(row, column, f"status {_label(raw)!r} is not one of: {allowed}")
        return None


def _combine(raw: RawValue, cell: Cell, given: Status) -> Cell | str:
    """The cell under the status of the status column, or the reason why the two contradict."""
    if _is_blank(raw):
        if given in (Status.OK, Status.PROVISIONAL):
            return f"status {given.value!r} needs a value"
        return Cell(None, given)
    if cell.status is Status.OK and cell.value is not None:  # a plain number
        if given in VALUE_STATUSES:
            return Cell(cell.value, given)
        return f"status {given.value!r} cannot carry a value; the value cell holds {_shown(raw)}"
    if cell.status is given:
        return cell
    return (
        f"value {_shown(raw)} means status {cell.status.value!r}, but the status column says {given.value!r}"
    )


# --- wide ---------------------------------------------------------------------------------------------


def _parse_wide(context: _Context, indicator: str | None, area_col: str | None) -> None:
    table, out = context.table, context.out
    header, header_row = table.rows[0], table.row_number(0)
    area_index = _find_area_column(context, header, area_col, AREA_COLUMN_NAMES)
    if indicator is None:
        out.problem(None, None, "wide format needs --indicator (the indicator id all values belong to)")
    period_columns: list[tuple[int, str, str]] = []  # position, period, header label
    others: list[str] = []
    seen: dict[str, str] = {}
    for position, raw in enumerate(header):
        if position == area_index:
            continue
        label = _label(raw)
        try:
            period = normalise_period(raw)
        except ValueError:
            if not _is_name_column(label) and (label or _column_has_data(table, position)):
                others.append(label)
            continue
        if period in seen:
            out.problem(
                header_row, label, f"period {period!r} repeats column {seen[period]!r}; column ignored"
            )
            continue
        seen[period] = label
        period_columns.append((position, period, label))
    if not period_columns:
        shown = ", ".join(repr(label) for label in others) or "(none besides the area column)"
        out.problem(header_row, None, f"no period columns found; headers were {shown}")
    if area_index is None or not period_columns:
        return

    area_label = _label(header[area_index])
    for index in range(1, len(table.rows)):
        row = table.rows[index]
        if _is_blank_row(row):
            continue
        number = table.row_number(index)
        area = _label(_cell(row, area_index))
        if not area and all(_is_blank(_cell(row, position)) for position, _, _ in period_columns):
            continue  # a footnote
        out.saw_data = True
        if not area:
            out.problem(number, area_label, "area id is empty")
        for position, period, label in period_columns:
            cell = context.value(_cell(row, position), number, label)
            if cell is not None and area and indicator is not None:
                out.observe(number, area, indicator, period, cell.value, cell.status)


# --- INKAR --------------------------------------------------------------------------------------------


def _parse_inkar(context: _Context, indicator: str | None, area_col: str | None) -> None:
    table, out = context.table, context.out
    if len(table.rows) < 2:
        out.problem(None, None, "an INKAR table has indicator names in row 1 and years in row 2; found 1 row")
        return
    names = table.rows[0]
    area_index = _find_area_column(context, names, area_col, (INKAR_AREA_COLUMN,))
    value_columns = _inkar_value_columns(context, area_index, indicator)
    if area_index is None or not value_columns:
        return

    data = range(2, len(table.rows))
    areas = _inkar_area_ids(table, area_index, data)
    area_label = _label(names[area_index])
    for index in data:
        row = table.rows[index]
        if _is_blank_row(row):
            continue
        number, area = table.row_number(index), areas[index]
        if not area and all(_is_blank(_cell(row, position)) for position, _, _, _ in value_columns):
            continue  # a footnote
        out.saw_data = True
        if not area:
            out.problem(number, area_label, "area id is empty")
        for position, name, period, label in value_columns:
            cell = context.value(_cell(row, position), number, label)
            if cell is not None and area:
                out.observe(number, area, indicator or name, period, cell.value, cell.status)


def _inkar_value_columns(
    context: _Context, area_index: int | None, indicator: str | None
) -> list[tuple[int, str, str, str]]:
    """The value columns (position, indicator name, period, label) of an INKAR header: every column with a
    year in row 2 except the area column; a merged name cell in row 1 names the columns to its right too.
    Reports years that are no period, repeated (name, period) pairs, a missing name (unless ``indicator``
    is given), ``indicator`` given for several names, and a header without any year."""
    table, out = context.table, context.out
    names, years = table.rows[0], table.rows[1]
    names_row, years_row = table.row_number(0), table.row_number(1)
    value_columns: list[tuple[int, str, str, str]] = []
    seen: dict[tuple[str, str], str] = {}
    name = ""
    year_columns = 0
    for position in range(max(len(names), len(years))):
        if position == area_index or _is_blank(_cell(years, position)):
            continue
        year_columns += 1
        name = _label(_cell(names, position)) or name
        year_label = _label(_cell(years, position))
        label = f"{name} {year_label}".strip()
        if not name and indicator is None:
            out.problem(names_row, year_label, "no indicator name above this year (row 1 is empty here)")
        period = context.period(_cell(years, position), years_row, label)
        if period is None:
            continue
        if (name, period) in seen:
            out.problem(years_row, label, f"repeats column {seen[name, period]!r}; column ignored")
            continue
        seen[name, period] = label
        value_columns.append((position, name, period, label))
    distinct = sorted({name for _, name, _, _ in value_columns})
    if indicator is not None and len(distinct) > 1:
        shown = ", ".join(repr(name) for name in distinct)
        out.problem(
            None, None, f"--indicator {indicator!r} given, but the file holds several indicators: {shown}"
        )
    if year_columns == 0:
        out.problem(years_row, None, "no value columns found: row 2 should hold the years above the values")
    return value_columns


def _inkar_area_ids(table: RawTable, area_index: int, data: range) -> dict[int, str]:
    """Row index → area id of the data rows; when every id is a number of 4 or 5 digits, they are Kreis
    keys that lost their leading zero in a spreadsheet and are left-padded to 5 digits."""
    areas = {index: _label(_cell(table.rows[index], area_index)) for index in data}
    filled = [area for area in areas.values() if area]
    if filled and all(area.isdigit() and len(area) in (4, KREIS_KEY_DIGITS) for area in filled):
        areas = {index: area.zfill(KREIS_KEY_DIGITS) if area else area for index, area in areas.items()}
    return areas


# --- shared helpers -----------------------------------------------------------------------------------


def _find_area_column(
    context: _Context, header: Sequence[RawValue], area_col: str | None, defaults: Sequence[str]
) -> int | None:
    positions = _header_positions(header)
    header_row = context.table.row_number(0)
    if area_col is not None:
        if _key(area_col) in positions:
            _report_repeated_header(context, header, _key(area_col))
            return positions[_key(area_col)]
        context.out.problem(header_row, area_col, f"no area column {area_col!r}; {_headers_were(header)}")
        return None
    for key in defaults:
        if key in positions:
            _report_repeated_header(context, header, key)
            return positions[key]
    names = ", ".join(defaults)
    context.out.problem(
        header_row,
        None,
        f"no area column found (looked for {names}); pass --area-col; {_headers_were(header)}",
    )
    return None


def _header_positions(header: Sequence[RawValue]) -> dict[str, int]:
    """Header key (stripped, case-folded) → position of its first occurrence."""
    positions: dict[str, int] = {}
    for position, raw in enumerate(header):
        key = _key(raw)
        if key:
            positions.setdefault(key, position)
    return positions


def _report_repeated_header(context: _Context, header: Sequence[RawValue], key: str) -> None:
    places = [position for position, raw in enumerate(header) if _key(raw) == key]
    if len(places) > 1:
        label = _label(header[places[0]])
        shown = ", ".join(str(position + 1) for position in places)
        reason = f"column {label!r} appears {len(places)} times (columns {shown}); the first is used"
        context.out.problem(context.table.row_number(0), label, reason)


def _headers_were(header: Sequence[RawValue]) -> str:
    return "the header row has: " + (", ".join(repr(_label(raw)) for raw in header) or "(nothing)")


def _is_name_column(label: str) -> bool:
    return _key(label).startswith(NAME_COLUMN_PREFIXES)


def _column_has_data(table: RawTable, position: int) -> bool:
    return any(not _is_blank(_cell(row, position)) for row in table.rows[1:])


def _cell(row: Sequence[RawValue], position: int) -> RawValue:
    return row[position] if position < len(row) else None


def _is_blank(raw: object) -> bool:
    if isinstance(raw, float):
        return math.isnan(raw)
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _is_blank_row(row: Sequence[RawValue]) -> bool:
    return all(_is_blank(raw) for raw in row)


def _label(raw: RawValue) -> str:
    """A cell as a person reads it in a header or id column: ``2019.0`` → ``"2019"``, dates as ISO."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, float):
        if math.isnan(raw):
            return ""
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time() else raw.isoformat()
    return str(raw)


def _key(raw: RawValue) -> str:
    return _label(raw).casefold()


def _shown(raw: RawValue) -> str:
    return repr(raw.strip()) if isinstance(raw, str) else repr(raw)


def _nan(value: float | None) -> float:
    return math.nan if value is None else value
