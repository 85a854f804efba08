"""Numbers as people read them, in German (``de``, the default) or English (``en``).

**Separators.** German: ``1.234,5`` (thousands ``.``, decimal ``,``); English: ``1,234.5``. Thousands are
grouped from four digits on (``1.234``, ``10.997``).

**Signs and gaps.** Negative numbers carry the typographic minus sign U+2212 (``−3,5``). A value that rounds
to zero is printed without sign (``-0.0`` and ``-0.04`` with one decimal give ``0,0``). ``None``, NaN and
infinities print as an en dash ``–`` ("no value").

**Rounding: half away from zero, on the decimal number as Python prints it.** Python's own ``format`` rounds
the binary value (``format(2.675, ".2f") == "2.67"`` because 2.675 is stored as 2.67499999…) and rounds
exact halves to even (``format(0.125, ".2f") == "0.12"``). Readers expect ``2,675 → 2,68`` and
``0,125 → 0,13``, so the value is first converted to its shortest decimal representation (``repr``) and
then rounded half away from zero. Both languages share this rounding; only the separators differ.

**Units.** ``%`` and ``‰`` follow the number after a narrow no-break space in German (``12,5 %``) and
directly in English (``12.5%``); any other unit follows after a no-break space (``1.234 Personen``). The
caller passes the unit in the reader's language.

**A unit that is a multiplier** — it starts with 1 followed by groups of three zeros (``1.000 €``,
``1.000.000 Personen``), optionally after a three-letter currency code (``EUR 1,000``) — would read "33,7 1.000 €".
Its scale becomes a word after the number instead: German ``Tsd.``, ``Mio.``, ``Mrd.``, and the rest of the unit
follows (``33,7 Tsd. €``, ``33,7 Tsd. EUR``); English ``thousand``, ``million``, ``billion``, with a currency
(a code or ``€ $ £``) in front of the number as English writes it (``EUR 33.7 thousand``, ``€33.7 thousand``,
``33.7 thousand persons``). :func:`unit_affixes` gives the text before and after the number, so the browser's
tooltips (assets/map.js) and the charts follow the same rule. All spaces around a unit are no-break spaces.

**Periods** (:func:`period_label`): a date reads ``31.12.2018`` in German and ``31 Dec 2018`` in English (no-break
spaces: a date never breaks across lines); a year stays as it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal

from sozialmonitor.errors import UnknownName

LANGUAGES: tuple[str, ...] = ("de", "en")
MAX_DECIMALS = 6
NO_VALUE = "–"  # en dash U+2013
MINUS = "−"  # minus sign U+2212
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
PERCENT_UNITS = ("%", "‰")
SCALE_WORDS: dict[int, tuple[str, str]] = {3: ("Tsd.", "thousand"), 6: ("Mio.", "million"), 9: ("Mrd.", "billion")}
CURRENCY_SYMBOLS = ("€", "$", "£")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# "1.000 €", "1.000.000 Personen", "EUR 1,000": an optional currency code, 1 and groups of three zeros, the rest
_MULTIPLIER = re.compile(r"^(?:(?P<code>[A-Z]{3})\s+)?1(?P<zeros>(?:[.,\u00a0\u202f ]?000){1,3})"
                         r"(?:\s+(?P<rest>\S.*))?$")

_CONTEXT = Context(prec=400, rounding=ROUND_HALF_UP)  # enough digits for any float with 6 decimals


def _check(decimals: int, lang: str) -> None:
    if lang not in LANGUAGES:
        raise UnknownName("language", lang, LANGUAGES)
    if not 0 <= decimals <= MAX_DECIMALS:
        raise UnknownName("number of decimals", decimals, range(0, MAX_DECIMALS + 1))


def round_half_away(value: float, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` places, half away from zero, on its shortest decimal form."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=_CONTEXT)


def format_number(value: float | None, decimals: int, lang: str) -> str:
    """``value`` with exactly ``decimals`` places in the language's notation (``1234.5, 1, 'de'`` → ``1.234,5``)."""
    _check(decimals, lang)
    if value is None or not math.isfinite(value):
        return NO_VALUE
    rounded = round_half_away(value, decimals)
    text = f"{abs(rounded):,.{decimals}f}"  # English grouping: 1,234.5
    if lang == "de":
        text = text.translate(str.maketrans(",.", ".,"))
    return MINUS + text if rounded < 0 else text


