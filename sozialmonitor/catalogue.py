"""The indicator catalogue: names in German and English, topic, unit, polarity, aggregation rule,
visibility, disclosure threshold, decimals, source, licence and definitions.

Read from CSV (UTF-8, ``,`` or ``;``) or YAML (a list of mappings, or a mapping with key ``indicators``),
validated as a whole (every problem reported at once), then upserted into the store.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from sozialmonitor.errors import Problem, ValidationFailed
from sozialmonitor.model import Indicator
from sozialmonitor.summary import ImportSummary
from sozialmonitor.vocab import Aggregation, Polarity, Scale, Visibility

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    name_de: str
    name_en: str
    topic: str
    unit: str
    polarity: str
    aggregation: str
    topic_en: str = ""
    unit_en: str = ""
    numerator: str | None = None
    denominator: str | None = None
    factor: float | None = None
    visibility: str = Visibility.PUBLIC.value
    min_count: float | None = None
    decimals: int = 1
    source: str = ""
    licence: str = ""
    definition_de: str = ""
    definition_en: str = ""
    scale: str = "sequential"  # "diverging": classes around the reference value (changes, balances)
    min_denominator: float | None = None  # reliability: rates on a smaller base are flagged "not reliable"
    part_of: str | None = None  # a count that is one of the parts summing to another count (age groups → total)
    # Derived indicators only (sozialmonitor/analytics/derived.py); None for imported indicators:
    method: str | None = None  # how the values were computed, e.g. "composite z-score: …"
    inputs: str | None = None  # JSON list of the inputs: [{"indicator": …, "period": …, "weight": …}, …]
    derived_at: str | None = None  # ISO date of the computation, e.g. "2026-11-21"

    @property
    def is_share(self) -> bool:
        """A true share in percent: values must lie in 0..100."""
        return self.unit.strip() == "%"

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_de


FIELDS = tuple(f.name for f in fields(IndicatorSpec))
REQUIRED = ("id", "name_de", "name_en", "topic", "unit", "polarity", "aggregation")
# what the store's columns hold (model.Indicator); longer text is a validation problem, not a database error
MAX_LENGTHS = {"id": 64, "name_de": 300, "name_en": 300, "topic": 200, "topic_en": 200, "unit": 64, "unit_en": 64,
               "numerator": 64, "denominator": 64, "part_of": 64}
# fields with a closed set of values, in the order their problems are reported
CHOICES: tuple[tuple[str, type[Polarity] | type[Aggregation] | type[Visibility] | type[Scale]], ...] = (
    ("polarity", Polarity),
    ("aggregation", Aggregation),
    ("visibility", Visibility),
    ("scale", Scale),
)


def spec_from_row(row: Indicator) -> IndicatorSpec:
    return IndicatorSpec(**{name: getattr(row, name) for name in FIELDS})


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _choice(raw: str, allowed: type[Polarity] | type[Aggregation] | type[Visibility] | type[Scale]) -> str | None:
    return raw if raw in {a.value for a in allowed} else None


def _derived_problems(values: Mapping[str, str], file: str, row: int) -> list[Problem]:
    """``inputs`` must be a JSON list of objects, each naming an ``indicator``; ``derived_at`` an ISO date."""
    problems: list[Problem] = []
    if values["inputs"]:
        try:
            loaded = json.loads(values["inputs"])
        except ValueError:
            loaded = None
        if not isinstance(loaded, list) or not all(isinstance(i, dict) and "indicator" in i for i in loaded):
            problems.append(Problem(file, row, "inputs", f"{values['inputs'][:80]!r} is not a JSON list of "
                                    'objects with an "indicator" key'))
    if values["derived_at"]:
        try:
            date.fromisoformat(values["derived_at"])
            valid = len(values["derived_at"]) == 10
        except ValueError:
            valid = False
        if not valid:
            problems.append(Problem(file, row, "derived_at",
                                    f"{values['derived_at']!r} is not an ISO date (YYYY-MM-DD)"))
    return problems


def parse_entries(
    entries: Sequence[tuple[int, Mapping[str, Any]]], file: str, known_ids: Mapping[str, str] | None = None
) -> list[IndicatorSpec]:
    """Validate catalogue entries (``(row number, mapping)``). ``known_ids`` maps ids already in the
    store to their aggregation, so a ratio may name a count imported earlier."""
    problems: list[Problem] = []
    specs: list[IndicatorSpec] = []
    rows_of: dict[str, int] = {}
    for row, entry in entries:
        # an unknown field is reported but does not keep the entry out of the reference check below
        problems.extend(_unknown_fields(entry, file, row))
        spec, entry_problems = _parse_entry(_values(entry), file, row, rows_of)
        problems.extend(entry_problems)
        if spec is not None:
            specs.append(spec)
    problems.extend(_reference_problems(specs, rows_of, known_ids, file))
    if problems:
        raise ValidationFailed(problems)
    return specs


def _unknown_fields(entry: Mapping[str, Any], file: str, row: int) -> list[Problem]:
    return [
        Problem(file, row, key, f"unknown field; allowed: {', '.join(FIELDS)}")
        for key in sorted(set(entry) - set(FIELDS))
    ]


def _values(entry: Mapping[str, Any]) -> dict[str, str]:
    """Every field as stripped text (``""`` when absent); an empty visibility or scale takes its default."""
    values = {key: _text(entry.get(key)) for key in FIELDS}
    values["visibility"] = values["visibility"] or Visibility.PUBLIC.value
    values["scale"] = values["scale"] or Scale.SEQUENTIAL.value
    return values


def _parse_entry(
    values: dict[str, str], file: str, row: int, rows_of: dict[str, int]
) -> tuple[IndicatorSpec | None, list[Problem]]:
    """One entry's spec, or ``None`` and the reasons why not. Records the entry's id in ``rows_of``
    (id → row of its first occurrence) for the duplicate and reference checks."""
    numbers, number_problems = _numbers(values, file, row)
    decimals, decimal_problems = _decimals(values, file, row)
    problems = [
        *_text_problems(values, file, row),
        *_id_problems(values["id"], file, row, rows_of),
        *_choice_problems(values, file, row),
        *number_problems,
        *decimal_problems,
        *_derived_problems(values, file, row),
        *_aggregation_problems(values, file, row),
    ]
    if problems:
        return None, problems
    return _spec(values, numbers, decimals), []


def _text_problems(values: Mapping[str, str], file: str, row: int) -> list[Problem]:
    """Too long for the store, a NUL character (PostgreSQL refuses it), or a required field left empty."""
    problems = [
        Problem(file, row, key, f"is {len(values[key])} characters long; at most {limit}")
        for key, limit in MAX_LENGTHS.items()
        if len(values.get(key, "")) > limit
    ]
    problems += [
        Problem(file, row, key, "contains a NUL character") for key, value in values.items() if "\x00" in value
    ]
    problems += [Problem(file, row, key, "is required") for key in REQUIRED if not values[key]]
    return problems


def _id_problems(ident: str, file: str, row: int, rows_of: dict[str, int]) -> list[Problem]:
    """A malformed or repeated id; the first row of each id is recorded in ``rows_of``."""
    problems: list[Problem] = []
    if ident and not ID_PATTERN.match(ident):
        problems.append(Problem(file, row, "id", f"{ident!r} is not a valid id (letters, digits, _ . -; max. 64)"))
    if ident in rows_of:
        problems.append(Problem(file, row, "id", f"duplicate id {ident!r}, first in row {rows_of[ident]}"))
    elif ident:
        rows_of[ident] = row
    return problems


def _choice_problems(values: Mapping[str, str], file: str, row: int) -> list[Problem]:
    problems: list[Problem] = []
    for key, enum in CHOICES:
        if values[key] and _choice(values[key], enum) is None:
            allowed = ", ".join(a.value for a in enum)
            problems.append(Problem(file, row, key, f"{values[key]!r} is not allowed; allowed: {allowed}"))
    return problems


def _numbers(values: Mapping[str, str], file: str, row: int) -> tuple[dict[str, float | None], list[Problem]]:
    """``factor``, ``min_count`` and ``min_denominator``: ``None`` when empty, else a finite number ≥ 0
    (a decimal comma allowed)."""
    numbers: dict[str, float | None] = {}
    problems: list[Problem] = []
    for key in ("factor", "min_count", "min_denominator"):
        raw = values[key].replace(",", ".")
        if not raw:
            numbers[key] = None
            continue
        try:
            numbers[key] = float(raw)
        except ValueError:
            problems.append(Problem(file, row, key, f"{values[key]!r} is not a number"))
            continue
        if not math.isfinite(numbers[key] or 0.0) or (numbers[key] or 0.0) < 0:
            problems.append(Problem(file, row, key, f"{values[key]!r} must be a number ≥ 0"))
    return numbers, problems


def _decimals(values: Mapping[str, str], file: str, row: int) -> tuple[int, list[Problem]]:
    """The number of decimals shown, 0 … 6; 1 when empty."""
    decimals = 1
    if values["decimals"]:
        try:
            decimals = int(float(values["decimals"]))
        except (ValueError, OverflowError):  # "abc", or "inf"
            decimals = -1
        if not 0 <= decimals <= 6:
            return decimals, [Problem(file, row, "decimals", f"{values['decimals']!r} must be 0 … 6")]
    return decimals, []


def _aggregation_problems(values: Mapping[str, str], file: str, row: int) -> list[Problem]:
    """A ratio needs numerator and denominator; a mean its weight indicator in denominator."""
    aggregation = values["aggregation"]
    problems: list[Problem] = []
    if aggregation == Aggregation.RATIO and not (values["numerator"] and values["denominator"]):
        problems.append(Problem(file, row, "numerator", "aggregation 'ratio' needs numerator and denominator"))
    if aggregation == Aggregation.MEAN and not values["denominator"]:
        problems.append(
            Problem(file, row, "denominator", "aggregation 'mean' needs the weight indicator in denominator")
        )
    return problems


def _spec(values: Mapping[str, str], numbers: Mapping[str, float | None], decimals: int) -> IndicatorSpec:
    """The spec of a valid entry; a ratio without a factor gets factor 1."""
    aggregation = values["aggregation"]
    return IndicatorSpec(
        id=values["id"],
        name_de=values["name_de"],
        name_en=values["name_en"],
        topic=values["topic"],
        topic_en=values["topic_en"],
        unit=values["unit"],
        unit_en=values["unit_en"],
        polarity=values["polarity"],
        aggregation=aggregation,
        numerator=values["numerator"] or None,
        denominator=values["denominator"] or None,
        factor=numbers["factor"] if numbers["factor"] is not None else (
            1.0 if aggregation == Aggregation.RATIO else None
        ),
        visibility=values["visibility"],
        min_count=numbers["min_count"],
        decimals=decimals,
        source=values["source"],
        licence=values["licence"],
        definition_de=values["definition_de"],
        definition_en=values["definition_en"],
        scale=values["scale"],
        method=values["method"] or None,
        inputs=values["inputs"] or None,
        derived_at=values["derived_at"] or None,
        min_denominator=numbers["min_denominator"],
        part_of=values["part_of"] or None,
    )


def _reference_problems(
    specs: Sequence[IndicatorSpec], rows_of: Mapping[str, int], known_ids: Mapping[str, str] | None, file: str
) -> list[Problem]:
    """References: ratio numerator/denominator must be count (sum) indicators; mean weight must exist."""
    aggregations = dict(known_ids or {})
    aggregations.update({s.id: s.aggregation for s in specs})
    problems: list[Problem] = []
    for spec in specs:
        row = rows_of[spec.id]
        refs: list[tuple[str, str | None]] = []
        if spec.aggregation == Aggregation.RATIO:
            refs = [("numerator", spec.numerator), ("denominator", spec.denominator)]
        elif spec.aggregation == Aggregation.MEAN:
            refs = [("denominator", spec.denominator)]
        for key, ref in refs:
            if ref not in aggregations:
                problems.append(Problem(file, row, key, f"names unknown indicator {ref!r}"))
            elif spec.aggregation == Aggregation.RATIO and aggregations[ref] != Aggregation.SUM:
                problems.append(Problem(file, row, key, f"{ref!r} must be a count indicator (aggregation 'sum')"))
        if spec.part_of is not None:
            if spec.aggregation != Aggregation.SUM:
                problems.append(Problem(file, row, "part_of", "only a count (aggregation 'sum') can be part of "
                                        "another count"))
            elif spec.part_of == spec.id:
                problems.append(Problem(file, row, "part_of", "an indicator cannot be a part of itself"))
            elif spec.part_of not in aggregations:
                problems.append(Problem(file, row, "part_of", f"names unknown indicator {spec.part_of!r}"))
            elif aggregations[spec.part_of] != Aggregation.SUM:
                problems.append(Problem(file, row, "part_of",
                                        f"{spec.part_of!r} must be a count indicator (aggregation 'sum')"))
    return problems


def read_catalogue(path: Path, known_ids: Mapping[str, str] | None = None) -> list[IndicatorSpec]:
    """Read and validate a catalogue file (CSV or YAML)."""
    file = str(path)
    if path.suffix.lower() in {".yaml", ".yml"}:
        if not path.exists():
            raise ValidationFailed([Problem(file, None, None, "file not found")])
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ValidationFailed([Problem(file, None, None, f"not a readable YAML file: {exc}")]) from None
        if isinstance(loaded, Mapping):
            loaded = loaded.get("indicators")
        if not isinstance(loaded, list) or not loaded:
            raise ValidationFailed(
                [Problem(file, None, None, "expected a list of indicators (or a key 'indicators' holding one)")]
            )
        entries: list[tuple[int, Mapping[str, Any]]] = []
        problems = []
        for number, item in enumerate(loaded, start=1):
            if isinstance(item, Mapping):
                entries.append((number, {str(k): v for k, v in item.items()}))
            else:
                problems.append(Problem(file, number, None, "entry is not a mapping of field: value"))
        if problems:
            raise ValidationFailed(problems)
        return parse_entries(entries, file, known_ids)
    from sozialmonitor.importers.tables import read_table  # Excel readers load only when a file is read

    table = read_table(path)
    header = [_text(cell).lower() for cell in table.rows[0]]
    missing = [key for key in REQUIRED if key not in header]
    if missing:
        raise ValidationFailed(
            [Problem(file, table.row_number(0), key, "required column is missing") for key in missing]
        )
    entries = []
    for offset, cells in enumerate(table.rows[1:], start=1):
        if all(_text(c) == "" for c in cells):
            continue
        entry = {header[i]: cells[i] for i in range(min(len(header), len(cells))) if header[i]}
        entries.append((table.row_number(offset), entry))
    if not entries:
        raise ValidationFailed([Problem(file, None, None, "the catalogue has no entries")])
    return parse_entries(entries, file, known_ids)


def known_aggregations(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Indicator.id, Indicator.aggregation)).all())


def load_specs(session: Session) -> dict[str, IndicatorSpec]:
    return {row.id: spec_from_row(row) for row in session.scalars(select(Indicator))}


def upsert(session: Session, specs: Sequence[IndicatorSpec], file: str) -> ImportSummary:
    summary = ImportSummary(f"catalogue {file}")
    existing = {row.id: row for row in session.scalars(select(Indicator))}
    for spec in specs:
        data = asdict(spec)
        row = existing.get(spec.id)
        if row is None:
            session.add(Indicator(**data))
            summary.inserted += 1
        elif all(getattr(row, key) == value for key, value in data.items()):
            summary.unchanged += 1
        else:
            for key, value in data.items():
                setattr(row, key, value)
            summary.updated += 1
    session.flush()
    return summary
