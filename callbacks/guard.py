"""The one place where domain errors become messages for the user. Tracebacks go to the log only."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from dash import html, no_update

from sozialmonitor.boundary import describe, explain

log = logging.getLogger("sozialmonitor.web")


def error_message(exc: Exception, lang: str) -> str:
    return describe(exc, lang)


def guarded(outputs: dict[str, Any], lang_of: Callable[..., str] = lambda **_: "de") -> Callable[
        [Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Wrap a dict-returning callback: on any exception, log it and answer with a message in the
    notices area (when the callback owns it) and no change anywhere else."""

    def decorate(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(fn)
        def wrapper(**kwargs: Any) -> dict[str, Any]:
            try:
                return fn(**kwargs)
            except Exception as exc:
                if explain(exc).expected:  # e.g. the database during an outage: one line, no traceback
                    log.warning("callback %s: %s", fn.__name__, exc)
                else:
                    log.exception("callback %s failed", fn.__name__)
                answer: dict[str, Any] = {name: no_update for name in outputs}
                if "notices" in answer:
                    answer["notices"] = [html.P(error_message(exc, lang_of(**kwargs)),
                                                className="notice notice-error", role="alert")]
                return answer
        return wrapper
    return decorate
