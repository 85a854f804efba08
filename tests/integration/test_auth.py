"""Accounts, login, throttling, sessions and single sign-on on real stores (SQLite and PostgreSQL): the
domain functions, the `users` command, and the login flow through Flask's test client against a minimal
Flask app with server/auth.py registered (two such apps on one store stand in for two workers)."""

from __future__ import annotations

import io
import re
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from server import auth
from sozialmonitor import accounts
from sozialmonitor.accounts import PUBLIC, Audience, LoginFailed, Throttled
from sozialmonitor.model import LoginAttempt
from sozialmonitor.settings import Settings
from sozialmonitor.store import Store
from tests.integration.conftest import CliRunner

PASSWORD = "richtig-langes-passwort"
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
ORIGIN = {"Origin": "http://localhost"}


def add(store: Store, name: str = "anna", role: str = "council", password: str = PASSWORD) -> None:
    with store.transaction() as db:
        accounts.add_user(db, name, password, role)


def login_as(store: Store, name: str, password: str, *, ip: str = "10.1.1.1", at: datetime = T0) -> Audience:
    """authenticate() the way the web app calls it: the attempt is committed even when the login fails."""
    error: Exception | None = None
    with store.transaction() as db:
        try:
            audience = accounts.authenticate(db, name, password, ip=ip, now=at)
        except (LoginFailed, Throttled) as exc:
            error = exc
    if error is not None:
        raise error
    return audience


# --- accounts -------------------------------------------------------------------------------------------


def test_accounts_are_added_listed_changed_and_removed(store: Store) -> None:
    add(store, "Anna.Schmidt", "council")
    add(store, "bernd", "planner")
    with store.session() as db:
        assert [(u.username, u.role) for u in accounts.list_users(db)] == [("anna.schmidt", "council"),
                                                                             ("bernd", "planner")]
        assert accounts.audience_for(db, "ANNA.SCHMIDT") == Audience("council", "anna.schmidt")
    with store.transaction() as db:
        accounts.set_role(db, "bernd", "admin")
    with store.session() as db:
        assert accounts.audience_for(db, "bernd") == Audience("admin", "bernd")
    with store.transaction() as db:
        accounts.remove_user(db, "bernd")
    with store.session() as db:
        assert accounts.audience_for(db, "bernd") is PUBLIC
        assert accounts.audience_for(db, None) is PUBLIC


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda db: accounts.add_user(db, "anna", PASSWORD, "council"), accounts.DuplicateUser, "exists already"),
    (lambda db: accounts.add_user(db, "carl", PASSWORD, "mayor"), accounts.BadRole,
     "unknown role 'mayor'; allowed: council, planner, admin"),
    (lambda db: accounts.add_user(db, "carl", "kurz", "council"), accounts.WeakPassword, "at least 12"),
    (lambda db: accounts.add_user(db, "bad name", PASSWORD, "council"), accounts.BadUsername, "'bad name'"),
    (lambda db: accounts.set_role(db, "nobody", "admin"), accounts.UnknownUser, "unknown user 'nobody'"),
    (lambda db: accounts.set_role(db, "anna", "root"), accounts.BadRole, "allowed: council, planner, admin"),
    (lambda db: accounts.remove_user(db, "nobody"), accounts.UnknownUser, "unknown user"),
    (lambda db: accounts.set_password(db, "anna", "short"), accounts.WeakPassword, "12 characters"),
])
def test_account_errors_say_what_is_wrong(store: Store, call: Callable[..., object], error: type[Exception],
                                          message: str) -> None:
    add(store)
    with pytest.raises(error, match=re.escape(message)), store.transaction() as db:
        call(db)


# --- authenticate and throttling -----------------------------------------------------------------------


def test_wrong_password_and_unknown_user_fail_alike_and_every_attempt_is_recorded(store: Store) -> None:
    add(store)
    assert login_as(store, "Anna", PASSWORD) == Audience("council", "anna")
    with pytest.raises(LoginFailed) as wrong:
        login_as(store, "anna", "falsches-passwort")
    with pytest.raises(LoginFailed) as unknown:
        login_as(store, "niemand", PASSWORD)
    assert str(wrong.value) == str(unknown.value) == "user name or password is wrong"
    with store.session() as db:
        rows = db.execute(select(LoginAttempt.username, LoginAttempt.outcome).order_by(LoginAttempt.id)).all()
    assert [tuple(r) for r in rows] == [("anna", "success"), ("anna", "failure"), ("niemand", "failure")]


