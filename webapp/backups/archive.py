"""The backup folder on disk, apart from what is in it:

    DEST/casefiles-backup.json     how the folder is encrypted (webapp.backups.keys), key.age beside it
    DEST/blobs/ab/<sha256>.age     each stored file's bytes once, named by their SHA-256: a later backup copies
                                   only what no earlier one holds (incremental)
    DEST/sets/<YYYYmmddTHHMMSSZ>/  one backup: manifest.json (in clear: versions, counts, storage keys and
                                   SHA-256 of every file, no personal data), database.*.age, secrets.tar.age

A set is written under sets/.partial-<name> and renamed when its manifest is complete, so a set that exists is
whole; a file is written under a temporary name, flushed and renamed."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from webapp.backups.keys import BackupError
from webapp.filemodes import write_atomically

SETS = "sets"
POOL = "blobs"
MANIFEST = "manifest.json"
PARTIAL = ".partial-"
CHUNK = 1024 * 1024


def set_name(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def set_time(name: str) -> dt.datetime:
    return dt.datetime.strptime(name[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def sets(root: Path) -> list[str]:
    """The complete sets in the folder, oldest first."""
    folder = root / SETS
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and _is_set(p.name))


def _is_set(name: str) -> bool:
    try:
        set_time(name)
    except ValueError:
        return False
    return True


def chosen_set(root: Path, name: str | None) -> str:
    found = sets(root)
    if name is None:
        if not found:
            raise BackupError(f"{root} holds no complete backup")
        return found[-1]
    if name not in found:
        raise BackupError(f"{root} holds no backup {name} (there are: {', '.join(found) or 'none'})")
    return name


def pool_path(sha256: str) -> str:
    """A stored file's copy, relative to the folder."""
    return f"{POOL}/{sha256[:2]}/{sha256}.age"


def read_manifest(root: Path, name: str) -> dict[str, Any]:
    path = root / SETS / name / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{SETS}/{name}/{MANIFEST} cannot be read: {exc}") from None
    return manifest


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomically(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode())


def file_sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """One backup or prune at a time in a folder."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"В {root} уже пишется другая резервная копия") from None
        yield


def known_copies(root: Path) -> dict[str, str]:
    """The copies the folder's sets already list: plain SHA-256 -> the copy's SHA-256."""
    copies: dict[str, str] = {}
    for name in sets(root):
        for blob in read_manifest(root, name).get("blobs", []):
            if "copy_sha256" in blob:
                copies[blob["sha256"]] = blob["copy_sha256"]
    return copies


def kept_sets(names: list[str], keep_daily: int, keep_monthly: int) -> set[str]:
    """Retention: the newest set of each of the last `keep_daily` days that have one, of each of the last
    `keep_monthly` months, and always the newest set."""
    keep: set[str] = set(names[-1:])
    for width, count in ((8, keep_daily), (6, keep_monthly)):  # YYYYmmdd, YYYYmm
        newest: dict[str, str] = {}
        for name in names:  # oldest first: a later set of the same day or month replaces the earlier
            newest[name[:width]] = name
        keep.update(sorted(newest.values())[-count:] if count else [])
    return keep


def prune(root: Path, keep_daily: int, keep_monthly: int) -> tuple[list[str], int]:
    """Delete the sets retention does not keep, then the copies no kept set lists; (sets deleted, copies)."""
    names = sets(root)
    keep = kept_sets(names, keep_daily, keep_monthly)
    dropped = [name for name in names if name not in keep]
    for name in dropped:
        shutil.rmtree(root / SETS / name)
    for partial in (root / SETS).glob(PARTIAL + "*"):  # left by a run that died: none runs now (locked)
        shutil.rmtree(partial)
    listed = {blob["copy"] for name in keep for blob in read_manifest(root, name).get("blobs", []) if "copy" in blob}
    removed = 0
    pool = root / POOL
    for path in pool.glob("*/*.age") if pool.is_dir() else []:
        if path.relative_to(root).as_posix() not in listed:
            path.unlink()
            removed += 1
    return dropped, removed
