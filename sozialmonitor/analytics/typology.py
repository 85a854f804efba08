"""Social-space typology: k-means or Ward clustering of areas on standardised indicators.

- **Input**: the areas with a usable value of every chosen indicator (others are listed as excluded); each
  indicator is z-standardised over them (population SD), optionally reversed (``directions``) so that, e.g.,
  "higher is better" indicators point the same way as the rest.
- **k-means**: scikit-learn ``KMeans(n_clusters=k, n_init=10, random_state=seed)``; **Ward**: scikit-learn
  ``AgglomerativeClustering(linkage="ward")`` (deterministic; ``seed`` is not used).
- **Stable labels**: raw cluster numbers depend on the algorithm's internals, so types are renumbered by a
  fixed rule — ascending by the type's mean z-score of the *first* indicator, ties broken by size (larger
  first), then by the smallest area code in the type. Same input and seed, same types and numbers; a type's
  number also keeps its meaning ("type 1 has the lowest values of the first indicator").
- **Profile**: the mean z-score of every indicator per type (what the profile chart shows), and the type
  sizes. The silhouette score (−1 … 1, higher is better separated) helps to choose k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sozialmonitor.analytics.derived import DerivedValues, InputRef
from sozialmonitor.analytics.inputs import wide_values
from sozialmonitor.errors import SozialmonitorError, UnknownName
from sozialmonitor.frames import LevelInfo

Method = Literal["kmeans", "ward"]
METHODS: tuple[str, ...] = ("kmeans", "ward")
K_RANGE = (2, 12)


class TypologyError(SozialmonitorError):
    """A typology cannot be computed as asked."""


@dataclass(frozen=True)
class TypologyResult:
    method: str
    k: int
    seed: int
    indicators: tuple[str, ...]
    directions: tuple[int, ...]
    types: pd.Series  # area code → type number 1 … k
    profile: pd.DataFrame  # type (1 … k) × indicator: mean z-score
    sizes: pd.Series  # type → number of areas
    excluded: tuple[str, ...]  # areas without a value of every indicator
    silhouette: float | None
    period: str = ""

    def derived(self) -> DerivedValues:
        values = self.types.astype("float64").reindex(sorted([*self.types.index, *self.excluded]))
        statuses = pd.Series("missing", index=list(self.excluded), dtype="object")
        algo = ("k-means (n_init=10, random_state=" + str(self.seed) + ")" if self.method == "kmeans"
                else "Ward (agglomerative, euclidean)")
        method = (f"typology: {algo}, k={self.k}, on z-standardised indicators (population SD); types numbered "
                  "by ascending mean z of the first indicator, then size")
        inputs = tuple(InputRef(i, self.period, direction=d) for i, d in zip(self.indicators, self.directions,
                                                                             strict=True))
        return DerivedValues(values, self.period, method, inputs, statuses)


def _standardise(data: pd.DataFrame) -> pd.DataFrame:
    sd = data.std(ddof=0)
    flat = [str(c) for c in sd.index[~(sd > 0)]]
    if flat:
        raise TypologyError(f"indicator(s) without variation cannot be standardised: {', '.join(flat)}")
    return (data - data.mean()) / sd


def typology(
    values: pd.DataFrame, k: int, method: str = "kmeans", *, seed: int = 0,
    directions: Mapping[str, int] | None = None, period: str = "",
) -> TypologyResult:
    """Cluster the areas (rows of ``values``) on its columns."""
    if method not in METHODS:
        raise UnknownName("typology method", method, METHODS)
    if not K_RANGE[0] <= k <= K_RANGE[1]:
        raise TypologyError(f"k = {k} is outside {K_RANGE[0]} … {K_RANGE[1]}")
    indicators = tuple(str(c) for c in values.columns)
    if not indicators:
        raise TypologyError("a typology needs at least one indicator")
    dirs = tuple(int((directions or {}).get(i, 1)) for i in indicators)
    complete = values.astype("float64").dropna()
    excluded = tuple(sorted(str(c) for c in values.index.difference(complete.index)))
    if len(complete) <= k:
        raise TypologyError(f"only {len(complete)} area(s) have values of every indicator; k = {k} needs more")
    z = _standardise(complete) * np.array(dirs, dtype="float64")
    matrix = z.to_numpy()
    from sklearn.cluster import (  # scipy and friends load when an analysis first runs, not in every web worker
        AgglomerativeClustering,
        KMeans,
    )
    from sklearn.metrics import silhouette_score

    if method == "kmeans":
        raw = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(matrix)
    else:
        raw = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(matrix)
    raw_labels = pd.Series(raw, index=complete.index)
    means = z.groupby(raw_labels).mean()
    sizes = raw_labels.value_counts()
    first_code = pd.Series(complete.index, index=complete.index).groupby(raw_labels).min()
    first = means[indicators[0]]
    order = sorted(means.index, key=lambda c: (round(float(first[c]), 12), -int(sizes[c]), str(first_code[c])))
    renumber = {old: new for new, old in enumerate(order, start=1)}
    types = raw_labels.map(renumber).astype("int64")
    types.index.name = "area_id"
    profile = z.groupby(types).mean()
    profile.index.name = "type"
    type_sizes = types.value_counts().sort_index()
    type_sizes.index.name = "type"
    silhouette = float(silhouette_score(matrix, raw)) if 1 < k < len(complete) else None
    return TypologyResult(method, k, seed, indicators, dirs, types, profile, type_sizes, excluded, silhouette,
                          period)


def typology_for_level(
    session: Session, level: LevelInfo, indicators: Sequence[str], period: str, k: int,
    method: str = "kmeans", *, seed: int = 0, directions: Mapping[str, int] | None = None,
) -> TypologyResult:
    values = wide_values(session, level, indicators, period)
    return typology(values, k, method, seed=seed, directions=directions, period=period)
