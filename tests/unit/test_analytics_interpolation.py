"""Areal interpolation on hand-checked squares (EPSG:3035, 1 km units)."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from sozialmonitor.analytics.interpolation import InterpolationError, accuracy, interpolate
from sozialmonitor.errors import UnknownName

X0, Y0, KM = 4_550_000.0, 3_270_000.0, 1000.0


def squares(spec: dict[str, tuple[float, float, float, float]], crs: int | None = 3035) -> gpd.GeoDataFrame:
    geoms = [box(X0 + a * KM, Y0 + b * KM, X0 + c * KM, Y0 + d * KM) for a, b, c, d in spec.values()]
    return gpd.GeoDataFrame(geometry=geoms, index=list(spec), crs=crs)


# sources A = [0,2]×[0,2], B = [2,4]×[0,2]; targets T1 = [0,1]×[0,2], T2 = [1,4]×[0,2] — they do not nest
SOURCE = squares({"A": (0, 0, 2, 2), "B": (2, 0, 4, 2)})
TARGET = squares({"T1": (0, 0, 1, 2), "T2": (1, 0, 4, 2)})


def test_counts_are_split_by_area() -> None:
    result = interpolate(SOURCE, TARGET, pd.DataFrame({"people": [100.0, 60.0]}, index=["A", "B"]))
    assert result.values["people"].to_dict() == {"T1": pytest.approx(50.0), "T2": pytest.approx(110.0)}
    assert result.coverage.to_dict() == {"A": pytest.approx(1.0), "B": pytest.approx(1.0)}


def test_ratios_go_through_numerator_and_denominator() -> None:
    values = pd.DataFrame({"numerator": [20.0, 30.0], "denominator": [100.0, 60.0]}, index=["A", "B"])
    result = interpolate(SOURCE, TARGET, values, kind="ratio", factor=100.0)
    # T1: 10 / 50 = 20 %; T2: (10 + 30) / (50 + 60) = 36.36 % — not the mean of 20 % and 50 %
    assert result.values.loc["T1", "value"] == pytest.approx(20.0)
    assert result.values.loc["T2", "value"] == pytest.approx(100 * 40 / 110)


def test_population_weighted_through_a_finer_level() -> None:
    finer = squares({"F1": (0, 0, 0.5, 2), "F2": (0.5, 0, 2, 2), "F3": (2, 0, 4, 2)})
    finer["weight"] = [90.0, 10.0, 0.0]  # B has no finer weight: it falls back to area weights
    result = interpolate(SOURCE, TARGET, pd.DataFrame({"people": [100.0, 60.0]}, index=["A", "B"]),
                         weights=finer)
    # A: T1 holds F1 (90) and a third of F2 (3.33) of A's weight 100; T2 the rest (6.67) plus all of B
    assert result.values.loc["T1", "people"] == pytest.approx(93.3333, abs=1e-3)
    assert result.values.loc["T2", "people"] == pytest.approx(66.6667, abs=1e-3)
    assert result.weighted and "population-weighted" in result.describe()


def test_missing_source_values_spoil_only_the_targets_they_reach() -> None:
    result = interpolate(SOURCE, TARGET, pd.DataFrame({"people": [100.0, math.nan]}, index=["A", "B"]))
    assert result.values.loc["T1", "people"] == pytest.approx(50.0)
    assert math.isnan(result.values.loc["T2", "people"])


def test_partial_cover_allocates_the_total_or_not() -> None:
    only_t1 = squares({"T1": (0, 0, 1, 2), "far": (10, 10, 11, 11)})
    values = pd.DataFrame({"people": [100.0, 60.0]}, index=["A", "B"])
    kept = interpolate(SOURCE, only_t1, values)
    assert kept.values.loc["T1", "people"] == pytest.approx(100.0)
    assert math.isnan(kept.values.loc["far", "people"])  # reached by no source: no value, not 0
    assert kept.coverage.to_dict() == {"A": pytest.approx(0.5), "B": 0.0}
    lost = interpolate(SOURCE, only_t1, values, allocate_total=False)
    assert lost.values.loc["T1", "people"] == pytest.approx(50.0)


def test_any_crs_is_projected_first() -> None:
    result = interpolate(SOURCE.to_crs(4326), TARGET.to_crs(3857), pd.DataFrame({"p": [100.0, 60.0]},
                                                                                index=["A", "B"]))
    assert result.values["p"].to_dict() == {"T1": pytest.approx(50.0, rel=1e-4), "T2": pytest.approx(110.0, rel=1e-4)}


def test_errors() -> None:
    values = pd.DataFrame({"p": [1.0, 2.0]}, index=["A", "B"])
    with pytest.raises(UnknownName, match="allowed: count, ratio"):
        interpolate(SOURCE, TARGET, values, kind="mean")
    with pytest.raises(InterpolationError, match="numerator and denominator"):
        interpolate(SOURCE, TARGET, values, kind="ratio")
    with pytest.raises(InterpolationError, match="no CRS"):
        interpolate(squares({"A": (0, 0, 1, 1)}, crs=None), TARGET, values)


def test_accuracy_measures() -> None:
    observed = pd.Series({"a": 100.0, "b": 200.0, "c": 300.0})
    estimated = pd.Series({"a": 110.0, "b": 190.0, "c": 300.0})
    a = accuracy("total", estimated, observed)
    assert a.mae == pytest.approx(20 / 3)
    assert a.mape == pytest.approx(100 * (0.1 + 0.05 + 0) / 3)
    assert a.wape == pytest.approx(100 * 20 / 600)
    assert a.r2 == pytest.approx(1 - 200 / 20000)
