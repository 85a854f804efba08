"""Disclosure control and visibility rules (sozialmonitor/access.py) on hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from sozialmonitor.access import PUBLIC, Audience, disclose, may_see, primary, secondary
from sozialmonitor.catalogue import IndicatorSpec


def spec(aggregation: str = "sum", **kw: object) -> IndicatorSpec:
    return IndicatorSpec(id="x", name_de="x", name_en="x", topic="t", unit="Personen", polarity="neutral",
                         aggregation=aggregation, **kw)  # type: ignore[arg-type]


def frame(values: dict[str, float | None], num: dict[str, float] | None = None,
          den: dict[str, float] | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "value": [math.nan if v is None else v for v in values.values()],
        "numerator": [(num or {}).get(k, math.nan) for k in values],
        "denominator": [(den or {}).get(k, math.nan) for k in values],
        "status": ["ok" if v is not None else "missing" for v in values.values()],
    }, index=list(values))


def test_small_counts_are_suppressed_but_zero_and_missing_are_not() -> None:
    values = frame({"a": 0, "b": 1, "c": 2, "d": 3, "e": None})
    assert list(primary(values, spec(min_count=3))) == [False, True, True, False, False]
    assert not primary(values, spec()).any()  # no threshold, no suppression


def test_rates_are_suppressed_by_numerator_and_by_base() -> None:
    values = frame({"a": 1.0, "b": 50.0, "c": 10.0}, num={"a": 2, "b": 100, "c": 30},
                   den={"a": 200, "b": 200, "c": 299})
    rule = spec("ratio", min_count=3, min_denominator=300)
    assert list(primary(values, rule)) == [True, True, True]
    assert list(primary(values, spec("ratio", min_count=3))) == [True, False, False]


def test_secondary_suppression_protects_a_lone_suppressed_sibling() -> None:
    values = frame({"a1": 2, "a2": 40, "a3": 10, "b1": 5, "b2": 7})
    groups = pd.Series({"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"})
    result = secondary(values, primary(values, spec(min_count=3)), groups)
    assert list(result[result].index) == ["a1", "a3"]  # the smallest other sibling, not the largest
    out = disclose(values, spec(min_count=3), groups)
    assert out.loc["a3", "status"] == "secret" and math.isnan(out.loc["a3", "value"])
    assert out.loc["a2", "value"] == 40 and out.loc["b1", "value"] == 5


def test_groups_with_two_suppressed_members_need_nothing_more() -> None:
    values = frame({"a1": 1, "a2": 2, "a3": 10})
    groups = pd.Series({"a1": "A", "a2": "A", "a3": "A"})
    result = secondary(values, primary(values, spec(min_count=3)), groups)
    assert list(result) == [True, True, False]


def test_a_suppressed_value_cannot_be_recomputed_from_the_total() -> None:
    values = frame({"a1": 2, "a2": 40, "a3": 10})
    groups = pd.Series("A", index=values.index)
    out = disclose(values, spec(min_count=3), groups)
    total = 52
    published = out["value"].dropna()
    unknown = [c for c in out.index if c not in published.index]
    assert len(unknown) >= 2  # total − published leaves at least two unknowns
    assert total - published.sum() == 12  # … whose sum is all anyone can learn


def test_visibility() -> None:
    assert may_see(PUBLIC, "public") and not may_see(PUBLIC, "internal")
    for role in ("council", "planner", "admin"):
        assert may_see(Audience(role, "u"), "internal")
    assert not Audience("somebody").internal


def _secondary_one_group_at_a_time(values: pd.DataFrame, suppressed: pd.Series, groups: pd.Series) -> pd.Series:
    """The rule as first written (a loop over sibling groups): the reference the vectorised one must equal."""
    result = suppressed.copy()
    group = groups.reindex(values.index)
    publishable = values["status"].isin(["ok", "provisional", "unreliable"]) & values["value"].notna()
    for _, members in values.groupby(group, dropna=True).groups.items():
        members = pd.Index(members)
        if int(result.loc[members].sum()) != 1 or len(members) < 2:
            continue
        candidates = values.loc[members][publishable.loc[members] & ~result.loc[members]]
        if candidates.empty:
            continue
        size = candidates["denominator"].where(candidates["denominator"].notna(), candidates["value"].abs())
        order = np.lexsort((candidates.index.to_numpy(dtype=str), size.to_numpy(dtype="float64")))
        result.loc[candidates.index[order[0]]] = True
    return result


@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.one_of(st.none(), st.integers(0, 12)),
                          st.one_of(st.none(), st.integers(0, 30)), st.sampled_from(["ok", "missing", "secret"]),
                          st.booleans()), min_size=1, max_size=40))
def test_secondary_suppression_equals_the_rule_group_by_group(rows: list[tuple[str, int | None, int | None, str,
                                                                             bool]]) -> None:
    codes = [f"{g}{i:02d}" for i, (g, *_rest) in enumerate(rows)]
    values = pd.DataFrame({
        "value": [float("nan") if v is None else float(v) for _, v, _, _, _ in rows],
        "numerator": float("nan"),
        "denominator": [float("nan") if d is None else float(d) for _, _, d, _, _ in rows],
        "status": [s for *_, s, _ in rows],
    }, index=codes)
    suppressed = pd.Series([p for *_, p in rows], index=codes)
    groups = pd.Series([g if g != "D" else None for g, *_ in rows], index=codes)  # D: areas without a parent
    expected = _secondary_one_group_at_a_time(values, suppressed, groups)
    assert secondary(values, suppressed, groups).tolist() == expected.tolist()
