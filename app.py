"""Sozialmonitor web app: wiring only (settings → store → service → Dash app → layouts → callbacks).

``python app.py [--host H] [--port P]`` serves on http://127.0.0.1:8050; ``server`` is for gunicorn.
"""

from __future__ import annotations

import argparse
import logging

from dash import Dash

from layouts.page import page
from sozialmonitor.importing import load_demo_if_empty
from sozialmonitor.service import Service
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store


def create_app(settings: Settings) -> Dash:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = Store(settings.database_url)
    if settings.load_demo:
        load_demo_if_empty(store, settings.data_dir)
    else:
        store.upgrade()
    service = Service(store)
    app = Dash(__name__, title="Sozialmonitor", serve_locally=True, update_title=None)
    app.layout = lambda: page(service.overview())
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
