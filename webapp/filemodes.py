"""Owner-only modes for what casefiles keeps on disk: the database holds document texts and form values, the index
their words, the blobs the documents, the CA folder keys; none of it is for the group or other users. And files
written whole or not at all (the CA folder's, the backups')."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

PRIVATE_UMASK = 0o077  # no permission bits for group and other


def restrict_new_files() -> None:
    """Files and folders this process creates from now on are its owner's alone, whoever creates them (SQLite,
    whoosh, the job queue, the blob store). Called first thing where the app, the CLI and the worker start."""
    current = os.umask(PRIVATE_UMASK)
    os.umask(current | PRIVATE_UMASK)  # a stricter umask set by the operator stays


@contextlib.contextmanager
def atomic_file(path: Path, *, mode: int = 0o600) -> Iterator[BinaryIO]:
    """A new file at `path` (created with `mode`, less the umask), there only once written whole and flushed to
    disk: until then it is a hidden temporary file beside it, removed when writing fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".tmp-{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def write_atomically(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    with atomic_file(path, mode=mode) as handle:
        handle.write(data)


@dataclass
class ModeFix:
    tightened: int = 0  # files and folders whose group and other bits were taken away
    failed: int = 0  # could not be changed (owned by someone else)


def restrict_existing(*roots: Path) -> ModeFix:
    """Take the group and other bits off every file and folder under `roots`, the roots included (made by an
    older version, or by hand). Symbolic links are neither followed nor changed."""
    fix = ModeFix()
    for root in roots:
        if root.is_dir() and not root.is_symlink():
            _restrict(root, fix)
    return fix


def _restrict(path: Path, fix: ModeFix) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:  # removed meanwhile (a temporary file, a rotated index)
        return
    if stat.S_ISLNK(info.st_mode):
        return
    if info.st_mode & PRIVATE_UMASK:
        try:
            path.chmod(stat.S_IMODE(info.st_mode) & ~PRIVATE_UMASK)
            fix.tightened += 1
        except FileNotFoundError:
            return
        except OSError:
            fix.failed += 1
    if stat.S_ISDIR(info.st_mode):
        try:
            children = list(path.iterdir())
        except OSError:
            fix.failed += 1
            return
        for child in children:
            _restrict(child, fix)
