"""Cache headers of answers that depend on who asks.

An answer built for a logged-in user may hold internal data, so neither a shared cache (a reverse proxy, a
CDN) nor the browser may keep it — think of a shared computer after the logout. The rule, decided by
:func:`cache_headers` for every response:

- The request asked who is asking (``server.auth.current_audience``: Dash's callbacks — the page itself is
  built in one —, the read API, geometry, tooltips) and the answer is for a logged-in user:
  ``Cache-Control: private, no-store`` — unless the view marked the answer ``public`` itself, which vouches
  that every audience gets the same bytes (the geometry of a public level). Such answers also get
  ``Vary: Cookie`` (and the single sign-on header, when one is configured), for anonymous callers too: the
  public answer of a URL may be cached for the public, never served to a logged-in user or the other way
  round.
- Any other answer to a request that carries the session cookie and has no cache header of its own (the
  page, Dash's dependencies): ``private, no-store`` as well. (Answers that set the cookie asked for the
  audience — login, logout, the page of a logged-in user — or are ``no-store`` already: the login form.)
- Everything else keeps its headers: static files stay cacheable for a year or ten minutes
  (``server/static.py``), anonymous API answers ``public, max-age=300`` (``server/api.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, Response, g, request

from server.auth import COOKIE_NAME
from sozialmonitor.access import Audience
from sozialmonitor.settings import Settings

PERSONAL = "private, no-store"


def _merged(vary: str | None, names: Sequence[str]) -> str:
    present = [v.strip() for v in (vary or "").split(",") if v.strip()]
    known = {v.lower() for v in present}
    return ", ".join(present + [n for n in names if n.lower() not in known])


def cache_headers(cache_control: str | None, vary: str | None, *, asked_audience: bool, logged_in: bool,
                  carries_session: bool, identity_headers: Sequence[str] = ("Cookie",),
                  ) -> tuple[str | None, str | None]:
    """The ``Cache-Control`` and ``Vary`` a response gets (see the module docstring). ``asked_audience``: the
    answer depends on who asks; ``logged_in``: the asker is a logged-in user; ``carries_session``: the request
    sent the session cookie; ``identity_headers``: what tells users apart."""
    public = (cache_control or "").lower().startswith("public")
    if asked_audience:
        vary = _merged(vary, identity_headers)
        if logged_in and not public:
            cache_control = PERSONAL
    elif carries_session and cache_control is None:
        cache_control = PERSONAL
        vary = _merged(vary, identity_headers)
    return cache_control, vary


def register(server: Flask, settings: Settings) -> None:
    """Apply :func:`cache_headers` to every response of ``server``."""
    identity = ("Cookie", *((settings.trusted_user_header,) if settings.trusted_user_header else ()))

    @server.after_request
    def private_answers(response: Response) -> Response:
        audience = g.get("sozialmonitor_audience")
        # never touch `session` here: Flask (≥ 3.1.3) would add `Vary: Cookie` to every response, static files too
        sent = COOKIE_NAME in request.environ.get("HTTP_COOKIE", "") and COOKIE_NAME in request.cookies
        cache_control, vary = cache_headers(
            response.headers.get("Cache-Control"), response.headers.get("Vary"),
            asked_audience=isinstance(audience, Audience),
            logged_in=isinstance(audience, Audience) and audience.user is not None,
            carries_session=sent, identity_headers=identity)
        if cache_control is not None:
            response.headers["Cache-Control"] = cache_control
        if vary:
            response.headers["Vary"] = vary
        return response
