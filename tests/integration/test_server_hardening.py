"""The whole dashboard (``app.create_app``) against requests that are not what the browser sends, and the
cache headers of answers that depend on a login: malformed callback requests are 400 and unknown bundle paths
404, each with one log line and no traceback (server/dash_requests.py, server/security.py); answers for a
logged-in user are ``private, no-store`` while anonymous ones keep their caching (server/caching.py); the
development server sends no ``Server`` header (server/serving.py; gunicorn's: tests/integration/
test_slow_clients.py). One synthetic Musterstadt on SQLite (``sozialraum`` internal), a real login."""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from dash import Dash
from flask.testing import FlaskClient
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from layouts import ids
from server import caching, dash_requests, serving
from server.static import IMMUTABLE
from sozialmonitor import accounts
from sozialmonitor.importing import LevelOptions, import_areas, import_catalogue, import_indicators
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store
from tests.integration.musterstadt import CITY, GPKG

ORIGIN = {"Origin": "http://localhost"}
PASSWORD = "richtig-langes-passwort"
DASH_JS = "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.v4_4_1m1.min.js"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dash]:
    folder = tmp_path_factory.mktemp("hardening")
    store = Store(f"sqlite:///{folder / 'store.db'}")
    store.upgrade()
    import_catalogue(store, CITY / "synthetic_catalogue.csv")
    import_areas(store, GPKG, frame="muster", level="bezirk", layer="stadtbezirke", id_col="BEZ_ID",
                 name_col="BEZ_NAME")
    import_areas(store, GPKG, frame="muster", level="sozialraum", layer="sozialraeume", id_col="SR_SCHLUESSEL",
                 name_col="SR_NAME", parent_col="BEZIRK",
                 options=LevelOptions(parent_level="bezirk", visibility="internal"))
    import_indicators(store, CITY / "synthetic_german_cp1252.csv", frame="muster", level="sozialraum",
                      area_col="Schlüssel")
    with store.transaction() as db:
        accounts.add_user(db, "anna", PASSWORD, "planner")
    store.dispose()
    settings = Settings.from_env({"DATABASE_URL": store.url, "SOZIALMONITOR_LOAD_DEMO": "0",
                                  "SOZIALMONITOR_LOG_LEVEL": "WARNING", "SOZIALMONITOR_SECRET_KEY": "k" * 64,
                                  "SOZIALMONITOR_INSTANCE_DIR": str(folder)})
    yield create_app(settings)


def anonymous(app: Dash) -> FlaskClient:
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # the first request registers Dash's page callbacks
    return client


def logged_in(app: Dash) -> FlaskClient:
    client = anonymous(app)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post("/login", data={"csrf_token": token.group(1), "username": "anna", "password": PASSWORD,
                                           "next": "/"}, headers=ORIGIN)
    assert response.status_code == 303
    return client


def main_callback(app: Dash) -> dict[str, Any]:
    """The body the renderer posts for the dashboard's main callback (the one writing the view's query)."""
    output, spec = next((key, spec) for key, spec in app.callback_map.items()
                        if f"{ids.QUERY}.data" in key and "callback" in spec)

    def ref(o: Any) -> dict[str, str]:
        return {"id": o.component_id, "property": o.component_property.split("@")[0]}

    return {"output": output, "outputs": [ref(o) for o in spec["output"]],
            "inputs": [{**i, "value": None} for i in spec["inputs"]],
            "state": [{**s, "value": None} for s in spec["state"]],
            "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"]}


def app_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- malformed requests ------------------------------------------------------------------------------------


