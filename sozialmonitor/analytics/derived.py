"""Saving an analysis result as a new indicator: catalogue entry and observations in one transaction.

The entry records *how* (``method``, plain text), *from what* (``inputs``, a JSON list of
``{"indicator", "period", …}`` with weights and directions where they apply) and *when* (``derived_at``, ISO
date). It goes through the normal code paths — catalogue validation and upsert, observation validation and
upsert, the store's generation counter — so the dashboard, export and import treat it like any other
indicator. Saving the same result again changes nothing; saving a new result under the same id updates it.

Rules:

- An id that belongs to an *imported* indicator (no ``method``) is never overwritten: :class:`NotDerived`.
- Every area in ``values`` gets an observation; NaN becomes status ``missing`` (or the status given in
  ``statuses``), never 0.
- The caller decides the catalogue fields that describe the result (names, unit, polarity, visibility …);
  the aggregation rule is usually ``none`` (an index of a Bezirk is not the sum of its planning areas'
  indices), ``sum`` for interpolated counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sozialmonitor import catalogue, frames, observations
from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.errors import Problem, SozialmonitorError, ValidationFailed
from sozialmonitor.model import Indicator
from sozialmonitor.store import Store, bump_generation
from sozialmonitor.summary import ImportSummary
from sozialmonitor.vocab import Status


class NotDerived(SozialmonitorError):
    """The id names an imported indicator; a derived result must not overwrite it."""


@dataclass(frozen=True)
class InputRef:
    """One input of a derived indicator."""

    indicator: str
    period: str
    weight: float | None = None
    direction: int | None = None  # +1: a higher value raises the result, -1: lowers it

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class DerivedValues:
    """Values of one period for the areas of one level, with their provenance."""

    values: pd.Series  # area code → number (NaN: no value)
    period: str
    method: str
    inputs: tuple[InputRef, ...]
    statuses: pd.Series | None = field(default=None)  # area code → status where a value is NaN

    def inputs_json(self) -> str:
        return inputs_json(self.inputs)


def inputs_json(inputs: Sequence[InputRef]) -> str:
    return json.dumps([i.as_dict() for i in inputs], ensure_ascii=False, separators=(",", ":"))


def parse_inputs(text: str | None) -> list[dict[str, Any]]:
    """The ``inputs`` column of a catalogue entry as a list of dicts (empty for imported indicators)."""
    return list(json.loads(text)) if text else []


def _observation_rows(result: DerivedValues, indicator_id: str) -> pd.DataFrame:
    values = result.values.astype("float64")
    fallback: Mapping[object, object] = result.statuses.to_dict() if result.statuses is not None else {}
    status = [Status.OK.value if not np.isnan(v) else str(fallback.get(code, Status.MISSING.value))
              for code, v in zip(values.index, values.to_numpy(), strict=True)]
    return pd.DataFrame({
        "row": np.arange(1, len(values) + 1),
        "area_id": [str(c) for c in values.index],
        "indicator_id": indicator_id,
        "period": result.period,
        "value": values.to_numpy(),
        "numerator": np.nan,
        "denominator": np.nan,
        "status": status,
    })


def save_as_indicator(
    session: Session, frame: str, level: str, result: DerivedValues, spec: IndicatorSpec,
    *, derived_at: date | None = None,
) -> ImportSummary:
    """Write ``spec`` (with method, inputs and date taken from ``result``) and the values, in the caller's
    transaction. Returns the summary of the observations written; its notes name the catalogue change."""
    where = f"derived indicator {spec.id!r}"
    if not result.values.notna().any():
        raise ValidationFailed([Problem(where, None, None, "the result has no values to save")])
    existing = session.get(Indicator, spec.id)
    if existing is not None and existing.method is None:
        raise NotDerived(f"{spec.id!r} is an imported indicator; choose another id for the derived result")
    full = replace(spec, method=result.method, inputs=result.inputs_json(),
                   derived_at=(derived_at or date.today()).isoformat())
    entry = {k: ("" if v is None else v) for k, v in asdict(full).items()}
    specs = catalogue.parse_entries([(1, entry)], where, catalogue.known_aggregations(session))
    info = frames.get_level(session, frame, level)
    cat_summary = catalogue.upsert(session, specs, where)
    rows = _observation_rows(result, spec.id)
    kept, problems, _ = observations.validate(
        rows, file=where, level=info, areas=frames.area_index(session, info.id),
        specs=catalogue.load_specs(session))
    if problems:
        raise ValidationFailed(problems)
    summary = ImportSummary(f"{where} → {frame}/{level}, {result.period}")
    observations.upsert(session, kept, summary)
    summary.notes.append("catalogue: " + ("inserted" if cat_summary.inserted else
                                          "updated" if cat_summary.updated else "unchanged"))
    bump_generation(session, None if cat_summary.inserted or cat_summary.updated else frame)
    return summary


def save_to_store(
    store: Store, frame: str, level: str, result: DerivedValues, spec: IndicatorSpec,
    *, derived_at: date | None = None,
) -> ImportSummary:
    """:func:`save_as_indicator` in its own transaction: everything is written, or nothing."""
    with store.transaction() as session:
        return save_as_indicator(session, frame, level, result, spec, derived_at=derived_at)
