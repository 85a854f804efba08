"""The read API, ``/api/v1``: frames, levels, indicators and published values as JSON or CSV, for other
systems (curl examples: server/API.md; description: ``/api/v1/openapi.json``, from server/openapi.py).

Only HTTP lives here: parse the request, call ``sozialmonitor.readapi`` — where the service decides who
sees what, roll-up and disclosure, exactly as for the dashboard — and serialise. Rules of this edge:

- Errors: 404 ``{"error": "not found"}`` for an unknown *or hidden* frame, level or indicator (same body
  and headers, so an internal one cannot be told from a missing one); 400 ``{"error": "bad request",
  "message": …}`` for a query parameter that is not allowed, naming it and the allowed values.
- Caching: a strong ``ETag`` (a hash of the body; Flask-Compress appends ``:gzip`` to it, which
  ``If-None-Match`` may carry) and 304 when ``If-None-Match`` names it. Anonymous answers are
  ``public, max-age=300``: data only changes with an import, and five minutes lets a proxy take the
  public's load while a new import shows within minutes. A logged-in user's answers may hold internal data:
  ``private, no-store``. ``Vary: Cookie, Accept-Encoding`` keeps shared caches from mixing the two. Errors
  are ``no-store``.
- CSV: UTF-8, CRLF, a header block of ``# key: value`` lines with the attribution the licences require,
  then the table; text cells quoted (so ``#`` inside a name is no comment), and text starting like a
  formula (``= + - @``, tab, CR) prefixed with ``'`` because area names come from user files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, Response, request

from server import openapi
from sozialmonitor import readapi
from sozialmonitor.access import Audience
from sozialmonitor.boundary import explain
from sozialmonitor.errors import SozialmonitorError, UnknownName
from sozialmonitor.formatting import spreadsheet_text
from sozialmonitor.readapi import ValuesAnswer
from sozialmonitor.service import Service

PREFIX = "/api/v1"
MAX_AGE_S = 300
VARY = "Cookie, Accept-Encoding"

Body = tuple[bytes, str, dict[str, str]]  # body, mimetype, extra headers


def _json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _error(status: int, data: dict[str, str]) -> Response:
    return Response(_json(data), status=status, mimetype="application/json",
                    headers={"Cache-Control": "no-store", "Vary": VARY})


def _matching(if_none_match: str, tag: str) -> str | None:
    """The ``If-None-Match`` entry naming ``tag`` (weak comparison, any ``:coding`` suffix), if any."""
    for entry in (e.strip() for e in if_none_match.split(",")):
        if entry == "*" or entry.removeprefix("W/").strip('"').split(":")[0] == tag:
            return entry if entry != "*" else f'"{tag}"'
    return None


def cached(body: bytes, mimetype: str, *, private: bool, extra: dict[str, str] | None = None) -> Response:
    """The answer with its ETag and cache headers, or 304 when the caller has it already."""
    tag = hashlib.sha256(body).hexdigest()[:32]
    headers = {"ETag": f'"{tag}"', "Vary": VARY,
               "Cache-Control": "private, no-store" if private else f"public, max-age={MAX_AGE_S}"}
    matched = _matching(request.headers.get("If-None-Match", ""), tag)
    if matched is not None:
        return Response(status=304, headers={**headers, "ETag": matched})
    return Response(body, mimetype=mimetype, headers={**headers, **(extra or {})})


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_text(value)


def _line(value: object) -> str:
    return re.sub(r"[\r\n]+", " ", "" if value is None else str(value))


def csv_header(about: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``# key: value`` lines of a values answer: what, when, and whose (attribution)."""
    series = about["period"] is None
    lines = [("indicator", about["indicator"]), ("name_de", about["name"]["de"]), ("name_en", about["name"]["en"]),
             ("unit_de", about["unit"]["de"]), ("unit_en", about["unit"]["en"]), ("frame", about["frame"]),
             ("level", about["level"]),
             ("periods", ", ".join(about["periods"])) if series else ("period", about["period"])]
    if about["area"] is not None:
        lines.append(("area", about["area"]))
    lines += [(key, about[key]) for key in ("source", "licence", "areas_source", "areas_licence")]
    return [(key, _line(value)) for key, value in lines]


