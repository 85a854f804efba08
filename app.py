"""Sozialmonitor web app: wiring only (settings → store → service → Dash app → layouts → callbacks).

``python app.py [--host H] [--port P]`` serves on http://127.0.0.1:8050; ``server`` is for gunicorn.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any
from urllib.parse import urlencode

import dash
import flask
from dash import Dash, html

from callbacks import dashboard, routes
from callbacks.guard import error_message
from layouts.page import error_page, page
from sozialmonitor.importing import load_demo_if_empty
from sozialmonitor.service import Service
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store
from sozialmonitor.view import parse_query

log = logging.getLogger("sozialmonitor.web")


class SozialmonitorDash(Dash):
    """Dash with the page language on ``<html lang>`` (screen readers and WCAG need it on the root)."""

    def interpolate_index(self, **kwargs: Any) -> str:
        html_text = super().interpolate_index(**kwargs)
        lang = "en" if flask.has_request_context() and flask.request.args.get("lang") == "en" else "de"
        return html_text.replace("<html>", f'<html lang="{lang}">', 1)


def create_app(settings: Settings) -> Dash:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = Store(settings.database_url)
    if settings.load_demo:
        load_demo_if_empty(store, settings.data_dir)
    else:
        store.upgrade()
    service = Service(store)
    app = SozialmonitorDash(__name__, title="Sozialmonitor", serve_locally=True, update_title=None, use_pages=True,
               pages_folder="", suppress_callback_exceptions=True, compress=True,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])

    def layout(**query: Any) -> html.Div:
        state, notices = parse_query(urlencode({k: v for k, v in query.items() if isinstance(v, str)}))
        try:
            return page(service.view(state, notices), settings.basemap_url)
        except Exception as exc:  # the one translation of errors for the first page load
            log.exception("page layout failed")
            return error_page(state, error_message(exc, state.lang))

    dash.register_page("dashboard", path="/", layout=layout, title="Sozialmonitor")
    app.layout = html.Div(dash.page_container)
    dashboard.register(app, service)
    routes.register(app.server, service)
    return app


settings = Settings.from_env()
app = create_app(settings)
server = app.server


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Sozialmonitor dashboard.")
    parser.add_argument("--host", default=settings.host, help=f"address to listen on (default {settings.host})")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    args = parser.parse_args()
    app.run(host=args.host, port=args.port, debug=settings.debug)


if __name__ == "__main__":
    main()
