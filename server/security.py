"""Hardening of every response: security headers with a Content-Security-Policy that works with Dash,
a request size limit, generic error pages (tracebacks go to the log only) and structured request logs.

The CSP allows scripts only from the app itself plus the hashes of Dash's own inline scripts
(``Dash.csp_hashes()``: the renderer start-up and clientside callbacks), computed once per process at
the first request, when every callback is registered. Styles need ``'unsafe-inline'``: plotly and Dash
components write ``<style>`` elements and style attributes.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import dash
from dash.exceptions import DependencyException
from flask import Response, g, request
from werkzeug.exceptions import HTTPException

from layouts.login import error_page
from sozialmonitor.errors import StoreUnavailable
from sozialmonitor.i18n import t
from sozialmonitor.settings import Settings

log = logging.getLogger("sozialmonitor.web")
request_log = logging.getLogger("sozialmonitor.request")

ERROR_STATUSES = (400, 403, 404, 405, 413, 429, 500, 503)
REQUEST_FIELDS = ("method", "path", "status", "ms", "role")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg (+ request fields, + exc with the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(settings: Settings) -> None:
    """In JSON mode, replace the root handlers by one JSON-lines handler on stderr."""
    if settings.log_format != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)


def basemap_source(url: str | None) -> str | None:
    """The CSP source for a tile URL template (``https://{s}.tile.example.org/{z}/{x}/{y}.png`` →
    ``https://*.tile.example.org``); the scheme alone when the host cannot be expressed."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    host = re.sub(r"^\{[^}]*\}\.", "*.", parts.netloc)
    if re.fullmatch(r"(\*\.)?[A-Za-z0-9.-]+(:\d+)?", host):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}:"


def content_security_policy(script_hashes: list[str], settings: Settings) -> str:
    images = ["'self'", "data:", "blob:"]
    basemap = basemap_source(settings.basemap_url)
    if basemap:
        images.append(basemap)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": [settings.frame_ancestors],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(csp: str, settings: Settings) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    legacy_frame = {"'self'": "SAMEORIGIN", "'none'": "DENY"}.get(settings.frame_ancestors)
    if legacy_frame:
        headers["X-Frame-Options"] = legacy_frame
    if settings.cookie_secure:  # served via HTTPS: browsers should never use plain HTTP again
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def _role(audience: object, cookie_name: str) -> str | None:
    """The request's audience role for the log: as computed for the request; ``public`` without a session
    cookie; ``None`` when the request (an asset, say) had no reason to look the user up."""
    if audience is not None:
        return str(getattr(audience, "role", None))
    sent = cookie_name in request.environ.get("HTTP_COOKIE", "") and cookie_name in request.cookies  # parse if needed
    return None if sent else "public"


def register(app: dash.Dash, settings: Settings) -> None:
    """Add headers, the size limit, error pages and (``SOZIALMONITOR_LOG_FORMAT=json``) request logs."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    server.config["MAX_FORM_MEMORY_SIZE"] = min(settings.max_request_bytes, 500_000)
    configure_logging(settings)
    headers: list[tuple[str, str, str]] = []  # (lower-case name, name, value), computed once per process

    @server.before_request
    def start_timer() -> None:
        g.sozialmonitor_started = time.perf_counter()

    @server.after_request
    def harden(response: Response) -> Response:
        if not headers:  # first request of this process: all callbacks (and their inline scripts) exist
            csp = content_security_policy(list(app.csp_hashes()), settings)
            headers[:] = [(name.lower(), name, value) for name, value in security_headers(csp, settings).items()]
        # what a response sets itself wins; one pass over its headers (Headers.setdefault scans them per name)
        present = {name.lower() for name, _ in response.headers.items()}
        response.headers.extend([(name, value) for key, name, value in headers if key not in present])
        if settings.log_format == "json" and request_log.isEnabledFor(logging.INFO):
            started = g.get("sozialmonitor_started")
            method, path, status = request.method, request.path, response.status_code
            request_log.info("%s %s %s", method, path, status, extra={
                "method": method, "path": path, "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "role": _role(g.get("sozialmonitor_audience"), server.config["SESSION_COOKIE_NAME"])})
        return response

    def page(status: int, extra: dict[str, str] | None = None) -> Response:
        lang = "en" if request.args.get("lang") == "en" else "de"
        message = t(f"error_{status}", lang)
        if request.path.startswith("/_dash-") or request.accept_mimetypes.best == "application/json":
            response = Response(json.dumps({"error": status, "message": t(f"error_{status}", "en")}),
                                status=status, mimetype="application/json")
        else:
            response = Response(error_page(status, lang, message), status=status, mimetype="text/html")
        response.headers.update(extra or {})
        response.headers["Cache-Control"] = "no-store"
        return response

    def http_error(exc: HTTPException) -> Response:
        status = exc.code if exc.code in ERROR_STATUSES else 500
        extra = {k: v for k, v in exc.get_headers() if k in ("Allow", "Retry-After")}
        return page(status or 500, extra)

    def store_unavailable(exc: StoreUnavailable) -> Response:
        log.error("store unavailable during %s %s: %s", request.method, request.path, exc)
        return page(503)

    def unknown_bundle(exc: DependencyException) -> Response:  # Dash: not a registered package or file
        log.warning("not found: %s %s (no such component bundle)", request.method, request.path[:300])
        return page(404)

    for status in ERROR_STATUSES:
        server.register_error_handler(status, http_error)
    server.register_error_handler(StoreUnavailable, store_unavailable)
    server.register_error_handler(DependencyException, unknown_bundle)