def test_five_failures_lock_the_user_name_for_fifteen_minutes(store: Store) -> None:
    add(store)
    for minute in range(5):
        with pytest.raises(LoginFailed):
            login_as(store, "anna", "falsch", at=T0 + timedelta(minutes=minute))
    # locked: even the right password is refused, and the lock runs 15 min from the first of the five
    with pytest.raises(Throttled) as locked:
        login_as(store, "anna", PASSWORD, at=T0 + timedelta(minutes=5))
    assert locked.value.retry_after_s == 10 * 60
    # refused attempts do not extend the lock; another user name from another address is not affected
    for _ in range(3):
        with pytest.raises(Throttled):
            login_as(store, "anna", PASSWORD, at=T0 + timedelta(minutes=10))
    add(store, "bernd")
    assert login_as(store, "bernd", PASSWORD, ip="10.9.9.9", at=T0 + timedelta(minutes=6)).user == "bernd"
    # the first failure ages out at 15:00 → four failures left in the window: open again
    assert login_as(store, "anna", PASSWORD, at=T0 + timedelta(minutes=15, seconds=1)).user == "anna"


def test_a_successful_login_resets_the_user_counter(store: Store) -> None:
    add(store)
    for minute in range(4):
        with pytest.raises(LoginFailed):
            login_as(store, "anna", "falsch", at=T0 + timedelta(minutes=minute))
    login_as(store, "anna", PASSWORD, at=T0 + timedelta(minutes=4))
    for minute in range(4):
        with pytest.raises(LoginFailed):
            login_as(store, "anna", "falsch", at=T0 + timedelta(minutes=5 + minute))
    assert login_as(store, "anna", PASSWORD, at=T0 + timedelta(minutes=9)).user == "anna"


def test_twenty_failures_from_one_address_lock_the_address(store: Store) -> None:
    add(store)
    for n in range(20):
        with pytest.raises(LoginFailed):
            login_as(store, f"raten{n}", "falsch", ip="192.0.2.7", at=T0 + timedelta(seconds=n))
    with pytest.raises(Throttled):
        login_as(store, "anna", PASSWORD, ip="192.0.2.7", at=T0 + timedelta(minutes=1))
    assert login_as(store, "anna", PASSWORD, ip="192.0.2.8", at=T0 + timedelta(minutes=1)).user == "anna"


def test_attempts_older_than_a_day_are_pruned(store: Store) -> None:
    add(store)
    for n in range(3):
        with pytest.raises(LoginFailed):
            login_as(store, "anna", "falsch", at=T0 + timedelta(minutes=n))
    login_as(store, "anna", PASSWORD, at=T0 + timedelta(days=1, minutes=5))
    with store.session() as db:
        assert db.scalar(select(func.count()).select_from(LoginAttempt)) == 1


def test_sessions_from_before_a_password_change_or_logout_are_void(store: Store) -> None:
    add(store)
    before = datetime.now(UTC)
    with store.session() as db:
        assert accounts.audience_for(db, "anna", logged_in_at=before).internal
        assert accounts.audience_for(db, "anna", logged_in_at=before - timedelta(seconds=1)) is PUBLIC  # pre-dates
    with store.transaction() as db:
        accounts.set_password(db, "anna", "ein-neues-langes-passwort")
    with store.session() as db:
        assert accounts.audience_for(db, "anna", logged_in_at=before) is PUBLIC
        assert accounts.audience_for(db, "anna", logged_in_at=datetime.now(UTC)).internal
    with pytest.raises(LoginFailed):
        login_as(store, "anna", PASSWORD, at=datetime.now(UTC))


# --- the `users` command --------------------------------------------------------------------------------


