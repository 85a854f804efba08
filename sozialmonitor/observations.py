"""Observations in the store: validation against the store, upsert, and reading values of a level
(own data, or derived from the child level by the catalogue rule when the level has none)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Literal

import pandas as pd
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.errors import Problem
from sozialmonitor.frames import LevelInfo
from sozialmonitor.model import Area, Observation
from sozialmonitor.summary import ImportSummary

UnknownAreas = Literal["error", "skip"]
CHUNK = 5000


def _rows_text(rows: Sequence[int], limit: int = 8) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" … ({len(rows)} rows)" if len(rows) > limit else "")


def resolve_indicators(
    observations: pd.DataFrame, specs: dict[str, IndicatorSpec]
) -> pd.DataFrame:
    """Map indicator names (e.g. INKAR's German row-1 names) to catalogue ids by exact id, else by
    German or English name (case-insensitive). Unmatched names stay as they are (reported later)."""
    by_name: dict[str, str] = {}
    for spec in specs.values():
        by_name.setdefault(spec.name_de.casefold(), spec.id)
        by_name.setdefault(spec.name_en.casefold(), spec.id)
    mapping = {}
    for raw in observations["indicator_id"].unique():
        mapping[raw] = raw if raw in specs else by_name.get(str(raw).strip().casefold(), raw)
    out = observations.copy()
    out["indicator_id"] = out["indicator_id"].map(mapping)
    return out


def validate(
    observations: pd.DataFrame,
    *,
    file: str,
    level: LevelInfo,
    areas: dict[str, int],
    specs: dict[str, IndicatorSpec],
    unknown_areas: UnknownAreas = "error",
) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Check observations against the store. Returns (rows to store with ``area_pk``, problems,
    skipped area ids). Every problem is collected; nothing is written here."""
    problems: list[Problem] = []
    rows_by_indicator: dict[str, list[int]] = defaultdict(list)
    for row, indicator in zip(observations["row"], observations["indicator_id"], strict=True):
        if indicator not in specs:
            rows_by_indicator[indicator].append(int(row))
    for indicator, rows in rows_by_indicator.items():
        problems.append(Problem(file, rows[0], "indicator_id",
                                f"unknown indicator {indicator!r} (rows {_rows_text(rows)}); import it into "
                                "the catalogue first or name the catalogue id with --indicator"))
    area_pk = observations["area_id"].map(areas)
    unknown_mask = area_pk.isna()
    skipped: list[str] = []
    if unknown_mask.any():
        unknown_rows: dict[str, list[int]] = defaultdict(list)
        for row, code in zip(observations.loc[unknown_mask, "row"], observations.loc[unknown_mask, "area_id"],
                             strict=True):
            unknown_rows[code].append(int(row))
        if unknown_areas == "skip":
            skipped = sorted(unknown_rows)
        else:
            for code, rows in unknown_rows.items():
                problems.append(Problem(file, rows[0], "area_id",
                                        f"unknown area {code!r} in level {level.frame_id}/{level.key} "
                                        f"(rows {_rows_text(rows)})"))
    for indicator_id, group in observations.groupby("indicator_id"):
        spec = specs.get(str(indicator_id))
        if spec is None or not spec.is_share:
            continue
        bad = group[(group["value"] < 0) | (group["value"] > 100)]
        for row, value in zip(bad["row"], bad["value"], strict=True):
            problems.append(Problem(file, int(row), "value",
                                    f"{value:g} is outside 0 … 100 for {indicator_id!r} (unit %)"))
    kept = observations.loc[~unknown_mask].copy()
    kept["area_pk"] = area_pk[~unknown_mask].astype("int64")
    return kept, problems, skipped


def _same(a: float | None, b: float | None) -> bool:
    a_nan = a is None or (isinstance(a, float) and math.isnan(a))
    b_nan = b is None or (isinstance(b, float) and math.isnan(b))
    return (a_nan and b_nan) or (not a_nan and not b_nan and a == b)


def _clean(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def upsert(
    session: Session, rows: pd.DataFrame, summary: ImportSummary,
    advance: Callable[[int], None] | None = None,
) -> None:
    """Insert new observations, update changed ones, count unchanged ones."""
    if rows.empty:
        return
    existing: dict[tuple[str, str, int], tuple[float | None, float | None, float | None, str]] = {}
    area_pks = sorted(set(int(x) for x in rows["area_pk"]))
    for indicator_id in rows["indicator_id"].unique():
        for start in range(0, len(area_pks), 900):
            chunk = area_pks[start:start + 900]
            query = select(Observation.indicator_id, Observation.period, Observation.area_id, Observation.value,
                           Observation.numerator, Observation.denominator, Observation.status).where(
                Observation.indicator_id == str(indicator_id), Observation.area_id.in_(chunk))
            for r in session.execute(query):
                existing[(r.indicator_id, r.period, r.area_id)] = (r.value, r.numerator, r.denominator, r.status)
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for rec in rows.itertuples(index=False):
        key = (str(rec.indicator_id), str(rec.period), int(rec.area_pk))  # type: ignore[arg-type]
        values = (_clean(rec.value), _clean(rec.numerator), _clean(rec.denominator), str(rec.status))
        old = existing.get(key)
        if old is None:
            inserts.append({"indicator_id": key[0], "period": key[1], "area_id": key[2], "value": values[0],
                            "numerator": values[1], "denominator": values[2], "status": values[3]})
        elif all(_same(o, n) for o, n in zip(old[:3], values[:3], strict=True)) and old[3] == values[3]:
            summary.unchanged += 1
        else:
            updates.append({"k_indicator": key[0], "k_period": key[1], "k_area": key[2], "value": values[0],
                            "numerator": values[1], "denominator": values[2], "status": values[3]})
    statement = (
        update(Observation)
        .where(Observation.indicator_id == bindparam("k_indicator"), Observation.period == bindparam("k_period"),
               Observation.area_id == bindparam("k_area"))
        .values(value=bindparam("value"), numerator=bindparam("numerator"), denominator=bindparam("denominator"),
                status=bindparam("status"))
    )
    connection = session.connection()
    for start in range(0, len(updates), CHUNK):
        chunk_u = updates[start:start + CHUNK]
        connection.execute(statement, chunk_u)
        if advance:
            advance(len(chunk_u))
    for start in range(0, len(inserts), CHUNK):
        chunk_i = inserts[start:start + CHUNK]
        connection.execute(insert(Observation), chunk_i)
        if advance:
            advance(len(chunk_i))
    summary.inserted += len(inserts)
    summary.updated += len(updates)
    if advance:
        advance(summary.unchanged)


# --- reading -------------------------------------------------------------------------------------------

def own_series(session: Session, level: LevelInfo, indicator_id: str) -> pd.DataFrame:
    """Stored observations of one indicator on a level, every period: indexed by area code, with a ``period``
    column beside value, numerator, denominator and status."""
    query = (
        select(Area.code, Observation.period, Observation.value, Observation.numerator, Observation.denominator,
               Observation.status)
        .join(Area, Area.id == Observation.area_id)
        .where(Area.level_id == level.id, Observation.indicator_id == indicator_id)
    )
    columns = ["code", "period", "value", "numerator", "denominator", "status"]
    rows = [tuple(r) for r in session.execute(query)]
    # column-wise construction: several times faster than a DataFrame from 10,000 row objects
    data = dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)) if rows else {c: [] for c in columns}
    return pd.DataFrame(data, columns=columns).set_index("code").astype(
        {"value": "float64", "numerator": "float64", "denominator": "float64"})
