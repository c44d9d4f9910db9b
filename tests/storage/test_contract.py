"""The BlobStore contract, run against every backend: the local folder and S3 on a real server (OpenStack Swift
with s3api, started by the test suite; see devtools/s3servers.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.s3servers import S3Endpoint
from storage import BlobExists, BlobNotFound, BlobStore, InvalidKey, LocalBlobStore, StorageError
from storage.s3 import MiB, S3BlobStore, S3Settings

KEY = "2026/04-05/017/123/v1"


def s3_store(endpoint: S3Endpoint, bucket: str, **changes: Any) -> S3BlobStore:
    settings = S3Settings(
        bucket=bucket,
        endpoint_url=endpoint.url,
        region=endpoint.region,
        addressing_style="path",
        access_key=endpoint.access_key,
        secret_key=endpoint.secret_key,
        max_attempts=2,
        **changes,
    )
    return S3BlobStore(settings)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
        return
    endpoint: S3Endpoint = request.getfixturevalue("swift_endpoint")
    s3 = s3_store(endpoint, f"contract-{secrets.token_hex(4)}", multipart_threshold=5 * MiB, part_size=5 * MiB)
    assert s3.ensure_bucket() is True
    assert s3.ensure_bucket() is False  # present now
    yield s3
    for key in list(s3.iter_keys()):
        s3.delete(key)
    s3.client.delete_bucket(Bucket=s3.bucket)


@pytest.mark.parametrize("size", [0, 1, 3 * MiB + 17, 11 * MiB + 5], ids=["empty", "byte", "3MiB", "multipart"])
def test_round_trip_with_size_and_sha256(store: BlobStore, size: int) -> None:
    data = secrets.token_bytes(size)
    stored = store.put(KEY, io.BytesIO(data))
    assert (stored.key, stored.size, stored.sha256) == (KEY, size, hashlib.sha256(data).hexdigest())
    with store.open(KEY) as stream:
        assert stream.read() == data
    assert store.sha256_of(KEY) == stored.sha256
    if isinstance(store, S3BlobStore):
        assert store.stored_sha256(KEY) == stored.sha256  # kept with the object


def test_a_stream_that_cannot_seek_is_hashed_on_the_way(store: BlobStore) -> None:
    data = secrets.token_bytes(6 * MiB + 3)

    class OneWay(io.RawIOBase):
        def __init__(self) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            chunk = self.inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    stored = store.put(KEY, OneWay())  # type: ignore[arg-type]
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert store.sha256_of(KEY) == stored.sha256


def test_reads_stream_in_pieces(store: BlobStore) -> None:
    data = secrets.token_bytes(2 * MiB)
    store.put(KEY, io.BytesIO(data))
    with store.open(KEY) as stream:
        pieces = []
        while piece := stream.read(100_000):
            assert len(piece) <= 100_000
            pieces.append(piece)
    assert b"".join(pieces) == data


def test_open_seekable_jumps_about(store: BlobStore) -> None:
    data = secrets.token_bytes(MiB)
    store.put(KEY, io.BytesIO(data))
    with store.open_seekable(KEY) as stream:
        assert stream.seekable()
        stream.seek(-10, io.SEEK_END)
        assert stream.read() == data[-10:]
        stream.seek(0)
        assert stream.read() == data
    with pytest.raises(BlobNotFound), store.open_seekable("2026/04-05/001/1/v9"):
        pass


def test_blobs_are_immutable(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(b"first"))
    with pytest.raises(BlobExists):
        store.put(KEY, io.BytesIO(b"second"))
    with store.open(KEY) as stream:
        assert stream.read() == b"first"


def test_missing_blob(store: BlobStore) -> None:
    assert store.exists(KEY) is False
    with pytest.raises(BlobNotFound):
        store.open(KEY)
    store.delete(KEY)  # deleting a missing blob is not an error


def test_delete_then_write_again(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(b"x"))
    assert store.exists(KEY)
    store.delete(KEY)
    store.delete(KEY)
    assert not store.exists(KEY)
    assert list(store.iter_keys()) == []
    store.put(KEY, io.BytesIO(b"y"))
    with store.open(KEY) as stream:
        assert stream.read() == b"y"


def test_iter_keys_sorted_under_a_prefix(store: BlobStore) -> None:
    keys = ["2026/04-05/017/9/v1", "2026/04-05/017/10/v1", "2026/04-05/018/1/v1", "2025/04-05/001/1/v1"]
    for key in keys:
        store.put(key, io.BytesIO(key.encode()))
    assert list(store.iter_keys()) == sorted(keys)
    assert list(store.iter_keys("2026/04-05/017/")) == ["2026/04-05/017/10/v1", "2026/04-05/017/9/v1"]
    assert list(store.iter_keys("2026/04-05/01")) == sorted(keys[:3])
    assert list(store.iter_keys("2024/")) == []


def test_sha256_of_rereads_the_stored_bytes(store: BlobStore) -> None:
    stored = store.put(KEY, io.BytesIO(b"original"))
    assert store.sha256_of(KEY) == stored.sha256


@pytest.mark.parametrize("key", ["", "/a", "a//b", "a/../b", "a/.hidden", "семья/v1", "a b", "a\n"])
def test_bad_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        store.put(key, io.BytesIO(b"x"))
    with pytest.raises(InvalidKey):
        store.open(key)
    with pytest.raises(InvalidKey):
        store.exists(key)
    with pytest.raises(InvalidKey):
        store.delete(key)


def test_a_failing_stream_leaves_nothing(store: BlobStore) -> None:
    class Broken(io.RawIOBase):
        sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            if self.sent > 6 * MiB:
                raise OSError("the client went away")
            buffer[:] = b"x" * len(buffer)
            self.sent += len(buffer)
            return len(buffer)

    with pytest.raises((OSError, StorageError)):
        store.put(KEY, Broken())  # type: ignore[arg-type]
    assert not store.exists(KEY)
    assert list(store.iter_keys()) == []


def test_an_unreachable_server_is_a_storage_error_without_details() -> None:
    settings = S3Settings(
        bucket="b", endpoint_url="http://127.0.0.1:9", region="us-east-1", connect_timeout=0.5, max_attempts=1
    )
    store = S3BlobStore(settings)
    for action in (lambda: store.put(KEY, io.BytesIO(b"x")), lambda: store.open(KEY), store.ensure_bucket):
        with pytest.raises(StorageError) as caught:
            action()
        assert "127.0.0.1" not in str(caught.value)


def test_iter_blobs_tells_size_and_time(store: BlobStore) -> None:
    store.put(KEY, io.BytesIO(b"12345"))
    [info] = list(store.iter_blobs())
    assert (info.key, info.size) == (KEY, 5)
    assert abs(dt.datetime.now(dt.UTC) - info.modified) < dt.timedelta(minutes=5)