def test_users_command(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    r = cli("users", "add", "Anna", "--role", "council", "--password-stdin")
    assert (r.code, r.out.strip()) == (0, "added anna (council)")
    assert PASSWORD not in r.out + r.err
    r = cli("users", "set-role", "anna", "planner")
    assert (r.code, r.out.strip()) == (0, "anna is now planner")
    r = cli("users", "list")
    assert r.code == 0 and r.out.startswith("anna\tplanner\t")
    r = cli("users", "set-role", "anna", "mayor")
    assert r.code == 1 and "unknown role 'mayor'; allowed: council, planner, admin" in r.err
    monkeypatch.setattr("sys.stdin", io.StringIO("kurz\n"))
    r = cli("users", "add", "bernd", "--role", "admin", "--password-stdin")
    assert r.code == 1 and "at least 12 characters" in r.err
    r = cli("users", "add", "bernd", "--role", "boss", "--password-stdin")
    assert r.code == 2 and "invalid choice: 'boss'" in r.err
    monkeypatch.setattr("sys.stdin", io.StringIO("ein-neues-langes-passwort\n"))
    assert cli("users", "set-password", "anna", "--password-stdin").code == 0
    assert cli("users", "remove", "anna").code == 0
    r = cli("users", "remove", "anna")
    assert r.code == 1 and "unknown user 'anna'" in r.err
    assert cli("users", "list").out.strip() == "no accounts"


# --- the web login --------------------------------------------------------------------------------------


def web_settings(store: Store, tmp_path: Path, **changes: object) -> Settings:
    values: dict[str, object] = {"database_url": store.url, "instance_dir": tmp_path, "secret_key": "s" * 64}
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def make_server(store: Store, settings: Settings) -> Flask:
    server = Flask("auth_test")
    auth.register(server, store, settings)

    @server.get("/whoami")
    def whoami() -> str:
        audience = auth.current_audience()
        return f"{audience.role} {audience.user or '-'}"

    return server


@pytest.fixture
def server(store: Store, tmp_path: Path) -> Flask:
    add(store)
    return make_server(store, web_settings(store, tmp_path))


def csrf_of(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def post_login(client: FlaskClient, password: str = PASSWORD, *, user: str = "anna", next_path: str = "/",
               headers: dict[str, str] | None = None, **extra: Any) -> TestResponse:
    token = csrf_of(client)
    data = {"csrf_token": token, "username": user, "password": password, "next": next_path}
    return client.post("/login", data=data, headers=ORIGIN if headers is None else headers, **extra)


def whoami(client: FlaskClient, **extra: Any) -> str:
    return client.get("/whoami", **extra).get_data(as_text=True)


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(server: Flask) -> None:
    client = server.test_client()
    assert whoami(client) == "public -"
    page = client.get("/login?next=/%3Flang%3Den")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.get_data(as_text=True)
    anonymous_cookie = client.get_cookie(auth.COOKIE_NAME)
    assert anonymous_cookie is not None
    response = post_login(client, next_path="/?lang=en")
    assert response.status_code == 303 and response.headers["Location"] == "/?lang=en"
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{auth.COOKIE_NAME}=") and "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie and "Expires=" in set_cookie and "Secure" not in set_cookie
    cookie = client.get_cookie(auth.COOKIE_NAME)
    assert cookie is not None and cookie.value != anonymous_cookie.value  # a new session at login
    assert whoami(client) == "council anna"

    stolen = cookie.value
    token = csrf_of(client)
    assert client.post("/logout", data={"csrf_token": token}, headers=ORIGIN).status_code == 303
    assert whoami(client) == "public -"
    thief = server.test_client()
    thief.set_cookie(auth.COOKIE_NAME, stolen)
    assert whoami(thief) == "public -"  # the logout ended the copied session as well


def test_secure_cookie_when_served_via_https(store: Store, tmp_path: Path) -> None:
    add(store)
    client = make_server(store, web_settings(store, tmp_path, cookie_secure=True)).test_client()
    response = post_login(client)
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(("peer", "headers", "base_url", "secure"), [
    ("10.0.0.5", {"X-Forwarded-Proto": "https"}, "http://localhost", True),  # TLS ended at a trusted proxy
    ("10.0.0.5", {"X-Forwarded-Proto": "http, https"}, "http://localhost", True),  # the nearest proxy's word
    ("10.0.0.5", {"X-Forwarded-Proto": "http"}, "http://localhost", False),
    ("10.0.0.5", {}, "http://localhost", False),
    ("10.0.1.5", {"X-Forwarded-Proto": "https"}, "http://localhost", False),  # anybody else: ignored
    ("10.0.1.5", {}, "https://localhost", True),  # HTTPS to the app itself
])
def test_the_cookie_is_secure_when_the_request_came_via_https(store: Store, tmp_path: Path, peer: str,
                                                               headers: dict[str, str], base_url: str,
                                                               secure: bool) -> None:
    add(store)
    settings = web_settings(store, tmp_path, trusted_proxies=(ip_network("10.0.0.5"),))
    client = make_server(store, settings).test_client()
    response = post_login(client, headers={**ORIGIN, **headers}, environ_base={"REMOTE_ADDR": peer},
                          base_url=base_url)
    assert response.status_code == 303
    assert ("Secure" in response.headers["Set-Cookie"]) is secure


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 403),
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Referer": "https://evil.example/login"}, 403),
    ({"Referer": "http://localhost/login"}, 303),
    (ORIGIN, 303),
])
def test_posts_must_come_from_the_same_origin(server: Flask, headers: dict[str, str], status: int) -> None:
    client = server.test_client()
    assert post_login(client, headers=headers).status_code == status


