"""Property-based fuzzing (hypothesis) of every importer's public entry point.

Indicator tables (long, wide, INKAR; CSV text with random separators, encodings, symbols, numbers and
periods; XLSX bytes), the catalogue (CSV and YAML), area files (GeoJSON with random properties, geometries
and coordinates) and manifests (YAML): each either succeeds or raises
:class:`sozialmonitor.errors.SozialmonitorError` with a non-empty message — a :class:`ValidationFailed`
naming the file — and never any other exception. The files are written to a temporary folder; the imports
run against the ``store`` fixture (SQLite and, when reachable, PostgreSQL, which is stricter about text:
lengths of ``VARCHAR`` columns, NUL characters).
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sozialmonitor.errors import SozialmonitorError, ValidationFailed
from sozialmonitor.importing import LevelOptions, import_areas, import_catalogue, import_indicators, load_manifest
from sozialmonitor.model import Indicator
from sozialmonitor.store import Store
from tests.conftest import FIXTURES

CITY = FIXTURES / "musterstadt"
AREAS = FIXTURES / "areas"
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=20)

AREA_IDS = ["SR-0101", "SR-0102", "SR-0201", "SR-0202", "B01", "B02", "01001", "1001", ""]
INDICATOR_IDS = ["einwohner", "kinder_u6", "anteil_kinder_u6", "alter_mittel", "sgb2_quote", "gibt_es_nicht"]
HEADERS = ["area_id", "indicator_id", "period", "value", "numerator", "denominator", "status", "Schlüssel",
           "Kennziffer", "Name", "Raumeinheit", "2019", "2020", "31.12.2021", "2022-12-31", "id", "AGS", ""]
SYMBOLS = [".", "x", "X", "...", "…", "/", "-", "–", "—", "(12,3)", "12,3p", "12,3 p", "( )", "p", "()", "1.234,5",
           "1,234.5", "1 234,5", "−3", "+4", "1e400", "nan", "inf", "-0", "00012", "1.2.3", "12,", ",5", "%"]
STATUSES = ["ok", "missing", "secret", "not_applicable", "later", "unreliable", "provisional", "OK", "bogus"]
PERIODS = ["2019", "2020", "1799", "2201", "31.12.2019", "2019-12-31", "2019-02-30", "12/31/2019", "19", "2019.0"]


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(min_value=-1e6, max_value=1e6).map(lambda f: f"{f:,.2f}"),
        st.floats(min_value=-1e6, max_value=1e6).map(lambda f: f"{f:.3f}".replace(".", ",")),
        st.integers(-10**20, 10**20).map(str),
    )


def cells() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(SYMBOLS + PERIODS + STATUSES + AREA_IDS + INDICATOR_IDS), numbers(),
                     st.text(max_size=12), st.just(""))


def rows(width: int | None = None) -> st.SearchStrategy[list[list[str]]]:
    header = st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=10)), min_size=1, max_size=8)

    def body(head: list[str]) -> st.SearchStrategy[list[list[str]]]:
        size = st.integers(max(0, len(head) - 2), len(head) + 1)
        return size.flatmap(lambda n: st.lists(st.lists(cells(), min_size=n, max_size=n), max_size=8)) \
            .map(lambda data: [head, *data])

    return header.flatmap(body)


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """A text table: rows of header-like names, ids, symbols, numbers and periods, written with a random
    separator, quoting and encoding — or, now and then, garbage bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    table = draw(rows())
    separator = draw(st.sampled_from([";", ",", "\t", "|", " "]))
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(out, delimiter=separator, quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
                   lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(table)
        text = out.getvalue()
    else:  # hand-made: stray quotes and ragged rows stay as they are
        text = "\n".join(separator.join(row) for row in table)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


@st.composite
def xlsx_bytes(draw: st.DrawFn) -> bytes:
    """A workbook of random typed cells (text, numbers, dates, booleans, empty); sometimes damaged."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    value = st.one_of(cells(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                      st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2200, 1, 1)), st.booleans(),
                      st.none())
    for row in draw(st.lists(st.lists(value, max_size=6), min_size=0, max_size=6)):
        sheet.append([_excel_safe(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    data = out.getvalue()
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip"]))
    where = draw(st.floats(0.0, 1.0))  # a share of the length: the saved size varies with the clock
    if damage == "truncate":
        data = data[: max(4, int(where * (len(data) - 1)))]
    elif damage == "flip":
        at = min(len(data) - 1, 30 + int(where * (len(data) - 31)))
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
    return data


def _excel_safe(value: Any) -> Any:
    if isinstance(value, str):  # openpyxl refuses control characters in cells: a writer would too
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n")
    return value


def check(exc: BaseException, path: Path) -> None:
    """A failure must be one of the domain's errors with a clear message; validation names the file."""
    assert isinstance(exc, SozialmonitorError), f"{type(exc).__name__}: {exc}"
    message = str(exc)
    assert message.strip(), "empty message"
    if isinstance(exc, ValidationFailed):
        assert exc.problems and all(p.reason for p in exc.problems)
        assert path.name in message, message[:300]


@pytest.fixture
def city(store: Store) -> Store:
    """The store with the synthetic Musterstadt: catalogue and two levels of areas."""
    import_catalogue(store, CITY / "synthetic_catalogue.csv")
    gpkg = AREAS / "synthetic_musterstadt_25833.gpkg"
    import_areas(store, gpkg, frame="muster", level="bezirk", layer="stadtbezirke", id_col="BEZ_ID",
                 name_col="BEZ_NAME")
    import_areas(store, gpkg, frame="muster", level="sozialraum", layer="sozialraeume", id_col="SR_SCHLUESSEL",
                 name_col="SR_NAME", parent_col="BEZIRK", options=LevelOptions(parent_level="bezirk"))
    return store


_counter = itertools.count()


def fresh(folder: Path, suffix: str) -> Path:
    path = folder / f"fuzz_{next(_counter)}{suffix}"
    return path


# --- indicator tables --------------------------------------------------------------------------------------


@FUZZ
@given(data=csv_bytes(), suffix=st.sampled_from([".csv", ".txt", ".tsv", ".csv.gz", ".dat", ""]),
       fmt=st.sampled_from(["long", "wide", "inkar"]), indicator=st.sampled_from([None, "einwohner", "sgb2_quote"]),
       area_col=st.sampled_from([None, "Schlüssel", "area_id", "Kennziffer", "nope"]),
       dash_means=st.sampled_from(["missing", "zero"]), unknown=st.sampled_from(["error", "skip"]),
       level=st.sampled_from(["sozialraum", "bezirk"]))
@example(data=b"area_id;indicator_id;period;value\nSR-0101;einwohner;2022;1.234,5\n", suffix=".csv", fmt="long",
         indicator=None, area_col=None, dash_means="missing", unknown="error", level="sozialraum")
@example(data="Schlüssel;2019;2020\nSR-0101;(12,3);–\nSR-0102;x;12,3p\n".encode("cp1252"), suffix=".csv",
         fmt="wide", indicator="einwohner", area_col=None, dash_means="zero", unknown="skip", level="sozialraum")
def test_indicator_csv_never_crashes(city: Store, tmp_path: Path, data: bytes, suffix: str, fmt: str,
                                     indicator: str | None, area_col: str | None, dash_means: str, unknown: str,
                                     level: str) -> None:
    path = fresh(tmp_path, suffix)
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    try:
        import_indicators(city, path, frame="muster", level=level, fmt=fmt, indicator=indicator, area_col=area_col,
                          dash_means=dash_means, unknown_areas=unknown)
    except Exception as exc:
        check(exc, path)


@FEW
@given(data=xlsx_bytes(), fmt=st.sampled_from(["long", "wide", "inkar"]),
       indicator=st.sampled_from([None, "einwohner"]), sheet=st.sampled_from([None, "Sheet", "Tabelle1"]),
       suffix=st.sampled_from([".xlsx", ".xls", ".csv"]))
def test_indicator_workbook_never_crashes(city: Store, tmp_path: Path, data: bytes, fmt: str, indicator: str | None,
                                          sheet: str | None, suffix: str) -> None:
    path = fresh(tmp_path, suffix)
    path.write_bytes(data)
    try:
        import_indicators(city, path, frame="muster", level="sozialraum", fmt=fmt, indicator=indicator, sheet=sheet)
    except Exception as exc:
        check(exc, path)


# --- catalogue -------------------------------------------------------------------------------------------

CATALOGUE_FIELDS = ["id", "name_de", "name_en", "topic", "topic_en", "unit", "unit_en", "polarity", "aggregation",
                    "numerator", "denominator", "factor", "visibility", "min_count", "decimals", "source", "licence",
                    "definition_de", "definition_en", "scale", "min_denominator", "method", "inputs", "derived_at",
                    "bogus"]
CATALOGUE_VALUES = ["einwohner", "kinder_u6", "x", "neutral", "higher_is_better", "lower_is_better", "sum", "ratio",
                    "mean", "none", "public", "internal", "sequential", "diverging", "100", "3", "1,5", "-1", "nan",
                    "inf", "7", "2026-11-21", "2026-13-01", "%", "Personen", "a" * 70, "ä" * 301, "[]", ""]


def catalogue_value() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(CATALOGUE_VALUES), st.text(max_size=20), numbers(), st.integers(), st.none(),
                     st.booleans())


