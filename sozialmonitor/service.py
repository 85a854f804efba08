"""What the web app calls: the view of a dashboard — map, panels, profile — as frozen dataclasses
(:mod:`sozialmonitor.results`), computed from the store's structure (:mod:`sozialmonitor.structure`) and the one
values path (:mod:`sozialmonitor.values`), for a view made valid by :mod:`sozialmonitor.resolve`.

Every rule the dashboard shows — classification, colours, reference values, ranks, profiles, changes — is
decided here, testable without a browser. Callbacks only unpack inputs, call one method and hand the result to a
layout function, which words it (titles, legend labels, the map's wire format).

Two caches, kept apart so that a burst of views never evicts the structure: the **structure** per process
(:class:`~sozialmonitor.structure.Structure`), and the **shared** cache (:mod:`sozialmonitor.cache`: values, maps)
keyed by the frame's data generation, the audience class where it matters and the normalised view, so every
anonymous visitor — on any worker, with Redis on any machine — shares one entry. Nothing per user is kept: the view
lives in the URL.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import func, select

from sozialmonitor.access import LOW_BASE_STATUS, PUBLIC, Audience, may_see
from sozialmonitor.cache import Cache, LocalCache, cached, key_of
from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.classify import Classification, classify, sides
from sozialmonitor.formatting import decimals_for_breaks, format_number, format_value, period_label
from sozialmonitor.i18n import t
from sozialmonitor.model import Indicator, Observation
from sozialmonitor.palettes import DIVERGING, SEQUENTIAL, colours, diverging_colours, for_indicator
from sozialmonitor.resolve import NotVisible, resolve
from sozialmonitor.results import (
    LOW_BASE,
    NO_DATA,
    SUPPRESSED,
    SUPPRESSED_STATUSES,
    IndicatorInfo,
    IndicatorOption,
    LegendEntry,
    MapData,
    Option,
    Panels,
    ProfileData,
    ProfileRow,
    RankingData,
    SeriesData,
    SeriesLine,
    ViewModel,
)
from sozialmonitor.store import Store
from sozialmonitor.structure import Structure
from sozialmonitor.values import FRAME_REFERENCE, Values
from sozialmonitor.view import Notice, ViewState
from sozialmonitor.vocab import Aggregation, Polarity, Scale

CACHE_VERSION = 3  # part of every shared key: bump when a cached result's shape changes
OUTLINE_AUTO_MAX = 2000  # above this many areas the parent level's outline is off unless the view asks for it

T = TypeVar("T")


def _unit(spec: IndicatorSpec, lang: str) -> str:
    return spec.unit_en if lang == "en" and spec.unit_en else spec.unit


def _topic(spec: IndicatorSpec, lang: str) -> str:
    return spec.topic_en if lang == "en" and spec.topic_en else spec.topic


class Service(Structure):
    """The dashboard's domain: :class:`~sozialmonitor.structure.Structure` (per process) plus the values path
    (``self.data``) and the results computed from them in the shared cache."""

    def __init__(self, store: Store, cache: Cache | None = None) -> None:
        super().__init__(store)
        self.cache: Cache = cache if cache is not None else LocalCache()
        self.data = Values(self, self.shared)

    def shared(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """A result every visitor of a view shares (values, maps, a whole public page), in the shared cache and
        computed once per data generation: ``key[1]`` names the frame it depends on (otherwise the whole store's)."""
        frame = key[1] if len(key) > 1 and isinstance(key[1], str) else None
        return cached(self.cache, key_of(CACHE_VERSION, frame, self.data_generation(frame), *key), compute)

    # options for the controls ---------------------------------------------------------------------------
    def frames(self, lang: str, audience: Audience = PUBLIC) -> list[Option]:
        """Frames with at least one level the audience may see."""
        return [Option(i, en if lang == "en" else de) for i, de, en in self.frame_names()
                if self.visible_levels(i, audience)]

    def levels(self, frame: str, lang: str, audience: Audience = PUBLIC) -> list[Option]:
        # finest level first: that is what planners look at most
        return [Option(i.key, i.name(lang)) for i in reversed(self.visible_levels(frame, audience))]

    def _frame_name(self, frame: str, lang: str) -> str:
        return next((o.label for o in self.frames(lang) if o.value == frame), frame)

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

    # resolving and computing a view ----------------------------------------------------------------
    def resolve(self, state: ViewState, audience: Audience = PUBLIC) -> tuple[ViewState, list[Notice]]:
        """Make a parsed view valid against the store and the audience (see :func:`sozialmonitor.resolve.resolve`)."""
        return resolve(self, state, audience)

    def _check(self, state: ViewState, audience: Audience) -> None:
        """Refuse a view the audience may not see, whatever request the browser crafted."""
        if not (self.may_see_level(state.frame, state.level, audience)
                and self.may_see_indicator(state.indicator, audience)):
            raise NotVisible(f"{state.frame}/{state.level}/{state.indicator}")

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

    # maps -------------------------------------------------------------------------------------------
    def _view_values(self, state: ViewState) -> tuple[list[float | None], list[str]]:
        assert state.period is not None
        values, statuses = self.data.aligned(state.frame, state.level, state.indicator, state.period)
        if state.mode != "change" or state.base is None:
            return values, statuses
        base, base_statuses = self.data.aligned(state.frame, state.level, state.indicator, state.base)
        out: list[float | None] = []
        out_status: list[str] = []
        for v, b, s, bs in zip(values, base, statuses, base_statuses, strict=True):
            if v is None or b is None:
                out.append(None)
                out_status.append(s if s in SUPPRESSED_STATUSES else bs if bs in SUPPRESSED_STATUSES else "missing")
            elif state.change == "rel":
                out.append(_denoised((v / b - 1.0) * 100.0) if b != 0 else None)
                out_status.append(("ok" if b != 0 else "not_applicable") if LOW_BASE_STATUS not in (s, bs)
                                  else LOW_BASE_STATUS)
            else:
                out.append(_denoised(v - b))
                out_status.append(LOW_BASE_STATUS if LOW_BASE_STATUS in (s, bs) else "ok")
        return out, out_status

    def _unit_for(self, spec: IndicatorSpec, state: ViewState) -> str:
        if state.mode == "change":
            if state.change == "rel":
                return "%"
            if spec.is_share:
                return t("percentage_points", state.lang)
        return _unit(spec, state.lang)

    def map_data(self, state: ViewState, audience: Audience = PUBLIC, notices: Sequence[Notice] = ()) -> MapData:
        """Classes, colours and legend of the map for a resolved view. Cached per view (everything but the
        selection, the map position and the notices), so switching back and forth costs nothing."""
        assert state.period is not None
        self._check(state, audience)
        key = replace(state, selected=(), lat=None, lon=None, zoom=None, view="map", outline=None)
        core = self.shared(("map", key.frame, key), lambda: self._map_data(key))
        parent = self.level_info(state.frame, state.level).parent_key
        wanted = outline_wanted(state.outline, len(core.codes))
        outline = self.geometry_url(state.frame, parent) \
            if parent and wanted and self.may_see_level(state.frame, parent, audience) else None
        return replace(core, state=state, notices=(*notices, *core.notices), outline=wanted, outline_url=outline)

    def _map_data(self, state: ViewState) -> MapData:
        assert state.period is not None
        notices: Sequence[Notice] = ()
        spec = self.specs()[state.indicator]
        areas = self.areas(state.frame, state.level)
        values, statuses = self._view_values(state)
        notes: list[Notice] = list(notices)
        reference = self.data.reference(state.frame, state.level, state.indicator, state.period) \
            if state.mode == "value" else None
        # rates on a small base are shown but set no class break (nor a rank, nor a comparison)
        numeric = {c: v for c, v, s in zip(areas.codes, values, statuses, strict=True)
                   if v is not None and s != LOW_BASE_STATUS}
        diverging = state.mode == "change" or spec.scale == Scale.DIVERGING
        center = None
        if diverging:
            center = 0.0 if state.mode == "change" else (reference if reference is not None else 0.0)
        basis = None
        if state.fixed and state.mode == "value":
            basis = [v for p in self.periods(state.frame, state.level, state.indicator)
                     for v, s in zip(*self.data.aligned(state.frame, state.level, state.indicator, p), strict=True)
                     if v is not None and s != LOW_BASE_STATUS]
        elif state.fixed:
            notes.append(Notice("fixed_in_change"))
        classification = classify(numeric, state.method, state.k, manual_breaks=state.breaks or None,
                                  basis=basis, center=center)
        palette = self._palette(spec, state, classification, diverging)
        classes: list[int] = []
        for code, value, status in zip(areas.codes, values, statuses, strict=True):
            if value is not None and status == LOW_BASE_STATUS:
                classes.append(LOW_BASE)
            elif value is not None:
                classes.append(classification.classes[code])
            elif status in SUPPRESSED_STATUSES:
                classes.append(SUPPRESSED)
            else:
                classes.append(NO_DATA)
        decimals = spec.decimals
        legend_decimals = decimals_for_breaks([classification.lower, *classification.breaks], decimals) \
            if classification.k > 0 else decimals
        legend = self._legend(classification, palette, classes)
        notes.extend(Notice(n.key, {k: format_number(v, legend_decimals, state.lang) if isinstance(v, float) else str(v)
                                    for k, v in n.params.items()}) for n in classification.notes)
        derived = self.data.raw(state.frame, state.level, state.indicator, state.period)[1]
        derived_from = None
        if derived:
            child = self.child_level(state.frame, state.level)
            if child is not None:
                derived_from = t("derived_note", state.lang, level=child.name(state.lang),
                                 rule=t(f"rule_{spec.aggregation}", state.lang))
        return MapData(
            state=state, name=spec.name(state.lang), unit=self._unit_for(spec, state), decimals=decimals,
            legend_decimals=legend_decimals,
            codes=areas.codes, names=areas.names, values=tuple(values), statuses=tuple(statuses),
            classes=tuple(classes), palette=tuple(palette), classification=classification, legend=legend,
            reference=reference, reference_label=t("reference_of", state.lang,
                                                   frame=self._frame_name(state.frame, state.lang)),
            derived_from=derived_from, notices=tuple(notes),
            geometry_url=self.geometry_url(state.frame, state.level),
            outline=False, outline_url=None,  # per view and audience: map_data() sets them
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
        if data.classes[i] == LOW_BASE and value is not None:
            return f"{format_value(value, data.unit, data.decimals, resolved.lang)} · {t('low_base', resolved.lang)}"
        if value is None or data.classes[i] < 0:
            return t("no_data", resolved.lang)
        ranked = self.shared(("ranks", resolved.frame, resolved), lambda: np.sort(np.array(
            [v for v, k in zip(data.values, data.classes, strict=True) if v is not None and k >= 0]))[::-1])
        rank = int(np.searchsorted(-ranked, -value, side="left")) + 1
        text = format_value(value, data.unit, data.decimals, resolved.lang)
        lang = resolved.lang
        return f"{text} · {t('rank', lang, rank=format_number(rank, 0, lang), n=format_number(len(ranked), 0, lang))}"

    def _palette(self, spec: IndicatorSpec, state: ViewState, classification: Classification,
                 diverging: bool) -> list[str]:
        k = classification.k
        if k <= 0:
            return []
        if diverging and classification.center is not None and (state.palette == "auto" or state.palette in DIVERGING):
            # classes only where there are values: a one-sided map in that side's hue (see classify.sides)
            return diverging_colours(spec.polarity, *sides(classification),
                                     name=None if state.palette == "auto" else state.palette)
        if state.palette != "auto":
            if state.palette in DIVERGING and not diverging:
                return for_indicator(spec.polarity, k, name=state.palette, diverging=True)
            return for_indicator(spec.polarity, k, name=state.palette, diverging=diverging)
        return for_indicator(spec.polarity, k, diverging=diverging)

    @staticmethod
    def _legend(classification: Classification, palette: Sequence[str], classes: Sequence[int]) -> tuple[
            LegendEntry, ...]:
        counts = [0] * classification.k
        for c in classes:
            if c >= 0:
                counts[c] += 1
        entries: list[LegendEntry] = []
        lower = classification.lower
        for i, upper in enumerate(classification.breaks):
            entries.append(LegendEntry("class", palette[i], counts[i], lower, upper, first=i == 0))
            lower = upper
        for kind, k in (("low_base", LOW_BASE), ("no_data", NO_DATA), ("suppressed", SUPPRESSED)):
            count = sum(1 for c in classes if c == k)
            if count:
                entries.append(LegendEntry(kind, "", count))
        return tuple(entries)

    # panels -----------------------------------------------------------------------------------------
    def series(self, state: ViewState, audience: Audience = PUBLIC) -> SeriesData:
        self._check(state, audience)
        spec = self.specs()[state.indicator]
        periods = self.periods(state.frame, state.level, state.indicator)
        areas = self.areas(state.frame, state.level)
        per_period = {p: self.data.aligned(state.frame, state.level, state.indicator, p)[0] for p in periods}
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
        refs = tuple(self.data.reference(state.frame, state.level, state.indicator, p) for p in periods)
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
            data.unit, data.decimals, tuple(r[1] for r in rows), tuple(r[2] for r in rows),
            tuple(r[0] for r in rows), tuple(r[3] for r in rows), frozenset(state.selected), data.reference,
            data.reference_label, state.lang)

    def profile(self, state: ViewState, code: str, audience: Audience = PUBLIC) -> ProfileData | None:
        """Every indicator of the level the audience may see, for one area: value, reference, difference,
        assessment. Shared by every visitor of the same role (what a role may see is all it depends on)."""
        self._check(state, audience)
        return self.shared(("profile", state.frame, state.level, code, state.lang, audience.role),
                            lambda: self._profile(state, code, audience))

    def _profile(self, state: ViewState, code: str, audience: Audience) -> ProfileData | None:
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
            values, statuses = self.data.aligned(state.frame, state.level, indicator, period)
            value = values[i]
            # a rate on too small a base is shown, but neither sets the yardstick nor gets a verdict
            present = np.array([v for v, s in zip(values, statuses, strict=True)
                                if v is not None and s != LOW_BASE_STATUS], dtype="float64")
            if value is None or present.size == 0:
                continue
            # a count's frame total is no yardstick for one area: counts compare with the median of areas
            reference = None if spec.aggregation == Aggregation.SUM else self.data.reference(
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
                _assessment(z, spec.polarity) if statuses[i] != LOW_BASE_STATUS else "low_base", z))
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
            table="table" in parts,
        )

    def indicator_info(self, state: ViewState, audience: Audience = PUBLIC) -> IndicatorInfo:
        self._check(state, audience)
        spec = self.specs()[state.indicator]
        periods = self.periods(state.frame, state.level, state.indicator)
        info = self.level_info(state.frame, state.level)
        return IndicatorInfo(spec, periods[-1] if periods else None, info.source, info.licence)

    def download_name(self, state: ViewState) -> str:
        parts = [state.frame, state.level, state.indicator, state.period or ""]
        if state.mode == "change" and state.base:
            parts.insert(3, f"{state.base}_bis")
        return "_".join(p for p in parts if p)

    def counts(self) -> tuple[int, int]:
        with self.store.session() as session:
            return (session.scalar(select(func.count()).select_from(Indicator)) or 0,
                    session.scalar(select(func.count()).select_from(Observation)) or 0)


def _denoised(change: float) -> float:
    """A change without binary noise (5.3 − 5.2 is 0.09999999999999964): to 12 significant digits, so that changes
    that read alike are alike — otherwise classes split between "0,1" and "0,1" and the legend needs 6 decimals."""
    return float(f"{change:.12g}")


def outline_wanted(choice: bool | None, n_areas: int) -> bool:
    """Whether the parent level's outline is drawn: as the view (link, checkbox) says, else on for levels of up to
    :data:`OUTLINE_AUTO_MAX` areas — at national zoom 10,997 Gemeinde outlines with Kreis borders over them turn
    the map grey-brown."""
    return choice if choice is not None else n_areas <= OUTLINE_AUTO_MAX


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