def test_login_and_logout_need_the_session_csrf_token(server: Flask) -> None:
    client = server.test_client()
    csrf_of(client)
    data = {"username": "anna", "password": PASSWORD}
    assert client.post("/login", data=data, headers=ORIGIN).status_code == 400
    assert client.post("/login", data={**data, "csrf_token": "geraten"}, headers=ORIGIN).status_code == 400
    other = server.test_client()
    assert client.post("/login", data={**data, "csrf_token": csrf_of(other)}, headers=ORIGIN).status_code == 400
    post_login(client)
    assert client.post("/logout", data={}, headers=ORIGIN).status_code == 400
    assert whoami(client) == "council anna"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x",
                                    "/ok\r\nSet-Cookie: x=1", ""])
def test_no_open_redirect_after_login(server: Flask, target: str) -> None:
    response = post_login(server.test_client(), next_path=target)
    assert response.headers["Location"] == "/"


def test_wrong_password_shows_one_message_for_both_mistakes(server: Flask) -> None:
    client = server.test_client()
    wrong = post_login(client, "falsches-passwort")
    unknown = post_login(client, user="niemand")
    assert wrong.status_code == unknown.status_code == 200  # the form again, with the message
    for response in (wrong, unknown):
        assert "Benutzername oder Passwort ist falsch." in response.get_data(as_text=True)
    assert PASSWORD not in unknown.get_data(as_text=True)
    assert whoami(client) == "public -"


def test_throttling_holds_across_workers(store: Store, tmp_path: Path) -> None:
    add(store)
    settings = web_settings(store, tmp_path)
    workers = [make_server(store, settings).test_client() for _ in range(2)]
    for n in range(5):
        assert "falsch." in post_login(workers[n % 2], "falsch").get_data(as_text=True)
    refused = post_login(workers[1])
    assert refused.status_code == 429 and 800 < int(refused.headers["Retry-After"]) <= 900
    assert "Zu viele fehlgeschlagene Anmeldungen" in refused.get_data(as_text=True)
    assert whoami(workers[1]) == "public -"


def test_any_worker_serves_a_logged_in_user(store: Store, tmp_path: Path) -> None:
    add(store)
    settings = web_settings(store, tmp_path)
    first, second = make_server(store, settings), make_server(store, settings)
    client = first.test_client()
    post_login(client)
    cookie = client.get_cookie(auth.COOKIE_NAME)
    assert cookie is not None
    other = second.test_client()
    other.set_cookie(auth.COOKIE_NAME, cookie.value)
    assert whoami(other) == "council anna"


