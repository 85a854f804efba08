"""Reading files into raw cells: encodings, separators, spreadsheets, and every way a file can be unusable."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import pytest

from sozialmonitor.errors import Problem, ValidationFailed
from sozialmonitor.importers.tables import RawTable, detect_separator, read_table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indicators"
INKAR = Path("/work/shared/data/raw/germany_inkar_kreise")


def read(name: str, **kwargs: object) -> RawTable:
    return read_table(FIXTURES / name, display_name=name, **kwargs)  # type: ignore[arg-type]


def problems_of(path: Path, **kwargs: object) -> tuple[Problem, ...]:
    with pytest.raises(ValidationFailed) as caught:
        read_table(path, display_name=path.name, **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def only_reason(path: Path, **kwargs: object) -> str:
    (problem,) = problems_of(path, **kwargs)
    assert (problem.file, problem.row, problem.column) == (path.name, None, None)
    return problem.reason


# --- text tables --------------------------------------------------------------------------------------


def test_utf8_comma_separated_keeps_every_cell_as_exact_text() -> None:
    table = read("synthetic_long_utf8_comma.csv")
    assert (table.encoding, table.separator, table.decimal) == ("utf-8", ",", ".")
    assert table.rows[0] == [
        "area_id",
        "indicator_id",
        "period",
        "value",
        "numerator",
        "denominator",
        "status",
        "note",
    ]
    assert table.rows[1] == [
        "01001",
        "unemployment_rate",
        "2019",
        "5.25",
        "525",
        "10000",
        "",
        "free text, with a comma",
    ]
    assert table.rows[4][3] == "1,234.5"
    assert [table.row_number(i) for i in range(len(table.rows))] == [1, 2, 3, 4, 5]


def test_windows_1252_semicolon_decimal_comma() -> None:
    table = read("synthetic_long_semicolon_cp1252.csv")
    assert (table.encoding, table.separator, table.decimal) == ("cp1252", ";", ",")
    assert table.rows[1] == ["Müllerstraße", "01001", "sgb2_quote", "2019", "12,5"]
    assert table.rows[3][0] == "Größenfeld-Süd"
    assert table.rows[10][4] == "–"
    assert len(table.rows) == 11


def test_bom_is_dropped_and_trailing_blank_lines_ignored() -> None:
    table = read("synthetic_long_bom.csv")
    assert table.encoding == "utf-8-sig"
    assert table.rows[0][0] == " Area_ID "  # the BOM is gone, the cell otherwise untouched
    assert len(table.rows) == 3


def test_gzip_compressed_csv() -> None:
    table = read("synthetic_long_gzip.csv.gz")
    assert table.rows == read("synthetic_long_utf8_comma.csv").rows


def test_tab_separated_utf16_as_excel_writes_unicode_text(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("area_id\tvalue\r\n01001\t12,5\r\n".encode("utf-16"))
    table = read_table(path)
    assert (table.encoding, table.separator, table.decimal) == ("utf-16", "\t", ",")
    assert table.rows == [["area_id", "value"], ["01001", "12,5"]]


def test_leading_blank_lines_shift_the_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "leading.csv"
    path.write_text("\n;\narea_id;value\n01001;1\n\n01002;2\n\n", encoding="utf-8")
    table = read_table(path)
    assert table.first_row_number == 3
    assert table.rows == [["area_id", "value"], ["01001", "1"], [], ["01002", "2"]]
    assert [table.row_number(i) for i in range(4)] == [3, 4, 5, 6]


def test_row_numbers_follow_lines_across_quoted_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "multiline.csv"
    path.write_text('area_id;note;value\n01001;"two\nlines";1\n01002;x;2\n', encoding="utf-8")
    table = read_table(path)
    assert table.rows[1] == ["01001", "two\nlines", "1"]
    assert [table.row_number(i) for i in range(3)] == [1, 2, 4]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a;b;c\n1;2,5;3\n4;5,5;6\n", ";"),  # unquoted decimal commas do not fool it
        ("a,b,c\n1,2.5,3\n", ","),
        ("a\tb\n1\t2,5\n", "\t"),
        ('a,b\n"x;y",1\n"u;v",2\n', ","),  # separators inside quotes do not count
        ("a;b\n1;2\nQuelle: Amt, 2020\n", ";"),  # a footnote line does not break the majority
        ("onlyonecolumn\n1\n", ";"),  # no evidence: the first in the order ; tab ,
    ],
)
def test_detect_separator(text: str, expected: str) -> None:
    assert detect_separator(text) == expected


# --- spreadsheets -------------------------------------------------------------------------------------


def test_xlsx_keeps_cell_types_and_skips_empty_trailing_rows() -> None:
    table = read("synthetic_long.xlsx")
    assert (table.separator, table.encoding, table.first_row_number) == (None, None, 1)
    assert table.rows == [
        ["area_id", "indicator_id", "period", "value", "Bemerkung"],
        ["01001", "alq", 2019, 5.5, "AGS stored as text"],
        ["01002", "alq", datetime(2019, 12, 31), 4, None],
        ["01003", "alq", "2020", ".", "secret"],
    ]


def test_xlsx_sheet_by_name_and_by_position() -> None:
    assert read("synthetic_long.xlsx", sheet="Notizen").rows == [["Synthetische Testdaten"]]
    assert read("synthetic_long.xlsx", sheet=1).rows == [["Synthetische Testdaten"]]


def test_unknown_sheet_lists_the_sheets() -> None:
    reason = only_reason(FIXTURES / "synthetic_long.xlsx", sheet="Tabelle1")
    assert reason == "unknown sheet 'Tabelle1'; the workbook has: 'Daten', 'Notizen'"
    assert "no sheet number 5" in only_reason(FIXTURES / "synthetic_long.xlsx", sheet=5)


def test_xlsx_numeric_ids_stay_numbers_for_the_caller() -> None:
    table = read("synthetic_inkar_numeric_ids.xlsx")
    assert table.rows[1] == [None, None, None, 2019, 2020]
    assert table.rows[2] == [1001, "Nordstadt", "krsfr. Stadt", 5.9, 6.2]


@pytest.mark.skipif(not INKAR.is_dir(), reason="real INKAR exports not available")
def test_real_inkar_xls_reads_without_ole2_noise(capfd: pytest.CaptureFixture[str]) -> None:
    table = read_table(INKAR / "Arbeitslosenquote.xls")
    out, err = capfd.readouterr()
    assert "OLE2" not in out + err
    assert table.rows[0][:4] == ["Kennziffer", "Raumeinheit", "Aggregat", "Arbeitslosenquote"]
    assert table.rows[1][:4] == [None, None, None, "1998"]
    assert table.rows[2][:4] == ["01001", "Flensburg, Stadt", "krsfr. Stadt", 14.6]
    assert len(table.rows) == 403


# --- unusable files -----------------------------------------------------------------------------------


def test_file_not_found(tmp_path: Path) -> None:
    assert only_reason(tmp_path / "nope.csv") == "file not found"


def test_display_name_is_what_problems_print(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_table(tmp_path / "nope.csv", display_name="uploads/nope.csv")
    assert caught.value.problems == (Problem("uploads/nope.csv", None, None, "file not found"),)


def test_empty_file() -> None:
    assert only_reason(FIXTURES / "synthetic_broken_empty.csv") == "the file is empty (0 bytes)"


def test_file_of_blank_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n  \n;;\n", encoding="utf-8")
    assert only_reason(path) == "the file holds no rows (only blank lines)"


def test_corrupt_xlsx() -> None:
    reason = only_reason(FIXTURES / "synthetic_broken_corrupt.xlsx")
    assert reason == "is not a valid .xlsx workbook (damaged, or not a spreadsheet at all)"


def test_truncated_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "truncated.xlsx"
    path.write_bytes((FIXTURES / "synthetic_long.xlsx").read_bytes()[:600])
    assert "is not a readable .xlsx workbook" in only_reason(path)


def test_unsupported_file_type() -> None:
    reason = only_reason(FIXTURES / "synthetic_broken_unsupported.json")
    assert reason.startswith("unsupported file type '.json'; supported: .csv")


def test_binary_file_named_csv(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\x00\x01\x02area_id")
    assert "is a binary file, not a text table" in only_reason(path)


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(b"not gzip at all")
    assert only_reason(path) == "is not a valid gzip file (damaged or not compressed)"


def test_gzip_of_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nothing.csv.gz"
    path.write_bytes(gzip.compress(b""))
    assert only_reason(path) == "the file is empty (0 bytes once decompressed)"


def test_a_directory_is_not_a_table(tmp_path: Path) -> None:
    assert only_reason(tmp_path) == "is not a file"


@pytest.mark.parametrize(("separator", "columns"), [(";", 1_000_000), (",", 16_385)])
def test_a_header_wider_than_a_spreadsheet_is_a_problem_naming_the_row(tmp_path: Path, separator: str,
                                                                       columns: int) -> None:
    path = tmp_path / "wide.csv"
    header = separator.join(["area_id", *(f"p{n}" for n in range(columns - 1))])
    path.write_text(f"\n{header}\nSR-0101{separator}1\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert (problem.file, problem.row, problem.column) == ("wide.csv", 2, None)
    assert problem.reason == (f"has {columns:,} columns (separator {separator!r}); a table may have at most 16,384, "
                              "as many as a spreadsheet")


def test_a_table_as_wide_as_a_spreadsheet_reads(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(";".join(["area_id", *(f"p{n}" for n in range(16_383))]) + "\nSR-0101;1\n", encoding="utf-8")
    assert len(read_table(path).rows[0]) == 16_384


def test_a_cell_beyond_the_field_limit_is_a_problem_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "long_cell.csv"
    path.write_text("area_id;value\nSR-0101;1\nSR-0102;" + "9" * 200_000 + "\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert (problem.row, problem.column) == (3, None)
    assert problem.reason == ("cannot be read as a table: a cell is longer than 131,072 characters "
                              "(a missing closing quote?)")
