"""Colour palettes (sozialmonitor/palettes.py): genuine ColorBrewer colours, direction by polarity."""

from __future__ import annotations

import re

import pytest

from sozialmonitor.errors import UnknownName
from sozialmonitor.palettes import (
    DEFAULT_DIVERGING,
    DEFAULT_SEQUENTIAL,
    DIVERGING,
    ENDS,
    MISSING_FILL,
    SEQUENTIAL,
    SUPPRESSED_FILL,
    colours,
    diverging_colours,
    for_indicator,
)
from sozialmonitor.palettes_data import DIVERGING_SCHEMES, SEQUENTIAL_SCHEMES

HEX = re.compile(r"^#[0-9a-f]{6}$")

# a few colours checked against colorbrewer_schemes.js of the ColorBrewer 2.0 site (rgb → hex)
YLORRD_5 = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]  # 255,255,178 … 189,0,38
RDBU_5 = ["#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"]  # 202,0,32 … 5,113,176
PUOR_3 = ["#f1a340", "#f7f7f7", "#998ec3"]  # 241,163,64 / 247,247,247 / 153,142,195


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_offered_schemes() -> None:
    assert DEFAULT_SEQUENTIAL in SEQUENTIAL and DEFAULT_DIVERGING in DIVERGING
    assert {"YlOrRd", "Blues", "Greys"} <= set(SEQUENTIAL)
    assert set(DIVERGING) == {"RdBu", "PuOr", "BrBG", "PiYG", "PRGn", "RdYlBu"}
    # ColorBrewer rates these not (or not always) colour-blind safe
    assert not {"Spectral", "RdYlGn", "RdGy"} & set(SEQUENTIAL + DIVERGING)


@pytest.mark.parametrize("name", SEQUENTIAL)
def test_sequential_schemes_have_3_to_9_classes_light_to_dark(name: str) -> None:
    assert sorted(SEQUENTIAL_SCHEMES[name]) == list(range(3, 10))
    for k in range(3, 10):
        result = colours(name, k)
        assert len(result) == len(set(result)) == k
        assert all(HEX.match(c) for c in result)
        assert luminance(result[0]) > luminance(result[-1])