def catalogue_entry() -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(CATALOGUE_FIELDS), catalogue_value(), max_size=12)


@st.composite
def catalogue_file(draw: st.DrawFn) -> tuple[str, bytes]:
    entries = draw(st.lists(catalogue_entry(), max_size=5))
    kind = draw(st.sampled_from(["csv", "yaml", "yaml_any", "bytes"]))
    if kind == "csv":
        fields = draw(st.lists(st.sampled_from(CATALOGUE_FIELDS), min_size=1, max_size=10, unique=True))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=draw(st.sampled_from([";", ","])))
        writer.writerow(fields)
        for entry in entries:
            writer.writerow(["" if entry.get(f) is None else str(entry.get(f)) for f in fields])
        return ".csv", out.getvalue().encode(draw(st.sampled_from(["utf-8", "cp1252"])), errors="replace")
    if kind == "yaml":
        wrapped: Any = {"indicators": entries} if draw(st.booleans()) else entries
        return ".yaml", yaml.safe_dump(wrapped, allow_unicode=True).encode("utf-8")
    if kind == "yaml_any":
        anything = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
                                lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                             max_size=3), max_leaves=8)
        return ".yml", yaml.safe_dump(draw(anything)).encode("utf-8")
    return draw(st.sampled_from([".yaml", ".csv"])), draw(st.binary(max_size=200))


