"""The dashboard's rules, checked on the real demo data without a browser (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace

import numpy as np
import pytest

from layouts import mapview
from sozialmonitor import downloads
from sozialmonitor.classify import assign, classify
from sozialmonitor.palettes import colours
from sozialmonitor.results import NO_DATA, SUPPRESSED
from sozialmonitor.service import Service
from sozialmonitor.view import ViewState, parse_query

S4 = ViewState(indicator="mss_s4_child_poverty", period="2018-12-31")


def test_default_view_resolves_to_the_latest_period(service: Service) -> None:
    state, notices = service.resolve(ViewState())
    assert (state.frame, state.level, state.indicator, state.period) == (
        "berlin", "planungsraum", "mss_s4_child_poverty", "2018-12-31")
    assert notices == []


@pytest.mark.parametrize(("query", "key"), [
    ("frame=atlantis", "unknown_frame"),
    ("level=ortsteil", "unknown_level"),
    ("ind=nope", "unknown_indicator"),
    ("period=1999", "unknown_period"),
    ("palette=Rainbow", "unknown_palette"),
    ("sel=01011101,99999999", "unknown_areas_dropped"),
    ("mode=change&period=2012-12-31", "no_base_period"),
])
def test_unknown_values_fall_back_with_a_notice(service: Service, query: str, key: str) -> None:
    _parsed, early = service.resolve(parse_query(query)[0])
    assert key in [n.key for n in early]
    model = service.view(parse_query(query)[0])
    assert model.map is not None  # never a crash


def test_map_classes_legend_and_hideout_agree(service: Service) -> None:
    data = service.map_data(S4)
    assert len(data.codes) == len(data.classes) == len(data.values) == 448
    numeric = {c: v for c, v in zip(data.codes, data.values, strict=True) if v is not None}
    expected = classify(numeric, "quantiles", 5)
    assert data.classification.breaks == expected.breaks
    for code, k in zip(data.codes, data.classes, strict=True):
        assert k == expected.classes.get(code, k)
    legend_counts = {e.kind: e.count for e in data.legend if e.kind != "class"}
    assert sum(e.count for e in data.legend) == 448
    assert legend_counts == {"no_data": data.classes.count(NO_DATA), "suppressed": data.classes.count(SUPPRESSED)}
    assert data.classes.count(SUPPRESSED) == 11  # MSS small areas are secret, not zero
    assert data.classes[data.codes.index("01011102")] == SUPPRESSED
    hideout = mapview.hideout(data)
    assert set(hideout) >= {"cls", "val", "colors", "unit", "dec", "lang", "sel"}
    assert len(hideout["colors"]) == data.classification.k == 5
    # darker = worse: child poverty is higher_is_worse, so the highest class gets the darkest colour
    assert hideout["colors"][-1] < hideout["colors"][0]  # crude but true for YlOrRd (#bd0026 < #ffffb2)


def test_geometry_order_matches_the_hideout_arrays(service: Service) -> None:
    payload = service.geometry("berlin", "planungsraum")
    collection = json.loads(gzip.decompress(payload.gzip_body))
    props = [f["properties"] for f in collection["features"]]
    data = service.map_data(S4)
    assert [p["id"] for p in props] == list(data.codes)
    assert [p["i"] for p in props] == list(range(448))
    assert service.geometry("berlin", "planungsraum").etag == payload.etag


def test_switching_indicator_sends_values_not_shapes(service: Service) -> None:
    a = json.dumps(mapview.hideout(service.map_data(S4)))
    b = json.dumps(mapview.hideout(service.map_data(replace(S4, indicator="mss_s3_transfer_recipients"))))
    geometry = len(gzip.decompress(service.geometry("berlin", "planungsraum").gzip_body))
    assert "coordinates" not in a and "coordinates" not in b
    assert len(b) < geometry / 20


def test_reference_recomputes_shares_from_counts(service: Service) -> None:
    state = ViewState(indicator="pop_share_age_below_6", period="2020-12-31")
    reference = service.data.reference("berlin", "planungsraum", state.indicator, state.period or "")
    kids, _ = service.data.raw("berlin", "planungsraum", "pop_age_below_6", "2020-12-31")
    total, _ = service.data.raw("berlin", "planungsraum", "pop_total", "2020-12-31")
    assert reference == pytest.approx(100 * kids["value"].sum() / total["value"].sum())
    shares, _ = service.data.raw("berlin", "planungsraum", state.indicator, "2020-12-31")
    assert reference != pytest.approx(shares["value"].mean())
    # MSS shares have no published counts: no reference rather than an invented one
    assert service.data.reference("berlin", "planungsraum", "mss_s4_child_poverty", "2018-12-31") is None


def test_derived_level_is_marked(service: Service) -> None:
    model = service.view(ViewState(level="bezirk", indicator="pop_total", period="2020-12-31"))
    assert model.map is not None and model.map.derived_from is not None
    assert "Prognoseraum" in model.map.derived_from  # the direct child level, derived in turn
    assert sum(v for v in model.map.values if v is not None) == pytest.approx(
        service.data.reference("berlin", "bezirk", "pop_total", "2020-12-31"))


def test_indicators_offered_on_a_level_have_data_there(service: Service) -> None:
    kreis = {o.id for o in service.indicator_options("deutschland", "kreis", "de")}
    assert "inkar_unemployment_rate" in kreis and "gem_population" in kreis  # own data and derived sums
    assert "inkar_unemployment_rate" not in {o.id for o in service.indicator_options("deutschland", "land", "de")}
    bezirk = {o.id for o in service.indicator_options("berlin", "bezirk", "de")}
    assert "pop_share_foreigners" in bezirk and "mss_s4_child_poverty" not in bezirk  # ratio yes, 'none' no


def test_change_mode_differences_and_units(service: Service) -> None:
    state = replace(S4, mode="change", base="2016-12-31")
    data = service.map_data(state)
    now = dict(zip(data.codes, service.map_data(S4).values, strict=True))
    before = dict(zip(data.codes, service.map_data(replace(S4, period="2016-12-31")).values, strict=True))
    code = "01011101"
    assert data.values[data.codes.index(code)] == pytest.approx(now[code] - before[code])
    assert data.unit == "Prozentpunkte"
    assert data.classification.center == 0.0
    rel = service.map_data(replace(state, change="rel"))
    assert rel.unit == "%"
    assert rel.values[rel.codes.index(code)] == pytest.approx((now[code] / before[code] - 1) * 100)


def test_same_breaks_for_all_periods(service: Service) -> None:
    fixed = replace(S4, fixed=True)
    a = service.map_data(fixed)
    b = service.map_data(replace(fixed, period="2012-12-31"))
    assert a.classification.breaks == b.classification.breaks
    every = [v for p in service.periods("berlin", "planungsraum", S4.indicator)
             for v in service.map_data(replace(S4, period=p)).values if v is not None]
    basis = classify({str(i): v for i, v in enumerate(every)}, "quantiles", 5)
    values = {c: v for c, v in zip(b.codes, b.values, strict=True) if v is not None}
    assert {c: b.classes[b.codes.index(c)] for c in values} == assign(values, basis)


def test_series_ranking_profile(service: Service) -> None:
    state = replace(S4, selected=("01011101", "01011102"))
    series = service.series(state)
    assert series.periods == ("2012-12-31", "2014-12-31", "2016-12-31", "2018-12-31")
    first = series.lines[0]
    assert first.code == "01011101" and first.values[-1] == pytest.approx(15.43624)
    assert series.lines[1].values[-1] is None  # secret: a gap, never 0
    low = np.array([x for x in series.band_low if x is not None])
    high = np.array([x for x in series.band_high if x is not None])
    assert (low <= high).all()
    ranking = service.ranking(state)
    assert list(ranking.values) == sorted(ranking.values, reverse=True)
    assert "01011102" not in ranking.codes
    profile = service.profile(state, "01011101")
    assert profile is not None and profile.name == "Stülerstraße"
    rows = {r.indicator: r for r in profile.rows}
    assert rows["mss_s4_child_poverty"].value == "15,4\u202f%" or rows["mss_s4_child_poverty"].value.startswith("15,4")
    assert {r.assessment for r in profile.rows} <= {"better", "similar", "worse", "higher", "lower"}


def test_profile_assessment_follows_polarity(service: Service) -> None:
    state = ViewState(level="planungsraum", indicator="mss_s4_child_poverty", period="2018-12-31")
    data = service.map_data(state)
    values = {c: v for c, v in zip(data.codes, data.values, strict=True) if v is not None}
    worst = max(values, key=lambda c: values[c])
    best = min(values, key=lambda c: values[c])
    rows_worst = {r.indicator: r for r in service.profile(state, worst).rows}  # type: ignore[union-attr]
    rows_best = {r.indicator: r for r in service.profile(state, best).rows}  # type: ignore[union-attr]
    assert rows_worst["mss_s4_child_poverty"].assessment == "worse"
    assert rows_best["mss_s4_child_poverty"].assessment == "better"


def test_table_and_download_match_the_map(service: Service) -> None:
    data = service.map_data(S4)
    table = mapview.table_frame(data)
    assert list(table["area_id"]) == list(data.codes)
    for value, shown in zip(table["value"], data.values, strict=True):
        assert (value is None and shown is None) or (isinstance(shown, float) and value == shown) or (
            value != value and shown is None)
    row = table.set_index("area_id").loc["01011101"]
    assert row["value_text"] == "15,4\u202f%" or row["value_text"].startswith("15,4")
    assert table.set_index("area_id").loc["01011102", "value_text"].startswith("gesperrt")
    download = downloads.view_table(data)
    assert list(download.columns) == ["area_id", "name", "indicator_id", "indicator", "period", "value", "unit",
                                      "status", "status_code", "class", "class_range"]
    assert list(download["area_id"]) == list(data.codes)
    for value, shown in zip(download["value"], data.values, strict=True):  # the map's values, rounded as shown
        assert (value != value and shown is None) or value == downloads.rounded(shown, data.decimals)
    assert download.set_index("area_id").loc["01011101", "value"] == 15.44  # 15.43624 with 2 decimals
    assert list(download["status_code"]) == list(data.statuses)
    assert list(download["class_range"]) == list(table["class_label"])  # the legend's words


def test_english_view_formats_numbers_the_english_way(service: Service) -> None:
    data = service.map_data(replace(S4, lang="en"))
    assert mapview.map_title(data.state, data.name).startswith("S4")
    labels = [mapview.legend_label(e, data.legend_decimals, "en") for e in data.legend if e.kind == "class"]
    assert all("," not in label for label in labels)
    assert any("." in label for label in labels)
    german = service.map_data(S4)
    de = [mapview.legend_label(e, german.legend_decimals, "de") for e in german.legend if e.kind == "class"]
    assert any("," in label for label in de)


def test_caches_follow_the_store_generation(service: Service, demo: object) -> None:
    service.refresh()
    before = service._generation
    service.map_data(S4)
    assert service._structure and len(service.cache) > 0  # type: ignore[arg-type]
    service.refresh()  # nothing imported meanwhile: caches stay
    assert service._structure and service._generation == before
    hits = service.cache.hits  # type: ignore[attr-defined]
    service.map_data(S4)
    assert service.cache.hits > hits  # type: ignore[attr-defined]  # the second time from the cache


def test_profile_compares_counts_with_the_median_not_the_city_total(service: Service) -> None:
    state = ViewState(indicator="pop_share_foreigners", period="2020-12-31")
    rows = {r.indicator: r for r in service.profile(state, "01011101").rows}  # type: ignore[union-attr]
    assert rows["pop_total"].reference.endswith("*")  # median of areas, marked
    assert not rows["pop_share_foreigners"].reference.endswith("*")  # shares: the Berlin value


def test_change_mode_compares_with_the_previous_period_without_empty_classes(service: Service) -> None:
    """INKAR's unemployment rate: change mode used to compare 1998 with 2017 and gave two of five classes "0 areas"
    (it fell everywhere). The default base is now the period before; either way no class is empty."""
    query = "frame=deutschland&level=kreis&ind=inkar_unemployment_rate&mode=change"
    data = service.map_data(service.resolve(parse_query(query)[0])[0])
    assert (data.state.base, data.state.period) == ("2016", "2017")
    assert 0 not in data.classification.counts
    assert data.legend_decimals == 1  # 5.3 − 5.2 reads 0,1, not 0,099999…
    fell = service.map_data(service.resolve(parse_query(query + "&base=1998")[0])[0])
    assert fell.classification.k == 5 and 0 not in fell.classification.counts
    assert fell.classification.breaks[-1] < 0  # every class is a decrease …
    assert list(fell.palette) == colours("Blues", 5)[::-1]  # … in the "better" hue, darkest for the largest fall


def test_the_parent_outline_is_off_by_default_for_many_areas(service: Service) -> None:
    gemeinden = service.map_data(service.resolve(parse_query("frame=deutschland&level=gemeinde")[0])[0])
    assert not gemeinden.outline and gemeinden.outline_url is None
    asked = service.map_data(service.resolve(parse_query("frame=deutschland&level=gemeinde&outline=1")[0])[0])
    assert asked.outline and asked.outline_url is not None and asked.outline_url.startswith("/geo/deutschland/kreis")
    berlin = service.map_data(S4)
    assert berlin.outline and berlin.outline_url is not None
    assert not service.map_data(replace(S4, outline=False)).outline


def test_notices_name_what_they_mean(service: Service) -> None:
    model = service.view(parse_query("frame=deutschland&level=gemeinde&ind=mss_s4_child_poverty")[0])
    (notice,) = [n for n in model.notices if n.key == "unknown_indicator"]
    assert notice.params == {"value": "S4 Kinderarmut", "used": "Bevölkerungsdichte (Gemeinde)"}


def test_a_multiplier_unit_reads_naturally_in_the_profile(service: Service) -> None:
    state = service.resolve(parse_query("frame=deutschland&level=kreis&ind=inkar_gdp_per_capita&sel=11000")[0])[0]
    profile = service.profile(state, "11000")
    assert profile is not None
    (gdp,) = [r for r in profile.rows if r.indicator == "inkar_gdp_per_capita"]
    assert gdp.value.endswith("\u00a0Tsd.\u00a0€") and "1.000" not in gdp.value
