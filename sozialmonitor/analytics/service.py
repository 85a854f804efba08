"""What the dashboard's "Analyse" panels call: the analytics of this package over *published* values, for one
audience, cached per store generation, with results as frozen dataclasses and a categorical map mode.

Rules decided here (the callbacks only unpack inputs and call one method):

- **Who may ask.** Every method takes the :class:`~sozialmonitor.access.Audience`. The level and *every*
  input indicator (components, the population of a threshold, the MSS preset's inputs) must be visible to
  it; otherwise :class:`~sozialmonitor.service.NotVisible` — exactly what an unknown name gives, so an
  internal indicator (e.g. the MSS context indicators ``mss_k*``) can be neither offered nor computed for
  the public. Saving a result is for ``planner`` and ``admin`` only (:class:`NotAllowed`).
- **Which values.** Inputs are the values the map shows: ``Service.shown`` (disclosure control applied,
  for every audience) with a usable status (``ok``, ``provisional``, ``unreliable``). A suppressed value
  is no value: the area drops out of the z-scores, the clusters and the correlation, and the map paints
  it as *suppressed*. So no result can be used to recover a suppressed value, and a saved result only
  carries what was already public. (The ``…_for_level`` functions of the analytics modules read the raw
  store values instead; they are for the CLI and for checks against published tables.)
- **Choices.** Significance levels, permutations and the number of types are limited to what the panels
  offer (:data:`ALPHAS`, :data:`PERMUTATIONS`, :data:`TYPE_K_RANGE`), so a crafted request cannot ask for
  an expensive computation.
- **Periods.** A period must have data of every input on the level (:meth:`AnalyticsService.choices`
  offers exactly those); any other raises :class:`~sozialmonitor.errors.UnknownName` listing the valid ones.
- **Composite directions.** Each component raises the index (+1) unless listed as lowering it (−1): the
  direction is chosen explicitly, not inferred from the polarity.
- **Caching.** Results depend only on the store's content and the request, never on the audience (the
  audience is checked before the cache is consulted), so they are cached in the service's cache and
  dropped with it whenever an import bumps the store generation.
- **Saving** (:meth:`AnalyticsService.save`) recomputes the request (from the cache), and writes the result
  through :func:`~sozialmonitor.analytics.derived.save_to_store` with method, inputs and date. The new
  indicator is ``internal`` if any input is, else ``public``; its source names the inputs' sources.
- **Map mode** (:meth:`AnalyticsService.category_map`): classes per area painted through the *same* GeoJSON
  (``/geo/<frame>/<level>.geojson``), aligned to its features like the main map (class per feature index
  ``i``; ``-1`` no data, ``-2`` suppressed), with a name per category for legend and tooltip;
  ``layouts.analytics.category_hideout`` writes the same wire format as the main map. No geometry is sent again.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
from threadpoolctl import threadpool_limits

from sozialmonitor.access import Audience, may_see
from sozialmonitor.analytics import hotspots as hotspots_mod
from sozialmonitor.analytics import mss as mss_mod
from sozialmonitor.analytics import typology as typology_mod
from sozialmonitor.analytics.composite import (
    ClassScheme,
    Component,
    CompositeError,
    CompositeResult,
    CompositeSpec,
    build_composite,
    status_dynamics,
)
from sozialmonitor.analytics.derived import DerivedValues, save_to_store
from sozialmonitor.analytics.hotspots import HotSpotResult
from sozialmonitor.analytics.inputs import level_geometries
from sozialmonitor.analytics.mss import MssResult
from sozialmonitor.analytics.scatter import ScatterResult, scatter
from sozialmonitor.analytics.typology import TypologyResult
from sozialmonitor.catalogue import ID_PATTERN, IndicatorSpec
from sozialmonitor.errors import NotAllowed, SozialmonitorError, UnknownName
from sozialmonitor.formatting import format_number, period_label
from sozialmonitor.i18n import t
from sozialmonitor.palettes import for_indicator
from sozialmonitor.resolve import NotVisible
from sozialmonitor.results import NO_DATA, SUPPRESSED, IndicatorOption, LegendEntry
from sozialmonitor.service import Service
from sozialmonitor.structure import AreaTable
from sozialmonitor.summary import ImportSummary
from sozialmonitor.view import Notice
from sozialmonitor.vocab import Polarity, Visibility

SAVING_ROLES = ("planner", "admin")
DEFAULT_CUTS = (-1.0, 1.0)
ALPHAS = (0.01, 0.05, 0.1)
PERMUTATIONS = (99, 499, 999)
TYPE_K_RANGE = (2, 8)

# Okabe & Ito's palette, safe for colour-blind readers (black and yellow left out: outline and contrast)
TYPE_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999")
# Conventional LISA colours (as in GeoDa): hot red, cold blue, outliers light; not significant near white
HOT_SPOT_COLOURS = {"HH": "#d7191c", "LL": "#2c7bb6", "HL": "#fdae61", "LH": "#abd9e9", "ns": "#f7f7f7",
                    "island": "#c2a5cf"}
HOT_SPOT_ORDER = ("HH", "LL", "HL", "LH", "ns", "island")


class NotAvailable(SozialmonitorError):
    """An analysis does not apply to this level (e.g. the MSS preset outside Berlin's planning areas)."""


# --- requests (what a panel asks for; kept in the browser, checked again on every call) ---------------

@dataclass(frozen=True)
class CompositeRequest:
    frame: str
    level: str
    period: str
    components: tuple[str, ...]
    weights: tuple[float, ...] = ()  # one per component; empty: all 1
    lowering: tuple[str, ...] = ()  # components with direction −1 (a higher value lowers the index)
    cuts: tuple[float, ...] = DEFAULT_CUTS  # class cut points in standard deviations
    min_population: float | None = None  # only areas with at least this population …
    population: str = mss_mod.POPULATION  # … by this indicator
    kind: Literal["composite"] = "composite"

    @property
    def inputs(self) -> tuple[str, ...]:
        return (*self.components, *((self.population,) if self.min_population is not None else ()))


@dataclass(frozen=True)
class MssRequest:
    frame: str
    level: str
    period: str
    show: Literal["status", "dynamics"] = "status"  # which index the map paints and `save` stores
    kind: Literal["mss"] = "mss"

    @property
    def inputs(self) -> tuple[str, ...]:
        return (*mss_mod.STATUS, *mss_mod.DYNAMICS, mss_mod.POPULATION)


@dataclass(frozen=True)
class TypologyRequest:
    frame: str
    level: str
    period: str
    indicators: tuple[str, ...]
    k: int = 4
    method: str = "kmeans"
    seed: int = 0
    kind: Literal["typology"] = "typology"

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.indicators


@dataclass(frozen=True)
class HotSpotRequest:
    frame: str
    level: str
    period: str
    indicator: str
    alpha: float = 0.05
    permutations: int = 999
    kind: Literal["hot_spots"] = "hot_spots"

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.indicator,)


