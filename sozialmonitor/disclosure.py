"""Disclosure control over a frame's whole hierarchy, and the audit that proves it.

Confidentiality is decided for a *family* of counts at once: one ``sum`` indicator, or a count and the counts the
catalogue declares as its parts (``part_of``: the eight age groups are parts of ``pop_total``), on every level of a
frame and the frame total, for one period. Everything published about such a family is a set of cells (indicator,
level, area) that are tied together by additive relations, each ``whole = sum(parts)``:

- an area's value is the sum of its child areas' values (a roll-up, or the level's own data where it adds up);
- the frame total is the sum of the areas of each level (the map's reference value);
- a count is the sum of its declared parts, in every area and for the frame total.

A relation is used only where it holds in the data (an attacker can only use what is true), so own data on two
levels that does not add up ties nothing together.

**Primary suppression**: a cell with ``0 < value < min_count`` is secret (``min_count`` of its indicator, raised to
that of every ratio that uses it as numerator — the ratio publishes its numerator). A true 0 stays.

**Secondary suppression** (:func:`protect`) hides more cells until no primary cell can be narrowed down by the
relations: for each secret cell ``x`` of value ``v``, the lowest value an attacker can reach from everything
published must be at most ``max(0, v − min_count)`` and the highest at least ``v + min_count``. Cells are chosen
by a local rule first (no relation with exactly one hidden cell — it would be its published whole minus its
published parts; the other hidden parts of a relation must hold at least ``min_count`` so the secret cell can move),
then every primary cell is checked by linear programming (:func:`bounds`, SciPy's HiGHS) over the hidden cells it is
connected with, and where a cell is not yet safe one more cell of its relations is hidden, until all are. A cell
whose value is known anyway — a zero — is never chosen as a secondary: hiding it protects nothing.

**The audit** (:func:`audit`) takes the true values and the set of cells an audience can read and solves, for every
primary cell, its lowest and highest reachable value by linear programming with non-negativity. It does not model
an attacker's knowledge of the suppression rule itself (e.g. "a hidden secondary is never 0") nor non-linear
relations; the values path keeps those closed by construction (a hidden cell publishes no interval, no converted
value, no change between periods; a ratio is hidden wherever its numerator or denominator count is).

Pure functions on plain dicts: no database, no Dash (the values path, :mod:`sozialmonitor.values`, feeds them).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

FRAME = "__frame__"  # the area key of a frame total (one per indicator; its level key is "")
Cell = tuple[str, str, str]  # (indicator, level, area)
Relation = tuple[Cell, tuple[Cell, ...]]  # whole, parts
TOLERANCE = 1e-6


@dataclass
class Table:
    """One family of counts in one period: the true value of every cell that has one, the relations that hold
    between them, and the ``min_count`` of each indicator that has one."""

    values: dict[Cell, float]
    relations: list[Relation]
    thresholds: dict[str, float]
    relations_of: dict[Cell, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index: dict[Cell, list[int]] = defaultdict(list)
        for i, (whole, parts) in enumerate(self.relations):
            index[whole].append(i)
            for part in parts:
                index[part].append(i)
        self.relations_of = dict(index)

    def threshold(self, cell: Cell) -> float | None:
        return self.thresholds.get(cell[0])


@dataclass(frozen=True)
class Unsafe:
    """A secret cell an attacker can narrow down: its value and the range reachable from what is published."""

    cell: Cell
    value: float
    lower: float
    upper: float


def _holds(whole: float, parts: Iterable[float]) -> bool:
    total = math.fsum(parts)
    return abs(whole - total) <= TOLERANCE * max(1.0, abs(whole))


def build_table(levels: Sequence[tuple[str, Mapping[str, str | None]]],
                columns: Mapping[tuple[str, str], Mapping[str, float]],
                parts: Mapping[str, Sequence[str]], thresholds: Mapping[str, float]) -> Table:
    """The family's table. ``levels``: (level key, parent area per area) top first, each level's parents being areas
    of the level before it. ``columns``: per (indicator, level) the usable value per area. ``parts``: per whole
    indicator its parts. ``thresholds``: ``min_count`` per indicator that has one."""
    members = sorted({m for m, _ in columns} | set(parts) | {p for ps in parts.values() for p in ps})
    values: dict[Cell, float] = {
        (member, level, area): float(value)
        for (member, level), column in columns.items() for area, value in column.items()
        if value is not None and math.isfinite(value)
    }
    relations: list[Relation] = []
    for member in members:
        relations += _frame_relations(member, levels, values)
        relations += _hierarchy_relations(member, levels, values)
    keys = [("", FRAME)] + [(level, a) for level, parents in levels for a in parents]
    for whole_member, part_members in parts.items():
        relations += _complete([((whole_member, level, area), [(p, level, area) for p in part_members])
                                for level, area in keys], values)
    return Table(values, relations, dict(thresholds))


def _complete(candidates: Iterable[tuple[Cell, Sequence[Cell]]], values: Mapping[Cell, float]) -> list[Relation]:
    """The candidate relations whose cells all have values and which hold."""
    return [(whole, tuple(cells)) for whole, cells in candidates
            if whole in values and all(c in values for c in cells)
            and _holds(values[whole], (values[c] for c in cells))]


def _frame_relations(member: str, levels: Sequence[tuple[str, Mapping[str, str | None]]],
                     values: dict[Cell, float]) -> list[Relation]:
    """The frame total is the sum of each complete level (the first, top-most one sets its value)."""
    frame_cell = (member, "", FRAME)
    candidates = []
    for level, parents in levels:
        cells = [(member, level, a) for a in parents]
        if cells and all(c in values for c in cells):
            values.setdefault(frame_cell, math.fsum(values[c] for c in cells))
            candidates.append((frame_cell, cells))
    return _complete(candidates, values)


def _hierarchy_relations(member: str, levels: Sequence[tuple[str, Mapping[str, str | None]]],
                         values: Mapping[Cell, float]) -> list[Relation]:
    """An area is the sum of its child areas."""
    candidates = []
    for (upper, _), (lower, parents) in itertools.pairwise(levels):
        children: dict[str, list[str]] = defaultdict(list)
        for area, parent in parents.items():
            if parent is not None:
                children[parent].append(area)
        candidates += [((member, upper, parent), [(member, lower, k) for k in kids])
                       for parent, kids in children.items()]
    return _complete(candidates, values)


def primary_cells(table: Table) -> set[Cell]:
    """Cells whose value must not be published: ``0 < value < min_count``."""
    out = set()
    for cell, value in table.values.items():
        limit = table.threshold(cell)
        if limit is not None and 0 < value < limit:
            out.add(cell)
    return out


# --- bounds by linear programming ---------------------------------------------------------------------------------

def _component(table: Table, hidden: set[Cell], start: Cell) -> tuple[list[Cell], list[int]]:
    """The hidden cells connected with ``start`` through relations, and those relations."""
    seen = {start}
    stack = [start]
    rels: set[int] = set()
    while stack:
        cell = stack.pop()
        for r in table.relations_of.get(cell, ()):
            if r in rels:
                continue
            rels.add(r)
            whole, parts = table.relations[r]
            for other in (whole, *parts):
                if other in hidden and other not in seen:
                    seen.add(other)
                    stack.append(other)
    return sorted(seen), sorted(rels)


def bounds(table: Table, hidden: set[Cell], cell: Cell) -> tuple[float, float]:
    """The lowest and highest value of ``cell`` consistent with every published cell (those not in ``hidden``),
    every relation and non-negativity; ``inf`` when nothing bounds it from above."""
    if cell not in hidden:
        value = table.values[cell]
        return value, value
    from scipy.optimize import linprog  # scipy loads only when a secret cell is checked
    from scipy.sparse import lil_matrix

    cells, rels = _component(table, hidden, cell)
    index = {c: i for i, c in enumerate(cells)}
    matrix = lil_matrix((len(rels), len(cells)))
    rhs = np.zeros(len(rels))
    for row, r in enumerate(rels):
        whole, parts = table.relations[r]
        for member, sign in ((whole, 1.0), *((p, -1.0) for p in parts)):
            if member in index:
                matrix[row, index[member]] += sign
            else:
                rhs[row] -= sign * table.values[member]
    a_eq = matrix.tocsr()
    target = np.zeros(len(cells))
    target[index[cell]] = 1.0
    result = []
    for direction in (1.0, -1.0):
        solved = linprog(direction * target, A_eq=a_eq, b_eq=rhs, bounds=(0, None), method="highs")
        if solved.status == 3:  # unbounded: only upwards is possible
            result.append(math.inf)
        elif solved.status != 0:
            raise RuntimeError(f"disclosure LP for {cell} failed: {solved.message}")
        else:
            result.append(float(direction * solved.fun))
    return result[0], result[1]


def is_safe(value: float, limit: float, lower: float, upper: float) -> bool:
    slack = TOLERANCE * max(1.0, abs(value))
    return upper >= value + limit - slack and lower <= max(0.0, value - limit) + slack


def audit(table: Table, published: set[Cell]) -> list[Unsafe]:
    """Every primary cell an attacker can narrow down from the ``published`` cells (a published primary cell is
    unsafe at once)."""
    hidden = set(table.values) - published
    out = []
    for cell in sorted(primary_cells(table)):
        limit = table.threshold(cell)
        assert limit is not None
        lower, upper = bounds(table, hidden, cell)
        if not is_safe(table.values[cell], limit, lower, upper):
            out.append(Unsafe(cell, table.values[cell], lower, upper))
    return out


# --- choosing the secondary cells --------------------------------------------------------------------------------

def _cost(cell: Cell, value: float, whole: Cell, need: float) -> tuple[int, int, float, Cell]:
    """Order of preference among candidates: a part before the relation's whole, an area before a frame total, the
    smallest value that gives the needed room, then the largest of the rest; ties by key."""
    enough = value >= need
    return (cell == whole, cell[2] == FRAME, value if enough else -value + 1e18, cell)


def _partner(table: Table, hidden: set[Cell], relation: int, need: float) -> Cell | None:
    whole, parts = table.relations[relation]
    candidates = [c for c in (whole, *parts) if c not in hidden and table.values[c] > 0]
    if not candidates:
        return None
    return min(candidates, key=lambda c: _cost(c, table.values[c], whole, need))


def _local(table: Table, hidden: set[Cell], primary: set[Cell], queue: list[int], room: float) -> None:
    """No relation with exactly one hidden cell; the other hidden parts of a relation hold at least ``min_count``
    beside each secret part (unless the whole is hidden too, which the LP check then judges)."""
    pending = set(queue)
    while queue:
        r = queue.pop()
        pending.discard(r)
        whole, parts = table.relations[r]
        members = (whole, *parts)
        inside = [c for c in members if c in hidden]
        if not inside:
            continue
        need: float | None = None
        if len(inside) == 1:
            only = inside[0]
            need = (table.threshold(only) or room) if only in primary else room
        elif whole not in hidden:
            hidden_parts = math.fsum(table.values[c] for c in inside)
            for x in inside:
                limit = table.threshold(x)
                if x in primary and limit is not None and hidden_parts - table.values[x] < limit:
                    need = limit - (hidden_parts - table.values[x])
                    break
        if need is None:
            continue
        chosen = _partner(table, hidden, r, need)
        if chosen is None:
            continue
        hidden.add(chosen)
        for other in table.relations_of.get(chosen, ()):
            if other not in pending:
                pending.add(other)
                queue.append(other)
        if r not in pending:  # look at this relation again: one partner may not have been enough
            pending.add(r)
            queue.append(r)


def protect(table: Table, primary: set[Cell] | None = None) -> set[Cell]:
    """The cells to hide: the primary cells and as few secondary cells as the rules above find, such that every
    primary cell passes :func:`audit`. Deterministic (the same data gives the same cells)."""
    primary = primary_cells(table) if primary is None else primary
    hidden = set(primary)
    if not hidden:
        return hidden
    room = max(table.thresholds.values(), default=0.0)
    _local(table, hidden, primary, sorted({r for c in hidden for r in table.relations_of.get(c, ())}), room)
    for cell in sorted(primary):
        limit = table.threshold(cell)
        assert limit is not None
        for _ in range(len(table.values)):
            lower, upper = bounds(table, hidden, cell)
            if is_safe(table.values[cell], limit, lower, upper):
                break
            chosen = _widen(table, hidden, cell, limit)
            if chosen is None:
                break  # nothing left to hide around it; the audit reports the cell
            hidden.add(chosen)
            _local(table, hidden, primary, list(table.relations_of.get(chosen, ())), room)
    return hidden


def _widen(table: Table, hidden: set[Cell], cell: Cell, limit: float) -> Cell | None:
    """One more cell to hide for an unsafe primary ``cell``: from its own relations first, then from the relations
    of the hidden cells it is connected with."""
    own = table.relations_of.get(cell, [])
    _, rels = _component(table, hidden, cell)
    for group in (own, [r for r in rels if r not in own]):
        options = [(c, r) for r in group for c in [_partner(table, hidden, r, limit)] if c is not None]
        if options:
            return min(options, key=lambda o: _cost(o[0], table.values[o[0]], table.relations[o[1]][0], limit))[0]
    return None
