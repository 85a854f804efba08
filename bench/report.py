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

# (label, key, baseline key, limit, unit, how it compares) — the targets at 10,997 areas
TARGETS: tuple[tuple[str, str, str | None, float | None, str, str], ...] = (
    ("Bytes per indicator/period switch (gzip, all callbacks)", "switch_bytes_gzip", "baseline_switch_bytes_gzip",
     25 * KB, "bytes", "≤"),
    ("… of which the map callback", "switch_map_bytes_gzip", "baseline_switch_bytes_gzip", 25 * KB, "bytes", "≤"),
    ("Switch payload vs baseline (times smaller)", "switch_bytes_ratio", None, 50, "x", "≥"),
    ("… map callback only vs baseline", "switch_map_bytes_ratio", None, 50, "x", "≥"),
    ("Server callback time p50", "callback_ms_p50", "baseline_callback_ms_p50", None, "ms", "≤"),
    ("Server callback time p95 (map callback)", "callback_ms_p95", "baseline_callback_ms_p95", 50, "ms", "≤"),
    ("Switch → painted, median", "switch_to_paint_ms", "baseline_switch_to_paint_ms", 400, "ms", "≤"),
    ("Switch → painted, p95", "switch_to_paint_ms_p95", "baseline_switch_to_paint_ms_p95", None, "ms", "≤"),
    ("Switch → every panel updated, median", "switch_complete_ms", None, None, "ms", "≤"),
    ("First coloured map (navigation start →)", "first_map_ms", "baseline_first_map_ms", 3000, "ms", "≤"),
    ("… first visitor after the worker started (cold server caches)", "first_map_cold_server_ms", None, None, "ms",
     "≤"),
    ("Whole first load (gzip)", "page_bytes_gzip", "baseline_page_bytes_gzip", None, "bytes", "≤"),
    ("Geometry (gzip)", "geometry_bytes_gzip", "baseline_geometry_bytes_gzip", 1.5 * MB, "bytes", "≤"),
    ("Geometry adds no gaps/overlaps to the source's", "geometry_clean_coverage", None, None, "bool", "="),
    ("Import 11k polygons + 1 M rows, SQLite", "import_s_sqlite", None, 60, "s", "≤"),
    ("Import 11k polygons + 1 M rows, PostgreSQL", "import_s_postgres", None, None, "s", "≤"),
    ("One app worker, resident memory (all demo frames; 500 MB = 477 MiB)", "worker_rss_mb", None, 500e6 / 2**20,
     "MB", "≤"),
)


