"""Read a table file into raw cells, without interpreting them.

Supported: text tables (``.csv``, ``.txt``, ``.tsv``, also gzip-compressed as ``.csv.gz`` …) and
spreadsheets (``.xlsx`` via openpyxl, ``.xls`` via xlrd). A spreadsheet is recognised by its content too,
so an old ``.xls`` saved under ``.xlsx`` still reads.

Text tables
    *Encoding*: UTF-16 when the file starts with its byte-order mark (Excel's "Unicode text"), else UTF-8
    with or without BOM, else Windows-1252 (what German Excel writes as "CSV (Trennzeichen-getrennt)").
    *Separator*: one of ``;``, tab and ``,``. Each candidate splits the first 50 records (quotes respected);
    the one that gives most records the same number of fields (more than one) wins, then the one giving
    more fields, then the order ``;``, tab, ``,``; a candidate under which a field would exceed the csv
    module's field limit (128 KiB) cannot be it. Every cell stays the exact text of the file, so ids such
    as ``01001`` keep their leading zeros. A row with more than ``MAX_COLUMNS`` (16,384, as many as a
    spreadsheet holds) fields, or a field longer than the field limit, is a problem naming the row.
Spreadsheets
    The first sheet unless ``sheet`` names one (by name, or by 0-based position). Cells keep their Excel
    type: text stays text, numbers become ``int``/``float``, dates ``datetime``, empty cells ``None``;
    booleans and error cells become their text (``TRUE``, ``#DIV/0!``).

Leading and trailing blank rows are dropped (row numbers still count them); blank rows in between are
kept as they are, so that every row number is the one a person sees in an editor or spreadsheet.
"""

from __future__ import annotations

import csv
import gzip
import io
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import NoReturn

import openpyxl
import xlrd
from openpyxl.utils.exceptions import InvalidFileException

from sozialmonitor.errors import Problem, ValidationFailed
from sozialmonitor.importers.cells import detect_decimal

RawValue = str | float | int | datetime | None
"""One raw cell: text from a text table, or a typed value from a spreadsheet."""

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUPPORTED = ".csv, .txt, .tsv (also gzip-compressed, e.g. .csv.gz), .xlsx, .xls"
SEPARATORS = (";", "\t", ",")
SNIFF_RECORDS = 50
MAX_COLUMNS = 16_384
"""The most fields a row of a text table may have: as many columns as Excel and LibreOffice sheets hold."""

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_GZIP_MAGIC = b"\x1f\x8b"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# What openpyxl and xlrd raise on damaged workbooks; they do not wrap their parsers' errors.
_WORKBOOK_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    InvalidFileException,
    xlrd.XLRDError,
    xlrd.compdoc.CompDocError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    SyntaxError,  # xml.etree.ElementTree.ParseError
    EOFError,
    OSError,
    zlib.error,  # a damaged deflate stream inside the .xlsx zip
)


@dataclass(frozen=True)
class RawTable:
    """The cells of one table as read, with what a parser needs to interpret them.

    ``rows`` holds every row including header rows. ``rows[i]`` is row :meth:`row_number` ``(i)`` as a
    person sees it; ``separator`` and ``encoding`` are set for text tables only; ``decimal`` is the
    decimal mark detected for the file (see :func:`sozialmonitor.importers.cells.detect_decimal`).
    """

    file: str
    rows: list[list[RawValue]]
    first_row_number: int = 1
    separator: str | None = None
    encoding: str | None = None
    decimal: str = ","
    line_numbers: tuple[int, ...] | None = None
    """Text tables: the line each row starts on (differs from counting rows after a quoted line break)."""

    def row_number(self, index: int) -> int:
        """The 1-based row (spreadsheet) or line (text file) number of ``rows[index]``."""
        if self.line_numbers is not None:
            return self.line_numbers[index]
        return self.first_row_number + index


