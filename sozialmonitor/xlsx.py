"""A small, fast XLSX writer for the downloads: tables of text and numbers, nothing else.

Why not openpyxl (which reads the imports): writing the long "download everything" table of Berlin's planning
areas (164,000 rows × 9 columns) took openpyxl's write-only mode minutes here; this writer streams the same
workbook in a few seconds, because a download needs only a fraction of what a spreadsheet file can hold.

What it writes (Office Open XML, ECMA-376 SpreadsheetML, the minimal parts Excel and LibreOffice require):

- one worksheet per :class:`Sheet`: a bold header row, frozen, with an autofilter; column widths from the
  content; text cells through the shared-string table; numbers as numbers;
- a **number format per numeric cell** from the decimals given for its column (the same for all rows, or one per
  row): ``#,##0.00`` for 2 — Excel shows it in the reader's locale (``1.234,50`` in German, ``1,234.50`` in
  English); the stored value is the number itself;
- never a formula: every text is a string cell, whatever it starts with (callers still guard texts against a
  later copy into a CSV, :func:`sozialmonitor.formatting.spreadsheet_text`). Characters XML 1.0 cannot carry
  are dropped; ``_xHHHH_`` sequences, which SpreadsheetML would read as escapes, are kept literally.

An empty cell (``None``, NaN, ±inf) is left out. Booleans are written as text.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from xml.sax.saxutils import escape

import pandas as pd

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_DECIMALS = 6
MAX_WIDTH = 60.0
WRAP_WIDTH = 80.0
ROWS_PER_CHUNK = 5000

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE_LIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")

# cell styles (cellXfs): 0 plain, 1 bold header, 2 wrapped text, 3 + d a number with d decimals
_BOLD, _WRAP, _NUMBER = 1, 2, 3
_BUILTIN_FORMATS = {0: 3, 2: 4}  # "#,##0" and "#,##0.00" are built into every spreadsheet program


@dataclass(frozen=True)
class Sheet:
    """One worksheet: ``table``'s column names are the header row. ``decimals`` gives numeric columns their
    number format — one number of decimals for the column, or one per row. ``wrap`` names text columns shown
    wrapped (long definitions); ``header`` False writes no header (and no filter)."""

    name: str
    table: pd.DataFrame
    decimals: Mapping[str, int | Sequence[int]] = field(default_factory=dict)
    wrap: Sequence[str] = ()
    header: bool = True


def number_format(decimals: int) -> str:
    """The format code for ``decimals`` places with thousands grouping (locale-neutral, as SpreadsheetML stores
    it): 0 → ``#,##0``, 2 → ``#,##0.00``."""
    if not 0 <= decimals <= MAX_DECIMALS:
        raise ValueError(f"decimals must be 0 … {MAX_DECIMALS}, got {decimals}")
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def column_letter(index: int) -> str:
    """0 → ``A``, 25 → ``Z``, 26 → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def clean_text(text: str) -> str:
    """A text as SpreadsheetML stores it: XML-escaped, without characters XML cannot carry, and with
    ``_xHHHH_`` kept literally."""
    return escape(_ESCAPE_LIKE.sub(r"_x005F_\1", _ILLEGAL.sub("", text)))


class _Strings:
    """The shared-string table: every distinct text once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def cell(self, text: str, style: int = 0) -> str:
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.index)
        return f' t="s"><v>{i}</v></c>' if not style else f' s="{style}" t="s"><v>{i}</v></c>'

    def xml(self) -> str:
        items = []
        for text in self.index:
            space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
            items.append(f"<si><t{space}>{clean_text(text)}</t></si>")
        n = len(items)
        return f'{_HEAD}<sst xmlns="{_MAIN}" count="{n}" uniqueCount="{n}">{"".join(items)}</sst>'


