"""Hot spots on a synthetic grid: Moran's I checked by hand, HH/LL corners, islands, no data, seeds."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from sozialmonitor.analytics.hotspots import CLUSTERS, HotSpotError, hot_spots


def grid(with_island: bool = True) -> tuple[gpd.GeoDataFrame, pd.Series]:
    cells = {f"r{r}c{c}": box(c, r, c + 1, r + 1) for r in range(5) for c in range(5)}
    values = {f"r{r}c{c}": 10.0 * (r + c) for r in range(5) for c in range(5)}
    if with_island:
        cells["insel"] = box(7, 7, 8, 8)
        values["insel"] = 140.0
    return gpd.GeoDataFrame(geometry=list(cells.values()), index=list(cells), crs=3035), pd.Series(values)


def test_global_moran_matches_the_formula_with_row_standardised_queen_weights() -> None:
    areas, values = grid(with_island=False)
    result = hot_spots(areas, values, permutations=99)
    codes = list(areas.index)
    z = values[codes].to_numpy() - values.mean()
    rc = [(int(c[1]), int(c[3])) for c in codes]
    num = 0.0
    for i, (ri, ci) in enumerate(rc):
        nbrs = [j for j, (rj, cj) in enumerate(rc) if j != i and abs(ri - rj) <= 1 and abs(ci - cj) <= 1]
        num += z[i] * sum(z[j] for j in nbrs) / len(nbrs)
    assert result.moran_i == pytest.approx(num / (z @ z))
    assert result.expected_i == pytest.approx(-1 / 24)
    assert result.p_sim == pytest.approx(0.01)  # none of 99 permutations reaches the observed I


def test_corners_are_hot_and_cold_spots_and_the_island_is_its_own_class() -> None:
    areas, values = grid()
    result = hot_spots(areas, values)
    clusters = result.table["cluster"]
    assert clusters["r4c4"] == "HH" and clusters["r0c0"] == "LL"
    assert clusters["insel"] == "island" and math.isnan(result.table.loc["insel", "p_sim"])
    assert not clusters.isin(["HL", "LH"]).any()
    assert result.n == 25 and set(clusters) <= set(CLUSTERS)
    assert result.counts().sum() == 26


def test_areas_without_value_are_no_data_and_reruns_are_identical() -> None:
    areas, values = grid()
    values["r2c2"] = np.nan
    first = hot_spots(areas, values, seed=5)
    again = hot_spots(areas, values, seed=5)
    assert first.table.loc["r2c2", "cluster"] == "no_data"
    pd.testing.assert_frame_equal(first.table, again.table)
    assert first.p_sim == again.p_sim
    derived = first.derived()
    assert derived.values["r4c4"] == 1.0 and derived.statuses is not None
    assert derived.statuses.to_dict() == {"insel": "not_applicable", "r2c2": "missing"}


def test_alpha_controls_significance() -> None:
    areas, values = grid()
    strict = hot_spots(areas, values, alpha=0.001)
    assert (strict.table["cluster"].isin(["HH", "LL"])).sum() < (hot_spots(areas, values).table["cluster"]
                                                                   .isin(["HH", "LL"])).sum()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"alpha": 0.0}, "alpha"), ({"permutations": 10}, "permutations"),
])
def test_bad_arguments(kwargs: dict[str, float], message: str) -> None:
    areas, values = grid()
    with pytest.raises(HotSpotError, match=message):
        hot_spots(areas, values, **kwargs)  # type: ignore[arg-type]


def test_constant_values_have_no_pattern() -> None:
    areas, values = grid()
    with pytest.raises(HotSpotError, match="same value"):
        hot_spots(areas, values * 0)
