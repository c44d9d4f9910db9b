"""Blob storage behind one interface: a local folder or an S3-compatible bucket. No Flask here."""

from storage.base import (
    BlobExists,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    ContentMismatch,
    InvalidKey,
    StorageError,
    StoredBlob,
    verified_chunks,
)
from storage.keys import validate_key, version_key
from storage.local import LocalBlobStore

__all__ = [
    "BlobExists",
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "ContentMismatch",
    "InvalidKey",
    "LocalBlobStore",
    "StorageError",
    "StoredBlob",
    "validate_key",
    "verified_chunks",
    "version_key",
]
