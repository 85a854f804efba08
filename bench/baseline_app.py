"""The baseline: a choropleth written the way most Dash apps write one.

One ``dcc.Graph`` with a plotly ``go.Choroplethmap`` (MapLibre, blank ``white-bg`` style, no tiles: nothing is
fetched from outside), a dropdown for the indicator and a slider for the period. Its single callback builds the
whole figure — GeoJSON included — and sends it on every change; plotly colours with a continuous scale.

It reads the same store as the real app through the domain service (``Service.values`` for the values and
the level's web geometry, the same simplified polygons the app serves), so both apps draw the same data.

    python bench/baseline_app.py --database-url sqlite:///… --frame deutschland --level gemeinde --port 8060
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: the domain package lives in the repo root (PYTHONPATH wins)
    sys.path.append(str(REPO))

from sozialmonitor.service import Service  # noqa: E402
from sozialmonitor.store import Store  # noqa: E402

VALUE_STATUSES = ("ok", "provisional", "unreliable")


def level_geojson(service: Service, frame: str, level: str) -> dict[str, Any]:
    """The level's web geometry as a GeoJSON FeatureCollection with ``properties.id`` = area code.

    Prefers what the service serves (``Service.geometry``: gzip-compressed GeoJSON); falls back to the
    stored web geometry (WKB) should the service's payload ever change shape."""
    payload = service.geometry(frame, level)
    body = getattr(payload, "gzip_body", None)
    if isinstance(body, bytes | bytearray):
        try:
            data = json.loads(gzip.decompress(body))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            for feature in data["features"]:
                feature["properties"] = {"id": feature["properties"]["id"]}
            return data
    import shapely
    from sqlalchemy import select

    from sozialmonitor.model import Area

    info = service.level_info(frame, level)
    with service.store.session() as session:
        rows = session.execute(select(Area.code, Area.geom_web).where(Area.level_id == info.id)
                               .order_by(Area.code)).all()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": code}, "geometry": json.loads(shapely.to_geojson(
            shapely.from_wkb(geom)))} for code, geom in rows]}


def create_app(database_url: str, frame: str, level: str) -> Dash:
    service = Service(Store(database_url))
    geojson = level_geojson(service, frame, level)
    specs = service.specs()
    available = service.availability(frame, level)
    indicators = sorted((i for i in available if i in specs), key=lambda i: specs[i].name_de.casefold())
    periods = sorted({p for i in indicators for p in available[i]})
    (south, west), (north, east) = service.bounds(frame, level)
    center = {"lat": (south + north) / 2, "lon": (west + east) / 2}
    zoom = 8.6 if frame == "berlin" else 4.6

    app = Dash(__name__, title="Baseline", serve_locally=True, compress=True, update_title=None)
    app.layout = html.Main([
        html.H1("Baseline: plotly choropleth, GeoJSON in every response"),
        html.Label("Indikator", htmlFor="indicator"),
        dcc.Dropdown(id="indicator", options=[{"label": specs[i].name_de, "value": i} for i in indicators],
                     value=indicators[0], clearable=False),
        html.Label("Zeitpunkt", htmlFor="period"),
        dcc.Slider(id="period", min=0, max=len(periods) - 1, step=1, value=len(periods) - 1,
                   marks={n: {"label": p[:4]} for n, p in enumerate(periods)}),
        dcc.Graph(id="map", style={"height": "560px"}),
    ])

    @app.callback(Output("map", "figure"), Input("indicator", "value"), Input("period", "value"))
    def update(indicator: str, period_index: int) -> go.Figure:
        wanted = periods[int(period_index or 0)]
        own = available[indicator]
        period = max((p for p in own if p <= wanted), default=own[0])
        table = service.data.raw(frame, level, indicator, period)[0]
        table = table[table["status"].isin(VALUE_STATUSES) & table["value"].notna()]
        figure = go.Figure(go.Choroplethmap(
            geojson=geojson, featureidkey="properties.id", locations=list(table.index), z=list(table["value"]),
            colorscale="YlOrRd", marker_line_width=0.5, marker_line_color="#5a5a5a",
            colorbar={"title": {"text": specs[indicator].unit}}))
        figure.update_layout(map={"style": "white-bg", "center": center, "zoom": zoom},
                             margin={"l": 0, "r": 0, "t": 30, "b": 0},
                             title=f"{specs[indicator].name_de} · {period}")
        return figure

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the baseline choropleth (benchmark only).")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--frame", required=True)
    parser.add_argument("--level", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8060)
    args = parser.parse_args()
    create_app(args.database_url, args.frame, args.level).run(host=args.host, port=args.port, debug=False)


if __name__ == "__main__":
    main()