@FUZZ
@given(file=catalogue_file())
@example(file=(".yaml", b"- {id: a, name_de: A, name_en: A, topic: T, unit: '%', polarity: neutral, aggregation: sum}"))
def test_catalogue_never_crashes(store: Store, tmp_path: Path, file: tuple[str, bytes]) -> None:
    suffix, data = file
    path = fresh(tmp_path, suffix)
    path.write_bytes(data)
    try:
        import_catalogue(store, path)
    except Exception as exc:
        check(exc, path)


# --- areas -----------------------------------------------------------------------------------------------


def coordinate() -> st.SearchStrategy[list[float]]:
    lon = st.one_of(st.floats(13.0, 13.8), st.floats(-200, 200), st.floats(3e5, 8e5))
    lat = st.one_of(st.floats(52.3, 52.7), st.floats(-100, 100), st.floats(5.7e6, 5.9e6))
    return st.tuples(lon, lat).map(list)


@st.composite
def geometry(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["box", "box", "ring", "bowtie", "point", "line", "multi", "empty", "null",
                                 "garbage"]))
    if kind == "box":
        x, y = draw(coordinate())
        w, h = draw(st.floats(1e-6, 0.2)), draw(st.floats(1e-6, 0.2))
        return {"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]}
    if kind == "ring":
        ring = draw(st.lists(coordinate(), min_size=0, max_size=6))
        if ring and draw(st.booleans()):
            ring.append(ring[0])
        return {"type": "Polygon", "coordinates": [ring]}
    if kind == "bowtie":
        return {"type": "Polygon", "coordinates": [[[13.3, 52.5], [13.4, 52.6], [13.4, 52.5], [13.3, 52.6],
                                                    [13.3, 52.5]]]}
    if kind == "point":
        return {"type": "Point", "coordinates": draw(coordinate())}
    if kind == "line":
        return {"type": "LineString", "coordinates": draw(st.lists(coordinate(), min_size=2, max_size=4))}
    if kind == "multi":
        x, y = draw(coordinate())
        return {"type": "MultiPolygon", "coordinates": [[[[x, y], [x + 0.01, y], [x, y + 0.01], [x, y]]]]}
    if kind == "empty":
        return {"type": "Polygon", "coordinates": []}
    if kind == "null":
        return None
    return draw(st.one_of(st.text(max_size=5), st.integers(), st.dictionaries(st.text(max_size=4), st.integers(),
                                                                             max_size=2)))


def property_value() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(["SR-0101", "B01", "01001", "", " ", "a" * 70, "ä" * 301]), st.text(max_size=10),
                     st.integers(-10**12, 10**12), st.floats(allow_nan=True), st.none(), st.booleans())