def test_login_expires_after_the_session_hours(server: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    client = server.test_client()
    post_login(client)
    start = auth._now()
    monkeypatch.setattr(auth, "_now", lambda: start + 7.9 * 3600)
    assert whoami(client) == "council anna"
    monkeypatch.setattr(auth, "_now", lambda: start + 8.1 * 3600)
    assert whoami(client) == "public -"


def test_role_changes_and_removal_take_effect_at_the_next_request(server: Flask, store: Store) -> None:
    client = server.test_client()
    post_login(client)
    with store.transaction() as db:
        accounts.set_role(db, "anna", "planner")
    assert whoami(client) == "planner anna"
    with store.transaction() as db:
        accounts.remove_user(db, "anna")
    assert whoami(client) == "public -"


def test_the_sso_header_is_ignored_when_off(server: Flask) -> None:
    client = server.test_client()
    assert whoami(client, headers={"X-Remote-User": "anna"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}) == "public -"


def test_the_sso_header_counts_only_from_trusted_proxies(store: Store, tmp_path: Path) -> None:
    add(store)
    settings = web_settings(store, tmp_path, trusted_user_header="X-Remote-User",
                            trusted_proxies=(ip_network("10.0.0.0/24"),))
    client = make_server(store, settings).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    assert whoami(client, headers={"X-Remote-User": "Anna"}, environ_base=proxy) == "council anna"
    assert whoami(client, headers={"X-Remote-User": "niemand"}, environ_base=proxy) == "public -"
    assert whoami(client, headers={"X-Remote-User": "anna"}, environ_base={"REMOTE_ADDR": "10.0.1.5"}) == "public -"
    assert whoami(client, environ_base=proxy) == "public -"


def test_the_throttle_counts_the_forwarded_client_address_behind_a_trusted_proxy(store: Store,
                                                                                  tmp_path: Path) -> None:
    add(store)
    settings = web_settings(store, tmp_path, trusted_proxies=(ip_network("10.0.0.5"),))
    client = make_server(store, settings).test_client()
    for n in range(3):
        post_login(client, "falsch", user=f"raten{n}", environ_base={"REMOTE_ADDR": "10.0.0.5"},
                   headers={**ORIGIN, "X-Forwarded-For": "203.0.113.9, 10.0.0.5"})
    post_login(client, "falsch", user="raten", environ_base={"REMOTE_ADDR": "198.51.100.1"},
               headers={**ORIGIN, "X-Forwarded-For": "203.0.113.77"})  # not a proxy: its header is ignored
    with store.session() as db:
        ips = db.scalars(select(LoginAttempt.ip).order_by(LoginAttempt.id)).all()
    assert ips == ["203.0.113.9"] * 3 + ["198.51.100.1"]


def test_without_a_configured_key_one_is_generated_and_kept(store: Store, tmp_path: Path) -> None:
    settings = web_settings(store, tmp_path / "instance", secret_key=None)
    first = make_server(store, settings)
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.secret_key == key_file.read_text().strip() and len(key_file.read_text().strip()) == 64
    assert make_server(store, settings).secret_key == first.secret_key


def test_the_login_page_escapes_what_it_echoes(server: Flask) -> None:
    client = server.test_client()
    page = client.get('/login?next=/"><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>" not in page and 'value="/&quot;&gt;&lt;script&gt;' in page
    echoed = post_login(client, user='"><img src=x onerror=alert(1)>')
    assert "<img" not in echoed.get_data(as_text=True)


def test_account_links_offer_login_or_a_logout_form() -> None:
    from layouts.login import account_links

    public = account_links(PUBLIC, "de", "", "/?indicator=s4").to_plotly_json()
    link = public["props"]["children"][0]
    assert link.children == "Anmelden" and link.href == "/login?next=%2F%3Findicator%3Ds4"
    user = account_links(Audience("planner", "anna"), "en", "tok", "/?lang=en")
    label, form = user.children
    assert label.children == "Logged in as anna (planner)"
    assert (form.method, form.action) == ("post", "/logout?next=%2F%3Flang%3Den&lang=en")
    button = form.children[0]
    assert (button.type, button.name, button.value, button.children) == ("submit", "csrf_token", "tok", "Log out")
