"""Logging in and out in headless Chromium, under the app's Content-Security-Policy (a CSP violation would
show up as a console error)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from sozialmonitor import accounts
from sozialmonitor.store import Store

PASSWORD = "ein-langes-test-passwort"


def add_user(db_url: str, role: str = "council") -> str:
    name = f"rat-{uuid.uuid4().hex[:8]}"
    store = Store(db_url)
    try:
        with store.transaction() as db:
            accounts.add_user(db, name, PASSWORD, role)
    finally:
        store.dispose()
    return name


def test_login_wrong_password_and_logout(page: Page, demo_db_url: str, console_errors: list[str],
                                         axe: Callable[[Page], list[dict[str, Any]]]) -> None:
    name = add_user(demo_db_url)
    page.goto("/")
    page.get_by_role("link", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Anmeldung")).to_be_visible()
    assert axe(page) == []

    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort").fill("falsches-passwort")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_have_text("Benutzername oder Passwort ist falsch.")
    expect(page.get_by_label("Benutzername")).to_have_value(name)

    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text(f"Angemeldet als {name} (Ratsmitglied)")).to_be_visible()
    assert urlsplit(page.url).path == "/"
    cookie = next(c for c in page.context.cookies() if c["name"] == "sozialmonitor_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.get_by_role("button", name="Abmelden").click()
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()
    expect(page.get_by_text(f"Angemeldet als {name}")).to_have_count(0)
    assert console_errors == []


def test_login_page_in_english_returns_to_the_english_view(page: Page, demo_db_url: str,
                                                           console_errors: list[str]) -> None:
    name = add_user(demo_db_url, "planner")
    page.goto("/login?lang=en&next=/%3Flang%3Den")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text(f"Logged in as {name} (planner)")).to_be_visible()
    assert "lang=en" in page.url
    assert console_errors == []
