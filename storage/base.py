"""The blob storage interface: immutable blobs under nomenclature keys, hashed while streaming."""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str  # lowercase hex


class StorageError(Exception):
    """The storage is unreachable, refused the request, or failed while reading or writing."""


class BlobNotFound(StorageError):
    pass


class BlobExists(StorageError):
    """Blobs are immutable: a key is written once."""


class InvalidKey(ValueError):
    pass


class BlobStore(abc.ABC):
    @abc.abstractmethod
    def put(self, key: str, stream: BinaryIO, *, media_type: str = "application/octet-stream") -> StoredBlob:
        """Stream `stream` into a new blob at `key`; BlobExists if the key is taken."""

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the blob (use it as a context manager); BlobNotFound if missing."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob; a missing key is not an error."""

    @abc.abstractmethod
    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Every key under `prefix`, sorted."""

    def sha256_of(self, key: str) -> str:
        """Re-read the blob and hash it (fixity checks)."""
        digest = hashlib.sha256()
        with self.open(key) as stream:
            while chunk := stream.read(HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