@dataclass(frozen=True)
class ScatterRequest:
    frame: str
    level: str
    period: str
    x: str
    y: str
    kind: Literal["scatter"] = "scatter"

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.x, self.y)


Request = CompositeRequest | MssRequest | TypologyRequest | HotSpotRequest | ScatterRequest
SavableRequest = CompositeRequest | MssRequest | TypologyRequest | HotSpotRequest
REQUEST_TYPES: dict[str, type[Any]] = {"composite": CompositeRequest, "mss": MssRequest, "typology": TypologyRequest,
                                       "hot_spots": HotSpotRequest, "scatter": ScatterRequest}


def request_to_dict(request: Request) -> dict[str, Any]:
    """JSON-ready form of a request (for a ``dcc.Store``)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in request.__dict__.items()}


def request_from_dict(data: Mapping[str, Any] | None) -> Request:
    """Read a request back from what the browser sent; anything malformed raises
    :class:`~sozialmonitor.errors.UnknownName` (the browser is not trusted)."""
    if not isinstance(data, Mapping) or data.get("kind") not in REQUEST_TYPES:
        raise UnknownName("analysis", (data or {}).get("kind") if isinstance(data, Mapping) else data,
                          REQUEST_TYPES)
    cls = REQUEST_TYPES[str(data["kind"])]
    fields_ = cls.__dataclass_fields__
    unknown = set(data) - set(fields_)
    if unknown:
        raise UnknownName("request field", sorted(unknown)[0], fields_)
    values: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, list):
            value = tuple(value)
        values[name] = value
    try:
        request: Request = cls(**values)
    except TypeError as exc:
        raise UnknownName("request", str(exc), fields_) from exc
    for name in ("frame", "level", "period"):
        if not isinstance(getattr(request, name), str):
            raise UnknownName(name, getattr(request, name), ())
    return request


# --- results ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choices:
    """What the panels may offer for one level and audience."""

    indicators: tuple[IndicatorOption, ...]
    periods: dict[str, tuple[str, ...]]  # tool → periods with data of every chosen input
    mss_periods: tuple[str, ...]  # empty: the MSS preset does not apply to this level


@dataclass(frozen=True)
class CompositeAnalysis:
    request: CompositeRequest
    specs: dict[str, IndicatorSpec]
    areas: AreaTable
    result: CompositeResult
    suppressed: frozenset[str]
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class MssAnalysis:
    request: MssRequest
    specs: dict[str, IndicatorSpec]
    areas: AreaTable
    result: MssResult  # result.matrix.counts: status (rows) × dynamics (columns), zeros included
    suppressed: frozenset[str]
    notices: tuple[Notice, ...] = ()

    @property
    def shown(self) -> CompositeResult:
        return self.result.status if self.request.show == "status" else self.result.dynamics


@dataclass(frozen=True)
class TypologyAnalysis:
    request: TypologyRequest
    specs: dict[str, IndicatorSpec]
    areas: AreaTable
    result: TypologyResult
    suppressed: frozenset[str]
    colours: tuple[str, ...]  # one per type, type 1 first
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class HotSpotAnalysis:
    request: HotSpotRequest
    specs: dict[str, IndicatorSpec]
    areas: AreaTable
    result: HotSpotResult
    suppressed: frozenset[str]
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class ScatterAnalysis:
    request: ScatterRequest
    specs: dict[str, IndicatorSpec]
    areas: AreaTable
    result: ScatterResult
    suppressed: frozenset[str]
    notices: tuple[Notice, ...] = ()


Analysis = CompositeAnalysis | MssAnalysis | TypologyAnalysis | HotSpotAnalysis | ScatterAnalysis


@dataclass(frozen=True)
class CategoryMap:
    """A categorical map mode, aligned to the level's areas like :class:`~sozialmonitor.results.MapData`:
    category per area (``NO_DATA``/``SUPPRESSED`` where none), the value shown in the tooltip, a colour and a
    name per category, the legend entries and a title. ``layouts.analytics.category_hideout`` turns it into the
    map's wire format."""

    title: str
    classes: tuple[int, ...]
    values: tuple[float | None, ...]
    colours: tuple[str, ...]
    names: tuple[str, ...]
    selected: tuple[int, ...]  # indices of the selected areas
    geometry_url: str
    legend: tuple[LegendEntry, ...]
    unit: str = ""
    decimals: int = 0


