"""The import use cases: catalogue, areas, indicators and whole manifests (the shipped demo).

Each runs in one transaction: it validates everything first, reports every problem at once
(:class:`ValidationFailed`), and writes nothing when anything is wrong.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlalchemy.orm import Session

from sozialmonitor import catalogue, frames, observations
from sozialmonitor.errors import Problem, ValidationFailed
from sozialmonitor.progress import NullProgress, Progress
from sozialmonitor.store import Store, bump_generation
from sozialmonitor.summary import ImportSummary

log = logging.getLogger(__name__)

Format = Literal["long", "wide", "inkar"]
DashMeans = Literal["missing", "zero"]


def import_catalogue(store: Store, path: Path) -> ImportSummary:
    with store.transaction() as session:
        return catalogue_into(session, path)


def catalogue_into(session: Session, path: Path) -> ImportSummary:
    specs = catalogue.read_catalogue(path, catalogue.known_aggregations(session))
    summary = catalogue.upsert(session, specs, str(path))
    bump_generation(session)
    return summary


@dataclass(frozen=True)
class LevelOptions:
    parent_level: str | None = None
    level_name_de: str | None = None
    level_name_en: str | None = None
    frame_name_de: str | None = None
    frame_name_en: str | None = None
    source: str | None = None
    licence: str | None = None
    visibility: str | None = None


def import_areas(store: Store, path: Path, **kwargs: Any) -> ImportSummary:
    """Import one area file in its own transaction (arguments as :func:`areas_into`)."""
    with store.transaction() as session:
        return areas_into(session, path, **kwargs)


def areas_into(
    session: Session,
    path: Path,
    *,
    frame: str,
    level: str,
    id_col: str | None = None,
    name_col: str | None = None,
    parent_col: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
    options: LevelOptions = LevelOptions(),
    tolerance_m: float | None = None,
) -> ImportSummary:
    from sozialmonitor.importers.areas import read_areas  # GDAL and geopandas: only when geodata is read

    area_file = read_areas(path, id_col=id_col, name_col=name_col, parent_col=parent_col, crs=crs, layer=layer)
    frames.ensure_frame(session, frame, options.frame_name_de, options.frame_name_en)
    info = frames.ensure_level(
        session, frame, level, parent_key=options.parent_level, name_de=options.level_name_de,
        name_en=options.level_name_en, source=options.source, licence=options.licence,
        visibility=options.visibility, file=str(path),
    )
    summary = frames.store_areas(session, info, area_file, tolerance_m=tolerance_m, parent_col=parent_col)
    bump_generation(session, frame)
    return summary


def import_indicators(store: Store, path: Path, **kwargs: Any) -> ImportSummary:
    """Import one indicator file in its own transaction (arguments as :func:`indicators_into`)."""
    with store.transaction() as session:
        return indicators_into(session, path, **kwargs)


def indicators_into(
    session: Session,
    path: Path,
    *,
    frame: str,
    level: str,
    fmt: Format = "long",
    indicator: str | None = None,
    area_col: str | None = None,
    dash_means: DashMeans = "missing",
    unknown_areas: observations.UnknownAreas = "error",
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    from sozialmonitor.importers.indicator_tables import parse_indicator_table
    from sozialmonitor.importers.tables import read_table  # the Excel readers: only when a table is read

    table = read_table(path, sheet=sheet)
    parsed = parse_indicator_table(table, fmt, indicator=indicator, area_col=area_col, dash_means=dash_means)
    problems: list[Problem] = list(parsed.problems)
    summary = ImportSummary(f"indicators {path} → {frame}/{level}")
    info = frames.get_level(session, frame, level)
    specs = catalogue.load_specs(session)
    rows = parsed.observations
    if fmt == "inkar" and indicator is None and not rows.empty:
        rows = observations.resolve_indicators(rows, specs)  # INKAR's row-1 names → catalogue ids
    areas = frames.area_index(session, info.id)
    kept, more, skipped = observations.validate(
        rows, file=str(path), level=info, areas=areas, specs=specs, unknown_areas=unknown_areas)
    problems.extend(more)
    if problems:
        raise ValidationFailed(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    if skipped:
        summary.skipped = int((~rows["area_id"].isin(areas)).sum())
        summary.notes.append(
            f"{len(skipped)} unknown area id(s) skipped ({summary.skipped} rows): " + ", ".join(skipped))
    bar = progress or NullProgress()
    bar.total = len(kept)
    observations.upsert(session, kept, summary, advance=bar.advance)
    bar.close()
    bump_generation(session, frame)
    return summary


# --- manifests ---------------------------------------------------------------------------------------

def _require(entry: Any, key: str, where: str) -> str:
    """A required text value of a manifest entry (file names, ids); anything else is a clear problem."""
    if not isinstance(entry, dict):
        raise ValidationFailed([Problem(where, None, key, f"expected a mapping with {key!r}, got {entry!r:.60}")])
    value = entry.get(key)
    if value is None or value == "":
        raise ValidationFailed([Problem(where, None, key, "is required")])
    if not isinstance(value, str):
        raise ValidationFailed([Problem(where, None, key, f"must be text, got {value!r:.60}")])
    return value


def _entries(value: Any, key: str, where: str) -> list[Any]:
    """A manifest list (frames, levels, indicators): absent is empty, anything but a list is a problem."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailed([Problem(where, None, key, f"must be a list, got {value!r:.60}")])
    return value


