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

from sozialmonitor.access import SUPPRESSED_STATUS, VALUE_STATUSES, Family, apply, family_of, low_base, primary
from sozialmonitor.aggregate import empty_frame, needed_indicators, roll_up
from sozialmonitor.catalogue import IndicatorSpec, load_specs
from sozialmonitor.disclosure import FRAME, Cell, Table, build_table, protect
from sozialmonitor.frames import LevelInfo, levels
from sozialmonitor.structure import AreaTable, area_table, child_of, series_by_period
from sozialmonitor.vocab import Aggregation

T = TypeVar("T")
FRAME_REFERENCE = FRAME  # the key of the frame as a whole (the parent of a top level's areas)
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

    def chain(self, frame: str) -> list[LevelInfo]:
        """The frame's levels from the top down, each the child of the one before."""
        infos = self.source.level_infos(frame)
        out = [i for i in infos if i.parent_key is None][:1]
        while out and (child := child_of(infos, out[-1].key)) is not None and child not in out:
            out.append(child)
        return out

    def family_table(self, frame: str, indicator: str, period: str) -> Table | None:
        """The true values of the protected family of a count in one period, on every level (own data or rolled
        up) and as the frame total, with the relations between them (:func:`sozialmonitor.disclosure.build_table`);
        ``None`` when the indicator is not a protected count. For computing, never for showing."""
        family = family_of(self.source.specs(), indicator)
        if family is None:
            return None
        levels = []
        columns: dict[tuple[str, str], dict[str, float]] = {}
        for info in self.chain(frame):
            areas = self.source.areas(frame, info.key)
            levels.append((info.key, dict(zip(areas.codes, areas.parents, strict=True))))
            for member in family.members:
                raw = self.raw(frame, info.key, member, period)[0]
                if raw.empty:
                    continue
                usable = raw["value"].where(raw["status"].isin(list(VALUE_STATUSES))).dropna()
                columns[(member, info.key)] = {str(k): float(v) for k, v in usable.items()}
        return build_table(levels, columns, dict(family.parts), dict(family.thresholds))

    def hidden(self, frame: str, indicator: str, period: str) -> frozenset[Cell]:
        """The cells of a count's family that must not be published (primary and secondary suppression over the
        frame's whole hierarchy, :func:`sozialmonitor.disclosure.protect`); empty for unprotected indicators."""
        family = family_of(self.source.specs(), indicator)
        if family is None:
            return frozenset()

        def load() -> frozenset[Cell]:
            if not self.any_secret(frame, family, period):
                return frozenset()
            table = self.family_table(frame, indicator, period)
            return frozenset(protect(table)) if table is not None else frozenset()
        return self._memo(("hidden", frame, family.members, period), load)  # type: ignore[no-any-return]

    def any_secret(self, frame: str, family: Family, period: str) -> bool:
        """Whether any count of the family is secret in the period, from the levels' own data alone: a rolled-up
        value below ``min_count`` (and above 0) has a child below it too, so without a secret own value no cell is
        secret and nothing needs to be rolled up to know it."""
        for info in self.chain(frame):
            for member, limit in family.thresholds:
                own = self.own_series(frame, info.key, member).get(period)
                if own is None or own.empty:
                    continue
                value = own["value"].where(own["status"].isin(list(VALUE_STATUSES)))
                if bool(((value > 0) & (value < limit)).any()):
                    return True
        return False

    def _secret_counts(self, frame: str, level: str, spec: IndicatorSpec, period: str) -> set[str]:
        """Areas of a level where the indicator publishes a secret count: the count itself, or for a ratio its
        numerator or denominator count."""
        counts = [spec.id] if spec.aggregation == Aggregation.SUM else \
            [c for c in (spec.numerator, spec.denominator) if c] if spec.aggregation == Aggregation.RATIO else []
        areas: set[str] = set()
        for count in counts:
            areas |= {a for (m, lv, a) in self.hidden(frame, count, period) if m == count and lv == level}
        return areas

    def shown(self, frame: str, level: str, indicator: str, period: str) -> pd.DataFrame:
        """The values that may be published: secret cells hidden, rates on a small base flagged ``low_base`` (see
        :mod:`sozialmonitor.access`)."""
        def load() -> pd.DataFrame:
            raw = self.raw(frame, level, indicator, period)[0]
            spec = self.source.specs().get(indicator)
            if spec is None or raw.empty:
                return raw
            secret = raw.index.isin(list(self._secret_counts(frame, level, spec, period)))
            mask = pd.Series(secret, index=raw.index)
            if spec.aggregation != Aggregation.SUM:
                mask |= primary(raw, spec)
            return apply(raw, mask, low_base(raw, spec))
        return self._memo(("shown", frame, level, indicator, period), load)  # type: ignore[no-any-return]

    def reference(self, frame: str, level: str, indicator: str, period: str) -> float | None:
        """The whole frame's value by the catalogue rule (never a plain mean of shares); ``None`` when there is
        no total or it is secret."""
        def load() -> float | None:
            spec = self.source.specs().get(indicator)
            if spec is None or spec.aggregation == Aggregation.NONE:
                return None
            if FRAME in self._secret_counts(frame, "", spec, period):
                return None
            codes = self.source.areas(frame, level).codes
            children = pd.Series(FRAME_REFERENCE, index=list(codes))
            tables = {i: self.raw(frame, level, i, period)[0] for i in needed_indicators(spec)}
            out = roll_up(spec, children, tables)
            if out.empty or FRAME_REFERENCE not in out.index:
                return None
            if spec.aggregation != Aggregation.SUM and bool(primary(out, spec).loc[FRAME_REFERENCE]):
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
