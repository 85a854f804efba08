"""Flask routes beside Dash: the cached geometry of a level (gzip, ETag, long cache headers)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from urllib.parse import urlencode

from flask import Flask, Response, abort, request

from sozialmonitor.access import PUBLIC, Audience
from sozialmonitor.service import Service
from sozialmonitor.view import parse_query


def register(server: Flask, service: Service, audience_of: Callable[[], Audience]) -> None:
    @server.get("/geo/<frame>/<level>.geojson")
    def geometry(frame: str, level: str) -> Response:
        service.refresh()
        try:
            payload = service.geometry_for(frame, level, audience_of())  # internal levels: 404 for the public
        except KeyError:
            abort(404)
        etag = f'"{payload.etag}"'
        cache = "public" if service.may_see_level(frame, level, PUBLIC) else "private"
        headers = {"ETag": etag, "Cache-Control": f"{cache}, max-age=31536000, immutable",
                   "Vary": "Accept-Encoding, Cookie"}
        if etag in request.headers.get("If-None-Match", ""):
            return Response(status=304, headers=headers)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            return Response(payload.gzip_body, mimetype="application/geo+json",
                            headers={**headers, "Content-Encoding": "gzip"})
        return Response(gzip.decompress(payload.gzip_body), mimetype="application/geo+json", headers=headers)

    @server.get("/tooltip")
    def tooltip() -> Response:
        """Value and rank of one area for the current view (maps too large to send values with a switch)."""
        service.refresh()
        args = request.args.to_dict()
        code = args.pop("area", "")
        state, _ = parse_query(urlencode(args))
        try:
            text = service.tooltip(state, code, audience_of())
        except KeyError:
            abort(404)
        return Response(json.dumps({"text": text}, ensure_ascii=False), mimetype="application/json",
                        headers={"Cache-Control": "private, max-age=300"})

    @server.get("/healthz")
    def health() -> Response:
        service.refresh()
        return Response("ok\n", mimetype="text/plain")
