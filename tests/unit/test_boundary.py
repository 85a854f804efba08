"""The one error boundary: every domain error is answered by kind — callbacks, read API and CLI alike."""

from __future__ import annotations

import pytest

from sozialmonitor.boundary import describe, explain
from sozialmonitor.errors import NotAllowed, NotFound, StoreUnavailable, UnknownName, ValidationFailed
from sozialmonitor.resolve import NotVisible


@pytest.mark.parametrize(("exc", "kind", "status", "exit_code"), [
    (UnknownName("indicator", "x", ["a"]), "bad_request", 400, 1),
    (ValidationFailed([]), "bad_request", 400, 1),
    (NotFound("not found"), "not_found", 404, 1),
    (NotVisible("berlin/plr/secret"), "not_found", 404, 1),
    (NotAllowed("planner only"), "not_allowed", 403, 1),
    (StoreUnavailable("down"), "unavailable", 503, 3),
    (RuntimeError("secret internals"), "internal", 500, 2),
    (KeyError("a bug, not a 404"), "internal", 500, 2),
])
def test_each_error_is_answered_by_its_kind(exc: Exception, kind: str, status: int, exit_code: int) -> None:
    explained = explain(exc)
    assert (explained.kind, explained.status, explained.exit_code) == (kind, status, exit_code)
    assert explained.expected == (kind != "internal")


def test_internal_errors_never_show_their_text() -> None:
    assert explain(RuntimeError("password=hunter2")).detail == ""
    assert "hunter2" not in describe(RuntimeError("password=hunter2"), "de")
    assert describe(RuntimeError("x"), "en") == "An unexpected error occurred; it has been logged."


def test_a_bad_request_names_the_reason_in_the_users_language() -> None:
    exc = UnknownName("indicator", "nope", ["a", "b"])
    assert describe(exc, "de").startswith("Die Anfrage kann so nicht beantwortet werden: unknown indicator 'nope'")
    assert describe(exc, "en").startswith("The request cannot be answered as asked:")
    assert describe(exc, "en", {"bad_request": "an_error"}).startswith("This analysis is not possible:")


def test_hidden_and_unknown_read_alike() -> None:
    assert describe(NotVisible("berlin/plr/internal"), "de") == describe(NotFound("nope"), "de")
    assert str(NotFound("not found")) == "not found"  # not KeyError's quoted text
