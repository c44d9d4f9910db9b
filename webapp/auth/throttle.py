"""Login throttling: after too many failed logins for one username (or from one address) within a window,
further attempts are refused for a while, even with the right password. Keys are SHA-256 of the username or
address, so the table holds no logins or addresses in clear.

An attempt is counted before its password is checked (`begin_attempt`, committed in its own short transaction):
one atomic insert-or-update per key returns the attempt's number, so however many requests arrive at once, at
most the limit of them get their password checked. A success gives the count back (`record_success`); a
failure at the limit starts the lock (`record_failure`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, cast

from sqlalchemy import Table, case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from webapp.auth.models import LoginThrottle
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import db

WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)
LIMITS = {"user": 5, "address": 20}  # attempts within WINDOW that lock the username / the address

_table = cast(Table, LoginThrottle.__table__)


def _keys(username: str, address: str) -> dict[str, str]:
    return {
        kind: hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()
        for kind, value in (("user", username.strip().lower()), ("address", address))
    }


def _at(moment: dt.datetime) -> Any:
    """A bound UTC datetime (stored naive UTC on every backend, whatever the session's time zone)."""
    return literal(moment, UTCDateTime())


def _is_locked(now: dt.datetime) -> Any:
    return _table.c.locked_until.is_not(None) & (_table.c.locked_until > _at(now))


def begin_attempt(username: str, address: str, now: dt.datetime | None = None) -> dt.timedelta | None:
    """Count an attempt for the username, then for the address. None: its password may be checked; otherwise how
    long to wait (an attempt refused for its username is not counted for the address). The caller commits at
    once, before checking."""
    now = now or utcnow()
    keys = _keys(username, address)
    wait = _reserve(keys["user"], LIMITS["user"], now)
    if wait is None:
        wait = _reserve(keys["address"], LIMITS["address"], now)
        if wait is not None:
            _give_back(keys["user"])
    return wait


def _reserve(key: str, limit: int, now: dt.datetime) -> dt.timedelta | None:
    """One statement that inserts the key's row or moves its count, under the row's lock: concurrent attempts
    each get their own number."""
    locked = _is_locked(now)
    stale = _table.c.window_started_at <= _at(now - WINDOW)
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_table).values(key=key, failures=1, window_started_at=now, locked_until=None)
    statement = statement.on_conflict_do_update(
        index_elements=[_table.c.key],
        set_={
            "failures": case((locked, _table.c.failures), (stale, 1), else_=_table.c.failures + 1),
            "window_started_at": case(
                (locked, _table.c.window_started_at), (stale, _at(now)), else_=_table.c.window_started_at
            ),
        },
    )
    attempt, locked_until = db.session.execute(statement.returning(_table.c.failures, _table.c.locked_until)).one()
    if locked_until is not None and locked_until > now:
        wait: dt.timedelta = locked_until - now
        return wait
    if attempt > limit:  # earlier attempts, some perhaps still being checked, used up the limit
        return LOCK
    return None


def _give_back(key: str) -> None:
    db.session.execute(
        update(_table).where(_table.c.key == key, _table.c.failures > 0).values(failures=_table.c.failures - 1)
    )


def record_failure(username: str, address: str, now: dt.datetime | None = None) -> None:
    """A counted attempt failed: a key whose count has reached its limit is locked (and its count restarts)."""
    now = now or utcnow()
    for kind, key in _keys(username, address).items():
        db.session.execute(
            update(_table)
            .where(_table.c.key == key, _table.c.failures >= LIMITS[kind], ~_is_locked(now))
            .values(locked_until=_at(now + LOCK), failures=0, window_started_at=_at(now))
        )


def record_success(username: str, address: str) -> None:
    """A successful login clears the username's count, and gives the address back the attempt it counted (the
    address's failures stay: it may be guessing many names)."""
    keys = _keys(username, address)
    db.session.execute(delete(_table).where(_table.c.key == keys["user"]))
    _give_back(keys["address"])


def cancel_attempt(username: str, address: str) -> None:
    """A counted attempt whose secret was never checked (the request failed before that): both counts given
    back, the lock and the earlier failures kept."""
    for key in _keys(username, address).values():
        _give_back(key)


def locked_for(username: str, address: str, now: dt.datetime | None = None) -> dt.timedelta | None:
    """How long logins for this username or from this address stay refused (None: not locked)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(_table.c.locked_until).where(_table.c.key.in_(_keys(username, address).values()), _is_locked(now))
    )
    waits = [locked_until - now for (locked_until,) in rows]
    return max(waits) if waits else None
