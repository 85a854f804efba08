"""Static files served from memory and cached by browsers: Dash's component bundles
(``/_dash-component-suites/…``, plotly's 4.8 MB among them), the app's ``/assets/…`` and Dash's favicon.

Flask-Compress compresses the responses (the app is created with ``compress=False``; ``register``
installs it) and, configured here (``COMPRESS_CACHE_KEY``/``COMPRESS_CACHE_BACKEND``), caches the
encoded body of each static file — and only of those: each file is compressed once per encoding and
process. Its cache alone is not enough: Flask-Compress looks it up *after* the view ran, so Dash would
still read the 4.8 MB bundle on every request, and Flask streams assets, which Flask-Compress compresses
anew on every request instead of caching. So the static views are wrapped: the view runs once per file
(validating the request — only registered bundles, only files in ``assets/`` — and reading the file),
and later requests are answered from the uncompressed body kept in the same cache.

- Keys name the *file*: a bundle's package path without Dash's fingerprint, an asset's normalised path
  without the query. URLs with made-up fingerprints or queries neither fill the cache nor cost a new
  compression. Every other response gets the key ``NOT_CACHED``, which the backend neither stores nor
  finds: callbacks, pages, ``/_dash-layout``, ``/_dash-dependencies``, ``/api``, … are compressed per
  response. Responses with their own encoding (``/geo`` sends stored gzip) are left alone by
  Flask-Compress. Range requests and debug mode (hot reload edits assets) bypass the cache.
- The cache is an LRU bounded in bytes (``MAX_CACHE_BYTES`` per process); the set of files is finite
  (the dashboard's, uncompressed and in all three encodings browsers ask for, take ~17 MB), the bound is a
  safety net.
- Fingerprinted URLs (``dash_leaflet.v1_1_3m….js``, ``style.css?m=…``, ``_favicon.ico?v=…``) change
  whenever the file does: browsers and proxies keep them for a year (``immutable``). Other static URLs
  are kept ten minutes, then revalidated by ETag (304; Flask-Compress tags the ETag with the encoding).
"""

from __future__ import annotations

import functools
import posixpath
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from dash import Dash
from dash.fingerprint import check_fingerprint
from flask import Request, current_app, request
from flask.wrappers import Response
from flask_compress import Compress
from werkzeug.http import generate_etag

EXTENSION = "sozialmonitor.static"
MAX_CACHE_BYTES = 32 * 2**20  # the dashboard's files: ~12 MB with one encoding, ~17 MB with zstd, br and gzip
NOT_CACHED = "-"  # the key of every response that is not a static file (static keys are "kind:…")
IDENTITY = "identity"  # the uncompressed body, beside Flask-Compress's "gzip;<file>", "br;<file>", …
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=600"


def _unfingerprinted(path: str) -> tuple[str, bool]:
    """Dash's ``dash_leaflet.v1_1_3m1712.js`` → (``dash_leaflet.js``, True); other paths unchanged, False."""
    path_in_package, has_fingerprint = check_fingerprint(path)  # type: ignore[no-untyped-call]
    return str(path_in_package), bool(has_fingerprint)


