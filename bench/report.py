"""RESULTS.md from results.json: machine, targets met or missed, where bytes and time go, scaling.

``python bench/report.py [bench/results.json]`` rewrites RESULTS.md beside the given results.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

KB = 1000
MB = 1000 * 1000

# The goals for the working tree at 10,997 areas, judged against today's main measured in the same run:
# (label, key, goal, unit, how). Keys are the working tree's; main's are "main_" + key.
GOALS: tuple[tuple[str, str, float | None, str, str], ...] = (
    ("First coloured map (navigation start → polygons in class colours)", "first_map_ms", 2500, "ms", "≤"),
    ("… plotly.js requested before the first coloured map", "plotly_requested_before_map", 0, "bool", "="),
    ("Bytes per switch (gzip, every callback response)", "switch_bytes_gzip", 25 * KB, "bytes", "≤"),
    ("Switch → painted, median", "switch_to_paint_ms", 400, "ms", "≤"),
    ("Callback p95 (every `/_dash-update-component` request of a switch)", "callback_ms_p95", 50, "ms", "≤"),
    ("Callback requests per switch (house rule 17: one per action)", "callbacks_per_switch", 1, "n", "≤"),
)
# shown beside the goals, not judged
CONTEXT: tuple[tuple[str, str, str], ...] = (
    ("… the app's own `sozialmonitor:styled` mark", "first_map_mark_ms", "ms"),
    ("… first load of the level since the worker started (cold server caches)", "first_map_cold_server_ms", "ms"),
    ("… plotly.js requested / loaded / evaluated", "plotly_requested_ms", "plotly"),
    ("Switch → painted, p95", "switch_to_paint_ms_p95", "ms"),
    ("Switch → every callback answered, median", "switch_complete_ms", "ms"),
    ("Callback p50 (every request)", "callback_ms_p50", "ms"),
    ("Map callback (first request of a switch) p95", "map_callback_ms_p95", "ms"),
    ("Server time of a whole switch (its requests summed), p95", "switch_server_ms_p95", "ms"),
    ("Whole first load (gzip)", "page_bytes_gzip", "bytes"),
)
MEMORY: tuple[tuple[str, str, float | None], ...] = (
    ("Resident (RSS)", "worker_rss_mb", 300),
    ("Proportional (PSS)", "worker_pss_mb", None),
    ("Unique (USS: private pages)", "worker_uss_mb", None),
    ("Peak resident (VmHWM)", "worker_peak_rss_mb", None),
)

# (label, key, limit, unit, how) — every dataset's table; the goals where it states one
TARGETS: tuple[tuple[str, str, float | None, str, str], ...] = (
    ("Bytes per indicator/period switch (gzip, all callbacks)", "switch_bytes_gzip", 25 * KB, "bytes", "≤"),
    ("… of which the map callback", "switch_map_bytes_gzip", 25 * KB, "bytes", "≤"),
    ("Callback requests per switch", "callbacks_per_switch", 1, "n", "≤"),
    ("Switch payload vs baseline (times smaller)", "switch_bytes_ratio", 50, "x", "≥"),
    ("… map callback only vs baseline", "switch_map_bytes_ratio", 50, "x", "≥"),
    ("Server callback time p50 (every request)", "callback_ms_p50", None, "ms", "≤"),
    ("Server callback time p95 (every request)", "callback_ms_p95", 50, "ms", "≤"),
    ("… map callback only, p95", "map_callback_ms_p95", None, "ms", "≤"),
    ("Switch → painted, median", "switch_to_paint_ms", 400, "ms", "≤"),
    ("Switch → painted, p95", "switch_to_paint_ms_p95", None, "ms", "≤"),
    ("Switch → every callback answered, median", "switch_complete_ms", None, "ms", "≤"),
    ("First coloured map (navigation start →)", "first_map_ms", 2500, "ms", "≤"),
    ("… first load of the level since the worker started (cold server caches)", "first_map_cold_server_ms", None, "ms",
     "≤"),
    ("plotly.js requested before the first coloured map", "plotly_requested_before_map", 0, "bool", "="),
    ("Whole first load (gzip)", "page_bytes_gzip", None, "bytes", "≤"),
    ("Geometry (gzip)", "geometry_bytes_gzip", 1.5 * MB, "bytes", "≤"),
    ("Geometry adds no gaps/overlaps to the source's", "geometry_clean_coverage", 1, "clean", "="),
    ("Import 11k polygons + 1 M rows, SQLite", "import_s_sqlite", 60, "s", "≤"),
    ("Import 11k polygons + 1 M rows, PostgreSQL", "import_s_postgres", None, "s", "≤"),
    ("One app worker, resident memory after browsing every demo frame", "worker_rss_mb", 300, "MB", "≤"),
)


def fmt(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    if unit in ("bool", "clean"):
        return "yes" if value else "no"
    if unit == "bytes":
        if value >= MB:
            return f"{value / MB:,.2f} MB"
        return f"{value / KB:,.1f} kB"
    if unit == "x":
        return f"{value:,.1f}×"
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:,.1f} s"
    if unit == "MB":
        return f"{value:,.0f} MiB"
    if unit == "n":
        return f"{value:g}"
    return str(value)


def goal_text(limit: float | None, how: str, unit: str) -> str:
    if limit is None:
        return ""
    if unit == "bool":
        return "no" if not limit else "yes"
    if unit == "clean":
        return "clean"
    return f"{how} {fmt(limit, unit)}"


def meets(value: Any, limit: float, how: str) -> bool:
    """Whether ``value`` meets the goal ``how limit`` (how: ≤, ≥ or =; "=" compares truth: zero or not, yes or no).
    bench/load/summary.py judges the load test's goals with it too."""
    if how == "=":
        return bool(value) == bool(limit)
    return bool(value <= limit if how == "≤" else value >= limit)


