"""Frames, levels and areas in the store.

A frame is created on first use; a level names its parent level once, when it is created. Areas are
upserted by their code within the level: a re-import of the same file changes nothing, and areas that
a later file no longer contains are kept (observations hang on them) and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from sozialmonitor.errors import Problem, UnknownName, ValidationFailed
from sozialmonitor.geometry import simplify_for_web, to_wkb
from sozialmonitor.model import Area, Frame, Level
from sozialmonitor.summary import ImportSummary

if TYPE_CHECKING:  # reading geodata (GDAL) loads only with an import
    from sozialmonitor.importers.areas import AreaFile


@dataclass(frozen=True)
class LevelInfo:
    id: int
    frame_id: str
    key: str
    name_de: str
    name_en: str
    parent_key: str | None
    source: str
    licence: str
    visibility: str = "public"

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_de


def frame_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Frame.id).order_by(Frame.id)))


def get_frame(session: Session, frame_id: str) -> Frame:
    frame = session.get(Frame, frame_id)
    if frame is None:
        raise UnknownName("frame", frame_id, frame_ids(session))
    return frame


def ensure_frame(session: Session, frame_id: str, name_de: str | None = None, name_en: str | None = None) -> Frame:
    frame = session.get(Frame, frame_id)
    if frame is None:
        frame = Frame(id=frame_id, name_de=name_de or frame_id, name_en=name_en or name_de or frame_id)
        session.add(frame)
        session.flush()
    else:
        if name_de and frame.name_de != name_de:
            frame.name_de = name_de
        if name_en and frame.name_en != name_en:
            frame.name_en = name_en
    return frame


def levels(session: Session, frame_id: str) -> list[LevelInfo]:
    """The levels of a frame, top level first (parents before children)."""
    rows = list(session.scalars(select(Level).where(Level.frame_id == frame_id).order_by(Level.id)))
    by_id = {row.id: row for row in rows}
    infos = {
        row.id: LevelInfo(
            row.id, row.frame_id, row.key, row.name_de, row.name_en,
            by_id[row.parent_id].key if row.parent_id in by_id else None, row.source, row.licence, row.visibility,
        )
        for row in rows
    }

    def depth(level_id: int) -> int:
        parent = by_id[level_id].parent_id
        return 0 if parent is None or parent not in by_id else 1 + depth(parent)

    return sorted(infos.values(), key=lambda info: (depth(info.id), info.id))


def get_level(session: Session, frame_id: str, key: str) -> LevelInfo:
    get_frame(session, frame_id)
    for info in levels(session, frame_id):
        if info.key == key:
            return info
    raise UnknownName(f"level of frame {frame_id!r}", key, [i.key for i in levels(session, frame_id)])


def ensure_level(
    session: Session,
    frame_id: str,
    key: str,
    *,
    parent_key: str | None = None,
    name_de: str | None = None,
    name_en: str | None = None,
    source: str | None = None,
    licence: str | None = None,
    visibility: str | None = None,
    file: str = "",
) -> LevelInfo:
    ensure_frame(session, frame_id)
    row = session.scalar(select(Level).where(Level.frame_id == frame_id, Level.key == key))
    parent_row = None
    if parent_key is not None:
        parent_row = session.scalar(select(Level).where(Level.frame_id == frame_id, Level.key == parent_key))
        if parent_row is None:
            known = [i.key for i in levels(session, frame_id)]
            raise ValidationFailed(
                [Problem(file, None, None, f"parent level {parent_key!r} of frame {frame_id!r} does not exist; "
                         f"import it first (levels: {', '.join(known) or 'none'})")]
            )
    if row is None:
        row = Level(
            frame_id=frame_id, key=key, name_de=name_de or key, name_en=name_en or name_de or key,
            parent_id=parent_row.id if parent_row else None, source=source or "", licence=licence or "",
            visibility=visibility or "public",
        )
        session.add(row)
        session.flush()
    else:
        if parent_row is not None and row.parent_id != parent_row.id:
            current_row = session.get(Level, row.parent_id) if row.parent_id else None
            current = current_row.key if current_row else "none"
            raise ValidationFailed(
                [Problem(file, None, None, f"level {key!r} already has parent level {current!r}, "
                         f"not {parent_key!r}")]
            )
        for attr, value in (("name_de", name_de), ("name_en", name_en), ("source", source), ("licence", licence),
                            ("visibility", visibility)):
            if value is not None and getattr(row, attr) != value:
                setattr(row, attr, value)
    return get_level(session, frame_id, key)


def area_index(session: Session, level_id: int) -> dict[str, int]:
    """Area code → primary key for one level."""
    return dict(session.execute(select(Area.code, Area.id).where(Area.level_id == level_id)).all())


def store_areas(
    session: Session, level: LevelInfo, area_file: AreaFile, *, tolerance_m: float | None = None,
    parent_col: str | None = None,
) -> ImportSummary:
    """Validate parent links against the parent level, simplify for the web and upsert."""
    summary = ImportSummary(f"areas {area_file.file} → {level.frame_id}/{level.key}")
    gdf = area_file.areas
    parent_ids: list[int | None] = [None] * len(gdf)
    problems: list[Problem] = []
    has_parents = bool((gdf["parent_code"] != "").any())
    if has_parents and level.parent_key is None:
        problems.append(Problem(area_file.file, None, parent_col,
                                f"level {level.key!r} has no parent level; give --parent-level"))
    elif level.parent_key is not None:
        parent_level = get_level(session, level.frame_id, level.parent_key)
        parents = area_index(session, parent_level.id)
        for i, (code, parent, feature) in enumerate(zip(gdf["code"], gdf["parent_code"], gdf["feature"],
                                                        strict=True)):
            if not parent:
                if parent_col:
                    problems.append(Problem(area_file.file, int(feature), parent_col,
                                            f"area {code!r} has no parent id"))
                continue
            if parent not in parents:
                problems.append(Problem(area_file.file, int(feature), parent_col,
                                        f"parent {parent!r} of area {code!r} is not an area of level "
                                        f"{parent_level.key!r}"))
            else:
                parent_ids[i] = parents[parent]
    if problems:
        raise ValidationFailed(problems)

    web = simplify_for_web(gdf.geometry, tolerance_m)
    existing = {
        row.code: row for row in session.execute(
            select(Area.id, Area.code, Area.name, Area.parent_id, Area.geom, Area.geom_web)
            .where(Area.level_id == level.id)
        )
    }
    new_rows = []
    for i, code in enumerate(gdf["code"]):
        values = {
            "name": gdf["name"].iat[i],
            "parent_id": parent_ids[i],
            "geom": to_wkb(gdf.geometry.iat[i]),
            "geom_web": to_wkb(web.iat[i]),
        }
        old = existing.get(code)
        if old is None:
            new_rows.append({"level_id": level.id, "code": code, **values})
        elif (old.name, old.parent_id, old.geom, old.geom_web) == tuple(values.values()):
            summary.unchanged += 1
        else:
            session.execute(update(Area).where(Area.id == old.id).values(**values))
            summary.updated += 1
    if new_rows:
        session.execute(insert(Area), new_rows)
    summary.inserted = len(new_rows)
    summary.repaired = len(area_file.repaired)
    summary.notes.extend(area_file.notes)
    absent = sorted(set(existing) - set(gdf["code"]))
    if absent:
        summary.notes.append(f"{len(absent)} area(s) of this level are not in the file and were kept: "
                             + ", ".join(absent[:20]) + (" …" if len(absent) > 20 else ""))
    session.flush()
    return summary
