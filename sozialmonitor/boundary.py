"""The one error boundary: how a domain error reaches a person — as a message in the page (callbacks), an HTTP
status with a JSON body (read API, routes) or an exit code and a line on stderr (CLI).

Only errors the domain raises on purpose (:class:`~sozialmonitor.errors.SozialmonitorError`) are explained with
their own text; anything else is an internal error, logged with its traceback and shown without detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sozialmonitor.errors import SozialmonitorError
from sozialmonitor.i18n import t


@dataclass(frozen=True)
class Explanation:
    kind: str  # "bad_request", "not_found", "not_allowed", "unavailable" or "internal"
    status: int  # the HTTP status
    exit_code: int  # the CLI's exit status
    message_key: str  # i18n key of the message for people
    detail: str  # the error's own text (empty for internal errors: nothing internal leaves the server)
    expected: bool  # log one line (expected) or the traceback (internal)


KINDS: dict[str, tuple[int, int, str]] = {
    "bad_request": (400, 1, "error_bad_request"),
    "not_found": (404, 1, "error_not_found"),
    "not_allowed": (403, 1, "error_not_allowed"),
    "unavailable": (503, 3, "store_unavailable"),
    "internal": (500, 2, "internal_error"),
}


def explain(exc: BaseException) -> Explanation:
    kind = exc.error_kind if isinstance(exc, SozialmonitorError) and exc.error_kind in KINDS else "internal"
    status, exit_code, key = KINDS[kind]
    return Explanation(kind, status, exit_code, key, str(exc) if kind != "internal" else "", kind != "internal")


def describe(exc: BaseException, lang: str, keys: Mapping[str, str] | None = None) -> str:
    """The message for people, in their language; ``keys`` may word a kind for a context (kind → i18n key)."""
    explanation = explain(exc)
    key = (keys or {}).get(explanation.kind, explanation.message_key)
    return t(key, lang, detail=explanation.detail)