@dataclass(frozen=True)
class SavedIndicator:
    spec: IndicatorSpec
    period: str
    summary: ImportSummary = field(compare=False)


# --- the service ------------------------------------------------------------------------------------

class AnalyticsService:
    def __init__(self, service: Service) -> None:
        self.service = service

    # checks --------------------------------------------------------------------------------------------
    def _check(self, audience: Audience, frame: str, level: str, indicators: Sequence[str]) -> None:
        """The level and every input must be visible; unknown and invisible look alike."""
        if not self.service.may_see_level(frame, level, audience):
            raise NotVisible(f"{frame}/{level}")
        for indicator in indicators:
            if not self.service.may_see_indicator(indicator, audience):
                raise NotVisible(indicator)

    def _common_periods(self, frame: str, level: str, indicators: Sequence[str]) -> tuple[str, ...]:
        available = self.service.availability(frame, level)
        sets = [set(available.get(i, ())) for i in dict.fromkeys(indicators)]
        return tuple(sorted(set.intersection(*sets))) if sets else ()

    def _check_period(self, frame: str, level: str, indicators: Sequence[str], period: str) -> None:
        periods = self._common_periods(frame, level, indicators)
        if period not in periods:
            raise UnknownName(f"period with data of {', '.join(indicators)}", period, periods)

    # what the panels offer -----------------------------------------------------------------------------
    def choices(self, audience: Audience, frame: str, level: str, lang: str,
                selections: Mapping[str, Sequence[str]] | None = None) -> Choices:
        """Visible indicators of the level, and for every tool (``selections``: tool → chosen indicators)
        the periods with data of all of them; the MSS preset's periods where it applies."""
        self.service.refresh()
        if not self.service.may_see_level(frame, level, audience):
            raise NotVisible(f"{frame}/{level}")
        options = tuple(self.service.indicator_options(frame, level, lang, audience))
        visible = {o.id for o in options}
        periods = {tool: self._common_periods(frame, level, [i for i in chosen if i in visible])
                   if chosen and all(i in visible for i in chosen) else ()
                   for tool, chosen in (selections or {}).items()}
        return Choices(options, periods, self.mss_periods(audience, frame, level))

    def mss_periods(self, audience: Audience, frame: str, level: str) -> tuple[str, ...]:
        """Periods for which the MSS preset can be computed on this level (empty where it does not apply)."""
        needed = [i for i in (*mss_mod.STATUS, *mss_mod.DYNAMICS) if i not in mss_mod.DROPPED_FROM_2019]
        if not (self.service.may_see_level(frame, level, audience)
                and all(self.service.may_see_indicator(i, audience) for i in needed)):
            return ()
        return self._common_periods(frame, level, needed)

    # running -------------------------------------------------------------------------------------------
    def run(self, audience: Audience, request: Request) -> Analysis:
        """Check, then compute (or take from the cache) one analysis."""
        self.service.refresh()
        self._check(audience, request.frame, request.level, request.inputs)
        if isinstance(request, CompositeRequest):
            return self._cached(request, lambda: self._composite(request))
        if isinstance(request, MssRequest):
            base = self._cached(replace(request, show="status"), lambda: self._mss(replace(request, show="status")))
            assert isinstance(base, MssAnalysis)
            return replace(base, request=request)
        if isinstance(request, TypologyRequest):
            return self._cached(request, lambda: self._typology(request))
        if isinstance(request, HotSpotRequest):
            return self._cached(request, lambda: self._hot_spots(request))
        return self._cached(request, lambda: self._scatter(request))

    def composite(self, audience: Audience, frame: str, level: str, period: str, components: Sequence[str],
                  weights: Sequence[float] = (), lowering: Sequence[str] = (),
                  cuts: Sequence[float] = DEFAULT_CUTS, min_population: float | None = None,
                  population: str = mss_mod.POPULATION) -> CompositeAnalysis:
        result = self.run(audience, CompositeRequest(frame, level, period, tuple(components), tuple(weights),
                                                     tuple(lowering), tuple(cuts), min_population, population))
        assert isinstance(result, CompositeAnalysis)
        return result

    def mss(self, audience: Audience, frame: str, level: str, period: str,
            show: Literal["status", "dynamics"] = "status") -> MssAnalysis:
        result = self.run(audience, MssRequest(frame, level, period, show))
        assert isinstance(result, MssAnalysis)
        return result

    def typology(self, audience: Audience, frame: str, level: str, indicators: Sequence[str], period: str,
                 k: int = 4, method: str = "kmeans", seed: int = 0) -> TypologyAnalysis:
        result = self.run(audience, TypologyRequest(frame, level, period, tuple(indicators), k, method, seed))
        assert isinstance(result, TypologyAnalysis)
        return result

    def hot_spots(self, audience: Audience, frame: str, level: str, indicator: str, period: str,
                  alpha: float = 0.05, permutations: int = 999) -> HotSpotAnalysis:
        result = self.run(audience, HotSpotRequest(frame, level, period, indicator, alpha, permutations))
        assert isinstance(result, HotSpotAnalysis)
        return result

    def scatter(self, audience: Audience, frame: str, level: str, x: str, y: str, period: str) -> ScatterAnalysis:
        result = self.run(audience, ScatterRequest(frame, level, period, x, y))
        assert isinstance(result, ScatterAnalysis)
        return result

    def _cached(self, request: Request, compute: Any) -> Analysis:
        return self.service.shared(("analytics", request.frame, request), compute)  # type: ignore[no-any-return]

    # inputs --------------------------------------------------------------------------------------------
    def _wide(self, frame: str, level: str, indicators: Sequence[str], period: str) -> tuple[pd.DataFrame,
                                                                                             frozenset[str]]:
        """Published values (disclosure-controlled) as a wide table over all areas of the level, and the
        areas where any of them is suppressed."""
        return self.service.data.wide(frame, level, list(indicators), period)

    def _specs(self, indicators: Sequence[str]) -> dict[str, IndicatorSpec]:
        specs = self.service.specs()
        return {i: specs[i] for i in indicators if i in specs}

    def _geometries(self, frame: str, level: str) -> gpd.GeoDataFrame:
        def load() -> gpd.GeoDataFrame:
            info = self.service.level_info(frame, level)
            with self.service.store.session() as session:
                return level_geometries(session, info)
        # full-resolution shapes are large and only the hot spots need them: the shared cache (bounded near copy)
        # keeps them, never the per-process structure — a worker does not grow with every level analysed
        return self.service.shared(("analytics-geometries", frame, level), load)

    def _population(self, frame: str, level: str, period: str, spec: CompositeSpec) -> tuple[
            CompositeSpec, pd.Series | None, list[Notice]]:
        """The population for the threshold; without any value for the period the threshold is dropped
        with a notice (as :func:`~sozialmonitor.analytics.composite.composite_for_level` does)."""
        if spec.population is None or spec.min_population is None:
            return spec, None, []
        table, _ = self._wide(frame, level, [spec.population], period)
        population = table[spec.population]
        if population.isna().all():
            notice = Notice("an_threshold_skipped", {"indicator": spec.population, "period": period,
                                                     "threshold": f"{spec.min_population:g}"})
            return CompositeSpec(spec.components, spec.classes, None, None, spec.restandardise), None, [notice]
        return spec, population, []

    # computations ---------------------------------------------------------------------------------------
    def _composite(self, request: CompositeRequest) -> CompositeAnalysis:
        if not request.components:
            raise CompositeError("a composite index needs at least one component")
        self._check_period(request.frame, request.level, request.components, request.period)
        weights = request.weights or tuple(1.0 for _ in request.components)
        if len(weights) != len(request.components):
            raise CompositeError(f"{len(request.components)} components need {len(request.components)} weights, "
                                 f"got {len(weights)}")
        unknown = [i for i in request.lowering if i not in request.components]
        if unknown:
            raise UnknownName("component", unknown[0], request.components)
        cuts = tuple(sorted(set(request.cuts)))
        if not cuts or len(cuts) > 6:
            raise CompositeError(f"{len(cuts)} cut points; allowed: 1 … 6")
        components = tuple(Component(i, float(w), -1 if i in request.lowering else 1)
                           for i, w in zip(request.components, weights, strict=True))
        scheme = ClassScheme(cuts, tuple(str(i) for i in range(1, len(cuts) + 2)))
        population = request.population if request.min_population is not None else None
        spec = CompositeSpec(components, scheme, population, request.min_population)
        spec, pop, notices = self._population(request.frame, request.level, request.period, spec)
        values, suppressed = self._wide(request.frame, request.level, request.components, request.period)
        result = build_composite(values, spec, pop, request.period)
        return CompositeAnalysis(request, self._specs(request.inputs), self.service.areas(request.frame, request.level),
                                 result, suppressed, tuple(notices))

    def _mss(self, request: MssRequest) -> MssAnalysis:
        periods = self.mss_periods_unchecked(request.frame, request.level)
        if not periods:
            raise NotAvailable(f"the MSS preset needs the MSS status and dynamics indicators on "
                               f"{request.frame}/{request.level}")
        if request.period not in periods:
            raise UnknownName("MSS period", request.period, periods)
        notices: list[Notice] = []
        results: list[CompositeResult] = []
        suppressed: frozenset[str] = frozenset()
        for base in (mss_mod.status_spec(request.period), mss_mod.dynamics_spec(request.period)):
            spec, pop, more = self._population(request.frame, request.level, request.period, base)
            notices.extend(n for n in more if n not in notices)
            values, hidden = self._wide(request.frame, request.level, spec.indicators, request.period)
            suppressed |= hidden
            results.append(build_composite(values, spec, pop, request.period))
        status, dynamics = results
        result = MssResult(request.period, mss_mod.edition(request.period), status, dynamics,
                           status_dynamics(status, dynamics))
        return MssAnalysis(request, self._specs(request.inputs), self.service.areas(request.frame, request.level),
                           result, suppressed, tuple(notices))

    def mss_periods_unchecked(self, frame: str, level: str) -> tuple[str, ...]:
        needed = [i for i in (*mss_mod.STATUS, *mss_mod.DYNAMICS) if i not in mss_mod.DROPPED_FROM_2019]
        return self._common_periods(frame, level, needed)

    def _typology(self, request: TypologyRequest) -> TypologyAnalysis:
        if not request.indicators:
            raise typology_mod.TypologyError("a typology needs at least one indicator")
        if not TYPE_K_RANGE[0] <= request.k <= TYPE_K_RANGE[1]:
            raise typology_mod.TypologyError(f"k = {request.k} is outside {TYPE_K_RANGE[0]} … {TYPE_K_RANGE[1]}")
        self._check_period(request.frame, request.level, request.indicators, request.period)
        values, suppressed = self._wide(request.frame, request.level, request.indicators, request.period)
        # scikit-learn's OpenMP threads make k-means on a few hundred areas ~50× slower on small containers
        # (thread oversubscription); one thread is plenty for this size
        with threadpool_limits(1):
            result = typology_mod.typology(values, request.k, request.method, seed=request.seed,
                                           period=request.period)
        return TypologyAnalysis(request, self._specs(request.inputs), self.service.areas(request.frame, request.level),
                                result, suppressed, TYPE_COLOURS[:request.k])

    def _hot_spots(self, request: HotSpotRequest) -> HotSpotAnalysis:
        # only the offered choices: a crafted request must not buy 99,999 permutations per click
        if request.alpha not in ALPHAS:
            raise UnknownName("significance level", request.alpha, ALPHAS)
        if request.permutations not in PERMUTATIONS:
            raise UnknownName("number of permutations", request.permutations, PERMUTATIONS)
        self._check_period(request.frame, request.level, request.inputs, request.period)
        values, suppressed = self._wide(request.frame, request.level, request.inputs, request.period)
        result = hotspots_mod.hot_spots(self._geometries(request.frame, request.level), values[request.indicator],
                                        alpha=request.alpha, permutations=request.permutations,
                                        indicator=request.indicator, period=request.period)
        return HotSpotAnalysis(request, self._specs(request.inputs), self.service.areas(request.frame, request.level),
                               result, suppressed)

    def _scatter(self, request: ScatterRequest) -> ScatterAnalysis:
        self._check_period(request.frame, request.level, request.inputs, request.period)
        if request.x == request.y:
            raise UnknownName("second indicator (must differ from the first)", request.y, ())
        values, suppressed = self._wide(request.frame, request.level, request.inputs, request.period)
        result = scatter(values[request.x], values[request.y], x_indicator=request.x, y_indicator=request.y)
        return ScatterAnalysis(request, self._specs(request.inputs), self.service.areas(request.frame, request.level),
                               result, suppressed)

    # saving ---------------------------------------------------------------------------------------------
    def save(self, audience: Audience, request: SavableRequest, indicator_id: str, name_de: str,
             name_en: str = "") -> SavedIndicator:
        """Store the result of ``request`` as indicator ``indicator_id`` (planner and admin only)."""
        if audience.role not in SAVING_ROLES:
            raise NotAllowed(f"saving a result as an indicator needs the role planner or admin, not "
                             f"{audience.role!r}")
        if isinstance(request, ScatterRequest):
            raise NotAllowed("a scatter plot is not an indicator and cannot be saved")
        indicator_id = indicator_id.strip()
        if not ID_PATTERN.match(indicator_id):
            raise UnknownName("indicator id (letters, digits, _ . -; max. 64)", indicator_id, ())
        name_de = name_de.strip()
        name_en = name_en.strip() or name_de
        if not name_de:
            raise UnknownName("German name (required)", name_de, ())
        analysis = self.run(audience, request)
        derived, fields_ = _derived(analysis)
        specs = self.service.specs()
        inputs = [specs[i] for i in dict.fromkeys(request.inputs) if i in specs]
        internal = any(s.visibility != Visibility.PUBLIC for s in inputs) or not may_see(
            Audience(), self.service.level_info(request.frame, request.level).visibility)
        spec = IndicatorSpec(
            id=indicator_id, name_de=name_de, name_en=name_en, topic="Analyse", topic_en="Analysis",
            aggregation="none", visibility=Visibility.INTERNAL.value if internal else Visibility.PUBLIC.value,
            source="Sozialmonitor: " + "; ".join(dict.fromkeys(s.source for s in inputs if s.source)),
            licence="; ".join(dict.fromkeys(s.licence for s in inputs if s.licence)), **fields_)
        summary = save_to_store(self.service.store, request.frame, request.level, derived, spec)
        self.service.refresh()
        return SavedIndicator(self.service.specs().get(indicator_id, spec), request.period, summary)

    # map mode -------------------------------------------------------------------------------------------
    def category_map(self, audience: Audience, frame: str, level: str, labels_by_area: Mapping[str, str],
                     categories: Sequence[str], colours: Sequence[str], lang: str, *,
                     category_labels: Sequence[str] | None = None, title: str = "",
                     values: Mapping[str, float] | None = None, unit: str = "", decimals: int = 0,
                     selected: Sequence[str] = (), suppressed: Collection[str] = ()) -> CategoryMap:
        """Paint ``labels_by_area`` (area code → one of ``categories``) with ``colours`` (one per category)
        on the level's geometry. Areas without a label are *no data*, or *suppressed* when listed in
        ``suppressed``. ``values`` (optional) show in the tooltip; ``category_labels`` name the categories
        in the legend and tooltip (default: the categories themselves)."""
        if not self.service.may_see_level(frame, level, audience):
            raise NotVisible(f"{frame}/{level}")
        if len(colours) != len(categories):
            raise UnknownName(f"number of colours for {len(categories)} categories", len(colours),
                              [len(categories)])
        names = list(category_labels or categories)
        position = {c: i for i, c in enumerate(categories)}
        unknown = sorted({v for v in labels_by_area.values() if v not in position})
        if unknown:
            raise UnknownName("category", unknown[0], categories)
        areas = self.service.areas(frame, level)
        hidden = set(suppressed)
        classes: list[int] = []
        for code in areas.codes:
            label = labels_by_area.get(code)
            classes.append(position[label] if label is not None else SUPPRESSED if code in hidden else NO_DATA)
        vals: list[float | None] = []
        for code in areas.codes:
            value = (values or {}).get(code)
            vals.append(round(float(value), decimals + 2) if value is not None and math.isfinite(value) else None)
        counts = [classes.count(i) for i in range(len(categories))]
        legend = [LegendEntry("category", colours[i], counts[i], label=names[i]) for i in range(len(categories))]
        if classes.count(NO_DATA):
            legend.append(LegendEntry("no_data", "", classes.count(NO_DATA)))
        if classes.count(SUPPRESSED):
            legend.append(LegendEntry("suppressed", "", classes.count(SUPPRESSED)))
        lookup = areas.index
        return CategoryMap(title, tuple(classes), tuple(vals), tuple(colours), tuple(names),
                           tuple(sorted(lookup[c] for c in selected if c in lookup)),
                           self.service.geometry_url(frame, level), tuple(legend), unit, decimals)

    def title(self, audience: Audience, request: Request, lang: str) -> str:
        """What a result is called on the map and in the save form, e.g. "Hot Spots: S4 Kinderarmut · 31.12.2018"
        (names are only given to an audience that may see the inputs)."""
        self._check(audience, request.frame, request.level, request.inputs)
        when = period_label(request.period, lang)
        specs = self.service.specs()
        if isinstance(request, HotSpotRequest):
            spec = specs.get(request.indicator)
            return t("an_map_hot_spots", lang, name=spec.name(lang) if spec else request.indicator, period=when)
        if isinstance(request, TypologyRequest):
            return t("an_map_typology", lang, k=request.k, period=when)
        if isinstance(request, MssRequest):
            return t(f"an_map_mss_{request.show}", lang, period=when)
        if isinstance(request, CompositeRequest):
            return t("an_map_composite", lang, period=when)
        names = [specs[i].name(lang) if i in specs else i for i in request.inputs]
        return f"{names[0]} × {names[1]} · {when}"

    def map_of(self, audience: Audience, analysis: Analysis, lang: str, selected: Sequence[str] = ()) -> CategoryMap:
        """The map mode of an analysis: index classes, types or hot-spot clusters."""
        request = analysis.request
        frame, level = request.frame, request.level
        if isinstance(analysis, HotSpotAnalysis):
            table = analysis.result.table
            present = [c for c in HOT_SPOT_ORDER if c != "island" or bool((table["cluster"] == "island").any())]
            labels = {str(code): str(c) for code, c in table["cluster"].items() if c in present}
            spec = analysis.specs[analysis.request.indicator]
            unit = spec.unit_en if lang == "en" and spec.unit_en else spec.unit
            return self.category_map(
                audience, frame, level, labels, present, [HOT_SPOT_COLOURS[c] for c in present], lang,
                category_labels=[t(f"an_cluster_{c}", lang) for c in present],
                title=self.title(audience, request, lang),
                values={str(c): float(v) for c, v in table["value"].dropna().items()}, unit=unit,
                decimals=spec.decimals, selected=selected, suppressed=analysis.suppressed)
        if isinstance(analysis, TypologyAnalysis):
            types = analysis.result.types
            categories = [str(i) for i in range(1, analysis.result.k + 1)]
            return self.category_map(
                audience, frame, level, {str(c): str(v) for c, v in types.items()}, categories,
                list(analysis.colours), lang, category_labels=[t("an_type", lang, n=c) for c in categories],
                title=self.title(audience, request, lang),
                selected=selected, suppressed=analysis.suppressed)
        if isinstance(analysis, ScatterAnalysis):
            raise NotAvailable("a scatter plot has no map mode")
        composite = analysis.shown if isinstance(analysis, MssAnalysis) else analysis.result
        table = composite.table
        labels_ = list(composite.spec.classes.labels)
        if isinstance(analysis, MssAnalysis):
            show = analysis.request.show
            names = [t(f"an_mss_{show}_{i}", lang) for i in range(1, len(labels_) + 1)]
        else:
            names = class_ranges(composite.spec.classes.cuts, lang)
        title = self.title(audience, request, lang)
        return self.category_map(
            audience, frame, level, {str(c): str(v) for c, v in table["label"].items()}, labels_,
            for_indicator(Polarity.HIGHER_IS_WORSE, len(labels_)), lang, category_labels=names, title=title,
            values={str(c): float(v) for c, v in table["index"].items()}, unit="", decimals=2, selected=selected,
            suppressed=analysis.suppressed)


