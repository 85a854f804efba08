"""Classification policies (sozialmonitor/classify.py), each on a tiny array whose breaks are worked out by hand."""

from __future__ import annotations

import math
import warnings

import mapclassify
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sozialmonitor.classify import (
    METHODS,
    BadBreaks,
    Classification,
    Note,
    NotFinite,
    assign,
    classify,
    quantile_bins,
    sides,
    std_mean_bins,
    std_multiples,
)
from sozialmonitor.errors import UnknownName


def areas(*numbers: float) -> dict[str, float]:
    return {f"A{i:02d}": float(v) for i, v in enumerate(numbers)}


def keys(c: Classification) -> list[str]:
    return [n.key for n in c.notes]


# --- methods -------------------------------------------------------------------------------------------------


def test_equal_interval_breaks_by_hand() -> None:
    # 0 … 10 into 5 classes of width 2
    c = classify(areas(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), "equal_interval", 5)
    assert c.method == "equal_interval"
    assert c.k == 5
    assert c.lower == 0
    assert c.breaks == pytest.approx((2, 4, 6, 8, 10))
    assert c.counts == (3, 2, 2, 2, 2)  # 0, 1, 2 | 3, 4 | 5, 6 | 7, 8 | 9, 10
    assert c.center is None
    assert c.notes == ()


def test_quantiles_breaks_by_hand() -> None:
    # 21 values 0 … 20: the 25/50/75/100 % points fall exactly on 5, 10, 15, 20
    c = classify(areas(*range(21)), "quantiles", 4)
    assert c.breaks == (5, 10, 15, 20)
    assert c.counts == (6, 5, 5, 5)
    assert c.classes["A05"] == 0 and c.classes["A06"] == 1


def test_natural_breaks_find_the_clusters() -> None:
    c = classify(areas(1, 2, 3, 50, 51, 52, 100, 101, 102), "natural_breaks", 3)
    assert c.breaks == (3, 52, 102)
    assert c.counts == (3, 3, 3)


@pytest.mark.parametrize(
    ("k", "multiples"),
    [
        (3, [-0.5, 0.5]),
        (4, [-1, 0, 1]),
        (5, [-1.5, -0.5, 0.5, 1.5]),
        (6, [-2, -1, 0, 1, 2]),
        (7, [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]),
    ],
)
def test_std_multiples_are_symmetric_and_give_k_classes(k: int, multiples: list[float]) -> None:
    assert std_multiples(k) == multiples


def test_std_mean_breaks_by_hand() -> None:
    # 2, 4, 6: mean 4, sample sd sqrt((4 + 0 + 4) / 2) = 2; k=3 → breaks 4 ± 0.5·2 = 3, 5, then the maximum 6
    c = classify(areas(2, 4, 6), "std_mean", 3)
    assert c.breaks == pytest.approx((3, 5, 6))
    assert c.counts == (1, 1, 1)
    assert c.notes == ()


def test_std_mean_drops_classes_outside_the_data_with_a_note() -> None:
    # k=7 reaches mean ± 2.5 sd, beyond the range of three values: only the inner classes remain
    c = classify(areas(2, 4, 6), "std_mean", 7)
    assert c.breaks == pytest.approx((3, 5, 6))
    assert c.notes == (Note("k_lowered", {"requested": 7, "used": 3}),)


@pytest.mark.parametrize("method", ["quantiles", "equal_interval", "natural_breaks", "std_mean"])
@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_classes_agree_with_mapclassify(method: str) -> None:
    rng = np.random.default_rng(7)
    y = np.round(rng.normal(50.0, 10.0, size=60), 1)
    c = classify(areas(*y), method, 5)
    reference = {
        "quantiles": mapclassify.Quantiles(y, k=5),
        "equal_interval": mapclassify.EqualInterval(y, k=5),
        "natural_breaks": mapclassify.FisherJenks(y, k=5),
        "std_mean": mapclassify.StdMean(y, multiples=std_multiples(5)),
    }[method]
    assert c.k == len(reference.bins) == 5
    assert c.breaks == pytest.approx(tuple(reference.bins))
    assert list(c.classes.values()) == [int(b) for b in reference.yb]


