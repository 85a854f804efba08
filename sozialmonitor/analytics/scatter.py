"""Scatter of two indicators over the areas of a level: Pearson r, Spearman rho and the OLS line.

Only areas with a usable value of both indicators enter (``n``). The points keep their area codes, so a
selection on the map can be highlighted in the scatter and vice versa. Correlation is not causation, and
areas are not people (ecological fallacy) — the panel should say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sozialmonitor.analytics.inputs import wide_values
from sozialmonitor.errors import SozialmonitorError
from sozialmonitor.frames import LevelInfo


class ScatterError(SozialmonitorError):
    """The scatter statistics cannot be computed."""


@dataclass(frozen=True)
class ScatterResult:
    x_indicator: str
    y_indicator: str
    n: int
    pearson_r: float
    pearson_p: float
    spearman_rho: float
    spearman_p: float
    slope: float
    intercept: float
    r_squared: float
    points: pd.DataFrame  # index: area code; columns x, y (only areas with both values)

    def line(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """End points of the regression line over the range of x."""
        lo, hi = float(self.points["x"].min()), float(self.points["x"].max())
        return (lo, self.intercept + self.slope * lo), (hi, self.intercept + self.slope * hi)

    def residuals(self) -> pd.Series:
        return self.points["y"] - (self.intercept + self.slope * self.points["x"])


def scatter(x: pd.Series, y: pd.Series, *, x_indicator: str = "x", y_indicator: str = "y") -> ScatterResult:
    points = pd.DataFrame({"x": x.astype("float64"), "y": y.astype("float64")}).dropna()
    points = points.loc[np.isfinite(points.to_numpy()).all(axis=1)]
    points.index.name = "area_id"
    n = len(points)
    if n < 3:
        raise ScatterError(f"only {n} area(s) have values of both indicators; at least 3 are needed")
    if not (points["x"].std() > 0 and points["y"].std() > 0):
        raise ScatterError("one indicator has the same value in every area: no correlation can be computed")
    from scipy import stats  # scipy and friends load when an analysis first runs, not in every web worker

    pearson = stats.pearsonr(points["x"], points["y"])
    spearman = stats.spearmanr(points["x"], points["y"])
    fit = stats.linregress(points["x"], points["y"])
    return ScatterResult(x_indicator, y_indicator, n, float(pearson.statistic), float(pearson.pvalue),
                         float(spearman.statistic), float(spearman.pvalue), float(fit.slope),
                         float(fit.intercept), float(fit.rvalue) ** 2, points)


def scatter_for_level(
    session: Session, level: LevelInfo, x: str, y: str, period: str, y_period: str | None = None
) -> ScatterResult:
    """``y`` in ``y_period`` (default: ``period``); the same indicator in two periods is allowed."""
    y_when = y_period or period
    if x == y and y_when == period:
        raise ScatterError("choose two different indicators, or two periods of one")
    xs = wide_values(session, level, [x], period)[x]
    ys = wide_values(session, level, [y], y_when)[y]
    return scatter(xs, ys, x_indicator=x, y_indicator=y)
