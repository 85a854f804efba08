"""Scatter statistics: correlations, OLS line, the points keep their area ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sozialmonitor.analytics.scatter import ScatterError, scatter


def test_perfect_line() -> None:
    x = pd.Series([1.0, 2.0, 3.0, 4.0], index=["a", "b", "c", "d"])
    result = scatter(x, 2 * x + 1)
    assert (result.n, result.slope, result.intercept) == (4, pytest.approx(2.0), pytest.approx(1.0))
    assert result.pearson_r == pytest.approx(1.0) and result.r_squared == pytest.approx(1.0)
    assert result.spearman_rho == pytest.approx(1.0)
    assert result.line() == ((1.0, pytest.approx(3.0)), (4.0, pytest.approx(9.0)))


def test_hand_checked_values_and_missing_pairs_are_dropped() -> None:
    x = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0, "f": np.nan})
    y = pd.Series({"a": 2.0, "b": 1.0, "c": 4.0, "d": 3.0, "e": 5.0, "g": 9.0})
    result = scatter(x, y)
    # Σdx·dy = 8, Σdx² = 10, Σdy² = 10 → r = 0.8, slope 0.8, intercept 3 − 0.8·3 = 0.6; rho = 0.8 (no ties)
    assert result.n == 5 and sorted(result.points.index) == ["a", "b", "c", "d", "e"]
    assert result.pearson_r == pytest.approx(0.8)
    assert result.slope == pytest.approx(0.8) and result.intercept == pytest.approx(0.6)
    assert result.r_squared == pytest.approx(0.64)
    assert result.spearman_rho == pytest.approx(0.8)
    assert result.residuals()["a"] == pytest.approx(2.0 - 1.4)


def test_too_few_or_constant() -> None:
    with pytest.raises(ScatterError, match="only 2"):
        scatter(pd.Series([1.0, 2.0]), pd.Series([1.0, 3.0]))
    with pytest.raises(ScatterError, match="same value"):
        scatter(pd.Series([1.0, 2.0, 3.0]), pd.Series([5.0, 5.0, 5.0]))
