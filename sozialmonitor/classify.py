"""Choropleth classification: class breaks, the class of each area, and the notes a legend must show.

Breaks are computed with `mapclassify <https://pysal.org/mapclassify/>`_; this module adds the policies a
social monitor needs and writes them down:

**Which values enter.** ``values`` maps area ids to usable numbers only. Missing and suppressed values
(disclosure control, ``secret``, ``not_applicable`` …) never enter the classification: the caller drops
them, and the map gives them their own legend entries (see :mod:`sozialmonitor.palettes`). Zeros are
ordinary values. NaN or infinite numbers are a caller error and raise :class:`NotFinite`.

**Outliers** are neither removed nor capped: every area is shown with its true class. Equal intervals can
therefore leave classes empty (their count is 0); quantiles and natural breaks are robust to outliers.

**Classes.** ``breaks`` holds the upper bound of each class, strictly ascending; class 0 is
``[lower, breaks[0]]`` and class ``i`` is ``(breaks[i-1], breaks[i]]``. A value exactly on a break belongs
to the lower class (upper bound inclusive), as in mapclassify.

**Number of classes.** ``k`` must lie in :data:`K_RANGE` (3 … 7). Fewer classes are used only with a
note: fewer distinct values than ``k`` lower ``k`` to their number, and breaks that coincide (quantiles
with heavy ties) or classes that would be empty at the ends of the range (``std_mean``) are dropped -
both with ``Note("k_lowered", {"requested": k, "used": n})``. All values equal gives one class and
``Note("all_equal")``; no values gives ``k == 0``, no breaks, ``lower`` NaN and ``Note("no_values")``.

**Methods** (:data:`METHODS`):

- ``quantiles``: about the same number of areas per class (mapclassify ``Quantiles``).
- ``equal_interval``: classes of equal width between minimum and maximum (mapclassify's ``EqualInterval``
  formula, computed here because its ``np.arange`` fails on ranges near the float resolution).
- ``natural_breaks``: Fisher-Jenks optimal breaks (``FisherJenks``). Its cost grows with n², so above
  ``JENKS_SAMPLE`` (1,000) values the breaks are computed on a deterministic sample: the sorted values at
  1,000 evenly spaced ranks (always including minimum and maximum), which keeps the distribution's shape;
  the last break is the true maximum. Same input, same breaks.
- ``std_mean``: breaks at the mean plus multiples of the standard deviation (``StdMean``, sample standard
  deviation, n − 1). The ``k − 1`` multiples are symmetric around the mean and one standard deviation
  apart (:func:`std_multiples`): k=3 → ±0.5; k=4 → −1, 0, 1; k=5 → ±0.5, ±1.5; k=6 → 0, ±1, ±2;
  k=7 → ±0.5, ±1.5, ±2.5. The lowest class starts at the minimum, the highest ends at the maximum;
  breaks outside the data range would make empty classes and are dropped (``k_lowered``).
- ``manual``: the user's ``manual_breaks`` as upper bounds of classes (mapclassify ``UserDefined``), at
  most :data:`MAX_MANUAL_BREAKS`; ``k`` is ignored. Unsorted breaks are sorted
  (``Note("manual_breaks_sorted")``), duplicates removed (``Note("manual_breaks_duplicates")``). Values
  below the first break belong to class 0, whose lower bound is the smaller of the data minimum and the
  first break. If values exceed the last break, the data maximum is appended as one more class, so every
  value lands in a class, with ``Note("outside_breaks", {"count", "last_break", "upper"})``.

**Same breaks for all periods.** With ``basis`` (e.g. the values of every period) the breaks are computed
from ``basis`` and then applied to ``values``; the result is the same as ``assign(values,
classify(basis …))``. Values outside the basis range (possible only if ``basis`` does not contain them) are
put into the first or last class with ``Note("outside_basis", {"count", "lower", "upper"})``. An empty
``basis`` gives ``k == 0`` and no classes at all.

**Diverging classes around a reference** (``center`` given; change maps, maps centred on the city-wide
value): each side of the centre is classified on its own, so that no class is wasted on a side without values.
The values below and the values above the centre are classified separately with the chosen method (for
``std_mean``: breaks at ``center ± m · s``, the positive :func:`std_multiples` ``m`` of the standard deviation
``s`` around the centre, as far as the values reach):

- values on both sides: ``ceil(k / 2)`` classes per side. For odd ``k`` the class of each side nearest the centre
  together form the middle class, which straddles the centre; for even ``k`` the centre itself is a break. The
  bounds are not mirrored: a side with a short range gets its own, narrower classes instead of empty outer ones
  (mirroring the longer side's bounds left classes with "0 areas"). ``lower`` is the minimum, ``breaks[-1]`` the
  maximum.
- values on one side only (all ``≤ center`` or all ``≥ center``): all ``k`` classes lie on that side, from the
  value farthest from the centre to the one nearest to it (not to the centre itself).

:func:`sides` tells how many classes lie below, around and above the centre, so that the palette can colour a
one-sided map in that side's hue (:func:`sozialmonitor.palettes.diverging_colours`). With ``manual`` the user's
breaks are taken as given. All values equal make one class at that value, whatever the centre.

Classification is deterministic: the same input always gives the same result.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sozialmonitor.errors import SozialmonitorError, UnknownName

JENKS_SAMPLE = 1000
METHODS: tuple[str, ...] = ("quantiles", "equal_interval", "natural_breaks", "std_mean", "manual")
K_RANGE: tuple[int, int] = (3, 7)
MAX_MANUAL_BREAKS = K_RANGE[1]
"""Most breaks a user may give; one more class may be appended for values above the last break."""

FloatArray = npt.NDArray[np.float64]


class BadBreaks(SozialmonitorError):
    """Manual breaks that cannot be used: none given, too many, or not finite numbers."""


class NotFinite(SozialmonitorError):
    """Values to classify contain NaN or infinity; missing values must be dropped before classifying."""


@dataclass(frozen=True)
class Note:
    """A remark for the user about the classification, translated later by ``key``."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Classification:
    """Breaks and classes of one map. See the module docstring for the meaning of each policy."""

    method: str
    k: int
    """Number of classes actually used (may be below :data:`K_RANGE` only together with a note)."""
    lower: float
    """Lower bound of class 0: the minimum of the values the breaks were computed from (diverging: the
    mirrored lower end; manual: at most the first break); NaN when ``k == 0``."""
    breaks: tuple[float, ...]
    """Upper bound of each class, strictly ascending, ``len(breaks) == k``."""
    classes: dict[str, int]
    """Area id → class index 0 … k − 1, for every area in ``values``."""
    counts: tuple[int, ...]
    """Number of areas per class (of ``values``, not of ``basis``)."""
    center: float | None
    """Reference value of a diverging classification, else None."""
    notes: tuple[Note, ...]