def class_ranges(cuts: Sequence[float], lang: str) -> list[str]:
    """Legend labels of classes cut at ``cuts`` standard deviations (``< −1 SD``, ``−1 … 1 SD``, ``> 1 SD``)."""
    sd = t("an_sd", lang)
    text = [format_number(c, 1, lang) for c in cuts]
    labels = [f"< {text[0]} {sd}"]
    labels += [f"{a} … {b} {sd}" for a, b in itertools.pairwise(text)]
    labels.append(f"> {text[-1]} {sd}")
    return labels


def _derived(analysis: Analysis) -> tuple[DerivedValues, dict[str, Any]]:
    """The values to store and the catalogue fields that describe them."""
    if isinstance(analysis, MssAnalysis):
        index = analysis.shown
        return index.derived("class"), {
            "unit": "Klasse", "unit_en": "class", "polarity": Polarity.HIGHER_IS_WORSE.value, "decimals": 0,
            "definition_de": t(f"an_def_mss_{analysis.request.show}", "de"),
            "definition_en": t(f"an_def_mss_{analysis.request.show}", "en")}
    if isinstance(analysis, CompositeAnalysis):
        return analysis.result.derived("index"), {
            "unit": "z", "unit_en": "z", "polarity": Polarity.NEUTRAL.value, "decimals": 2, "scale": "diverging",
            "definition_de": t("an_def_composite", "de"), "definition_en": t("an_def_composite", "en")}
    if isinstance(analysis, TypologyAnalysis):
        return analysis.result.derived(), {
            "unit": "Typ", "unit_en": "type", "polarity": Polarity.NEUTRAL.value, "decimals": 0,
            "definition_de": t("an_def_typology", "de"), "definition_en": t("an_def_typology", "en")}
    if isinstance(analysis, HotSpotAnalysis):
        return analysis.result.derived(), {
            "unit": "Klasse", "unit_en": "class", "polarity": Polarity.NEUTRAL.value, "decimals": 0,
            "definition_de": t("an_def_hot_spots", "de"), "definition_en": t("an_def_hot_spots", "en")}
    raise NotAllowed("a scatter plot is not an indicator and cannot be saved")