def _number(value: float) -> str:
    """A number as SpreadsheetML stores it: whole numbers without ``.0``, others in Python's shortest form."""
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def _empty(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _styles_of(decimals: int | Sequence[int] | None, n: int) -> list[str]:
    if decimals is None or isinstance(decimals, int):
        return [f' s="{_NUMBER + decimals}"' if decimals is not None else ""] * n
    styles = [f' s="{_NUMBER + d}"' for d in range(MAX_DECIMALS + 1)]
    return [styles[d] for d in decimals]


def _tails(column: pd.Series, decimals: int | Sequence[int] | None, style: int, strings: _Strings) -> list[str]:
    """Each cell of a column after its reference (``<c r="B7"`` + tail); ``""`` for an empty cell. A numeric
    column is written as numbers; a text column through the shared strings (each distinct text once); a column
    of mixed values cell by cell."""
    n = len(column)
    if pd.api.types.is_bool_dtype(column.dtype):
        column = column.astype("object").map(lambda v: v if _empty(v) else str(v))
    if pd.api.types.is_numeric_dtype(column.dtype):
        values = column.astype("float64").tolist()
        return [f"{st}><v>{_number(v)}</v></c>" if math.isfinite(v) else ""
                for v, st in zip(values, _styles_of(decimals, n), strict=True)]
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if all(isinstance(u, str) for u in uniques):
        tails = [strings.cell(u, style) for u in uniques]
        return [tails[c] if c >= 0 else "" for c in codes.tolist()]
    out = []
    for value, st in zip(column.tolist(), _styles_of(decimals, n), strict=True):
        if _empty(value) or (isinstance(value, float) and not math.isfinite(value)):
            out.append("")
        elif isinstance(value, Real) and not isinstance(value, bool):
            out.append(f"{st}><v>{_number(float(value))}</v></c>")
        else:
            out.append(strings.cell(str(value), style))
    return out


def _width(column: pd.Series, title: str, wrapped: bool) -> float:
    if wrapped:
        return WRAP_WIDTH
    sample = [len(str(v)) for v in column.head(2000).tolist() if not _empty(v)]
    return min(MAX_WIDTH, max([len(title), *sample]) * 1.1 + 2)


def _sheet_xml(sheet: Sheet, strings: _Strings, selected: bool) -> Iterator[str]:
    table = sheet.table
    names = [str(c) for c in table.columns]
    letters = [column_letter(i) for i in range(len(names))]
    first = 2 if sheet.header else 1
    last_row = len(table) + first - 1
    last = f"{letters[-1]}{max(last_row, 1)}" if names else "A1"
    pane = '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' \
           '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>' if sheet.header else ""
    tab = ' tabSelected="1"' if selected else ""
    widths = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{_width(table[c], c, c in sheet.wrap):.1f}" '
                     'customWidth="1"/>' for i, c in enumerate(names))
    yield (f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/>'
           f'<sheetViews><sheetView workbookViewId="0"{tab}>{pane}'
           f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
           f'{"<cols>" + widths + "</cols>" if widths else ""}<sheetData>')
    if sheet.header:
        yield '<row r="1">' + "".join(f'<c r="{x}1"{strings.cell(n, _BOLD)}' for x, n in zip(letters, names,
                                                                                              strict=True)) + "</row>"
    columns = [_tails(table[c], sheet.decimals.get(c), _WRAP if c in sheet.wrap else 0, strings)
               for c in names]
    chunk = []
    for offset, row in enumerate(zip(*columns, strict=True)):
        r = offset + first
        cells = "".join(f'<c r="{x}{r}"{tail}' for x, tail in zip(letters, row, strict=True) if tail)
        chunk.append(f'<row r="{r}">{cells}</row>')
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)
    yield "</sheetData>"
    if sheet.header and names:
        yield f'<autoFilter ref="A1:{last}"/>'
    yield "</worksheet>"


def _styles() -> str:
    custom = {d: 164 + d for d in range(MAX_DECIMALS + 1) if d not in _BUILTIN_FORMATS}
    formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{number_format(d)}"/>' for d, i in custom.items())
    numbers = "".join(
        f'<xf numFmtId="{_BUILTIN_FORMATS.get(d, custom.get(d))}" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/>' for d in range(MAX_DECIMALS + 1))
    return (f'{_HEAD}<styleSheet xmlns="{_MAIN}"><numFmts count="{len(custom)}">{formats}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{_NUMBER + MAX_DECIMALS + 1}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
            '<alignment vertical="top" wrapText="1"/></xf>'
            f'{numbers}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>')


def _workbook(sheets: Sequence[Sheet]) -> str:
    entries = "".join(f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                      for i, s in enumerate(sheets))
    filters = []
    for i, s in enumerate(sheets):
        if s.header and len(s.table.columns):
            last = f"${column_letter(len(s.table.columns) - 1)}${len(s.table) + 1}"
            quoted = "'" + s.name.replace("'", "''") + "'"
            filters.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                           f"{escape(quoted)}!$A$1:{last}</definedName>")
    names = f"<definedNames>{''.join(filters)}</definedNames>" if filters else ""
    return (f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView activeTab="0"/>'
            f"</bookViews><sheets>{entries}</sheets>{names}</workbook>")


def _package(count: int) -> dict[str, str]:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, count + 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, count + 1))
    return {
        "[Content_Types].xml": (
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{sheets}"
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"),
        "_rels/.rels": (f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/_rels/workbook.xml.rels": (
            f'{_HEAD}<Relationships xmlns="{_PKG}">{rels}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"),
    }


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The XLSX file of ``sheets`` (the first one opens first)."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    strings = _Strings()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, text in _package(len(sheets)).items():
            archive.writestr(name, text)
        archive.writestr("xl/workbook.xml", _workbook(sheets))
        archive.writestr("xl/styles.xml", _styles())
        for i, sheet in enumerate(sheets, 1):
            with archive.open(f"xl/worksheets/sheet{i}.xml", "w") as part:
                for text in _sheet_xml(sheet, strings, selected=i == 1):
                    part.write(text.encode("utf-8"))
        archive.writestr("xl/sharedStrings.xml", strings.xml())
    return buffer.getvalue()
