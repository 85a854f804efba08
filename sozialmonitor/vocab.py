"""Closed vocabularies of the data model: observation status, polarity, aggregation, visibility.

Kept in one place so the importers, the store and the web app agree on spelling.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Status of one observation. Only ``ok``, ``provisional`` and ``unreliable`` may carry a value."""

    OK = "ok"
    MISSING = "missing"  # no value reported (empty cell, or "-" under --dash-means missing)
    SECRET = "secret"  # "." in German statistics: unknown or kept secret
    NOT_APPLICABLE = "not_applicable"  # "x": cell logically impossible
    LATER = "later"  # "...": reported later
    UNRELIABLE = "unreliable"  # "/": too unreliable to publish; "(12,3)": value of limited reliability
    PROVISIONAL = "provisional"  # "12,3p": provisional value


VALUE_STATUSES: frozenset[Status] = frozenset({Status.OK, Status.PROVISIONAL, Status.UNRELIABLE})
"""Statuses under which an observation may carry a value (``unreliable`` may also have none)."""


class Polarity(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    HIGHER_IS_WORSE = "higher_is_worse"
    NEUTRAL = "neutral"


class Aggregation(StrEnum):
    SUM = "sum"  # counts add up
    RATIO = "ratio"  # factor * sum(numerator) / sum(denominator), both count indicators
    MEAN = "mean"  # mean weighted by the indicator named in `denominator`
    NONE = "none"  # cannot be derived for a parent level


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Scale(StrEnum):
    SEQUENTIAL = "sequential"  # light → dark
    DIVERGING = "diverging"  # two hues around a centre (the reference value, or 0 for changes)