def read_table(path: Path, *, sheet: str | int | None = None, display_name: str | None = None) -> RawTable:
    """Read ``path`` into a :class:`RawTable`; ``sheet`` selects a spreadsheet's sheet.

    Raises :class:`ValidationFailed` when the file is missing, empty, damaged or of an unknown kind.
    ``display_name`` is the name problems print (default: the path as given).
    """
    name = display_name if display_name is not None else str(path)
    path = Path(path)
    if not path.exists():
        _fail(name, "file not found")
    if not path.is_file():
        _fail(name, "is not a file")
    try:
        data = path.read_bytes()
    except OSError as error:
        _fail(name, f"cannot be read: {error.strerror or error}")
    if not data:
        _fail(name, "the file is empty (0 bytes)")

    suffixes = [suffix.lower() for suffix in path.suffixes]
    last = suffixes[-1] if suffixes else ""
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(name, data, sheet)
    if data.startswith(_OLE2_MAGIC):
        return _read_xls(name, data, sheet)
    if last in SPREADSHEET_SUFFIXES:
        _fail(name, f"is not a valid {last} workbook (damaged, or not a spreadsheet at all)")
    if last == ".gz" and len(suffixes) >= 2 and suffixes[-2] in TEXT_SUFFIXES:
        return _read_text(name, _gunzip(name, data))
    if last in TEXT_SUFFIXES:
        return _read_text(name, data)
    _fail(name, f"unsupported file type {last or '(no extension)'!r}; supported: {SUPPORTED}")


def _fail(name: str, reason: str, row: int | None = None) -> NoReturn:
    raise ValidationFailed([Problem(name, row, None, reason)])


# --- text tables -------------------------------------------------------------------------------------


def _gunzip(name: str, data: bytes) -> bytes:
    try:
        inner = gzip.decompress(data)
    except (gzip.BadGzipFile, EOFError, zlib.error):
        _fail(name, "is not a valid gzip file (damaged or not compressed)")
    if not inner:
        _fail(name, "the file is empty (0 bytes once decompressed)")
    return inner


def _decode(name: str, data: bytes) -> tuple[str, str]:
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            _fail(name, "starts like UTF-16 text but cannot be decoded as such")
    if b"\x00" in data[:4096]:
        _fail(name, f"is a binary file, not a text table; supported: {SUPPORTED}")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        _fail(name, "cannot be decoded as UTF-8 or Windows-1252; save it as UTF-8")


def detect_separator(text: str) -> str:
    """The field separator of a text table (see the module docstring for the rule)."""
    best: tuple[bool, float, int, int] | None = None
    chosen = ","
    for priority, separator in enumerate(SEPARATORS):
        records = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        try:
            counts = [len(record) for record in islice(records, SNIFF_RECORDS) if not _is_blank_row(record)]
        except csv.Error:  # a field beyond the field limit: a table does not split like that
            continue
        if not counts:
            return separator  # nothing but separators and spaces: every row is blank under this one
        modal, frequency = Counter(counts).most_common(1)[0]
        score = (modal > 1, frequency / len(counts), modal, -priority)
        if best is None or score > best:
            best, chosen = score, separator
    return chosen


def _read_text(name: str, data: bytes) -> RawTable:
    text, encoding = _decode(name, data)
    separator = detect_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[list[RawValue]] = []
    starts: list[int] = []  # a record starts on the line after the one the previous record ended on
    previous_end = 0
    try:
        for record in reader:
            starts.append(previous_end + 1)
            previous_end = reader.line_num
            if len(record) > MAX_COLUMNS:
                _fail(name, f"has {len(record):,} columns (separator {separator!r}); a table may have at most "
                            f"{MAX_COLUMNS:,}, as many as a spreadsheet", starts[-1])
            rows.append(list(record))
    except csv.Error as error:
        _fail(name, f"cannot be read as a table: {_csv_reason(error)}", previous_end + 1)
    first, end = _content_range(rows)
    if first == end:
        _fail(name, "the file holds no rows (only blank lines)")
    samples = (cell for row in rows[first:end] for cell in row if isinstance(cell, str))
    return RawTable(
        file=name,
        rows=rows[first:end],
        first_row_number=starts[first],
        separator=separator,
        encoding=encoding,
        decimal=detect_decimal(samples, default="." if separator == "," else ","),
        line_numbers=tuple(starts[first:end]),
    )


