"""Export a frame: its catalogue, areas (GeoPackage, a layer per level, full resolution) and long
observation tables per level, with a manifest that ``import-manifest`` reads back.

Import → export → import yields an identical store: values are written with the shortest text that
reads back to the same float, and geometry as stored.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import yaml
from sqlalchemy import select

from sozialmonitor.catalogue import FIELDS, load_specs
from sozialmonitor.frames import get_frame, levels
from sozialmonitor.geometry import STORE_CRS, from_wkb
from sozialmonitor.model import Area, Observation
from sozialmonitor.store import Store

LONG_COLUMNS = ["area_id", "indicator_id", "period", "value", "status"]


def _number(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return repr(float(value))  # type: ignore[arg-type]


def export_frame(store: Store, frame_id: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with store.session() as session:
        frame = get_frame(session, frame_id)
        specs = load_specs(session)
        catalogue_path = out / "catalogue.csv"
        rows = [{k: ("" if v is None else v) for k, v in asdict(spec).items()} for spec in specs.values()]
        pd.DataFrame(rows, columns=list(FIELDS)).sort_values("id").to_csv(catalogue_path, index=False)
        written.append(catalogue_path)
        gpkg = out / "areas.gpkg"
        if gpkg.exists():
            gpkg.unlink()
        manifest_levels: list[dict[str, Any]] = []
        manifest_indicators: list[dict[str, Any]] = []
        for level in levels(session, frame_id):
            parent_codes = {}
            if level.parent_key is not None:
                parent_level = next(i for i in levels(session, frame_id) if i.key == level.parent_key)
                parent_codes = dict(session.execute(
                    select(Area.id, Area.code).where(Area.level_id == parent_level.id)).all())
            areas = session.execute(
                select(Area.id, Area.code, Area.name, Area.parent_id, Area.geom)
                .where(Area.level_id == level.id).order_by(Area.code)).all()
            gdf = gpd.GeoDataFrame(
                {"id": [a.code for a in areas], "name": [a.name for a in areas],
                 "parent_id": [parent_codes.get(a.parent_id) if a.parent_id else None for a in areas]},
                geometry=[from_wkb(a.geom) for a in areas], crs=STORE_CRS)
            gdf.to_file(gpkg, layer=level.key, driver="GPKG", engine="pyogrio")
            entry: dict[str, Any] = {"id": level.key, "name_de": level.name_de, "name_en": level.name_en,
                                     "parent": level.parent_key, "file": gpkg.name, "layer": level.key,
                                     "source": level.source, "licence": level.licence,
                                     "visibility": level.visibility}
            manifest_levels.append(entry)
            obs = pd.DataFrame(session.execute(
                select(Area.code, Observation.indicator_id, Observation.period, Observation.value,
                       Observation.status, Observation.numerator, Observation.denominator)
                .join(Area, Area.id == Observation.area_id).where(Area.level_id == level.id)
            ).all(), columns=["area_id", "indicator_id", "period", "value", "status", "numerator", "denominator"])
            if obs.empty:
                continue
            obs = obs.sort_values(["indicator_id", "period", "area_id"])
            columns = list(LONG_COLUMNS)
            for extra in ("numerator", "denominator"):
                if obs[extra].notna().any():
                    columns.append(extra)
            table = obs[columns].copy()
            for col in ("value", "numerator", "denominator"):
                if col in table:
                    table[col] = [_number(v) for v in table[col]]
            path = out / f"observations_{level.key}.csv"
            table.to_csv(path, index=False)
            written.append(path)
            manifest_indicators.append({"file": path.name, "level": level.key, "format": "long"})
        written.append(gpkg)
        manifest = {"catalogue": catalogue_path.name,
                    "frames": [{"id": frame.id, "name_de": frame.name_de, "name_en": frame.name_en,
                                "levels": manifest_levels, "indicators": manifest_indicators}]}
        manifest_path = out / "manifest.yaml"
        manifest_path.write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
        written.append(manifest_path)
    return written
