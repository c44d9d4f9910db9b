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
from storage.keys import rehome_key, validate_key, version_key
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
    "rehome_key",
    "validate_key",
    "verified_chunks",
    "version_key",
]