def verdict(value: Any, limit: float | None, how: str, unit: str) -> str:
    if limit is None:
        return ""
    if value is None:
        return "not measured"
    return "met" if meets(value, limit, how) else "**missed**"


def ratio(now: Any, old: Any, unit: str) -> str:
    """now ÷ main: below 1 is smaller (better for every figure here)."""
    if unit in ("bool", "clean", "x") or not isinstance(now, int | float) or not isinstance(old, int | float):
        return ""
    if isinstance(now, bool) or isinstance(old, bool) or not old:
        return ""
    return f"{now / old:,.2f}×"


def plotly_text(row: dict[str, Any], prefix: str) -> str:
    parts = [row.get(f"{prefix}plotly_requested_ms"), row.get(f"{prefix}plotly_loaded_ms"),
             row.get(f"{prefix}plotly_evaluated_ms")]
    if all(v is None for v in parts):
        return "not loaded"
    return " / ".join(fmt(v, "ms") for v in parts)


def comparison(results: dict[str, Any]) -> list[str]:
    """The headline: today's main beside the working tree, both measured in this run, against the issue's goals."""
    compare = results["meta"].get("compare")
    if not compare:
        return []
    main = f"main ({compare['commit']})"
    lines = [f"## {main} vs now", "",
             f"Today's main is commit {compare['commit']} (*{compare['subject']}*), copied with `git archive` and "
             "started from that copy against its own store, loaded by its own code; the working tree's app runs "
             "beside it. Both are measured in this run with the same procedure, first loads and HTTP replays "
             "taking turns. `now ÷ main` below 1 means smaller or faster now. Goals are the issue's, judged on "
             "the working tree's figure (medians) at 10,997 Gemeinden.", ""]
    judged: list[tuple[str, str]] = []  # (goal, verdict)
    for key, title in (("gemeinden", "Deutschland, Gemeinden (10,997 areas)"), ("berlin", "Berlin, Planungsräume")):
        row = results.get(key)
        if row:
            table, marks = goal_table(row, title, main, judge=key == "gemeinden")
            lines += table
            judged += marks
    memory = results.get("memory") or {}
    if memory:
        table, marks = memory_table(memory, main)
        lines += table
        judged += marks
    lines += goal_summary(judged)
    lines += run_errors(results, main)
    return [*lines, ""] if lines[-1] != "" else lines