# --- boundaries ----------------------------------------------------------------------------------------------


def test_value_on_a_break_goes_to_the_lower_class() -> None:
    c = classify(areas(0, 2, 2.000001, 4, 6, 8, 10), "equal_interval", 5)
    assert c.breaks[0] == 2
    assert c.classes["A00"] == 0  # the minimum is in class 0 (closed below)
    assert c.classes["A01"] == 0  # exactly 2: upper bound of class 0 is inclusive
    assert c.classes["A02"] == 1
    assert c.classes["A06"] == 4  # the maximum is the last break


def test_assign_uses_the_same_rule_and_clamps_outside_values() -> None:
    c = classify(areas(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), "equal_interval", 5)
    assert assign({"on": 4.0, "above": 4.5, "low": -3.0, "high": 99.0}, c) == {
        "on": 1,
        "above": 2,
        "low": 0,
        "high": 4,
    }


# --- too few values ------------------------------------------------------------------------------------------


def test_fewer_distinct_values_than_k_lowers_k_with_a_note() -> None:
    c = classify(areas(1, 1, 2, 2, 3, 3, 3), "equal_interval", 5)
    assert c.k == 3
    assert c.notes == (Note("k_lowered", {"requested": 5, "used": 3}),)
    assert sum(c.counts) == 7


def test_quantile_ties_are_deduplicated_and_lower_k() -> None:
    # six zeros out of eight: the 20/40/60 % points are all 0
    c = classify(areas(0, 0, 0, 0, 0, 0, 1, 2), "quantiles", 3)
    assert c.breaks == (0, 2)
    assert c.k == 2
    assert c.classes["A00"] == 0 and c.classes["A07"] == 1
    assert c.notes == (Note("k_lowered", {"requested": 3, "used": 2}),)


def test_zeros_are_ordinary_values() -> None:
    c = classify(areas(0, 0, 5, 10, 15, 20), "equal_interval", 4)
    assert c.lower == 0
    assert c.classes["A00"] == 0
    assert sum(c.counts) == 6


@pytest.mark.parametrize("method", ["quantiles", "equal_interval", "natural_breaks", "std_mean"])
def test_all_values_equal_give_one_class(method: str) -> None:
    c = classify(areas(7, 7, 7), method, 5)
    assert (c.k, c.lower, c.breaks, c.counts) == (1, 7, (7,), (3,))
    assert set(c.classes.values()) == {0}
    assert keys(c) == ["all_equal"]


def test_no_values() -> None:
    c = classify({}, "quantiles", 5)
    assert (c.k, c.breaks, c.classes, c.counts) == (0, (), {}, ())
    assert math.isnan(c.lower)
    assert c.notes == (Note("no_values"),)
    assert assign(areas(1, 2), c) == {}


# --- manual --------------------------------------------------------------------------------------------------


def test_manual_breaks_are_upper_bounds() -> None:
    c = classify(areas(1, 5, 6, 10, 20), "manual", 5, manual_breaks=[5, 10, 20])
    assert (c.k, c.lower, c.breaks, c.counts) == (3, 1, (5, 10, 20), (2, 2, 1))
    assert c.notes == ()


def test_manual_breaks_unsorted_and_duplicate() -> None:
    c = classify(areas(1, 5, 6, 10, 20), "manual", 3, manual_breaks=[20, 5, 10, 5])
    assert c.breaks == (5, 10, 20)
    assert keys(c) == ["manual_breaks_sorted", "manual_breaks_duplicates"]
    assert c.notes[1].params == {"removed": (5.0,)}


def test_values_above_the_last_manual_break_get_one_more_class() -> None:
    c = classify(areas(1, 5, 6, 10, 20, 30), "manual", 3, manual_breaks=[5, 10])
    assert c.breaks == (5, 10, 30)
    assert c.counts == (2, 2, 2)
    assert c.notes == (Note("outside_breaks", {"count": 2, "last_break": 10.0, "upper": 30.0}),)


