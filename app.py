"""Sozialmonitor web app: wiring only (settings → store → service → Dash app → layouts → callbacks).

``python app.py [--host H] [--port P]`` serves on http://127.0.0.1:8050; ``app:server`` is the WSGI
application for gunicorn (built on first access, so importing this module has no side effects).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import dash
import flask
from dash import Dash, html

from callbacks import analytics as analytics_callbacks
from callbacks import dashboard
from callbacks.guard import error_message
from layouts.login import account_links
from layouts.page import error_page, page, plain
from server import api, auth, caching, dash_requests, routes, security, serving, static
from sozialmonitor.access import Audience
from sozialmonitor.analytics.service import AnalyticsService
from sozialmonitor.cache import make_cache
from sozialmonitor.importing import load_demo_if_empty
from sozialmonitor.service import Service
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store
from sozialmonitor.view import Notice, ViewState, parse_query, to_query, visible_parts

log = logging.getLogger("sozialmonitor.web")


class SozialmonitorDash(Dash):
    """Dash with the page language on ``<html lang>`` (screen readers and WCAG need it on the root)."""

    def interpolate_index(self, **kwargs: Any) -> str:
        html_text = super().interpolate_index(**kwargs)
        lang = "en" if flask.has_request_context() and flask.request.args.get("lang") == "en" else "de"
        return html_text.replace("<html>", f'<html lang="{lang}">', 1)


def create_app(settings: Settings, audience_of: Callable[[], Audience] | None = None) -> Dash:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = Store(settings.database_url)
    if settings.load_demo:
        load_demo_if_empty(store, settings.data_dir)
    else:
        store.upgrade()
    service = Service(store, make_cache(settings.cache_url, settings.cache_prefix,
                                        settings.cache_local_mb * 1024 * 1024))
    who = audience_of or auth.current_audience
    app = SozialmonitorDash(__name__, title="Sozialmonitor", serve_locally=True, update_title=None, use_pages=True,
                            pages_folder="", suppress_callback_exceptions=True, compress=False,
                            meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    app.server.config["SOZIALMONITOR_STORE"] = store
    app.server.config["SOZIALMONITOR_SERVICE"] = service
    auth.register(app.server, store, settings)

    def build(state: ViewState, notices: Sequence[Notice], audience: Audience) -> html.Div:
        model = service.view(state, audience, notices)
        panels = service.panels(model, visible_parts(model.state), audience)
        account = account_links(audience, state.lang, auth.csrf_token() if audience.user else "",
                                "/?" + to_query(model.state))  # the resolved view: nothing the caller made up
        return page(model, panels, settings.basemap_url, account=account, audience=audience)

    def layout(**query: Any) -> html.Div | dict[str, Any]:
        state, notices = parse_query(urlencode({k: v for k, v in query.items() if isinstance(v, str)}))
        try:
            audience = who()
            if audience.user is None:  # every anonymous visitor of a link gets the same page: built once, shared
                service.refresh()
                return service.shared(("page", None, to_query(state), tuple(notices)),
                                      lambda: plain(build(state, notices, audience)))
            return build(state, notices, audience)
        except Exception as exc:  # the one translation of errors for the first page load
            log.exception("page layout failed")
            return error_page(state, error_message(exc, state.lang))

    dash.register_page("dashboard", path="/", layout=layout, title="Sozialmonitor")
    app.layout = html.Div(dash.page_container)
    dashboard.register(app, service, who)
    analytics_callbacks.register(app, service, AnalyticsService(service), who)
    routes.register(app.server, service, who)
    api.register(app.server, service, who)
    security.register(app, settings)
    dash_requests.register(app)  # malformed callback requests: 400, not a traceback
    caching.register(app.server, settings)  # answers for logged-in users: private, no-store
    static.register(app)  # Flask-Compress; static files compressed once per process
    return app


_default: Dash | None = None


def default_app() -> Dash:
    """The app for the settings in the environment, built once per process."""
    global _default
    if _default is None:
        _default = create_app(Settings.from_env())
    return _default


def __getattr__(name: str) -> Any:  # PEP 562: `app:server` for gunicorn, built on first access
    if name == "server":
        return default_app().server
    if name == "app":
        return default_app()
    raise AttributeError(name)


def main() -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description="Serve the Sozialmonitor dashboard.")
    parser.add_argument("--host", default=settings.host, help=f"address to listen on (default {settings.host})")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    args = parser.parse_args()
    default_app().run(host=args.host, port=args.port, debug=settings.debug,
                      request_handler=serving.QuietRequestHandler)  # no Server header


if __name__ == "__main__":
    main()
