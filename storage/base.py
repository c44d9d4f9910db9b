"""The blob storage interface: immutable blobs under nomenclature keys, hashed while streaming.

Implementations (a local folder now, S3-compatible storage later) must keep these semantics identical,
so that callers never need to know which one they talk to.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

HASH_CHUNK = 1024 * 1024
SPOOL_BYTES = 16 * 1024 * 1024  # a blob copied for seeking stays in memory up to this size, then on disk


@dataclass(frozen=True)
class StoredBlob:
    """What put() wrote; the hash is computed from the bytes as they were streamed, not re-read."""

    key: str
    size: int
    sha256: str  # lowercase hex


@dataclass(frozen=True)
class BlobInfo:
    """A blob as a listing shows it."""

    key: str
    size: int
    modified: dt.datetime  # when it was written, UTC


class StorageError(Exception):
    """The storage is unreachable, refused the request, or failed while reading or writing."""


class BlobNotFound(StorageError):
    pass


class BlobExists(StorageError):
    """Blobs are immutable: a key is written once."""


class InvalidKey(ValueError):
    """The key breaks the key rules (see storage.keys) or would resolve outside the store."""


class BlobStore(abc.ABC):
    @abc.abstractmethod
    def put(self, key: str, stream: BinaryIO, *, media_type: str = "application/octet-stream") -> StoredBlob:
        """Stream `stream` into a new blob at `key` and return its size and SHA-256.

        Reads in bounded chunks (documents can be large scans), never the whole stream at once.
        Never overwrites: BlobExists if the key is taken, and of two concurrent puts of one key exactly
        one succeeds. On failure nothing is left under `key`.
        """

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the blob (use it as a context manager); BlobNotFound if missing."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob; a missing key is not an error (gc and retries may delete twice)."""

    @abc.abstractmethod
    def iter_blobs(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Every blob whose key starts with `prefix` (a plain string prefix, not only whole segments), sorted
        by key."""

    @contextlib.contextmanager
    def open_seekable(self, key: str) -> Iterator[BinaryIO]:
        """The blob as a seekable stream, for parsers that jump about (PDF, ZIP): the stream itself where it
        can seek (a local file), else a copy spooled to a temporary file (an S3 body)."""
        with self.open(key) as stream:
            if stream.seekable():
                yield stream
                return
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed below
            shutil.copyfileobj(stream, spool, HASH_CHUNK)
        with spool:
            spool.seek(0)
            yield spool  # type: ignore[misc]

    def sweep_unfinished(self, older_than: dt.timedelta, *, dry_run: bool = False) -> int:
        """Remove what writes that never finished (a process killed mid-upload) left behind and that is older
        than `older_than`; returns how many. Nothing by default: a store that leaves nothing has nothing to do."""
        return 0

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        return (blob.key for blob in self.iter_blobs(prefix))

    def sha256_of(self, key: str) -> str:
        """Re-read the stored bytes and hash them, so fixity checks catch corruption after the write."""
        digest = hashlib.sha256()
        with self.open(key) as stream:
            while chunk := stream.read(HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
