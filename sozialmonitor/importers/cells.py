"""Parse single cells of indicator tables: numbers, the symbols of German official statistics, periods.

Symbols follow the *Zeichenerklärung* of the statistical offices of the Federation and the Länder:

======================  =================================  =====================================
cell                    meaning                            result
======================  =================================  =====================================
empty, spaces           no value in the file               ``Cell(None, missing)``
``.``                   unknown or kept secret             ``Cell(None, secret)``
``x`` / ``X``           cell logically impossible          ``Cell(None, not_applicable)``
``...`` / ``…``         reported later                     ``Cell(None, later)``
``/``                   too unreliable to publish          ``Cell(None, unreliable)``
``-`` ``–`` ``—``       nothing (exactly zero)             ``dash_means``: missing (default) or 0
``(12,3)``              value of limited reliability       ``Cell(12.3, unreliable)``
``12,3p`` ``12,3 p``    provisional value                  ``Cell(12.3, provisional)``
======================  =================================  =====================================

The dash officially means "nothing, exactly zero", but many municipal tables use it for "no value";
turning an unknown into a zero silently would be worse than losing a true zero, so the default is
``missing`` and the importer asks for ``--dash-means zero`` explicitly.

**Decimal mark.** A file uses one decimal mark throughout; :func:`detect_decimal` decides it once per file
from its cells (see there), and :func:`parse_value` applies it to every cell. With the decimal comma the
point groups thousands (``1.234,5`` = 1234.5, ``1.234`` = 1234); with the decimal point the comma groups
thousands (``1,234.5``). Spaces (also non-breaking ones) may group thousands too (``1 234,5``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from numbers import Integral, Real
from typing import Literal

from sozialmonitor.vocab import Status

SYMBOLS: dict[str, Status] = {
    ".": Status.SECRET,
    "x": Status.NOT_APPLICABLE,
    "X": Status.NOT_APPLICABLE,
    "...": Status.LATER,
    "…": Status.LATER,
    "/": Status.UNRELIABLE,
}
"""Statistical symbols that stand for a value-less cell, with the status each one means."""

DASHES: frozenset[str] = frozenset({"-", "–", "—"})
"""Hyphen, en dash and em dash: "nothing" in German statistics; see ``dash_means``."""

SYMBOL_HINT = "(. x ... / - –)"
FIRST_YEAR, LAST_YEAR = 1800, 2200

_SIGNS = "+-−"  # the last one is U+2212 MINUS SIGN
_GROUP_SPACES = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009](?=\d{3}(?!\d))")
_EXPONENT = r"(?:[eE][+-]?\d+)?"
_NUMBER = {
    ",": re.compile(rf"(?:\d{{1,3}}(?:\.\d{{3}})+|\d+)(?:,\d+)?{_EXPONENT}"),
    ".": re.compile(rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?{_EXPONENT}"),
}
_PROVISIONAL = re.compile(r"(.*\d)\s*p")
_BRACKETED = re.compile(r"\((.+)\)")
_NUMBERISH = re.compile(r"[+\-−]?\d[\d.,]*")


@dataclass(frozen=True)
class Cell:
    """The result of parsing one value cell: a value (or ``None``) and its status."""

    value: float | None
    status: Status


def parse_value(
    text: object, *, decimal: str = ",", dash_means: Literal["missing", "zero"] = "missing"
) -> Cell:
    """Parse one value cell (text from a CSV, or an Excel value) into a :class:`Cell`.

    Raises ``ValueError`` naming the text when it is neither a number nor a statistical symbol.
    """
    if decimal not in _NUMBER:
        raise ValueError(f"unknown decimal mark {decimal!r}; allowed: ',' '.'")
    if text is None:
        return Cell(None, Status.MISSING)
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a number or a statistical symbol {SYMBOL_HINT}")
    if isinstance(text, Real):
        as_float = float(text)
        if math.isnan(as_float):
            return Cell(None, Status.MISSING)
        if math.isinf(as_float):
            raise ValueError(f"{text!r} is not a finite number")
        return Cell(as_float, Status.OK)
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a number or a statistical symbol {SYMBOL_HINT}")

    stripped = text.strip()
    if not stripped:
        return Cell(None, Status.MISSING)
    if stripped in SYMBOLS:
        return Cell(None, SYMBOLS[stripped])
    if stripped in DASHES:
        return Cell(0.0, Status.OK) if dash_means == "zero" else Cell(None, Status.MISSING)

    bracketed = _BRACKETED.fullmatch(stripped)
    provisional = _PROVISIONAL.fullmatch(stripped)
    if bracketed:
        number, status = _parse_number(bracketed.group(1).strip(), decimal), Status.UNRELIABLE
    elif provisional:
        number, status = _parse_number(provisional.group(1), decimal), Status.PROVISIONAL
    else:
        number, status = _parse_number(stripped, decimal), Status.OK
    if number is None:
        raise ValueError(_not_a_number(text, stripped, decimal))
    return Cell(number, status)


def _parse_number(text: str, decimal: str) -> float | None:
    """The number written in ``text`` (sign, grouping, decimal mark), or ``None`` if it is not one."""
    sign = 1.0
    if text[:1] in _SIGNS:
        sign = -1.0 if text[0] != "+" else 1.0
        text = text[1:]
    text = _GROUP_SPACES.sub("", text)
    if not _NUMBER[decimal].fullmatch(text):
        return None
    thousands = "." if decimal == "," else ","
    return sign * float(text.replace(thousands, "").replace(decimal, "."))


def _not_a_number(text: str, stripped: str, decimal: str) -> str:
    reason = f"{text!r} is not a number or a statistical symbol {SYMBOL_HINT}"
    other = "." if decimal == "," else ","
    if _NUMBERISH.fullmatch(stripped) and _parse_number(stripped, other) is not None:
        name = "comma" if decimal == "," else "point"
        reason += f"; this file uses the decimal {name} ({decimal!r})"
    return reason


def detect_decimal(samples: Iterable[str], *, default: str = ",") -> str:
    """The decimal mark (``","`` or ``"."``) of a file, decided from its cell texts.

    Rule: a cell is *evidence* for a mark when it is written like a number (sign, digits, points and
    commas; ``(…)`` or a ``p`` suffix allowed) and

    - it holds both marks: the one that comes last is the decimal mark (``1.234,5`` → comma);
    - it holds one mark once, followed by other than exactly three digits (``12,5``, ``0.25``, ``3,1416``).

    Cells like ``1.234`` or ``1,234`` could be either (a decimal or a thousands grouping) and count for
    neither. The mark with more evidence wins (ties go to the comma); without any evidence ``default``
    is returned. :func:`sozialmonitor.importers.tables.read_table` passes the default ``","`` for files
    separated by ``;`` or tabs and for spreadsheets (German convention), ``"."`` for ``,``-separated files.
    """
    votes = {",": 0, ".": 0}
    for sample in samples:
        mark = _evidence(sample)
        if mark is not None:
            votes[mark] += 1
    if votes[","] == 0 and votes["."] == 0:
        return default
    return "," if votes[","] >= votes["."] else "."


def _evidence(sample: str) -> str | None:
    text = sample.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = text.removesuffix("p").strip()
    if not _NUMBERISH.fullmatch(text):
        return None
    last = max(text.rfind(","), text.rfind("."))
    if last < 0:
        return None
    if "," in text and "." in text:
        mark = text[last]
        return mark if _parse_number(text, mark) is not None else None
    mark = text[last]
    if text.count(mark) == 1 and len(text) - last - 1 != 3:
        return mark
    return None


def normalise_period(raw: object) -> str:
    """A period as stored: a year ``"2019"`` or an ISO date ``"2019-12-31"``.

    Accepts years (text ``"2019"``, ``2019``, ``2019.0``), ISO dates, German dates ``31.12.2019`` and
    date/datetime values from spreadsheets (the time of day is dropped). Years must lie in 1800–2200.
    Raises ``ValueError`` naming the value otherwise.
    """
    reason = f"{raw!r} is not a period; expected a year (2019) or a date (2019-12-31 or 31.12.2019)"
    if isinstance(raw, datetime | date):
        try:
            day = date(raw.year, raw.month, raw.day)
        except (TypeError, ValueError):  # pandas.NaT is a datetime without a date
            raise ValueError(reason) from None
        return _checked(day, reason).isoformat()
    if isinstance(raw, bool):
        raise ValueError(reason)
    if isinstance(raw, Integral):
        return _year(int(raw), reason)
    if isinstance(raw, Real):
        number = float(raw)
        if not number.is_integer():
            raise ValueError(reason)
        return _year(int(number), reason)
    if not isinstance(raw, str):
        raise ValueError(reason)

    text = raw.strip()
    if re.fullmatch(r"\d{4}(?:\.0)?", text):
        return _year(int(text[:4]), reason)
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    german = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if iso:
        year, month, day_ = (int(part) for part in iso.groups())
    elif german:
        day_, month, year = (int(part) for part in german.groups())
    else:
        raise ValueError(reason)
    try:
        day = date(year, month, day_)
    except ValueError:
        raise ValueError(reason) from None
    return _checked(day, reason).isoformat()


def _year(year: int, reason: str) -> str:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{reason}; years must lie in {FIRST_YEAR}–{LAST_YEAR}")
    return str(year)


def _checked(day: date, reason: str) -> date:
    _year(day.year, reason)
    return day
