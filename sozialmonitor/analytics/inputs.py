"""Reading analysis inputs from the store: indicator values of a level as a wide table, and area geometries.

Values come through the one values path (:mod:`sozialmonitor.values`), so a level without data of its own gets
the values derived from its child level by the catalogue rule, exactly as the map shows them. Only values
with a usable status (``ok``, ``provisional``, ``unreliable``) enter; everything else is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sozialmonitor.errors import UnknownName
from sozialmonitor.frames import LevelInfo
from sozialmonitor.geometry import STORE_CRS, from_wkb
from sozialmonitor.model import Area
from sozialmonitor.values import session_values


def wide_values(
    session: Session, level: LevelInfo, indicators: Sequence[str], period: str | Sequence[str]
) -> pd.DataFrame:
    """One row per area of the level (sorted by code), one column per indicator; NaN where an area has no
    usable value. ``period`` is one period for all indicators or one per indicator. Read through the one values
    path (:mod:`sozialmonitor.values`) before disclosure control: for the CLI and method checks, never shown."""
    values = session_values(session)
    specs = values.source.specs()
    unknown = [i for i in indicators if i not in specs]
    if unknown:
        raise UnknownName("indicator", unknown[0], specs)
    return values.wide(level.frame_id, level.key, indicators, period, disclosed=False)[0]


def level_geometries(session: Session, level: LevelInfo, *, web: bool = False) -> gpd.GeoDataFrame:
    """The areas of a level (index: code, sorted; columns ``name``, ``geometry``) in EPSG:4326, at full
    resolution unless ``web``."""
    column = Area.geom_web if web else Area.geom
    rows = session.execute(select(Area.code, Area.name, column.label("wkb"))
                           .where(Area.level_id == level.id).order_by(Area.code)).all()
    return gpd.GeoDataFrame(
        {"name": [r.name for r in rows]},
        geometry=[from_wkb(r.wkb) for r in rows],
        index=pd.Index([r.code for r in rows], name="area_id"),
        crs=STORE_CRS,
    )
