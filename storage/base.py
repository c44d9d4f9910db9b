"""The blob storage interface: immutable blobs under nomenclature keys, hashed while streaming.

Implementations (a local folder, an S3-compatible bucket) must keep these semantics identical, so that callers
never need to know which one they talk to. What only some stores can do (signed download URLs, Object Lock) is a
capability: a Protocol below that the store implements and a caller asks for (`isinstance(store,
PresignedDownloads)`), never the store's class.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, runtime_checkable

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


class ContentMismatch(StorageError):
    """The stored bytes are not those recorded when the blob was written: changed, cut short or grown since."""

    def __init__(self, key: str, expected: str, found: str) -> None:
        super().__init__(f"blob {key} does not match its recorded SHA-256")
        self.key = key
        self.expected = expected
        self.found = found


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


# -- capabilities: what only some stores can do ----------------------------------------------------------------
# A store has a capability when it has its methods; the stores that have one also name it among their bases, so
# mypy checks the signatures. isinstance() on these protocols checks the methods are there, not their signatures.


@runtime_checkable
class PresignedDownloads(Protocol):
    """The client fetches a blob straight from the storage, by a URL that is valid for a short while."""

    def download_url(self, key: str, *, seconds: int, filename: str, media_type: str) -> str:
        """A URL that answers the blob as an attachment named `filename` for `seconds`; StorageError if not."""
        ...


@runtime_checkable
class RetentionLocks(Protocol):
    """Blobs can be locked against deletion and overwriting until a date (S3 Object Lock), where the storage
    was set up for it: `object_lock_enabled()` says whether it was."""

    def object_lock_enabled(self) -> bool: ...

    def retain(self, key: str, until: dt.date) -> None:
        """Lock the blob until the end of `until` (UTC); the storage refuses to shorten a lock."""
        ...

    def retained_until(self, key: str) -> dt.datetime | None: ...


@runtime_checkable
class LegalHolds(Protocol):
    """Blobs can be held against deletion, with no date, until the hold is released."""

    def set_legal_hold(self, key: str, on: bool) -> None: ...


@runtime_checkable
class BucketStorage(Protocol):
    """The blobs live in a named bucket of a storage server, which has to exist before the first write."""

    bucket: str

    def ensure_bucket(self) -> bool:
        """Create the bucket when missing; True if it was created. StorageError says why it cannot."""
        ...


def verified_chunks(
    stream: BinaryIO, key: str, sha256: str, *, size: int | None = None, chunk_size: int = HASH_CHUNK
) -> Generator[bytes, None, None]:
    """The bytes of `stream` (closed at the end) in chunks, hashed on the way and checked against `sha256` (and
    `size`, when known): the last chunk is held back until the whole blob is hashed, and no chunk goes past the
    recorded size, so a consumer never receives a changed blob whole. ContentMismatch instead of the last chunk.
    """
    digest = hashlib.sha256()
    total = 0
    held: bytes | None = None
    with stream:
        while chunk := stream.read(chunk_size):
            digest.update(chunk)
            total += len(chunk)
            if size is not None and total > size:  # grown: hash the rest for the record, give out no more
                while rest := stream.read(chunk_size):
                    digest.update(rest)
                raise ContentMismatch(key, sha256, digest.hexdigest())
            if held is not None:
                yield held
            held = chunk
    found = digest.hexdigest()
    if found != sha256:
        raise ContentMismatch(key, sha256, found)
    if held is not None:
        yield held
