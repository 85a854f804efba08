"""Making a view valid: a link or a crafted request names frame, level, indicator, periods, palette and areas;
what does not exist — or what the audience may not see, treated exactly alike — is replaced by a sensible
default, and every fallback is explained by a notice.

Notices name frames, levels, indicators and periods as the page does — by their names in the view's language and
periods as dates — never by ids; only what does not exist (or may not be seen) is quoted as the link wrote it.
In change mode the default base period is the one just before the shown period."""

from __future__ import annotations

from dataclasses import replace

from sozialmonitor.access import Audience
from sozialmonitor.errors import NotFound
from sozialmonitor.formatting import period_label
from sozialmonitor.palettes import DIVERGING, SEQUENTIAL
from sozialmonitor.structure import Structure
from sozialmonitor.view import Notice, ViewState

PREFERRED_INDICATORS = ("mss_s4_child_poverty", "pop_share_age_below_6", "inkar_unemployment_rate", "gem_density",
                        "gem_population")


class NotVisible(NotFound):
    """A view names a level or indicator the audience may not see (treated like an unknown one)."""


def resolve(structure: Structure, state: ViewState, audience: Audience) -> tuple[ViewState, list[Notice]]:
    """Make a parsed view valid against the store and the audience; every fallback is explained by a
    notice. What the audience may not see is treated exactly like what does not exist."""
    notices: list[Notice] = []
    frame_ids = [f for f, _, _ in structure.frame_names() if structure.visible_levels(f, audience)]
    if not frame_ids:
        return state, [Notice("no_indicators")]
    state = _place(structure, state, audience, frame_ids, notices)
    available = {i: p for i, p in structure.availability(state.frame, state.level).items()
                 if structure.may_see_indicator(i, audience)}
    if not available:
        return state, [*notices, Notice("no_indicators")]
    state = _when(structure, state, audience, available, notices)
    state = _presentation(state, notices)
    if state.selected:
        known = structure.areas(state.frame, state.level).index
        kept = tuple(c for c in state.selected if c in known)
        if len(kept) != len(state.selected):
            notices.append(Notice("unknown_areas_dropped", {"n": str(len(state.selected) - len(kept))}))
            state = replace(state, selected=kept)
    return state, notices


def _place(structure: Structure, state: ViewState, audience: Audience, frame_ids: list[str],
           notices: list[Notice]) -> ViewState:
    """A frame and a level the audience may see."""
    if state.frame not in frame_ids:
        used = "berlin" if "berlin" in frame_ids else frame_ids[0]
        names = {f: en if state.lang == "en" else de for f, de, en in structure.frame_names()}
        notices.append(Notice("unknown_frame", {"value": state.frame, "used": names[used]}))
        state = replace(state, frame=used, level="", selected=())
    levels = {i.key: i.name(state.lang) for i in structure.visible_levels(state.frame, audience)}
    if state.level not in levels:
        used = list(levels)[-1]
        if state.level:
            notices.append(Notice("unknown_level", {"value": state.level, "used": levels[used]}))
        state = replace(state, level=used, selected=())
    return state


def _when(structure: Structure, state: ViewState, audience: Audience, available: dict[str, tuple[str, ...]],
          notices: list[Notice]) -> ViewState:
    """An indicator with data on the level, a period it has, and a base period before it in change mode."""
    if state.indicator not in available:
        used = default_indicator(structure, state.frame, state.level, audience)
        notices.append(Notice("unknown_indicator", {"value": indicator_name(structure, state.indicator, state.lang,
                                                                            audience),
                                                    "used": indicator_name(structure, used, state.lang, audience)}))
        state = replace(state, indicator=used, period=None, base=None)
    periods = available[state.indicator]
    if state.period not in periods:
        if state.period is not None:
            notices.append(Notice("unknown_period", {"value": period_label(state.period, state.lang),
                                                     "used": period_label(periods[-1], state.lang)}))
        state = replace(state, period=periods[-1])
    if state.mode == "change" and (state.base not in periods or (state.base or "") >= (state.period or "")):
        earlier = [p for p in periods if p < (state.period or "")]
        if not earlier:
            notices.append(Notice("no_base_period"))
            state = replace(state, mode="value", base=None)
        else:
            state = replace(state, base=earlier[-1])  # the period just before: the change people ask for first
    return state


def _presentation(state: ViewState, notices: list[Notice]) -> ViewState:
    if state.palette != "auto" and state.palette not in SEQUENTIAL + DIVERGING:
        notices.append(Notice("unknown_palette", {"value": state.palette}))
        state = replace(state, palette="auto")
    if state.method == "manual" and not state.breaks:
        state = replace(state, method="quantiles")
    return state


def indicator_name(structure: Structure, indicator: str, lang: str, audience: Audience) -> str:
    """An indicator as notices name it: its name in ``lang``; one that does not exist or that the audience may
    not see, as the link wrote it (both alike, so a notice reveals nothing)."""
    if structure.may_see_indicator(indicator, audience):
        return structure.specs()[indicator].name(lang)
    return indicator


def default_indicator(structure: Structure, frame: str, level: str, audience: Audience) -> str:
    available = [i for i in structure.availability(frame, level) if structure.may_see_indicator(i, audience)]
    return next((p for p in PREFERRED_INDICATORS if p in available), sorted(available)[0])
