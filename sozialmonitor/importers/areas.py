"""Read planning-area geometries (GeoJSON, GeoPackage, Shapefile plain or zipped, FlatGeobuf), validate
them as a whole, reproject to EPSG:4326 and repair invalid geometries.

Rules (each problem names file, feature number, column and reason; all are reported at once):
- the id column must exist; ids are text (leading zeros kept; a numeric id 1001.0 becomes "1001"),
  non-empty and unique within the file;
- every feature has a non-empty polygonal geometry;
- a file without CRS, or one claiming longitude/latitude, whose coordinates are not plausible
  longitude/latitude is rejected with a request for ``--crs``;
- invalid geometries are repaired with ``make_valid`` (only polygonal parts kept) and listed.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from sozialmonitor.errors import Problem, ValidationFailed
from sozialmonitor.geometry import STORE_CRS, plausible_lonlat, repair

ID_CANDIDATES = ("id", "area_id", "code", "ags", "schluessel", "schlüssel", "kennziffer")
NAME_CANDIDATES = ("name", "gen", "bezeichnung", "area_name")
MAX_ID, MAX_NAME = 64, 300  # lengths of areas.code and areas.name in the store


@dataclass
class AreaFile:
    """Validated areas of one file: columns ``code``, ``name``, ``parent_code`` and geometry (EPSG:4326)."""

    file: str
    areas: gpd.GeoDataFrame
    repaired: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _source_path(path: Path) -> str:
    if path.suffix.lower() == ".zip":
        return f"zip://{path}"
    return str(path)


def _id_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _too_long(what: str, text: str, limit: int) -> str:
    if len(text) > limit:
        return f"{what} {text[:20]!r}… has {len(text)} characters; at most {limit} fit the store"
    return f"{what} {text[:40]!r} contains a NUL character"


def _pick(columns: list[str], wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    if wanted is not None:
        return wanted if wanted in columns else None
    lowered = {c.lower(): c for c in columns}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    return None


def read_areas(
    path: Path,
    *,
    id_col: str | None = None,
    name_col: str | None = None,
    parent_col: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
) -> AreaFile:
    """Read, validate and reproject the areas of ``path``; see the module docstring for the rules."""
    file = str(path)
    gdf = _read_features(path, layer)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    id_column, name_column, problems = _find_columns(file, columns, id_col, name_col, parent_col)
    if crs is not None:
        gdf = gdf.set_crs(_given_crs(file, crs), allow_override=True)
    problems += _crs_problems(file, gdf)
    if problems:
        raise ValidationFailed(problems)
    assert id_column is not None
    if gdf.crs is None:
        gdf = gdf.set_crs(STORE_CRS)

    codes = [_id_text(v) for v in gdf[id_column].tolist()]
    names = [_id_text(v) for v in gdf[name_column].tolist()] if name_column else codes
    parents = [_id_text(v) for v in gdf[parent_col].tolist()] if parent_col else [""] * len(gdf)
    problems = _id_problems(file, codes, names, id_column, name_column)
    geometries, repaired, geometry_problems = _checked_geometries(file, list(gdf.geometry.values), codes)
    problems += geometry_problems
    if problems:
        raise ValidationFailed(problems)

    out = gpd.GeoDataFrame(
        {"code": codes, "name": names, "parent_code": parents},
        geometry=gpd.GeoSeries(geometries, crs=gdf.crs),
        index=pd.RangeIndex(len(codes)),
    )
    if CRS.from_user_input(out.crs) != CRS.from_user_input(STORE_CRS):
        out = out.to_crs(STORE_CRS)
    out["feature"] = range(1, len(out) + 1)
    notes = [f"repaired invalid geometries: {', '.join(repaired)}"] if repaired else []
    return AreaFile(file=file, areas=out, repaired=repaired, notes=notes)


def _read_features(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    """The features of ``path`` (of ``layer``, required when the file has several); a file that cannot
    be read, or holds no features with geometries, is one problem."""
    file = str(path)
    if not path.exists():
        raise ValidationFailed([Problem(file, None, None, "file not found")])
    if path.is_file() and path.stat().st_size == 0:
        raise ValidationFailed([Problem(file, None, None, "the file is empty")])
    source = _source_path(path)
    _check_layer(file, source, layer)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = gpd.read_file(source, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise ValidationFailed([Problem(file, None, None, f"cannot read the file: {exc}")]) from None
    if not isinstance(gdf, gpd.GeoDataFrame):  # a table without geometries (CSV, XLSX …): GDAL reads it too
        raise ValidationFailed([Problem(file, None, None, "the file holds no geometries; expected GeoJSON, "
                                        "GeoPackage, Shapefile or FlatGeobuf")])
    if len(gdf) == 0:
        raise ValidationFailed([Problem(file, None, None, "the file has no features")])
    return gdf


def _check_layer(file: str, source: str, layer: str | None) -> None:
    """The file must be readable, and ``layer`` one of its layers (given whenever there are several)."""
    try:
        layers = [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except Exception as exc:  # pyogrio raises several DataSourceError subclasses
        raise ValidationFailed(
            [Problem(file, None, None, f"not a readable GeoJSON, GeoPackage, Shapefile or FlatGeobuf: {exc}")]
        ) from None
    if layer is None and len(layers) > 1:
        raise ValidationFailed(
            [Problem(file, None, None, f"the file has {len(layers)} layers; choose one with --layer: "
                     + ", ".join(layers))]
        )
    if layer is not None and layer not in layers:
        raise ValidationFailed(
            [Problem(file, None, None, f"no layer {layer!r}; layers: {', '.join(layers)}")]
        )


def _find_columns(
    file: str, columns: list[str], id_col: str | None, name_col: str | None, parent_col: str | None
) -> tuple[str | None, str | None, list[Problem]]:
    """The id and name columns (``None`` when not found), and the problems: an id column that cannot be
    found, or a name or parent column asked for that is not there."""
    problems: list[Problem] = []
    id_column = _pick(columns, id_col, ID_CANDIDATES)
    if id_column is None:
        wanted = f"id column {id_col!r} not found" if id_col else "no id column found (tried id, code, AGS …)"
        problems.append(Problem(file, None, id_col, f"{wanted}; columns are: {', '.join(columns)}; use --id-col"))
    name_column = _pick(columns, name_col, NAME_CANDIDATES)
    if name_col is not None and name_column is None:
        problems.append(Problem(file, None, name_col, f"name column not found; columns are: {', '.join(columns)}"))
    if parent_col is not None and parent_col not in columns:
        problems.append(
            Problem(file, None, parent_col, f"parent column not found; columns are: {', '.join(columns)}")
        )
    return id_column, name_column, problems


def _given_crs(file: str, crs: str) -> CRS:
    """The CRS named by ``--crs`` (``25832`` stands for EPSG:25832)."""
    crs = str(crs).strip()  # a manifest's YAML gives `crs: 25832` as a number
    try:
        return CRS.from_user_input(crs if not crs.isdigit() else f"EPSG:{crs}")
    except CRSError:
        raise ValidationFailed([Problem(file, None, None, f"--crs {crs!r} is not a known CRS (e.g. 25832)")]) \
            from None


def _crs_problems(file: str, gdf: gpd.GeoDataFrame) -> list[Problem]:
    """A file without CRS, or claiming longitude/latitude, whose coordinates are not plausible as such."""
    bounds = tuple(float(v) for v in gdf.total_bounds)
    geographic = gdf.crs is None or CRS.from_user_input(gdf.crs).is_geographic
    if not geographic or plausible_lonlat(bounds):  # type: ignore[arg-type]
        return []
    state = "has no CRS" if gdf.crs is None else f"claims {gdf.crs.to_string()}"
    return [
        Problem(
            file, None, None,
            f"the file {state} but its coordinates (x {bounds[0]:.0f} … {bounds[2]:.0f}, "
            f"y {bounds[1]:.0f} … {bounds[3]:.0f}) are not longitude/latitude; "
            "name the CRS with --crs (e.g. --crs 25832 for ETRS89 / UTM 32N)",
        )
    ]


def _id_problems(
    file: str, codes: list[str], names: list[str], id_column: str, name_column: str | None
) -> list[Problem]:
    """Names that do not fit the store; ids that are empty, do not fit the store or repeat."""
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    for number, (code, name) in enumerate(zip(codes, names, strict=True), start=1):
        if name_column and (len(name) > MAX_NAME or "\x00" in name):  # PostgreSQL refuses NUL in text
            problems.append(Problem(file, number, name_column, _too_long("name", name, MAX_NAME)))
        if not code:
            problems.append(Problem(file, number, id_column, "empty id"))
            continue
        if len(code) > MAX_ID or "\x00" in code:
            problems.append(Problem(file, number, id_column, _too_long("id", code, MAX_ID)))
            continue
        if code in first_seen:
            duplicates.setdefault(code, [first_seen[code]]).append(number)
        else:
            first_seen[code] = number
    for code, numbers in duplicates.items():
        for number in numbers[1:]:
            problems.append(
                Problem(file, number, id_column,
                        f"duplicate id {code!r} (features {', '.join(map(str, numbers))})")
            )
    return problems


def _checked_geometries(
    file: str, geometries: list[BaseGeometry | None], codes: list[str]
) -> tuple[list[BaseGeometry | None], list[str], list[Problem]]:
    """The geometries with invalid ones repaired, the labels of the repaired areas, and the problems:
    a missing or empty geometry, one that is not polygonal, or one invalid beyond repair."""
    checked = list(geometries)
    repaired: list[str] = []
    problems: list[Problem] = []
    for number, geom in enumerate(geometries, start=1):
        label = codes[number - 1] or f"feature {number}"
        if geom is None or geom.is_empty:
            problems.append(Problem(file, number, "geometry", f"area {label!r} has no geometry"))
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                Problem(file, number, "geometry", f"area {label!r} is a {geom.geom_type}, expected polygons")
            )
            continue
        if not geom.is_valid:
            fixed = repair(geom)
            if fixed.is_empty:
                problems.append(Problem(file, number, "geometry", f"area {label!r} is invalid beyond repair"))
                continue
            checked[number - 1] = fixed
            repaired.append(label)
    return checked, repaired, problems
