"""Permalinks: the whole view lives in the URL; malformed values fall back with a notice, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sozialmonitor.view import DEFAULT, ViewState, parse_query, to_query


def test_default_view_has_an_empty_query() -> None:
    assert to_query(DEFAULT) == ""
    assert parse_query("") == (DEFAULT, [])


def test_every_field_round_trips() -> None:
    state = ViewState(frame="deutschland", level="kreis", indicator="inkar_unemployment_rate", period="2017",
                      method="manual", k=4, palette="PuBu", fixed=True, breaks=(2.5, 5.0, 10.0), mode="change",
                      base="2010", change="rel", selected=("01001", "09162"), lat=51.16543, lon=10.45, zoom=6.25,
                      lang="en", outline=False, view="table")
    query = to_query(state)
    assert parse_query(query) == (state, [])
    assert parse_query("?" + query)[0] == state
    assert "sel=01001,09162" in query  # readable


def test_leading_zeros_survive() -> None:
    assert parse_query("sel=01011101,04030417")[0].selected == ("01011101", "04030417")


def test_malformed_values_fall_back_with_notices() -> None:
    state, notices = parse_query("k=99&method=magic&lat=abc&z=400&mode=x&lang=fr&fixed=vielleicht&foo=1"
                                 "&breaks=1_zwei")
    assert state == DEFAULT
    keys = sorted((n.key, n.params.get("param")) for n in notices)
    assert keys == sorted([("bad_param", "k"), ("bad_param", "method"), ("bad_param", "lat"), ("bad_param", "z"),
                           ("bad_param", "mode"), ("bad_param", "lang"), ("bad_param", "fixed"),
                           ("unknown_param", "foo"), ("bad_param", "breaks")])


def test_last_value_wins_and_selection_is_deduplicated() -> None:
    state, _ = parse_query("k=3&k=6&sel=a,b,a")
    assert state.k == 6 and state.selected == ("a", "b")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_query_parses_without_exception(query: str) -> None:
    state, _notices = parse_query(query)
    assert isinstance(state, ViewState)
    assert to_query(state) == to_query(parse_query(to_query(state))[0])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["frame", "level", "ind", "period", "k", "sel", "lat", "lon", "z", "breaks",
                                        "method", "mode", "lang", "view", "palette", "fixed", "base", "change"]),
                       st.text(max_size=40), max_size=10))
def test_any_parameters_parse_without_exception(params: dict[str, str]) -> None:
    from urllib.parse import urlencode

    state, _ = parse_query(urlencode(params))
    assert isinstance(state, ViewState)
