"""What the web app calls: plain functions over the store that return frozen dataclasses.

Every rule the dashboard shows — which indicators and periods exist on a level, classification, colours,
reference values, ranks, profiles, changes — is decided here, testable without a browser. Callbacks only
unpack inputs, call one method and hand the result to a layout function.

Caching: values that depend only on the store's content are cached per process and dropped whenever
the store's generation counter (bumped by every import) changes, so several workers stay consistent.
Nothing per user is kept here: the view lives in the URL.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from sozialmonitor import frames as frames_mod
from sozialmonitor.access import PUBLIC, Audience, disclose, may_see, primary
from sozialmonitor.aggregate import empty_frame, needed_indicators, roll_up
from sozialmonitor.cache import Cache, LocalCache, cached, key_of
from sozialmonitor.catalogue import IndicatorSpec, load_specs
from sozialmonitor.classify import Classification, classify
from sozialmonitor.formatting import decimals_for_breaks, format_number, format_range, format_value
from sozialmonitor.frames import LevelInfo
from sozialmonitor.geometry import from_wkb
from sozialmonitor.i18n import t
from sozialmonitor.model import Area, Frame, Indicator, Observation
from sozialmonitor.observations import child_level, own_series
from sozialmonitor.palettes import DIVERGING, SEQUENTIAL, colours, for_indicator
from sozialmonitor.store import Store, frame_generations, generation
from sozialmonitor.view import Notice, ViewState, to_query
from sozialmonitor.vocab import Aggregation, Polarity, Scale

INLINE_VALUES = 3000  # areas up to which a switch carries the values for tooltips (see MapData.hideout)
NO_DATA = -1
SUPPRESSED = -2
SUPPRESSED_STATUSES = frozenset({"secret"})
VALUE_STATUSES = frozenset({"ok", "provisional", "unreliable"})
FRAME_REFERENCE = "__frame__"
CACHE_VERSION = 1  # part of every shared key: bump when a cached result's shape changes

T = TypeVar("T")


# --- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class IndicatorOption:
    id: str
    label: str
    topic: str
    search: str  # German and English names, for the picker's search


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str
    count: int
    kind: str  # "class", "no_data" or "suppressed"


@dataclass(frozen=True)
class AreaTable:
    codes: tuple[str, ...]
    names: tuple[str, ...]
    index: dict[str, int]
    parents: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class MapData:
    state: ViewState
    title: str
    unit: str
    decimals: int
    codes: tuple[str, ...]
    names: tuple[str, ...]
    values: tuple[float | None, ...]
    statuses: tuple[str, ...]
    classes: tuple[int, ...]
    palette: tuple[str, ...]
    classification: Classification
    legend: tuple[LegendEntry, ...]
    reference: float | None
    reference_label: str
    derived_from: str | None
    notices: tuple[Notice, ...]
    geometry_url: str
    outline_url: str | None

    def hideout(self) -> dict[str, Any]:
        """What the map's style function needs, aligned to the geometry's feature order ``i``. Above
        ``INLINE_VALUES`` areas the values stay on the server and a tooltip asks for its area's value and
        rank when it opens (``tq``: the view's query for ``/tooltip``) — a switch then carries classes only."""
        lazy = len(self.codes) > INLINE_VALUES
        return {
            "cls": list(self.classes),
            "tq": to_query(replace(self.state, selected=(), lat=None, lon=None, zoom=None)) if lazy else None,
            # display precision is all the tooltip shows (and ranks use): fewer bytes per switch
            "val": None if lazy else [None if v is None else (round(v) if self.decimals <= 0 else round(
                v, self.decimals)) for v in self.values],
            "colors": list(self.palette),
            "unit": self.unit,
            "dec": self.decimals,
            "lang": self.state.lang,
            "n": sum(1 for c in self.classes if c >= 0),
            "sel": sorted(self.codes_index(self.state.selected)),
            "labels": {"no_data": t("no_data", self.state.lang), "suppressed": t("suppressed", self.state.lang),
                       "rank": t("rank", self.state.lang, rank="{rank}", n="{n}")},
            "geo": self.geometry_url,
        }

    def codes_index(self, codes: Sequence[str]) -> list[int]:
        lookup = {c: i for i, c in enumerate(self.codes)}
        return [lookup[c] for c in codes if c in lookup]


@dataclass(frozen=True)
class SeriesLine:
    code: str
    name: str
    periods: tuple[str, ...]
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class SeriesData:
    title: str
    unit: str
    decimals: int
    periods: tuple[str, ...]
    lines: tuple[SeriesLine, ...]
    reference: SeriesLine | None
    band_low: tuple[float | None, ...]
    band_high: tuple[float | None, ...]
    lang: str


@dataclass(frozen=True)
class RankingData:
    title: str
    unit: str
    decimals: int
    codes: tuple[str, ...]  # sorted by value, highest first
    names: tuple[str, ...]
    values: tuple[float, ...]
    colours: tuple[str, ...]
    selected: frozenset[str]
    reference: float | None
    reference_label: str
    lang: str


@dataclass(frozen=True)
class ProfileRow:
    indicator: str
    label: str
    topic: str
    period: str
    value: str
    reference: str
    difference: str
    assessment: str  # "better", "similar", "worse", "higher", "lower" or ""
    z: float | None  # standardised difference, for the spine chart


@dataclass(frozen=True)
class ProfileData:
    code: str
    name: str
    rows: tuple[ProfileRow, ...]
    lang: str


@dataclass(frozen=True)
class IndicatorInfo:
    spec: IndicatorSpec
    latest: str | None
    geometry_source: str
    geometry_licence: str


@dataclass(frozen=True)
class ViewModel:
    """Everything the page shows for one view, except the panels computed on demand."""

    state: ViewState
    notices: tuple[Notice, ...]
    frames: tuple[Option, ...]
    levels: tuple[Option, ...]
    indicators: tuple[IndicatorOption, ...]
    periods: tuple[str, ...]
    map: MapData | None
    bounds: tuple[tuple[float, float], tuple[float, float]] | None
    info: IndicatorInfo | None


@dataclass(frozen=True)
class Panels:
    """The panels of a view that an answer carries: ``None`` where nothing is to be sent (closed or unchanged).
    ``profile`` is ``None`` also when it is to be sent but no area is selected (the layout shows a hint)."""

    series: SeriesData | None = None
    ranking: RankingData | None = None
    profile: ProfileData | None = None
    table: pd.DataFrame | None = None


@dataclass(frozen=True)
class GeometryPayload:
    gzip_body: bytes
    etag: str
    raw_bytes: int


# --- formatting helpers ----------------------------------------------------------------------------

def period_label(period: str, lang: str) -> str:
    """``2018-12-31`` → ``31.12.2018`` (de) / ``31 Dec 2018``? — keep it unambiguous: de ``31.12.2018``,
    en ``2018-12-31``; years stay as they are."""
    if len(period) == 10 and lang != "en":
        year, month, day = period.split("-")
        return f"{day}.{month}.{year}"
    return period


def _unit(spec: IndicatorSpec, lang: str) -> str:
    return spec.unit_en if lang == "en" and spec.unit_en else spec.unit


def _topic(spec: IndicatorSpec, lang: str) -> str:
    return spec.topic_en if lang == "en" and spec.topic_en else spec.topic


def _finite(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


# --- the service -----------------------------------------------------------------------------------

class Service:
    """What the web app calls. Two caches, kept apart so that a burst of views never evicts the structure:

    - **structure** (catalogue, frames, levels, area tables, geometry, bounds): per process, small, rebuilt
      when an import has changed the store (its generation counter);
    - **shared** (:mod:`sozialmonitor.cache`: values, maps, series, profiles): keyed by the frame's data
      generation, the audience class where it matters and the normalised view, so every anonymous visitor —
      on any worker, with Redis on any machine — shares one entry. No table of all observations is held.
    """

    def __init__(self, store: Store, cache: Cache | None = None) -> None:
        self.store = store
        self.cache: Cache = cache if cache is not None else LocalCache()
        self._structure: dict[tuple[Any, ...], Any] = {}
        self._generation = -1
        self._frame_generations: dict[str, int] = {}
        self._lock = threading.Lock()

    # caching ---------------------------------------------------------------------------------------
    def _local(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """Structure of the store, kept per process until the next import."""
        with self._lock:
            if key in self._structure:
                return self._structure[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._structure[key] = value
        return value

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """A computed result in the shared cache; ``key[1]`` names the frame whose generation it depends on
        (``None``: the whole store's)."""
        frame = key[1] if len(key) > 1 and isinstance(key[1], str) else None
        version = self._frame_generations.get(frame, self._generation) if frame else self._generation
        return cached(self.cache, key_of(CACHE_VERSION, frame, version, *key), compute)

    def refresh(self) -> None:
        """Read the store's generations (one small query): after an import the structure is reloaded and the
        shared entries of the changed frames are no longer found."""
        with self.store.session() as session:
            current = generation(session)
            per_frame = frame_generations(session) if current != self._generation else None
        if per_frame is not None:
            with self._lock:
                self._structure.clear()
                self._generation = current
                self._frame_generations = per_frame

    # catalogue and structure ------------------------------------------------------------------------
    def specs(self) -> dict[str, IndicatorSpec]:
        def load() -> dict[str, IndicatorSpec]:
            with self.store.session() as session:
                return load_specs(session)
        return self._local(("specs",), load)

    def frames(self, lang: str, audience: Audience = PUBLIC) -> list[Option]:
        """Frames with at least one level the audience may see."""
        def load() -> list[tuple[str, str, str]]:
            with self.store.session() as session:
                return [(f.id, f.name_de, f.name_en) for f in session.scalars(select(Frame).order_by(Frame.id))]
        return [Option(i, en if lang == "en" else de) for i, de, en in self._local(("frames",), load)
                if self.visible_levels(i, audience)]

    def visible_levels(self, frame: str, audience: Audience) -> list[LevelInfo]:
        return [i for i in self.level_infos(frame) if may_see(audience, i.visibility)]

    def may_see_level(self, frame: str, level: str, audience: Audience) -> bool:
        return any(i.key == level for i in self.visible_levels(frame, audience))

    def may_see_indicator(self, indicator: str, audience: Audience) -> bool:
        spec = self.specs().get(indicator)
        return spec is not None and may_see(audience, spec.visibility)

    def _check(self, state: ViewState, audience: Audience) -> None:
        """Refuse a view the audience may not see, whatever request the browser crafted."""
        if not (self.may_see_level(state.frame, state.level, audience)
                and self.may_see_indicator(state.indicator, audience)):
            raise NotVisible(f"{state.frame}/{state.level}/{state.indicator}")

    def _frame_name(self, frame: str, lang: str) -> str:
        return next((o.label for o in self.frames(lang) if o.value == frame), frame)

    def level_infos(self, frame: str) -> list[LevelInfo]:
        def load() -> list[LevelInfo]:
            with self.store.session() as session:
                return frames_mod.levels(session, frame)
        return self._local(("levels", frame), load)

    def level_info(self, frame: str, level: str) -> LevelInfo:
        for info in self.level_infos(frame):
            if info.key == level:
                return info
        raise KeyError(level)

    def levels(self, frame: str, lang: str, audience: Audience = PUBLIC) -> list[Option]:
        # finest level first: that is what planners look at most
        return [Option(i.key, i.name(lang)) for i in reversed(self.visible_levels(frame, audience))]

    def areas(self, frame: str, level: str) -> AreaTable:
        def load() -> AreaTable:
            info = self.level_info(frame, level)
            parent = aliased(Area)
            with self.store.session() as session:
                rows = session.execute(
                    select(Area.code, Area.name, parent.code.label("parent"))
                    .outerjoin(parent, parent.id == Area.parent_id)
                    .where(Area.level_id == info.id).order_by(Area.code)).all()
            codes = tuple(r.code for r in rows)
            return AreaTable(codes, tuple(r.name for r in rows), {c: i for i, c in enumerate(codes)},
                             tuple(r.parent for r in rows))
        return self._local(("areas", frame, level), load)

    def availability(self, frame: str, level: str) -> dict[str, tuple[str, ...]]:
        """Indicator id → periods with data on this level (own data, or derivable from the child level)."""
        def load() -> dict[str, tuple[str, ...]]:
            info = self.level_info(frame, level)
            with self.store.session() as session:
                rows = session.execute(
                    select(Observation.indicator_id, Observation.period).distinct()
                    .join(Area, Area.id == Observation.area_id).where(Area.level_id == info.id)).all()
                child = child_level(session, info)
            own: dict[str, set[str]] = {}
            for indicator_id, period in rows:
                own.setdefault(indicator_id, set()).add(period)
            if child is not None:
                below = self.availability(frame, child.key)
                specs = self.specs()
                for indicator_id, periods in below.items():
                    spec = specs.get(indicator_id)
                    if spec is None or indicator_id in own or spec.aggregation == Aggregation.NONE:
                        continue
                    needed = needed_indicators(spec)
                    usable = set(periods)
                    if spec.aggregation == Aggregation.MEAN and spec.denominator:
                        usable &= set(below.get(spec.denominator, ()))
                    if needed and usable:
                        own[indicator_id] = usable
            return {k: tuple(sorted(v)) for k, v in own.items()}
        return self._local(("availability", frame, level), load)

    def indicator_options(self, frame: str, level: str, lang: str, audience: Audience = PUBLIC) -> list[
            IndicatorOption]:
        specs = self.specs()
        available = [i for i in self.availability(frame, level) if self.may_see_indicator(i, audience)]
        options = [
            IndicatorOption(i, specs[i].name(lang), _topic(specs[i], lang),
                            f"{specs[i].name_de} {specs[i].name_en} {i}")
            for i in available if i in specs
        ]
        return sorted(options, key=lambda o: (o.topic.casefold(), o.label.casefold()))

    def periods(self, frame: str, level: str, indicator: str) -> tuple[str, ...]:
        return self.availability(frame, level).get(indicator, ())

    # resolving a view ------------------------------------------------------------------------------
    def resolve(self, state: ViewState, audience: Audience = PUBLIC) -> tuple[ViewState, list[Notice]]:
        """Make a parsed view valid against the store and the audience; every fallback is explained by a
        notice. What the audience may not see is treated exactly like what does not exist."""
        notices: list[Notice] = []
        frame_ids = [o.value for o in self.frames(state.lang, audience)]
        if not frame_ids:
            return state, [Notice("no_indicators")]
        if state.frame not in frame_ids:
            used = "berlin" if "berlin" in frame_ids else frame_ids[0]
            notices.append(Notice("unknown_frame", {"value": state.frame, "used": used}))
            state = replace(state, frame=used, level="", selected=())
        level_keys = [i.key for i in self.visible_levels(state.frame, audience)]
        if state.level not in level_keys:
            used = level_keys[-1]
            if state.level:
                notices.append(Notice("unknown_level", {"value": state.level, "used": used}))
            state = replace(state, level=used, selected=())
        available = {i: p for i, p in self.availability(state.frame, state.level).items()
                     if self.may_see_indicator(i, audience)}
        if not available:
            return state, [*notices, Notice("no_indicators")]
        if state.indicator not in available:
            used = self._default_indicator(state.frame, state.level, audience)
            notices.append(Notice("unknown_indicator", {"value": state.indicator, "used": used}))
            state = replace(state, indicator=used, period=None, base=None)
        periods = available[state.indicator]
        if state.period not in periods:
            if state.period is not None:
                notices.append(Notice("unknown_period", {"value": period_label(state.period, state.lang),
                                                         "used": period_label(periods[-1], state.lang)}))
            state = replace(state, period=periods[-1])
        if state.mode == "change":
            earlier = [p for p in periods if p < (state.period or "")]
            if state.base not in periods or state.base == state.period:
                if not earlier:
                    notices.append(Notice("no_base_period"))
                    state = replace(state, mode="value", base=None)
                else:
                    state = replace(state, base=earlier[0])
        if state.palette != "auto" and state.palette not in SEQUENTIAL + DIVERGING:
            notices.append(Notice("unknown_palette", {"value": state.palette}))
            state = replace(state, palette="auto")
        if state.method == "manual" and not state.breaks:
            state = replace(state, method="quantiles")
        if state.selected:
            known = self.areas(state.frame, state.level).index
            kept = tuple(c for c in state.selected if c in known)
            if len(kept) != len(state.selected):
                notices.append(Notice("unknown_areas_dropped", {"n": str(len(state.selected) - len(kept))}))
                state = replace(state, selected=kept)
        return state, notices

    def _default_indicator(self, frame: str, level: str, audience: Audience) -> str:
        available = [i for i in self.availability(frame, level) if self.may_see_indicator(i, audience)]
        preferred = ("mss_s4_child_poverty", "pop_share_age_below_6", "inkar_unemployment_rate", "gem_density",
                     "gem_population")
        return next((p for p in preferred if p in available), sorted(available)[0])

    def view(self, state: ViewState, audience: Audience = PUBLIC, notices: Sequence[Notice] = ()) -> ViewModel:
        """Resolve a view for an audience and compute what the page shows for it (one call per callback)."""
        self.refresh()
        resolved, more = self.resolve(state, audience)
        all_notices = (*notices, *more)
        frames = tuple(self.frames(resolved.lang, audience))
        if not frames or not any(self.may_see_indicator(i, audience)
                                 for i in self.availability(resolved.frame, resolved.level)):
            return ViewModel(resolved, all_notices, frames, (), (), (), None, None, None)
        data = self.map_data(resolved, audience, all_notices)
        return ViewModel(
            resolved, data.notices, frames, tuple(self.levels(resolved.frame, resolved.lang, audience)),
            tuple(self.indicator_options(resolved.frame, resolved.level, resolved.lang, audience)),
            self.periods(resolved.frame, resolved.level, resolved.indicator), data,
            self.bounds(resolved.frame, resolved.level), self.indicator_info(resolved, audience))

    def bounds(self, frame: str, level: str) -> tuple[tuple[float, float], tuple[float, float]]:
        """``((south, west), (north, east))`` of a level, for fitting the map."""
        def load() -> tuple[tuple[float, float], tuple[float, float]]:
            info = self.level_info(frame, level)
            with self.store.session() as session:
                blobs = session.scalars(select(Area.geom_web).where(Area.level_id == info.id)).all()
            minx, miny, maxx, maxy = shapely.total_bounds(np.array([from_wkb(b) for b in blobs]))
            return (float(miny), float(minx)), (float(maxy), float(maxx))
        return self._local(("bounds", frame, level), load)

    # values -----------------------------------------------------------------------------------------
    def own_series(self, frame: str, level: str, indicator: str) -> dict[str, pd.DataFrame]:
        """The level's own observations of one indicator, every period, with one query (a switch to an
        indicator then reads its series at once), indexed by area code; kept in the shared cache."""
        def load() -> dict[str, pd.DataFrame]:
            info = self.level_info(frame, level)
            with self.store.session() as session:
                table = own_series(session, info, indicator)
            return {str(p): part.drop(columns="period") for p, part in table.groupby("period", sort=True)}
        return self._cached(("own", frame, level, indicator), load)

    def values(self, frame: str, level: str, indicator: str, period: str) -> tuple[pd.DataFrame, bool]:
        """Observations of a level indexed by area code, and whether they were derived: the level's own
        data, or — where it has none — values rolled up from the child level by the catalogue rule
        (``aggregate.roll_up``, the same rule as ``observations.level_values``)."""
        def load() -> tuple[pd.DataFrame, bool]:
            own = self.own_series(frame, level, indicator).get(period)
            if own is not None:
                return own, False
            spec = self.specs().get(indicator)
            child = next((i for i in self.level_infos(frame) if i.parent_key == level), None)
            if spec is None or child is None or spec.aggregation == Aggregation.NONE:
                return empty_frame(), False
            tables = {i: self.values(frame, child.key, i, period)[0] for i in needed_indicators(spec)}
            if all(t.empty for t in tables.values()):
                return empty_frame(), True
            areas = self.areas(frame, child.key)
            children = pd.Series(areas.parents, index=list(areas.codes)).dropna()
            return roll_up(spec, children, tables), True
        return self._cached(("values", frame, level, indicator, period), load)

    def shown(self, frame: str, level: str, indicator: str, period: str) -> pd.DataFrame:
        """The values that may be published: disclosure control applied (see ``access``)."""
        def load() -> pd.DataFrame:
            raw = self.values(frame, level, indicator, period)[0]
            spec = self.specs().get(indicator)
            if spec is None:
                return raw
            areas = self.areas(frame, level)
            groups = pd.Series([p if p is not None else FRAME_REFERENCE for p in areas.parents],
                               index=list(areas.codes))
            return disclose(raw, spec, groups)
        return self._cached(("shown", frame, level, indicator, period), load)

    def reference(self, frame: str, level: str, indicator: str, period: str) -> float | None:
        """The whole frame's value by the catalogue rule (never a plain mean of shares)."""
        def load() -> float | None:
            spec = self.specs().get(indicator)
            if spec is None or spec.aggregation == Aggregation.NONE:
                return None
            codes = self.areas(frame, level).codes
            children = pd.Series(FRAME_REFERENCE, index=list(codes))
            tables = {i: self.values(frame, level, i, period)[0] for i in needed_indicators(spec)}
            out = roll_up(spec, children, tables)
            if out.empty or FRAME_REFERENCE not in out.index or bool(primary(out, spec).loc[FRAME_REFERENCE]):
                return None  # no total, or a total too small to publish
            return _finite(out.loc[FRAME_REFERENCE, "value"])
        return self._cached(("reference", frame, level, indicator, period), load)

    def _aligned(self, frame: str, level: str, indicator: str, period: str) -> tuple[list[float | None], list[str]]:
        """Published values and statuses in the level's area order (missing where there is no row)."""
        def load() -> tuple[list[float | None], list[str]]:
            table = self.shown(frame, level, indicator, period)
            codes = list(self.areas(frame, level).codes)
            status = table["status"].reindex(codes).fillna("missing")
            value = table["value"].reindex(codes).where(status.isin(list(VALUE_STATUSES)))
            value = value.where(np.isfinite(value.to_numpy(dtype="float64", na_value=np.nan)))
            return [None if v != v else float(v) for v in value.tolist()], [str(x) for x in status.tolist()]
        return self._cached(("aligned", frame, level, indicator, period), load)

    def _view_values(self, state: ViewState) -> tuple[list[float | None], list[str]]:
        assert state.period is not None
        values, statuses = self._aligned(state.frame, state.level, state.indicator, state.period)
        if state.mode != "change" or state.base is None:
            return values, statuses
        base, base_statuses = self._aligned(state.frame, state.level, state.indicator, state.base)
        out: list[float | None] = []
        out_status: list[str] = []
        for v, b, s, bs in zip(values, base, statuses, base_statuses, strict=True):
            if v is None or b is None:
                out.append(None)
                out_status.append(s if s in SUPPRESSED_STATUSES else bs if bs in SUPPRESSED_STATUSES else "missing")
            elif state.change == "rel":
                out.append((v / b - 1.0) * 100.0 if b != 0 else None)
                out_status.append("ok" if b != 0 else "not_applicable")
            else:
                out.append(v - b)
                out_status.append("ok")
        return out, out_status

    def _unit_for(self, spec: IndicatorSpec, state: ViewState) -> str:
        if state.mode == "change":
            if state.change == "rel":
                return "%"
            if spec.is_share:
                return t("percentage_points", state.lang)
        return _unit(spec, state.lang)

    def title(self, state: ViewState) -> str:
        spec = self.specs()[state.indicator]
        if state.mode == "change" and state.base:
            when = t("change_title", state.lang, base=period_label(state.base, state.lang),
                     period=period_label(state.period or "", state.lang))
        else:
            when = period_label(state.period or "", state.lang)
        return f"{spec.name(state.lang)} · {when}"

    def map_data(self, state: ViewState, audience: Audience = PUBLIC, notices: Sequence[Notice] = ()) -> MapData:
        """Classes, colours and legend of the map for a resolved view. Cached per view (everything but the
        selection, the map position and the notices), so switching back and forth costs nothing."""
        assert state.period is not None
        self._check(state, audience)
        key = replace(state, selected=(), lat=None, lon=None, zoom=None, view="map")
        core = self._cached(("map", key.frame, key), lambda: self._map_data(key))
        parent = self.level_info(state.frame, state.level).parent_key
        outline = self.geometry_url(state.frame, parent) \
            if parent and state.outline and self.may_see_level(state.frame, parent, audience) else None
        return replace(core, state=state, notices=(*notices, *core.notices), outline_url=outline)

    def _map_data(self, state: ViewState) -> MapData:
        assert state.period is not None
        notices: Sequence[Notice] = ()
        audience = PUBLIC if self.may_see_indicator(state.indicator, PUBLIC) else _INTERNAL
        spec = self.specs()[state.indicator]
        areas = self.areas(state.frame, state.level)
        values, statuses = self._view_values(state)
        notes: list[Notice] = list(notices)
        reference = self.reference(state.frame, state.level, state.indicator, state.period) \
            if state.mode == "value" else None
        numeric = {c: v for c, v, s in zip(areas.codes, values, statuses, strict=True) if v is not None}
        diverging = state.mode == "change" or spec.scale == Scale.DIVERGING
        center = None
        if diverging:
            center = 0.0 if state.mode == "change" else (reference if reference is not None else 0.0)
        basis = None
        if state.fixed and state.mode == "value":
            basis = [v for p in self.periods(state.frame, state.level, state.indicator)
                     for v in self._aligned(state.frame, state.level, state.indicator, p)[0] if v is not None]
        elif state.fixed:
            notes.append(Notice("fixed_in_change"))
        classification = classify(numeric, state.method, state.k, manual_breaks=state.breaks or None,
                                  basis=basis, center=center)
        palette = self._palette(spec, state, classification.k, diverging)
        classes: list[int] = []
        for code, value, status in zip(areas.codes, values, statuses, strict=True):
            if value is not None:
                classes.append(classification.classes[code])
            elif status in SUPPRESSED_STATUSES:
                classes.append(SUPPRESSED)
            else:
                classes.append(NO_DATA)
        decimals = spec.decimals
        legend_decimals = decimals_for_breaks([classification.lower, *classification.breaks], decimals) \
            if classification.k > 0 else decimals
        legend = self._legend(classification, palette, classes, legend_decimals, state.lang)
        notes.extend(Notice(n.key, {k: format_number(v, legend_decimals, state.lang) if isinstance(v, float) else str(v)
                                    for k, v in n.params.items()}) for n in classification.notes)
        derived = self.values(state.frame, state.level, state.indicator, state.period)[1]
        derived_from = None
        if derived:
            info = self.level_info(state.frame, state.level)
            with self.store.session() as session:
                child = child_level(session, info)
            if child is not None:
                derived_from = t("derived_note", state.lang, level=child.name(state.lang),
                                 rule=t(f"rule_{spec.aggregation}", state.lang))
        info = self.level_info(state.frame, state.level)
        parent = info.parent_key
        return MapData(
            state=state, title=self.title(state), unit=self._unit_for(spec, state), decimals=decimals,
            codes=areas.codes, names=areas.names, values=tuple(values), statuses=tuple(statuses),
            classes=tuple(classes), palette=tuple(palette), classification=classification, legend=legend,
            reference=reference, reference_label=t("reference_of", state.lang,
                                                   frame=self._frame_name(state.frame, state.lang)),
            derived_from=derived_from, notices=tuple(notes),
            geometry_url=self.geometry_url(state.frame, state.level),
            outline_url=self.geometry_url(state.frame, parent)
            if parent and state.outline and self.may_see_level(state.frame, parent, audience) else None,
        )

    def tooltip(self, state: ViewState, code: str, audience: Audience = PUBLIC) -> str:
        """The second tooltip line of one area — formatted value and rank, or why there is none — for
        maps whose values are not sent with each switch. Same rules as the map (access, disclosure)."""
        resolved, _ = self.resolve(state, audience)
        data = self.map_data(resolved, audience)
        i = self.areas(resolved.frame, resolved.level).index.get(code)
        if i is None:
            return t("no_data", resolved.lang)
        if data.classes[i] == SUPPRESSED:
            return t("suppressed", resolved.lang)
        value = data.values[i]
        if value is None or data.classes[i] < 0:
            return t("no_data", resolved.lang)
        ranked = self._cached(("ranks", resolved.frame, resolved), lambda: np.sort(np.array(
            [v for v, k in zip(data.values, data.classes, strict=True) if v is not None and k >= 0]))[::-1])
        rank = int(np.searchsorted(-ranked, -value, side="left")) + 1
        text = format_value(value, data.unit, data.decimals, resolved.lang)
        lang = resolved.lang
        return f"{text} · {t('rank', lang, rank=format_number(rank, 0, lang), n=format_number(len(ranked), 0, lang))}"

    def _palette(self, spec: IndicatorSpec, state: ViewState, k: int, diverging: bool) -> list[str]:
        if k <= 0:
            return []
        if state.palette != "auto":
            if state.palette in DIVERGING and not diverging:
                return for_indicator(spec.polarity, k, name=state.palette, diverging=True)
            return for_indicator(spec.polarity, k, name=state.palette, diverging=diverging)
        return for_indicator(spec.polarity, k, diverging=diverging)

    @staticmethod
    def _legend(classification: Classification, palette: Sequence[str], classes: Sequence[int], decimals: int,
                lang: str) -> tuple[LegendEntry, ...]:
        entries: list[LegendEntry] = []
        counts = [0] * classification.k
        for c in classes:
            if c >= 0:
                counts[c] += 1
        lower = classification.lower
        for i, upper in enumerate(classification.breaks):
            label = format_range(lower, upper, decimals, lang, first=i == 0)
            entries.append(LegendEntry(label, palette[i], counts[i], "class"))
            lower = upper
        no_data = sum(1 for c in classes if c == NO_DATA)
        suppressed = sum(1 for c in classes if c == SUPPRESSED)
        if no_data:
            entries.append(LegendEntry(t("no_data", lang), "", no_data, "no_data"))
        if suppressed:
            entries.append(LegendEntry(t("suppressed", lang), "", suppressed, "suppressed"))
        return tuple(entries)

    # panels -----------------------------------------------------------------------------------------
    def series(self, state: ViewState, audience: Audience = PUBLIC) -> SeriesData:
        self._check(state, audience)
        spec = self.specs()[state.indicator]
        periods = self.periods(state.frame, state.level, state.indicator)
        areas = self.areas(state.frame, state.level)
        per_period = {p: self._aligned(state.frame, state.level, state.indicator, p)[0] for p in periods}
        lines = []
        for code in state.selected:
            i = areas.index.get(code)
            if i is None:
                continue
            lines.append(SeriesLine(code, areas.names[i], periods, tuple(per_period[p][i] for p in periods)))
        low: list[float | None] = []
        high: list[float | None] = []
        for p in periods:
            present = [v for v in per_period[p] if v is not None]
            low.append(min(present) if present else None)
            high.append(max(present) if present else None)
        refs = tuple(self.reference(state.frame, state.level, state.indicator, p) for p in periods)
        reference = None
        if any(r is not None for r in refs):
            reference = SeriesLine(FRAME_REFERENCE, t("reference_of", state.lang,
                                                      frame=self._frame_name(state.frame, state.lang)), periods, refs)
        return SeriesData(spec.name(state.lang), _unit(spec, state.lang), spec.decimals, periods, tuple(lines),
                          reference, tuple(low), tuple(high), state.lang)

    def ranking(self, state: ViewState, audience: Audience = PUBLIC, data: MapData | None = None) -> RankingData:
        data = data or self.map_data(state, audience)
        rows = [(v, c, n, data.palette[k]) for v, c, n, k in
                zip(data.values, data.codes, data.names, data.classes, strict=True) if v is not None and k >= 0]
        rows.sort(key=lambda r: (-r[0], r[1]))
        return RankingData(
            data.title, data.unit, data.decimals, tuple(r[1] for r in rows), tuple(r[2] for r in rows),
            tuple(r[0] for r in rows), tuple(r[3] for r in rows), frozenset(state.selected), data.reference,
            data.reference_label, state.lang)

    def profile(self, state: ViewState, code: str, audience: Audience = PUBLIC) -> ProfileData | None:
        """Every indicator of the level the audience may see, for one area: value, reference, difference,
        assessment."""
        self._check(state, audience)
        areas = self.areas(state.frame, state.level)
        i = areas.index.get(code)
        if i is None:
            return None
        specs = self.specs()
        lang = state.lang
        rows = []
        for indicator, periods in sorted(self.availability(state.frame, state.level).items(),
                                         key=lambda kv: (_topic(specs[kv[0]], lang), specs[kv[0]].name(lang))
                                         if kv[0] in specs else ("", kv[0])):
            spec = specs.get(indicator)
            if spec is None or spec.unit in ("Klasse",) or not may_see(audience, spec.visibility):
                continue
            period = periods[-1]
            values, _ = self._aligned(state.frame, state.level, indicator, period)
            value = values[i]
            present = np.array([v for v in values if v is not None], dtype="float64")
            if value is None or present.size == 0:
                continue
            # a count's frame total is no yardstick for one area: counts compare with the median of areas
            reference = None if spec.aggregation == Aggregation.SUM else self.reference(
                state.frame, state.level, indicator, period)
            ref_value = reference if reference is not None else float(np.median(present))
            sd = float(present.std()) if present.size > 1 else 0.0
            diff = value - ref_value
            z = diff / sd if sd > 0 else 0.0
            rows.append(ProfileRow(
                indicator, spec.name(lang), _topic(spec, lang), period_label(period, lang),
                format_value(value, _unit(spec, lang), spec.decimals, lang),
                format_number(ref_value, spec.decimals, lang) + ("" if reference is not None else " *"),
                ("+" if diff > 0 else "") + format_number(diff, spec.decimals, lang),
                _assessment(z, spec.polarity), z))
        return ProfileData(code, areas.names[i], tuple(rows), lang)

    def panels(self, model: ViewModel, parts: Collection[str], audience: Audience = PUBLIC) -> Panels:
        """The panels named in ``parts`` (``series``, ``ranking``, ``profile``, ``table``) for a resolved view."""
        state = model.state
        if model.map is None:
            return Panels()
        return Panels(
            series=self.series(state, audience) if "series" in parts else None,
            ranking=self.ranking(state, audience, model.map) if "ranking" in parts else None,
            profile=self.profile(state, state.selected[-1], audience) if "profile" in parts and state.selected
            else None,
            table=self.table(state, audience, model.map) if "table" in parts else None,
        )

    def indicator_info(self, state: ViewState, audience: Audience = PUBLIC) -> IndicatorInfo:
        self._check(state, audience)
        spec = self.specs()[state.indicator]
        periods = self.periods(state.frame, state.level, state.indicator)
        info = self.level_info(state.frame, state.level)
        return IndicatorInfo(spec, periods[-1] if periods else None, info.source, info.licence)

    def table(self, state: ViewState, audience: Audience = PUBLIC, data: MapData | None = None) -> pd.DataFrame:
        """The map as a table: same values, classes and statuses (for screen readers and downloads)."""
        data = data or self.map_data(state, audience)
        lang = state.lang
        labels = [e.label for e in data.legend if e.kind == "class"]
        rows = []
        for code, name, value, status, k in zip(data.codes, data.names, data.values, data.statuses, data.classes,
                                                strict=True):
            rows.append({
                "area_id": code, "name": name, "value": value,
                "value_text": format_value(value, data.unit, data.decimals, lang) if value is not None else
                (t("suppressed", lang) if k == SUPPRESSED else t("no_data", lang)),
                "class": k + 1 if k >= 0 else None,
                "class_label": labels[k] if k >= 0 else "",
                "status": status,
                "status_text": t(f"status_{status}", lang),
            })
        return pd.DataFrame(rows)

    def download_table(self, state: ViewState, audience: Audience = PUBLIC, data: MapData | None = None) -> (
            pd.DataFrame):
        """The current view for download: raw values (not rounded), classes and statuses."""
        data = data or self.map_data(state, audience)
        table = self.table(state, audience, data)
        out = pd.DataFrame({
            "area_id": table["area_id"], "name": table["name"], "indicator_id": state.indicator,
            "period": state.period, "base_period": state.base if state.mode == "change" else None,
            "value": table["value"], "unit": data.unit, "status": table["status"], "class": table["class"],
            "class_range": table["class_label"],
        })
        if state.mode != "change":
            out = out.drop(columns=["base_period"])
        return out

    def download_name(self, state: ViewState) -> str:
        parts = [state.frame, state.level, state.indicator, state.period or ""]
        if state.mode == "change" and state.base:
            parts.insert(3, f"{state.base}_bis")
        return "_".join(p for p in parts if p)

    # geometry ---------------------------------------------------------------------------------------
    def geometry_for(self, frame: str, level: str, audience: Audience) -> GeometryPayload:
        """A level's geometry, only for an audience that may see the level (else KeyError, like unknown)."""
        if not self.may_see_level(frame, level, audience):
            raise KeyError(level)
        return self.geometry(frame, level)

    def geometry_version(self, frame: str, level: str) -> str:
        return self.geometry(frame, level).etag[:12]

    def geometry_url(self, frame: str, level: str) -> str:
        return f"/geo/{frame}/{level}.geojson?v={self.geometry_version(frame, level)}"

    def geometry(self, frame: str, level: str) -> GeometryPayload:
        """GeoJSON of a level's web geometry, gzip-compressed once per process. Features are ordered by
        area code; ``properties.i`` is the index the map's hideout arrays use."""
        def load() -> GeometryPayload:
            info = self.level_info(frame, level)
            with self.store.session() as session:
                rows = session.execute(select(Area.code, Area.name, Area.geom_web)
                                       .where(Area.level_id == info.id).order_by(Area.code)).all()
            features = []
            for i, row in enumerate(rows):
                geometry = json.loads(shapely.to_geojson(from_wkb(row.geom_web)))
                features.append({"type": "Feature", "properties": {"id": row.code, "name": row.name, "i": i},
                                 "geometry": geometry})
            body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
            etag = hashlib.sha256(body).hexdigest()
            return GeometryPayload(gzip.compress(body, compresslevel=9, mtime=0), etag, len(body))
        return self._local(("geometry", frame, level), load)

    def counts(self) -> tuple[int, int]:
        with self.store.session() as session:
            return (session.scalar(select(func.count()).select_from(Indicator)) or 0,
                    session.scalar(select(func.count()).select_from(Observation)) or 0)


_INTERNAL = Audience("planner")  # only used after _check() has passed for the real audience


class NotVisible(KeyError):
    """A view names a level or indicator the audience may not see (treated like an unknown one)."""


def _assessment(z: float, polarity: str) -> str:
    if abs(z) < 0.25:
        return "similar"
    if polarity == Polarity.HIGHER_IS_BETTER:
        return "better" if z > 0 else "worse"
    if polarity == Polarity.HIGHER_IS_WORSE:
        return "worse" if z > 0 else "better"
    return "higher" if z > 0 else "lower"


def palette_names() -> tuple[str, ...]:
    return SEQUENTIAL + DIVERGING


def palette_preview(name: str, k: int = 5) -> list[str]:
    return colours(name, k)
