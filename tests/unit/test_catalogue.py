from __future__ import annotations

from pathlib import Path

import pytest

from sozialmonitor.catalogue import parse_entries, read_catalogue
from sozialmonitor.errors import ValidationFailed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BASE = {"id": "x", "name_de": "X", "name_en": "X", "topic": "T", "unit": "%", "polarity": "neutral",
        "aggregation": "none"}


def test_reads_the_musterstadt_catalogue() -> None:
    specs = {s.id: s for s in read_catalogue(FIXTURES / "musterstadt" / "synthetic_catalogue.csv")}
    assert set(specs) == {"einwohner", "kinder_u6", "anteil_kinder_u6", "alter_mittel", "sgb2_quote"}
    share = specs["anteil_kinder_u6"]
    assert (share.aggregation, share.numerator, share.denominator, share.factor) == (
        "ratio", "kinder_u6", "einwohner", 100.0)
    assert share.is_share
    assert specs["sgb2_quote"].visibility == "internal"
    assert specs["einwohner"].min_count == 3
    assert specs["einwohner"].topic == "Bevölkerung"


def test_yaml_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("indicators:\n  - {id: a, name_de: A, name_en: A, topic: T, unit: Personen, "
                    "polarity: neutral, aggregation: sum}\n", encoding="utf-8")
    assert [s.id for s in read_catalogue(path)] == ["a"]


def test_every_problem_is_reported_at_once() -> None:
    entries = [
        (2, {**BASE, "polarity": "up"}),
        (3, {**BASE, "id": "y", "aggregation": "ratio"}),
        (4, {**BASE, "id": "z", "aggregation": "ratio", "numerator": "x", "denominator": "nope"}),
        (5, {**BASE, "id": "x"}),
        (6, {**BASE, "id": "w", "name_en": "", "decimals": "9", "colour": "red"}),
        (7, {**BASE, "id": "v", "decimals": "inf"}),  # a problem, not an OverflowError
    ]
    with pytest.raises(ValidationFailed) as info:
        parse_entries(entries, "cat.csv")
    found = {(p.row, p.column) for p in info.value.problems}
    assert found >= {(2, "polarity"), (3, "numerator"), (5, "id"), (6, "name_en"), (6, "decimals"), (6, "colour"),
                     (7, "decimals")}
    text = str(info.value)
    assert "'up' is not allowed; allowed: higher_is_better, higher_is_worse, neutral" in text
    assert "duplicate id 'x', first in row 2" in text


def test_ratio_must_name_count_indicators() -> None:
    entries = [
        (2, {**BASE, "id": "pop", "unit": "Personen", "aggregation": "sum"}),
        (3, {**BASE, "id": "share_a"}),
        (4, {**BASE, "id": "share_b", "aggregation": "ratio", "numerator": "share_a", "denominator": "pop"}),
        (5, {**BASE, "id": "share_c", "aggregation": "ratio", "numerator": "kids", "denominator": "pop"}),
    ]
    with pytest.raises(ValidationFailed) as info:
        parse_entries(entries, "cat.csv")
    reasons = {(p.row, p.column): p.reason for p in info.value.problems}
    assert "must be a count indicator" in reasons[(4, "numerator")]
    assert "unknown indicator 'kids'" in reasons[(5, "numerator")]


def test_ratio_may_name_counts_already_in_the_store() -> None:
    entries = [(2, {**BASE, "id": "s", "aggregation": "ratio", "numerator": "a", "denominator": "b"})]
    [spec] = parse_entries(entries, "cat.csv", known_ids={"a": "sum", "b": "sum"})
    assert spec.factor == 1.0


def test_part_of_names_a_count_and_is_a_count() -> None:
    count = {**BASE, "unit": "Personen", "aggregation": "sum"}
    entries = [
        (2, {**count, "id": "total"}),
        (3, {**count, "id": "young", "part_of": "total"}),
        (4, {**BASE, "id": "share", "part_of": "total"}),  # not a count (aggregation none): no part of one
        (5, {**count, "id": "old", "part_of": "nobody"}),
        (6, {**count, "id": "self", "part_of": "self"}),
        (7, {**count, "id": "in_share", "part_of": "share"}),
    ]
    with pytest.raises(ValidationFailed) as info:
        parse_entries(entries, "cat.csv")
    reasons = {(p.row, p.column): p.reason for p in info.value.problems}
    assert set(reasons) == {(4, "part_of"), (5, "part_of"), (6, "part_of"), (7, "part_of")}
    assert "unknown indicator 'nobody'" in reasons[(5, "part_of")]
    assert "must be a count indicator" in reasons[(7, "part_of")]
    specs = parse_entries(entries[:2], "cat.csv")
    assert specs[1].part_of == "total" and specs[0].part_of is None
