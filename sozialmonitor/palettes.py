"""Colour palettes for choropleth maps: ColorBrewer 2.0 schemes that are safe for colour-blind readers.

The colours are the genuine per-class ColorBrewer schemes (3 … 9 classes sequential, 3 … 11 diverging),
kept as static data in :mod:`sozialmonitor.palettes_data`, which ``scripts/make_palettes.py`` generates from
the ``palettable`` package. Only schemes ColorBrewer itself rates colour-blind safe for every number of
classes are offered (ColorBrewer's ``blind`` rating; see the script).

**Direction: darker means worse.** :func:`for_indicator` orders the colours by the indicator's polarity:

- ``higher_is_worse`` and ``neutral``: light → dark with increasing value;
- ``higher_is_better``: reversed, so high values are light and low values dark.

**Diverging maps** (change over time, deviation from a reference) put the unfavourable side on the first
end ColorBrewer lists (red in RdBu, brown in BrBG, pink in PiYG, purple in PRGn, red in RdYlBu):

- ``higher_is_worse``: an increase is bad, so high values get that end - RdBu reversed, increases red;
- ``higher_is_better``: an increase is good - RdBu as listed, increases blue;
- ``neutral``: no value judgement - PuOr as listed (decreases orange, increases purple).

**Classes on one side of the centre only** (every area improved, say): a diverging map whose classes all lie
below or all above the centre (:func:`sozialmonitor.classify.sides`) is coloured with the sequential scheme of
that end's hue (:data:`ENDS`: RdBu → Reds / Blues …), light near the centre and dark far from it, so colour
still says "decrease" or "increase" and every class has its own shade. Classes on both sides take the diverging
scheme with as many colours as the longer side needs, centred (:func:`diverging_colours`).

**Fewer than 3 classes** (a classification that lowered ``k`` with a note) take colours from the 3-class
scheme: one class gets its middle colour, two classes its first and last.

**Missing and suppressed areas** are not classified and get their own legend entries with neutral greys
(:data:`MISSING_FILL`, :data:`SUPPRESSED_FILL`) that appear in no offered scheme; the map adds a
pattern or dashed outline, so they do not depend on colour alone (the Greys scheme is close to them).
"""

from __future__ import annotations

from sozialmonitor.errors import UnknownName
from sozialmonitor.palettes_data import DIVERGING_SCHEMES, SEQUENTIAL_SCHEMES
from sozialmonitor.vocab import Polarity

SEQUENTIAL: tuple[str, ...] = tuple(SEQUENTIAL_SCHEMES)
DIVERGING: tuple[str, ...] = tuple(DIVERGING_SCHEMES)
DEFAULT_SEQUENTIAL = "YlOrRd"
DEFAULT_DIVERGING = "RdBu"
NEUTRAL_DIVERGING = "PuOr"

# the sequential scheme of each end's hue of a diverging scheme, in ColorBrewer's order (first end, last end);
# only schemes offered in SEQUENTIAL (colour-blind safe), so pink and brown take the nearest red / orange-red
ENDS: dict[str, tuple[str, str]] = {
    "RdBu": ("Reds", "Blues"), "RdYlBu": ("Reds", "Blues"), "PuOr": ("OrRd", "Purples"),
    "PRGn": ("Purples", "Greens"), "PiYG": ("Reds", "Greens"), "BrBG": ("OrRd", "BuGn"),
}

MISSING_FILL = "#dcdcdc"
"""Light neutral grey for areas without a value (no data reported)."""
SUPPRESSED_FILL = "#a3a3a3"
"""Darker neutral grey for areas whose value exists but is withheld (small counts, secrecy)."""
LOW_BASE_FILL = "#e8e0cf"
"""Pale beige for a rate on too small a base where no hatching can be drawn (maps on a canvas); hatched elsewhere."""


def colours(name: str, k: int) -> list[str]:
    """The ``k`` colours of scheme ``name`` as ``#rrggbb``, in ColorBrewer's order: light → dark for
    sequential schemes, one end → the other for diverging ones. ``k`` below 3 draws on the 3-class scheme
    (1 → its middle colour, 2 → its first and last); ``k == 0`` gives no colours."""
    schemes = SEQUENTIAL_SCHEMES.get(name) or DIVERGING_SCHEMES.get(name)
    if schemes is None:
        raise UnknownName("palette", name, SEQUENTIAL + DIVERGING)
    if k not in range(0, max(schemes) + 1):
        raise UnknownName(f"number of colours of palette {name}", k, range(0, max(schemes) + 1))
    if k == 0:
        return []
    if k < 3:
        first, middle, last = schemes[3]
        return [middle] if k == 1 else [first, last]
    return list(schemes[k])


def for_indicator(polarity: str, k: int, *, name: str | None = None, diverging: bool = False) -> list[str]:
    """The ``k`` colours for classes 0 … k − 1 (ascending values) of an indicator with ``polarity``,
    ordered so that darker / the unfavourable end means worse (see the module docstring)."""
    if polarity not in {p.value for p in Polarity}:
        raise UnknownName("polarity", polarity, [p.value for p in Polarity])
    if diverging:
        if name is None:
            name = NEUTRAL_DIVERGING if polarity == Polarity.NEUTRAL else DEFAULT_DIVERGING
        _check_kind(name, DIVERGING)
        result = colours(name, k)
        reverse = polarity == Polarity.HIGHER_IS_WORSE
    else:
        name = name or DEFAULT_SEQUENTIAL
        _check_kind(name, SEQUENTIAL)
        result = colours(name, k)
        reverse = polarity == Polarity.HIGHER_IS_BETTER
    return result[::-1] if reverse else result


def diverging_colours(polarity: str, below: int, middle: int, above: int, *, name: str | None = None) -> list[str]:
    """The colours of a diverging map's classes, ascending, given how many lie ``below`` the centre, around it
    (``middle``, 0 or 1) and ``above`` it (see the module docstring)."""
    if name is None:
        name = NEUTRAL_DIVERGING if polarity == Polarity.NEUTRAL else DEFAULT_DIVERGING
    _check_kind(name, DIVERGING)
    if not middle and not (below and above) and below + above:  # one side only: that end's hue
        first, last = ENDS[name]
        # oriented as for_indicator orients the diverging scheme: higher_is_worse puts the first end up high
        low_end, high_end = (last, first) if polarity == Polarity.HIGHER_IS_WORSE else (first, last)
        return colours(low_end, below)[::-1] if below else colours(high_end, above)
    side = max(below, above)
    n = 2 * side + middle
    if n > max(DIVERGING_SCHEMES[name]):  # lopsided manual breaks: the whole scheme, as for k classes
        return for_indicator(polarity, below + middle + above, name=name, diverging=True)
    full = for_indicator(polarity, n, name=name, diverging=True)
    return full[side - below:side + middle + above]


def _check_kind(name: str, allowed: tuple[str, ...]) -> None:
    if name not in SEQUENTIAL + DIVERGING:
        raise UnknownName("palette", name, SEQUENTIAL + DIVERGING)
    if name not in allowed:
        kind = "diverging" if allowed == DIVERGING else "sequential"
        raise UnknownName(f"{kind} palette", name, allowed)