def std_multiples(k: int) -> list[float]:
    """Multiples of the standard deviation for ``std_mean`` with ``k`` classes: ``k − 1`` numbers, symmetric
    around 0 and 1 apart (k=5 → [−1.5, −0.5, 0.5, 1.5])."""
    return [i - (k - 2) / 2 for i in range(k - 1)]


def classify(
    values: Mapping[str, float],
    method: str,
    k: int,
    *,
    manual_breaks: Sequence[float] | None = None,
    basis: Sequence[float] | None = None,
    center: float | None = None,
) -> Classification:
    """Classify ``values`` (area id → number) into ``k`` classes with ``method``.

    ``manual_breaks`` is used with method ``manual`` only (ignored otherwise); ``basis`` computes the breaks
    from other values (same breaks for all periods); ``center`` makes the classes diverge around it.
    """
    if method not in METHODS:
        raise UnknownName("classification method", method, METHODS)
    if method != "manual" and not K_RANGE[0] <= k <= K_RANGE[1]:
        raise UnknownName("number of classes", k, range(K_RANGE[0], K_RANGE[1] + 1))
    _check_finite(values)
    if center is not None and not math.isfinite(center):
        raise NotFinite(f"the centre of a diverging classification must be a finite number, got {center!r}")
    if basis is not None:
        source = np.asarray(list(basis), dtype=np.float64)
        if not np.isfinite(source).all():
            raise NotFinite("the basis of the classification contains NaN or infinite values")
    else:
        source = np.asarray(list(values.values()), dtype=np.float64)

    notes: list[Note] = []
    if source.size == 0:
        return Classification(method, 0, math.nan, (), {}, (), center, (Note("no_values"),))
    lo, hi = float(source.min()), float(source.max())
    if method == "manual":
        breaks, lower = _manual(source, manual_breaks, notes)
    elif lo == hi:
        notes.append(Note("all_equal", {"value": lo}))
        breaks, lower = [hi], lo
    else:
        if center is None:
            breaks, lower = _sequential(source, method, k), lo
        else:
            breaks, lower = _diverging(source, method, k, center)
        breaks = sorted(set(breaks))
        if len(breaks) != k:
            notes.append(Note("k_lowered", {"requested": k, "used": len(breaks)}))

    classes = _assign(values, breaks)
    counts = [0] * len(breaks)
    for index in classes.values():
        counts[index] += 1
    if basis is not None:
        outside = sum(1 for v in values.values() if v < lower or v > breaks[-1])
        if outside:
            notes.append(Note("outside_basis", {"count": outside, "lower": lower, "upper": breaks[-1]}))
    return Classification(
        method=method,
        k=len(breaks),
        lower=float(lower),
        breaks=tuple(float(b) for b in breaks),
        classes=classes,
        counts=tuple(counts),
        center=center,
        notes=tuple(notes),
    )


