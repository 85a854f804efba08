"""Who may see what: audiences, visibility and disclosure control.

Decided here, in the domain, before any value leaves it — never by hiding components in the browser.

Visibility
    Indicators and levels are ``public`` or ``internal`` (catalogue / level setting). The anonymous
    ``public`` audience sees public ones only; logged-in roles (council, planner, admin) see both. An
    internal indicator or level requested by the public audience is treated exactly like one that does not
    exist (same fallback, same message), so its existence is not revealed either.

Disclosure control (applies to every audience: statistics offices forbid publishing small counts)
    Primary suppression, per indicator (catalogue):
    - ``min_count``: a count (aggregation ``sum``) with 0 < value < min_count is suppressed; for a rate
      (``ratio``/``mean``) the rule applies to its numerator (0 < numerator < min_count). A true 0 stays.
    - ``min_denominator``: a rate whose denominator (population) is below it is suppressed.
    Secondary suppression: inside every group of sibling areas (children of one parent area; the top
    level's group is the whole frame, whose total is published as the reference), a published parent total
    minus the other siblings would reveal a single suppressed value. So wherever a group has exactly one
    suppressed member, the smallest other member with a value is suppressed as well; a group of one area
    whose value is suppressed makes nothing else recoverable (the parent is suppressed by the same rule).
    Suppressed values get status ``secret`` and lose value, numerator and denominator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.vocab import Aggregation, Visibility

ROLES = ("council", "planner", "admin")
SUPPRESSED_STATUS = "secret"
VALUE_STATUSES = ("ok", "provisional", "unreliable")


@dataclass(frozen=True)
class Audience:
    """Who is asking: ``public`` (anonymous) or a logged-in role."""

    role: str = "public"
    user: str | None = None

    @property
    def internal(self) -> bool:
        return self.role in ROLES


PUBLIC = Audience()


def may_see(audience: Audience, visibility: str) -> bool:
    return visibility == Visibility.PUBLIC or audience.internal


def visible_indicators(specs: dict[str, IndicatorSpec], audience: Audience) -> dict[str, IndicatorSpec]:
    return {i: s for i, s in specs.items() if may_see(audience, s.visibility)}


def visible_ids(specs: dict[str, IndicatorSpec], ids: Iterable[str], audience: Audience) -> list[str]:
    return [i for i in ids if i in specs and may_see(audience, specs[i].visibility)]


def primary(values: pd.DataFrame, spec: IndicatorSpec) -> pd.Series:
    """Areas whose value must not be published (boolean per row of ``values``)."""
    mask = pd.Series(False, index=values.index)
    if values.empty:
        return mask
    has_value = values["status"].isin(VALUE_STATUSES) & values["value"].notna()
    if spec.min_count is not None:
        if spec.aggregation == Aggregation.SUM:
            small = (values["value"] > 0) & (values["value"] < spec.min_count)
        else:
            small = (values["numerator"] > 0) & (values["numerator"] < spec.min_count)
        mask |= has_value & small.fillna(False)
    if spec.min_denominator is not None:
        mask |= has_value & (values["denominator"] < spec.min_denominator).fillna(False)
    return mask


def secondary(values: pd.DataFrame, suppressed: pd.Series, groups: pd.Series) -> pd.Series:
    """Extend ``suppressed`` so no group of siblings has exactly one suppressed member."""
    result = suppressed.copy()
    if values.empty or not result.any():
        return result
    rows = pd.DataFrame({
        "group": groups.reindex(values.index).to_numpy(),
        "suppressed": result.to_numpy(dtype=bool),
        # the smallest publishable sibling goes too: by denominator, else by absolute value; ties by code
        "size": values["denominator"].where(values["denominator"].notna(), values["value"].abs()).to_numpy(
            dtype="float64"),
        "code": values.index.to_numpy(dtype=str),
        "position": np.arange(len(values)),
    })
    rows["candidate"] = (values["status"].isin(VALUE_STATUSES) & values["value"].notna()).to_numpy() \
        & ~rows["suppressed"]
    rows = rows[rows["group"].notna()]
    per_group = rows.groupby("group", sort=False)["suppressed"].agg(["size", "sum"])
    lone = per_group.index[(per_group["sum"] == 1) & (per_group["size"] >= 2)]
    candidates = rows[rows["candidate"] & rows["group"].isin(lone)]
    chosen = candidates.sort_values(["group", "size", "code"], na_position="last").drop_duplicates("group")
    flags = result.to_numpy(dtype=bool, copy=True)
    flags[chosen["position"].to_numpy()] = True
    return pd.Series(flags, index=result.index)


def disclose(values: pd.DataFrame, spec: IndicatorSpec, groups: pd.Series) -> pd.DataFrame:
    """Apply primary and secondary suppression to the values of one level (indexed by area code).
    ``groups`` maps each area code to its parent area code (or one frame-wide key at the top level)."""
    if values.empty or (spec.min_count is None and spec.min_denominator is None):
        return values
    mask = secondary(values, primary(values, spec), groups)
    if not mask.any():
        return values
    out = values.copy()
    out.loc[mask, ["value", "numerator", "denominator"]] = np.nan
    out.loc[mask, "status"] = SUPPRESSED_STATUS
    return out