@pytest.mark.parametrize("name", DIVERGING)
def test_diverging_schemes_have_3_to_11_classes_and_a_light_middle(name: str) -> None:
    assert sorted(DIVERGING_SCHEMES[name]) == list(range(3, 12))
    for k in range(3, 12):
        result = colours(name, k)
        assert len(result) == len(set(result)) == k
        assert all(HEX.match(c) for c in result)
        middle = luminance(result[k // 2])
        assert middle > luminance(result[0]) and middle > luminance(result[-1])


def test_genuine_colorbrewer_colours() -> None:
    assert colours("YlOrRd", 5) == YLORRD_5
    assert colours("RdBu", 5) == RDBU_5
    assert colours("PuOr", 3) == PUOR_3
    assert colours("YlOrRd", 9)[-1] == "#800026"  # 128,0,38
    assert colours("RdBu", 11)[0] == "#67001f"  # 103,0,31
    assert colours("YlOrRd", 3) != colours("YlOrRd", 5)[::2]  # per-k schemes, not samples of one ramp


def test_fewer_than_three_classes_use_the_three_class_scheme() -> None:
    three = colours("Blues", 3)
    assert colours("Blues", 2) == [three[0], three[2]]
    assert colours("Blues", 1) == [three[1]]
    assert colours("Blues", 0) == []
    assert for_indicator("higher_is_better", 2) == colours("YlOrRd", 2)[::-1]


def test_unknown_palette_lists_the_allowed_ones() -> None:
    with pytest.raises(UnknownName) as info:
        colours("Viridis", 5)
    for name in SEQUENTIAL + DIVERGING:
        assert name in str(info.value)


@pytest.mark.parametrize(("name", "k"), [("YlOrRd", 10), ("RdBu", 12), ("Blues", -1)])
def test_too_many_classes(name: str, k: int) -> None:
    with pytest.raises(UnknownName, match="number of colours"):
        colours(name, k)


# --- direction by polarity -----------------------------------------------------------------------------------


def test_higher_is_worse_gets_darker_with_increasing_value() -> None:
    assert for_indicator("higher_is_worse", 5) == YLORRD_5


def test_neutral_is_light_to_dark() -> None:
    assert for_indicator("neutral", 5) == YLORRD_5


def test_higher_is_better_is_reversed() -> None:
    assert for_indicator("higher_is_better", 5) == YLORRD_5[::-1]
    assert for_indicator("higher_is_better", 4, name="Blues") == colours("Blues", 4)[::-1]


def test_diverging_higher_is_worse_colours_increases_red() -> None:
    assert for_indicator("higher_is_worse", 5, diverging=True) == RDBU_5[::-1]


def test_diverging_higher_is_better_colours_increases_blue() -> None:
    assert for_indicator("higher_is_better", 5, diverging=True) == RDBU_5


def test_diverging_neutral_uses_puor() -> None:
    assert for_indicator("neutral", 3, diverging=True) == PUOR_3


def test_named_diverging_scheme_follows_the_same_rule() -> None:
    assert for_indicator("higher_is_worse", 7, name="BrBG", diverging=True) == colours("BrBG", 7)[::-1]


def test_diverging_classes_on_both_sides_take_the_centred_scheme() -> None:
    assert diverging_colours("higher_is_worse", 2, 1, 2) == for_indicator("higher_is_worse", 5, diverging=True)
    # a short side with fewer classes keeps the shades nearest the centre; the middle stays the light one
    assert diverging_colours("higher_is_better", 1, 1, 2) == RDBU_5[1:]
    assert diverging_colours("neutral", 0, 1, 0) == [PUOR_3[1]]


def test_one_sided_classes_take_that_ends_hue_light_near_the_centre() -> None:
    """Unemployment fell everywhere: five shades of the "decrease" end (blue for higher_is_worse), darkest for
    the largest decrease, instead of a diverging scheme with two empty classes."""
    fell = diverging_colours("higher_is_worse", 5, 0, 0)
    assert fell == colours("Blues", 5)[::-1]
    rose = diverging_colours("higher_is_worse", 0, 0, 5)
    assert rose == colours("Reds", 5)
    assert diverging_colours("higher_is_better", 0, 0, 4) == colours("Blues", 4)  # increases are good: blue
    assert diverging_colours("neutral", 3, 0, 0, name="PRGn") == colours("Purples", 3)[::-1]
    assert luminance(fell[0]) < luminance(fell[-1]) and luminance(rose[0]) > luminance(rose[-1])


@pytest.mark.parametrize("name", DIVERGING)
def test_every_diverging_scheme_has_offered_end_hues(name: str) -> None:
    assert all(end in SEQUENTIAL for end in ENDS[name])


def test_scheme_of_the_wrong_kind() -> None:
    with pytest.raises(UnknownName, match="diverging palette 'Blues'"):
        for_indicator("neutral", 5, name="Blues", diverging=True)
    with pytest.raises(UnknownName, match="sequential palette 'RdBu'"):
        for_indicator("neutral", 5, name="RdBu")


def test_unknown_polarity() -> None:
    with pytest.raises(UnknownName, match="higher_is_better"):
        for_indicator("up", 5)


def test_missing_and_suppressed_fills_are_distinct_greys_outside_every_scheme() -> None:
    every = {
        c
        for schemes in (SEQUENTIAL_SCHEMES, DIVERGING_SCHEMES)
        for s in schemes.values()
        for cs in s.values()
        for c in cs
    }
    assert MISSING_FILL != SUPPRESSED_FILL
    for fill in (MISSING_FILL, SUPPRESSED_FILL):
        assert HEX.match(fill)
        assert fill[1:3] == fill[3:5] == fill[5:7]  # neutral grey
        assert fill not in every
