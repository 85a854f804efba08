"""Number formatting per language (sozialmonitor/formatting.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sozialmonitor.errors import UnknownName
from sozialmonitor.formatting import (
    decimals_for_breaks,
    format_number,
    format_range,
    format_value,
    period_label,
    plotly_separators,
    unit_affixes,
)

MINUS = "\u2212"
NBSP = "\u00a0"
NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("value", "decimals", "de", "en"),
    [
        (1234.5, 1, "1.234,5", "1,234.5"),
        (10997, 0, "10.997", "10,997"),
        (999, 0, "999", "999"),
        (1234567.891, 2, "1.234.567,89", "1,234,567.89"),
        (0, 1, "0,0", "0.0"),
        (-0.0, 1, "0,0", "0.0"),
        (-0.04, 1, "0,0", "0.0"),  # rounds to zero: no sign
        (-3.5, 1, f"{MINUS}3,5", f"{MINUS}3.5"),
        (-12345.678, 0, f"{MINUS}12.346", f"{MINUS}12,346"),
        (12.5, 0, "13", "13"),  # half away from zero, not to even
        (-12.5, 0, f"{MINUS}13", f"{MINUS}13"),
        (0.125, 2, "0,13", "0.13"),  # format() would give 0.12
        (2.675, 2, "2,68", "2.68"),  # binary 2.67499…; format() would give 2.67
        (1e22, 0, "10.000.000.000.000.000.000.000", "10,000,000,000,000,000,000,000"),
        (7, 3, "7,000", "7.000"),
    ],
)
def test_format_number(value: float, decimals: int, de: str, en: str) -> None:
    assert format_number(value, decimals, "de") == de
    assert format_number(value, decimals, "en") == en


@pytest.mark.parametrize("value", [None, math.nan, math.inf, -math.inf])
def test_no_value_is_an_en_dash(value: float | None) -> None:
    assert format_number(value, 1, "de") == "–"
    assert format_number(value, 1, "en") == "–"
    assert format_value(value, "%", 1, "de") == "–"


def test_numpy_numbers() -> None:
    np = pytest.importorskip("numpy")
    assert format_number(np.float64(1234.5), 1, "de") == "1.234,5"
    assert format_number(np.int64(10997), 0, "en") == "10,997"


def test_format_value_units() -> None:
    assert format_value(12.5, "%", 1, "de") == f"12,5{NNBSP}%"
    assert format_value(12.5, "%", 1, "en") == "12.5%"
    assert format_value(1.5, "‰", 1, "de") == f"1,5{NNBSP}‰"
    assert format_value(1234, "Personen", 0, "de") == f"1.234{NBSP}Personen"
    assert format_value(1234, "persons", 0, "en") == f"1,234{NBSP}persons"
    assert format_value(-2, "", 1, "de") == f"{MINUS}2,0"


@pytest.mark.parametrize(
    ("unit", "de", "en"),
    [
        # a unit that is a multiplier reads as a scale word after the number, never "33,7 1.000 €"
        ("1.000 €", f"33,7{NBSP}Tsd.{NBSP}€", f"€33.7{NBSP}thousand"),
        ("EUR 1,000", f"33,7{NBSP}Tsd.{NBSP}EUR", f"EUR{NBSP}33.7{NBSP}thousand"),  # GDP per capita (INKAR)
        ("1.000.000 Personen", f"33,7{NBSP}Mio.{NBSP}Personen", f"33.7{NBSP}million{NBSP}Personen"),
        ("1,000 persons", f"33,7{NBSP}Tsd.{NBSP}persons", f"33.7{NBSP}thousand{NBSP}persons"),
        ("1000", f"33,7{NBSP}Tsd.", f"33.7{NBSP}thousand"),
        # not multipliers: plain units stay behind the number
        ("je 100 Einw.", f"33,7{NBSP}je 100 Einw.", f"33.7{NBSP}je 100 Einw."),
        ("10 km", f"33,7{NBSP}10 km", f"33.7{NBSP}10 km"),
        ("€", f"33,7{NBSP}€", f"33.7{NBSP}€"),
    ],
)
def test_a_multiplier_unit_reads_as_a_word(unit: str, de: str, en: str) -> None:
    assert format_value(33.7, unit, 1, "de") == de
    assert format_value(33.7, unit, 1, "en") == en
    before, after = unit_affixes(unit, "en")
    assert before + "33.7" + after == en  # the browser's tooltips put the same affixes around their number


def test_dates_read_per_language_and_never_break() -> None:
    assert period_label("2020-12-31", "de") == "31.12.2020"
    assert period_label("2020-12-31", "en") == f"31{NBSP}Dec{NBSP}2020"
    assert period_label("2015-06-30", "en") == f"30{NBSP}Jun{NBSP}2015"
    assert period_label("2017", "en") == period_label("2017", "de") == "2017"
    assert " " not in period_label("2020-12-31", "en") and "-" not in period_label("2020-12-31", "en")


def test_format_range() -> None:
    assert format_range(10, 15, 1, "de", first=True) == "10,0 – 15,0"
    assert format_range(10, 15, 1, "de", first=False) == "> 10,0 – 15,0"
    assert format_range(10, 15, 1, "en", first=False) == "> 10.0 – 15.0"
    assert format_range(-5, 0, 0, "de", first=True) == f"{MINUS}5 – 0"
    assert format_range(7, 7, 1, "de", first=True) == "7,0"  # all values equal


def test_plotly_separators() -> None:
    assert plotly_separators("de") == ",."
    assert plotly_separators("en") == ".,"


def test_decimals_for_breaks() -> None:
    assert decimals_for_breaks([1, 2, 3], 0) == 0
    assert decimals_for_breaks([1.01, 1.02, 1.5], 1) == 2
    assert decimals_for_breaks([10.25, 10.3], 0) == 2
    assert decimals_for_breaks([0.1234567, 0.1234568], 0) == 6  # at most 6
    assert decimals_for_breaks([5.0, 5.0], 1) == 1  # equal breaks need no extra digits
    assert decimals_for_breaks([], 2) == 2


@pytest.mark.parametrize(("decimals", "lang"), [(-1, "de"), (7, "de"), (1, "fr")])
def test_bad_arguments(decimals: int, lang: str) -> None:
    with pytest.raises(UnknownName):
        format_number(1.0, decimals, lang)


def test_unknown_language_lists_the_allowed_ones() -> None:
    with pytest.raises(UnknownName, match="'fr'; allowed: de, en"):
        plotly_separators("fr")


@given(
    value=st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
    decimals=st.integers(min_value=0, max_value=6),
)
def test_languages_differ_only_in_separators(value: float, decimals: int) -> None:
    de = format_number(value, decimals, "de")
    en = format_number(value, decimals, "en")
    assert de.translate(str.maketrans(",.", ".,")) == en
    half_step = 0.5 * 10**-decimals
    # the printed number is within half a step of the value, give or take the spacing of floats at its size
    # (549755813888.75 printed as …888.8 reads back as …888.80005: a float cannot hold …888.8 exactly)
    tolerance = half_step * 1.000001 + 4 * math.ulp(value)
    assert float(en.replace(",", "").replace(MINUS, "-")) == pytest.approx(value, abs=tolerance, rel=0)
