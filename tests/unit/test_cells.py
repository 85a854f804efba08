"""Single cells: numbers, German statistical symbols, periods, and the decimal-mark rule."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sozialmonitor.importers.cells import Cell, detect_decimal, normalise_period, parse_value
from sozialmonitor.vocab import Status

# --- parse_value ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, Cell(None, Status.MISSING)),
        ("", Cell(None, Status.MISSING)),
        ("  \u00a0 ", Cell(None, Status.MISSING)),
        (math.nan, Cell(None, Status.MISSING)),
        (".", Cell(None, Status.SECRET)),
        (" . ", Cell(None, Status.SECRET)),
        ("x", Cell(None, Status.NOT_APPLICABLE)),
        ("X", Cell(None, Status.NOT_APPLICABLE)),
        ("...", Cell(None, Status.LATER)),
        ("…", Cell(None, Status.LATER)),
        ("/", Cell(None, Status.UNRELIABLE)),
        ("-", Cell(None, Status.MISSING)),
        ("–", Cell(None, Status.MISSING)),
        ("—", Cell(None, Status.MISSING)),
        ("(12,3)", Cell(12.3, Status.UNRELIABLE)),
        ("( 12,3 )", Cell(12.3, Status.UNRELIABLE)),
        ("12,3p", Cell(12.3, Status.PROVISIONAL)),
        ("12,3 p", Cell(12.3, Status.PROVISIONAL)),
        ("12,3", Cell(12.3, Status.OK)),
        ("1.234,5", Cell(1234.5, Status.OK)),
        ("1.234", Cell(1234.0, Status.OK)),  # with the decimal comma the point groups thousands
        ("1.234.567", Cell(1234567.0, Status.OK)),
        ("1 234,5", Cell(1234.5, Status.OK)),
        ("\u00a01\u00a0234,5\u00a0", Cell(1234.5, Status.OK)),
        ("+5", Cell(5.0, Status.OK)),
        ("-5", Cell(-5.0, Status.OK)),
        ("−5,5", Cell(-5.5, Status.OK)),  # U+2212 minus sign
        ("0", Cell(0.0, Status.OK)),
        ("007", Cell(7.0, Status.OK)),
        (12, Cell(12.0, Status.OK)),
        (12.5, Cell(12.5, Status.OK)),
        (np.float64(1.5), Cell(1.5, Status.OK)),
        (np.int64(3), Cell(3.0, Status.OK)),
    ],
)
def test_parse_value_with_decimal_comma(text: object, expected: Cell) -> None:
    assert parse_value(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.3", 12.3),
        ("1,234.5", 1234.5),
        ("1,234", 1234.0),  # with the decimal point the comma groups thousands
        ("0.25", 0.25),
        ("1.5e-05", 1.5e-05),
        ("−0.5", -0.5),
    ],
)
def test_parse_value_with_decimal_point(text: str, expected: float) -> None:
    assert parse_value(text, decimal=".") == Cell(expected, Status.OK)


@pytest.mark.parametrize("dash", ["-", "–", "—"])
def test_dash_means_zero_when_asked(dash: str) -> None:
    assert parse_value(dash, dash_means="zero") == Cell(0.0, Status.OK)
    assert parse_value(dash, dash_means="missing") == Cell(None, Status.MISSING)


@pytest.mark.parametrize(
    "text",
    [
        "12a",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "12,3,4",
        "1.23.4",
        "(x)",
        "12,3q",
        "--",
        "1,2,3",
        "p",
        "()",
    ],
)
def test_parse_value_rejects_text_that_is_no_number(text: str) -> None:
    with pytest.raises(ValueError, match="is not a number or a statistical symbol"):
        parse_value(text)


def test_error_names_the_text_and_the_symbols() -> None:
    with pytest.raises(ValueError) as caught:
        parse_value("12a")
    assert str(caught.value) == "'12a' is not a number or a statistical symbol (. x ... / - –)"


@pytest.mark.parametrize(
    ("text", "decimal", "hint"), [("1.23", ",", "decimal comma"), ("1,23", ".", "decimal point")]
)
def test_error_hints_at_the_other_decimal_mark(text: str, decimal: str, hint: str) -> None:
    with pytest.raises(ValueError, match=hint):
        parse_value(text, decimal=decimal)


@pytest.mark.parametrize("value", [True, False, datetime(2020, 1, 1), math.inf, [1]])
def test_parse_value_rejects_non_numbers_from_spreadsheets(value: object) -> None:
    with pytest.raises(ValueError):
        parse_value(value)


def test_parse_value_rejects_an_unknown_decimal_mark() -> None:
    with pytest.raises(ValueError, match="decimal mark"):
        parse_value("1", decimal=";")


@given(st.text(max_size=30))
def test_parse_value_never_fails_otherwise_than_with_value_error(text: str) -> None:
    for decimal in (",", "."):
        try:
            cell = parse_value(text, decimal=decimal)
        except ValueError:
            continue
        assert isinstance(cell.status, Status)
        assert cell.value is None or math.isfinite(cell.value)


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_german_and_english_formatting_round_trips(number: float) -> None:
    english = f"{number:,.2f}"
    german = english.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_value(english, decimal=".").value == pytest.approx(round(number, 2))
    assert parse_value(german, decimal=",").value == pytest.approx(round(number, 2))


# --- detect_decimal -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        (["12,5", "3"], ","),
        (["0.25", "7"], "."),
        (["1.234,5"], ","),
        (["1,234.5"], "."),
        (["3,1416"], ","),  # four digits after the mark: a decimal, not a grouping
        (["(12,3)", "4,5 p"], ","),
        (["1.234", "2.345"], ","),  # ambiguous only: the default
        (["1,234"], ","),
        ([], ","),
        (["31.12.2019", "2019-12-31", "01001", "Kennziffer", ".", "x"], ","),  # no evidence at all
        (["12,5", "0.5", "0.25"], "."),  # majority wins; the minority cells then fail one by one
        (["12,5", "0.5"], ","),  # a tie goes to the comma
    ],
)
def test_detect_decimal(samples: list[str], expected: str) -> None:
    assert detect_decimal(samples) == expected


def test_detect_decimal_falls_back_to_the_given_default() -> None:
    assert detect_decimal(["1,234", "17"], default=".") == "."
    assert detect_decimal(["12,5"], default=".") == ","


# --- normalise_period ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019", "2019"),
        (" 2019 ", "2019"),
        (2019, "2019"),
        (2019.0, "2019"),
        ("2019.0", "2019"),
        (np.int64(2019), "2019"),
        ("2019-12-31", "2019-12-31"),
        ("31.12.2019", "2019-12-31"),
        ("1.2.2020", "2020-02-01"),
        ("29.02.2020", "2020-02-29"),
        (datetime(2019, 12, 31), "2019-12-31"),
        (datetime(2019, 12, 31, 13, 45), "2019-12-31"),
        (date(2019, 6, 30), "2019-06-30"),
        (pd.Timestamp("2019-12-31"), "2019-12-31"),
        ("1800", "1800"),
        ("2200", "2200"),
    ],
)
def test_normalise_period(raw: object, expected: str) -> None:
    assert normalise_period(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "2019/20",
        "13.2019",
        "2019-13-01",
        "2019-02-29",
        "29.02.2019",
        "",
        "  ",
        19,
        "19",
        1799,
        "2201",
        "1799-12-31",
        2019.5,
        True,
        None,
        pd.NaT,
        "2019-1-1",
        "Jahr 2019",
        "2019-12-31T00:00",
    ],
)
def test_normalise_period_rejects(raw: object) -> None:
    with pytest.raises(ValueError, match="is not a period; expected a year"):
        normalise_period(raw)


def test_period_error_names_the_value_and_the_expected_forms() -> None:
    with pytest.raises(ValueError) as caught:
        normalise_period("2019/20")
    expected = "'2019/20' is not a period; expected a year (2019) or a date (2019-12-31 or 31.12.2019)"
    assert str(caught.value) == expected


def test_period_error_for_a_year_out_of_range_says_so() -> None:
    with pytest.raises(ValueError, match="1800–2200"):
        normalise_period(19)
