"""Local accounts, audiences and login throttling (no Flask, no Dash: the web side is server/auth.py).

- An *audience* (:class:`Audience`, defined in ``access.py`` and re-exported here) decides what a request
  may see: anonymous visitors are ``public``; a logged-in user has one of :data:`ROLES`. The role is
  re-read from the store on every request (:func:`audience_for`), so a role change or a removed account
  takes effect at once.
- Passwords are hashed with scrypt from the standard library (n=2**14, r=8, p=1, 16-byte random salt,
  32-byte key) into a self-describing string ``scrypt$n$r$p$salt$hash`` (base64), so parameters can be
  raised later without breaking stored hashes. Verification compares in constant time.
- Throttling lives in the store (``login_attempts``), not in process memory, so it holds across workers
  and machines: :data:`USER_LIMIT` failures for one user name or :data:`IP_LIMIT` failures from one
  address within :data:`WINDOW` lock further attempts until the oldest of those failures is
  :data:`WINDOW` old. Every attempt is recorded (success, failure, throttled); rows older than
  :data:`KEEP` are pruned. Attempts refused while locked do not extend the lock.
- Sessions end when the user logs out anywhere, changes the password or is removed: each account has a
  ``sessions_valid_after`` time, and a session whose login is older is no longer valid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from sozialmonitor.access import PUBLIC, ROLES, Audience  # one definition of audiences, re-exported
from sozialmonitor.errors import SozialmonitorError
from sozialmonitor.model import LoginAttempt, User

MIN_PASSWORD_LENGTH = 12
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")

WINDOW = timedelta(minutes=15)
USER_LIMIT = 5
IP_LIMIT = 20
KEEP = timedelta(days=1)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32

__all__ = ["PUBLIC", "ROLES", "Audience", "LoginFailed", "Throttled", "add_user", "audience_for", "authenticate",
           "hash_password", "list_users", "remove_user", "set_password", "set_role", "verify_password"]


@dataclass(frozen=True)
class UserInfo:
    """An account as it leaves the domain (never the password hash)."""

    username: str
    role: str
    created_at: datetime


class AccountError(SozialmonitorError):
    """Managing accounts failed (unknown or duplicate user, bad role, weak password, bad name)."""


class UnknownUser(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(f"unknown user {username!r}")
        self.username = username


class DuplicateUser(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(f"user {username!r} exists already; use set-role or set-password to change it")
        self.username = username


class BadRole(AccountError):
    def __init__(self, role: str) -> None:
        super().__init__(f"unknown role {role!r}; allowed: {', '.join(ROLES)}")
        self.role = role


class BadUsername(AccountError):
    def __init__(self, username: str) -> None:
        super().__init__(f"user name {username!r} is not allowed; use 1-64 characters a-z, 0-9, . _ @ - "
                         "starting with a letter or digit")


class WeakPassword(AccountError):
    def __init__(self) -> None:
        super().__init__(f"the password is too short; it needs at least {MIN_PASSWORD_LENGTH} characters")


class LoginFailed(SozialmonitorError):
    """Wrong user name or password — deliberately the same message for both (no user enumeration)."""

    def __init__(self) -> None:
        super().__init__("user name or password is wrong")


class Throttled(SozialmonitorError):
    """Too many failed logins for this user name or address; try again in ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


# --- passwords ----------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """scrypt hash as ``scrypt$n$r$p$salt_b64$hash_b64`` with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash (constant-time comparison; malformed hashes never match)."""
    try:
        scheme, n, r, p, salt_b64, key_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key_b64, validate=True)
        key = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt_b64, validate=True),
                             n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(key, expected)


# Verified against when the user does not exist, so a wrong name costs as much time as a wrong password.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


# --- accounts -----------------------------------------------------------------------------------------


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)


def normalize_username(username: str) -> str:
    return username.strip().lower()


def _valid_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_PATTERN.match(name):
        raise BadUsername(username)
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise BadRole(role)
    return role


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword()


