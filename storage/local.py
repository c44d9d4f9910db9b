"""Blobs in a local folder: streamed to a temporary file, fsynced, published atomically without overwriting."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from storage.base import BlobExists, BlobNotFound, BlobStore, InvalidKey, StorageError, StoredBlob
from storage.keys import validate_key

TMP_DIR = ".tmp"
FILE_MODE = 0o440
DIR_MODE = 0o750


class LocalBlobStore(BlobStore):
    def __init__(self, root: Path, *, chunk_size: int = 1024 * 1024) -> None:
        self.root = Path(root)
        self.chunk_size = chunk_size
        (self.root / TMP_DIR).mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        self._real_root = self.root.resolve()

    def put(self, key: str, stream: BinaryIO, *, media_type: str = "application/octet-stream") -> StoredBlob:
        final = self._path(key)
        try:
            final.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            self._check_inside(final.parent)
            if final.exists():
                raise BlobExists(f"blob {key} already exists")
            return self._write(key, stream, final)
        except OSError as exc:
            raise StorageError(f"cannot write blob {key}: {exc.strerror or type(exc).__name__}") from exc

    def _write(self, key: str, stream: BinaryIO, final: Path) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root / TMP_DIR, prefix="put-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(self.chunk_size):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, FILE_MODE)
            try:
                os.link(tmp, final)  # atomic and never overwrites: two racing puts, one wins
            except FileExistsError:
                raise BlobExists(f"blob {key} already exists") from None
            _fsync_dir(final.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return StoredBlob(key=key, size=size, sha256=digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            self._check_inside(path)
            return path.open("rb")
        except FileNotFoundError:
            raise BlobNotFound(f"blob {key} not found") from None
        except OSError as exc:
            raise StorageError(f"cannot read blob {key}: {exc.strerror or type(exc).__name__}") from exc

    def exists(self, key: str) -> bool:
        path = self._path(key)
        return path.is_file() and self._is_inside(path)

    def delete(self, key: str) -> None:
        path = self._path(key)
        if not path.exists() and not path.is_symlink():
            return
        self._check_inside(path)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"cannot delete blob {key}: {exc.strerror or type(exc).__name__}") from exc

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        keys = []
        for path in self.root.rglob("*"):
            relative = path.relative_to(self.root)
            if relative.parts[0] == TMP_DIR or not path.is_file():
                continue
            key = relative.as_posix()
            if key.startswith(prefix):
                keys.append(key)
        return iter(sorted(keys))

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def _is_inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self._real_root)

    def _check_inside(self, path: Path) -> None:
        """Defence in depth against symlinks: keys are validated, but the tree could be tampered with."""
        if not self._is_inside(path):
            raise InvalidKey("key resolves outside the storage root")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
