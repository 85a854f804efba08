"""The disclosure audit: ``python -m sozialmonitor disclosure-audit [--frame F] [--indicator I]``.

For every frame, protected family of counts (:func:`sozialmonitor.access.family_of`) and period, it reads what the
values path publishes — every level's published values (:meth:`Values.shown`), the frame totals
(:meth:`Values.reference`) and every ratio built on the family's counts, whose published value with its denominator
reveals its numerator — and solves, for every primary-suppressed cell, the lowest and highest value an attacker can
reach from all of it by linear programming (:func:`sozialmonitor.disclosure.audit`). It reports per frame, level and
indicator how many cells are primary and secondary suppressed, and every unsafe cell.

What it does not model: an attacker's knowledge of the suppression rule itself, and non-linear relations. Changes
between periods are differences of two published values — the values path hides a change wherever either end is
hidden (tested) — so they add no equation.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sozialmonitor.access import VALUE_STATUSES, Family, family_of
from sozialmonitor.disclosure import FRAME, Cell, Table, Unsafe, audit, primary_cells
from sozialmonitor.values import Values
from sozialmonitor.vocab import Aggregation


@dataclass(frozen=True)
class Count:
    """Suppressed cells of one indicator on one level of a frame (``(frame)``: its total), over all periods."""

    frame: str
    level: str
    indicator: str
    primary: int
    secondary: int


@dataclass(frozen=True)
class Checked:
    """A family of counts in a frame: how many periods it has and in how many of them a count is secret."""

    frame: str
    members: tuple[str, ...]
    periods: int
    with_secrets: int


@dataclass
class Report:
    checked: list[Checked] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    unsafe: list[tuple[str, str, Unsafe]] = field(default_factory=list)  # frame, period, cell

    @property
    def ok(self) -> bool:
        return not self.unsafe


def _published_rows(values: Values, frame: str, level: str, indicator: str, period: str) -> dict[str, tuple[
        float | None, float | None, float | None]]:
    """Per area: the published value, numerator and denominator (``None`` where not published)."""
    shown = values.shown(frame, level, indicator, period)
    if shown.empty:
        return {}
    rows = shown[shown["status"].isin(list(VALUE_STATUSES)) & shown["value"].notna()]
    columns = [[None if x != x else float(x) for x in rows[c].tolist()] for c in ("value", "numerator", "denominator")]
    return {str(a): (v, n, d) for a, v, n, d in zip(rows.index, *columns, strict=True)}


def published_cells(values: Values, frame: str, family: Family, table: Table, period: str) -> set[Cell]:
    """Every cell of the family's table whose value the published data reveal."""
    specs = values.source.specs()
    levels = [info.key for info in values.chain(frame)]
    published: set[Cell] = set()
    for member in family.members:
        for level in levels:
            published |= {(member, level, a) for a in _published_rows(values, frame, level, member, period)}
            if values.reference(frame, level, member, period) is not None:
                published.add((member, "", FRAME))
    ratios = [s for s in specs.values() if s.aggregation == Aggregation.RATIO
              and (s.numerator in family.members or s.denominator in family.members)]
    for _ in range(2):  # a revealed denominator can reveal another ratio's numerator
        for spec in ratios:
            published |= _revealed_by_ratio(values, frame, levels, spec.id, spec.numerator or "",
                                            spec.denominator or "", spec.factor or 1.0, published, period)
    return published & set(table.values)


def _revealed_by_ratio(values: Values, frame: str, levels: Iterable[str], ratio: str, numerator: str,
                       denominator: str, factor: float, known: set[Cell], period: str) -> set[Cell]:
    """A published rate reveals its numerator where its denominator is known (and the reverse where the value is
    not 0); its own numerator and denominator columns reveal them directly. The frame's rate likewise."""
    out: set[Cell] = set()

    def reveal(level: str, area: str, value: float | None, num: float | None, den: float | None) -> None:
        num_cell, den_cell = (numerator, level, area), (denominator, level, area)
        den_known = den is not None or den_cell in known
        num_known = num is not None or num_cell in known
        if num is not None or (value is not None and den_known):
            out.add(num_cell)
        if den is not None or (value is not None and value != 0 and num_known):
            out.add(den_cell)
    for level in levels:
        for area, (value, num, den) in _published_rows(values, frame, level, ratio, period).items():
            reveal(level, area, value, num, den)
        reference = values.reference(frame, level, ratio, period)
        if reference is not None and math.isfinite(reference):
            reveal("", FRAME, reference / factor, None, None)
    return out


def _periods(values: Values, frame: str, family: Family) -> list[str]:
    periods: set[str] = set()
    for info in values.chain(frame):
        for member in family.members:
            periods |= set(values.own_series(frame, info.key, member))
    return sorted(periods)


def run_audit(values: Values, frames: Iterable[str], indicator: str | None = None) -> Report:
    """Audit every protected family (or the one of ``indicator``) in the given frames."""
    specs = values.source.specs()
    families: dict[tuple[str, ...], Family] = {}
    for ident in sorted(specs) if indicator is None else [indicator]:
        family = family_of(specs, ident) if ident in specs else None
        if family is None and ident in specs and specs[ident].aggregation == Aggregation.RATIO:
            family = family_of(specs, specs[ident].numerator or "")
        if family is not None:
            families.setdefault(family.members, family)
    report = Report()
    for frame in frames:
        tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for family in families.values():
            periods = _periods(values, frame, family)
            secret = [p for p in periods if values.any_secret(frame, family, p)]  # nothing to prove elsewhere
            report.checked.append(Checked(frame, family.members, len(periods), len(secret)))
            for period in secret:
                table = values.family_table(frame, family.members[0], period)
                if table is None:
                    continue
                published = published_cells(values, frame, family, table, period)
                primary = primary_cells(table)
                for cell in table.values:
                    counts = tally[(cell[1] or "(frame)", cell[0])]
                    counts[0] += cell in primary
                    counts[1] += cell not in published and cell not in primary
                report.unsafe += [(frame, period, u) for u in audit(table, published)]
        report.counts += [Count(frame, level, ident, *c) for (level, ident), c in sorted(tally.items())]
    return report


def format_report(report: Report) -> str:
    lines = []
    for frame in dict.fromkeys(c.frame for c in report.checked):
        lines.append(f"frame {frame}")
        for c in (c for c in report.checked if c.frame == frame):
            lines.append(f"  counts {', '.join(c.members)}: {c.periods} periods, {c.with_secrets} with secret counts")
        for n in (n for n in report.counts if n.frame == frame):
            lines.append(f"  {n.level:<16} {n.indicator:<32} primary {n.primary:>6,}  secondary {n.secondary:>6,}")
    if not report.checked:
        lines.append("no protected counts (no indicator has a min_count)")
    for frame, period, u in report.unsafe:
        indicator, level, area = u.cell
        where = "frame total" if area == FRAME else f"{level} {area}"
        lines.append(f"UNSAFE {frame} {indicator} {period} {where}: value {u.value:g}, an attacker can narrow it "
                     f"to {u.lower:g} … {u.upper:g}")
    lines.append(f"unsafe cells: {len(report.unsafe)}")
    return "\n".join(lines)
