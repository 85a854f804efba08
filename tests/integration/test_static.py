"""Static files (server/static.py) on a minimal Dash app built like tests/integration/test_security_headers.py,
and once on the dashboard itself: Dash's bundles, assets/ and the favicon are read and compressed once per
process, then served from memory with long-lived cache headers; dynamic responses are compressed per
response and never cached. "Once" is counted, not timed: calls of the gzip compressor Flask-Compress uses,
reads of the bundle from its package, and the cache's own counters."""

from __future__ import annotations

import gzip
import json
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import brotli
import dash
import flask_compress.compat
import plotly
import pytest
from dash import Input, Output, html
from dash.fingerprint import build_fingerprint
from flask import Response
from flask.testing import FlaskClient

from server import auth, security, static
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store
from tests.conftest import REPO

ORIGIN = {"Origin": "http://localhost"}
GZIP = {"Accept-Encoding": "gzip"}
IMMUTABLE = "public, max-age=31536000, immutable"
PLOTLY_FILE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_PATH = "/_dash-component-suites/plotly/package_data/"
PLOTLY = PLOTLY_PATH + build_fingerprint("plotly.min.js", plotly.__version__, int(PLOTLY_FILE.stat().st_mtime))
STYLE = REPO / "assets" / "style.css"
GEOJSON_GZ = gzip.compress(b'{"type": "FeatureCollection", "features": []}' * 50)  # made before any counting


def make_app(tmp_path: Path) -> dash.Dash:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'store.db'}", instance_dir=tmp_path, secret_key="k" * 64)
    app = dash.Dash(__name__, serve_locally=True, compress=False, assets_folder=str(REPO / "assets"))
    app.layout = html.Div([html.Button("los", id="go"), html.P(id="out")])

    @app.callback(Output("out", "children"), Input("go", "n_clicks"))
    def echo(n: int | None) -> str:
        return f"{n} " * 2000  # long enough to be compressed

    @app.server.get("/pre-gzipped")
    def pre_gzipped() -> Response:  # like /geo (server/routes.py): a body stored gzip-compressed
        return Response(GEOJSON_GZ, mimetype="application/geo+json", headers={"Content-Encoding": "gzip"})

    auth.register(app.server, Store(settings.database_url), settings)
    security.register(app, settings)
    static.register(app)
    return app


@pytest.fixture
def app(tmp_path: Path) -> dash.Dash:
    return make_app(tmp_path)


@pytest.fixture
def client(app: dash.Dash) -> FlaskClient:
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # a browser loads the page first; it registers the bundles
    return client


def cache_of(app: dash.Dash) -> static.CompressedFiles:
    cache: static.CompressedFiles = app.server.extensions[static.EXTENSION]
    return cache


def counting(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[Any]:
    """Replace ``owner.name`` by a wrapper that records the first argument of every call."""
    calls: list[Any] = []
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)
    return calls


