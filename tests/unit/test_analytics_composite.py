"""Composite index: z-scores, directions, weights, the population threshold, cut points, the matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sozialmonitor.analytics.composite import (
    ClassScheme,
    Component,
    CompositeError,
    CompositeSpec,
    ConstantComponent,
    build_composite,
    status_dynamics,
)

# Five areas; x = 1 … 5 has mean 3 and population SD √2, y = 5 … 1 the mirror image.
VALUES = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [5.0, 4.0, 3.0, 2.0, 1.0],
                       "w": [2.0, 2.0, 2.0, 2.0, 8.0]}, index=["a", "b", "c", "d", "e"])
SD = np.sqrt(2.0)


def test_z_scores_use_the_population_sd_and_the_index_is_restandardised() -> None:
    result = build_composite(VALUES, CompositeSpec((Component("x"),)))
    assert result.table["z:x"].tolist() == pytest.approx([-2 / SD, -1 / SD, 0, 1 / SD, 2 / SD])
    assert result.sds["x"] == pytest.approx(SD)
    assert result.table["index"].mean() == pytest.approx(0.0)
    assert result.table["index"].std(ddof=0) == pytest.approx(1.0)


def test_direction_reverses_a_component() -> None:
    same = build_composite(VALUES, CompositeSpec((Component("x"), Component("y", direction=-1))))
    assert same.table["score"].tolist() == pytest.approx((2 * same.table["z:x"]).tolist())
    cancel = build_composite(VALUES, CompositeSpec((Component("x"), Component("y")), restandardise=False))
    assert cancel.table["index"].abs().max() == pytest.approx(0.0)


def test_weights_and_the_unstandardised_index_is_the_weighted_mean_of_z() -> None:
    spec = CompositeSpec((Component("x", weight=3.0), Component("w", weight=1.0)), restandardise=False)
    result = build_composite(VALUES, spec)
    expected = (3 * result.table["z:x"] + result.table["z:w"]) / 4
    assert result.table["index"].tolist() == pytest.approx(expected.tolist())


def test_population_threshold_excludes_small_areas_from_the_reference() -> None:
    population = pd.Series({"a": 100.0, "b": 500.0, "c": 500.0, "d": 500.0, "e": None})
    spec = CompositeSpec((Component("x"),), population="pop", min_population=300)
    result = build_composite(VALUES, spec, population)
    assert list(result.table.index) == ["b", "c", "d"]
    assert result.excluded.to_dict() == {"a": "population below threshold", "e": "no population value"}
    assert result.means["x"] == pytest.approx(3.0)  # mean of 2, 3, 4 only


def test_areas_missing_a_component_are_excluded_not_zero() -> None:
    values = VALUES.copy()
    values.loc["c", "w"] = np.nan
    result = build_composite(values, CompositeSpec((Component("x"), Component("w"))))
    assert "c" not in result.table.index
    assert result.excluded.to_dict() == {"c": "missing value"}


def test_cut_points_put_exact_values_into_the_class_nearer_the_mean() -> None:
    scheme = ClassScheme((-1.0, 1.0, 1.5), ("hoch", "mittel", "niedrig", "sehr niedrig"))
    index = np.array([-1.2, -1.0, -0.5, 0.0, 1.0, 1.2, 1.5, 1.51, np.nan])
    assert scheme.assign(index).tolist() == [1, 2, 2, 2, 2, 3, 3, 4, 0]


def test_class_labels_and_counts() -> None:
    spec = CompositeSpec((Component("x"),), ClassScheme((-1.0, 1.0), ("low", "mid", "high")))
    result = build_composite(VALUES, spec)  # index = z of x: ±1.41, ±0.71, 0
    assert result.table["label"].tolist() == ["low", "mid", "mid", "mid", "high"]
    assert result.counts().to_dict() == {"low": 1, "mid": 3, "high": 1}


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Component("x", direction=2), "allowed: 1, -1"),
    (lambda: Component("x", weight=0), "must be a number > 0"),
    (lambda: ClassScheme((1.0, -1.0), ("a", "b", "c")), "strictly ascending"),
    (lambda: ClassScheme((-1.0, 1.0), ("a", "b")), "need 3 labels"),
    (lambda: CompositeSpec(()), "at least one component"),
    (lambda: CompositeSpec((Component("x"), Component("x"))), "repeat"),
    (lambda: CompositeSpec((Component("x"),), min_population=300), "population indicator"),
])
def test_invalid_specs_name_the_problem(make: object, message: str) -> None:
    with pytest.raises(CompositeError, match=message):
        make()  # type: ignore[operator]


def test_a_constant_component_cannot_be_standardised() -> None:
    values = VALUES.assign(k=7.0)
    with pytest.raises(ConstantComponent, match="'k' has the same value"):
        build_composite(values, CompositeSpec((Component("k"),)))


def test_status_dynamics_matrix_has_every_cell() -> None:
    status = build_composite(VALUES, CompositeSpec((Component("x"),), ClassScheme((0.0,), ("good", "bad"))))
    dynamics = build_composite(VALUES, CompositeSpec((Component("w"),), ClassScheme((1.0,), ("stable", "down"))))
    matrix = status_dynamics(status, dynamics)
    assert matrix.counts.loc["good", "stable"] == 3  # a, b, c (c at 0 belongs to the lower class)
    assert matrix.counts.loc["bad", "down"] == 1  # e
    assert matrix.counts.to_numpy().sum() == 5
    assert matrix.table.loc["e", "group"] == "2/2"


def test_derived_values_record_method_and_inputs() -> None:
    result = build_composite(VALUES, CompositeSpec((Component("x", 2.0), Component("y", 1.0, -1))),
                             period="2020")
    derived = result.derived("class")
    assert derived.period == "2020"
    assert derived.method.startswith("composite z-score: 2·(+)z(x) + 1·(−)z(y)")
    assert derived.inputs_json() == ('[{"indicator":"x","period":"2020","weight":2.0,"direction":1},'
                                     '{"indicator":"y","period":"2020","weight":1.0,"direction":-1}]')
    assert derived.values.tolist() == result.table["class"].astype(float).tolist()
