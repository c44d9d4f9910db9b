"""Choosing the blob store from the configuration."""

from __future__ import annotations

from storage import BlobStore, LocalBlobStore
from storage.s3 import DEFAULT_PART_SIZE, MiB, S3BlobStore, S3Settings
from webapp.config import Settings


def build_blob_store(settings: Settings) -> BlobStore:
    if settings.storage == "s3":
        return S3BlobStore(s3_settings(settings))
    return LocalBlobStore(settings.blob_dir)


def s3_settings(settings: Settings) -> S3Settings:
    assert settings.s3_bucket, "load_settings requires the bucket with CASEFILES_STORAGE=s3"
    return S3Settings(
        bucket=settings.s3_bucket,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        addressing_style=settings.s3_addressing,
        multipart_threshold=settings.s3_multipart_mb * MiB,
        part_size=min(settings.s3_multipart_mb * MiB, DEFAULT_PART_SIZE),
        lock_mode=settings.s3_lock_mode,
    )