class CompressedFiles:
    """Flask-Compress cache backend: bodies by ``<encoding>;<file>`` (``identity;<file>``: uncompressed),
    least recently used evicted beyond ``max_bytes``; ``hits`` and ``stores`` count bodies served from
    memory and bodies stored (i.e. read or compressed)."""

    def __init__(self, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.stores = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def get(self, key: str) -> bytes | None:
        if key.partition(";")[2] == NOT_CACHED:
            return None
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return body

    def set(self, key: str, value: bytes) -> None:
        if key.partition(";")[2] == NOT_CACHED or len(value) > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:  # Flask-Compress stores what it has just found
                return
            self._entries[key] = value
            self._size += len(value)
            self.stores += 1
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= len(evicted)


class StaticFiles:
    """Dash's static endpoints of one app: the file a request names, its cache headers, and the views
    wrapped to answer from memory once they have served a file."""

    def __init__(self, app: Dash, cache: CompressedFiles) -> None:
        prefix = app.config.routes_pathname_prefix
        self.kinds = {  # endpoint names as Dash registers them (dash/dash.py: _add_url, register_assets_blueprint)
            f"{prefix}_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": "suite",
            prefix.replace("/", "_").replace(".", "_") + "dash_assets.static": "asset",
            f"{prefix}_favicon.ico": "favicon",
        }
        missing = set(self.kinds) - set(app.server.view_functions)
        if missing:
            raise RuntimeError(f"Dash's static endpoints {sorted(missing)} are not registered; "
                               f"known endpoints: {sorted(app.server.view_functions)}")
        self.cache = cache
        self.files: dict[str, tuple[str, str]] = {}  # file → (content type, ETag), once served with 200

    def cache_key(self, req: Request) -> str:
        """The file a static request names, ``NOT_CACHED`` for every other request (``COMPRESS_CACHE_KEY``)."""
        kind = self.kinds.get(req.endpoint or "")
        if kind is None or "Range" in req.headers or current_app.debug:
            return NOT_CACHED
        args = req.view_args or {}
        if kind == "suite":
            return f"suite:{args['package_name']}/{_unfingerprinted(args['fingerprinted_path'])[0]}"
        if kind == "asset":
            return f"asset:{posixpath.normpath(args['filename'])}"
        return "favicon:"

    def fingerprinted(self, kind: str, args: dict[str, Any]) -> bool:
        if kind == "suite":
            return _unfingerprinted(args["fingerprinted_path"])[1]
        return bool(request.args.get("m" if kind == "asset" else "v"))

    def wrap(self, view: Callable[..., Any], kind: str) -> Callable[..., Response]:
        """``view`` answered from memory after its first 200 for a file, with ETag and cache headers."""

        @functools.wraps(view)
        def static_view(**args: Any) -> Response:
            file = self.cache_key(request)
            response = self._from_memory(file)
            if response is None:
                response = self._from_view(view, args, file)
            if response.status_code != 200:
                return response
            response.headers["Cache-Control"] = IMMUTABLE if self.fingerprinted(kind, args) else REVALIDATE
            response.make_conditional(request)  # 304 when uncompressed; compressed: Flask-Compress does it
            return response

        return static_view

    def _from_memory(self, file: str) -> Response | None:
        known = self.files.get(file)
        body = self.cache.get(f"{IDENTITY};{file}") if known else None
        if known is None or body is None:
            return None
        content_type, etag = known
        response = Response(body, content_type=content_type)
        response.set_etag(etag)
        return response

    def _from_view(self, view: Callable[..., Any], args: dict[str, Any], file: str) -> Response:
        response = current_app.make_response(view(**args))
        if response.status_code != 200:  # 404, 304 (Dash's and Flask's own checks), 206 (Range)
            return response
        if response.is_streamed:  # an asset: Flask hands over the open file
            response.direct_passthrough = False
            response.make_sequence()
        body = response.get_data()
        etag = generate_etag(body)  # of the content, as on every later response (Flask's is of the file's mtime)
        response.set_etag(etag)
        response.headers.pop("Last-Modified", None)
        if file != NOT_CACHED:
            self.files[file] = (response.content_type or "application/octet-stream", etag)
            self.cache.set(f"{IDENTITY};{file}", body)
        return response


def register(app: Dash, max_bytes: int = MAX_CACHE_BYTES) -> CompressedFiles:
    """Install Flask-Compress with the static-file cache; returns the cache (also in ``server.extensions``)."""
    if app.config.compress:
        raise RuntimeError("create the Dash app with compress=False: server/static.py installs Flask-Compress "
                           "itself (a second, uncached compressor would compress every static file again)")
    server = app.server
    cache = CompressedFiles(max_bytes)
    files = StaticFiles(app, cache)
    server.config.update(COMPRESS_CACHE_KEY=files.cache_key, COMPRESS_CACHE_BACKEND=lambda: cache)
    Compress(server)
    for endpoint, kind in files.kinds.items():
        server.view_functions[endpoint] = files.wrap(server.view_functions[endpoint], kind)
    server.extensions[EXTENSION] = cache
    return cache
