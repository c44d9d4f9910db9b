"""Login throttling: after too many failed logins for one username (or from one address) within a window,
further attempts are refused for a while, even with the right password. Keys are SHA-256 of the username or
address, so the table holds no logins or addresses in clear."""

from __future__ import annotations

import datetime as dt
import hashlib

from webapp.auth.models import LoginThrottle
from webapp.dbtypes import utcnow
from webapp.extensions import db

WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)
LIMITS = {"user": 5, "address": 20}  # failures within WINDOW that lock the username / the address


def _keys(username: str, address: str) -> dict[str, str]:
    return {
        kind: hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()
        for kind, value in (("user", username.strip().lower()), ("address", address))
    }


def locked_for(username: str, address: str, now: dt.datetime | None = None) -> dt.timedelta | None:
    """How long logins for this username or from this address stay refused (None: not locked)."""
    now = now or utcnow()
    waits = []
    for key in _keys(username, address).values():
        row = db.session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            waits.append(row.locked_until - now)
    return max(waits) if waits else None


def record_failure(username: str, address: str, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    for kind, key in _keys(username, address).items():
        row = db.session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            db.session.add(row)
        if now - row.window_started_at > WINDOW:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= LIMITS[kind]:
            row.locked_until, row.failures, row.window_started_at = now + LOCK, 0, now


def record_success(username: str, address: str) -> None:
    """A successful login clears the username's count (the address's stays: it may be guessing many names)."""
    row = db.session.get(LoginThrottle, _keys(username, address)["user"])
    if row is not None:
        db.session.delete(row)