def _csv_reason(error: csv.Error) -> str:
    """The csv module's complaint in words a person acts on."""
    text = str(error)
    if "field larger than field limit" in text:
        return f"a cell is longer than {csv.field_size_limit():,} characters (a missing closing quote?)"
    return text


# --- spreadsheets ------------------------------------------------------------------------------------


def _pick_sheet(name: str, sheet_names: Sequence[str], sheet: str | int | None) -> int:
    if sheet is None:
        if not sheet_names:
            _fail(name, "the workbook has no sheets")
        return 0
    if isinstance(sheet, int):
        if 0 <= sheet < len(sheet_names):
            return sheet
        _fail(name, f"there is no sheet number {sheet} (0-based); the workbook has {len(sheet_names)}")
    if sheet in sheet_names:
        return list(sheet_names).index(sheet)
    shown = ", ".join(repr(s) for s in sheet_names)
    _fail(name, f"unknown sheet {sheet!r}; the workbook has: {shown}")


def _read_xlsx(name: str, data: bytes, sheet: str | int | None) -> RawTable:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style", unsupported extensions: noise here
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                worksheet = workbook.worksheets[_pick_sheet(name, workbook.sheetnames, sheet)]
                worksheet.reset_dimensions()  # some writers store wrong dimensions; read every cell
                rows = [[_excel_value(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
            finally:
                workbook.close()
    except _WORKBOOK_ERRORS as error:
        _fail(name, f"is not a readable .xlsx workbook ({type(error).__name__}: {error})")
    return _spreadsheet_table(name, rows)


def _read_xls(name: str, data: bytes, sheet: str | int | None) -> RawTable:
    try:
        # logfile swallows xlrd's chatter, e.g. the harmless "OLE2 inconsistency" of INKAR exports
        book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO(), on_demand=True)
        try:
            worksheet = book.sheet_by_index(_pick_sheet(name, book.sheet_names(), sheet))
            rows = [
                [_xls_value(worksheet.cell(r, c), book.datemode) for c in range(worksheet.ncols)]
                for r in range(worksheet.nrows)
            ]
        finally:
            book.release_resources()
    except _WORKBOOK_ERRORS as error:
        _fail(name, f"is not a readable .xls workbook ({type(error).__name__}: {error})")
    return _spreadsheet_table(name, rows)


def _spreadsheet_table(name: str, rows: list[list[RawValue]]) -> RawTable:
    first, end = _content_range(rows)
    if first == end:
        _fail(name, "the sheet holds no rows (all cells are empty)")
    kept = rows[first:end]
    width = max((i + 1 for row in kept for i, cell in enumerate(row) if not _is_blank(cell)), default=0)
    kept = [row[:width] + [None] * (width - len(row)) for row in kept]
    samples = (cell for row in kept for cell in row if isinstance(cell, str))
    return RawTable(file=name, rows=kept, first_row_number=first + 1, decimal=detect_decimal(samples))


def _excel_value(value: object) -> RawValue:
    """An openpyxl cell value as a raw cell, keeping its type where the contract allows."""
    if value is None or isinstance(value, str | datetime):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return str(value)  # time of day, duration


def _xls_value(cell: xlrd.sheet.Cell, datemode: int) -> RawValue:
    """An xlrd cell as a raw cell (xlrd gives every number as float, as Excel stores it)."""
    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_NUMBER:
        return float(cell.value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            moment: datetime = xlrd.xldate_as_datetime(cell.value, datemode)
            return moment
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return float(cell.value)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if cell.value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
    return str(cell.value)


# --- shared ------------------------------------------------------------------------------------------


def _is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _is_blank_row(row: Iterable[object]) -> bool:
    return all(_is_blank(cell) for cell in row)


def _content_range(rows: Sequence[Sequence[object]]) -> tuple[int, int]:
    """Indices ``first, end`` such that ``rows[first:end]`` drops leading and trailing blank rows."""
    filled = [i for i, row in enumerate(rows) if not _is_blank_row(row)]
    if not filled:
        return 0, 0
    return filled[0], filled[-1] + 1
