"""Roll-up rules on the hand-checked Musterstadt case (tests/fixtures/musterstadt/README.md)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sozialmonitor.aggregate import roll_up
from sozialmonitor.catalogue import IndicatorSpec

CHILDREN = pd.Series({"SR-0101": "01", "SR-0102": "01", "SR-0201": "02", "SR-0202": "02"})


def spec(ident: str, aggregation: str, **kw: object) -> IndicatorSpec:
    return IndicatorSpec(id=ident, name_de=ident, name_en=ident, topic="t", unit=str(kw.pop("unit", "Personen")),
                         polarity="neutral", aggregation=aggregation, **kw)  # type: ignore[arg-type]


def table(values: dict[str, float | None], status: dict[str, str] | None = None,
          num: dict[str, float] | None = None, den: dict[str, float] | None = None) -> pd.DataFrame:
    status = status or {}
    frame = pd.DataFrame({
        "value": [v if v is not None else math.nan for v in values.values()],
        "numerator": [(num or {}).get(k, math.nan) for k in values],
        "denominator": [(den or {}).get(k, math.nan) for k in values],
        "status": [status.get(k, "ok" if v is not None else "missing") for k, v in values.items()],
    }, index=list(values))
    return frame


POP = table({"SR-0101": 100, "SR-0102": 300, "SR-0201": 200, "SR-0202": None})
KIDS = table({"SR-0101": 10, "SR-0102": 60, "SR-0201": 20, "SR-0202": 5})
AGE = table({"SR-0101": 40, "SR-0102": 30, "SR-0201": 50, "SR-0202": 45})


def test_sum_adds_and_a_missing_child_makes_the_parent_missing() -> None:
    out = roll_up(spec("pop", "sum"), CHILDREN, {"pop": POP})
    assert out.loc["01", "value"] == 400
    assert out.loc["01", "status"] == "ok"
    assert math.isnan(out.loc["02", "value"])
    assert out.loc["02", "status"] == "missing"


def test_ratio_is_recomputed_from_counts_not_averaged() -> None:
    share = spec("share", "ratio", numerator="kids", denominator="pop", factor=100.0, unit="%")
    out = roll_up(share, CHILDREN, {"share": table({}), "kids": KIDS, "pop": POP})
    assert out.loc["01", "value"] == pytest.approx(17.5)  # 100 * 70 / 400, not (10 + 20) / 2
    assert out.loc["01", "numerator"] == 70
    assert out.loc["01", "denominator"] == 400
    assert out.loc["02", "status"] == "missing"


def test_ratio_uses_its_own_numerators_when_every_child_has_them() -> None:
    share = spec("share", "ratio", numerator="kids", denominator="pop", factor=100.0, unit="%")
    own = table({"SR-0101": 10, "SR-0102": 20}, num={"SR-0101": 10, "SR-0102": 60},
                den={"SR-0101": 100, "SR-0102": 300})
    out = roll_up(share, CHILDREN.iloc[:2], {"share": own})
    assert out.loc["01", "value"] == pytest.approx(17.5)


def test_weighted_mean_uses_the_weight_indicator() -> None:
    mean = spec("age", "mean", denominator="pop", unit="Jahre")
    out = roll_up(mean, CHILDREN, {"age": AGE, "pop": POP})
    assert out.loc["01", "value"] == pytest.approx(32.5)  # (40*100 + 30*300) / 400
    assert out.loc["02", "status"] == "missing"


def test_none_derives_nothing() -> None:
    assert roll_up(spec("x", "none"), CHILDREN, {"x": KIDS}).empty


def test_zero_denominator_is_not_applicable_not_zero() -> None:
    share = spec("share", "ratio", numerator="kids", denominator="pop", factor=100.0, unit="%")
    zero = table({"SR-0101": 0, "SR-0102": 0})
    none = table({"SR-0101": 0, "SR-0102": 0})
    out = roll_up(share, CHILDREN.iloc[:2], {"share": table({}), "kids": none, "pop": zero})
    assert out.loc["01", "status"] == "not_applicable"
    assert math.isnan(out.loc["01", "value"])


def test_quality_of_children_carries_over() -> None:
    pop = table({"SR-0101": 100, "SR-0102": 300}, status={"SR-0101": "provisional", "SR-0102": "ok"})
    out = roll_up(spec("pop", "sum"), CHILDREN.iloc[:2], {"pop": pop})
    assert out.loc["01", "status"] == "provisional"
    pop = table({"SR-0101": 100, "SR-0102": 300}, status={"SR-0101": "provisional", "SR-0102": "unreliable"})
    out = roll_up(spec("pop", "sum"), CHILDREN.iloc[:2], {"pop": pop})
    assert out.loc["01", "status"] == "unreliable"


def test_secret_children_never_count_as_zero() -> None:
    pop = table({"SR-0101": 100, "SR-0102": None}, status={"SR-0102": "secret"})
    out = roll_up(spec("pop", "sum"), CHILDREN.iloc[:2], {"pop": pop})
    assert out.loc["01", "status"] == "missing"
    assert math.isnan(out.loc["01", "value"])