def beside_main(label: str, old: Any, new: Any, unit: str) -> str:
    """A table row's first cells: the figure's label, main's value, now's value and now ÷ main."""
    return f"| {label} | {fmt(old, unit)} | {fmt(new, unit)} | {ratio(new, old, unit)} |"


def goal_table(row: dict[str, Any], title: str, main: str, judge: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """One dataset's goals and context figures, main beside now; with ``judge`` also the verdicts."""
    lines = [f"**{title}**" + ("" if judge else " — the same figures, for reference"), "",
             f"| figure | {main} | now | now ÷ main | goal | |", "|---|---:|---:|---:|---:|---|"]
    judged: list[tuple[str, str]] = []
    for label, name, limit, unit, how in GOALS:
        mark = verdict(row.get(name), limit, how, unit) if judge else ""
        if mark:
            judged.append((label, mark))
        lines.append(f"{beside_main(label, row.get('main_' + name), row.get(name), unit)} "
                     f"{goal_text(limit, how, unit)} | {mark} |")
    for label, name, unit in CONTEXT:
        if unit == "plotly":
            lines.append(f"| {label} | {plotly_text(row, 'main_')} | {plotly_text(row, '')} | | | |")
        else:
            lines.append(f"{beside_main(label, row.get('main_' + name), row.get(name), unit)} | |")
    lines.append("")
    return lines, judged


def memory_table(memory: dict[str, Any], main: str) -> tuple[list[str], list[tuple[str, str]]]:
    """One worker's memory after browsing, main beside now, judged against the goal."""
    browse = (memory.get("app") or {}).get("browse") or (memory.get("main") or {}).get("browse") or {}
    levels = browse.get("levels") or []
    lines = [f"**One worker's memory** after opening every demo frame and level once ({len(levels)} levels) and "
             f"picking {browse.get('indicators_per_level', '?')} more indicator(s) on each, in a fresh process "
             "per version", "",
             f"| memory | {main} | now | now ÷ main | goal | |", "|---|---:|---:|---:|---:|---|"]
    judged: list[tuple[str, str]] = []
    old, new = memory.get("main") or {}, memory.get("app") or {}
    for label, name, limit in MEMORY:
        key = name.removeprefix("worker_")
        mark = verdict(new.get(key), limit, "≤", "MB")
        if mark:
            judged.append((f"One worker's memory: {label}", mark))
        lines.append(f"{beside_main(label, old.get(key), new.get(key), 'MB')} {goal_text(limit, '≤', 'MB')} | {mark} |")
    for side, label in (("main", main), ("app", "now")):
        if (memory.get(side) or {}).get("error"):
            lines.append(f"\n⚠ {label}: {memory[side]['error'][:300]}")
    lines.append("")
    return lines, judged


def goal_summary(judged: list[tuple[str, str]]) -> list[str]:
    """The goals met, then those missed or not measured."""
    if not judged:
        return []
    met = [label for label, mark in judged if mark == "met"]
    missed_goals = [label for label, mark in judged if mark != "met"]
    return [f"**Goals met ({len(met)}):** " + ("; ".join(met) or "none") + ".", "",
            f"**Goals missed or not measured ({len(missed_goals)}):** " + ("; ".join(missed_goals) or "none")
            + ".", ""]


def run_errors(results: dict[str, Any], main: str) -> list[str]:
    """The first errors of each version's run on the judged datasets."""
    lines = []
    for key in ("gemeinden", "berlin"):
        detail = (results.get("detail") or {}).get(key) or {}
        for side, label in (("main", main), ("app", "now")):
            errors = (detail.get(side) or {}).get("errors") or []
            if errors:
                lines.append(f"⚠ {label}, {key}: {'; '.join(str(e)[:300] for e in errors[:3])}")
    return lines


RUN_WIDE = ("import_", "worker_")  # figures of the whole run (import, memory browse), not of one dataset


def target_table(row: dict[str, Any], with_targets: bool, main: str | None, with_baseline: bool,
                 run_wide: bool) -> list[str]:
    head = "| figure | now |" + (f" {main} | now ÷ main |" if main else "") + (" baseline |" if with_baseline else "")
    lines = [head + " target | |", "|---|---:|" + ("---:|---:|" if main else "") + ("---:|" if with_baseline else "")
             + "---:|---|"]
    for label, key, limit, unit, how in TARGETS:
        if key not in row or (unit == "x" and not with_baseline) or (key.startswith(RUN_WIDE) and not run_wide):
            continue
        ours = row.get(key)
        cells = f"| {label} | {fmt(ours, unit)} |"
        if main:
            cells += f" {fmt(row.get('main_' + key), unit) if 'main_' + key in row else ''} " \
                     f"| {ratio(ours, row.get('main_' + key), unit)} |"
        if with_baseline:
            cells += f" {fmt(row.get('baseline_' + key), unit) if 'baseline_' + key in row else ''} |"
        mark = verdict(ours, limit, how, unit) if with_targets else ""
        lines.append(f"{cells} {goal_text(limit, how, unit)} | {mark} |")
    return lines


def missed(row: dict[str, Any]) -> list[str]:
    out = []
    for label, key, limit, unit, how in TARGETS:
        if key not in row:
            continue
        value = row.get(key)
        if verdict(value, limit, how, unit) == "**missed**":
            out.append(f"{label}: {fmt(value, unit)} (target {goal_text(limit, how, unit)})")
    return out


def breakdown(detail: dict[str, Any], side: str, title: str) -> list[str]:
    ours = detail.get(side) or {}
    theirs = detail.get("baseline") or {} if side == "app" else {}
    switch = ours.get("switch_summary") or {}
    return [f"### Where bytes and time go: {detail['label']} — {title}", "",
            *callback_sizes(ours, switch), *map_outputs(ours), *switch_timing(switch), *server_times(ours),
            *first_load(ours), *baseline_sizes(theirs), *geometry_check(ours),
            *(f"- ⚠ {problem}" for problem in run_problems(ours, theirs, switch)), ""]


def callback_sizes(ours: dict[str, Any], switch: dict[str, Any]) -> list[str]:
    """Callback requests per switch and the median gzip size of each callback's response."""
    callbacks: dict[str, list[int]] = {}
    for s in ours.get("switches", []):
        for c in s["callbacks"]:
            callbacks.setdefault(c["callback"], []).append(c["gzip"])
    if not callbacks:
        return []
    parts = ", ".join(f"`{k}` {sorted(v)[len(v) // 2] / KB:,.1f} kB" for k, v in
                      sorted(callbacks.items(), key=lambda kv: -max(kv[1])))
    return [f"- **Callback requests per switch**: {fmt(switch.get('callback_requests_p50'), 'n')} "
            f"(median; most {fmt(switch.get('callback_requests_max'), 'n')}); gzip, median, named by their "
            f"first output: {parts}."]


def map_outputs(ours: dict[str, Any]) -> list[str]:
    """The largest outputs of the map callback, each gzip-compressed on its own."""
    outputs = sorted(ours.get("map_callback_outputs", {}).items(), key=lambda kv: -kv[1]["gzip"])
    if not outputs:
        return []
    total = sum(v["gzip"] for _, v in outputs) or 1
    top = ", ".join(f"`{k}` {v['gzip'] / KB:,.1f} kB ({v['raw'] / KB:,.1f} kB raw)" for k, v in outputs[:4])
    return [f"- **Map callback outputs** (each gzip-compressed on its own, so they add up to more than "
            f"the response): {top}; the other {len(outputs) - 4 if len(outputs) > 4 else 0} outputs "
            f"together {sum(v['gzip'] for _, v in outputs[4:]) / KB:,.1f} kB "
            f"of {total / KB:,.1f} kB."]


def switch_timing(switch: dict[str, Any]) -> list[str]:
    """Where the time of a switch goes, from the action to the coloured paint."""
    if not switch.get("n"):
        return []
    return [
        f"- **Switch → painted** (median of {switch['n']}; signal {', '.join(switch.get('signals') or [])}): "
        f"action → map request sent {fmt(switch['request_ms_p50'], 'ms')}, "
        f"request → response (server + loopback) {fmt(switch['response_ms_p50'], 'ms')}, response → coloured "
        f"paint {fmt(switch['client_ms_p50'], 'ms')}; main-thread long tasks before the paint "
        f"{fmt(switch['long_task_ms_p50'], 'ms')}; the app's own mark after "
        f"{fmt(switch.get('mark_ms_p50'), 'ms')}. Every callback of the switch answered after "
        f"{fmt(switch['complete_ms_p50'], 'ms')}."]


def server_times(ours: dict[str, Any]) -> list[str]:
    """Server time per callback in the HTTP replay."""
    by_callback = ours.get("by_callback") or {}
    if not by_callback:
        return []
    return ["- **Server time per callback** (HTTP replay, inputs varied where the indicator is an input): "
            + "; ".join(f"`{k}` p50 {fmt(v['p50_ms'], 'ms')}, p95 {fmt(v['p95_ms'], 'ms')} (n={v['n']}"
                        + ("" if v.get("varied") else ", replayed as captured") + ")"
                        for k, v in by_callback.items()) + "."]


def first_load(ours: dict[str, Any]) -> list[str]:
    """The first load's milestones and bytes."""
    lines: list[str] = []
    milestones = ours.get("first_load_milestones_ms") or {}
    if milestones:
        order = ("dom_content_loaded", "first_callback_requested", "first_callback_response", "plotly_js_requested",
                 "plotly_js_loaded", "scripts_loaded", "plotly_evaluation_started", "plotly_evaluated",
                 "geojson_component_requested", "geojson_component_loaded", "geometry_requested", "geometry_loaded",
                 "polygons_drawn", "first_map_mark", "first_map")
        present = sorted(((k, milestones.get(k)) for k in order if k in milestones),
                         key=lambda kv: (kv[1] is None, kv[1] or 0))
        lines.append("- **First load milestones** (ms after navigation start, last load, in order): " + ", ".join(
            f"{k.replace('_', ' ')} {fmt(v, 'ms')}" for k, v in present)
            + f"; main-thread long tasks before the map {fmt(ours.get('first_map_long_task_ms'), 'ms')}.")
    load = ours.get("first_load_bytes") or {}
    if load:
        lines.append("- **First load bytes** (raw / gzip / transferred): " + "; ".join(
            f"{k.replace('_', ' ')} {fmt(v['raw'], 'bytes')} / {fmt(v['gzip'], 'bytes')} / "
            f"{fmt(v['transferred'], 'bytes')} ({v['count']})" for k, v in load.items()) + ".")
    return lines


def baseline_sizes(theirs: dict[str, Any]) -> list[str]:
    """The baseline's first load and switch response."""
    lines: list[str] = []
    base_load = theirs.get("first_load_bytes") or {}
    if base_load:
        lines.append("- Baseline first load (raw / gzip): " + "; ".join(
            f"{k.replace('_', ' ')} {fmt(v['raw'], 'bytes')} / {fmt(v['gzip'], 'bytes')} ({v['count']})"
            for k, v in base_load.items()) + ".")
    base_outputs = theirs.get("map_callback_outputs") or {}
    if base_outputs:
        lines.append("- Baseline switch response: " + ", ".join(
            f"`{k}` {v['gzip'] / KB:,.1f} kB gzip ({v['raw'] / KB:,.1f} kB raw)" for k, v in base_outputs.items())
            + f"; MapLibre idle after the redraw: {fmt(theirs['switch_summary'].get('idle_ms_p50'), 'ms')}.")
    return lines


def geometry_check(ours: dict[str, Any]) -> list[str]:
    """The served geometry against the source: gaps and overlaps between neighbours."""
    lines: list[str] = []
    check = ours.get("geometry_check") or {}
    if check.get("checked"):
        web, full = check["served"], check["source_full_resolution"]
        new = check["new_overlap_or_edge"] + check["new_narrow_gap"]
        lines.append(
            f"- **Geometry** ({check['polygons']:,} polygons; served {web['vertices']:,} vertices, source "
            f"{full['vertices']:,}): overlapping neighbour pairs > 1 m² {web['overlapping_pairs']} (source "
            f"{full['overlapping_pairs']}); polygons with overlapping or mismatched shared edges "
            f"{web['flagged_overlap_or_edge']} (source {full['flagged_overlap_or_edge']}); bordering an inner gap "
            f"narrower than {check['gap_width_m']:.0f} m {web['flagged_narrow_gap']} (source "
            f"{full['flagged_narrow_gap']}); holes in the union {web['union_holes']} / {web['union_hole_m2']:,.0f} m²"
            f" (source {full['union_holes']} / {full['union_hole_m2']:,.0f} m²). "
            + (f"New between neighbours in the served geometry: {', '.join(new[:8])}. " if new
               else "No gap or overlap between neighbours that the source does not have. ")
            + (f"Already in the source: {', '.join(check['in_source_too'][:8])}. " if check["in_source_too"] else "")
            + (f"Simplification narrowed {len(check['new_narrow_inlet'])} inlet(s) of the outer boundary below "
               f"{check['gap_width_m']:.0f} m (not a gap between neighbours): "
               f"{', '.join(check['new_narrow_inlet'][:6])}." if check.get("new_narrow_inlet") else ""))
    elif check:
        lines.append(f"- Geometry not checked: {check.get('reason')}.")
    return lines


def run_problems(ours: dict[str, Any], theirs: dict[str, Any], switch: dict[str, Any]) -> list[str]:
    """Errors, blocked external requests, console errors, switches that timed out and replay errors."""
    problems = list(ours.get("errors", [])) + list(theirs.get("errors", []))
    if ours.get("external_requests") or theirs.get("external_requests"):
        problems.append(f"external requests attempted (blocked): "
                        f"{(ours.get('external_requests') or []) + (theirs.get('external_requests') or [])}")
    if ours.get("console_errors") or theirs.get("console_errors"):
        problems.append(f"console errors: {(ours.get('console_errors') or []) + (theirs.get('console_errors') or [])}")
    if switch.get("timed_out") or (theirs.get("switch_summary") or {}).get("timed_out"):
        problems.append(f"switches that did not paint within the limit: {switch.get('timed_out')}"
                        + (f", baseline {theirs['switch_summary'].get('timed_out')}" if theirs else ""))
    if ours.get("replay_errors"):
        problems.append(f"HTTP replay errors: {'; '.join(str(e) for e in ours['replay_errors'][:3])}")
    return problems


def slope(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Least-squares line through (areas, value): (intercept, per area)."""
    points = [(x, y) for x, y in points if y is not None]
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    return my - b * mx, b


def scaling(results: dict[str, Any]) -> list[str]:
    rows = [(k, results[k]) for k in results.get("detail", {}) if results.get(k, {}).get("areas")]
    rows.sort(key=lambda kv: kv[1]["areas"])
    if len(rows) < 2:
        return []
    with_main = any("main_switch_to_paint_ms" in row for _, row in rows)
    with_baseline = any("baseline_switch_bytes_gzip" in row for _, row in rows)
    head = ("| dataset | areas | vertices | geometry gzip | switch: map callback gzip | switch: all callbacks gzip "
            "| callback requests | callback p50 / p95 | switch → painted | first map |")
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    if with_main:
        head += " main: switch gzip | main: callback p95 | main: switch → painted | main: first map |"
        rule += "---:|---:|---:|---:|"
    if with_baseline:
        head += " baseline switch gzip | baseline switch → painted |"
        rule += "---:|---:|"
    lines = ["## Scaling", "", head, rule]
    for key, row in rows:
        label = results["detail"][key]["label"]
        line = (
            f"| {label} | {row['areas']:,} | {row.get('geometry_vertices') or 0:,} "
            f"| {fmt(row.get('geometry_bytes_gzip'), 'bytes')} | {fmt(row.get('switch_map_bytes_gzip'), 'bytes')} "
            f"| {fmt(row.get('switch_bytes_gzip'), 'bytes')} | {fmt(row.get('callbacks_per_switch'), 'n')} "
            f"| {fmt(row.get('callback_ms_p50'), 'ms')} / "
            f"{fmt(row.get('callback_ms_p95'), 'ms')} | {fmt(row.get('switch_to_paint_ms'), 'ms')} "
            f"| {fmt(row.get('first_map_ms'), 'ms')} |")
        if with_main:
            line += (f" {fmt(row.get('main_switch_bytes_gzip'), 'bytes')} "
                     f"| {fmt(row.get('main_callback_ms_p95'), 'ms')} "
                     f"| {fmt(row.get('main_switch_to_paint_ms'), 'ms')} | {fmt(row.get('main_first_map_ms'), 'ms')} |")
        if with_baseline:
            line += (f" {fmt(row.get('baseline_switch_bytes_gzip'), 'bytes')} "
                     f"| {fmt(row.get('baseline_switch_to_paint_ms'), 'ms')} |")
        lines.append(line)
    lines.append("")
    fits = []
    for label, key, unit, scale in (
            ("map-callback payload", "switch_map_bytes_gzip", "bytes gzip", 1),
            ("all callbacks of a switch", "switch_bytes_gzip", "bytes gzip", 1),
            ("geometry", "geometry_bytes_gzip", "bytes gzip", 1),
            ("switch → painted", "switch_to_paint_ms", "ms", 1000),
            ("server callback p50", "callback_ms_p50", "ms", 1000),
            ("baseline switch payload", "baseline_switch_bytes_gzip", "bytes gzip", 1)):
        fit = slope([(row["areas"], row.get(key)) for _, row in rows])
        if fit:
            intercept, per_area = fit
            if scale == 1:
                fits.append(f"- {label}: ≈ {intercept:,.0f} + {per_area:,.2f} {unit} per area")
            else:
                fits.append(f"- {label}: ≈ {intercept:,.0f} + {per_area * scale:,.1f} {unit} per 1,000 areas")
    lines += ["Least-squares lines over the datasets above (how cost grows with areas):", "", *fits, ""]
    return lines


def render(results: dict[str, Any]) -> str:
    meta = results["meta"]
    m = meta["machine"]
    lines = [
        "# Sozialmonitor benchmark results",
        "",
        f"Generated by `{meta['command']}` on {meta['date']}; the run took {meta['duration_s'] / 60:.1f} min"
        + (" (**--quick**: fewer repetitions, smaller import — not the committed figures)" if meta["quick"] else "")
        + ". Regenerate with `python bench/run.py` (see [README.md](README.md) for the method).",
        "",
        f"- **Machine**: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; {m['os']}; load average "
        f"{meta['loadavg_before']} before, {meta['loadavg_after']} after",
        f"- **Software**: Python {m['python']}, Chromium {m['chromium']} (headless, software rendering), "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- **Code measured**: commit {m['repo_commit']}",
        f"- **Units**: {meta['units']}. Medians unless a percentile is named.",
        "",
    ]
    compare = meta.get("compare")
    main = f"main ({compare['commit']})" if compare else None
    if compare:
        lines.insert(-2, f"- **Compared with**: {main}, *{compare['subject']}*, measured in the same run")
    lines += comparison(results)
    datasets = [k for k in ("gemeinden", "berlin", "bw_by", "kreise") if k in results.get("detail", {})]
    with_baseline = bool(meta.get("baseline"))
    for key in datasets:
        row = results[key]
        detail = results["detail"][key]
        title = f"## {detail['label']} ({row['areas']:,} areas)" if row.get('areas') else f"## {detail['label']}"
        lines += [title, ""]
        if key == "gemeinden":
            lines += ["The issue's targets apply to these 10,997 areas; verdicts are for the working tree (now).", ""]
        else:
            lines += ["Targets are stated for 10,997 areas; shown here for reference.", ""]
        lines += target_table(row, True, main, with_baseline, run_wide=key == datasets[0])
        lines.append("")
        if key == "gemeinden":
            miss = missed(row)
            lines += (["**Missed targets (now):**", "", *[f"- {x}" for x in miss], ""] if miss
                      else ["All targets met.", ""])
    for key in datasets:
        lines += breakdown(results["detail"][key], "app", "now")
        if main and results["detail"][key].get("main"):
            lines += breakdown(results["detail"][key], "main", main)
    lines += scaling(results)
    lines += [
        "How cost grows with indicators and periods (from what travels, see the breakdowns above):",
        "",
        "- A switch sends the classes and values of **one** indicator and period for every area, plus a legend and "
        "labels of constant size: its payload is O(areas) and independent of how many indicators and periods "
        "the store holds. The period slider's marks (O(periods), a few dozen bytes each) and the indicator "
        "list (O(indicators), sent on frame/level changes only) are the only parts that grow with them.",
        "- The geometry is sent once per level and browser (cached, versioned URL): O(vertices), independent of "
        "indicators and periods.",
        "- Server time per switch: reading one indicator-period from the store and classifying it is O(areas); "
        "the service caches each (indicator, period), so a repeated view costs only classification and "
        "serialisation.",
        "- Import time is O(rows) for observations (see below) plus O(vertices) for the polygons.",
        "- The baseline re-sends the whole GeoJSON on every switch: O(vertices) per switch.",
        "",
    ]
    imp = results.get("imports")
    if imp:
        lines += ["## Import", "",
                  f"{imp['areas']:,} Gemeinde polygons (geodata/deutschland.gpkg) and {imp['rows']:,} synthetic "
                  f"observation rows ({imp['indicators']} indicators × {imp['periods']} periods, long CSV, gzip) "
                  "through the CLI, each step its own `python -m sozialmonitor` process:", "",
                  "| store | import-areas | import-catalogue | import-indicators | total | target |",
                  "|---|---:|---:|---:|---:|---|"]
        for store in ("sqlite", "postgres"):
            r = imp.get(store) or {}
            steps = r.get("steps_s") or {}
            target = "≤ 60 s " + verdict(r.get("total_s"), 60, "≤", "s") if store == "sqlite" else ""
            lines.append(f"| {store} | {fmt(steps.get('import_areas'), 's')} "
                         f"| {fmt(steps.get('import_catalogue'), 's')}"
                         f" | {fmt(steps.get('import_indicators'), 's')} | {fmt(r.get('total_s'), 's')} | {target} |")
            if r.get("error"):
                lines.append(f"| | ⚠ {r['error'][:300]} | | | | |")
        lines.append("")
    setup = meta.get("setup_s") or {}
    if setup:
        names = {"app": "now", "main": main or "main"}
        lines += ["## Setup (not a target)", ""]
        for key, steps in setup.items():
            if isinstance(steps, dict):  # per version
                lines.append(f"- {names.get(key, key)}: " + ", ".join(
                    f"{k.removesuffix('_s').replace('_', ' ')} {v}" + ("" if k == "error" else " s")
                    for k, v in steps.items()))
            else:
                lines.append(f"- {key.replace('_', ' ')}: {steps} s")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("results.json"))
    source.with_name("RESULTS.md").write_text(render(json.loads(source.read_text(encoding="utf-8"))),
                                              encoding="utf-8")