def test_manual_first_class_starts_at_the_first_break_if_the_data_start_higher() -> None:
    c = classify(areas(12, 15, 25), "manual", 3, manual_breaks=[10, 20, 30])
    assert c.lower == 10
    assert c.counts == (0, 2, 1)


@pytest.mark.parametrize("bad", [None, [], [1.0, math.nan], [1, 2, 3, 4, 5, 6, 7, 8]])
def test_unusable_manual_breaks(bad: list[float] | None) -> None:
    with pytest.raises(BadBreaks):
        classify(areas(1, 2, 3), "manual", 3, manual_breaks=bad)


# --- basis: same breaks for all periods ----------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("center", [None, 10.0])
def test_basis_equals_classifying_the_basis_and_assigning(method: str, center: float | None) -> None:
    year_1 = areas(3, 8, 15, 15, 22, 40)
    year_2 = {f"B{i}": v for i, v in enumerate([1.0, 9.0, 12.0, 30.0, 31.0, 55.0])}
    all_values = [*year_1.values(), *year_2.values()]
    manual = [10, 20, 30] if method == "manual" else None
    whole = classify(year_1 | year_2, method, 5, manual_breaks=manual, center=center)
    with_basis = classify(year_1, method, 5, manual_breaks=manual, basis=all_values, center=center)
    assert with_basis.breaks == whole.breaks
    assert with_basis.lower == whole.lower
    assert with_basis.classes == assign(year_1, whole)
    assert sum(with_basis.counts) == len(year_1)


def test_values_outside_the_basis_are_clamped_with_a_note() -> None:
    c = classify(areas(-5, 5, 50), "equal_interval", 3, basis=[0, 3, 6, 9])
    assert c.breaks == (3, 6, 9)
    assert c.classes == {"A00": 0, "A01": 1, "A02": 2}
    assert c.notes == (Note("outside_basis", {"count": 2, "lower": 0.0, "upper": 9.0}),)


# --- diverging -----------------------------------------------------------------------------------------------


def test_diverging_odd_k_straddles_the_center_with_classes_per_side() -> None:
    # below: distances 1 … 3 in 3 equal intervals → 5/3, 7/3, 3; above: 1 … 5 → 7/3, 11/3, 5
    c = classify(areas(-3, -2, -1, 0, 1, 2, 3, 4, 5), "equal_interval", 5, center=0)
    assert c.k == 5
    assert c.center == 0
    assert c.lower == -3  # the minimum: not mirrored from the longer side (that made an empty class)
    assert c.breaks == pytest.approx((-7 / 3, -5 / 3, 7 / 3, 11 / 3, 5))
    assert c.classes["A03"] == 2  # the centre lies in the middle class
    assert c.counts == (1, 1, 4, 1, 2)
    assert sides(c) == (2, 1, 2)


def test_diverging_even_k_has_the_center_as_a_break() -> None:
    c = classify(areas(-3, -2, -1, 0, 1, 2, 3, 4, 5), "quantiles", 4, center=1.0)
    assert c.breaks[1] == 1.0
    assert (c.lower, c.breaks[-1]) == (-3, 5)
    assert 0 not in c.counts
    assert sides(c) == (2, 0, 2)


def test_diverging_one_side_only_puts_every_class_on_that_side() -> None:
    """Unemployment fell everywhere (INKAR 1998 → 2017): five classes of decrease, none of "0 areas" above 0."""
    fell = areas(-8.2, -6.5, -5.0, -4.1, -3.3, -2.8, -2.0, -1.5, -0.9, -0.2)
    c = classify(fell, "quantiles", 5, center=0)
    assert c.k == 5 and 0 not in c.counts
    assert (c.lower, c.breaks[-1]) == (-8.2, -0.2)  # from the lowest value to the one nearest the centre
    assert sides(c) == (5, 0, 0)
    rose = classify({a: -v for a, v in fell.items()}, "quantiles", 5, center=0)
    assert rose.k == 5 and 0 not in rose.counts
    assert (rose.lower, rose.breaks[-1]) == (0.2, 8.2)
    assert sides(rose) == (0, 0, 5)
    at_centre = classify(areas(0, 0, -1, -2, -3, -4), "quantiles", 3, center=0)  # values at the centre count too
    assert at_centre.breaks[-1] == 0 and sides(at_centre) == (3, 0, 0) and 0 not in at_centre.counts


