"""The answers of the read API (``/api/v1``), built from the service for one audience.

The API shows what the dashboard shows, by the dashboard's rules, read through the same service calls:

- Visibility: a frame, level or indicator the audience may not see raises :class:`NotFound`, exactly like
  one that does not exist (the route answers both with the same 404). A level's parent is named only
  when the audience may see the parent level too.
- Values: ``Service.shown`` — the level's own values, or values rolled up from the child level by the
  catalogue rule, after disclosure control. A value leaves only under a value status (``ok``,
  ``provisional``, ``unreliable``, ``low_base`` — a rate on too small a base, not reliable); a suppressed
  value keeps its status (``secret``) and has none; an
  area without a row is ``missing`` with no value (missing is never zero).
- Attribution: every values answer names the unit, the period(s), the indicator's source and licence and
  the source and licence of the area geometry (whose names the rows carry), because open-data licences
  require it.

Names, units, topics and definitions come in German and English (``{"de": …, "en": …}``), so one answer
serves both languages and caches once. Bad query parameters raise :class:`UnknownName` naming the bad
value and the allowed ones. Nothing here knows HTTP: ``server/api.py`` parses requests and serialises.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sozialmonitor.access import VALUE_STATUSES, Audience
from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.errors import NotFound, UnknownName
from sozialmonitor.frames import LevelInfo
from sozialmonitor.service import Service
from sozialmonitor.structure import AreaTable
from sozialmonitor.vocab import Status

Record = dict[str, Any]
ROW_FIELDS = ("area_id", "name", "period", "value", "status", "derived")
"""The fields of one row of a values answer, in the order of the CSV columns."""


@dataclass(frozen=True)
class ValuesAnswer:
    """One indicator's published values on a level: what they are (``about``) and one row per area and
    period (fields :data:`ROW_FIELDS`)."""

    about: Record
    rows: tuple[Record, ...]

    def as_dict(self) -> Record:
        return {**self.about, "values": list(self.rows)}


def _both(de: str, en: str) -> dict[str, str]:
    return {"de": de, "en": en or de}


def _number(value: object) -> int | float | None:
    """A finite value as a JSON number (whole numbers without ``.0``), else ``None``."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


# --- catalogue -------------------------------------------------------------------------------------

def frames(service: Service, audience: Audience) -> list[Record]:
    """The frames with at least one level the audience may see."""
    english = {o.value: o.label for o in service.frames("en", audience)}
    return [{"id": o.value, "name": _both(o.label, english.get(o.value, ""))}
            for o in service.frames("de", audience)]


def levels(service: Service, frame: str, audience: Audience) -> list[Record]:
    """The levels of a frame the audience may see, top level first."""
    infos = service.visible_levels(frame, audience)
    if not infos:
        raise NotFound
    visible = {i.key for i in infos}
    return [{"id": i.key, "name": _both(i.name_de, i.name_en),
             "parent": i.parent_key if i.parent_key in visible else None,
             "visibility": i.visibility, "source": i.source, "licence": i.licence} for i in infos]


def _level(service: Service, frame: str, level: str, audience: Audience) -> LevelInfo:
    if not service.may_see_level(frame, level, audience):
        raise NotFound
    return service.level_info(frame, level)


def describe(spec: IndicatorSpec, periods: Sequence[str]) -> Record:
    """A catalogue entry: names, topic, unit, definition, rules, periods with data, source and licence."""
    entry: Record = {
        "id": spec.id, "name": _both(spec.name_de, spec.name_en), "topic": _both(spec.topic, spec.topic_en),
        "unit": _both(spec.unit, spec.unit_en), "definition": _both(spec.definition_de, spec.definition_en),
        "polarity": spec.polarity, "aggregation": spec.aggregation, "decimals": spec.decimals,
        "visibility": spec.visibility, "periods": list(periods), "source": spec.source, "licence": spec.licence,
    }
    if spec.method is not None:  # derived by the Analyse section: say how
        entry.update(method=spec.method, derived_at=spec.derived_at)
    return entry


def indicators(service: Service, frame: str, level: str, audience: Audience) -> list[Record]:
    """The indicators with data on a level (own or rolled up) that the audience may see, by id."""
    _level(service, frame, level, audience)
    specs = service.specs()
    return [describe(specs[i], periods) for i, periods in sorted(service.availability(frame, level).items())
            if i in specs and service.may_see_indicator(i, audience)]


def _indicator(service: Service, frame: str, level: str, indicator: str, audience: Audience) -> tuple[
        LevelInfo, IndicatorSpec, tuple[str, ...]]:
    info = _level(service, frame, level, audience)
    spec = service.specs().get(indicator)
    periods = service.periods(frame, level, indicator)
    if spec is None or not periods or not service.may_see_indicator(indicator, audience):
        raise NotFound
    return info, spec, periods


def indicator(service: Service, frame: str, level: str, indicator: str, audience: Audience) -> Record:
    """One indicator on one level, with the attribution of the level's areas."""
    info, spec, periods = _indicator(service, frame, level, indicator, audience)
    return {"frame": frame, "level": level, **describe(spec, periods),
            "areas_source": info.source, "areas_licence": info.licence}


# --- values ----------------------------------------------------------------------------------------

def rows(areas: AreaTable, codes: Sequence[str], shown: pd.DataFrame, period: str, derived: bool) -> list[Record]:
    """Rows of ``codes`` (area order) from a published table (``Service.shown``): a value only under a
    value status; an area without a row is ``missing``."""
    statuses = shown["status"].reindex(list(codes)).tolist()
    numbers = shown["value"].reindex(list(codes)).tolist()
    out = []
    for code, status, value in zip(codes, statuses, numbers, strict=True):
        if not isinstance(status, str) or not status:
            status = Status.MISSING.value
        out.append({"area_id": code, "name": areas.names[areas.index[code]], "period": period,
                    "value": _number(value) if status in VALUE_STATUSES else None, "status": status,
                    "derived": derived})
    return out


def values(service: Service, frame: str, level: str, indicator: str, audience: Audience, *,
           period: str | None = None, area: str | None = None) -> ValuesAnswer:
    """Published values of one indicator on one level: every area for ``period`` (default: the latest),
    or — with ``area`` and no ``period`` — that area's whole series."""
    info, spec, periods = _indicator(service, frame, level, indicator, audience)
    if period is not None and period not in periods:
        raise UnknownName("period", period, periods)
    areas = service.areas(frame, level)
    if area is not None and area not in areas.index:
        raise UnknownName("area", area, areas.codes)
    series = area is not None and period is None
    wanted = periods if series else (period or periods[-1],)
    codes = areas.codes if area is None else (area,)
    out: list[Record] = []
    for p in wanted:
        out.extend(rows(areas, codes, service.data.shown(frame, level, indicator, p), p,
                        service.data.raw(frame, level, indicator, p)[1]))
    about: Record = {
        "frame": frame, "level": level, "indicator": indicator, "name": _both(spec.name_de, spec.name_en),
        "unit": _both(spec.unit, spec.unit_en), "decimals": spec.decimals,
        "period": None if series else wanted[0],
        "periods": list(wanted), "area": area, "source": spec.source, "licence": spec.licence,
        "areas_source": info.source, "areas_licence": info.licence,
    }
    return ValuesAnswer(about, tuple(out))
