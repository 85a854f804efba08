"""Typology: clusters found, labels stable across reruns and row order, profile and ordering rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sozialmonitor.analytics.typology import TypologyError, typology
from sozialmonitor.errors import UnknownName


def blobs() -> pd.DataFrame:
    """Three well separated groups of 10 areas in (p, q): around (0, 0), (10, 0) and (5, 10)."""
    rng = np.random.default_rng(7)
    centres = {"lo": (0.0, 0.0), "hi": (10.0, 0.0), "up": (5.0, 10.0)}
    rows = {}
    for name, (p, q) in centres.items():
        for i in range(10):
            rows[f"{name}{i:02d}"] = (p + rng.normal(0, 0.5), q + rng.normal(0, 0.5))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["p", "q"])


@pytest.mark.parametrize("method", ["kmeans", "ward"])
def test_recovers_the_groups_and_numbers_them_by_the_first_indicator(method: str) -> None:
    result = typology(blobs(), 3, method, seed=1)
    types = result.types
    assert {types[f"lo{i:02d}"] for i in range(10)} == {1}  # lowest p
    assert {types[f"up{i:02d}"] for i in range(10)} == {2}
    assert {types[f"hi{i:02d}"] for i in range(10)} == {3}  # highest p
    assert result.sizes.to_dict() == {1: 10, 2: 10, 3: 10}
    assert list(result.profile["p"]) == sorted(result.profile["p"])
    assert result.silhouette is not None and result.silhouette > 0.7


@pytest.mark.parametrize("method", ["kmeans", "ward"])
def test_labels_are_stable_across_reruns_and_row_order(method: str) -> None:
    data = blobs()
    first = typology(data, 4, method, seed=3)
    again = typology(data, 4, method, seed=3)
    shuffled = typology(data.sample(frac=1.0, random_state=11), 4, method, seed=3)
    assert first.types.equals(again.types)
    assert shuffled.types.reindex(first.types.index).equals(first.types)


def test_profile_is_the_mean_z_score_per_type_and_directions_reverse() -> None:
    data = blobs()
    result = typology(data, 3, seed=0, directions={"p": -1})
    z = -(data["p"] - data["p"].mean()) / data["p"].std(ddof=0)
    assert result.profile.loc[1, "p"] == pytest.approx(z[result.types == 1].mean())
    assert {result.types[f"hi{i:02d}"] for i in range(10)} == {1}  # reversed: hi has the lowest z


def test_incomplete_areas_are_excluded() -> None:
    data = blobs()
    data.loc["lo00", "q"] = np.nan
    result = typology(data, 3)
    assert result.excluded == ("lo00",)
    assert "lo00" not in result.types.index
    derived = result.derived()
    assert np.isnan(derived.values["lo00"]) and derived.statuses is not None
    assert derived.statuses["lo00"] == "missing"


def test_bad_arguments() -> None:
    with pytest.raises(UnknownName, match="allowed: kmeans, ward"):
        typology(blobs(), 3, "dbscan")
    with pytest.raises(TypologyError, match="outside 2"):
        typology(blobs(), 1)
    with pytest.raises(TypologyError, match="without variation"):
        typology(blobs().assign(c=1.0), 3)
