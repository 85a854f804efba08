"""What the web app calls. Plain functions over the store; returns frozen dataclasses and DataFrames,
never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from sozialmonitor import frames
from sozialmonitor.model import Area, Frame, Indicator, Observation
from sozialmonitor.store import Store


@dataclass(frozen=True)
class LevelOverview:
    key: str
    name_de: str
    name_en: str
    areas: int


@dataclass(frozen=True)
class FrameOverview:
    id: str
    name_de: str
    name_en: str
    levels: tuple[LevelOverview, ...]


@dataclass(frozen=True)
class Overview:
    frames: tuple[FrameOverview, ...]
    indicators: int
    observations: int


class Service:
    def __init__(self, store: Store) -> None:
        self.store = store

    def overview(self) -> Overview:
        with self.store.session() as session:
            counts = dict(session.execute(
                select(Area.level_id, func.count()).group_by(Area.level_id)).all())
            result = []
            for frame in session.scalars(select(Frame).order_by(Frame.id)):
                levels = tuple(
                    LevelOverview(info.key, info.name_de, info.name_en, counts.get(info.id, 0))
                    for info in frames.levels(session, frame.id)
                )
                result.append(FrameOverview(frame.id, frame.name_de, frame.name_en, levels))
            indicators = session.scalar(select(func.count()).select_from(Indicator)) or 0
            observations = session.scalar(select(func.count()).select_from(Observation)) or 0
        return Overview(tuple(result), indicators, observations)
