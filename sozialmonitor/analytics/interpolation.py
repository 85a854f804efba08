"""Areal interpolation between partitions that do not nest (planning areas → school catchment areas …).

Everything is computed in an equal-area CRS (EPSG:3035) from the intersections of source and target areas
(``geopandas.overlay``).

- **Counts** (``kind="count"``, every column of ``values``): a source area's count is split among the target
  areas it intersects in proportion to the intersection's *weight* and summed per target (pycnophylactic
  only in total: a source's count is preserved when the targets cover it).
  *Area-weighted* (default): the weight of a piece is its area — people are assumed to be spread evenly over
  the source area. *Population-weighted* (``weights`` = a finer partition with a ``weight`` column, e.g.
  inhabitants of blocks or planning areas): each finer unit's weight is spread evenly over *its* area, and a
  piece weighs the finer weight it contains, so people are put where the finer level says they live
  (a dasymetric refinement). A source area whose finer weight is 0 falls back to area weights.
- **Ratios** (``kind="ratio"``, columns ``numerator`` and ``denominator``): both are interpolated as counts,
  then ``factor · numerator / denominator`` — never an area-weighted mean of shares.
- **Coverage**: ``allocate_total=True`` (default) divides a source among the pieces that lie inside the
  targets, so slivers at a ragged outer boundary do not lose people; ``coverage`` reports, per source, the
  share of its weight that lies inside the targets (1.0 = fully covered).
- **Missing values** are never 0: a target that receives any share (> 1e-6) of a source without a value gets
  no value; a target that intersects no source gets no value.

Accuracy on real data: ``python -m sozialmonitor.analytics.interpolation --report`` (see ``INTERPOLATION.md``).
"""

from __future__ import annotations

import argparse
import gzip
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity

from sozialmonitor.analytics.derived import DerivedValues, InputRef
from sozialmonitor.errors import SozialmonitorError, UnknownName
from sozialmonitor.geometry import METRIC_CRS

Kind = Literal["count", "ratio"]
KINDS: tuple[str, ...] = ("count", "ratio")
NAN_SHARE = 1e-6


class InterpolationError(SozialmonitorError):
    """Areal interpolation cannot be done as asked."""


@dataclass(frozen=True)
class InterpolationResult:
    """``values``: index target id; the interpolated count columns, or ``numerator``, ``denominator`` and
    ``value`` for ratios. ``shares``: the allocation (``source``, ``target``, ``share``)."""

    values: pd.DataFrame
    coverage: pd.Series
    shares: pd.DataFrame
    kind: str
    weighted: bool

    def describe(self) -> str:
        how = "population-weighted through a finer partition" if self.weighted else "area-weighted"
        what = "counts" if self.kind == "count" else "ratio from interpolated numerator and denominator"
        return f"areal interpolation ({how}, EPSG:3035 intersections) of {what}"

    def derived(self, column: str, inputs: tuple[InputRef, ...], period: str) -> DerivedValues:
        if column not in self.values.columns:
            raise UnknownName("interpolated column", column, self.values.columns)
        return DerivedValues(self.values[column].astype("float64"), period, self.describe(), inputs)


