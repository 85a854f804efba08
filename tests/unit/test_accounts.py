"""Password hashing, audiences, and the security settings (no store, no web)."""

from __future__ import annotations

import base64
import re
from ipaddress import ip_network

import pytest

from sozialmonitor import accounts
from sozialmonitor.accounts import PUBLIC, ROLES, Audience, hash_password, verify_password
from sozialmonitor.errors import SettingsError
from sozialmonitor.settings import Settings


def test_hashes_are_salted_self_describing_scrypt() -> None:
    first, second = hash_password("korrekt pferd batterie"), hash_password("korrekt pferd batterie")
    assert first != second  # a fresh salt each time
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(key)) == 32
    assert verify_password(first, "korrekt pferd batterie") and verify_password(second, "korrekt pferd batterie")
    assert not verify_password(first, "korrekt pferd batteriE")
    assert not verify_password(first, "")


@pytest.mark.parametrize("stored", ["", "plain", "bcrypt$1$2$3$YQ==$YQ==", "scrypt$x$8$1$YQ==$YQ==",
                                    "scrypt$16384$8$1$not base64!$YQ==", "scrypt$16384$8$1$YQ==$YQ==$extra"])
def test_malformed_hashes_never_match(stored: str) -> None:
    assert not verify_password(stored, "irgendwas")


def test_audiences() -> None:
    assert ROLES == ("council", "planner", "admin")
    assert Audience("public") == PUBLIC and not PUBLIC.internal and PUBLIC.user is None
    assert all(Audience(role, "anna").internal for role in ROLES)
    assert not Audience("mayor", "anna").internal


def test_usernames_are_case_insensitive() -> None:
    assert accounts.normalize_username("  Anna.Schmidt@Stadt.de ") == "anna.schmidt@stadt.de"


def test_security_defaults() -> None:
    s = Settings.from_env({})
    assert s.secret_key is None and not s.cookie_secure and s.session_hours == 8
    assert s.trusted_user_header is None and s.trusted_proxies == ()
    assert s.frame_ancestors == "'self'" and s.max_request_bytes == 1024 * 1024
    assert s.log_format == "text" and s.workers == 4


def test_security_settings_are_read() -> None:
    s = Settings.from_env({
        "SOZIALMONITOR_SECRET_KEY": "geheim", "SOZIALMONITOR_COOKIE_SECURE": "1", "SOZIALMONITOR_SESSION_HOURS": "2",
        "SOZIALMONITOR_TRUSTED_USER_HEADER": "X-Remote-User",
        "SOZIALMONITOR_TRUSTED_PROXIES": "10.0.0.5, 192.168.0.0/24",
        "SOZIALMONITOR_FRAME_ANCESTORS": "'self'  https://www.musterstadt.de https://*.berlin.de:8443",
        "SOZIALMONITOR_MAX_REQUEST_BYTES": "65536", "SOZIALMONITOR_LOG_FORMAT": "JSON", "SOZIALMONITOR_WORKERS": "8",
    })
    assert s.secret_key == "geheim" and "geheim" not in repr(s)
    assert s.cookie_secure and s.session_hours == 2
    assert s.trusted_user_header == "X-Remote-User"
    assert s.trusted_proxies == (ip_network("10.0.0.5/32"), ip_network("192.168.0.0/24"))
    assert s.frame_ancestors == "'self' https://www.musterstadt.de https://*.berlin.de:8443"
    assert (s.max_request_bytes, s.log_format, s.workers) == (65536, "json", 8)


@pytest.mark.parametrize(("env", "message"), [
    ({"SOZIALMONITOR_FRAME_ANCESTORS": "'self'; script-src *"}, "not a list of frame sources; allowed: 'self'"),
    ({"SOZIALMONITOR_FRAME_ANCESTORS": "'none' https://a.de"}, "'none' (alone)"),
    ({"SOZIALMONITOR_FRAME_ANCESTORS": "javascript:"}, "not a list of frame sources"),
    ({"SOZIALMONITOR_TRUSTED_PROXIES": "10.0.0.5, proxy.local"}, "'proxy.local' is not an IP address or network"),
    ({"SOZIALMONITOR_TRUSTED_USER_HEADER": "X-Remote-User"}, "SOZIALMONITOR_TRUSTED_PROXIES is empty"),
    ({"SOZIALMONITOR_TRUSTED_USER_HEADER": "X Remote", "SOZIALMONITOR_TRUSTED_PROXIES": "10.0.0.5"},
     "is not a header name"),
    ({"SOZIALMONITOR_SESSION_HOURS": "0"}, "outside the allowed range 1-720"),
    ({"SOZIALMONITOR_MAX_REQUEST_BYTES": "1MB"}, "is not a whole number"),
    ({"SOZIALMONITOR_LOG_FORMAT": "xml"}, "allowed: text, json"),
    ({"SOZIALMONITOR_COOKIE_SECURE": "vielleicht"}, "allowed: 1, 0"),
])
def test_bad_security_settings_are_refused_with_the_allowed_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings.from_env(env)
