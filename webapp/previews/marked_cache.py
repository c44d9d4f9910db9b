"""This node's cache of marked page images: a page as one viewing session is served it (the clean page with the
session's watermark, encoded), so that every later view of it in the session is a read of a file, not a decode,
a mark and an encode.

Layout: `<CASEFILES_DATA_DIR>/marked-pages/<session id>.<expiry, Unix seconds>/<page>` (folders 0700, files
0600, as the rest of the data folder). Names carry ids and a time only, never a name or a word of the page. The
web processes of one node share the folder; another node has its own, and a miss there just computes the page.

Integrity: each file starts with an HMAC-SHA256 (keyed from the application's secret key) over the session's
identity (its id, its viewer's id, the moment it began), the page number, the media type and the image. A file
changed or put there by anyone without the secret key, or moved from another session's folder, fails the check:
it is deleted and the page computed again, never served. The file is read whole and checked before it is
answered, so the response's size is known.

Purge: a session's folder goes once its expiry (named in it: no database needed) has passed, with whatever a
killed process left in it (a half-written `.new-*` file); beyond `VIEWER_CACHE_MB` in all, the oldest sessions'
folders go first. A thread of each web process purges as soon as the process first serves a marked page (what a
process killed earlier left behind goes then) and every minute after."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from webapp.previews.sessions import ViewSession

log = logging.getLogger(__name__)

FOLDER = "marked-pages"
DEFAULT_LIMIT_MB = 1024
PURGE_EVERY_SECONDS = 60
MAC_BYTES = 32
# The media type of a cached page, as one byte after its MAC.
TYPES = {b"W": "image/webp", b"P": "image/png"}
TYPE_BYTES = {media_type: code for code, media_type in TYPES.items()}


@dataclass(frozen=True)
class Cache:
    """Where this node keeps marked pages, the key of their MACs and how much they may take in all."""

    root: Path
    key: bytes
    limit_bytes: int

    def path(self, session: ViewSession, page: int) -> Path:
        return self.root / f"{session.id}.{int(session.expires_at.timestamp())}" / str(page)

    def read(self, session: ViewSession, page: int) -> tuple[bytes, str] | None:
        """The page as the session was served it, checked; None when not cached (or found changed: deleted)."""
        path = self.path(session, page)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        mac, code, image = data[:MAC_BYTES], data[MAC_BYTES : MAC_BYTES + 1], data[MAC_BYTES + 1 :]
        if code in TYPES and hmac.compare_digest(mac, self._mac(session, page, code, image)):
            return image, TYPES[code]
        log.warning("A marked page in the viewer's cache failed its check; it is deleted and made again")
        path.unlink(missing_ok=True)
        return None

    def write(self, session: ViewSession, page: int, image: bytes, media_type: str) -> None:
        """Keep the page for the session: written to a temporary file, then renamed into place (a reader sees
        the whole file or none). A folder purged meanwhile just means the page is not kept."""
        path = self.path(session, page)
        code = TYPE_BYTES[media_type]
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.parent.mkdir(mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-")  # created 0600
            with os.fdopen(handle, "wb") as file:
                file.write(self._mac(session, page, code, image) + code + image)
            os.replace(temporary, path)
        except OSError:
            log.info("A marked page was not kept in the viewer's cache (its session's folder went meanwhile)")

    def _mac(self, session: ViewSession, page: int, code: bytes, image: bytes) -> bytes:
        identity = f"{session.id}:{session.viewer_id}:{session.began_at.isoformat()}:{page}:".encode() + code
        return hmac.new(self.key, identity + image, hashlib.sha256).digest()

    def purge(self, now: float | None = None) -> int:
        """Delete expired sessions' folders, then the oldest ones while the whole is over its limit; returns how
        many folders went."""
        now = time.time() if now is None else now
        try:
            folders = [entry for entry in os.scandir(self.root) if entry.is_dir(follow_symlinks=False)]
        except OSError:
            return 0
        kept: list[tuple[int, int, str]] = []  # (session id, bytes, path)
        gone = 0
        for folder in folders:
            session_id, expires = _parsed(folder.name)
            if session_id is None or expires <= now:
                gone += _removed(folder.path)
            else:
                kept.append((session_id, _size(folder.path), folder.path))
        total = sum(size for _, size, _ in kept)
        for _, size, path in sorted(kept):  # the oldest session first
            if total <= self.limit_bytes:
                break
            gone += _removed(path)
            total -= size
        return gone


def cache() -> Cache:
    """This node's cache, as the application is configured; the purging thread knows of it from now on."""
    app = current_app
    found = Cache(
        root=app.config["CASEFILES"].data_dir / FOLDER,
        key=hmac.new(str(app.config["SECRET_KEY"]).encode(), b"casefiles marked pages", hashlib.sha256).digest(),
        limit_bytes=int(app.config.get("VIEWER_CACHE_MB", DEFAULT_LIMIT_MB)) * 1_000_000,
    )
    _watch(found)
    return found


_watched: dict[Path, Cache] = {}
_watch_lock = threading.Lock()


def _watch(found: Cache) -> None:
    with _watch_lock:
        first = not _watched
        _watched[found.root] = found
    if first:
        threading.Thread(target=_purge_forever, name="marked-pages-purge", daemon=True).start()


def _purge_forever() -> None:
    while True:
        with _watch_lock:
            caches = list(_watched.values())
        for each in caches:
            try:
                each.purge()
            except Exception:  # the thread goes on; the next minute tries again
                log.exception("Purging the viewer's cache of marked pages failed")
        time.sleep(PURGE_EVERY_SECONDS)


def _parsed(name: str) -> tuple[int | None, float]:
    session_id, _, expires = name.partition(".")
    if not (session_id.isdigit() and expires.isdigit()):
        return None, 0.0
    return int(session_id), float(expires)


def _size(path: str) -> int:
    total = 0
    try:
        for entry in os.scandir(path):
            try:
                total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
    except OSError:
        return 0
    return total


def _removed(path: str) -> int:
    shutil.rmtree(path, ignore_errors=True)
    return 1
