"""Geometry rules: plausibility of coordinates, repair, web simplification without gaps or overlaps,
and the portable WKB encoding used in the store."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

STORE_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:3035"  # ETRS89-LAEA Europe: equal-area, metres; good anywhere in Germany
WEB_DECIMALS = 6  # ~0.1 m; more digits only cost bytes


def plausible_lonlat(bounds: tuple[float, float, float, float]) -> bool:
    """True when bounds (minx, miny, maxx, maxy) can be longitude/latitude in degrees."""
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        return False
    return -180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0


def polygonal_part(geom: BaseGeometry) -> BaseGeometry:
    """The polygons of a geometry (``make_valid`` may return a collection with lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    merged = shapely.union_all(parts)
    return merged


def repair(geom: BaseGeometry) -> BaseGeometry:
    return polygonal_part(shapely.make_valid(geom))


def auto_tolerance_m(gdf_metric: gpd.GeoDataFrame) -> float:
    """Default simplification tolerance: about 1/4000 of the extent's diagonal, at least 5 m
    (Berlin: ~12 m, Germany: ~250 m). Invisible at the zoom where the whole frame fits the screen."""
    minx, miny, maxx, maxy = gdf_metric.total_bounds
    diagonal = math.hypot(maxx - minx, maxy - miny)
    return max(5.0, diagonal / 4000.0)


def simplify_for_web(geometries: gpd.GeoSeries, tolerance_m: float | None = None) -> gpd.GeoSeries:
    """Simplify a level's polygons as a coverage, so shared edges stay shared (no gaps, no overlaps),
    then round coordinates to ``WEB_DECIMALS``. Input and output in EPSG:4326."""
    metric = geometries.to_crs(METRIC_CRS)
    tolerance = auto_tolerance_m(gpd.GeoDataFrame(geometry=metric)) if tolerance_m is None else tolerance_m
    simplified = shapely.coverage_simplify(np.asarray(metric.values), tolerance)
    back = gpd.GeoSeries(simplified, index=geometries.index, crs=METRIC_CRS).to_crs(STORE_CRS)
    rounded = shapely.set_precision(np.asarray(back.values), 10**-WEB_DECIMALS, mode="pointwise")
    fixed = [
        r if r.is_valid and not r.is_empty else (b if b.is_valid and not b.is_empty else orig)
        for r, b, orig in zip(rounded, back.values, geometries.values, strict=True)
    ]
    return gpd.GeoSeries(fixed, index=geometries.index, crs=STORE_CRS)


def to_wkb(geom: BaseGeometry) -> bytes:
    return bytes(shapely.to_wkb(geom, output_dimension=2))


def from_wkb(data: bytes) -> BaseGeometry:
    return shapely.from_wkb(data)
