"""Catalogue fields of derived indicators: method, inputs (JSON list), derived_at (ISO date)."""

from __future__ import annotations

import pytest

from sozialmonitor.analytics.derived import InputRef, inputs_json, parse_inputs
from sozialmonitor.catalogue import parse_entries
from sozialmonitor.errors import ValidationFailed

BASE = {"id": "idx", "name_de": "Index", "name_en": "Index", "topic": "T", "unit": "z", "polarity": "neutral",
        "aggregation": "none"}


def test_derived_fields_are_optional_and_parsed() -> None:
    plain = parse_entries([(2, BASE)], "c.csv")[0]
    assert (plain.method, plain.inputs, plain.derived_at) == (None, None, None)
    text = inputs_json([InputRef("a", "2020", 1.0, -1), InputRef("pop", "2020")])
    spec = parse_entries([(2, {**BASE, "method": "composite", "inputs": text, "derived_at": "2026-11-21"})],
                         "c.csv")[0]
    assert spec.method == "composite" and spec.derived_at == "2026-11-21"
    assert parse_inputs(spec.inputs) == [{"indicator": "a", "period": "2020", "weight": 1.0, "direction": -1},
                                         {"indicator": "pop", "period": "2020"}]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("inputs", "not json", "is not a JSON list"),
    ("inputs", '{"indicator": "a"}', "is not a JSON list"),
    ("inputs", '[{"weight": 1}]', '"indicator" key'),
    ("derived_at", "21.11.2026", "is not an ISO date"),
    ("derived_at", "2026-13-01", "is not an ISO date"),
])
def test_bad_derived_fields_are_reported(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_entries([(3, {**BASE, field: value})], "c.csv")
    assert f"row 3, column '{field}'" in str(caught.value) and message in str(caught.value)
