"""Visibility, the primary rule and the reliability flag (sozialmonitor/access.py) on hand-made tables; disclosure
control over a hierarchy is tested in test_disclosure.py."""

from __future__ import annotations

import math

import pandas as pd

from sozialmonitor.access import PUBLIC, Audience, apply, family_of, low_base, may_see, primary
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


def test_rates_are_secret_by_numerator_and_flagged_by_base() -> None:
    values = frame({"a": 1.0, "b": 50.0, "c": 10.0}, num={"a": 2, "b": 100, "c": 30},
                   den={"a": 200, "b": 200, "c": 299})
    rule = spec("ratio", min_count=3, min_denominator=300)
    assert list(primary(values, rule)) == [True, False, False]  # a small base is no secret …
    assert list(low_base(values, rule)) == [True, True, True]  # … but not reliable
    out = apply(values, primary(values, rule), low_base(values, rule))
    assert out["status"].tolist() == ["secret", "low_base", "low_base"]
    assert math.isnan(out.loc["a", "value"]) and out.loc["b", "value"] == 50.0 and out.loc["c", "value"] == 10.0
    assert not low_base(values, spec("ratio", min_count=3)).any()


def test_families_follow_part_of_and_ratios_raise_the_threshold() -> None:
    def count(ident: str, **kw: object) -> IndicatorSpec:
        return IndicatorSpec(id=ident, name_de=ident, name_en=ident, topic="t", unit="Personen", polarity="neutral",
                             aggregation="sum", **kw)  # type: ignore[arg-type]
    specs = {s.id: s for s in [
        count("total", min_count=3), count("young", part_of="total"), count("old", part_of="total"),
        count("area"),
        IndicatorSpec(id="share_young", name_de="s", name_en="s", topic="t", unit="%", polarity="neutral",
                      aggregation="ratio", numerator="young", denominator="total", factor=100, min_count=5),
    ]}
    family = family_of(specs, "young")
    assert family is not None and family == family_of(specs, "total")
    assert family.members == ("old", "total", "young")
    assert family.parts == (("total", ("old", "young")),)
    assert dict(family.thresholds) == {"total": 3, "young": 5}  # the share publishes young: its 5 applies
    assert family_of(specs, "area") is None  # nothing protected
    assert family_of(specs, "share_young") is None  # a ratio follows its counts' families


def test_visibility() -> None:
    assert may_see(PUBLIC, "public") and not may_see(PUBLIC, "internal")
    for role in ("council", "planner", "admin"):
        assert may_see(Audience(role, "u"), "internal")
    assert not Audience("somebody").internal


def test_the_indicator_information_names_the_rule_that_applies() -> None:
    from layouts.panels import indicator_info
    from sozialmonitor.results import IndicatorInfo

    rate = spec("ratio", min_count=3, min_denominator=300)
    text = str(indicator_info(IndicatorInfo(rate, "2020-12-31", "Geometrie", "Lizenz"), "de"))
    assert "Geheimhaltung" in text and "unter 3" in text
    assert "Belastbarkeit" in text and "nicht belastbar" in text and "unter 300" in text
    english = str(indicator_info(IndicatorInfo(spec(min_count=5), None, "g", "l"), "en"))
    assert "below 5 are suppressed" in english and "Reliability" not in english
    assert "Geheimhaltung" not in str(indicator_info(IndicatorInfo(spec(), None, "g", "l"), "de"))
