"""Requests to Dash's callback endpoint (``/_dash-update-component``) that Dash itself would answer with a
traceback and 500: a body that is not JSON, JSON of another shape than the renderer sends, or one naming
no server callback. They are answered 400 with one log line; a well-formed request runs as before.

:func:`callback_request_problem` checks the shape the renderer sends — an object with ``output`` naming a
registered server callback, ``inputs`` and ``state`` as lists of ``{"id", "property"}`` (a list of them
for pattern-matching ids) with as many entries as the callback declares, ``outputs`` likewise and
``changedPropIds`` a list of strings. Dash then compares outputs and inputs with the callback's
definition itself and raises a plain ``CallbackException`` when they differ ("for security", its
validation says); that is a malformed request too. The values are the callbacks' business.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from dash import Dash
from dash.exceptions import CallbackException
from flask import abort, request

log = logging.getLogger("sozialmonitor.web")

ENDPOINT = "_dash-update-component"


def _is_property(entry: object) -> bool:
    """``{"id": …, "property": …}`` as the renderer sends it: an id of text or a pattern-matching dict."""
    return (isinstance(entry, dict) and isinstance(entry.get("id"), str | dict)
            and isinstance(entry.get("property"), str))


def _is_property_list(entries: object) -> bool:
    return isinstance(entries, list) and all(
        _is_property(e) or (isinstance(e, list) and all(_is_property(x) for x in e)) for e in entries)


def callback_request_problem(body: object, callbacks: Mapping[str, Mapping[str, Any]]) -> str | None:
    """What is wrong with the shape of a callback request ``body`` (parsed JSON), or ``None``;
    ``callbacks`` is the app's ``callback_map``."""
    if not isinstance(body, dict):
        return f"the body is a JSON {type(body).__name__}, not an object"
    output = body.get("output")
    if not isinstance(output, str):
        return "'output' is missing or not a string"
    callback = callbacks.get(output)
    if callback is None or "callback" not in callback:  # clientside callbacks have no server function
        return "'output' names no server callback"
    for key in ("inputs", "state"):
        entries = body.get(key, [])
        if not _is_property_list(entries):
            return f"'{key}' is not a list of component properties"
        if len(entries) != len(callback.get(key, [])):
            return f"'{key}' has {len(entries)} entries; the callback has {len(callback.get(key, []))}"
    outputs = body.get("outputs", [])
    if not (_is_property(outputs) or _is_property_list(outputs)):
        return "'outputs' is not a component property or a list of them"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' is not a list of strings"
    return None


def _refuse(reason: str) -> None:
    log.warning("refused %s %s: %s", request.method, request.path, reason)
    abort(400)


def guarded(view: Callable[..., Any], app: Dash) -> Callable[..., Any]:
    """Dash's callback view, answering malformed requests 400 before (and instead of) a traceback."""

    @functools.wraps(view)
    def dispatch(*args: Any, **kwargs: Any) -> Any:
        body = request.get_json(silent=True, cache=True)  # Dash's view reads the same cached body
        if body is None:
            _refuse("the body is not JSON")
        problem = callback_request_problem(body, app.callback_map)
        if problem is not None:
            _refuse(problem)
        try:
            return view(*args, **kwargs)
        except CallbackException as exc:
            if type(exc) is not CallbackException:  # PreventUpdate, InvalidCallbackReturnValue …: not the request
                raise
            _refuse(f"does not match the callback's definition ({exc})")

    return dispatch


def register(app: Dash) -> None:
    """Guard the callback endpoint of ``app`` (call once, after the app's routes exist)."""
    endpoint = app.config.routes_pathname_prefix + ENDPOINT
    server = app.server
    if endpoint not in server.view_functions:
        raise RuntimeError(f"Dash's callback endpoint {endpoint!r} is not registered")
    server.view_functions[endpoint] = guarded(server.view_functions[endpoint], app)
