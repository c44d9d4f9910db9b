"""Blob storage behind one interface: a local folder now, S3-compatible storage later. No Flask here."""

from storage.base import BlobExists, BlobNotFound, BlobStore, InvalidKey, StorageError, StoredBlob
from storage.keys import validate_key, version_key
from storage.local import LocalBlobStore

__all__ = [
    "BlobExists",
    "BlobNotFound",
    "BlobStore",
    "InvalidKey",
    "LocalBlobStore",
    "StorageError",
    "StoredBlob",
    "validate_key",
    "version_key",
]