def fmt(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "bool":
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
    return str(value)


def verdict(value: Any, limit: float | None, how: str, unit: str) -> str:
    if unit == "bool":
        return "–" if value is None else ("met" if value else "**missed**")
    if limit is None:
        return ""
    if value is None:
        return "not measured"
    ok = value <= limit if how == "≤" else value >= limit
    return "met" if ok else "**missed**"


def target_table(row: dict[str, Any], with_targets: bool) -> list[str]:
    lines = ["| figure | Sozialmonitor | baseline | baseline ÷ ours | target | |",
             "|---|---:|---:|---:|---:|---|"]
    for label, key, base_key, limit, unit, how in TARGETS:
        if key not in row:
            continue
        ours = row.get(key)
        theirs = row.get(base_key) if base_key else None
        ratio = ""
        if isinstance(ours, int | float) and isinstance(theirs, int | float) and ours and unit != "x":
            ratio = f"{theirs / ours:,.1f}×"
        target = f"{how} {fmt(limit, unit)}" if limit is not None else ("clean" if unit == "bool" else "")
        mark = verdict(ours, limit, how, unit) if with_targets else ""
        lines.append(f"| {label} | {fmt(ours, unit)} | {fmt(theirs, unit) if base_key else ''} | {ratio} "
                     f"| {target} | {mark} |")
    return lines


def missed(row: dict[str, Any]) -> list[str]:
    out = []
    for label, key, _, limit, unit, how in TARGETS:
        value = row.get(key)
        if verdict(value, limit, how, unit) == "**missed**":
            out.append(f"{label}: {fmt(value, unit)} (target {how} {fmt(limit, unit) if limit else 'clean'})")
    return out


def breakdown(name: str, detail: dict[str, Any]) -> list[str]:
    ours, theirs = detail["app"], detail["baseline"]
    lines = [f"### Where bytes and time go: {detail['label']}", ""]
    switch = ours["switch_summary"]
    callbacks: dict[str, list[int]] = {}
    for s in ours.get("switches", []):
        for c in s["callbacks"]:
            callbacks.setdefault(c["callback"], []).append(c["gzip"])
    if callbacks:
        parts = ", ".join(f"`{k}` {sorted(v)[len(v) // 2] / KB:,.1f} kB" for k, v in
                          sorted(callbacks.items(), key=lambda kv: -max(kv[1])))
        lines.append(f"- **Callbacks per switch** (gzip, median, named by their first output): {parts}.")
    outputs = sorted(ours.get("map_callback_outputs", {}).items(), key=lambda kv: -kv[1]["gzip"])
    if outputs:
        total = sum(v["gzip"] for _, v in outputs) or 1
        top = ", ".join(f"`{k}` {v['gzip'] / KB:,.1f} kB ({v['raw'] / KB:,.1f} kB raw)" for k, v in outputs[:4])
        lines.append(f"- **Map callback outputs** (each gzip-compressed on its own, so they add up to more than "
                     f"the response): {top}; the other {len(outputs) - 4 if len(outputs) > 4 else 0} outputs "
                     f"together {sum(v['gzip'] for _, v in outputs[4:]) / KB:,.1f} kB "
                     f"of {total / KB:,.1f} kB.")
    if switch.get("n"):
        lines.append(
            f"- **Switch → painted** (median of {switch['n']}): action → map request sent "
            f"{fmt(switch['request_ms_p50'], 'ms')}, "
            f"request → response (server + loopback) {fmt(switch['response_ms_p50'], 'ms')}, response → every "
            f"feature styled {fmt(switch['client_ms_p50'], 'ms')}; main-thread long tasks before the paint "
            f"{fmt(switch['long_task_ms_p50'], 'ms')}. Every callback of the switch answered after "
            f"{fmt(switch['complete_ms_p50'], 'ms')}.")
    others = ours.get("other_callbacks") or {}
    if others:
        lines.append("- **Further callbacks per switch, server time** (HTTP replay): " + "; ".join(
            f"`{k}` p50 {fmt(v['p50_ms'], 'ms')}, p95 {fmt(v['p95_ms'], 'ms')}" for k, v in others.items()) + ".")
    milestones = ours.get("first_load_milestones_ms") or {}
    if milestones:
        order = ("dom_content_loaded", "first_callback_requested", "first_callback_response", "scripts_loaded",
                 "plotly_js_loaded", "geometry_requested", "geometry_loaded", "first_map")
        lines.append("- **First load milestones** (ms after navigation start, last load): " + ", ".join(
            f"{k.replace('_', ' ')} {fmt(milestones.get(k), 'ms')}" for k in order if k in milestones)
            + f"; main-thread long tasks before the map {fmt(ours.get('first_map_long_task_ms'), 'ms')}.")
    load = ours.get("first_load_bytes") or {}
    if load:
        lines.append("- **First load bytes** (raw / gzip / transferred): " + "; ".join(
            f"{k.replace('_', ' ')} {fmt(v['raw'], 'bytes')} / {fmt(v['gzip'], 'bytes')} / "
            f"{fmt(v['transferred'], 'bytes')} ({v['count']})" for k, v in load.items()) + ".")
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
    problems = ours.get("errors", []) + theirs.get("errors", [])
    if ours.get("external_requests") or theirs.get("external_requests"):
        problems.append(f"external requests attempted (blocked): "
                        f"{(ours.get('external_requests') or []) + (theirs.get('external_requests') or [])}")
    if ours.get("console_errors") or theirs.get("console_errors"):
        problems.append(f"console errors: {(ours.get('console_errors') or []) + (theirs.get('console_errors') or [])}")
    if switch.get("timed_out") or theirs["switch_summary"].get("timed_out"):
        problems.append(f"switches that did not paint within the limit: ours {switch.get('timed_out')}, "
                        f"baseline {theirs['switch_summary'].get('timed_out')}")
    for problem in problems:
        lines.append(f"- ⚠ {problem}")
    return [*lines, ""]


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
    lines = ["## Scaling", "",
             "| dataset | areas | vertices | geometry gzip | switch: map callback gzip | switch: all callbacks gzip "
             "| callback p50 / p95 | switch → painted | first map | baseline switch gzip | baseline switch → painted |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, row in rows:
        label = results["detail"][key]["label"]
        lines.append(
            f"| {label} | {row['areas']:,} | {row.get('geometry_vertices') or 0:,} "
            f"| {fmt(row.get('geometry_bytes_gzip'), 'bytes')} | {fmt(row.get('switch_map_bytes_gzip'), 'bytes')} "
            f"| {fmt(row.get('switch_bytes_gzip'), 'bytes')} | {fmt(row.get('callback_ms_p50'), 'ms')} / "
            f"{fmt(row.get('callback_ms_p95'), 'ms')} | {fmt(row.get('switch_to_paint_ms'), 'ms')} "
            f"| {fmt(row.get('first_map_ms'), 'ms')} | {fmt(row.get('baseline_switch_bytes_gzip'), 'bytes')} "
            f"| {fmt(row.get('baseline_switch_to_paint_ms'), 'ms')} |")
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
    datasets = [k for k in ("gemeinden", "berlin", "bw_by", "kreise") if k in results.get("detail", {})]
    for key in datasets:
        row = results[key]
        detail = results["detail"][key]
        title = f"## {detail['label']} ({row.get('areas') or '?'} areas)"
        lines += [title, ""]
        if key == "gemeinden":
            lines += ["The issue's targets apply to these 10,997 areas.", ""]
        else:
            lines += ["Targets are stated for 10,997 areas; shown here for reference.", ""]
        lines += target_table(row, with_targets=True)
        lines.append("")
        if key == "gemeinden":
            miss = missed(row)
            lines += (["**Missed targets:**", "", *[f"- {x}" for x in miss], ""] if miss
                      else ["All targets met.", ""])
    for key in datasets:
        lines += breakdown(key, results["detail"][key])
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
        lines += ["## Setup (not a target)", "",
                  ", ".join(f"{k.replace('_', ' ')}: {v} s" for k, v in setup.items()), ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("results.json"))
    source.with_name("RESULTS.md").write_text(render(json.loads(source.read_text(encoding="utf-8"))),
                                              encoding="utf-8")
