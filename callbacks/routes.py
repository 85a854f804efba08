"""Flask routes beside Dash: the cached geometry of a level (gzip, ETag, long cache headers)."""

from __future__ import annotations

import gzip

from flask import Flask, Response, abort, request

from sozialmonitor.service import Service


def register(server: Flask, service: Service) -> None:
    @server.get("/geo/<frame>/<level>.geojson")
    def geometry(frame: str, level: str) -> Response:
        service.refresh()
        try:
            payload = service.geometry(frame, level)
        except KeyError:
            abort(404)
        etag = f'"{payload.etag}"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable",
                   "Vary": "Accept-Encoding"}
        if etag in request.headers.get("If-None-Match", ""):
            return Response(status=304, headers=headers)
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            return Response(payload.gzip_body, mimetype="application/geo+json",
                            headers={**headers, "Content-Encoding": "gzip"})
        return Response(gzip.decompress(payload.gzip_body), mimetype="application/geo+json", headers=headers)

    @server.get("/healthz")
    def health() -> Response:
        service.refresh()
        return Response("ok\n", mimetype="text/plain")
