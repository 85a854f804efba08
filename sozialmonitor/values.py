"""The one path for values: a level's own observations → rolled up from the child level where it has none →
disclosure control. The dashboard, the read API, the analytics, the downloads and the CLI all read values here.

:class:`Values` reads through a :class:`Source` (the store's structure and its own observations) and keeps what it
computes with a ``memo`` — the shared cache in the web app (:class:`sozialmonitor.service.Service`), a plain
dict for one session (:class:`SessionSource`, used by the analytics' ``…_for_level`` functions and the CLI).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from sozialmonitor.access import SUPPRESSED_STATUS, VALUE_STATUSES, disclose, primary
from sozialmonitor.aggregate import empty_frame, needed_indicators, roll_up
from sozialmonitor.catalogue import IndicatorSpec, load_specs
from sozialmonitor.frames import LevelInfo, levels
from sozialmonitor.structure import AreaTable, area_table, child_of, series_by_period
from sozialmonitor.vocab import Aggregation

T = TypeVar("T")
FRAME_REFERENCE = "__frame__"  # the key of the frame as a whole (the parent of a top level's areas)
Memo = Callable[[tuple[Any, ...], Callable[[], Any]], Any]


class Source(Protocol):
    """What :class:`Values` reads: the catalogue, a frame's levels and areas, and a level's own observations."""

    def specs(self) -> dict[str, IndicatorSpec]: ...

    def level_infos(self, frame: str) -> list[LevelInfo]: ...

    def areas(self, frame: str, level: str) -> AreaTable: ...

    def read_own_series(self, frame: str, level: str, indicator: str) -> dict[str, pd.DataFrame]: ...


def _finite(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


class Values:
    """Values of one indicator on one level for one period, indexed by area code (columns value, numerator,
    denominator, status). Every method's result goes through ``memo`` under a key whose second element is the
    frame (the shared cache keys it by the frame's data generation)."""

    def __init__(self, source: Source, memo: Memo | None = None) -> None:
        self.source = source
        if memo is None:
            kept: dict[tuple[Any, ...], Any] = {}

            def memo(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
                if key not in kept:
                    kept[key] = compute()
                return kept[key]
        self._memo: Memo = memo

    def own_series(self, frame: str, level: str, indicator: str) -> dict[str, pd.DataFrame]:
        """The level's own observations of one indicator, every period (a switch to an indicator then reads its
        series at once)."""
        return self._memo(("own", frame, level, indicator),  # type: ignore[no-any-return]
                          lambda: self.source.read_own_series(frame, level, indicator))

    def raw(self, frame: str, level: str, indicator: str, period: str) -> tuple[pd.DataFrame, bool]:
        """Observations of a level and whether they were derived: the level's own data, or — where it has none —
        values rolled up from the child level by the catalogue rule (:func:`sozialmonitor.aggregate.roll_up`).
        Not disclosure-controlled: for computing, never for showing."""
        def load() -> tuple[pd.DataFrame, bool]:
            own = self.own_series(frame, level, indicator).get(period)
            if own is not None:
                return own, False
            spec = self.source.specs().get(indicator)
            child = child_of(self.source.level_infos(frame), level)
            if spec is None or child is None or spec.aggregation == Aggregation.NONE:
                return empty_frame(), False
            tables = {i: self.raw(frame, child.key, i, period)[0] for i in needed_indicators(spec)}
            if all(t.empty for t in tables.values()):
                return empty_frame(), True
            areas = self.source.areas(frame, child.key)
            children = pd.Series(areas.parents, index=list(areas.codes)).dropna()
            return roll_up(spec, children, tables), True
        return self._memo(("values", frame, level, indicator, period), load)  # type: ignore[no-any-return]

    def shown(self, frame: str, level: str, indicator: str, period: str) -> pd.DataFrame:
        """The values that may be published: disclosure control applied (see :mod:`sozialmonitor.access`)."""
        def load() -> pd.DataFrame:
            raw = self.raw(frame, level, indicator, period)[0]
            spec = self.source.specs().get(indicator)
            if spec is None:
                return raw
            areas = self.source.areas(frame, level)
            groups = pd.Series([p if p is not None else FRAME_REFERENCE for p in areas.parents],
                               index=list(areas.codes))
            return disclose(raw, spec, groups)
        return self._memo(("shown", frame, level, indicator, period), load)  # type: ignore[no-any-return]

    def reference(self, frame: str, level: str, indicator: str, period: str) -> float | None:
        """The whole frame's value by the catalogue rule (never a plain mean of shares); ``None`` when there is
        no total or it is too small to publish."""
        def load() -> float | None:
            spec = self.source.specs().get(indicator)
            if spec is None or spec.aggregation == Aggregation.NONE:
                return None
            codes = self.source.areas(frame, level).codes
            children = pd.Series(FRAME_REFERENCE, index=list(codes))
            tables = {i: self.raw(frame, level, i, period)[0] for i in needed_indicators(spec)}
            out = roll_up(spec, children, tables)
            if out.empty or FRAME_REFERENCE not in out.index or bool(primary(out, spec).loc[FRAME_REFERENCE]):
                return None
            return _finite(out.loc[FRAME_REFERENCE, "value"])
        return self._memo(("reference", frame, level, indicator, period), load)  # type: ignore[no-any-return]

    def aligned(self, frame: str, level: str, indicator: str, period: str) -> tuple[list[float | None], list[str]]:
        """Published values and statuses in the level's area order (``missing`` where there is no row)."""
        def load() -> tuple[list[float | None], list[str]]:
            table = self.shown(frame, level, indicator, period)
            codes = list(self.source.areas(frame, level).codes)
            status = table["status"].reindex(codes).fillna("missing")
            value = table["value"].reindex(codes).where(status.isin(list(VALUE_STATUSES)))
            value = value.where(np.isfinite(value.to_numpy(dtype="float64", na_value=np.nan)))
            return [None if v != v else float(v) for v in value.tolist()], [str(x) for x in status.tolist()]
        return self._memo(("aligned", frame, level, indicator, period), load)  # type: ignore[no-any-return]

    def wide(self, frame: str, level: str, indicators: Sequence[str], period: str | Sequence[str], *,
             disclosed: bool = True) -> tuple[pd.DataFrame, frozenset[str]]:
        """One row per area of the level (code order), one column per indicator — NaN where an area has no usable
        value — and the areas where any of them is suppressed. ``period`` is one period for all indicators or
        one per indicator. ``disclosed=False`` reads the values before disclosure control (CLI, method checks)."""
        periods = [period] * len(indicators) if isinstance(period, str) else list(period)
        if len(periods) != len(indicators):
            raise ValueError(f"expected {len(indicators)} periods, got {len(periods)}")
        codes = list(self.source.areas(frame, level).codes)
        out = pd.DataFrame(index=pd.Index(codes, name="area_id"))
        suppressed: set[str] = set()
        for indicator, when in dict.fromkeys(zip(indicators, periods, strict=True)):
            table = self.shown(frame, level, indicator, when) if disclosed \
                else self.raw(frame, level, indicator, when)[0]
            if table.empty:
                out[indicator] = np.nan
                continue
            usable = table["value"].where(table["status"].isin(list(VALUE_STATUSES)))
            out[indicator] = usable.reindex(codes).astype("float64").to_numpy()
            suppressed |= {str(c) for c in table.index[table["status"] == SUPPRESSED_STATUS]}
        return out, frozenset(suppressed)


class SessionSource:
    """A :class:`Source` over one open session (no process-wide state): for the CLI and the analytics'
    ``…_for_level`` functions. Structure is read once per source."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._specs: dict[str, IndicatorSpec] | None = None
        self._levels: dict[str, list[LevelInfo]] = {}
        self._areas: dict[tuple[str, str], AreaTable] = {}

    def specs(self) -> dict[str, IndicatorSpec]:
        if self._specs is None:
            self._specs = load_specs(self.session)
        return self._specs

    def level_infos(self, frame: str) -> list[LevelInfo]:
        if frame not in self._levels:
            self._levels[frame] = levels(self.session, frame)
        return self._levels[frame]

    def _info(self, frame: str, level: str) -> LevelInfo:
        return next(i for i in self.level_infos(frame) if i.key == level)

    def areas(self, frame: str, level: str) -> AreaTable:
        if (frame, level) not in self._areas:
            self._areas[(frame, level)] = area_table(self.session, self._info(frame, level))
        return self._areas[(frame, level)]

    def read_own_series(self, frame: str, level: str, indicator: str) -> dict[str, pd.DataFrame]:
        return series_by_period(self.session, self._info(frame, level), indicator)


def session_values(session: Session) -> Values:
    """The values path over one open session."""
    return Values(SessionSource(session))
