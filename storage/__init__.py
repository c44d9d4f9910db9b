"""Blob storage behind one interface: a local folder or an S3-compatible bucket. No Flask here."""

from storage.base import BlobExists, BlobInfo, BlobNotFound, BlobStore, InvalidKey, StorageError, StoredBlob
from storage.keys import validate_key, version_key
from storage.local import LocalBlobStore

__all__ = [
    "BlobExists",
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "InvalidKey",
    "LocalBlobStore",
    "StorageError",
    "StoredBlob",
    "validate_key",
    "version_key",
]
