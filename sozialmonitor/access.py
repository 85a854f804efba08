"""Who may see what: audiences, visibility and disclosure control.

Decided here, in the domain, before any value leaves it — never by hiding components in the browser.

Visibility
    Indicators and levels are ``public`` or ``internal`` (catalogue / level setting). The anonymous
    ``public`` audience sees public ones only; logged-in roles (council, planner, admin) see both. An
    internal indicator or level requested by the public audience is treated exactly like one that does not
    exist (same fallback, same message), so its existence is not revealed either.

Confidentiality (applies to every audience: statistics offices forbid publishing small counts)
    A count (aggregation ``sum``) with ``0 < value < min_count`` is secret, and so is every cell from which it could
    be worked out: disclosure control runs over a frame's whole hierarchy, the frame total and the catalogue's
    part-of relations at once (:mod:`sozialmonitor.disclosure`, with the audit that proves it). A ratio is secret
    wherever its numerator or denominator count is (it publishes them), and where its own numerator is below
    its ``min_count``. A true 0 stays. Secret values get status ``secret`` and lose value, numerator and
    denominator; a value the source itself withholds keeps the source's ``secret``.

Reliability (not confidentiality)
    A ratio whose denominator is below ``min_denominator`` keeps its value but gets status ``low_base`` — "nicht
    belastbar (kleine Basis)": shown with that flag in tooltip, table, downloads and the API, painted in its own
    hatched style, and left out of class breaks, rankings and every comparison.
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
LOW_BASE_STATUS = "low_base"
VALUE_STATUSES = ("ok", "provisional", "unreliable", LOW_BASE_STATUS)


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


@dataclass(frozen=True)
class Family:
    """Counts protected together: a ``sum`` indicator with the counts the catalogue declares as its parts (or the
    whole it is a part of, and that whole's other parts), each with the ``min_count`` that applies to it."""

    members: tuple[str, ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...]  # (whole, its parts)
    thresholds: tuple[tuple[str, float], ...]


def _threshold(specs: dict[str, IndicatorSpec], count: str) -> float | None:
    """A count's ``min_count``, raised to that of every ratio publishing it as its numerator."""
    limits = [s.min_count for s in specs.values() if s.min_count is not None and (
        s.id == count or (s.aggregation == Aggregation.RATIO and s.numerator == count))]
    return max(limits) if limits else None


def family_of(specs: dict[str, IndicatorSpec], indicator: str) -> Family | None:
    """The protected family of a count, or ``None`` when no member has a ``min_count`` (nothing is secret)."""
    spec = specs.get(indicator)
    if spec is None or spec.aggregation != Aggregation.SUM:
        return None
    whole = spec.part_of if spec.part_of in specs else indicator
    parts = sorted(s.id for s in specs.values() if s.part_of == whole and s.aggregation == Aggregation.SUM)
    members = tuple(sorted({whole, *parts}))
    limits = {m: limit for m in members if (limit := _threshold(specs, m)) is not None}
    if not limits:
        return None
    return Family(members, ((whole, tuple(parts)),) if parts else (), tuple(sorted(limits.items())))


def _has_value(values: pd.DataFrame) -> pd.Series:
    """Rows that carry a value under a value status (what the two rules below may act on)."""
    return values["status"].isin(VALUE_STATUSES) & values["value"].notna()


def primary(values: pd.DataFrame, spec: IndicatorSpec) -> pd.Series:
    """Rows whose own numerator (a rate) or value (a count) is below ``min_count`` (boolean per row): the primary
    rule on one level, for indicators outside a protected family and a ratio's own numerator column."""
    mask = pd.Series(False, index=values.index)
    if values.empty or spec.min_count is None:
        return mask
    has_value = _has_value(values)
    column = values["value"] if spec.aggregation == Aggregation.SUM else values["numerator"]
    small = (column > 0) & (column < spec.min_count)
    return has_value & small.fillna(False)


def low_base(values: pd.DataFrame, spec: IndicatorSpec) -> pd.Series:
    """Rows of a rate whose denominator is below ``min_denominator``: published, flagged as not reliable."""
    if values.empty or spec.min_denominator is None:
        return pd.Series(False, index=values.index)
    has_value = _has_value(values)
    return has_value & (values["denominator"] < spec.min_denominator).fillna(False)


def apply(values: pd.DataFrame, secret: pd.Series, unreliable: pd.Series) -> pd.DataFrame:
    """The published table: ``secret`` rows lose value, numerator and denominator; ``unreliable`` rows keep their
    value under status ``low_base``."""
    unreliable = unreliable & ~secret
    if not secret.any() and not unreliable.any():
        return values
    out = values.copy()
    out.loc[secret, ["value", "numerator", "denominator"]] = np.nan
    out.loc[secret, "status"] = SUPPRESSED_STATUS
    out.loc[unreliable, "status"] = LOW_BASE_STATUS
    return out
