"""Capabilities are asked of a store, not of its class: a store has one when it implements the protocol."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from storage import LocalBlobStore
from storage.base import BucketStorage, LegalHolds, PresignedDownloads, RetentionLocks
from storage.s3 import S3BlobStore, S3Settings

CAPABILITIES = (PresignedDownloads, RetentionLocks, LegalHolds, BucketStorage)


def test_an_s3_store_has_every_capability() -> None:
    store = S3BlobStore(S3Settings(bucket="absent", endpoint_url="http://127.0.0.1:9", region="us-east-1"))
    assert [isinstance(store, capability) for capability in CAPABILITIES] == [True, True, True, True]


def test_a_local_folder_has_none(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    assert [isinstance(store, capability) for capability in CAPABILITIES] == [False, False, False, False]


def test_a_store_of_another_class_is_detected_by_what_it_implements(tmp_path: Path) -> None:
    class SigningFolder(LocalBlobStore):
        def download_url(self, key: str, *, seconds: int, filename: str, media_type: str) -> str:
            return f"https://files.example/{key}?expires={seconds}"

        def retain(self, key: str, until: dt.date) -> None:  # half of RetentionLocks is not RetentionLocks
            pass

    store = SigningFolder(tmp_path / "blobs")
    assert isinstance(store, PresignedDownloads)
    assert not isinstance(store, RetentionLocks)
    assert not isinstance(store, LegalHolds)
