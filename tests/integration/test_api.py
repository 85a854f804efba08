"""The read API (server/api.py over sozialmonitor/readapi.py) on SQLite and PostgreSQL, through Flask's test
client against the whole app: shapes of every endpoint, CSV, 404 for internal and unknown alike, suppressed
values without value, rolled-up values equal to the dashboard's, ETag/304 and cache headers per audience.

The store: Musterstadt with a public level ``bezirk`` over an internal level ``sozialraum`` (values are
imported on ``sozialraum`` and rolled up to ``bezirk``) and the internal indicator ``sgb2_quote``. Period
2021 is written here: two children of Nord with small counts make both districts' ``kinder_u6`` secret
(Nord's total 2 < min_count 3; Süd by secondary suppression)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient

from app import create_app
from server import api, openapi
from sozialmonitor import accounts
from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.readapi import ROW_FIELDS, ValuesAnswer
from sozialmonitor.service import Service
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store
from tests.integration.conftest import CliRunner
from tests.integration.musterstadt import CITY, import_areas, import_indicators

V1 = "/api/v1/frames"
BEZIRK = f"{V1}/muster/levels/bezirk"
SOZIALRAUM = f"{V1}/muster/levels/sozialraum"
PLANNER = Audience("planner", "petra")
PASSWORD = "richtig-langes-passwort"
NOT_FOUND = {"error": "not found"}
SMALL_COUNTS = (  # period 2021: Nord's children are too small to publish, and so is Nord's total (2 < 3)
    "area_id,indicator_id,period,value\n"
    "SR-0101,kinder_u6,2021,1\nSR-0102,kinder_u6,2021,1\nSR-0201,kinder_u6,2021,20\nSR-0202,kinder_u6,2021,30\n"
)


@pytest.fixture
def city(cli: CliRunner, store: Store, tmp_path: Path) -> Store:
    import_areas(cli, internal=True)
    small = tmp_path / "small_counts.csv"
    small.write_text(SMALL_COUNTS, encoding="utf-8")
    import_indicators(cli, CITY / "synthetic_observations.csv")
    import_indicators(cli, small)
    import_indicators(cli, CITY / "synthetic_german_cp1252.csv", "--area-col", "Schlüssel")
    return store


def build(store: Store, tmp_path: Path, audience: Audience | None = None) -> Dash:
    """The whole app; ``audience`` None: the real login (server/auth.py) decides."""
    settings = Settings.from_env({"DATABASE_URL": store.url, "SOZIALMONITOR_LOAD_DEMO": "0",
                                  "SOZIALMONITOR_LOG_LEVEL": "WARNING", "SOZIALMONITOR_SECRET_KEY": "k" * 64,
                                  "SOZIALMONITOR_INSTANCE_DIR": str(tmp_path)})
    return create_app(settings, audience_of=None if audience is None else (lambda: audience))


@pytest.fixture
def public(city: Store, tmp_path: Path) -> FlaskClient:
    return build(city, tmp_path, PUBLIC).server.test_client()


@pytest.fixture
def planner(city: Store, tmp_path: Path) -> FlaskClient:
    return build(city, tmp_path, PLANNER).server.test_client()


def get_json(client: FlaskClient, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    return response.get_json()


def by_area(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["area_id"]: row for row in answer["values"]}


# --- shapes ------------------------------------------------------------------------------------------------


def test_catalogue_endpoints_show_what_the_public_may_see(public: FlaskClient) -> None:
    assert get_json(public, V1) == {"frames": [{"id": "muster", "name": {"de": "muster", "en": "muster"}}]}
    levels = get_json(public, f"{V1}/muster/levels")
    assert [(lv["id"], lv["parent"], lv["visibility"]) for lv in levels["levels"]] == [("bezirk", None, "public")]
    assert set(levels["levels"][0]) == {"id", "name", "parent", "visibility", "source", "licence"}
    indicators = get_json(public, f"{BEZIRK}/indicators")
    assert (indicators["frame"], indicators["level"]) == ("muster", "bezirk")
    # rolled up from the internal level; sgb2_quote is internal (and not derivable) — not listed
    assert [i["id"] for i in indicators["indicators"]] == ["alter_mittel", "anteil_kinder_u6", "einwohner",
                                                           "kinder_u6"]
    share = next(i for i in indicators["indicators"] if i["id"] == "anteil_kinder_u6")
    assert share["name"] == {"de": "Anteil Kinder unter 6 Jahren", "en": "Share of children under 6"}
    assert share["unit"] == {"de": "%", "en": "%"} and share["aggregation"] == "ratio"
    assert share["periods"] == ["2022"]
    assert next(i for i in indicators["indicators"] if i["id"] == "kinder_u6")["periods"] == ["2021", "2022"]


def test_indicator_description_names_definition_periods_source_and_licence(public: FlaskClient) -> None:
    described = get_json(public, f"{BEZIRK}/indicators/einwohner")
    assert described["name"] == {"de": "Einwohner", "en": "Inhabitants"}
    assert described["unit"] == {"de": "Personen", "en": "persons"}
    assert described["definition"] == {"de": "Einwohner mit Hauptwohnsitz", "en": "Inhabitants with main residence"}
    assert described["periods"] == ["2022", "2023-12-31"]
    assert (described["source"], described["licence"]) == ("Synthetische Testdaten", "keine")
    assert {"frame", "level", "areas_source", "areas_licence", "topic", "polarity"} <= set(described)
    entry = next(i for i in get_json(public, f"{BEZIRK}/indicators")["indicators"] if i["id"] == "einwohner")
    assert {k: v for k, v in described.items() if k in entry} == entry  # one description, listed and alone


def test_values_carry_attribution_and_one_row_per_area(public: FlaskClient, city: Store) -> None:
    answer = get_json(public, f"{BEZIRK}/indicators/anteil_kinder_u6/values?period=2022")
    assert {k: answer[k] for k in ("frame", "level", "indicator", "period", "periods", "area")} == {
        "frame": "muster", "level": "bezirk", "indicator": "anteil_kinder_u6", "period": "2022",
        "periods": ["2022"], "area": None}
    assert answer["unit"] == {"de": "%", "en": "%"}
    assert (answer["source"], answer["licence"]) == ("Synthetische Testdaten", "keine")
    assert {"areas_source", "areas_licence", "name", "decimals"} <= set(answer)
    assert all(tuple(row) == ROW_FIELDS for row in answer["values"])
    rows = by_area(answer)
    # hand-checked roll-up (tests/fixtures/musterstadt/README.md): 100 · 70 / 400, not the mean of the shares
    assert rows["01"] == {"area_id": "01", "name": "Nord", "period": "2022", "value": 17.5, "status": "ok",
                          "derived": True}
    assert rows["02"]["value"] is None and rows["02"]["status"] == "missing"  # a secret child: no total


def test_values_default_to_the_latest_period(public: FlaskClient) -> None:
    answer = get_json(public, f"{BEZIRK}/indicators/einwohner/values")
    assert answer["period"] == "2023-12-31" and answer["periods"] == ["2023-12-31"]


@pytest.mark.parametrize(("indicator", "period"), [("einwohner", "2022"), ("einwohner", "2023-12-31"),
                                                   ("kinder_u6", "2021"), ("kinder_u6", "2022"),
                                                   ("anteil_kinder_u6", "2022"), ("alter_mittel", "2022")])
def test_rolled_up_values_are_what_the_dashboard_shows(public: FlaskClient, city: Store, indicator: str,
                                                       period: str) -> None:
    shown = Service(city).data.shown("muster", "bezirk", indicator, period)
    rows = by_area(get_json(public, f"{BEZIRK}/indicators/{indicator}/values?period={period}"))
    assert set(rows) == {"01", "02"}
    for code, row in rows.items():
        if code not in shown.index:
            assert (row["value"], row["status"]) == (None, "missing")
            continue
        assert row["status"] == shown.at[code, "status"]
        expected = shown.at[code, "value"]
        assert row["value"] == (expected if row["status"] in ("ok", "provisional", "unreliable")
                                and math.isfinite(expected) else None)


def test_suppressed_values_have_their_status_and_no_value(public: FlaskClient, planner: FlaskClient) -> None:
    path = f"{BEZIRK}/indicators/kinder_u6/values?period=2021"
    answer = get_json(public, path)
    assert [(r["area_id"], r["status"], r["value"]) for r in answer["values"]] == [
        ("01", "secret", None), ("02", "secret", None)]  # Nord 2 < 3; Süd, else Nord = total − Süd
    assert get_json(planner, path) == answer  # disclosure control applies to every audience
    text = public.get(path + "&format=csv").get_data(as_text=True)
    assert '"01","Nord","2021","","secret","true"' in text and "50" not in text
    planned = by_area(get_json(planner, f"{SOZIALRAUM}/indicators/sgb2_quote/values?period=2023-12-31"))
    assert planned["SR-0102"] == {"area_id": "SR-0102", "name": "Schloßpark", "period": "2023-12-31",
                                  "value": None, "status": "secret", "derived": False}  # "." in the source
    assert planned["SR-0101"]["value"] == 12.5
    assert planned["SR-0202"]["status"] == "missing" and planned["SR-0202"]["value"] is None


def test_an_area_without_period_gives_its_whole_series(public: FlaskClient) -> None:
    series = get_json(public, f"{BEZIRK}/indicators/kinder_u6/values?area=02")
    assert (series["period"], series["periods"], series["area"]) == (None, ["2021", "2022"], "02")
    assert [(r["period"], r["status"], r["value"]) for r in series["values"]] == [
        ("2021", "secret", None), ("2022", "ok", 25)]
    one = get_json(public, f"{BEZIRK}/indicators/kinder_u6/values?area=02&period=2022")
    assert one["period"] == "2022" and [r["value"] for r in one["values"]] == [25]


# --- CSV -----------------------------------------------------------------------------------------------------


def test_csv_has_an_attribution_header_block_then_the_table(public: FlaskClient) -> None:
    response = public.get(f"{BEZIRK}/indicators/anteil_kinder_u6/values?period=2022&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="muster_bezirk_anteil_kinder_u6_2022.csv"' in response.headers["Content-Disposition"]
    lines = response.get_data().decode("utf-8").split("\r\n")
    header = dict(line[2:].split(": ", 1) for line in lines if line.startswith("# "))
    assert header == {"indicator": "anteil_kinder_u6", "name_de": "Anteil Kinder unter 6 Jahren",
                      "name_en": "Share of children under 6", "unit_de": "%", "unit_en": "%", "frame": "muster",
                      "level": "bezirk", "period": "2022", "source": "Synthetische Testdaten", "licence": "keine",
                      "areas_source": "", "areas_licence": ""}
    table = list(csv.reader(io.StringIO("\r\n".join(line for line in lines if not line.startswith("#")))))
    assert table[0] == list(ROW_FIELDS)
    assert table[1:3] == [["01", "Nord", "2022", "17.5", "ok", "true"], ["02", "Süd", "2022", "", "missing", "true"]]


def test_csv_of_a_series_names_periods_and_area(public: FlaskClient) -> None:
    text = public.get(f"{BEZIRK}/indicators/kinder_u6/values?area=01&format=csv").get_data(as_text=True)
    assert "# periods: 2021, 2022\r\n# area: 01\r\n" in text
    assert text.endswith('"01","Nord","2021","","secret","true"\r\n"01","Nord","2022",70,"ok","true"\r\n')


def test_csv_cells_cannot_start_a_formula() -> None:
    about = {"frame": "f", "level": "l", "indicator": "i", "name": {"de": "=A1\nB", "en": "x"},
             "unit": {"de": "%", "en": "%"}, "period": "2022", "periods": ["2022"], "area": None,
             "source": "s", "licence": "l", "areas_source": "", "areas_licence": ""}
    names = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tTab", "Haus #3", "Nord"]
    rows = tuple({"area_id": f"a{i}", "name": n, "period": "2022", "value": -1.5, "status": "ok", "derived": False}
                 for i, n in enumerate(names))
    text = api.to_csv(ValuesAnswer(about, rows)).decode("utf-8")
    assert "# name_de: =A1 B\r\n" in text  # a header line starts with "#", and stays one line
    table = list(csv.reader(io.StringIO(text[text.index('"area_id"'):])))
    assert [r[1] for r in table[1:]] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tTab", "Haus #3",
                                         "Nord"]
    assert {r[3] for r in table[1:]} == {"-1.5"}  # numbers stay numbers


# --- who may see what ------------------------------------------------------------------------------------------


INTERNAL_AND_UNKNOWN = [
    (f"{V1}/muster/levels/sozialraum/indicators", f"{V1}/muster/levels/ortsteil/indicators"),
    (f"{SOZIALRAUM}/indicators/einwohner", f"{V1}/muster/levels/ortsteil/indicators/einwohner"),
    (f"{SOZIALRAUM}/indicators/einwohner/values?period=2022", f"{V1}/nirgendwo/levels/x/indicators/y/values"),
    (f"{BEZIRK}/indicators/sgb2_quote", f"{BEZIRK}/indicators/gibt_es_nicht"),
    (f"{SOZIALRAUM}/indicators/sgb2_quote/values?period=2023-12-31",
     f"{BEZIRK}/indicators/gibt_es_nicht/values?period=2023-12-31"),
    (f"{BEZIRK}/indicators/sgb2_quote/values?format=csv", f"{BEZIRK}/indicators/gibt_es_nicht/values?format=csv"),
]


@pytest.mark.parametrize(("internal", "unknown"), INTERNAL_AND_UNKNOWN)
def test_internal_answers_exactly_like_unknown(public: FlaskClient, internal: str, unknown: str) -> None:
    hidden, missing = public.get(internal), public.get(unknown)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json() == NOT_FOUND
    assert hidden.get_data() == missing.get_data()
    ignore = {"Content-Security-Policy"}
    assert {k: v for k, v in hidden.headers if k not in ignore} == {k: v for k, v in missing.headers if k not in ignore}


def test_unknown_frames_and_paths_are_404_json(public: FlaskClient) -> None:
    assert get_json(public, f"{V1}/nirgendwo/levels", 404) == NOT_FOUND
    assert get_json(public, f"{BEZIRK}/indicators/einwohner/werte", 404) == NOT_FOUND
    assert get_json(public, "/api/v1/gibt-es-nicht", 404) == NOT_FOUND


def test_a_planner_sees_internal_levels_and_indicators(planner: FlaskClient) -> None:
    levels = get_json(planner, f"{V1}/muster/levels")["levels"]
    assert [(lv["id"], lv["parent"], lv["visibility"]) for lv in levels] == [
        ("bezirk", None, "public"), ("sozialraum", "bezirk", "internal")]
    ids = [i["id"] for i in get_json(planner, f"{SOZIALRAUM}/indicators")["indicators"]]
    assert "sgb2_quote" in ids
    assert get_json(planner, f"{SOZIALRAUM}/indicators/sgb2_quote")["visibility"] == "internal"
    rows = by_area(get_json(planner, f"{SOZIALRAUM}/indicators/anteil_kinder_u6/values?period=2022"))
    assert rows["SR-0102"]["value"] == 20 and rows["SR-0102"]["derived"] is False


# --- bad parameters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "message"), [
    ("period=2020", "unknown period '2020'; allowed: 2022, 2023-12-31"),
    ("period=2022&format=xml", "unknown format 'xml'; allowed: csv, json"),
    ("area=SR-0101", "unknown area 'SR-0101'; allowed: 01, 02"),
])
def test_bad_parameters_are_400_naming_the_allowed_values(public: FlaskClient, query: str, message: str) -> None:
    response = public.get(f"{BEZIRK}/indicators/einwohner/values?{query}")
    assert response.status_code == 400 and response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {"error": "bad request", "message": message}


def test_catalogue_endpoints_answer_json_only(public: FlaskClient) -> None:
    response = public.get(f"{BEZIRK}/indicators?format=csv")
    assert response.status_code == 400
    assert response.get_json()["message"] == "unknown format 'csv'; allowed: json"


# --- caching ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [V1, f"{V1}/muster/levels", f"{BEZIRK}/indicators", f"{BEZIRK}/indicators/einwohner",
                                  f"{BEZIRK}/indicators/einwohner/values?period=2022",
                                  f"{BEZIRK}/indicators/einwohner/values?period=2022&format=csv",
                                  "/api/v1/openapi.json"])
def test_etag_gives_304_and_anonymous_answers_are_public(public: FlaskClient, path: str) -> None:
    first = public.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == f"public, max-age={api.MAX_AGE_S}"
    assert set(first.headers["Vary"].replace(" ", "").split(",")) == {"Cookie", "Accept-Encoding"}
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = public.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert public.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    # the security middleware still hardens the answer
    assert first.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in first.headers


def test_etag_changes_with_the_body_and_survives_compression(public: FlaskClient) -> None:
    one = public.get(f"{BEZIRK}/indicators/einwohner/values?period=2022")
    other = public.get(f"{BEZIRK}/indicators/einwohner/values?period=2023-12-31")
    assert one.headers["ETag"] != other.headers["ETag"]
    path = f"{BEZIRK}/indicators"  # long enough for Flask-Compress, which appends ":gzip" to the ETag
    zipped = public.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("Content-Encoding") == "gzip" and zipped.headers["ETag"].endswith(':gzip"')
    again = public.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == zipped.headers["ETag"]


def test_logged_in_answers_are_private_and_not_stored(city: Store, tmp_path: Path) -> None:
    with city.transaction() as db:
        accounts.add_user(db, "petra", PASSWORD, "planner")
    client = build(city, tmp_path).server.test_client()
    path = f"{SOZIALRAUM}/indicators/einwohner/values?period=2022"
    assert client.get(path).status_code == 404  # not yet logged in
    assert client.get(f"{BEZIRK}/indicators").headers["Cache-Control"].startswith("public")
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    login = client.post("/login", data={"csrf_token": token, "username": "petra", "password": PASSWORD, "next": "/"},
                        headers={"Origin": "http://localhost"})
    assert login.status_code == 303
    response = client.get(path)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in response.headers["Vary"]
    assert client.get(f"{BEZIRK}/indicators").headers["Cache-Control"] == "private, no-store"
    assert client.get(path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


# --- the description ------------------------------------------------------------------------------------------


def test_openapi_describes_every_api_route(public: FlaskClient) -> None:
    document = get_json(public, "/api/v1/openapi.json")
    assert document["openapi"].startswith("3.1") and document == json.loads(json.dumps(openapi.document(api.MAX_AGE_S)))
    app_routes = {rule.rule.replace("<", "{").replace(">", "}") for rule in public.application.url_map.iter_rules()
                  if rule.rule.startswith("/api/v1/") and "path:" not in rule.rule}
    assert app_routes == set(document["paths"])
    schemas = document["components"]["schemas"]
    values = get_json(public, f"{BEZIRK}/indicators/kinder_u6/values?period=2022")
    assert set(values) == set(schemas["Values"]["required"])
    assert set(values["values"][0]) == set(schemas["Row"]["required"])
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)