def assign(values: Mapping[str, float], classification: Classification) -> dict[str, int]:
    """Classes of other ``values`` with the fixed breaks of ``classification`` (upper bounds inclusive).

    Values below ``lower`` go to class 0, values above the last break to the last class; with ``k == 0``
    no value gets a class.
    """
    _check_finite(values)
    return _assign(values, classification.breaks)


def sides(classification: Classification) -> tuple[int, int, int]:
    """How many classes of a diverging classification lie below its centre, around it (the middle class, which
    straddles the centre or is the centre itself) and above it: ``(2, 1, 2)`` for five classes on both sides,
    ``(5, 0, 0)`` when every value is below the centre."""
    if classification.center is None:
        raise ValueError("only a diverging classification (with a centre) has sides")
    center = classification.center
    below = middle = above = 0
    lower = classification.lower
    for upper in classification.breaks:
        if upper <= center and lower < center:
            below += 1
        elif lower >= center and upper > center:
            above += 1
        else:
            middle += 1
        lower = upper
    return below, middle, above


def _assign(values: Mapping[str, float], breaks: Sequence[float]) -> dict[str, int]:
    if not breaks:
        return {}
    ids = list(values)
    numbers = np.asarray([values[i] for i in ids], dtype=np.float64)
    # side="left": the first break >= value, i.e. breaks[i-1] < value <= breaks[i]
    index = np.minimum(np.searchsorted(np.asarray(breaks, dtype=np.float64), numbers, side="left"), len(breaks) - 1)
    return {area: int(c) for area, c in zip(ids, index, strict=True)}


def _check_finite(values: Mapping[str, float]) -> None:
    bad = [area for area, v in values.items() if not math.isfinite(v)]
    if bad:
        shown = ", ".join(bad[:10]) + (" …" if len(bad) > 10 else "")
        raise NotFinite(
            f"cannot classify NaN or infinite values (areas: {shown}); drop missing values before classifying"
        )


def _method_breaks(y: FloatArray, method: str, k: int) -> list[float]:
    """Raw mapclassify breaks for ``k`` classes (2 ≤ k ≤ number of distinct values)."""
    with warnings.catch_warnings():
        # mapclassify warns about ties and a missing numba; ties are reported as notes instead
        warnings.simplefilter("ignore")
        bins: Sequence[float] | FloatArray
        if method == "quantiles":
            bins = quantile_bins(y, k)
        elif method == "equal_interval":
            # mapclassify's EqualInterval formula, without its np.arange, which fails on ranges near float
            # resolution
            lo, hi = float(y.min()), float(y.max())
            width = (hi - lo) / k
            bins = [(lo + width) + i * width for i in range(k - 1)] + [hi]
        elif method == "natural_breaks":
            sample = np.sort(y)
            if sample.size > JENKS_SAMPLE:
                sample = sample[np.linspace(0, sample.size - 1, JENKS_SAMPLE).round().astype(int)]
            import mapclassify  # scipy and scikit-learn come with it (~80 MiB): loaded when first asked for

            bins = mapclassify.FisherJenks(sample, k=k).bins
        else:
            bins = std_mean_bins(y, std_multiples(k))
    return [float(b) for b in bins]


def _score_at(ordered: FloatArray, per: float) -> float:
    """The ``per`` percentile of sorted values, interpolated as mapclassify (``scipy.stats.scoreatpercentile``,
    method "fraction") computes it — the same arithmetic, so the breaks are identical to the last bit."""
    idx = per / 100.0 * (ordered.size - 1)
    i = int(idx)
    if i == idx:
        return float(ordered[i])
    weights = (i + 1 - idx, idx - i)
    return float((ordered[i] * weights[0] + ordered[i + 1] * weights[1]) / (weights[0] + weights[1]))


def quantile_bins(y: FloatArray, k: int) -> FloatArray:
    """Upper bounds of ``k`` quantile classes (mapclassify's ``Quantiles``; ties collapse classes)."""
    width = 100.0 / k
    percentiles = np.arange(width, 100 + width, width)
    if percentiles[-1] > 100.0:
        percentiles[-1] = 100.0
    ordered = np.sort(np.asarray(y, dtype="float64"))
    return np.unique(np.array([_score_at(ordered, float(p)) for p in percentiles]))