def format_value(value: float | None, unit: str, decimals: int, lang: str) -> str:
    """``value`` with its unit (``'12,5 %'``, ``'12.5%'``, ``'1.234 Personen'``, ``'33,7 Tsd. €'``); no value
    gives ``–`` alone."""
    number = format_number(value, decimals, lang)
    if number == NO_VALUE:
        return number
    before, after = unit_affixes(unit, lang)
    return before + number + after


def unit_affixes(unit: str, lang: str) -> tuple[str, str]:
    """The text before and after a number in ``unit`` (see the module docstring): ``('', ' %')`` for ``%`` in
    German, ``('', ' Tsd. €')`` for ``1.000 €``, ``('EUR ', ' thousand')`` for ``EUR 1,000`` in English."""
    if lang not in LANGUAGES:
        raise UnknownName("language", lang, LANGUAGES)
    unit = unit.strip()
    if not unit:
        return "", ""
    if unit in PERCENT_UNITS:
        return "", (NARROW_NBSP if lang == "de" else "") + unit
    match = _MULTIPLIER.match(unit)
    if match is None:
        return "", NBSP + unit
    word = SCALE_WORDS[3 * match["zeros"].count("000")][0 if lang == "de" else 1]
    code, rest = match["code"], match["rest"] or ""
    currency = code or (rest if rest in CURRENCY_SYMBOLS else "")
    if lang == "en" and currency:
        after = rest if code else ""
        return (currency + ("" if currency in CURRENCY_SYMBOLS else NBSP),
                NBSP + word + (NBSP + after.replace(" ", NBSP) if after else ""))
    tail = " ".join(part for part in (code, rest) if part).replace(" ", NBSP)
    return "", NBSP + word + (NBSP + tail if tail else "")


def format_range(lower: float, upper: float, decimals: int, lang: str, *, first: bool) -> str:
    """Legend label of one class, matching :mod:`sozialmonitor.classify`: the first class includes both
    bounds (``'10,0 – 15,0'``), later classes exclude the lower one (``'> 10,0 – 15,0'``). A first class whose
    bounds print alike shows one number (all values equal)."""
    low = format_number(lower, decimals, lang)
    high = format_number(upper, decimals, lang)
    if first:
        return low if low == high else f"{low} – {high}"
    return f"> {low} – {high}"


def plotly_separators(lang: str) -> str:
    """Plotly's ``layout.separators``: decimal mark, then thousands separator."""
    if lang not in LANGUAGES:
        raise UnknownName("language", lang, LANGUAGES)
    return ",." if lang == "de" else ".,"


def decimals_for_breaks(breaks: Sequence[float], base_decimals: int) -> int:
    """The fewest decimals, at least ``base_decimals`` and at most :data:`MAX_DECIMALS`, with which distinct
    ``breaks`` print distinctly. Pass the classification's ``lower`` along with the breaks to cover it too."""
    _check(base_decimals, "de")
    distinct = {float(b) for b in breaks if math.isfinite(b)}
    for decimals in range(base_decimals, MAX_DECIMALS + 1):
        if len({round_half_away(b, decimals) for b in distinct}) == len(distinct):
            return decimals
    return MAX_DECIMALS


def parse_number_list(text: str | None, lang: str) -> tuple[float, ...] | None:
    """``"1; 0,5"`` (de) or ``"1; 0.5"`` (en) → (1.0, 0.5) in the given order; ``()`` for an empty text;
    None when a part is not a number. Parts are separated by ``;`` or line breaks."""
    if not text or not text.strip():
        return ()
    values = []
    for part in text.replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        if lang == "de":
            part = part.replace(".", "").replace(",", ".")
        try:
            values.append(float(part))
        except ValueError:
            return None
    return tuple(values)


def period_label(period: str, lang: str) -> str:
    """A period as people write it: ``2018-12-31`` → ``31.12.2018`` in German, ``31 Dec 2018`` in English (with
    no-break spaces, so a date never breaks across lines); years stay as they are."""
    if len(period) == 10 and period[4] == "-" and period[7] == "-":
        year, month, day = period.split("-")
        if lang == "en" and month.isdigit() and 1 <= int(month) <= 12 and day.isdigit():
            return f"{int(day)}{NBSP}{MONTHS_EN[int(month) - 1]}{NBSP}{year}"
        if lang != "en":
            return f"{day}.{month}.{year}"
    return period


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as the start of a formula


def spreadsheet_text(value: object) -> object:
    """A text cell a spreadsheet shows as text, never runs: one starting like a formula gets a leading ``'``
    (OWASP's advice against CSV injection; area names and units come from delivered files). Other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
