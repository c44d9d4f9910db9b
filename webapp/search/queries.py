"""Search words kept out of URLs. The search page keeps a query's words on the server under a random id for the
user who typed them; its URLs (results, pages, facets) carry only the id, `?query=`, so surnames never reach browser
history, proxies or access logs. An id lives while it is used and ends CASEFILES_SESSION_MINUTES after its last use,
as a session does. The words are kept where every web process finds them: on one machine as files in
DATA_DIR/search-queries/, each named by the user's id and the random id, never by the words; when web processes run
on several machines (a Redis CASEFILES_QUEUE_URL), in that Redis under the same name, expiring by themselves."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from webapp.auth.models import User

if TYPE_CHECKING:
    from redis import Redis  # the `redis` extra, installed where CASEFILES_QUEUE_URL names a Redis

FOLDER = "search-queries"
REDIS_PREFIX = "casefiles:search-query:"
QUERY_ID = re.compile(r"[A-Za-z0-9_-]{22}")


def remember_query(user: User, words: str) -> str:
    """Keep `words` for `user`; returns the id that stands for them in URLs."""
    shared = _redis()
    if shared is not None:
        query_id = secrets.token_urlsafe(16)
        shared.set(REDIS_PREFIX + _name(user, query_id), words.encode("utf-8"), ex=_lifetime_seconds())
        return query_id
    purge_stale_queries()
    folder = _folder()
    folder.mkdir(mode=0o700, exist_ok=True)
    query_id = secrets.token_urlsafe(16)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".new-")  # created 0600
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(words)
    os.replace(temporary, folder / _name(user, query_id))
    return query_id


def recall_query(user: User, query_id: str) -> str | None:
    """The words `user` kept under `query_id`, or None when the id is unknown, someone else's or has expired."""
    if not QUERY_ID.fullmatch(query_id):
        return None
    shared = _redis()
    if shared is not None:
        kept = shared.getex(REDIS_PREFIX + _name(user, query_id), ex=_lifetime_seconds())  # used now: it lives on
        return kept.decode("utf-8") if isinstance(kept, bytes) else None
    path = _folder() / _name(user, query_id)
    try:
        if time.time() - path.stat().st_mtime > _lifetime_seconds():
            path.unlink(missing_ok=True)
            return None
        words = path.read_text(encoding="utf-8")
        os.utime(path)  # used now: it lives on
    except OSError:
        return None
    return words


def purge_stale_queries(now: float | None = None) -> int:
    """Delete the kept words not used for CASEFILES_SESSION_MINUTES; returns how many went (Redis expires its
    own)."""
    folder = _folder()
    if not folder.is_dir():
        return 0
    oldest = (now if now is not None else time.time()) - _lifetime_seconds()
    purged = 0
    for entry in os.scandir(folder):
        try:
            if entry.stat().st_mtime < oldest:
                os.unlink(entry.path)
                purged += 1
        except FileNotFoundError:  # another process purged it first
            continue
    return purged


def _name(user: User, query_id: str) -> str:
    return f"{user.id}-{query_id}"


def _redis() -> Redis | None:
    """The Redis of CASEFILES_QUEUE_URL, one client per app; None on one machine (the SQLite queue)."""
    url: str = current_app.config["CASEFILES"].queue_url
    if not url:
        return None
    client: Redis | None = current_app.extensions.get("casefiles.query_words")
    if client is None:
        from redis import Redis

        client = current_app.extensions["casefiles.query_words"] = Redis.from_url(url)
    return client


def _folder() -> Path:
    data_dir: Path = current_app.config["CASEFILES"].data_dir
    return data_dir / FOLDER


def _lifetime_seconds() -> int:
    minutes: int = current_app.config["CASEFILES"].session_minutes
    return minutes * 60
