"""What the domain hands to the layouts: frozen dataclasses of plain values, nothing formatted for a widget.

Wording that depends only on presentation — titles, legend labels, the map's wire format — is left to
``layouts/``; notices name their message by key (:class:`sozialmonitor.view.Notice`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.classify import Classification
from sozialmonitor.view import Notice, ViewState

NO_DATA = -1  # class of an area without a value
SUPPRESSED = -2  # class of an area whose value is suppressed
LOW_BASE = -3  # class of an area whose rate rests on too small a base: shown, hatched, in no class
SUPPRESSED_STATUSES = frozenset({"secret"})


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
    """One entry of a map's legend. The layout words it: a class by its bounds (``lower`` … ``upper``, the first
    class closed below), a category by its ``label``, no data and suppressed by their kind."""

    kind: str  # "class", "category", "no_data" or "suppressed"
    colour: str
    count: int
    lower: float | None = None
    upper: float | None = None
    first: bool = False
    label: str = ""


@dataclass(frozen=True)
class MapData:
    """A map of one resolved view: values, classes and colours aligned to the level's areas (code order, the
    geometry's feature order). :mod:`layouts.mapview` turns it into the map's wire format, legend and title."""

    state: ViewState
    name: str  # the indicator's name in the view's language
    unit: str
    decimals: int
    legend_decimals: int
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
    outline: bool  # the parent level's outline is wanted (the view's choice, else by the number of areas)
    outline_url: str | None  # its geometry, when wanted, there is a parent level and the audience may see it

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
    table: bool = False  # the table view is to be sent (the layout builds it from the map's data)
