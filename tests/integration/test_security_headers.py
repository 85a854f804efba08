"""Hardening (server/security.py) on a minimal Dash app: security headers and the CSP, the request size
limit, generic error pages without tracebacks, and JSON request logs. The real dashboard under this CSP is
checked in headless Chromium (tests/browser: an empty console)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import dash
import pytest
from dash import Input, Output, html
from flask.testing import FlaskClient

from server import auth, security
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store

ORIGIN = {"Origin": "http://localhost"}


def make_app(tmp_path: Path, **changes: object) -> dash.Dash:
    values: dict[str, object] = {"database_url": f"sqlite:///{tmp_path / 'store.db'}", "instance_dir": tmp_path,
                                 "secret_key": "k" * 64}
    values.update(changes)
    settings = Settings(**values)  # type: ignore[arg-type]
    app = dash.Dash(__name__, serve_locally=True)
    app.layout = html.Div([html.Button("los", id="go"), html.P(id="out")])
    app.clientside_callback("function(n) { return n; }", Output("out", "title"), Input("go", "n_clicks"))

    @app.callback(Output("out", "children"), Input("go", "n_clicks"))
    def echo(n: int | None) -> str:
        return f"{n}"

    @app.server.get("/boom")
    def boom() -> str:
        raise RuntimeError("geheimes Detail aus dem Inneren")

    security.register(app, settings)
    return app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    yield make_app(tmp_path).server.test_client()


def test_security_headers_and_a_csp_made_for_dash(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    response = app.server.test_client().get("/")
    assert response.status_code == 200
    csp = dict(d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'"
    script = csp["script-src"].split()
    assert script[0] == "'self'" and set(app.csp_hashes()) <= set(script) and len(script) >= 3  # renderer + clientside
    assert "'unsafe-eval'" not in script and "'unsafe-inline'" not in script
    assert csp["style-src"] == "'self' 'unsafe-inline'"
    assert csp["img-src"] == "'self' data: blob:"
    assert csp["connect-src"] == "'self'" and csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Permissions-Policy"] == "geolocation=(), camera=(), microphone=()"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Strict-Transport-Security" not in response.headers
    # every inline script the page runs is allowed by its hash (Dash's IE warning sits in a comment)
    page = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.S)
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", page, re.S)
    assert any("new DashRenderer" in code for code in inline)
    for code in inline:
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script, code[:80]


def test_embedding_is_allowed_where_the_setting_says(tmp_path: Path) -> None:
    client = make_app(tmp_path, frame_ancestors="'self' https://www.musterstadt.de", cookie_secure=True,
                      basemap_url="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png").server.test_client()
    response = client.get("/")
    assert "frame-ancestors 'self' https://www.musterstadt.de" in response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://*.tile.openstreetmap.org;" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    none = make_app(tmp_path, frame_ancestors="'none'").server.test_client().get("/")
    assert none.headers["X-Frame-Options"] == "DENY"


def test_dash_callbacks_still_work_from_the_same_origin(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    auth.register(app.server, store, Settings(database_url=store.url, instance_dir=tmp_path, secret_key="k" * 64))
    client = app.server.test_client()
    body = {"output": "out.children", "outputs": {"id": "out", "property": "children"},
            "inputs": [{"id": "go", "property": "n_clicks", "value": 2}], "changedPropIds": ["go.n_clicks"]}
    ok = client.post("/_dash-update-component", json=body, headers=ORIGIN)
    assert ok.status_code == 200 and ok.get_json()["response"]["out"]["children"] == "2"
    assert client.post("/_dash-update-component", json=body).status_code == 403
    cross = client.post("/_dash-update-component", json=body, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and cross.is_json


def test_requests_over_the_size_limit_get_413(tmp_path: Path) -> None:
    client = make_app(tmp_path, max_request_bytes=4096).server.test_client()
    body = {"output": "out.children", "outputs": {"id": "out", "property": "children"},
            "inputs": [{"id": "go", "property": "n_clicks", "value": "x" * 5000}], "changedPropIds": []}
    response = client.post("/_dash-update-component", json=body, headers=ORIGIN)
    assert response.status_code == 413 and response.get_json()["error"] == 413


def test_a_crashing_route_shows_a_generic_page_and_logs_the_traceback(
        client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "Fehler 500" in text and "protokolliert" in text
    assert "Traceback" not in text and "geheimes Detail" not in text and "RuntimeError" not in text
    assert "geheimes Detail" in caplog.text  # the traceback goes to the log
    english = client.get("/boom?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Error 500" in english


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/_favicon-does-not-exist.ico", 200),  # Dash answers unknown paths with its index page
    ("put", "/boom", 405),
])
def test_other_errors_have_generic_pages(client: FlaskClient, method: str, path: str, status: int) -> None:
    response = getattr(client, method)(path, headers=ORIGIN)
    assert response.status_code == status
    if status == 405:
        assert "Fehler 405" in response.get_data(as_text=True) and "GET" in response.headers["Allow"]
        assert "Content-Security-Policy" in response.headers


def test_json_logs_name_each_request_without_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        client = make_app(tmp_path, log_format="json").server.test_client()
        client.set_cookie("sozialmonitor_session", "geheimer-keks")
        client.get("/?password=verraten")
        client.get("/boom")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    requests = [entry for entry in lines if entry["logger"] == "sozialmonitor.request"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [("GET", "/", 200), ("GET", "/boom", 500)]
    assert all({"ts", "level", "msg", "ms", "role"} <= set(r) for r in requests)
    crash = next(entry for entry in lines if entry["level"] == "ERROR")
    assert "geheimes Detail" in crash["exc"]
    assert "geheimer-keks" not in json.dumps(lines) and "verraten" not in json.dumps(lines)


@pytest.mark.parametrize(("url", "source"), [
    (None, None),
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.basemaps.example.org:8443/{z}/{x}/{y}.png", "https://*.basemaps.example.org:8443"),
    ("https://tiles-{s}.example.org/{z}/{x}/{y}.png", "https:"),
    ("ftp://tiles.example.org/{z}.png", None),
])
def test_the_basemap_host_is_allowed_for_images(url: str | None, source: str | None) -> None:
    assert security.basemap_source(url) == source
