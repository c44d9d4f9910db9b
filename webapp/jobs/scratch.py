"""A worker's scratch folder, and the sweep of those whose worker died.

Jobs copy documents into temporary folders (casefiles-pdf-*, casefiles-export-*, ...) and remove them when they
end, whatever the outcome; a worker killed mid-job cannot. So a worker keeps every temporary file, its programs'
included (TMPDIR), in a folder of its own, casefiles-worker-*, in the system temporary folder, and holds an
exclusive lock (flock) on the folder's `lock` file while it lives; the kernel drops the lock when the process
dies, however it dies. A sweep removes each worker folder whose lock it can take (so never a live worker's, even
with several workers on one machine), and folders of our temporary kinds lying in the temporary folder itself
(left by a web process or a command, or by an older casefiles) once they are older than GRACE.
"""

from __future__ import annotations

import atexit
import datetime as dt
import fcntl
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

WORKER_PREFIX = "casefiles-worker-"
TEMPORARY_KINDS = tuple(
    f"casefiles-{kind}-" for kind in ("pdf", "lo", "export", "ocr", "archive", "verify", "fonts", "preview")
)
GRACE = dt.timedelta(hours=6)
LOCK = "lock"
_held_locks: list[int] = []  # open for the life of the process: closing one would drop its lock


def use_scratch_folder() -> Path:
    """Sweep, then make this process's scratch folder and send every temporary file of the process and of the
    programs it starts there. Called once, at the start of `casefiles worker`."""
    root = Path(tempfile.gettempdir())
    sweep(root)
    folder = Path(tempfile.mkdtemp(prefix=WORKER_PREFIX, dir=root))
    fd = os.open(folder / "lock.new", os.O_CREAT | os.O_WRONLY, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(folder / "lock.new", folder / LOCK)  # the lock shows only once held: a sweep never takes it first
    _held_locks.append(fd)
    tempfile.tempdir = str(folder)
    os.environ["TMPDIR"] = str(folder)
    atexit.register(shutil.rmtree, folder, True)
    return folder


def sweep(root: Path, *, now: float | None = None) -> int:
    """Remove the scratch folders of dead workers, and temporary folders past GRACE, in `root` (the system
    temporary folder); returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for entry in root.glob("casefiles-*"):
        try:
            info = entry.lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue  # never follow a link, never touch another user's files
        old = now - info.st_mtime > GRACE.total_seconds()
        if entry.name.startswith(WORKER_PREFIX):
            gone = _abandoned(entry, old)
        else:
            gone = entry.name.startswith(TEMPORARY_KINDS) and old
        if gone:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def _abandoned(folder: Path, old: bool) -> bool:
    """True when no process holds the folder's lock; a folder without one is being made, unless it is old."""
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return old
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its worker lives
    finally:
        os.close(fd)
    return True
