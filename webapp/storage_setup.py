"""Choosing the blob store from the configuration."""

from __future__ import annotations

from storage import BlobStore, LocalBlobStore
from webapp.config import Settings
from webapp.exceptions import ConfigurationError


def build_blob_store(settings: Settings) -> BlobStore:
    if settings.storage == "local":
        return LocalBlobStore(settings.blob_dir)
    raise ConfigurationError("CASEFILES_STORAGE=s3 is not available yet in this version")
