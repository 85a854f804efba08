"""The state of one dashboard view and its permalink (the URL query).

Per-user state lives in the URL, never in the server: any worker can serve any request. Parsing is
forgiving: an unknown or malformed value falls back to its default and yields a notice; it never raises.
Whether a frame, level, indicator or period exists is checked later by the service (``Service.resolve``),
which adds notices of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from sozialmonitor.classify import K_RANGE, METHODS

LANGS = ("de", "en")
MODES = ("value", "change")
CHANGES = ("abs", "rel")
VIEWS = ("map", "table")
PANELS = ("series", "ranking", "profile")  # the panels below the map, in page order
MAX_SELECTED = 12


@dataclass(frozen=True)
class Notice:
    """A remark for the user (translated by key)."""

    key: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ViewState:
    frame: str = "berlin"
    level: str = "planungsraum"
    indicator: str = "mss_s4_child_poverty"
    period: str | None = None  # None: the latest period with data
    method: str = "quantiles"
    k: int = 5
    palette: str = "auto"  # "auto": chosen by polarity and mode
    fixed: bool = False  # same breaks for all periods
    breaks: tuple[float, ...] = ()  # manual breaks
    mode: str = "value"  # "change": difference between `base` and `period`
    base: str | None = None
    change: str = "abs"  # abs: difference (percentage points for shares); rel: relative change in %
    selected: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    zoom: float | None = None
    lang: str = "de"
    outline: bool | None = None  # outline of the parent level; None: on unless the level has many areas
    # (sozialmonitor/service.py outline_wanted)
    view: str = "map"  # "table": the accessible table instead of the map
    panels: tuple[str, ...] = PANELS  # open panels: only these are computed and sent


DEFAULT = ViewState()

# query key ↔ field; short keys keep links readable
KEYS = {
    "frame": "frame", "level": "level", "ind": "indicator", "period": "period", "method": "method", "k": "k",
    "palette": "palette", "fixed": "fixed", "breaks": "breaks", "mode": "mode", "base": "base",
    "change": "change", "sel": "selected", "lat": "lat", "lon": "lon", "z": "zoom", "lang": "lang",
    "outline": "outline", "view": "view", "panels": "panels",
}


def _name(raw: str) -> str | None:
    return raw if raw and len(raw) <= 64 else None


def _choice(allowed: tuple[str, ...]) -> Callable[[str], str | None]:
    return lambda raw: raw if raw in allowed else None


def _k(raw: str) -> int | None:
    k = int(raw) if raw.isascii() and raw.isdigit() else -1  # "²".isdigit() is True, int("²") fails
    return k if K_RANGE[0] <= k <= K_RANGE[1] else None


def _palette(raw: str) -> str | None:
    return raw if raw and len(raw) <= 32 and raw.replace("_", "").isalnum() else None


def _bool(raw: str) -> bool | None:
    return {"1": True, "true": True, "0": False, "false": False}.get(raw.lower())


def _float(raw: str, low: float, high: float) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def _breaks(raw: str) -> tuple[float, ...] | None:
    parts = [_float(p, -1e12, 1e12) for p in raw.split("_") if p]
    if not parts or len(parts) > 12 or any(p is None for p in parts):
        return None
    return tuple(sorted({p for p in parts if p is not None}))


def _selected(raw: str) -> tuple[str, ...] | None:
    codes = [c for c in raw.split(",") if c]
    if len(codes) > MAX_SELECTED or any(len(c) > 64 for c in codes):
        return None
    return tuple(dict.fromkeys(codes))


def _panels(raw: str) -> tuple[str, ...] | None:
    names = [p for p in raw.split(",") if p]
    if any(p not in PANELS for p in names):
        return None
    return tuple(p for p in PANELS if p in names)  # page order, no repeats


PARSERS: dict[str, Callable[[str], object | None]] = {
    "frame": _name, "level": _name, "indicator": _name, "period": _name, "base": _name,
    "method": _choice(METHODS), "k": _k, "palette": _palette, "fixed": _bool, "outline": _bool,
    "breaks": _breaks, "mode": _choice(MODES), "change": _choice(CHANGES), "view": _choice(VIEWS),
    "lang": _choice(LANGS), "selected": _selected, "panels": _panels,
    "lat": lambda raw: _float(raw, -90, 90), "lon": lambda raw: _float(raw, -180, 180),
    "zoom": lambda raw: _float(raw, 0, 22),
}


def parse_query(query: str, default: ViewState = DEFAULT) -> tuple[ViewState, list[Notice]]:
    """Read a view from a URL query (``?frame=berlin&ind=…``, with or without the ``?``)."""
    notices: list[Notice] = []
    values: dict[str, object] = {}
    for key, items in parse_qs(query.lstrip("?"), keep_blank_values=True).items():
        if key not in KEYS:
            notices.append(Notice("unknown_param", {"param": key[:40]}))
            continue
        raw = items[-1].strip()
        value = PARSERS[KEYS[key]](raw)
        if value is None:
            notices.append(Notice("bad_param", {"param": key, "value": raw[:60]}))
        else:
            values[KEYS[key]] = value
    return replace(default, **values), notices  # type: ignore[arg-type]


def _number(value: float) -> str:
    return repr(round(value, 6)).removesuffix(".0") if value == value else ""


def to_query(state: ViewState, default: ViewState = DEFAULT) -> str:
    """The URL query of a view; defaults are left out, so links stay short."""
    pairs: list[tuple[str, str]] = []
    for key, name in KEYS.items():
        value = getattr(state, name)
        if value == getattr(default, name) or value is None:
            continue
        if isinstance(value, bool):
            text = "1" if value else "0"
        elif name == "breaks":
            text = "_".join(_number(v) for v in value)
        elif name in ("selected", "panels"):
            text = ",".join(value)
        elif isinstance(value, float):
            text = _number(value)
        else:
            text = str(value)
        pairs.append((key, text))
    return urlencode(pairs, safe=",_-.")


def _part_keys(state: ViewState) -> dict[str, object]:
    """Each part of the page and the fields it depends on (``None``: not visible, nothing to compute)."""
    picture = replace(state, selected=(), lat=None, lon=None, zoom=None, view="map", panels=())
    return {
        "map": picture,
        "structure": (state.frame, state.level, state.lang),
        "selection": (state.frame, state.level, state.selected),
        "series": (state.frame, state.level, state.indicator, state.mode, state.base, state.change, state.lang,
                   state.selected) if "series" in state.panels else None,
        "ranking": (picture, state.selected) if "ranking" in state.panels and state.view == "map" else None,
        "profile": (state.frame, state.level, state.lang, state.selected[-1:]) if "profile" in state.panels else None,
        "table": picture if state.view == "table" else None,
    }


def visible_parts(state: ViewState) -> frozenset[str]:
    """What a page showing ``state`` computes: the map and every open panel (or the table)."""
    return frozenset(name for name, key in _part_keys(state).items() if key is not None)


def changed_parts(previous: ViewState, state: ViewState) -> frozenset[str]:
    """What a switch from ``previous`` to ``state`` changes for what is visible, so that an answer carries only
    that: a map click recomputes the panels that show the selection, not the map; a new period the map and
    ranking, not the time series."""
    before, after = _part_keys(previous), _part_keys(state)
    return frozenset(name for name, key in after.items() if key is not None and key != before[name])