@pytest.fixture
def compressions(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bodies Flask-Compress gzip-compresses during the test."""
    return counting(monkeypatch, flask_compress.compat.compression.gzip, "compress")


def test_a_bundle_is_read_and_compressed_once_then_served_from_memory(
        app: dash.Dash, client: FlaskClient, compressions: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    reads = counting(monkeypatch, pkgutil, "get_data")
    first = client.get(PLOTLY, headers=GZIP)
    cache = cache_of(app)
    stores, hits = cache.stores, cache.hits
    second = client.get(PLOTLY, headers=GZIP)
    assert first.status_code == second.status_code == 200 and second.data == first.data
    assert [len(body) for body in compressions] == [PLOTLY_FILE.stat().st_size]  # once, the whole file
    assert reads == ["plotly"]  # Dash read the bundle once
    assert cache.stores == stores and cache.hits == hits + 2  # uncompressed and gzip body from memory
    assert all(f"{encoding};suite:plotly/package_data/plotly.min.js" in cache for encoding in ("identity", "gzip"))
    assert cache.size <= cache.max_bytes


def test_encoded_bodies_are_exactly_the_file(client: FlaskClient) -> None:
    raw = PLOTLY_FILE.read_bytes()
    for _ in range(2):  # compressed, then from memory
        zipped = client.get(PLOTLY, headers=GZIP)
        assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
        assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(raw) / 3
        assert gzip.decompress(zipped.data) == raw
        squeezed = client.get(PLOTLY, headers={"Accept-Encoding": "br"})
        assert squeezed.headers["Content-Encoding"] == "br" and brotli.decompress(squeezed.data) == raw
        plain = client.get(PLOTLY)
        assert "Content-Encoding" not in plain.headers and plain.data == raw
        assert plain.headers["Content-Type"] == zipped.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert "Set-Cookie" not in plain.headers


def test_fingerprinted_urls_are_cached_for_a_year(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/_dash-component-suites/[^"]+|/assets/[^"]+\?m=[^"]+|/_favicon[^"]+\?v=[^"]+)"',
                      page)
    assert any("dash_renderer" in u for u in urls) and any("style.css?m=" in u for u in urls)
    assert any("_favicon.ico?v=" in u for u in urls)
    for url in [*urls, PLOTLY]:
        for _ in range(2):
            response = client.get(url, headers=GZIP)
            assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE, url


@pytest.mark.parametrize(("url", "file"), [
    ("/assets/style.css", STYLE),
    (PLOTLY_PATH + "plotly.min.js", PLOTLY_FILE),  # a bundle without Dash's fingerprint
])
def test_other_static_urls_are_revalidated_by_etag(
        client: FlaskClient, compressions: list[bytes], url: str, file: Path) -> None:
    first = client.get(url, headers=GZIP)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, max-age=600"
    assert gzip.decompress(first.data) == file.read_bytes()
    etag = first.headers["ETag"]
    again = client.get(url, headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    plain = client.get(url)  # the uncompressed body has an ETag of its own
    assert plain.data == file.read_bytes() and plain.headers["ETag"] not in ("", etag)
    assert client.get(url, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    assert len(compressions) == 1


def test_made_up_fingerprints_and_queries_neither_fill_the_cache_nor_compress_again(
        app: dash.Dash, client: FlaskClient, compressions: list[bytes]) -> None:
    client.get(PLOTLY, headers=GZIP)
    client.get("/assets/style.css?m=1", headers=GZIP)
    cache = cache_of(app)
    stores, size = cache.stores, cache.size
    for url in [PLOTLY_PATH + build_fingerprint("plotly.min.js", "9.9.9", 1), PLOTLY_PATH + "plotly.min.js",
                "/assets/style.css?m=2", "/assets/style.css", "/assets/./style.css?v=3"]:
        assert client.get(url, headers=GZIP).status_code == 200, url
    assert (cache.stores, cache.size) == (stores, size)
    assert len(compressions) == 2
    assert client.get("/assets/not-there.css", headers=GZIP).status_code == 404
    assert cache.stores == stores


def test_a_range_request_neither_uses_nor_fills_the_cache(app: dash.Dash, client: FlaskClient) -> None:
    part = client.get("/assets/style.css", headers={**GZIP, "Range": "bytes=0-99"})
    assert part.status_code == 206 and cache_of(app).stores == 0
    full = client.get("/assets/style.css", headers=GZIP)
    assert full.status_code == 200 and gzip.decompress(full.data) == STYLE.read_bytes()
    again = client.get("/assets/style.css", headers={**GZIP, "Range": "bytes=0-99"})
    assert again.status_code == 206 and again.data == STYLE.read_bytes()[:100]


def test_dynamic_responses_are_compressed_per_response_and_never_cached(
        app: dash.Dash, client: FlaskClient, compressions: list[bytes]) -> None:
    cache = cache_of(app)
    stores, hits = cache.stores, cache.hits
    for n in (1, 2, 2):
        body = {"output": "out.children", "outputs": {"id": "out", "property": "children"},
                "inputs": [{"id": "go", "property": "n_clicks", "value": n}], "changedPropIds": ["go.n_clicks"]}
        response = client.post("/_dash-update-component", json=body, headers={**ORIGIN, **GZIP})
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert json.loads(gzip.decompress(response.data))["response"]["out"]["children"] == f"{n} " * 2000
        assert "immutable" not in response.headers.get("Cache-Control", "")
    assert len(compressions) == 3  # the repeated callback too: compressed anew
    for path in ("/", "/_dash-layout", "/_dash-dependencies", "/?lang=en"):
        response = client.get(path, headers=GZIP)
        assert response.status_code == 200 and "immutable" not in response.headers.get("Cache-Control", "")
    assert (cache.stores, cache.hits) == (stores, hits)


def test_responses_with_their_own_encoding_are_not_compressed_again(
        client: FlaskClient, compressions: list[bytes]) -> None:
    response = client.get("/pre-gzipped", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip" and response.data == GEOJSON_GZ
    assert compressions == []


def test_the_cache_is_bounded_and_keeps_what_was_used_last() -> None:
    cache = static.CompressedFiles(max_bytes=100)
    cache.set("gzip;asset:a.css", b"a" * 40)
    cache.set("gzip;asset:b.css", b"b" * 40)
    assert cache.get("gzip;asset:a.css") == b"a" * 40
    cache.set("gzip;asset:c.css", b"c" * 40)
    assert cache.get("gzip;asset:b.css") is None and cache.get("gzip;asset:a.css") and cache.get("gzip;asset:c.css")
    assert cache.size == 80
    cache.set("gzip;asset:huge.js", b"h" * 101)
    cache.set(f"gzip;{static.NOT_CACHED}", b"dynamic")
    assert cache.get("gzip;asset:huge.js") is None and cache.get(f"gzip;{static.NOT_CACHED}") is None
    assert (cache.stores, cache.size) == (3, 80)


def test_a_second_uncached_compressor_is_refused() -> None:
    with pytest.raises(RuntimeError, match="compress=False"):
        static.register(dash.Dash(__name__, compress=True))


def test_the_dashboard_serves_static_files_from_the_cache_and_health_checks_fresh(
        tmp_path: Path, compressions: list[bytes]) -> None:
    from app import create_app  # the whole dashboard (slow to import: only here)

    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "SOZIALMONITOR_LOAD_DEMO": "0",
                                  "SOZIALMONITOR_LOG_LEVEL": "WARNING", "SOZIALMONITOR_INSTANCE_DIR": str(tmp_path)})
    server = create_app(settings).server
    client = server.test_client()
    cache: static.CompressedFiles = server.extensions[static.EXTENSION]
    assert client.get("/").status_code == 200
    for _ in range(3):
        response = client.get(PLOTLY, headers=GZIP)
        assert response.headers["Cache-Control"] == IMMUTABLE and response.headers["Content-Encoding"] == "gzip"
    assert [len(body) for body in compressions].count(PLOTLY_FILE.stat().st_size) == 1
    stores, hits = cache.stores, cache.hits
    for _ in range(2):
        health = client.get("/healthz", headers=GZIP)
        assert health.status_code == 200 and health.data == b"ok\n" and "Content-Encoding" not in health.headers
        assert "max-age" not in health.headers.get("Cache-Control", "")
        assert health.headers["X-Content-Type-Options"] == "nosniff"  # the hardening still applies
    assert (cache.stores, cache.hits) == (stores, hits)
