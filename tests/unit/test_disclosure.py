"""Disclosure control over a whole hierarchy (sozialmonitor/disclosure.py): the probe's findings reproduced on the
rule as it was (each level alone, the smallest sibling as the secondary cell) and shown safe on the new one; random
hierarchies with part-of relations checked by the audit's linear programs."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from sozialmonitor.disclosure import FRAME, Cell, Table, audit, bounds, build_table, primary_cells, protect

LEVELS_ABC = [("a", {"A1": None}), ("b", {"B1": "A1", "B2": "A1", "B3": "A1"}),
              ("c", {"C1": "B1", "C2": "B1", "C3": "B2", "C4": "B2", "C5": "B3", "C6": "B3"})]


def rolled_up(levels: list[tuple[str, dict[str, str | None]]], leaves: Mapping[str, float],
              member: str = "n") -> dict[tuple[str, str], dict[str, float]]:
    """Values on every level: the bottom level's, summed upwards (the values path's roll-up)."""
    columns = {(member, levels[-1][0]): dict(leaves)}
    for (upper, _), (lower, parents) in reversed(list(itertools.pairwise(levels))):
        sums: dict[str, float] = defaultdict(float)
        for area, value in columns[(member, lower)].items():
            sums[str(parents[area])] += value
        columns[(member, upper)] = dict(sums)
    return columns


def old_rule(table: Table, levels: list[tuple[str, dict[str, str | None]]], member: str = "n") -> set[Cell]:
    """The rule on main before this change: each level on its own; in a group of siblings with exactly one
    suppressed member, the smallest other sibling (zeros included) is suppressed too."""
    hidden = {c for c in primary_cells(table) if c[0] == member}
    for level, parents in levels:
        groups: dict[str | None, list[str]] = defaultdict(list)
        for area, parent in parents.items():
            groups[parent].append(area)
        for areas in groups.values():
            cells = [(member, level, a) for a in areas if (member, level, a) in table.values]
            secret = [c for c in cells if c in hidden]
            others = sorted((c for c in cells if c not in hidden), key=lambda c: (table.values[c], c))
            if len(secret) == 1 and len(cells) >= 2 and others:
                hidden.add(others[0])
    return hidden


def test_finding_1_across_levels_is_unsafe_on_the_old_rule_and_safe_now() -> None:
    table = build_table(LEVELS_ABC, rolled_up(LEVELS_ABC, {"C1": 1, "C2": 2, "C3": 10, "C4": 20, "C5": 40,
                                                           "C6": 50}), {}, {"n": 5})
    old = old_rule(table, LEVELS_ABC)
    assert ("n", "b", "B1") in old and ("n", "b", "B2") in old and ("n", "c", "C3") not in old  # the probe's view
    found = {u.cell: u for u in audit(table, set(table.values) - old)}
    assert found[("n", "b", "B1")].lower == found[("n", "b", "B1")].upper == 3  # B1 = 123 − (10 + 20) − 90
    assert found[("n", "c", "C1")].upper == 3  # C1 + C2 = 3
    hidden = protect(table)
    assert audit(table, set(table.values) - hidden) == []
    assert ("n", "", FRAME) not in hidden and ("n", "a", "A1") not in hidden  # the total stays published


def test_finding_2_a_zero_is_never_the_secondary_cell() -> None:
    levels: list[tuple[str, dict[str, str | None]]] = [("x", {"a": None, "b": None, "c": None, "d": None})]
    table = build_table(levels, {("n", "x"): {"a": 3, "b": 0, "c": 40, "d": 60}}, {}, {"n": 5})
    old = old_rule(table, levels)
    assert old == {("n", "x", "a"), ("n", "x", "b")}
    assert [u.cell for u in audit(table, set(table.values) - old)] == [("n", "x", "a")]  # a + 0 = 103 − 40 − 60
    hidden = protect(table)
    assert ("n", "x", "b") not in hidden
    assert audit(table, set(table.values) - hidden) == []
    lower, upper = bounds(table, hidden, ("n", "x", "a"))
    assert lower == 0 and upper >= 3 + 5


def test_parts_of_a_whole_are_protected_against_the_whole() -> None:
    levels: list[tuple[str, dict[str, str | None]]] = [("x", {"p": None, "q": None})]
    columns = {("total", "x"): {"p": 52, "q": 70}, ("young", "x"): {"p": 2, "q": 20},
               ("old", "x"): {"p": 50, "q": 50}}
    table = build_table(levels, columns, {"total": ["old", "young"]}, {"young": 3, "old": 3, "total": 3})
    assert (("total", "x", "p"), (("old", "x", "p"), ("young", "x", "p"))) in table.relations
    hidden = protect(table)
    assert audit(table, set(table.values) - hidden) == []
    # hiding young/p alone (and its sibling q, as the old rule did) is undone by total − old
    assert [u.cell for u in audit(table, set(table.values) - {("young", "x", "p"), ("young", "x", "q")})] == \
        [("young", "x", "p")]


def test_relations_are_used_only_where_they_hold() -> None:
    levels: list[tuple[str, dict[str, str | None]]] = [("a", {"A": None}), ("b", {"b1": "A", "b2": "A"})]
    table = build_table(levels, {("n", "a"): {"A": 100}, ("n", "b"): {"b1": 2, "b2": 90}}, {}, {"n": 5})
    assert all(whole[1] != "a" for whole, _ in table.relations)  # 2 + 90 ≠ 100: own data that does not add up
    assert primary_cells(table) == {("n", "b", "b1")}


@st.composite
def hierarchies(draw: st.DrawFn) -> tuple[list[tuple[str, dict[str, str | None]]], dict[str, float],
                                         dict[str, float]]:
    """Three levels (a → b → c) with many small counts at c, and a second count that is a part of the first."""
    n_a = draw(st.integers(1, 2))
    a = {f"A{i}": None for i in range(n_a)}
    b: dict[str, str | None] = {}
    for i in range(draw(st.integers(n_a, 6))):
        b[f"B{i}"] = f"A{i % n_a}" if i < n_a else draw(st.sampled_from(sorted(a)))
    c: dict[str, str | None] = {}
    for i in range(draw(st.integers(len(b), 16))):
        c[f"C{i:02d}"] = f"B{i % len(b)}" if i < len(b) else draw(st.sampled_from(sorted(b)))
    small = st.one_of(st.integers(0, 6), st.integers(0, 60))
    totals = {k: float(draw(small)) for k in c}
    parts = {k: float(draw(st.integers(0, int(v)))) for k, v in totals.items()}
    return [("a", a), ("b", b), ("c", c)], totals, parts


@settings(max_examples=25, deadline=None)
@given(hierarchies(), st.sampled_from([3.0, 5.0, 10.0]))
def test_protect_leaves_no_unsafe_cell(case: tuple[list[tuple[str, dict[str, str | None]]], dict[str, float],
                                                   dict[str, float]], limit: float) -> None:
    levels, totals, young = case
    columns = {**rolled_up(levels, totals, "total"), **rolled_up(levels, young, "young"),
               **rolled_up(levels, {k: totals[k] - young[k] for k in totals}, "rest")}
    table = build_table(levels, columns, {"total": ["rest", "young"]}, {m: limit for m in ("total", "young", "rest")})
    hidden = protect(table)
    assert hidden >= primary_cells(table)
    assert not any(table.values[c] == 0 for c in hidden)  # a zero is never a secondary (nor a primary)
    assert audit(table, set(table.values) - hidden) == []
    assert protect(table) == hidden  # deterministic
