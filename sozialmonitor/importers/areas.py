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
    file = str(path)
    if not path.exists():
        raise ValidationFailed([Problem(file, None, None, "file not found")])
    if path.is_file() and path.stat().st_size == 0:
        raise ValidationFailed([Problem(file, None, None, "the file is empty")])
    source = _source_path(path)
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

    problems: list[Problem] = []
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
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

    # Coordinate reference system
    if crs is not None:
        crs = str(crs).strip()  # a manifest's YAML gives `crs: 25832` as a number
        try:
            given = CRS.from_user_input(crs if not crs.isdigit() else f"EPSG:{crs}")
        except CRSError:
            raise ValidationFailed([Problem(file, None, None, f"--crs {crs!r} is not a known CRS (e.g. 25832)")]) \
                from None
        gdf = gdf.set_crs(given, allow_override=True)
    bounds = tuple(float(v) for v in gdf.total_bounds)
    geographic = gdf.crs is None or CRS.from_user_input(gdf.crs).is_geographic
    if geographic and not plausible_lonlat(bounds):  # type: ignore[arg-type]
        state = "has no CRS" if gdf.crs is None else f"claims {gdf.crs.to_string()}"
        problems.append(
            Problem(
                file, None, None,
                f"the file {state} but its coordinates (x {bounds[0]:.0f} … {bounds[2]:.0f}, "
                f"y {bounds[1]:.0f} … {bounds[3]:.0f}) are not longitude/latitude; "
                "name the CRS with --crs (e.g. --crs 25832 for ETRS89 / UTM 32N)",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    assert id_column is not None
    if gdf.crs is None:
        gdf = gdf.set_crs(STORE_CRS)

    codes = [_id_text(v) for v in gdf[id_column].tolist()]
    names = [_id_text(v) for v in gdf[name_column].tolist()] if name_column else codes
    parents = [_id_text(v) for v in gdf[parent_col].tolist()] if parent_col else [""] * len(gdf)
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
    repaired: list[str] = []
    geometries = list(gdf.geometry.values)
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
            geometries[number - 1] = fixed
            repaired.append(label)
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
