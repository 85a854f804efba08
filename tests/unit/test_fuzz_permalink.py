"""Property-based fuzzing (hypothesis) of permalinks: ``sozialmonitor.view.parse_query`` on arbitrary text and
on arbitrary key/value pairs, then ``Service.resolve`` and ``Service.view`` of the parsed states against the
synthetic Musterstadt (tests/fixtures/musterstadt, loaded as tests/integration/test_access.py loads it: a
public district level, an internal social-area level with an internal indicator).

Properties: parsing never raises and always yields a valid state (every field within its allowed values)
that survives ``to_query`` → ``parse_query`` unchanged; viewing never raises and always yields a valid view
(frame, level, indicator, period and selection exist and are visible to the audience) whose permalink is
stable: parsed and viewed again, it gives the same state and no notice.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.classify import K_RANGE, METHODS
from sozialmonitor.importing import LevelOptions, import_areas, import_catalogue, import_indicators
from sozialmonitor.service import Service
from sozialmonitor.store import Store
from sozialmonitor.view import CHANGES, KEYS, LANGS, MAX_SELECTED, MODES, VIEWS, ViewState, parse_query, to_query
from tests.conftest import FIXTURES

CITY = FIXTURES / "musterstadt"
AREAS = FIXTURES / "areas"
PLANNER = Audience("planner", "p")
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
VIEWS_FUZZ = settings(FUZZ, max_examples=80)

INTERESTING = ["muster", "berlin", "bezirk", "sozialraum", "einwohner", "anteil_kinder_u6", "sgb2_quote",
               "alter_mittel",
               "2022", "2023", "2023-12-31", "2022-12-31", "SR-0101", "SR-0101,SR-0201", "B01", "B01,B02,B01", "1", "0",
               "true", "false", "3", "7", "8", "²", "quantiles", "manual", "natural_breaks", "1_2_3", "5;10", "nan",
               "inf", "-1e308", "1e400", "de", "en", "map", "table", "change", "value", "abs", "rel", "Blues", "RdBu",
               "auto", "", " ", "%00", "a" * 65, ",,,", "_", "52.5", "13.4", "22.5"]


def query_texts() -> st.SearchStrategy[str]:
    pair = st.tuples(st.one_of(st.sampled_from(list(KEYS)), st.text(max_size=6)),
                     st.one_of(st.sampled_from(INTERESTING), st.text(max_size=12)))
    built = st.lists(pair, max_size=10).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
    return st.one_of(st.text(max_size=80), built, built.map(lambda q: "?" + q))


def query_dicts() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.one_of(st.sampled_from(list(KEYS)), st.text(max_size=6)),
                           st.one_of(st.sampled_from(INTERESTING), st.text(max_size=20)), max_size=12)


def assert_valid(state: ViewState) -> None:
    assert K_RANGE[0] <= state.k <= K_RANGE[1]
    assert state.method in METHODS and state.mode in MODES and state.change in CHANGES
    assert state.view in VIEWS and state.lang in LANGS
    assert len(state.selected) <= MAX_SELECTED and len(set(state.selected)) == len(state.selected)
    for value in (state.lat, state.lon, state.zoom, *state.breaks):
        assert value is None or math.isfinite(value)
    assert list(state.breaks) == sorted(set(state.breaks))


@FUZZ
@given(query=query_texts())
@example(query="k=5&k=9&sel=" + ",".join(f"A{i}" for i in range(13)))
@example(query="lat=nan&lon=inf&z=-0&breaks=1e400_2&palette=../../x")
@example(query="%zz=%zz&frame=%00&period=" + "9" * 70)
@example(query="k=²&k=٣")
def test_parse_query_never_raises_and_round_trips(query: str) -> None:
    state, notices = parse_query(query)
    assert_valid(state)
    assert all(n.key in ("unknown_param", "bad_param") for n in notices)
    again, more = parse_query(to_query(state))
    assert again == state and more == []


@FUZZ
@given(pairs=query_dicts())
def test_parse_query_of_any_key_value_pairs(pairs: dict[str, str]) -> None:
    query = urlencode(pairs, quote_via=quote)
    state, notices = parse_query(query)
    assert_valid(state)
    assert len(notices) <= len(pairs)
    assert parse_query(to_query(state)) == (state, [])


def test_k_with_a_superscript_digit_falls_back() -> None:
    """Found by this fuzzing: ``"²".isdigit()`` is True but ``int("²")`` raises."""
    state, notices = parse_query("k=²")
    assert state.k == ViewState().k and [n.key for n in notices] == ["bad_param"]


# --- resolving and viewing against a store -----------------------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder: Path = tmp_path_factory.mktemp("permalink")
    store = Store(f"sqlite:///{folder / 'store.db'}")
    store.upgrade()
    import_catalogue(store, CITY / "synthetic_catalogue.csv")
    gpkg = AREAS / "synthetic_musterstadt_25833.gpkg"
    import_areas(store, gpkg, frame="muster", level="bezirk", layer="stadtbezirke", id_col="BEZ_ID",
                 name_col="BEZ_NAME")
    import_areas(store, gpkg, frame="muster", level="sozialraum", layer="sozialraeume", id_col="SR_SCHLUESSEL",
                 name_col="SR_NAME", parent_col="BEZIRK", options=LevelOptions(parent_level="bezirk",
                                                                               visibility="internal"))
    import_indicators(store, CITY / "synthetic_observations.csv", frame="muster", level="sozialraum")
    import_indicators(store, CITY / "synthetic_german_cp1252.csv", frame="muster", level="sozialraum",
                      area_col="Schlüssel")
    try:
        yield Service(store)
    finally:
        store.dispose()


@VIEWS_FUZZ
@given(query=st.one_of(query_texts(), query_dicts().map(lambda d: urlencode(d, quote_via=quote))),
       planner=st.booleans())
@example(query="frame=muster&level=sozialraum&ind=sgb2_quote&period=2023-12-31&sel=SR-0101&view=table", planner=False)
@example(query="level=bezirk&mode=change&base=2023&period=2022&method=manual&sel=B01,B02", planner=True)
@example(query="frame=berlin&ind=einwohner&mode=change&change=rel&fixed=1&k=7&palette=RdBu", planner=False)
def test_view_of_any_permalink_is_valid(service: Service, query: str, planner: bool) -> None:
    audience = PLANNER if planner else PUBLIC
    parsed, notices = parse_query(query)
    resolved, _ = service.resolve(parsed, audience)
    model = service.view(parsed, audience, notices)
    state = model.state
    assert state == resolved
    assert_valid(state)
    assert state.frame in [o.value for o in model.frames]
    assert state.level in [o.value for o in model.levels]
    assert model.map is not None, "the Musterstadt always has something to show"
    assert state.indicator in [i.id for i in model.indicators]
    assert state.period in model.periods
    if not planner:
        assert state.level != "sozialraum" and state.indicator != "sgb2_quote"
    known = set(service.areas(state.frame, state.level).index)
    assert set(state.selected) <= known
    if state.mode == "change":
        assert state.base in model.periods and state.base != state.period
    # the resolved view is its own permalink: nothing left to correct
    again, parse_notices = parse_query(to_query(state))
    assert again == state and parse_notices == []
    assert service.resolve(again, audience) == (state, [])