def to_csv(answer: ValuesAnswer) -> bytes:
    out = io.StringIO()
    for key, value in csv_header(answer.about):
        out.write(f"# {key}: {value}\r\n")
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(readapi.ROW_FIELDS)
    writer.writerows([_cell(row[field]) for field in readapi.ROW_FIELDS] for row in answer.rows)
    return out.getvalue().encode("utf-8")


def _file_name(answer: ValuesAnswer) -> str:
    about = answer.about
    parts = [about["frame"], about["level"], about["indicator"], about["period"] or about["area"] or ""]
    return re.sub(r"[^A-Za-z0-9_.-]", "_", "_".join(p for p in parts if p)) + ".csv"


def _format(allowed: Sequence[str]) -> str:
    chosen = request.args.get("format", "json")
    if chosen not in allowed:
        raise UnknownName("format", chosen, allowed)
    return chosen


def serialise(result: object, chosen: str) -> Body:
    if isinstance(result, ValuesAnswer):
        if chosen == "csv":
            disposition = f'attachment; filename="{_file_name(result)}"'
            return to_csv(result), "text/csv", {"Content-Disposition": disposition}
        return _json(result.as_dict()), "application/json", {}
    return _json(result), "application/json", {}


def register(server: Flask, service: Service, audience_of: Callable[[], Audience]) -> None:
    description = _json(openapi.document(MAX_AGE_S))

    def answer(build: Callable[[Audience], object], formats: Sequence[str] = ("json",)) -> Response:
        service.refresh()
        audience = audience_of()
        try:
            chosen = _format(formats)
            body, mimetype, extra = serialise(build(audience), chosen)
        except SozialmonitorError as exc:  # the one boundary: unknown and hidden answer alike (404)
            explained = explain(exc)
            if explained.kind == "not_found":
                return _error(404, {"error": "not found"})
            return _error(explained.status, {"error": explained.kind.replace("_", " "), "message": explained.detail})
        return cached(body, mimetype, private=audience.user is not None, extra=extra)

    @server.get(f"{PREFIX}/frames")
    def api_frames() -> Response:
        return answer(lambda who: {"frames": readapi.frames(service, who)})

    @server.get(f"{PREFIX}/frames/<frame>/levels")
    def api_levels(frame: str) -> Response:
        return answer(lambda who: {"frame": frame, "levels": readapi.levels(service, frame, who)})

    @server.get(f"{PREFIX}/frames/<frame>/levels/<level>/indicators")
    def api_indicators(frame: str, level: str) -> Response:
        return answer(lambda who: {"frame": frame, "level": level,
                                   "indicators": readapi.indicators(service, frame, level, who)})

    @server.get(f"{PREFIX}/frames/<frame>/levels/<level>/indicators/<indicator>")
    def api_indicator(frame: str, level: str, indicator: str) -> Response:
        return answer(lambda who: readapi.indicator(service, frame, level, indicator, who))

    @server.get(f"{PREFIX}/frames/<frame>/levels/<level>/indicators/<indicator>/values")
    def api_values(frame: str, level: str, indicator: str) -> Response:
        period, area = request.args.get("period"), request.args.get("area")
        return answer(lambda who: readapi.values(service, frame, level, indicator, who, period=period, area=area),
                      ("json", "csv"))

    @server.get(f"{PREFIX}/openapi.json")
    def api_openapi() -> Response:
        return cached(description, "application/json", private=False)

    @server.get(f"{PREFIX}/<path:rest>")
    def api_unknown(rest: str) -> Response:
        return _error(404, {"error": "not found"})
