"""Does the served geometry tile the plane like the source does? No overlaps, no gaps between neighbours.

The GeoJSON the browser received is compared with the full-resolution source layer (the GeoPackage the demo
imports), both projected to ETRS89-LAEA (EPSG:3035) so that widths and areas are metres:

- **overlaps / mismatched edges**: GEOS coverage validation (``shapely.coverage_invalid_edges``, gap width 0)
  lists every polygon with an edge that overlaps a neighbour or nearly-but-not-exactly matches its edge;
- **narrow gaps**: the same with ``gap_width`` = GAP_WIDTH_M also lists polygons bordering an uncovered sliver
  narrower than that; those inside the area (between neighbours) are told apart from narrow inlets of the
  outer boundary (where simplification may narrow a bay: no neighbour is missing anything there);
- **holes**: interior rings of the union of all polygons (uncovered islands inside the area).

The served geometry is *clean* when it adds no gap or overlap between neighbours to what the source already
has: no polygon with an overlapping or mismatched edge, or bordering a narrow inner gap, that is not so in
the source, and no more overlapping pairs or union holes. A payload that is not GeoJSON is not checked.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

GAP_WIDTH_M = 100.0
OVERLAP_M2 = 1.0  # intersections smaller than this are floating-point noise


def _metres(geoms: np.ndarray) -> np.ndarray:
    to_metres = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(to_metres.transform(xy[:, 0], xy[:, 1])))


def _flagged(geoms: np.ndarray, ids: list[str], gap_width: float) -> list[str]:
    edges = shapely.coverage_invalid_edges(geoms, gap_width=gap_width)
    return [ids[i] for i, e in enumerate(edges) if e is not None and not e.is_empty]


def _narrow_gaps(geoms: np.ndarray, ids: list[str]) -> tuple[list[str], list[str]]:
    """Polygons bordering a gap narrower than GAP_WIDTH_M: (inside the area, at its outer boundary)."""
    edges = shapely.coverage_invalid_edges(geoms, gap_width=GAP_WIDTH_M)
    outline = shapely.union_all([shapely.LinearRing(p.exterior) for p in
                                 shapely.get_parts(shapely.union_all(geoms))])
    inner, outer = [], []
    for i, e in enumerate(edges):
        if e is None or e.is_empty:
            continue
        (outer if shapely.distance(e, outline) < 1.0 else inner).append(ids[i])
    return inner, outer


def _overlaps(geoms: np.ndarray) -> tuple[int, float]:
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    areas = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    big = areas > OVERLAP_M2
    return int(big.sum()), float(areas[big].sum())


def _holes(geoms: np.ndarray) -> tuple[int, float]:
    union = shapely.union_all(geoms)
    rings = [ring for part in shapely.get_parts(union) for ring in part.interiors]
    return len(rings), float(sum(shapely.Polygon(r).area for r in rings))


def describe(geoms: np.ndarray, ids: list[str]) -> dict[str, Any]:
    overlaps, overlap_m2 = _overlaps(geoms)
    holes, hole_m2 = _holes(geoms)
    inner, outer = _narrow_gaps(geoms, ids)
    return {
        "vertices": int(shapely.get_num_coordinates(geoms).sum()),
        "flagged_overlap_or_edge": _flagged(geoms, ids, 0.0),
        "flagged_narrow_gap": inner,
        "flagged_narrow_inlet": outer,
        "overlapping_pairs": overlaps, "overlap_m2": round(overlap_m2, 1),
        "union_holes": holes, "union_hole_m2": round(hole_m2, 1),
    }


def check(body: bytes | None, source: Path, layer: str) -> dict[str, Any]:
    if not body:
        return {"checked": False, "reason": "no geometry response"}
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    try:
        features = json.loads(body)["features"]
        ids = [str(f["properties"]["id"]) for f in features]
        served = np.array([shapely.geometry.shape(f["geometry"]) for f in features])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        return {"checked": False, "reason": f"not GeoJSON with properties.id ({type(exc).__name__})"}
    frame = pyogrio.read_dataframe(source, layer=layer)
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    frame = frame.set_index(frame["id"].astype(str))
    missing = [i for i in ids if i not in frame.index]
    if missing:
        return {"checked": False, "reason": f"{len(missing)} served ids not in {source.name}:{layer}"}
    original = np.array(shapely.make_valid(frame.loc[ids].geometry.values))
    web = describe(_metres(served), ids)
    full = describe(_metres(original), ids)
    new_edges = sorted(set(web["flagged_overlap_or_edge"]) - set(full["flagged_overlap_or_edge"]))
    new_gaps = sorted(set(web["flagged_narrow_gap"]) - set(full["flagged_narrow_gap"]))
    new_inlets = sorted(set(web["flagged_narrow_inlet"]) - set(full["flagged_narrow_inlet"]))
    clean = not new_edges and not new_gaps and web["union_holes"] <= full["union_holes"] \
        and web["overlapping_pairs"] <= full["overlapping_pairs"]

    def short(d: dict[str, Any]) -> dict[str, Any]:
        return {**d, "flagged_overlap_or_edge": len(d["flagged_overlap_or_edge"]),
                "flagged_narrow_gap": len(d["flagged_narrow_gap"]),
                "flagged_narrow_inlet": len(d["flagged_narrow_inlet"])}

    return {
        "checked": True, "polygons": len(ids), "gap_width_m": GAP_WIDTH_M, "source": f"{source.name}:{layer}",
        "served": short(web), "source_full_resolution": short(full),
        "vertices": web["vertices"],
        "new_overlap_or_edge": new_edges[:20], "new_narrow_gap": new_gaps[:20],
        "new_narrow_inlet": new_inlets[:20],
        "in_source_too": sorted(set(web["flagged_overlap_or_edge"]) | set(web["flagged_narrow_gap"])
                                - set(new_edges) - set(new_gaps))[:20],
        "clean": clean,
    }
