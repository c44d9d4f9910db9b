"""Blobs in a local folder: streamed to a temporary file, fsynced, published atomically without overwriting.

Layout: the key "2026/04-05/017/123/v3" is the file <root>/2026/04-05/017/123/v3. Unfinished writes live
in <root>/.tmp, which no key can name (".tmp" is not a valid key segment), so they never show as blobs; what a
killed process left there is removed by `sweep_unfinished`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from storage.base import BlobExists, BlobInfo, BlobNotFound, BlobStore, InvalidKey, StorageError, StoredBlob
from storage.keys import is_key_segment, validate_key

TMP_DIR = ".tmp"
TMP_PREFIX = "put-"
# Blobs hold personal data: the owner alone reads them, and nobody, the owner included, writes to them in place.
FILE_MODE = 0o400
DIR_MODE = 0o700
DEFAULT_CHUNK = 1024 * 1024


class LocalBlobStore(BlobStore):
    def __init__(self, root: Path, *, chunk_size: int = DEFAULT_CHUNK) -> None:
        if chunk_size < 1:
            # read(0) returns b"", which the copy loop would take for the end of the stream.
            raise ValueError("chunk_size must be positive")
        self.root = Path(root)
        self.chunk_size = chunk_size
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            self._real_root = self.root.resolve(strict=True)
        except OSError as exc:
            raise StorageError(f"cannot create the storage root: {_reason(exc)}") from exc
        self._tmp_dir()

    def put(self, key: str, stream: BinaryIO, *, media_type: str = "application/octet-stream") -> StoredBlob:
        # media_type is for object stores (Content-Type); a plain file has nowhere to keep it.
        final = self._path(key)
        self._check_inside(final, key)  # before anything is created: a symlinked folder must not receive dirs
        try:
            if os.path.lexists(final):
                raise BlobExists(f"blob {key} already exists")  # fail early; the link below is the real guard
            self._make_parents(final)
            return self._write(key, stream, final)
        except OSError as exc:
            raise StorageError(f"cannot write blob {key}: {_reason(exc)}") from exc

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        self._check_inside(path, key)
        try:
            return path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            # A folder is only a key prefix, and a file on the way means no blob can be below it.
            raise BlobNotFound(f"blob {key} not found") from None
        except OSError as exc:
            raise StorageError(f"cannot read blob {key}: {_reason(exc)}") from exc

    def exists(self, key: str) -> bool:
        path = self._path(key)
        self._check_inside(path, key)
        try:
            # Path.is_file() would turn a permission error into False: an unreadable store is not empty.
            return stat.S_ISREG(path.stat().st_mode)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as exc:
            raise StorageError(f"cannot check blob {key}: {_reason(exc)}") from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        self._check_inside(path, key)
        try:
            if path.is_dir():
                return  # a key prefix, not a blob: nothing to delete
            path.unlink()
            _fsync_dir(path.parent)  # a deletion (e.g. retention expiry) must not come back after a crash
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as exc:
            raise StorageError(f"cannot delete blob {key}: {_reason(exc)}") from exc

    def iter_blobs(self, prefix: str = "") -> Iterator[BlobInfo]:
        # Start at the deepest folder the prefix names so a narrow prefix does not walk the whole store.
        folder, _, _ = prefix.rpartition("/")
        start = self._path(folder) if folder else self.root
        self._check_inside(start, prefix)
        try:
            blobs = [blob for blob in self._scan(start) if blob.key.startswith(prefix)]
        except (FileNotFoundError, NotADirectoryError):
            return iter(())
        except OSError as exc:
            raise StorageError(f"cannot list blobs under {prefix!r}: {_reason(exc)}") from exc
        # Sorting the whole list, not each folder: "a-b" sorts before "a/x" though folder "a" is walked first.
        return iter(sorted(blobs, key=lambda blob: blob.key))

    def sweep_unfinished(self, older_than: dt.timedelta, *, dry_run: bool = False) -> int:
        """Remove the temporary files of writes that never finished (a process killed mid-upload leaves one,
        with the upload's bytes in it) not modified for `older_than`. A write in progress, in this process or
        another one sharing the folder, keeps its file's modification time fresh, so it is never touched."""
        cutoff = dt.datetime.now(dt.UTC).timestamp() - older_than.total_seconds()
        removed = 0
        try:
            with os.scandir(self._tmp_dir()) as entries:
                for entry in entries:
                    if not entry.name.startswith(TMP_PREFIX) or not entry.is_file(follow_symlinks=False):
                        continue
                    if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                        continue
                    if not dry_run:
                        with contextlib.suppress(FileNotFoundError):  # another process swept it first
                            os.unlink(entry.path)
                    removed += 1
        except OSError as exc:
            raise StorageError(f"cannot clean the temporary folder: {_reason(exc)}") from exc
        return removed

    # -- writing --------------------------------------------------------------------------------------------

    def _make_parents(self, final: Path) -> None:
        """Create the missing folders of a key one level at a time, fsyncing each new entry's parent,
        so a blob's path survives a crash along with the blob."""
        current = self.root
        for name in final.relative_to(self.root).parts[:-1]:
            current = current / name
            try:
                current.mkdir(mode=DIR_MODE)
            except FileExistsError:
                continue
            _fsync_dir(current.parent)

    def _write(self, key: str, stream: BinaryIO, final: Path) -> StoredBlob:
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp_dir(), prefix=TMP_PREFIX)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                size, sha256 = self._copy(stream, out)
                out.flush()
                os.fsync(out.fileno())  # the data must be on disk before any name points to it
            tmp.chmod(FILE_MODE)
            self._publish(key, tmp, final)
        finally:
            # On success the temp name is just a second link to the blob; on failure it is the only trace.
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return StoredBlob(key=key, size=size, sha256=sha256)

    def _copy(self, stream: BinaryIO, out: BinaryIO) -> tuple[int, str]:
        """Copy in bounded chunks, hashing on the way: a scanned case file may not fit in memory."""
        digest = hashlib.sha256()
        size = 0
        while chunk := stream.read(self.chunk_size):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
        return size, digest.hexdigest()

    def _publish(self, key: str, tmp: Path, final: Path) -> None:
        try:
            # link(), unlike rename(), fails if the target exists: of two racing puts exactly one wins.
            os.link(tmp, final)
        except FileExistsError:
            raise BlobExists(f"blob {key} already exists") from None
        try:
            _fsync_dir(final.parent)
        except BaseException:
            # The caller is told the put failed, so the blob must not stay visible under its key.
            with contextlib.suppress(OSError):
                final.unlink()
            raise

    def _tmp_dir(self) -> Path:
        """The temp folder, re-created if someone removed it and checked like a key: it must be inside the
        root (and so on the same filesystem, which os.link needs)."""
        tmp_dir = self.root / TMP_DIR
        try:
            tmp_dir.mkdir(exist_ok=True, mode=DIR_MODE)
        except OSError as exc:
            raise StorageError(f"cannot create the temporary folder: {_reason(exc)}") from exc
        self._check_inside(tmp_dir, TMP_DIR)
        return tmp_dir

    # -- paths ----------------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def _check_inside(self, path: Path, key: str) -> None:
        """Defence in depth against symlinks: keys are validated, but the tree itself could be tampered with.

        This guards against a planted symlink, not against someone racing us with write access to the root.
        """
        try:
            real = path.resolve()
        except RuntimeError:  # Python 3.11 reports a symlink loop this way
            raise InvalidKey(f"key {key} resolves through a symlink loop") from None
        except OSError as exc:
            raise StorageError(f"cannot resolve key {key}: {_reason(exc)}") from exc
        if not real.is_relative_to(self._real_root):
            raise InvalidKey(f"key {key} resolves outside the storage root")

    def _scan(self, folder: Path) -> Iterator[BlobInfo]:
        """Keys of the regular files below `folder`. Symlinks, the temp folder and anything whose name
        is not a key segment are skipped: the store never creates them, so they are not blobs."""
        with os.scandir(folder) as entries:
            for entry in entries:
                if not is_key_segment(entry.name):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    yield from self._scan(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    yield BlobInfo(
                        key=Path(entry.path).relative_to(self.root).as_posix(),
                        size=info.st_size,
                        modified=dt.datetime.fromtimestamp(info.st_mtime, dt.UTC),
                    )


def _fsync_dir(path: Path) -> None:
    """fsync a folder so that entries created or removed in it survive a crash."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    # Never str(exc): it carries the full path, and the root may be named after the institution or a person.
    return exc.strerror or type(exc).__name__