@st.composite
def geojson_text(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["", "{", "[]", "null", '{"type": "FeatureCollection"}',
                                     '{"type": "FeatureCollection", "features": []}', "not json at all"]))
    keys = st.sampled_from(["id", "name", "code", "AGS", "GEN", "parent_id", "BEZIRK", "x", "Name", "ID"])
    features = []
    for _ in range(draw(st.integers(1, 5))):
        feature: dict[str, Any] = {"type": "Feature", "geometry": draw(geometry()),
                                   "properties": draw(st.dictionaries(keys, property_value(), max_size=4))}
        if draw(st.booleans()):
            feature["id"] = draw(property_value())
        features.append(feature)
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    crs = draw(st.sampled_from([None, "EPSG:4326", "EPSG:25833", "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:999999",
                                "nonsense"]))
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(collection, allow_nan=True)


@FUZZ
@given(text=geojson_text(), id_col=st.sampled_from([None, "id", "code", "AGS", "missing"]),
       name_col=st.sampled_from([None, "name", "GEN", "missing"]), parent_col=st.sampled_from([None, "parent_id"]),
       crs=st.sampled_from([None, None, "25833", "4326", "nonsense", "999999"]),
       tolerance=st.sampled_from([None, 0.0, 5.0, 1e9]))
@example(text=json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "a"},
                          "geometry": {"type": "Polygon", "coordinates": [[[13.3, 52.5], [13.4, 52.6], [13.4, 52.5],
                                                                           [13.3, 52.6], [13.3, 52.5]]]}}]}),
         id_col=None, name_col=None, parent_col=None, crs=None, tolerance=None)
def test_area_geojson_never_crashes(store: Store, tmp_path: Path, text: str, id_col: str | None,
                                    name_col: str | None, parent_col: str | None, crs: str | None,
                                    tolerance: float | None) -> None:
    path = fresh(tmp_path, ".geojson")
    path.write_text(text, encoding="utf-8")
    try:
        import_areas(store, path, frame="fuzz", level="gebiet", id_col=id_col, name_col=name_col,
                     parent_col=parent_col, crs=crs, tolerance_m=tolerance)
    except Exception as exc:
        check(exc, path)


# --- manifests -------------------------------------------------------------------------------------------


