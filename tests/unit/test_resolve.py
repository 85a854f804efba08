"""Making a view valid (sozialmonitor/resolve.py) against a tiny in-memory structure: defaults and the wording of
the notices that explain a fallback."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sozialmonitor.access import PUBLIC, Audience, may_see
from sozialmonitor.catalogue import IndicatorSpec
from sozialmonitor.frames import LevelInfo
from sozialmonitor.i18n import t
from sozialmonitor.resolve import resolve
from sozialmonitor.view import Notice, ViewState, parse_query

YEARS = tuple(str(y) for y in range(1998, 2018))  # INKAR's unemployment rate: 20 periods


def spec(id_: str, de: str, en: str, visibility: str = "public") -> IndicatorSpec:
    return IndicatorSpec(id_, de, en, "Thema", "%", "neutral", "none", visibility=visibility)


@dataclass
class TinyStructure:
    """What resolve() asks of a Structure: one frame, Kreise and Gemeinden, three indicators (one internal)."""

    specs_: dict[str, IndicatorSpec] = field(default_factory=lambda: {
        "inkar_unemployment_rate": spec("inkar_unemployment_rate", "Arbeitslosenquote", "Unemployment rate"),
        "gem_density": spec("gem_density", "Bevölkerungsdichte", "Population density"),
        "secret_ind": spec("secret_ind", "Intern", "Internal", visibility="internal"),
    })

    def frame_names(self) -> list[tuple[str, str, str]]:
        return [("deutschland", "Deutschland", "Germany")]

    def visible_levels(self, frame: str, audience: Audience) -> list[LevelInfo]:
        return [LevelInfo(1, frame, "kreis", "Kreis", "District", None, "", ""),
                LevelInfo(2, frame, "gemeinde", "Gemeinde", "Municipality", "kreis", "", "")]

    def availability(self, frame: str, level: str) -> dict[str, tuple[str, ...]]:
        if level == "kreis":
            return {"inkar_unemployment_rate": YEARS, "gem_density": ("2013-12-31", "2023-12-31"),
                    "secret_ind": ("2017",)}
        return {"gem_density": ("2013-12-31", "2023-12-31")}

    def may_see_indicator(self, indicator: str, audience: Audience) -> bool:
        return indicator in self.specs_ and may_see(audience, self.specs_[indicator].visibility)

    def specs(self) -> dict[str, IndicatorSpec]:
        return self.specs_

    def areas(self, frame: str, level: str) -> object:
        return type("Areas", (), {"index": pd.Index(["01001", "01002"])})()


def resolved(query: str, audience: Audience = PUBLIC) -> tuple[ViewState, list[Notice]]:
    return resolve(TinyStructure(), parse_query(query)[0], audience)  # type: ignore[arg-type]


def texts(notices: list[Notice], lang: str) -> list[str]:
    return [t(n.key, lang, **n.params) for n in notices]


def test_change_mode_compares_with_the_period_just_before() -> None:
    state, notices = resolved("frame=deutschland&level=kreis&ind=inkar_unemployment_rate&mode=change")
    assert (state.base, state.period) == ("2016", "2017")  # not 1998 → 2017
    assert notices == []
    earlier, _ = resolved("frame=deutschland&level=kreis&ind=inkar_unemployment_rate&mode=change&period=2005")
    assert earlier.base == "2004"


def test_a_base_period_the_link_names_is_kept_and_a_later_one_replaced() -> None:
    kept, _ = resolved("frame=deutschland&level=kreis&ind=inkar_unemployment_rate&mode=change&base=1998")
    assert kept.base == "1998"
    later, _ = resolved("frame=deutschland&level=kreis&ind=inkar_unemployment_rate&mode=change&period=2005&base=2010")
    assert later.base == "2004"  # a "change" from a later period is no change over time


def test_notices_name_indicators_and_levels_never_ids() -> None:
    _, notices = resolved("frame=deutschland&level=gemeinde&ind=inkar_unemployment_rate")
    (de,) = texts(notices, "de")
    assert "„Arbeitslosenquote“" in de and "„Bevölkerungsdichte“" in de
    assert "inkar_unemployment_rate" not in de and "gem_density" not in de
    _, notices = resolved("frame=deutschland&level=ortsteil&ind=gem_density&lang=en")
    (en,) = texts(notices, "en")
    assert "“ortsteil”" in en and "“Municipality”" in en and "“gemeinde”" not in en
    _, notices = resolved("frame=atlantis&level=kreis&ind=gem_density")
    assert "„Deutschland“" in texts(notices, "de")[0] and "„deutschland“" not in texts(notices, "de")[0]


def test_what_does_not_exist_or_may_not_be_seen_is_quoted_as_written_and_alike() -> None:
    _, unknown = resolved("frame=deutschland&level=kreis&ind=gibt_es_nicht")
    _, internal = resolved("frame=deutschland&level=kreis&ind=secret_ind")
    assert "„gibt_es_nicht“" in texts(unknown, "de")[0]
    assert "„secret_ind“" in texts(internal, "de")[0] and "Intern" not in texts(internal, "de")[0]
    assert texts(unknown, "de")[0].replace("gibt_es_nicht", "X") == texts(internal, "de")[0].replace("secret_ind", "X")
