"""Composite indices: choose indicators, directions and weights; standardise; combine; re-standardise;
classify by standard-deviation cut points; cross a status and a dynamics index in a matrix.

Method (written down so that a result can be recomputed by hand):

1. **Reference areas.** Areas with a usable value of *every* component. With ``min_population`` only areas
   whose population (the indicator ``population``) is at least that large; areas below the threshold, or
   without a population value, get no index. Every excluded area is listed with its reason.
2. **Standardise** each component over the reference areas: ``z = (x − mean) / sd`` with the *population*
   standard deviation (``ddof = 0``; this is what the Berlin MSS publishes in its table 3).
3. **Combine**: ``score = Σ weight · direction · z``. ``direction`` is +1 when a higher value should raise the
   index and −1 when it should lower it.
4. **Re-standardise** the score over the same areas (mean 0, sd 1, ``ddof = 0``), so that the class cut
   points are in standard deviations of the index. Without re-standardisation the index is the weighted
   mean of the z-scores, ``score / Σ|weight|``.
5. **Classes** by ascending cut points ``c_1 < … < c_m`` (standard deviations): class 1 below ``c_1``, class
   ``m + 1`` above ``c_m``. A value exactly on a cut point belongs to the class *nearer the mean*: on a
   negative cut point to the class above it, on a positive (or zero) one to the class below it — the Berlin
   MSS rule ("hoch" < −1, "mittel" −1 … +1, "niedrig" > +1 … +1.5, "sehr niedrig" > +1.5).

A component that has the same value in every reference area has no standard deviation and cannot be
standardised: :class:`ConstantComponent`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sozialmonitor.analytics.derived import DerivedValues, InputRef
from sozialmonitor.analytics.inputs import wide_values
from sozialmonitor.errors import SozialmonitorError
from sozialmonitor.frames import LevelInfo

REASON_MISSING = "missing value"
REASON_POPULATION = "population below threshold"
REASON_NO_POPULATION = "no population value"


class CompositeError(SozialmonitorError):
    """A composite index cannot be computed as specified."""


class ConstantComponent(CompositeError):
    """A component has no variation over the reference areas."""


@dataclass(frozen=True)
class Component:
    """One indicator of an index, with its weight and direction (+1 raises, −1 lowers the index)."""

    indicator: str
    weight: float = 1.0
    direction: int = 1

    def __post_init__(self) -> None:
        if self.direction not in (1, -1):
            raise CompositeError(f"direction of {self.indicator!r} is {self.direction!r}; allowed: 1, -1")
        if not math.isfinite(self.weight) or self.weight <= 0:
            raise CompositeError(f"weight of {self.indicator!r} is {self.weight!r}; it must be a number > 0")


@dataclass(frozen=True)
class ClassScheme:
    """Cut points in standard deviations (ascending) and one label per class, lowest index first."""

    cuts: tuple[float, ...]
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if list(self.cuts) != sorted(set(self.cuts)):
            raise CompositeError(f"cut points {self.cuts!r} must be strictly ascending")
        if len(self.labels) != len(self.cuts) + 1:
            raise CompositeError(f"{len(self.cuts)} cut points need {len(self.cuts) + 1} labels, "
                                 f"got {len(self.labels)}")

    def assign(self, index: np.ndarray) -> np.ndarray:
        """Class numbers 1 … k (0 for NaN) by the rule in the module docstring."""
        out = np.zeros(index.shape, dtype="int64")
        finite = np.isfinite(index)
        cls = np.ones(index.shape, dtype="int64")
        for cut in self.cuts:
            above = index >= cut if cut < 0 else index > cut
            cls += above
        out[finite] = cls[finite]
        return out


DEFAULT_CLASSES = ClassScheme((-1.0, 1.0), ("< −1 SD", "−1 … +1 SD", "> +1 SD"))


@dataclass(frozen=True)
class CompositeSpec:
    components: tuple[Component, ...]
    classes: ClassScheme = DEFAULT_CLASSES
    population: str | None = None  # indicator with the population, for the threshold
    min_population: float | None = None
    restandardise: bool = True

    def __post_init__(self) -> None:
        if not self.components:
            raise CompositeError("a composite index needs at least one component")
        ids = [c.indicator for c in self.components]
        if len(set(ids)) != len(ids):
            raise CompositeError(f"components repeat an indicator: {ids}")
        if self.min_population is not None and self.population is None:
            raise CompositeError("min_population needs the population indicator (population=…)")

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(c.indicator for c in self.components)

    def describe(self) -> str:
        parts = " + ".join(f"{c.weight:g}·({'+' if c.direction > 0 else '−'})z({c.indicator})"
                           for c in self.components)
        where = (f"areas with {self.population} ≥ {self.min_population:g}" if self.min_population is not None
                 else "all areas with values")
        after = "re-standardised (mean 0, SD 1)" if self.restandardise else "weighted mean of z-scores"
        cuts = ", ".join(f"{c:g}" for c in self.classes.cuts)
        return (f"composite z-score: {parts}; z over {where} (population SD); {after}; "
                f"classes at SD cut points {cuts} ({' / '.join(self.classes.labels)})")


@dataclass(frozen=True)
class CompositeResult:
    """``table`` is indexed by area code (reference areas only) with one ``z:<indicator>`` column per
    component, ``score``, ``index``, ``class`` (1 … k) and ``label``. ``excluded`` maps every other area
    of the input to its reason."""

    spec: CompositeSpec
    table: pd.DataFrame
    excluded: pd.Series
    means: pd.Series  # per component, over the reference areas
    sds: pd.Series
    period: str = ""
    notes: tuple[str, ...] = field(default=())

    def counts(self) -> pd.Series:
        """Number of areas per class label (every label, zeros included)."""
        labels = list(self.spec.classes.labels)
        return self.table["label"].value_counts().reindex(labels, fill_value=0).astype("int64")

    def derived(self, what: str = "index") -> DerivedValues:
        """The index (``what="index"``) or its class number (``"class"``) for :func:`save_as_indicator`.
        Excluded areas get status ``not_applicable``."""
        if what not in ("index", "class"):
            raise CompositeError(f"unknown result {what!r}; allowed: class, index")
        values = self.table[what].astype("float64")
        all_codes = list(self.table.index) + list(self.excluded.index)
        values = values.reindex(sorted(all_codes))
        statuses = pd.Series("not_applicable", index=self.excluded.index, dtype="object")
        method = self.spec.describe() + ("" if what == "index" else "; value = class number (1 = lowest index)")
        inputs = tuple(InputRef(c.indicator, self.period, c.weight, c.direction) for c in self.spec.components)
        if self.spec.population is not None:
            inputs += (InputRef(self.spec.population, self.period),)
        return DerivedValues(values, self.period, method, inputs, statuses)


def _zscore(values: pd.Series) -> tuple[pd.Series, float, float]:
    mean = float(values.mean())
    sd = float(values.std(ddof=0))
    return (values - mean) / sd, mean, sd


def build_composite(
    values: pd.DataFrame, spec: CompositeSpec, population: pd.Series | None = None, period: str = ""
) -> CompositeResult:
    """Compute the index from a wide table (index: area code; a column per component indicator).
    ``population`` (area code → inhabitants) is needed when ``spec.min_population`` is set."""
    missing_cols = [i for i in spec.indicators if i not in values.columns]
    if missing_cols:
        raise CompositeError(f"no values for component(s) {', '.join(missing_cols)}")
    data = values[list(spec.indicators)].astype("float64")
    reasons = pd.Series(pd.NA, index=data.index, dtype="object")
    reasons[~np.isfinite(data.to_numpy()).all(axis=1)] = REASON_MISSING
    if spec.min_population is not None:
        if population is None:
            raise CompositeError("min_population is set but no population was given")
        pop = population.reindex(data.index).astype("float64")
        reasons[reasons.isna() & pop.isna()] = REASON_NO_POPULATION
        reasons[reasons.isna() & (pop < spec.min_population)] = REASON_POPULATION
    keep = reasons.isna()
    ref = data[keep]
    if len(ref) < 2:
        raise CompositeError(f"only {len(ref)} area(s) have values for every component; at least 2 are needed")
    table = pd.DataFrame(index=ref.index)
    means: dict[str, float] = {}
    sds: dict[str, float] = {}
    score = pd.Series(0.0, index=ref.index)
    for component in spec.components:
        z, mean, sd = _zscore(ref[component.indicator])
        if not sd > 0:
            raise ConstantComponent(f"{component.indicator!r} has the same value ({mean:g}) in every reference "
                                    "area and cannot be standardised")
        means[component.indicator], sds[component.indicator] = mean, sd
        table[f"z:{component.indicator}"] = z
        score += component.weight * component.direction * z
    table["score"] = score
    if spec.restandardise:
        index, _, sd = _zscore(score)
        if not sd > 0:
            raise ConstantComponent("the combined score has the same value in every area")
    else:
        index = score / sum(c.weight for c in spec.components)
    table["index"] = index
    classes = spec.classes.assign(index.to_numpy())
    table["class"] = classes
    table["label"] = [spec.classes.labels[c - 1] for c in classes]
    table.index.name = "area_id"
    excluded = reasons[~keep].astype(str)
    return CompositeResult(spec, table, excluded, pd.Series(means), pd.Series(sds), period)


def composite_for_level(
    session: Session, level: LevelInfo, period: str, spec: CompositeSpec
) -> CompositeResult:
    """The index for one period of a level, with values from the store. When the population indicator
    has no value for this period in any area, the threshold is not applied and a note says so."""
    values = wide_values(session, level, spec.indicators, period)
    notes: list[str] = []
    population = None
    effective = spec
    if spec.population is not None and spec.min_population is not None:
        population = wide_values(session, level, [spec.population], period)[spec.population]
        if population.isna().all():
            notes.append(f"{spec.population} has no values for {period}: the population threshold "
                         f"({spec.min_population:g}) was not applied")
            effective = CompositeSpec(spec.components, spec.classes, None, None, spec.restandardise)
            population = None
    result = build_composite(values, effective, population, period)
    return CompositeResult(spec, result.table, result.excluded, result.means, result.sds, period,
                           (*result.notes, *notes))


# --- status × dynamics ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StatusDynamics:
    """Per area (both indices present): ``status_class``, ``status_label``, ``dynamics_class``,
    ``dynamics_label``, ``group`` (e.g. ``"2/3"``); ``counts`` is the full matrix (status labels as rows,
    dynamics labels as columns, zeros included)."""

    table: pd.DataFrame
    counts: pd.DataFrame


def status_dynamics(status: CompositeResult, dynamics: CompositeResult) -> StatusDynamics:
    both = status.table.index.intersection(dynamics.table.index)
    table = pd.DataFrame({
        "status_class": status.table.loc[both, "class"],
        "status_label": status.table.loc[both, "label"],
        "dynamics_class": dynamics.table.loc[both, "class"],
        "dynamics_label": dynamics.table.loc[both, "label"],
    }, index=both)
    table["group"] = table["status_class"].astype(str) + "/" + table["dynamics_class"].astype(str)
    rows: Sequence[str] = status.spec.classes.labels
    cols: Sequence[str] = dynamics.spec.classes.labels
    counts = pd.crosstab(table["status_label"], table["dynamics_label"]).reindex(
        index=list(rows), columns=list(cols), fill_value=0).astype("int64")
    counts.index.name, counts.columns.name = "status", "dynamics"
    return StatusDynamics(table, counts)
