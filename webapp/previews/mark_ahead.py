"""Marking pages ahead: when a session opens, its first pages are marked and kept in the background, and a view
of page p has p+1..p+3 marked the same way, so the pages a reader scrolls to are already files. A small pool of
threads in each web process does it (`VIEWER_MARK_AHEAD_THREADS`, 2 by default; 0 marks nothing ahead), with at
most `MAX_PENDING` pages waiting: beyond that, a page is left for its own request to mark (a miss, still correct).

The request gathers what a page's marking needs while its permission check holds (the stored page's reference,
the session, the mark's text); the thread reads the stored page checked against its SHA-256, as a request
does, marks it and keeps it (webapp.previews.marked_cache)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from webapp.blobs.integrity import BlobRef, open_blob, read_checked
from webapp.previews.marked_cache import Cache
from webapp.previews.sessions import ViewSession

log = logging.getLogger(__name__)

DEFAULT_THREADS = 2
MAX_PENDING = 64
ON_OPEN = 4  # pages marked when a session opens
ON_VIEW = 3  # pages after the one viewed


@dataclass(frozen=True)
class PageWork:
    cache: Cache
    session: ViewSession
    page: int
    ref: BlobRef
    text: str


# (clean page bytes, mark text) -> (image, media type)
Marker = Callable[[bytes, str], tuple[bytes, str]]

_pool: ThreadPoolExecutor | None = None
_pending: dict[Path, threading.Event] = {}  # pages waiting or being marked, each set when done
_lock = threading.Lock()


def threads() -> int:
    return int(current_app.config.get("VIEWER_MARK_AHEAD_THREADS", DEFAULT_THREADS))


def submit(works: list[PageWork], marker: Marker) -> int:
    """Hand the pages not kept yet (nor waiting) to the pool; returns how many were handed."""
    count = threads()
    if count <= 0:
        return 0
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    handed = 0
    for work in works:
        target = work.cache.path(work.session, work.page)
        with _lock:
            if target in _pending or len(_pending) >= MAX_PENDING or target.exists():
                continue
            _pending[target] = threading.Event()
        _executor(count).submit(_mark, app, work, target, marker)
        handed += 1
    return handed


def wait_for(target: Path, timeout: float = 5.0) -> None:
    """When the page is being marked ahead, wait for it (a request for it reads it then, instead of marking it a
    second time on the same cores)."""
    with _lock:
        done = _pending.get(target)
    if done is not None:
        done.wait(timeout)


def wait_idle(timeout: float = 60.0) -> bool:
    """Wait until no page is waiting or being marked (the benchmark and tests); False when the time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _lock:
            if not _pending:
                return True
        time.sleep(0.01)
    return False


def _executor(count: int) -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:  # made on first use, so in each web process after it was forked
            _pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="mark-ahead")
        return _pool


def _mark(app: Flask, work: PageWork, target: Path, marker: Marker) -> None:
    try:
        with app.app_context():
            image, media_type = marker(read_checked(open_blob(work.ref)), work.text)
            work.cache.write(work.session, work.page, image, media_type)
    except Exception:  # a page not marked ahead is marked by its own request
        log.warning("Marking a page ahead failed; its request will mark it", exc_info=True)
    finally:
        with _lock:
            done = _pending.pop(target, None)
        if done is not None:
            done.set()