def test_diverging_a_short_side_gets_its_own_classes() -> None:
    """Mostly decreases, a few small increases: mirrored bounds would leave the outer classes above 0 empty."""
    values = areas(-2.0, -1.6, -1.4, -1.1, -0.9, -0.7, -0.5, -0.4, -0.3, -0.2, -0.1, 0.1, 0.2, 0.3)
    for method in ("quantiles", "natural_breaks", "equal_interval"):
        c = classify(values, method, 5, center=0)
        assert c.k == 5 and 0 not in c.counts, (method, c.counts)
        assert sides(c) == (2, 1, 2)


@settings(max_examples=150, deadline=None)
@given(
    numbers=st.lists(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=40, unique=True),
    k=st.integers(min_value=3, max_value=7),
    center=st.integers(min_value=-500, max_value=500),
)
def test_diverging_quantiles_leave_no_class_empty(numbers: list[int], k: int, center: int) -> None:
    c = classify(areas(*numbers), "quantiles", k, center=center)
    assert 0 not in c.counts, (c.lower, c.breaks, c.counts)
    assert sum(sides(c)) == c.k


def test_sides_needs_a_centre() -> None:
    with pytest.raises(ValueError, match="centre"):
        sides(classify(areas(1, 2, 3), "quantiles", 3))


def test_diverging_all_values_at_the_center() -> None:
    c = classify(areas(0, 0, 0), "quantiles", 5, center=0)
    assert (c.k, c.lower, c.breaks) == (1, 0, (0,))
    assert keys(c) == ["all_equal"]


# --- errors --------------------------------------------------------------------------------------------------


def test_unknown_method_lists_the_allowed_ones() -> None:
    with pytest.raises(UnknownName) as info:
        classify(areas(1, 2, 3), "jenks", 5)
    message = str(info.value)
    assert "'jenks'" in message
    for method in METHODS:
        assert method in message


@pytest.mark.parametrize("k", [0, 2, 8])
def test_k_outside_the_range(k: int) -> None:
    with pytest.raises(UnknownName, match="number of classes"):
        classify(areas(1, 2, 3), "quantiles", k)


def test_non_finite_values_are_refused() -> None:
    with pytest.raises(NotFinite, match="A01"):
        classify(areas(1, math.nan, 3), "quantiles", 3)


def test_deterministic() -> None:
    values = areas(*np.random.default_rng(1).normal(size=50))
    assert classify(values, "natural_breaks", 5) == classify(values, "natural_breaks", 5)


# --- property ------------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    numbers=st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_subnormal=False), max_size=40),
    method=st.sampled_from(["quantiles", "equal_interval", "natural_breaks", "std_mean"]),
    k=st.integers(min_value=3, max_value=7),
    center=st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_subnormal=False)),
)
def test_every_value_gets_a_class(numbers: list[float], method: str, k: int, center: float | None) -> None:
    c = classify(areas(*numbers), method, k, center=center)
    assert set(c.classes) == set(areas(*numbers))
    assert all(0 <= index < c.k for index in c.classes.values())
    assert sum(c.counts) == len(numbers)
    assert len(c.breaks) == len(c.counts) == c.k <= k
    assert list(c.breaks) == sorted(set(c.breaks))
    if numbers:
        assert c.lower <= min(numbers) and c.breaks[-1] >= max(numbers)


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=300), st.integers(3, 7))
def test_quantiles_and_std_mean_are_mapclassifys_to_the_last_bit(values: list[float], k: int) -> None:
    """Computed without importing mapclassify (and scipy, scikit-learn: ~80 MiB per worker), identically."""
    y = np.array(values, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert quantile_bins(y, k).tolist() == mapclassify.Quantiles(y, k=k).bins.tolist()
        if y.std() > 0:
            expected = mapclassify.StdMean(y, multiples=std_multiples(k)).bins.tolist()
            assert std_mean_bins(y, std_multiples(k)).tolist() == expected