def _get(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        raise UnknownUser(username)
    return user


def add_user(session: Session, username: str, password: str, role: str, *, now: datetime | None = None) -> UserInfo:
    """Create an account. User names are case-insensitive (stored in lower case)."""
    name = _valid_username(username)
    _check_role(role)
    _check_password(password)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise DuplicateUser(name)
    stamp = _utc(now).timestamp()
    user = User(username=name, password_hash=hash_password(password), role=role, created_at=stamp,
                sessions_valid_after=stamp)
    session.add(user)
    session.flush()
    return _info(user)


def remove_user(session: Session, username: str) -> None:
    """Delete an account; its sessions end with its next request."""
    session.delete(_get(session, username))
    session.flush()


def set_role(session: Session, username: str, role: str) -> UserInfo:
    user = _get(session, username)
    user.role = _check_role(role)
    session.flush()
    return _info(user)


def set_password(session: Session, username: str, password: str, *, now: datetime | None = None) -> None:
    """Replace the password and end every existing session of the user."""
    _check_password(password)
    user = _get(session, username)
    user.password_hash = hash_password(password)
    user.sessions_valid_after = _utc(now).timestamp()
    session.flush()


def end_sessions(session: Session, username: str, *, now: datetime | None = None) -> None:
    """End every session of the user (logout). Unknown users are ignored."""
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is not None:
        user.sessions_valid_after = _utc(now).timestamp()
        session.flush()


def list_users(session: Session) -> list[UserInfo]:
    return [_info(u) for u in session.scalars(select(User).order_by(User.username))]


def _info(user: User) -> UserInfo:
    return UserInfo(user.username, user.role, datetime.fromtimestamp(user.created_at, UTC))


def audience_for(session: Session, username: str | None, *, logged_in_at: datetime | None = None) -> Audience:
    """The audience of a (claimed) user, read from the store now. Unknown or removed users, and sessions
    that began before the user's last logout or password change (``logged_in_at``), are ``PUBLIC``."""
    if not username:
        return PUBLIC
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None or user.role not in ROLES:
        return PUBLIC
    if logged_in_at is not None and _utc(logged_in_at).timestamp() < user.sessions_valid_after:
        return PUBLIC
    return Audience(user.role, user.username)


# --- login and throttling -----------------------------------------------------------------------------


def _lock_remaining(session: Session, condition: ColumnElement[bool], limit: int, now: float) -> int:
    """Seconds until fewer than ``limit`` failures matching ``condition`` lie within the window (0: open)."""
    times = session.scalars(
        select(LoginAttempt.at)
        .where(condition, LoginAttempt.outcome == "failure", LoginAttempt.at > now - WINDOW.total_seconds())
        .order_by(LoginAttempt.at.desc())
        .limit(limit)
    ).all()
    if len(times) < limit:
        return 0
    return max(1, int(times[-1] + WINDOW.total_seconds() - now + 0.999))


def _last_success(session: Session, name: str) -> float:
    at = session.scalar(select(func.max(LoginAttempt.at)).where(LoginAttempt.username == name,
                                                                LoginAttempt.outcome == "success"))
    return float(at or 0.0)


def authenticate(session: Session, username: str, password: str, *, ip: str, now: datetime | None = None) -> Audience:
    """Check a login and record the attempt (the caller commits the session).

    Raises :class:`Throttled` while the user name or the address is locked (checked before the password,
    so a correct password does not open a lock) and :class:`LoginFailed` for a wrong user name or password.
    """
    stamp = _utc(now).timestamp()
    name = normalize_username(username)[:64]
    ip = ip[:64]
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < stamp - KEEP.total_seconds()))
    since_success = _last_success(session, name)
    wait = max(
        _lock_remaining(session, (LoginAttempt.username == name) & (LoginAttempt.at > since_success),
                        USER_LIMIT, stamp),
        _lock_remaining(session, LoginAttempt.ip == ip, IP_LIMIT, stamp),
    )
    if wait:
        session.add(LoginAttempt(at=stamp, username=name, ip=ip, outcome="throttled"))
        session.flush()
        raise Throttled(wait)
    user = session.scalar(select(User).where(User.username == name))
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    session.add(LoginAttempt(at=stamp, username=name, ip=ip, outcome="success" if ok else "failure"))
    session.flush()
    if not ok or user is None or user.role not in ROLES:
        raise LoginFailed()
    return Audience(user.role, user.username)
