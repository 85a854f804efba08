"""Hot spots: global Moran's I and local Moran (LISA) clusters with permutation inference.

- **Neighbours**: queen contiguity (a shared edge or corner) of the full-resolution geometries
  (``libpysal.weights.Queen``), row-standardised. Only areas with a value take part; an area without a
  neighbour among them is an **island**: it gets its own class and is left out of the statistics.
- **Global**: ``esda.Moran`` — Moran's I, its expectation −1/(n−1), and the pseudo p-value of
  ``permutations`` random permutations (one-sided, in the direction of the observed I).
- **Local**: ``esda.Moran_Local`` — per area the local I, its quadrant and a pseudo p-value from conditional
  permutations. An area with ``p_sim ≤ alpha`` is labelled by its quadrant: **HH** (high value among high
  neighbours: a hot spot), **LL** (cold spot), **HL** and **LH** (spatial outliers); others **ns** (not
  significant). Areas without a value are **no_data**. No correction for multiple testing is made (as in
  GeoDa); with many areas expect about ``alpha · n`` false positives, which is why ``alpha`` is a choice.
- **Reproducible**: the permutations are drawn from a fixed ``seed``; same data, same seed, same result.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sozialmonitor.analytics.derived import DerivedValues, InputRef
from sozialmonitor.analytics.inputs import level_geometries, wide_values
from sozialmonitor.errors import SozialmonitorError
from sozialmonitor.frames import LevelInfo

CLUSTERS: tuple[str, ...] = ("HH", "LL", "HL", "LH", "ns", "island", "no_data")
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}  # esda's numbering
CODES = {"ns": 0, "HH": 1, "LL": 2, "HL": 3, "LH": 4}  # the value when saved as an indicator
PERMUTATIONS_RANGE = (99, 99999)
DEFAULT_SEED = 20250101


class HotSpotError(SozialmonitorError):
    """Hot spots cannot be computed as asked."""


@dataclass(frozen=True)
class HotSpotResult:
    """``table`` (index: every area code given) has ``value``, ``neighbours``, ``local_i``, ``quadrant``,
    ``p_sim`` and ``cluster`` (one of :data:`CLUSTERS`)."""

    indicator: str
    period: str
    moran_i: float
    expected_i: float
    z_sim: float
    p_sim: float
    n: int
    alpha: float
    permutations: int
    seed: int
    table: pd.DataFrame

    def counts(self) -> pd.Series:
        return self.table["cluster"].value_counts().reindex(list(CLUSTERS), fill_value=0).astype("int64")

    def derived(self) -> DerivedValues:
        """Cluster codes 0 ns, 1 HH, 2 LL, 3 HL, 4 LH; islands ``not_applicable``, no data ``missing``."""
        cluster = self.table["cluster"]
        values = cluster.map(CODES).astype("float64")
        statuses = cluster.map({"island": "not_applicable", "no_data": "missing"}).dropna()
        method = (f"local Moran (LISA) clusters, queen contiguity (full geometry), row-standardised, "
                  f"{self.permutations} conditional permutations (seed {self.seed}), alpha {self.alpha:g}; "
                  f"values 0 ns, 1 HH, 2 LL, 3 HL, 4 LH; global Moran's I = {self.moran_i:.4f} "
                  f"(pseudo p = {self.p_sim:.4f}, n = {self.n})")
        return DerivedValues(values, self.period, method, (InputRef(self.indicator, self.period),), statuses)


def hot_spots(
    areas: gpd.GeoDataFrame, values: pd.Series, *, alpha: float = 0.05, permutations: int = 999,
    seed: int = DEFAULT_SEED, indicator: str = "", period: str = "",
) -> HotSpotResult:
    """LISA clusters of ``values`` (area code → number, NaN = no data) over ``areas`` (index: area code)."""
    if not 0 < alpha < 1:
        raise HotSpotError(f"alpha = {alpha!r} must lie between 0 and 1 (e.g. 0.05)")
    if not PERMUTATIONS_RANGE[0] <= permutations <= PERMUTATIONS_RANGE[1]:
        raise HotSpotError(f"permutations = {permutations} must lie in {PERMUTATIONS_RANGE[0]} … "
                           f"{PERMUTATIONS_RANGE[1]}")
    y_all = values.reindex(areas.index).astype("float64")
    table = pd.DataFrame({"value": y_all, "neighbours": 0, "local_i": np.nan, "quadrant": 0,
                          "p_sim": np.nan, "cluster": "no_data"}, index=areas.index)
    with_data = areas.loc[y_all.notna()]
    if len(with_data) < 3:
        raise HotSpotError(f"only {len(with_data)} area(s) have a value; hot spots need at least 3")
    import esda
    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands and disconnected components
        w = Queen.from_dataframe(with_data, use_index=True)
    islands = [str(i) for i in w.islands]
    table.loc[islands, "cluster"] = "island"
    connected = with_data.drop(index=islands)
    if len(connected) < 3:
        raise HotSpotError(f"only {len(connected)} area(s) have a neighbour with a value; hot spots need 3")
    if islands:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = Queen.from_dataframe(connected, use_index=True)
    w.transform = "r"
    order = list(w.id_order)
    y = y_all.loc[order].to_numpy()
    if not np.std(y) > 0:
        raise HotSpotError("every area has the same value: there is no spatial pattern to test")
    state = np.random.get_state()
    try:
        np.random.seed(seed)  # esda.Moran draws its permutations from numpy's global generator
        moran = esda.Moran(y, w, permutations=permutations)
    finally:
        np.random.set_state(state)
    with warnings.catch_warnings():
        # esda 2.9 announces a change of the local test's alternative in its next major release; we keep the
        # current, GeoDa-compatible pseudo p-value (folded: the share of permutations at least as extreme in
        # the observed direction), and requirements pin esda 2.9 so the p-values cannot change silently
        warnings.simplefilter("ignore", DeprecationWarning)
        local = esda.Moran_Local(y, w, permutations=permutations, seed=seed, keep_simulations=False, n_jobs=1)
    significant = local.p_sim <= alpha
    clusters = [QUADRANTS[int(q)] if s else "ns" for q, s in zip(local.q, significant, strict=True)]
    table.loc[order, "neighbours"] = [len(w.neighbors[i]) for i in order]
    table.loc[order, "local_i"] = local.Is
    table.loc[order, "quadrant"] = local.q.astype("int64")
    table.loc[order, "p_sim"] = local.p_sim
    table.loc[order, "cluster"] = clusters
    table.index.name = "area_id"
    return HotSpotResult(indicator, period, float(moran.I), float(moran.EI), float(moran.z_sim),
                         float(moran.p_sim), len(order), alpha, permutations, seed, table)


def hot_spots_for_level(
    session: Session, level: LevelInfo, indicator: str, period: str, *, alpha: float = 0.05,
    permutations: int = 999, seed: int = DEFAULT_SEED,
) -> HotSpotResult:
    areas = level_geometries(session, level)
    values = wide_values(session, level, [indicator], period)[indicator]
    return hot_spots(areas, values, alpha=alpha, permutations=permutations, seed=seed, indicator=indicator,
                     period=period)