def load_manifest(store: Store, path: Path, *, progress: bool = False) -> list[ImportSummary]:
    """Run a manifest (catalogue, frames with levels and their area files, indicator files) through the
    normal importers. Paths in the manifest are relative to the manifest's folder."""
    where = str(path)
    try:
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationFailed([Problem(where, None, None, f"cannot read the manifest: {exc}")]) from None
    if not isinstance(manifest, dict):
        raise ValidationFailed([Problem(where, None, None, "expected a mapping with 'catalogue' and 'frames'")])
    base = path.parent
    summaries = []
    with store.transaction() as session:  # all or nothing: a half-loaded demo is worse than none
        if manifest.get("catalogue") is not None:
            summaries.append(catalogue_into(session, base / _require(manifest, "catalogue", where)))
        for frame in _entries(manifest.get("frames"), "frames", where):
            frame_id = _require(frame, "id", where)
            for level in _entries(frame.get("levels"), "levels", where):
                summaries.append(areas_into(
                    session, base / _require(level, "file", where), frame=frame_id,
                    level=_require(level, "id", where), id_col=level.get("id_col", "id"),
                    name_col=level.get("name_col", "name"),
                    parent_col=level.get("parent_col", "parent_id") if level.get("parent") else None,
                    layer=level.get("layer"), crs=None if level.get("crs") is None else str(level.get("crs")),
                    options=LevelOptions(
                        parent_level=level.get("parent"), level_name_de=level.get("name_de"),
                        level_name_en=level.get("name_en"), frame_name_de=frame.get("name_de"),
                        frame_name_en=frame.get("name_en"), source=level.get("source"),
                        licence=level.get("licence"), visibility=level.get("visibility"),
                    ),
                ))
            for item in _entries(frame.get("indicators"), "indicators", where):
                file = base / _require(item, "file", where)
                summaries.append(indicators_into(
                    session, file, frame=frame_id, level=_require(item, "level", where),
                    fmt=item.get("format", "long"), indicator=item.get("indicator"),
                    area_col=item.get("area_col"), dash_means=item.get("dash_means", "missing"),
                    unknown_areas=item.get("unknown_areas", "error"), sheet=item.get("sheet"),
                    progress=Progress(f"  {file.name}", 0) if progress else None,
                ))
    return summaries


def demo_manifest(data_dir: Path) -> Path:
    return data_dir / "demo.yaml"


def load_demo_if_empty(store: Store, data_dir: Path) -> bool:
    """Load the shipped demo when the store has no areas yet. Returns True when it loaded."""
    store.upgrade()
    if not store.is_empty():
        return False
    log.info("the store is empty: loading the demo data from %s", data_dir)
    for summary in load_manifest(store, demo_manifest(data_dir)):
        log.info(summary.line())
    return True