@pytest.fixture
def manifest_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder with real input files for manifests to name."""
    folder = tmp_path / "manifest"
    folder.mkdir()
    for name in ("synthetic_catalogue.csv", "synthetic_observations.csv", "synthetic_wide_sgb2.csv"):
        shutil.copy(CITY / name, folder / name)
    shutil.copy(AREAS / "synthetic_stadtbezirke_4326.geojson", folder / "bezirke.geojson")
    yield folder


FILES = ["synthetic_catalogue.csv", "synthetic_observations.csv", "synthetic_wide_sgb2.csv", "bezirke.geojson",
         "missing.csv", "../nowhere.yaml", ""]
TEXT = st.one_of(st.sampled_from(["muster", "bezirk", "sozialraum", "id", "name", "long", "wide", "inkar", "sum",
                                  "missing", "zero", "skip", "error", "einwohner", "sgb2_quote", ""]),
                 st.text(max_size=8))


@st.composite
def manifest(draw: st.DrawFn) -> dict[str, Any]:
    """A manifest whose values have the documented types (text where text is expected), with random content."""
    def maybe(key: str, value: st.SearchStrategy[Any]) -> dict[str, Any]:
        return {key: draw(value)} if draw(st.booleans()) else {}

    levels = [{"id": draw(TEXT), "file": draw(st.sampled_from(FILES)), **maybe("id_col", TEXT),
               **maybe("name_col", TEXT), **maybe("parent", TEXT), **maybe("visibility", TEXT), **maybe("crs", TEXT)}
              for _ in range(draw(st.integers(0, 2)))]
    indicators = [{"file": draw(st.sampled_from(FILES)), "level": draw(TEXT), **maybe("format", TEXT),
                   **maybe("indicator", TEXT), **maybe("area_col", TEXT), **maybe("dash_means", TEXT),
                   **maybe("unknown_areas", TEXT)}
                  for _ in range(draw(st.integers(0, 2)))]
    frames = [{"id": draw(TEXT), **maybe("name_de", TEXT), "levels": levels, "indicators": indicators}]
    return {**maybe("catalogue", st.sampled_from(FILES)), "frames": frames}


def check_manifest_error(exc: BaseException, path: Path) -> None:
    assert isinstance(exc, SozialmonitorError), f"{type(exc).__name__}: {exc}"
    assert str(exc).strip()
    if isinstance(exc, ValidationFailed):  # the manifest itself or the input file it names
        assert all(p.file for p in exc.problems)


@FEW
@given(content=manifest())
@example(content={"catalogue": "synthetic_catalogue.csv", "frames": [
    {"id": "muster", "levels": [{"id": "bezirk", "file": "bezirke.geojson"}],
     "indicators": [{"file": "synthetic_observations.csv", "level": "bezirk", "format": "kaputt"}]}]})
def test_manifest_never_crashes(store: Store, manifest_folder: Path, content: dict[str, Any]) -> None:
    path = fresh(manifest_folder, ".yaml")
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    try:
        load_manifest(store, path)
    except Exception as exc:
        check_manifest_error(exc, path)


@settings(FEW, report_multiple_bugs=False)
@given(text=st.one_of(st.text(max_size=60), st.sampled_from(["", "[]", "- 1", "frames: 3", "frames: [1, 2]",
                                                               "catalogue: [a]", "frames: [{id: [1]}]",
                                                               "frames: [{id: a, levels: [{id: b, file: 7}]}]"])))
def test_manifest_text_never_crashes(store: Store, manifest_folder: Path, text: str) -> None:
    """Any YAML at all, including values of the wrong type (a number where a file name belongs)."""
    path = fresh(manifest_folder, ".yaml")
    path.write_text(text, encoding="utf-8")
    try:
        load_manifest(store, path)
    except Exception as exc:
        check_manifest_error(exc, path)


# --- text that the store's columns cannot hold ----------------------------------------------------------

VALID_ENTRY = {"id": "neu", "name_de": "Neu", "name_en": "New", "topic": "Thema", "unit": "Personen",
               "polarity": "neutral", "aggregation": "sum"}
SHORT_TEXT = st.text(alphabet=st.characters(exclude_characters="\x00"), max_size=40)


@FUZZ
@given(overrides=st.dictionaries(st.sampled_from(CATALOGUE_FIELDS),
                                 st.one_of(SHORT_TEXT, st.sampled_from(CATALOGUE_VALUES[:-3]), numbers(),
                                           st.integers(), st.none()), max_size=4),
       count=st.integers(1, 3))
def test_catalogue_near_valid_entries(store: Store, tmp_path: Path, overrides: dict[str, Any], count: int) -> None:
    """Entries that are valid but for a few fields, so that the writes to the store are exercised too."""
    entries = [{**VALID_ENTRY, "id": f"neu{n}", **overrides} for n in range(count)]
    path = fresh(tmp_path, ".yaml")
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    try:
        import_catalogue(store, path)
    except Exception as exc:
        check(exc, path)


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("name_de", "ä" * 301, "is 301 characters long; at most 300"),
    ("topic", "t" * 201, "is 201 characters long; at most 200"),
    ("unit", "u" * 65, "is 65 characters long; at most 64"),
    ("name_en", "x\x00y", "contains a NUL character"),
])
def test_catalogue_text_the_store_cannot_hold(store: Store, tmp_path: Path, field: str, value: str,
                                             reason: str) -> None:
    """Found by this fuzzing: PostgreSQL refuses text longer than a VARCHAR column or with NUL characters
    (SQLite would store it). The catalogue checks lengths and NUL characters before writing, so both stores
    reject the file alike, naming file, row and column, and keep nothing of it."""
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump([{**VALID_ENTRY, field: value}], allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        import_catalogue(store, path)
    check(caught.value, path)
    assert [(p.file, p.row, p.column, p.reason) for p in caught.value.problems] == [(str(path), 1, field, reason)]
    with store.session() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(Indicator)) == 0


@FUZZ
@given(props=st.lists(st.fixed_dictionaries({"id": st.one_of(st.sampled_from(["a", "b", "i" * 65, "x\x00y", " "]),
                                                               SHORT_TEXT),
                                              "name": st.one_of(st.sampled_from(["n" * 301, "ok", "x\x00y"]),
                                                                SHORT_TEXT)}), min_size=1, max_size=3))
def test_area_ids_and_names_of_any_length(store: Store, tmp_path: Path, props: list[dict[str, str]]) -> None:
    """Valid squares whose ids and names may not fit the store (64 and 300 characters, no NUL)."""
    features = [{"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": [[
        [13.3 + n / 10, 52.5], [13.35 + n / 10, 52.5], [13.35 + n / 10, 52.55], [13.3 + n / 10, 52.5]]]}}
        for n, p in enumerate(props)]
    path = fresh(tmp_path, ".geojson")
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    try:
        import_areas(store, path, frame="fuzz", level="laenge")
    except Exception as exc:
        check(exc, path)
