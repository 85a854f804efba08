"""The store's structure as the web app reads it: catalogue, frames, levels, areas, which indicators and periods
exist on a level, and each level's geometry — per process, small, rebuilt when an import changed the store.

What an audience may see of it is decided here too (``visible_levels``, ``may_see_indicator``), so every caller
— dashboard, read API, analytics — treats what it may not see exactly like what does not exist.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from sozialmonitor import frames as frames_mod
from sozialmonitor.access import Audience, may_see
from sozialmonitor.aggregate import needed_indicators
from sozialmonitor.catalogue import IndicatorSpec, load_specs
from sozialmonitor.frames import LevelInfo
from sozialmonitor.geometry import from_wkb
from sozialmonitor.model import Area, Frame, Observation
from sozialmonitor.observations import own_series
from sozialmonitor.store import Store, frame_generations, generation
from sozialmonitor.vocab import Aggregation

T = TypeVar("T")


@dataclass(frozen=True)
class AreaTable:
    """The areas of a level in code order (the order of the geometry's features and of every aligned list)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    index: dict[str, int]
    parents: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class GeometryPayload:
    gzip_body: bytes
    etag: str
    raw_bytes: int


def child_of(levels: Sequence[LevelInfo], key: str) -> LevelInfo | None:
    """The level directly below ``key`` (whose areas have parents on ``key``), if any — the one rule by which
    values are rolled up and availability is derived."""
    return next((info for info in levels if info.parent_key == key), None)


def area_table(session: Session, info: LevelInfo) -> AreaTable:
    """The areas of a level with their parents' codes, by code."""
    parent = aliased(Area)
    rows = session.execute(
        select(Area.code, Area.name, parent.code.label("parent"))
        .outerjoin(parent, parent.id == Area.parent_id)
        .where(Area.level_id == info.id).order_by(Area.code)).all()
    codes = tuple(r.code for r in rows)
    return AreaTable(codes, tuple(r.name for r in rows), {c: i for i, c in enumerate(codes)},
                     tuple(r.parent for r in rows))


def series_by_period(session: Session, info: LevelInfo, indicator: str) -> dict[str, pd.DataFrame]:
    """A level's own observations of one indicator, every period (one query), each indexed by area code."""
    table = own_series(session, info, indicator)
    return {str(p): part.drop(columns="period") for p, part in table.groupby("period", sort=True)}


def level_geojson(rows: Sequence[Any]) -> GeometryPayload:
    """GeoJSON of a level's web geometry from rows of (code, name, geom_web) in code order, gzip-compressed once.
    ``properties.i`` is the feature's index, which the map's aligned arrays use."""
    features = []
    for i, row in enumerate(rows):
        geometry = json.loads(shapely.to_geojson(from_wkb(row.geom_web)))
        features.append({"type": "Feature", "properties": {"id": row.code, "name": row.name, "i": i},
                         "geometry": geometry})
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    return GeometryPayload(gzip.compress(body, compresslevel=9, mtime=0), hashlib.sha256(body).hexdigest(), len(body))


class Structure:
    """Catalogue, frames, levels, areas, availability and geometry of a store, kept per process until the next
    import (the store's generation counter), and the store's own observations on request (not kept here)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._structure: dict[tuple[Any, ...], Any] = {}
        self._generation = -1
        self._frame_generations: dict[str, int] = {}
        self._lock = threading.Lock()

    def _local(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._structure:
                return self._structure[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._structure[key] = value
        return value

    def refresh(self) -> None:
        """Read the store's generations (one small query): after an import the structure is reloaded."""
        with self.store.session() as session:
            current = generation(session)
            per_frame = frame_generations(session) if current != self._generation else None
        if per_frame is not None:
            with self._lock:
                self._structure.clear()
                self._generation = current
                self._frame_generations = per_frame

    def data_generation(self, frame: str | None) -> int:
        """The generation a frame's data was last changed in (the whole store's for ``None``)."""
        return self._frame_generations.get(frame, self._generation) if frame else self._generation

    # catalogue, frames, levels --------------------------------------------------------------------------
    def specs(self) -> dict[str, IndicatorSpec]:
        def load() -> dict[str, IndicatorSpec]:
            with self.store.session() as session:
                return load_specs(session)
        return self._local(("specs",), load)

    def frame_names(self) -> list[tuple[str, str, str]]:
        """(id, German name, English name) of every frame, by id."""
        def load() -> list[tuple[str, str, str]]:
            with self.store.session() as session:
                return [(f.id, f.name_de, f.name_en) for f in session.scalars(select(Frame).order_by(Frame.id))]
        return self._local(("frames",), load)

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

    def child_level(self, frame: str, level: str) -> LevelInfo | None:
        return child_of(self.level_infos(frame), level)

    # what an audience may see ---------------------------------------------------------------------------
    def visible_levels(self, frame: str, audience: Audience) -> list[LevelInfo]:
        return [i for i in self.level_infos(frame) if may_see(audience, i.visibility)]

    def may_see_level(self, frame: str, level: str, audience: Audience) -> bool:
        return any(i.key == level for i in self.visible_levels(frame, audience))

    def may_see_indicator(self, indicator: str, audience: Audience) -> bool:
        spec = self.specs().get(indicator)
        return spec is not None and may_see(audience, spec.visibility)

    # areas and availability -----------------------------------------------------------------------------
    def areas(self, frame: str, level: str) -> AreaTable:
        def load() -> AreaTable:
            with self.store.session() as session:
                return area_table(session, self.level_info(frame, level))
        return self._local(("areas", frame, level), load)

    def availability(self, frame: str, level: str) -> dict[str, tuple[str, ...]]:
        """Indicator id → periods with data on this level (own data, or derivable from the child level)."""
        def load() -> dict[str, tuple[str, ...]]:
            info = self.level_info(frame, level)
            with self.store.session() as session:
                rows = session.execute(
                    select(Observation.indicator_id, Observation.period).distinct()
                    .join(Area, Area.id == Observation.area_id).where(Area.level_id == info.id)).all()
            own: dict[str, set[str]] = {}
            for indicator_id, period in rows:
                own.setdefault(indicator_id, set()).add(period)
            child = self.child_level(frame, level)
            if child is not None:
                self._derivable(own, self.availability(frame, child.key))
            return {k: tuple(sorted(v)) for k, v in own.items()}
        return self._local(("availability", frame, level), load)

    def _derivable(self, own: dict[str, set[str]], below: dict[str, tuple[str, ...]]) -> None:
        """Add what can be rolled up from the child level's availability ``below`` to ``own``."""
        specs = self.specs()
        for indicator_id, periods in below.items():
            spec = specs.get(indicator_id)
            if spec is None or indicator_id in own or spec.aggregation == Aggregation.NONE:
                continue
            usable = set(periods)
            if spec.aggregation == Aggregation.MEAN and spec.denominator:
                usable &= set(below.get(spec.denominator, ()))
            if needed_indicators(spec) and usable:
                own[indicator_id] = usable

    def periods(self, frame: str, level: str, indicator: str) -> tuple[str, ...]:
        return self.availability(frame, level).get(indicator, ())

    def read_own_series(self, frame: str, level: str, indicator: str) -> dict[str, pd.DataFrame]:
        """The level's own observations of one indicator, every period, with one query, indexed by area code
        (read each time: :class:`sozialmonitor.values.Values` keeps them in the shared cache)."""
        with self.store.session() as session:
            return series_by_period(session, self.level_info(frame, level), indicator)

    # geometry -------------------------------------------------------------------------------------------
    def bounds(self, frame: str, level: str) -> tuple[tuple[float, float], tuple[float, float]]:
        """``((south, west), (north, east))`` of a level, for fitting the map."""
        def load() -> tuple[tuple[float, float], tuple[float, float]]:
            info = self.level_info(frame, level)
            with self.store.session() as session:
                blobs = session.scalars(select(Area.geom_web).where(Area.level_id == info.id)).all()
            minx, miny, maxx, maxy = shapely.total_bounds(np.array([from_wkb(b) for b in blobs]))
            return (float(miny), float(minx)), (float(maxy), float(maxx))
        return self._local(("bounds", frame, level), load)

    def geometry(self, frame: str, level: str) -> GeometryPayload:
        """GeoJSON of a level's web geometry, features ordered by area code (see :func:`level_geojson`)."""
        def load() -> GeometryPayload:
            info = self.level_info(frame, level)
            with self.store.session() as session:
                rows = session.execute(select(Area.code, Area.name, Area.geom_web)
                                       .where(Area.level_id == info.id).order_by(Area.code)).all()
            return level_geojson(rows)
        return self._local(("geometry", frame, level), load)

    def geometry_for(self, frame: str, level: str, audience: Audience) -> GeometryPayload:
        """A level's geometry, only for an audience that may see the level (else KeyError, like unknown)."""
        if not self.may_see_level(frame, level, audience):
            raise KeyError(level)
        return self.geometry(frame, level)

    def geometry_url(self, frame: str, level: str) -> str:
        return f"/geo/{frame}/{level}.geojson?v={self.geometry(frame, level).etag[:12]}"
