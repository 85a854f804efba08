"""The HTTP servers say nothing about themselves: no ``Server`` header.

gunicorn writes ``Server: gunicorn`` in front of every response's own headers, Werkzeug's development
server ``Server: Werkzeug/… Python/…``; neither has a setting to turn it off. A version banner only helps
whoever looks for servers with known holes, so both are told to leave the header out:
``gunicorn.conf.py`` calls :func:`hide_gunicorn_banner` (in the master, before workers are forked), and
``python app.py`` serves with :class:`QuietRequestHandler`. nginx in front says ``Server: nginx`` without
version (``server_tokens off`` in ``deploy/nginx.conf``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import WSGIRequestHandler


def without_server_header(lines: Iterable[str]) -> list[str]:
    """Raw header lines (``"Name: value\\r\\n"``) without the ``Server`` line."""
    return [line for line in lines if not line.lower().startswith("server:")]


def hide_gunicorn_banner() -> None:
    """Make gunicorn's responses leave out their ``Server`` line (``Response.default_headers`` in
    ``gunicorn/http/wsgi.py`` writes it; idempotent)."""
    from gunicorn.http import wsgi  # only where gunicorn serves

    original: Callable[[Any], list[str]] = wsgi.Response.default_headers
    if getattr(original, "hides_server_banner", False):
        return

    def default_headers(self: Any) -> list[str]:
        return without_server_header(original(self))

    default_headers.hides_server_banner = True  # type: ignore[attr-defined]
    wsgi.Response.default_headers = default_headers


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler (``python app.py``) without the ``Server`` header."""

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() != "server":
            super().send_header(keyword, value)
