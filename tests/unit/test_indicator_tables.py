"""Reshaping long, wide and INKAR tables into long observations, and the problems each rule reports."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sozialmonitor.errors import Problem, UnknownName
from sozialmonitor.importers.indicator_tables import (
    OBSERVATION_COLUMNS,
    Format,
    ParsedObservations,
    parse_indicator_table,
)
from sozialmonitor.importers.tables import RawTable, RawValue, read_table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indicators"
INKAR = Path("/work/shared/data/raw/germany_inkar_kreise")
NAN = math.nan

Record = tuple[int, str, str, str, float | None, float | None, float | None, str]


def parse(name: str, fmt: Format = "long", **kwargs: str) -> ParsedObservations:
    return parse_indicator_table(read_table(FIXTURES / name, display_name=name), fmt, **kwargs)  # type: ignore[arg-type]


def parse_rows(rows: list[list[RawValue]], fmt: Format = "long", **kwargs: str) -> ParsedObservations:
    return parse_indicator_table(RawTable(file="t.csv", rows=rows, decimal=","), fmt, **kwargs)  # type: ignore[arg-type]


def records(parsed: ParsedObservations) -> list[Record]:
    """Observations as tuples; NaN replaced by None so that equality works."""
    frame = parsed.observations
    assert tuple(frame.columns) == OBSERVATION_COLUMNS
    out = []
    for row in frame.itertuples(index=False):
        out.append(tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row))
    return out  # type: ignore[return-value]


def assert_problems(
    parsed: ParsedObservations, expected: list[tuple[str, int | None, str | None, str]]
) -> None:
    """Exactly these problems, in this order: file, row and column equal, reason containing the text."""
    got = [(p.file, p.row, p.column, p.reason) for p in parsed.problems]
    assert [(f, r, c) for f, r, c, _ in got] == [(f, r, c) for f, r, c, _ in expected], got
    for (_, _, _, reason), (_, _, _, part) in zip(got, expected, strict=True):
        assert part in reason, (reason, part)


# --- long ---------------------------------------------------------------------------------------------


def test_long_utf8_comma_with_numerator_denominator_and_status() -> None:
    parsed = parse("synthetic_long_utf8_comma.csv")
    assert parsed.problems == []
    assert records(parsed) == [
        (2, "01001", "unemployment_rate", "2019", 5.25, 525.0, 10000.0, "ok"),
        (3, "01001", "unemployment_rate", "2020", 6.5, 650.0, 10000.0, "provisional"),
        (4, "01002", "unemployment_rate", "2019", None, None, None, "secret"),
        (5, "01002", "unemployment_rate", "2020", 1234.5, None, None, "ok"),
    ]


def test_long_german_symbols_decimal_comma_and_german_dates() -> None:
    parsed = parse("synthetic_long_semicolon_cp1252.csv")
    assert parsed.problems == []
    got = [(r[0], r[1], r[3], r[4], r[7]) for r in records(parsed)]
    assert got == [
        (2, "01001", "2019", 12.5, "ok"),
        (3, "01001", "2020", 1234.5, "ok"),
        (4, "01002", "2019", None, "secret"),
        (5, "01002", "2020", None, "not_applicable"),
        (6, "01003", "2019", None, "later"),
        (7, "01003", "2020", None, "unreliable"),
        (8, "01004", "2019-12-31", None, "missing"),
        (9, "01004", "2020", 12.3, "unreliable"),
        (10, "01005", "2020", 7.0, "provisional"),
        (11, "01006", "2020", None, "missing"),
    ]


def test_long_dash_means_zero() -> None:
    parsed = parse("synthetic_long_semicolon_cp1252.csv", dash_means="zero")
    dashes = [(r[0], r[4], r[7]) for r in records(parsed) if r[0] in (8, 11)]
    assert dashes == [(8, 0.0, "ok"), (11, 0.0, "ok")]


def test_long_header_case_spaces_and_bom() -> None:
    parsed = parse("synthetic_long_bom.csv")
    assert parsed.problems == []
    assert records(parsed) == [
        (2, "01001", "alq", "2019", 4.5, None, None, "ok"),
        (3, "01002", "alq", "2019", 3.25, None, None, "ok"),
    ]


def test_long_from_xlsx_with_typed_cells() -> None:
    parsed = parse("synthetic_long.xlsx")
    assert parsed.problems == []
    assert records(parsed) == [
        (2, "01001", "alq", "2019", 5.5, None, None, "ok"),
        (3, "01002", "alq", "2019-12-31", 4.0, None, None, "ok"),
        (4, "01003", "alq", "2020", None, None, None, "secret"),
    ]


def test_long_area_col_names_the_area_column() -> None:
    rows: list[list[RawValue]] = [
        ["Schlüssel", "indicator_id", "period", "value"],
        ["SR-01", "alq", "2019", "1"],
    ]
    assert records(parse_rows(rows, area_col=" schlüssel")) == [
        (2, "SR-01", "alq", "2019", 1.0, None, None, "ok")
    ]
    assert_problems(
        parse_rows(rows, area_col="Gebiet"),
        [("t.csv", 1, "Gebiet", "missing required column 'Gebiet'; the header row has: 'Schlüssel'")],
    )


def test_long_indicator_fills_a_missing_indicator_column_only() -> None:
    without: list[list[RawValue]] = [["area_id", "period", "value"], ["01001", "2019", "1"]]
    assert records(parse_rows(without, indicator="alq"))[0][2] == "alq"
    with_column: list[list[RawValue]] = [
        ["area_id", "indicator_id", "period", "value"],
        ["01001", "x", 2019, 1],
    ]
    assert records(parse_rows(with_column, indicator="alq"))[0][2] == "x"


def test_long_excel_float_ids_lose_their_point_zero() -> None:
    rows: list[list[RawValue]] = [["area_id", "indicator_id", "period", "value"], [1001.0, "alq", 2019.0, 3]]
    assert records(parse_rows(rows)) == [(2, "1001", "alq", "2019", 3.0, None, None, "ok")]


def test_long_unknown_extra_columns_are_ignored_and_footnotes_skipped() -> None:
    rows: list[list[RawValue]] = [
        ["area_id", "indicator_id", "period", "value", "Bemerkung"],
        ["01001", "alq", "2019", "1", "x"],
        [None, None, None, None, "Quelle: synthetisch"],
        [],
    ]
    parsed = parse_rows(rows)
    assert parsed.problems == []
    assert len(parsed.observations) == 1


def test_long_status_column_combines_with_symbols() -> None:
    rows: list[list[RawValue]] = [
        ["area_id", "indicator_id", "period", "value", "status"],
        ["01", "a", "2019", "", "secret"],
        ["02", "a", "2019", "5", "unreliable"],
        ["03", "a", "2019", "", "unreliable"],
        ["04", "a", "2019", ".", "SECRET"],
        ["05", "a", "2019", "4", "provisional"],
    ]
    parsed = parse_rows(rows)
    assert parsed.problems == []
    assert [(r[1], r[4], r[7]) for r in records(parsed)] == [
        ("01", None, "secret"),
        ("02", 5.0, "unreliable"),
        ("03", None, "unreliable"),
        ("04", None, "secret"),
        ("05", 4.0, "provisional"),
    ]


def test_long_repeated_header_is_reported() -> None:
    rows: list[list[RawValue]] = [
        ["area_id", "indicator_id", "period", "value", "Value"],
        ["1", "a", "2019", "1", "2"],
    ]
    assert_problems(
        parse_rows(rows), [("t.csv", 1, "value", "column 'value' appears 2 times (columns 4, 5)")]
    )


# --- wide ---------------------------------------------------------------------------------------------


def test_wide_per_period_columns() -> None:
    parsed = parse("synthetic_wide_periods.csv", "wide", indicator="alq")
    assert parsed.problems == []
    assert records(parsed) == [
        (2, "01001", "alq", "2019", 10.5, None, None, "ok"),
        (2, "01001", "alq", "2020", 11.0, None, None, "ok"),
        (2, "01001", "alq", "2021-12-31", None, None, None, "secret"),
        (3, "01002", "alq", "2019", 9.75, None, None, "ok"),
        (3, "01002", "alq", "2020", None, None, None, "missing"),
        (3, "01002", "alq", "2021-12-31", 12.0, None, None, "ok"),
    ]


def test_wide_needs_indicator() -> None:
    parsed = parse("synthetic_wide_periods.csv", "wide")
    assert_problems(parsed, [("synthetic_wide_periods.csv", None, None, "wide format needs --indicator")])
    assert parsed.observations.empty


def test_wide_without_period_columns() -> None:
    parsed = parse("synthetic_broken_wide_no_periods.csv", "wide", indicator="alq")
    expected = "no period columns found; headers were 'Jahr 2019', 'Wert'"
    assert_problems(parsed, [("synthetic_broken_wide_no_periods.csv", 1, None, expected)])


def test_wide_without_area_column_asks_for_area_col() -> None:
    rows: list[list[RawValue]] = [["Sozialraum", "2019"], ["SR-01", "1"]]
    assert_problems(parse_rows(rows, "wide", indicator="a"), [("t.csv", 1, None, "pass --area-col")])
    assert records(parse_rows(rows, "wide", indicator="a", area_col="Sozialraum")) == [
        (2, "SR-01", "a", "2019", 1.0, None, None, "ok")
    ]


def test_wide_excel_period_headers_and_repeated_period() -> None:
    rows: list[list[RawValue]] = [["id", 2019.0, 2020, "2019"], ["01", 1, 2, 3]]
    parsed = parse_rows(rows, "wide", indicator="a")
    assert_problems(parsed, [("t.csv", 1, "2019", "period '2019' repeats column '2019'; column ignored")])
    assert [r[3] for r in records(parsed)] == ["2019", "2020"]


def test_wide_bad_cells_and_empty_area() -> None:
    rows: list[list[RawValue]] = [
        ["AGS", "Name", "2019", "2020"],
        ["01", "A", "1", "zwei"],
        ["", "B", "3", ""],
        ["", "Quelle: synthetisch", "", ""],
    ]
    assert_problems(
        parse_rows(rows, "wide", indicator="a"),
        [("t.csv", 2, "2020", "'zwei' is not a number"), ("t.csv", 3, "AGS", "area id is empty")],
    )


def test_wide_duplicate_area_is_one_problem_per_row() -> None:
    rows: list[list[RawValue]] = [["id", "2019", "2020"], ["01", "1", "2"], ["01", "3", "4"]]
    parsed = parse_rows(rows, "wide", indicator="a")
    assert_problems(
        parsed, [("t.csv", 3, None, "duplicates row 2: area_id '01', the same indicator and period in 2")]
    )


# --- INKAR --------------------------------------------------------------------------------------------


def test_inkar_small_csv_with_footnote() -> None:
    parsed = parse("synthetic_inkar_small.csv", "inkar")
    assert parsed.problems == []
    assert records(parsed) == [
        (3, "01001", "Arbeitslosenquote", "2018", 6.1, None, None, "ok"),
        (3, "01001", "Arbeitslosenquote", "2019", 5.9, None, None, "ok"),
        (3, "01001", "Arbeitslosenquote", "2020", None, None, None, "secret"),
        (4, "01002", "Arbeitslosenquote", "2018", 4.0, None, None, "ok"),
        (4, "01002", "Arbeitslosenquote", "2019", 3.8, None, None, "ok"),
        (4, "01002", "Arbeitslosenquote", "2020", 4.2, None, None, "ok"),
    ]


def test_inkar_indicator_forces_one_id() -> None:
    parsed = parse("synthetic_inkar_small.csv", "inkar", indicator="alq")
    assert set(parsed.observations["indicator_id"]) == {"alq"}


def test_inkar_several_indicators() -> None:
    parsed = parse("synthetic_inkar_two_indicators.csv", "inkar")
    assert parsed.problems == []
    assert [(r[2], r[3]) for r in records(parsed)] == [
        ("Arbeitslosenquote", "2019"),
        ("Arbeitslosenquote", "2020"),
        ("Wahlbeteiligung", "2017"),
    ]
    forced = parse("synthetic_inkar_two_indicators.csv", "inkar", indicator="alq")
    expected = "--indicator 'alq' given, but the file holds several indicators: 'Arbeitslosenquote', 'Wahl"
    assert_problems(forced, [("synthetic_inkar_two_indicators.csv", None, None, expected)])


def test_inkar_numeric_kennziffer_is_padded_to_five_digits() -> None:
    parsed = parse("synthetic_inkar_numeric_ids.xlsx", "inkar")
    assert parsed.problems == []
    assert list(dict.fromkeys(parsed.observations["area_id"])) == ["01001", "01002", "16077"]


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["1001", "16077"], ["01001", "16077"]),
        ([1001.0, 16077.0], ["01001", "16077"]),
        (["1", "16"], ["1", "16"]),  # Länder: not Kreis keys, left alone
        (["1001000", "16077001"], ["1001000", "16077001"]),  # Gemeinden: left alone
        (["1001", "1001000"], ["1001", "1001000"]),  # mixed lengths: left alone
        (["1001", "K1002"], ["1001", "K1002"]),  # not all numeric: left alone
    ],
)
def test_inkar_padding_rule(ids: list[RawValue], expected: list[str]) -> None:
    rows: list[list[RawValue]] = [["Kennziffer", "X"], [None, "2019"], *([i, "1"] for i in ids)]
    assert list(parse_rows(rows, "inkar").observations["area_id"]) == expected


def test_inkar_empty_names_continue_from_the_left_and_labels_are_skipped() -> None:
    rows: list[list[RawValue]] = [
        ["Kennziffer", "Raumeinheit", "Aggregat", "Quote", None],
        [None, None, None, "2019", "2020"],
        ["01001", "A", "krsfr. Stadt", "1", "2"],
    ]
    assert [(r[2], r[3]) for r in records(parse_rows(rows, "inkar"))] == [
        ("Quote", "2019"),
        ("Quote", "2020"),
    ]


def test_inkar_header_problems() -> None:
    rows: list[list[RawValue]] = [
        ["Kennziffer", None, "Quote", "Quote"],
        [None, "2019", "2019/20", "2019"],
        ["01001", "1", "2", "3"],
        [None, None, None, "4"],
    ]
    assert_problems(
        parse_rows(rows, "inkar"),
        [
            ("t.csv", 1, "2019", "no indicator name above this year"),
            ("t.csv", 2, "Quote 2019/20", "'2019/20' is not a period"),
            ("t.csv", 4, "Kennziffer", "area id is empty"),
        ],
    )


def test_inkar_without_kennziffer_or_years() -> None:
    assert_problems(
        parse_rows([["AGS", "Quote"], [None, "2019"], ["01", "1"]], "inkar"),
        [("t.csv", 1, None, "no area column found (looked for kennziffer); pass --area-col")],
    )
    assert_problems(
        parse_rows([["Kennziffer", "Quote"], [None, None], ["01", "1"]], "inkar"),
        [("t.csv", 2, None, "no value columns found: row 2 should hold the years")],
    )
    assert_problems(parse_rows([["Kennziffer", "Quote"]], "inkar"), [("t.csv", None, None, "found 1 row")])


@pytest.mark.skipif(not INKAR.is_dir(), reason="real INKAR exports not available")
@pytest.mark.parametrize(
    ("name", "indicator", "count", "first"),
    [
        ("Arbeitslosenquote.xls", "Arbeitslosenquote", 401 * 20, ("1998", 14.6)),
        ("BIP_je_Einwohner.xls", "Bruttoinlandsprodukt je Einwohner", 401 * 18, ("2000", 31.1)),
        ("Durchschnittsalter_Kreise.csv", "Durchschnittsalter der Bevölkerung", 401 * 23, ("1995", 40.2)),
        ("Stadt_Land.xls", "Städtischer / ländlicher Raum", 401, ("2017", 2.0)),
        ("Wahlbeteiligung.csv", "Wahlbeteiligung", 401 * 7, ("1994", 75.1)),
    ],
)
def test_real_inkar_exports(name: str, indicator: str, count: int, first: tuple[str, float]) -> None:
    parsed = parse_indicator_table(read_table(INKAR / name), "inkar")
    frame = parsed.observations
    assert parsed.problems == []
    assert len(frame) == count
    assert set(frame["indicator_id"]) == {indicator}
    assert set(frame["status"]) == {"ok"}
    assert frame["area_id"].nunique() == 401
    assert frame["area_id"].str.fullmatch(r"\d{5}").all()
    assert (frame.iloc[0]["area_id"], frame.iloc[0]["period"], frame.iloc[0]["value"]) == ("01001", *first)
    assert frame.iloc[-1]["area_id"] == "16077"


# --- broken fixtures: one rule each ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("synthetic_broken_value.csv", [(3, "value", "'12a' is not a number or a statistical symbol")]),
        ("synthetic_broken_period.csv", [(2, "period", "'2019/20' is not a period")]),
        (
            "synthetic_broken_duplicate.csv",
            [(4, None, "duplicates row 2: area_id '01001', indicator_id 'alq'")],
        ),
        ("synthetic_broken_missing_column.csv", [(1, "value", "missing required column 'value'")]),
        ("synthetic_broken_empty_area.csv", [(3, "area_id", "area id is empty")]),
        (
            "synthetic_broken_status.csv",
            [
                (2, "status", "status 'final' is not one of: ok, missing, secret"),
                (3, "status", "status 'ok' needs a value"),
                (4, "status", "status 'secret' cannot carry a value; the value cell holds '4.5'"),
                (5, "status", "value '.' means status 'secret', but the status column says 'ok'"),
            ],
        ),
    ],
)
def test_broken_fixture_reports_exactly(name: str, expected: list[tuple[int, str | None, str]]) -> None:
    parsed = parse(name)
    assert_problems(parsed, [(name, row, column, reason) for row, column, reason in expected])


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    name = "synthetic_broken_many.csv"
    parsed = parse(name)
    assert_problems(
        parsed,
        [
            (name, 3, None, "duplicates row 2: area_id '01001', indicator_id 'alq', period '2019'"),
            (name, 4, "area_id", "area id is empty"),
            (name, 5, "period", "'2019/20' is not a period"),
            (name, 6, "value", "'viele' is not a number"),
            (name, 7, "numerator", "'zehn' is not a number"),
            (name, 8, "indicator_id", "indicator id is empty"),
        ],
    )
    assert records(parsed) == [(2, "01001", "alq", "2019", 5.5, 55.0, None, "ok")]


# --- shape of the result -------------------------------------------------------------------------------


def test_empty_result_has_the_columns_and_types() -> None:
    parsed = parse("synthetic_broken_missing_column.csv")
    frame = parsed.observations
    assert frame.empty
    assert tuple(frame.columns) == OBSERVATION_COLUMNS
    assert str(frame["row"].dtype) == "int64"
    assert str(frame["value"].dtype) == "float64"
    assert frame["area_id"].dtype == "str"


def test_header_without_data_rows_is_a_problem() -> None:
    parsed = parse_rows([["area_id", "indicator_id", "period", "value"]])
    assert parsed.problems == [Problem("t.csv", None, None, "no data rows below the header")]


def test_unknown_format_lists_the_formats() -> None:
    with pytest.raises(UnknownName, match="allowed: inkar, long, wide"):
        parse_rows([["a"]], "csv")  # type: ignore[arg-type]
