"""Specific exceptions of the domain.

Every message names the bad value and, where there is a closed set, the allowed ones. Importers collect
*all* problems of a file before failing, as a list of :class:`Problem`; the CLI and the web app translate
these exceptions into messages at one place each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class SozialmonitorError(Exception):
    """Base class of every error the domain raises on purpose. ``error_kind`` says how every boundary — callbacks, read
    API, CLI — answers it (see :mod:`sozialmonitor.boundary`): a request that cannot be served as asked."""

    error_kind = "bad_request"


@dataclass(frozen=True)
class Problem:
    """One problem found while validating an input file.

    ``row`` is the 1-based line number in the file as a person sees it in an editor or spreadsheet
    (header lines count); for geodata it is the 1-based feature number. ``column`` names the column,
    property or key; ``None`` where the problem concerns the whole row or file.
    """

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


class ValidationFailed(SozialmonitorError):
    """An input did not pass validation; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem], *, limit: int = 200) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        shown = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - len(shown)
        head = f"{len(self.problems)} problem(s) found; nothing was imported:"
        lines = [head, *(f"  - {line}" for line in shown)]
        if more > 0:
            lines.append(f"  … and {more} more")
        super().__init__("\n".join(lines))


class UnknownName(SozialmonitorError):
    """A name (frame, level, indicator, method, format …) that is not one of the allowed ones."""

    def __init__(self, kind: str, value: object, allowed: Iterable[object]) -> None:
        allowed_list = sorted(str(a) for a in allowed)
        shown = ", ".join(allowed_list[:30]) + (" …" if len(allowed_list) > 30 else "")
        super().__init__(f"unknown {kind} {value!r}; allowed: {shown or '(none)'}")
        self.kind = kind
        self.value = value
        self.allowed = tuple(allowed_list)


class SettingsError(SozialmonitorError):
    """A setting read from the environment has a value that cannot be used."""


class StoreUnavailable(SozialmonitorError):
    """The database cannot be reached or opened."""

    error_kind = "unavailable"


class NotFound(SozialmonitorError, KeyError):
    """Something named by a request does not exist — or the audience may not see it, which is answered exactly
    alike."""

    error_kind = "not_found"

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotAllowed(SozialmonitorError):
    """The audience may not do this (e.g. save a result without the planner or admin role)."""

    error_kind = "not_allowed"


class StoreRefused(SozialmonitorError):
    """The database refused to write a value (a safety net behind validation); nothing was written."""
