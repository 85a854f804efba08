"""Figures from the recorded requests and actions: percentiles per request type and per user action, the
API's requests apart, and the goals of the one-request-per-action issue (baseline vs now)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dash_client import Record

from bench.replay import percentile as nearest_rank
from bench.report import meets

CALLBACK_KINDS = ("pages_content", "main", "panels", "table")  # and every "cb:<first output>" (other callbacks)

# The goal table: figure, words, unit, direction, goal (actions per second: at 50 users)
GOALS: tuple[tuple[str, str, str, str, float], ...] = (
    ("cpu_ms_per_action", "server CPU per user action (gunicorn CPU ÷ actions, opens counted)", "ms", "≤", 25.0),
    ("actions_per_s", "user actions per second (goal at 50 users)", "/s", "≥", 40.0),
    ("action_p95_ms", "per user action p95", "ms", "≤", 500.0),
    ("request_p95_ms", "per request p95 (browser users' requests)", "ms", "≤", 300.0),
    ("errors", "errors (browser users' requests)", "", "=", 0.0),
)
GOAL_USERS = 50
# Further figures shown beside the goals (no goal of their own)
EXTRA: tuple[tuple[str, str, str], ...] = (
    ("cpu_ms_per_action_without_api", "server CPU per user action without the API's share (estimate)", "ms"),
    ("cpu_ms_per_action_second_half", "server CPU per user action in the second half (caches warm; API inside)",
     "ms"),
    ("callbacks_per_action", "Dash callback requests per user action", ""),
    ("callback_p95_ms", "Dash callback request p95", "ms"),
    ("requests_per_s", "browser users' requests per second", "/s"),
    ("gunicorn_cpu_s", "gunicorn CPU during the load", "s"),
    ("api_requests_per_s", "API requests per second (not in the figures above)", "/s"),
    ("api_p95_ms", "API request p95", "ms"),
)


def is_callback(kind: str) -> bool:
    return kind in CALLBACK_KINDS or kind.startswith("cb:")


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0…100, as in bench/replay.py), to 0.1 ms."""
    value = nearest_rank(values, q)
    return None if value is None else round(value, 1)


def stats(records: list[Record]) -> dict[str, Any]:
    ms = [r.ms for r in records if r.error is None]
    return {"n": len(records), "errors": sum(1 for r in records if r.error),
            "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99),
            "max_ms": round(max(ms), 1) if ms else None,
            "mean_ms": round(sum(ms) / len(ms), 1) if ms else None,
            "p95_all_ms": percentile([r.ms for r in records], 95)}


def count(items: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return dict(sorted(out.items()))


def summarize(records: list[Record], steps: list[Record]) -> dict[str, Any]:
    kinds = sorted({r.kind for r in records})
    return {
        "overall": stats(records),
        "dash_callbacks": stats([r for r in records if is_callback(r.kind)]),
        "by_type": {k: stats([r for r in records if r.kind == k]) for k in kinds},
        "interactions": {k: stats([s for s in steps if s.kind == k]) for k in sorted({s.kind for s in steps})},
        "interactions_all": stats(steps),
        "status_counts": count(str(r.status) for r in records),
        "errors": count(f"{r.kind}:{r.error}" for r in records if r.error),
        "error_examples": [{"t": r.t, "kind": r.kind, "status": r.status, "error": r.error, "message": r.message}
                           for r in [r for r in records if r.error][:12]],
    }


def summarize_api(records: list[Record], seconds: float) -> dict[str, Any]:
    window = [r for r in records if r.t <= seconds]
    return {"requests": len(records), "requests_per_s": round(len(window) / seconds, 1) if seconds else None,
            "overall": stats(records),
            "by_type": {k: stats([r for r in records if r.kind == k]) for k in sorted({r.kind for r in records})},
            "status_counts": count(str(r.status) for r in records),
            "errors": count(f"{r.kind}:{r.error}" for r in records if r.error),
            "error_examples": [{"t": r.t, "kind": r.kind, "status": r.status, "error": r.error,
                                "message": r.message} for r in [r for r in records if r.error][:8]]}


def figures(phase: dict[str, Any]) -> dict[str, float | None]:
    """The goal figures (and the extra ones) of one measured app."""
    per_action, api = phase.get("per_action") or {}, phase.get("api") or {}
    return {
        "cpu_ms_per_action": per_action.get("cpu_ms"),
        "actions_per_s": phase.get("interactions_per_s"),
        "action_p95_ms": phase["interactions_all"]["p95_ms"],
        "request_p95_ms": phase["overall"]["p95_ms"],
        "errors": phase["overall"]["errors"],
        "cpu_ms_per_action_without_api": per_action.get("cpu_ms_without_api"),
        "cpu_ms_per_action_second_half": per_action.get("cpu_ms_second_half"),
        "callbacks_per_action": per_action.get("callback_requests"),
        "callback_p95_ms": phase["dash_callbacks"]["p95_ms"],
        "requests_per_s": phase.get("throughput_rps"),
        "gunicorn_cpu_s": (phase.get("cpu") or {}).get("gunicorn_s"),
        "api_requests_per_s": api.get("requests_per_s") if api.get("available") else None,
        "api_p95_ms": (api.get("overall") or {}).get("p95_ms") if api.get("available") else None,
    }


def met(key: str, value: float | None, users: int) -> bool | None:
    """Whether a goal is met (None: no value, or actions per second measured with other than 50 users)."""
    goal = next((g for g in GOALS if g[0] == key), None)
    if goal is None or value is None or (key == "actions_per_s" and users != GOAL_USERS):
        return None
    _, _, _, direction, target = goal
    return meets(value, target, direction)


def compare(now: dict[str, Any], baseline: dict[str, Any] | None, users: int) -> list[dict[str, Any]]:
    """Rows of the baseline-vs-now table: the goals first, then the extra figures."""
    a = figures(baseline) if baseline else {}
    b = figures(now)
    rows = []
    for key, words, unit, direction, target in GOALS:
        rows.append({"key": key, "figure": words, "unit": unit, "baseline": a.get(key), "now": b.get(key),
                     "ratio": _ratio(b.get(key), a.get(key)), "goal": f"{direction} {target:g}",
                     "met_now": met(key, b.get(key), users), "met_baseline": met(key, a.get(key), users)})
    for key, words, unit in EXTRA:
        rows.append({"key": key, "figure": words, "unit": unit, "baseline": a.get(key), "now": b.get(key),
                     "ratio": _ratio(b.get(key), a.get(key)), "goal": None, "met_now": None, "met_baseline": None})
    return rows


def _ratio(now: float | None, baseline: float | None) -> float | None:
    if now is None or not baseline:
        return None
    return round(now / baseline, 3)