def _variants(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Bodies of the wrong shape, derived from a good one."""
    one_input_short = {**body, "inputs": body["inputs"][:-1]}
    bad_outputs = {**body, "outputs": [{"id": "nicht-da", "property": "children"}] * len(body["outputs"])}
    return [("[]", "a JSON list"), ('{"output": 5}', "output a number"), ('"x"', "a JSON string"),
            ("{kein json", "no JSON"), ("{}", "no output"), ('{"output": "nicht.da"}', "an unknown output"),
            ('{"output": "nicht.da", "inputs": 5}', "unknown output, inputs a number"),
            (json.dumps({**body, "inputs": 5}), "inputs a number"),
            (json.dumps({**body, "inputs": [5] * len(body["inputs"])}), "inputs of numbers"),
            (json.dumps({**body, "state": "x"}), "state a string"),
            (json.dumps({**body, "outputs": 5}), "outputs a number"),
            (json.dumps({**body, "changedPropIds": [1]}), "changed ids numbers"),
            (json.dumps(one_input_short), "one input missing"),
            (json.dumps(bad_outputs), "outputs of another callback")]


def test_callback_requests_of_the_wrong_shape_are_400_with_one_log_line(
        app: Dash, caplog: pytest.LogCaptureFixture) -> None:
    client = anonymous(app)
    good = main_callback(app)
    assert client.post("/_dash-update-component", json=good, headers=ORIGIN).status_code in (200, 204)
    for text, what in _variants(good):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = client.post("/_dash-update-component", data=text, headers=ORIGIN,
                                   content_type="application/json")
        assert response.status_code == 400, (what, response.status_code, response.get_data(as_text=True)[:300])
        assert response.is_json and response.get_json()["error"] == 400, what
        assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records), what
        records = app_records(caplog)
        assert len(records) == 1 and "/_dash-update-component" in records[0].getMessage(), (what, caplog.text)
    text_plain = client.post("/_dash-update-component", data=json.dumps(good), headers=ORIGIN,
                             content_type="text/plain")
    assert text_plain.status_code == 400


@pytest.mark.parametrize("path", [
    "/_dash-component-suites/dash/../../etc/passwd",
    "/_dash-component-suites/dash/%2e%2e/%2e%2e/etc/passwd",
    "/_dash-component-suites/dash/..%2F..%2Fetc%2Fpasswd",
    "/_dash-component-suites/nicht_da/x.js",
    "/_dash-component-suites/dash/nicht-da.v1_0_0m1.js",
    "/_dash-component-suites/os/__init__.py",
    "/assets/../app.py",
    "/assets/%2e%2e/app.py",
    "/assets/nicht-da.css",
])
def test_bad_asset_paths_are_404_without_traceback(app: Dash, caplog: pytest.LogCaptureFixture, path: str) -> None:
    client = anonymous(app)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = client.get(path)
    assert response.status_code == 404, path
    assert "root:" not in response.get_data(as_text=True)
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert len(app_records(caplog)) <= 1


def test_the_guard_names_the_problem() -> None:
    callbacks = {"a.children": {"callback": print, "inputs": [{"id": "b", "property": "value"}], "state": []},
                 "c.title": {"inputs": [], "state": []}}  # clientside: no server function
    good = {"output": "a.children", "outputs": {"id": "a", "property": "children"},
            "inputs": [{"id": "b", "property": "value", "value": 1}], "changedPropIds": ["b.value"]}
    problem = dash_requests.callback_request_problem
    assert problem(good, callbacks) is None
    assert problem({**good, "inputs": [[{"id": {"i": 1}, "property": "value"}]]}, callbacks) is None  # pattern ids
    assert problem([], callbacks) == "the body is a JSON list, not an object"
    assert problem({"output": "c.title"}, callbacks) == "'output' names no server callback"
    assert problem({**good, "inputs": []}, callbacks) == "'inputs' has 0 entries; the callback has 1"
    assert problem({**good, "state": [{"id": "b"}]}, callbacks) == "'state' is not a list of component properties"
    assert problem({**good, "outputs": "a"}, callbacks) == "'outputs' is not a component property or a list of them"
    assert problem({**good, "changedPropIds": "b.value"}, callbacks) == "'changedPropIds' is not a list of strings"


# --- cache headers -----------------------------------------------------------------------------------------


def cache_of(client: FlaskClient, method: str, path: str, **kwargs: Any) -> tuple[int, str | None, str]:
    response = getattr(client, method)(path, **kwargs)
    return response.status_code, response.headers.get("Cache-Control"), response.headers.get("Vary", "")


def test_answers_for_a_logged_in_user_are_private_and_anonymous_ones_keep_their_caching(app: Dash) -> None:
    public, planner = anonymous(app), logged_in(app)
    body = main_callback(app)
    callback = {"json": body, "headers": ORIGIN}
    # anonymous: as before, plus Vary: Cookie where the answer depends on the audience
    assert cache_of(public, "get", "/api/v1/frames") == (200, "public, max-age=300", "Cookie, Accept-Encoding")
    assert cache_of(public, "get", "/_dash-layout")[:2] == (200, None)  # the page container: the same for all
    status, control, vary = cache_of(public, "post", "/_dash-update-component", **callback)
    assert status in (200, 204) and control is None and "Cookie" in vary
    assert cache_of(public, "get", "/")[1] is None
    assert cache_of(public, "get", DASH_JS) == (200, IMMUTABLE, "Accept-Encoding")  # shared caches may keep it
    assert cache_of(public, "get", "/healthz") == (200, None, "Accept-Encoding")
    assert cache_of(public, "get", "/geo/muster/bezirk.geojson")[:2] == (200, "public, max-age=31536000, immutable")
    assert cache_of(public, "get", "/geo/muster/sozialraum.geojson")[:2] == (404, "no-store")
    # logged in: whatever depends on the login is private, no-store
    for method, path, kwargs in [("get", "/_dash-layout", {}), ("post", "/_dash-update-component", callback),
                                 ("get", "/", {}), ("get", "/api/v1/frames", {}),
                                 ("get", "/geo/muster/sozialraum.geojson", {}),
                                 ("get", "/tooltip?frame=muster&level=sozialraum&area=SR-0101", {})]:
        status, control, vary = cache_of(planner, method, path, **kwargs)
        assert status in (200, 204) and control == "private, no-store" and "Cookie" in vary, (path, status, control)
    # … what is the same for everybody keeps its caching
    assert cache_of(planner, "get", "/geo/muster/bezirk.geojson")[:2] == (200, "public, max-age=31536000, immutable")
    status, control, vary = cache_of(planner, "get", DASH_JS)
    assert (status, control) == (200, IMMUTABLE) and "Cookie" not in vary


@pytest.mark.parametrize(("given", "asked", "logged_in", "session", "expected"), [
    ((None, None), False, False, False, (None, None)),  # anonymous, nothing personal: untouched
    (("public, max-age=600", "Accept-Encoding"), False, False, True, ("public, max-age=600", "Accept-Encoding")),
    ((None, None), False, False, True, ("private, no-store", "Cookie")),  # the page with a session cookie
    (("public, max-age=300", "Cookie, Accept-Encoding"), True, False, False,
     ("public, max-age=300", "Cookie, Accept-Encoding")),
    ((None, "Accept-Encoding"), True, False, False, (None, "Accept-Encoding, Cookie")),
    (("private, max-age=300", None), True, True, True, ("private, no-store", "Cookie")),
    ((None, None), True, True, True, ("private, no-store", "Cookie")),
    (("public, max-age=31536000, immutable", None), True, True, True, ("public, max-age=31536000, immutable",
                                                                        "Cookie")),
])
def test_the_cache_rule(given: tuple[str | None, str | None], asked: bool, logged_in: bool, session: bool,
                        expected: tuple[str | None, str | None]) -> None:
    assert caching.cache_headers(*given, asked_audience=asked, logged_in=logged_in, carries_session=session) \
        == expected


def test_the_single_sign_on_header_is_named_in_vary() -> None:
    assert caching.cache_headers(None, None, asked_audience=True, logged_in=False, carries_session=False,
                                 identity_headers=("Cookie", "X-Remote-User")) == (None, "Cookie, X-Remote-User")


# --- no Server banner --------------------------------------------------------------------------------------


def _server_header(handler: type[WSGIRequestHandler]) -> str | None:
    def hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, hello, request_handler=handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.read() == b"ok"
        connection.close()
        return response.getheader("Server")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_development_server_sends_no_server_header() -> None:
    assert (_server_header(WSGIRequestHandler) or "").startswith("Werkzeug/")  # what it would say
    assert _server_header(serving.QuietRequestHandler) is None


def test_gunicorn_header_lines_lose_the_server_line() -> None:
    lines = ["HTTP/1.1 200 OK\r\n", "Server: gunicorn\r\n", "Date: x\r\n", "X-Server-Id: 1\r\n"]
    assert serving.without_server_header(lines) == ["HTTP/1.1 200 OK\r\n", "Date: x\r\n", "X-Server-Id: 1\r\n"]
