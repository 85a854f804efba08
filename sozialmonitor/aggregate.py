"""Roll-up of observations from a level to its parent level, by the catalogue's aggregation rule.

Rules (documented in the README, tested on a hand-checked fixture):
- ``sum``: the parent value is the sum of its children's values;
- ``ratio``: ``factor * sum(numerator) / sum(denominator)`` — shares are recomputed from summed counts,
  never averaged. Counts come from the observation's own numerator/denominator when every child has
  them, else from the count indicators the catalogue names;
- ``mean``: the mean of the children weighted by the indicator named in ``denominator``;
- ``none``: no value is derived.

A parent gets a value only when *every* child area has one (a sum over part of the children is not
the parent's total): otherwise its status is ``missing``. A denominator or weight sum of 0 gives
``not_applicable``. The parent is ``provisional`` or ``unreliable`` when any child is (unreliable wins).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.vocab import Aggregation, Status

COLUMNS = ["value", "numerator", "denominator", "status"]


def empty_frame() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS[:3]})
    frame["status"] = pd.Series(dtype="object")
    return frame


def needed_indicators(spec: IndicatorSpec) -> list[str]:
    """The indicators whose child values a roll-up of ``spec`` reads."""
    if spec.aggregation == Aggregation.RATIO:
        return [spec.id, *(x for x in (spec.numerator, spec.denominator) if x)]
    if spec.aggregation == Aggregation.MEAN:
        return [spec.id, *(x for x in (spec.denominator,) if x)]
    if spec.aggregation == Aggregation.SUM:
        return [spec.id]
    return []


def _values(children: pd.Series, table: pd.DataFrame | None) -> pd.Series:
    """Value per child (NaN where the child has no usable value), aligned to ``children``'s index."""
    if table is None or table.empty:
        return pd.Series(np.nan, index=children.index)
    usable = table["value"].where(table["status"].isin(["ok", "provisional", "unreliable"]))
    return usable.reindex(children.index)


def _quality(children: pd.Series, table: pd.DataFrame | None) -> pd.Series:
    """Per parent: 'unreliable' / 'provisional' / 'ok' from the children's statuses."""
    if table is None or table.empty:
        return pd.Series(dtype="object")
    status = table["status"].reindex(children.index)
    frame = pd.DataFrame({"parent": children, "unreliable": status == "unreliable",
                          "provisional": status == "provisional"})
    grouped = frame.groupby("parent")[["unreliable", "provisional"]].any()
    result = pd.Series(Status.OK.value, index=grouped.index, dtype="object")
    result[grouped["provisional"]] = Status.PROVISIONAL.value
    result[grouped["unreliable"]] = Status.UNRELIABLE.value
    return result


def roll_up(spec: IndicatorSpec, children: pd.Series, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Derive parent values.

    ``children``: parent area key per child area key (index = child). ``tables``: per indicator id the
    child observations indexed by child key with columns value, numerator, denominator, status.
    Returns a frame indexed by parent key with columns value, numerator, denominator, status.
    """
    if spec.aggregation == Aggregation.NONE or children.empty:
        return empty_frame()
    own = tables.get(spec.id)
    parents = pd.Index(children.unique())

    def complete(*series: pd.Series) -> pd.Series:
        ok = pd.concat(series, axis=1).notna().all(axis=1)
        return ok.groupby(children).all().reindex(parents, fill_value=False)

    numerator = denominator = None
    if spec.aggregation == Aggregation.SUM:
        v = _values(children, own)
        total = v.groupby(children).sum(min_count=1).reindex(parents)
        ok = complete(v)
        value = total.where(ok)
    elif spec.aggregation == Aggregation.RATIO:
        own_num = own["numerator"].reindex(children.index) if own is not None and not own.empty else None
        own_den = own["denominator"].reindex(children.index) if own is not None and not own.empty else None
        if own_num is not None and own_den is not None and own_num.notna().all() and own_den.notna().all():
            num, den = own_num, own_den
        else:
            num = _values(children, tables.get(spec.numerator or ""))
            den = _values(children, tables.get(spec.denominator or ""))
        ok = complete(num, den)
        numerator = num.groupby(children).sum().reindex(parents).where(ok)
        denominator = den.groupby(children).sum().reindex(parents).where(ok)
        factor = spec.factor if spec.factor is not None else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            value = (factor * numerator / denominator).where(denominator != 0)
    else:  # MEAN
        v = _values(children, own)
        w = _values(children, tables.get(spec.denominator or ""))
        ok = complete(v, w)
        weight = w.groupby(children).sum().reindex(parents)
        weighted = (v * w).groupby(children).sum().reindex(parents)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = (weighted / weight).where(ok & (weight != 0))
        denominator = None

    out = pd.DataFrame(index=parents)
    out["value"] = value.astype("float64")
    out["numerator"] = numerator.astype("float64") if numerator is not None else np.nan
    out["denominator"] = denominator.astype("float64") if denominator is not None else np.nan
    status = pd.Series(Status.MISSING.value, index=parents, dtype="object")
    quality = _quality(children, own).reindex(parents).fillna(Status.OK.value)
    has_value = out["value"].notna()
    status.loc[has_value] = quality[has_value]  # .loc: a boolean key without pandas' label lookup first
    zero_base = ok & out["value"].isna()
    status.loc[zero_base] = Status.NOT_APPLICABLE.value
    out["status"] = status
    out.index.name = None
    return out
