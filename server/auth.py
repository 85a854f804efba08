"""Login, logout and the audience of the current request (the Flask side of ``sozialmonitor/accounts.py``).

- Sessions are Flask's signed cookie (``sozialmonitor_session``): stateless, so any worker or machine can
  serve any request as long as all share the secret key. The cookie holds the user name, the login time
  and a CSRF token — never a role: the role is read from the store on every request.
- A login lasts ``SOZIALMONITOR_SESSION_HOURS`` (absolute, checked here, not only by the cookie's expiry).
  Logging out ends every session of the user (the store's ``sessions_valid_after``), so a copied cookie
  dies with the logout too.
- CSRF: the login and logout forms carry the session's token; and every request that changes something
  (POST, PUT, PATCH, DELETE — including Dash's ``/_dash-update-component``) must come from the app's own
  origin (``Origin``, or ``Referer`` when a browser sends no ``Origin``); others get 403. Clients other
  than browsers must send ``Origin: http://<host>`` themselves.
- The cookie is ``Secure`` with ``SOZIALMONITOR_COOKIE_SECURE=1`` and on every request that came via HTTPS,
  also when a trusted proxy terminated TLS and says so in ``X-Forwarded-Proto``.
- Single sign-on (off by default): with ``SOZIALMONITOR_TRUSTED_USER_HEADER`` set, a request *from one of*
  ``SOZIALMONITOR_TRUSTED_PROXIES`` is the user named in that header — if the user exists locally, with
  the local role. From anywhere else, or when off, the header is ignored.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Request, Response, abort, current_app, g, has_request_context, redirect, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.wrappers import Response as BaseResponse

from layouts.login import login_page
from sozialmonitor import accounts
from sozialmonitor.accounts import PUBLIC, Audience, LoginFailed, Throttled
from sozialmonitor.i18n import t
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store

log = logging.getLogger("sozialmonitor.auth")

COOKIE_NAME = "sozialmonitor_session"
EXTENSION = "sozialmonitor.auth"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CLOCK_SKEW_S = 300  # a login time this far in the future is refused (forged or broken clock)


@dataclass(frozen=True)
class AuthConfig:
    store: Store
    settings: Settings

    @property
    def lifetime(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, cheaper per request and otherwise the same: the signing serializer
    is built once per secret key (Flask builds one on every request, serialising a probe value each time),
    and a request without the cookie gets its empty session without parsing cookies or signing anything."""

    def __init__(self) -> None:
        self._serializer: tuple[tuple[object, ...], URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self._serializer
        if cached is not None and cached[0] == keys:
            return cached[1]
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            self._serializer = (keys, serializer)  # one assignment: safe with threads
        return serializer

    def get_cookie_secure(self, app: Flask) -> bool:
        """``Secure`` with SOZIALMONITOR_COOKIE_SECURE=1, and on every request that came via HTTPS: to this
        server, or to a trusted proxy that says so in ``X-Forwarded-Proto``."""
        return bool(super().get_cookie_secure(app)) or (has_request_context() and served_via_https())

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.environ.get("HTTP_COOKIE", ""):
            return self.session_class()  # what Flask returns without the cookie, found without parsing cookies
        return super().open_session(app, request)


def persistent_secret(path: Path) -> str:
    """The secret in ``path``; created (random, mode 0600) on first use. Safe when several processes start
    at once: the file is written under a temporary name and linked into place only if it does not exist."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):  # another process was first: use its key
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


def register(server: Flask, store: Store, settings: Settings) -> None:
    """Configure the session cookie and add ``GET/POST /login``, ``POST /logout`` and the same-origin check."""
    secret = settings.secret_key
    if secret is None:
        secret = persistent_secret(settings.instance_dir / "secret_key")
        if not settings.is_sqlite:
            log.warning("SOZIALMONITOR_SECRET_KEY is not set: using %s; several machines must share one key",
                        settings.instance_dir / "secret_key")
    config = AuthConfig(store, settings)
    server.secret_key = secret
    server.session_interface = SignedCookieSessions()
    server.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=config.lifetime,
        SESSION_REFRESH_EACH_REQUEST=False,  # the cookie expires with the login, not with the last click
    )
    server.extensions[EXTENSION] = config
    server.extensions["sozialmonitor.store"] = store  # gunicorn.conf.py disposes its engine around fork

    @server.before_request
    def same_origin_only() -> None:
        if request.method in SAFE_METHODS:
            return
        source = request.headers.get("Origin") or request.headers.get("Referer") or ""
        if urlsplit(source).netloc.lower() != public_host().lower():
            log.warning("refused %s %s from origin %r (expected host %r)", request.method, request.path,
                        source[:200], public_host())
            abort(403)

    @server.get("/login")
    def login_form() -> Response:
        return _login_response(lang(), safe_next(request.args.get("next")))

    @server.post("/login")
    def login() -> BaseResponse:
        _check_csrf()
        target = safe_next(request.form.get("next"))
        error: LoginFailed | Throttled | None = None
        with store.transaction() as db:  # commits the recorded attempt also when the login fails
            try:
                audience = accounts.authenticate(db, request.form.get("username", ""),
                                                 request.form.get("password", ""), ip=client_ip())
            except (LoginFailed, Throttled) as exc:
                error = exc
        if isinstance(error, Throttled):
            log.warning("login throttled from %s (retry after %d s)", client_ip(), error.retry_after_s)
            response = _login_response(lang(), target, error, request.form.get("username", ""), status=429)
            response.headers["Retry-After"] = str(error.retry_after_s)
            return response
        if error is not None:
            log.info("login failed from %s", client_ip())
            # 200, not 401: 401 requires an HTTP authentication challenge; the form is simply shown again
            return _login_response(lang(), target, error, request.form.get("username", ""))
        session.clear()  # a fresh session: nothing from before the login survives
        session.permanent = True
        session["user"] = audience.user
        session["login_at"] = _now()
        session["csrf"] = secrets.token_urlsafe(32)
        g.sozialmonitor_audience = audience
        log.info("login %s (%s) from %s", audience.user, audience.role, client_ip())
        return redirect(target, code=303)

    @server.post("/logout")
    def logout() -> BaseResponse:
        _check_csrf()
        user = session.get("user")
        if isinstance(user, str):
            with store.transaction() as db:
                accounts.end_sessions(db, user)
            log.info("logout %s", user)
        session.clear()
        g.sozialmonitor_audience = PUBLIC
        return redirect(safe_next(request.values.get("next")), code=303)


def _now() -> float:
    """Seconds since the epoch (tests move this clock to check session expiry)."""
    return time.time()


def _config() -> AuthConfig:
    config: AuthConfig = current_app.extensions[EXTENSION]
    return config


def lang() -> str:
    return "en" if request.values.get("lang") == "en" else "de"


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def csrf_token() -> str:
    """The current session's CSRF token, created on first use (this gives the visitor a session cookie)."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _check_csrf() -> None:
    expected = session.get("csrf")
    sent = request.form.get("csrf_token", "")
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(expected, sent):
        log.warning("refused %s %s: missing or wrong CSRF token", request.method, request.path)
        abort(400)


def _from_trusted_proxy() -> bool:
    proxies = _config().settings.trusted_proxies
    if not proxies or not request.remote_addr:
        return False
    try:
        peer = ip_address(request.remote_addr)
    except ValueError:
        return False
    return any(peer in network for network in proxies)


def client_ip() -> str:
    """The client's address: the peer, or — when the peer is a trusted proxy — the last address in
    ``X-Forwarded-For`` that is not itself a trusted proxy."""
    peer = request.remote_addr or "unknown"
    if not _from_trusted_proxy():
        return peer
    proxies = _config().settings.trusted_proxies
    for hop in reversed([h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]):
        try:
            address = ip_address(hop)
        except ValueError:
            return peer
        if not any(address in network for network in proxies):
            return str(address)
    return peer


def served_via_https() -> bool:
    """Whether the browser reached us via HTTPS: the request's own scheme (TLS here, or gunicorn trusting the
    proxy's header — ``forwarded_allow_ips`` is SOZIALMONITOR_TRUSTED_PROXIES), or ``X-Forwarded-Proto:
    https`` set by a trusted proxy (the last value: the one the nearest proxy added). From any other peer
    the header is ignored."""
    if request.scheme == "https":
        return True
    if not _from_trusted_proxy():
        return False
    return request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip().lower() == "https"


def public_host() -> str:
    """The host the browser sees: ``X-Forwarded-Host`` from a trusted proxy, else the ``Host`` header."""
    forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
    if forwarded and _from_trusted_proxy():
        return forwarded
    return request.host


def _sso_user() -> str | None:
    header = _config().settings.trusted_user_header
    if header is None or not _from_trusted_proxy():
        return None
    return request.headers.get(header, "").strip() or None


def current_audience() -> Audience:
    """Who is asking, for the current request (computed once per request, then kept in ``flask.g``)."""
    cached = g.get("sozialmonitor_audience")
    if isinstance(cached, Audience):
        return cached
    config = _config()
    audience = PUBLIC
    sso_user = _sso_user()
    if sso_user is not None:
        with config.store.session() as db:
            audience = accounts.audience_for(db, sso_user)
        if not audience.internal:
            log.warning("single sign-on user %r has no local account: treated as public", sso_user[:64])
    elif session.get("user"):
        login_at = session.get("login_at")
        now = _now()
        if (not isinstance(login_at, int | float) or now - login_at > config.lifetime.total_seconds()
                or login_at > now + CLOCK_SKEW_S):
            session.clear()
        else:
            with config.store.session() as db:
                audience = accounts.audience_for(db, str(session["user"]),
                                                 logged_in_at=datetime.fromtimestamp(login_at, UTC))
            if not audience.internal:
                session.clear()
    g.sozialmonitor_audience = audience
    return audience


def _login_response(lang: str, target: str, error: LoginFailed | Throttled | None = None, username: str = "",
                    status: int = 200) -> Response:
    message = None
    if isinstance(error, Throttled):
        message = t("login_throttled", lang, minutes=max(1, -(-error.retry_after_s // 60)))
    elif error is not None:
        message = t("login_failed", lang)
    page = login_page(lang, csrf_token(), target, error=message, username=username[:64])
    return Response(page, status=status, mimetype="text/html", headers={"Cache-Control": "no-store"})