def _metric(areas: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    if areas.crs is None:
        raise InterpolationError(f"the {what} areas have no CRS; set one (e.g. .set_crs(3857))")
    if not areas.index.is_unique:
        raise InterpolationError(f"the {what} area ids (index) are not unique")
    return gpd.GeoDataFrame({"_id": [str(i) for i in areas.index]}, geometry=areas.geometry.values,
                            crs=areas.crs).to_crs(METRIC_CRS)


def _pieces(source: gpd.GeoDataFrame, target: gpd.GeoDataFrame, weights: gpd.GeoDataFrame | None,
            weight_column: str) -> pd.DataFrame:
    """Weight of each (source, target) intersection, and the total weight of each source."""
    src = _metric(source, "source").rename(columns={"_id": "source"})
    tgt = _metric(target, "target").rename(columns={"_id": "target"})
    pieces = gpd.overlay(src, tgt, how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.area
    src_area = pd.Series(src.area.to_numpy(), index=src["source"])
    area_pieces = pd.DataFrame(pieces.groupby(["source", "target"], as_index=False)["area"].sum())
    if weights is None:
        area_pieces["weight"] = area_pieces["area"]
        area_pieces["total"] = area_pieces["source"].map(src_area)
        return area_pieces
    if weight_column not in weights.columns:
        raise InterpolationError(f"the finer partition has no column {weight_column!r}")
    fine = _metric(weights, "finer").rename(columns={"_id": "fine"})
    fine["density"] = weights[weight_column].astype("float64").to_numpy() / fine.area.to_numpy()
    fine_pieces = gpd.overlay(pieces[["source", "target", "geometry"]], fine, how="intersection",
                              keep_geom_type=True)
    fine_pieces["weight"] = fine_pieces["density"] * fine_pieces.area
    weighted = fine_pieces.groupby(["source", "target"])["weight"].sum()
    out = area_pieces.set_index(["source", "target"]).join(weighted).fillna({"weight": 0.0}).reset_index()
    # the source's total weight: everything the finer level puts inside it (inside the targets or not)
    src_fine = gpd.overlay(src, fine, how="intersection", keep_geom_type=True)
    src_weight = (src_fine["density"] * src_fine.area).groupby(src_fine["source"]).sum()
    out["total"] = out["source"].map(src_weight).fillna(0.0)
    empty = out.groupby("source")["weight"].transform("sum") <= 0
    # no finer weight in this source: fall back to area weights
    out["weight"] = np.where(empty, out["area"], out["weight"])
    out["total"] = np.where(empty, out["source"].map(src_area).astype("float64"), out["total"])
    return pd.DataFrame(out)


def interpolate(
    source_areas: gpd.GeoDataFrame, target_areas: gpd.GeoDataFrame, values: pd.DataFrame,
    kind: str = "count", weights: gpd.GeoDataFrame | None = None, *, weight_column: str = "weight",
    factor: float = 1.0, allocate_total: bool = True,
) -> InterpolationResult:
    """Move ``values`` (index: source area id) from ``source_areas`` to ``target_areas`` (both indexed by
    their ids, any CRS). See the module docstring for the rules."""
    if kind not in KINDS:
        raise UnknownName("interpolation kind", kind, KINDS)
    if kind == "ratio":
        missing = [c for c in ("numerator", "denominator") if c not in values.columns]
        if missing:
            raise InterpolationError(f"kind 'ratio' needs the columns numerator and denominator; missing: "
                                     f"{', '.join(missing)}")
        columns = ["numerator", "denominator"]
    else:
        columns = [str(c) for c in values.columns]
    data = values.copy()
    data.index = data.index.astype(str)
    pieces = _pieces(source_areas, target_areas, weights, weight_column)
    inside = pieces.groupby("source")["weight"].transform("sum")
    base = inside if allocate_total else pieces["total"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pieces["share"] = (pieces["weight"] / base).where(base > 0, 0.0)
    total = pieces.groupby("source")["total"].first()
    with np.errstate(divide="ignore", invalid="ignore"):
        coverage = (pieces.groupby("source")["weight"].sum() / total).where(total > 0)
    coverage = coverage.reindex([str(i) for i in source_areas.index]).fillna(0.0)  # no target touched: 0
    targets = pd.Index([str(i) for i in target_areas.index], name="target")
    out = pd.DataFrame(index=targets)
    reached = pieces.groupby("target")["share"].sum().reindex(targets).fillna(0.0) > 0
    for column in columns:
        v = pieces["source"].map(data[column].astype("float64"))
        contribution = (pieces["share"] * v).groupby(pieces["target"]).sum()
        spoiled = (v.isna() & (pieces["share"] > NAN_SHARE)).groupby(pieces["target"]).any()
        result = contribution.reindex(targets)
        result[spoiled.reindex(targets, fill_value=False) | ~reached] = np.nan
        out[column] = result.astype("float64")
    if kind == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = (factor * out["numerator"] / out["denominator"]).where(out["denominator"] > 0)
    shares = pieces[["source", "target", "share"]].reset_index(drop=True)
    return InterpolationResult(out, coverage, shares, kind, weights is not None)


# --- accuracy report: Berlin planning areas (register 2015) → school catchment areas 2012 --------------

REPO = Path(__file__).resolve().parents[2]
RAW = REPO.parent / "shared" / "data" / "raw"
GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # name: (register indicators on planning areas, ESB 2012 columns) — age bands that both publish
    "total": (("pop_total",), ("EW_insgesa",)),
    "under 6": (("pop_age_below_6",), ("EW_U6",)),
    "6 to 18": (("pop_age_6_15", "pop_age_15_18"), ("EW_6U14", "EW_14U18")),
    "18 to 45": (("pop_age_18_27", "pop_age_27_45"), ("EW_18U25", "EW_25U45")),
    "45 to 65": (("pop_age_45_55", "pop_age_55_65"), ("EW_45U65",)),
    "65 and over": (("pop_age_above_65",), ("EW_65plus",)),
}
REPORT_PERIOD = "2015-12-31"


@dataclass(frozen=True)
class Accuracy:
    group: str
    n: int
    observed: float  # sum of the published values
    estimated: float
    mae: float
    mape: float  # %, over areas with a published value > 0
    r2: float  # 1 − SSE / SST
    wape: float  # %, Σ|error| / Σ observed
    share_error: float | None  # percentage points, population-weighted mean |error| of the group's share


def accuracy(group: str, estimated: pd.Series, observed: pd.Series, est_total: pd.Series | None = None,
             obs_total: pd.Series | None = None) -> Accuracy:
    e, o = estimated.astype("float64"), observed.astype("float64").reindex(estimated.index)
    err = e - o
    positive = o > 0
    sst = float(((o - o.mean()) ** 2).sum())
    share_error = None
    if est_total is not None and obs_total is not None:
        ot = obs_total.reindex(o.index)
        with np.errstate(divide="ignore", invalid="ignore"):
            diff = (100 * e / est_total.reindex(o.index) - 100 * o / ot).abs()
        ok = diff.notna() & (ot > 0)
        share_error = float((diff[ok] * ot[ok]).sum() / ot[ok].sum())
    return Accuracy(group, len(o), float(o.sum()), float(e.sum()), float(err.abs().mean()),
                    float(100 * (err[positive].abs() / o[positive]).mean()),
                    1 - float((err ** 2).sum()) / sst if sst > 0 else math.nan,
                    float(100 * err.abs().sum() / o.sum()), share_error)


def read_catchments_2012(raw: Path = RAW) -> gpd.GeoDataFrame:
    """ESB 2012 (EPSG:3857 without a ``crs`` member: GeoJSON readers assume 4326, so it is overridden)."""
    path = raw / "berlin_school_catchments" / "RBS_OD_ESB_2012_12.geojson.gz"
    frame = gpd.read_file(io.BytesIO(gzip.decompress(path.read_bytes())))
    frame = frame.set_crs(3857, allow_override=True).set_index("ESB")
    return frame


def alignment_shift(moved: gpd.GeoDataFrame, reference: gpd.GeoDataFrame) -> tuple[float, float]:
    """The translation (dx, dy in EPSG:3035 metres) that makes the outline of ``moved`` best match the outline
    of ``reference`` (least symmetric difference; both cover the same territory). Subtract it from ``moved``."""
    outline = shapely.simplify(moved.to_crs(METRIC_CRS).union_all(), 5.0)
    target = shapely.simplify(reference.to_crs(METRIC_CRS).union_all(), 5.0)

    from scipy.optimize import minimize  # scipy and friends load when an analysis first runs, not in every web worker

    def mismatch(v: np.ndarray) -> float:
        return float(affinity.translate(outline, -v[0], -v[1]).symmetric_difference(target).area)

    found = minimize(mismatch, np.zeros(2), method="Nelder-Mead",
                     options={"xatol": 0.5, "fatol": 100.0, "initial_simplex": [[0, 0], [200, 0], [0, 200]]})
    return float(found.x[0]), float(found.x[1])


def shifted(areas: gpd.GeoDataFrame, shift: tuple[float, float]) -> gpd.GeoDataFrame:
    metric = areas.to_crs(METRIC_CRS)
    return metric.set_geometry(metric.geometry.translate(-shift[0], -shift[1]))


def _register(period: str) -> pd.DataFrame:
    table = pd.read_csv(REPO / "data" / "berlin" / "population_planungsraum.csv.gz",
                        dtype={"area_id": str}, usecols=["area_id", "indicator_id", "period", "value"])
    table = table[table["period"] == period]
    return table.pivot(index="area_id", columns="indicator_id", values="value").astype("float64")


def _level(layer: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(REPO / "geodata" / "berlin.gpkg", layer=layer).set_index("id")
    return frame


@dataclass(frozen=True)
class Report:
    shift: tuple[float, float]  # translation applied to the ESB 2012 layer in the aligned runs
    mismatch_before_km2: float  # symmetric difference of the ESB and PLR outlines
    mismatch_after_km2: float
    runs: dict[str, list[Accuracy]]


def report(raw: Path = RAW) -> Report:
    """Accuracy of PLR → ESB (area-weighted) and BZR → ESB (area- and population-weighted via PLR), with the
    ESB 2012 layer as published and after aligning its outline with the LOR outline."""
    esb_raw = read_catchments_2012(raw)
    observed = pd.DataFrame({g: esb_raw[list(cols)].sum(axis=1) for g, (_, cols) in GROUPS.items()})
    register = _register(REPORT_PERIOD)
    counts = pd.DataFrame({g: register[list(ids)].sum(axis=1) for g, (ids, _) in GROUPS.items()})
    plr = _level("planungsraum")
    # 09041403 was split off 09041301 in 2019: before, its people are counted in 09041301
    plr = plr.rename(index={"09041403": "09041301"}).dissolve(level=0)
    bzr = _level("bezirksregion")
    bzr_counts = counts.groupby(counts.index.str[:6]).sum()
    plr_weights = plr.assign(weight=counts["total"].reindex(plr.index).fillna(0.0))
    shift = alignment_shift(esb_raw, plr)
    esb_aligned = shifted(esb_raw, shift)

    def outline_mismatch(layer: gpd.GeoDataFrame) -> float:
        a = layer.to_crs(METRIC_CRS).union_all()
        b = plr.to_crs(METRIC_CRS).union_all()
        return float(a.symmetric_difference(b).area) / 1e6

    runs: dict[str, list[Accuracy]] = {}
    for label, esb in (("as published", esb_raw), ("aligned", esb_aligned)):
        for name, result in (
            ("PLR → ESB, area-weighted", interpolate(plr, esb, counts)),
            ("BZR → ESB, area-weighted", interpolate(bzr, esb, bzr_counts)),
            ("BZR → ESB, population-weighted via PLR", interpolate(bzr, esb, bzr_counts, weights=plr_weights)),
        ):
            est = result.values.reindex(observed.index)
            runs[f"{name} (ESB {label})"] = [
                accuracy(g, est[g], observed[g], est["total"] if g != "total" else None,
                         observed["total"] if g != "total" else None) for g in GROUPS]
            scale = observed["total"].sum() / est["total"].sum()
            runs[f"{name} (ESB {label}), scaled to the 2012 city total"] = [
                accuracy("total", est["total"] * scale, observed["total"])]
    return Report(shift, outline_mismatch(esb_raw), outline_mismatch(esb_aligned), runs)


def render(result: Report) -> str:
    lines = [f"ESB 2012 outline vs. LOR outline: symmetric difference {result.mismatch_before_km2:.1f} km² as "
             f"published, {result.mismatch_after_km2:.1f} km² after shifting the ESB layer by "
             f"({-result.shift[0]:.0f} m, {-result.shift[1]:.0f} m) in EPSG:3035.", ""]
    for name, rows in result.runs.items():
        lines += [f"### {name}", "",
                  "| group | n | published 2012 | estimated | MAE | MAPE % | R² | WAPE % | share error pp |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for a in rows:
            share = "–" if a.share_error is None else f"{a.share_error:.2f}"
            lines.append(f"| {a.group} | {a.n} | {a.observed:,.0f} | {a.estimated:,.0f} | {a.mae:,.0f} | "
                         f"{a.mape:.1f} | {a.r2:.3f} | {a.wape:.1f} | {share} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sozialmonitor.analytics.interpolation",
                                     description="Accuracy of areal interpolation on Berlin data.")
    parser.add_argument("--report", action="store_true", help="interpolate register population 31.12.2015 "
                        "onto the 2012 school catchment areas and compare with their published population")
    parser.add_argument("--raw", type=Path, default=RAW, help=f"raw data folder ({RAW})")
    args = parser.parse_args(argv)
    if not args.report:
        parser.print_help()
        return 0
    sys.stdout.write(render(report(args.raw)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