def std_mean_bins(y: FloatArray, multiples: Sequence[float]) -> FloatArray:
    """Upper bounds at the mean plus ``multiples`` standard deviations, and the maximum (mapclassify's
    ``StdMean``)."""
    s = y.std(ddof=1)
    m = y.mean()
    cuts = [m + s * w for w in multiples]
    if cuts[-1] < y.max():
        cuts.append(y.max())
    return np.array(cuts)


def _within(breaks: Sequence[float], lo: float, hi: float) -> list[float]:
    """Breaks that bound a possibly non-empty class within ``[lo, hi]``, ending exactly at ``hi``."""
    return sorted({b for b in breaks if lo <= b < hi} | {hi})


def _sequential(y: FloatArray, method: str, k: int) -> list[float]:
    used = min(k, len(np.unique(y)))
    return _within(_method_breaks(y, method, used), float(y.min()), float(y.max()))


def _diverging(y: FloatArray, method: str, k: int, center: float) -> tuple[list[float], float]:
    below = y[y < center]
    above = y[y > center]
    odd = k % 2 == 1
    sd = _sd_around(y, center)
    if below.size and above.size:
        half = math.ceil(k / 2)
        b_breaks = _side_breaks(below, method, half, center - sd * _multiples(half, odd=odd))
        a_breaks = _side_breaks(above, method, half, center + sd * _multiples(half, odd=odd))
        # the class of each side nearest the centre: together the middle class (odd k), or up to the centre (even)
        breaks = b_breaks[:-1] + ([] if odd else [center]) + a_breaks
        return _contain(breaks, y), float(y.min())
    # one side only: every class on it (values at the centre belong to the class nearest to it)
    sign = 1.0 if above.size else -1.0
    return _contain(_side_breaks(y, method, k, center + sign * sd * _multiples(k, odd=odd)), y), float(y.min())


def _sd_around(y: FloatArray, center: float) -> float:
    """The standard deviation around ``center`` (n − 1), for ``std_mean`` classes around a reference."""
    return math.sqrt(float(np.sum((y - center) ** 2)) / max(len(y) - 1, 1))


def _multiples(n: int, *, odd: bool) -> FloatArray:
    """The ``n − 1`` positive multiples of the standard deviation that bound ``n`` classes on one side (the
    positive :func:`std_multiples`): 0.5, 1.5, … for odd ``k``, 1, 2, … for even ``k``."""
    return np.arange(n - 1, dtype=np.float64) + (0.5 if odd else 1.0)


def _side_breaks(side: FloatArray, method: str, n: int, std_breaks: FloatArray) -> list[float]:
    """Upper bounds of at most ``n`` classes of the values on one side of the centre, ending at their maximum:
    the values classified with ``method``; for ``std_mean`` the given breaks at multiples of the standard
    deviation around the centre, as far as the values reach."""
    lo, hi = float(side.min()), float(side.max())
    if method == "std_mean":
        return _within([float(b) for b in std_breaks], lo, hi)
    used = min(n, len(np.unique(side)))
    return _within(_method_breaks(side, method, used) if used > 1 else [hi], lo, hi)


def _contain(breaks: list[float], y: FloatArray) -> list[float]:
    """centre ± d can miss the extreme values by a rounding error; the outer bounds must contain them."""
    breaks[-1] = max(breaks[-1], float(y.max()))
    return breaks


def _manual(source: FloatArray, manual_breaks: Sequence[float] | None, notes: list[Note]) -> tuple[list[float], float]:
    given = [float(b) for b in manual_breaks or ()]
    if not given:
        raise BadBreaks("the manual classification needs at least one break")
    if not all(math.isfinite(b) for b in given):
        raise BadBreaks(f"manual breaks must be finite numbers, got {given}")
    if len(given) > MAX_MANUAL_BREAKS:
        raise BadBreaks(f"at most {MAX_MANUAL_BREAKS} manual breaks are allowed, got {len(given)}")
    breaks = sorted(set(given))
    if given != sorted(given):
        notes.append(Note("manual_breaks_sorted", {"given": tuple(given), "used": tuple(breaks)}))
    if len(breaks) < len(given):
        removed = tuple(sorted({b for b in given if given.count(b) > 1}))
        notes.append(Note("manual_breaks_duplicates", {"removed": removed}))
    lo, hi = float(source.min()), float(source.max())
    above = int((source > breaks[-1]).sum())
    if above:
        notes.append(Note("outside_breaks", {"count": above, "last_break": breaks[-1], "upper": hi}))
        breaks.append(hi)
    return breaks, min(lo, breaks[0])
