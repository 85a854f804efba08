"""The formatting rules of the downloads (sozialmonitor/downloads.py) and the XLSX writer (sozialmonitor/xlsx.py):
dialect per language, rounding without float noise, numbers that stay numbers, texts that never run."""

from __future__ import annotations

import io
import math
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sozialmonitor.downloads import BOM, csv_text, labelled, rounded
from sozialmonitor.formatting import format_number
from sozialmonitor.xlsx import Sheet, column_letter, number_format, workbook


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (-5.699999999999999, 1, -5.7),  # 4.4 − 10.1: the float noise of a change
    (0.8000000000000007, 2, 0.8),
    (2.675, 2, 2.68),  # binary 2.67499…: rounded on the decimal number, as on screen
    (12.5, 0, 13.0),  # half away from zero, not to even
    (-12.5, 0, -13.0),
    (1234.0, 0, 1234.0),
    (8.9, 1, 8.9),
])
def test_values_are_rounded_as_on_screen(value: float, decimals: int, expected: float) -> None:
    assert rounded(value, decimals) == expected


def test_no_value_stays_no_value_and_minus_zero_loses_its_sign() -> None:
    assert rounded(None, 1) is None
    assert rounded(math.nan, 1) is None
    assert rounded(math.inf, 1) is None
    zero = rounded(-0.04, 1)
    assert zero == 0.0 and math.copysign(1, zero) == 1.0  # no "-0,0" in a file


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=0, max_value=4))
def test_a_rounded_value_prints_as_the_screen_shows_it(value: float, decimals: int) -> None:
    number = rounded(value, decimals)
    assert number is not None
    assert f"{number:,.{decimals}f}" == format_number(value, decimals, "en").replace("\u2212", "-")


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "area_id": ["01", "02", "03"], "name": ["Nord", "-Ost", "=HYPERLINK(\"x\")"],
        "value": [8.9, -5.7, math.nan], "unit": ["%", "%", "%"],
        "status": ["gültig", "gültig", "gesperrt (Geheimhaltung)"], "status_code": ["ok", "ok", "secret"],
        "class": pd.array([2, 1, None], dtype="Int64"),
    })


def test_german_csv_semicolons_decimal_comma_bom_crlf() -> None:
    text = csv_text(labelled(_table(), "de"), 1, "de")
    assert text.startswith(BOM) and text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    lines = text.removeprefix(BOM).split("\r\n")
    assert lines[0] == "Schlüssel;Gebiet;Wert;Einheit;Status;Status-Code;Klasse"
    assert lines[1] == "01;Nord;8,9;%;gültig;ok;2"  # 8,9 is a number in German Excel, not a date
    assert lines[2] == "02;'-Ost;-5,7;%;gültig;ok;1"  # the text is guarded, the negative number is not
    assert lines[3] == '03;"\'=HYPERLINK(""x"")";;%;gesperrt (Geheimhaltung);secret;'  # no value: empty, never 0


def test_english_csv_commas_and_decimal_points() -> None:
    text = csv_text(labelled(_table(), "en"), 2, "en")
    lines = text.removeprefix(BOM).split("\r\n")
    assert lines[0] == "Code,Area,Value,Unit,Status,Status code,Class"
    assert lines[1] == "01,Nord,8.90,%,gültig,ok,2"
    assert lines[2] == "02,'-Ost,-5.70,%,gültig,ok,1"


def test_csv_reads_back_with_the_documented_parameters() -> None:
    text = csv_text(labelled(_table(), "de", change=True), 1, "de")
    back = pd.read_csv(io.BytesIO(text.encode("utf-8")), sep=";", decimal=",", encoding="utf-8-sig",
                       dtype={"Schlüssel": str})
    assert list(back.columns) == ["Schlüssel", "Gebiet", "Veränderung", "Einheit", "Status", "Status-Code", "Klasse"]
    assert list(back["Schlüssel"]) == ["01", "02", "03"]
    assert back["Veränderung"].tolist()[:2] == [8.9, -5.7] and math.isnan(back["Veränderung"][2])


def _read(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_xlsx_numbers_are_numbers_with_the_catalogue_decimals() -> None:
    table = labelled(_table(), "de")
    book = _read(workbook([Sheet("Daten", table, {"Wert": 1})]))
    sheet = book["Daten"]
    assert [c.value for c in sheet[1]] == list(table.columns)
    assert all(c.font.b for c in sheet[1])
    assert sheet["C2"].value == 8.9 and sheet["C2"].data_type == "n" and sheet["C2"].number_format == "#,##0.0"
    assert sheet["C3"].value == -5.7 and sheet["C3"].data_type == "n"
    assert sheet["C4"].value is None  # no value: an empty cell, never 0
    assert sheet["G2"].value == 2 and sheet["G4"].value is None
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G4"
    assert sheet["A2"].value == "01" and sheet["A2"].data_type == "s"  # the key keeps its leading zero


def test_xlsx_decimals_per_row() -> None:
    table = pd.DataFrame({"Wert": [1234.5, 3.0, 0.25]})
    sheet = _read(workbook([Sheet("Daten", table, {"Wert": [1, 0, 2]})]))["Daten"]
    assert [sheet[f"A{r}"].number_format for r in (2, 3, 4)] == ["#,##0.0", "#,##0", "#,##0.00"]
    assert [sheet[f"A{r}"].value for r in (2, 3, 4)] == [1234.5, 3, 0.25]


def test_xlsx_never_holds_a_formula_and_keeps_texts_literally() -> None:
    texts = ["=1+1", "+49 30", "@SUM(A1)", "a & b < c", "_x0041_", " padded ", "bell\x07"]
    content = workbook([Sheet("Metadaten", pd.DataFrame({"Inhalt": texts}), wrap=["Inhalt"])])
    sheet = _read(content)["Metadaten"]
    cells = [sheet[f"A{r}"] for r in range(2, len(texts) + 2)]
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells] == [*texts[:-1], "bell"]  # XML cannot carry control characters
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_xlsx_sheets_in_order_and_pandas_reads_them() -> None:
    content = workbook([Sheet("Daten", pd.DataFrame({"a": ["x"], "b": [1.5]}), {"b": 1}),
                        Sheet("Metadaten", pd.DataFrame({"Angabe": ["Lizenz"], "Inhalt": ["CC BY 4.0"]}))])
    back = pd.read_excel(io.BytesIO(content), sheet_name=None)
    assert list(back) == ["Daten", "Metadaten"]
    assert back["Daten"]["b"].tolist() == [1.5]
    assert back["Metadaten"].to_dict("records") == [{"Angabe": "Lizenz", "Inhalt": "CC BY 4.0"}]


def test_number_formats_and_column_letters() -> None:
    assert [number_format(d) for d in (0, 1, 2)] == ["#,##0", "#,##0.0", "#,##0.00"]
    with pytest.raises(ValueError, match="decimals"):
        number_format(7)
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
