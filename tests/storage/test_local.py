"""LocalBlobStore: streaming, hashing, atomic immutable writes, never outside its root."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from pathlib import Path

import pytest

from storage import BlobExists, BlobNotFound, InvalidKey, LocalBlobStore, StorageError, validate_key, version_key


class ChunkOnlyStream(io.RawIOBase):
    """Serves bytes only in bounded reads: a whole-file read() would fail the test."""

    def __init__(self, data: bytes, limit: int) -> None:
        self.data = data
        self.position = 0
        self.limit = limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert 0 < size <= self.limit, f"read({size}) is not a bounded chunk"
        chunk = self.data[self.position : self.position + size]
        self.position += len(chunk)
        return chunk


class BrokenStream(io.RawIOBase):
    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 2:
            raise ConnectionResetError("client went away")
        return b"x" * size


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", chunk_size=16)


def test_round_trip_with_hash_and_size(store: LocalBlobStore) -> None:
    data = bytes(range(256)) * 3
    stored = store.put("2026/04-05/001/1/v1", io.BytesIO(data))
    assert stored.key == "2026/04-05/001/1/v1"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    with store.open(stored.key) as stream:
        assert stream.read() == data
    assert store.sha256_of(stored.key) == stored.sha256
    assert store.exists(stored.key)


def test_empty_blob(store: LocalBlobStore) -> None:
    stored = store.put("a/empty", io.BytesIO(b""))
    assert (stored.size, stored.sha256) == (0, hashlib.sha256(b"").hexdigest())


def test_reads_in_bounded_chunks(store: LocalBlobStore) -> None:
    data = os.urandom(1000)
    stored = store.put("a/b", ChunkOnlyStream(data, limit=16))  # type: ignore[arg-type]
    assert stored.sha256 == hashlib.sha256(data).hexdigest()


def test_blobs_are_immutable(store: LocalBlobStore) -> None:
    store.put("a/b", io.BytesIO(b"original"))
    with pytest.raises(BlobExists):
        store.put("a/b", io.BytesIO(b"replacement"))
    with store.open("a/b") as stream:
        assert stream.read() == b"original"


def test_concurrent_puts_of_one_key_have_one_winner(store: LocalBlobStore) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def put(n: int) -> None:
        barrier.wait()
        try:
            store.put("race/key", io.BytesIO(str(n).encode() * 5000))
            outcomes.append("won")
        except BlobExists:
            outcomes.append("exists")

    threads = [threading.Thread(target=put, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["exists"] * 7 + ["won"]
    assert list(store.iter_keys()) == ["race/key"]


def test_failed_stream_leaves_nothing(store: LocalBlobStore) -> None:
    with pytest.raises(StorageError):
        store.put("a/b", BrokenStream())  # type: ignore[arg-type]
    assert not store.exists("a/b")
    assert list((store.root / ".tmp").iterdir()) == []
    assert list(store.iter_keys()) == []


@pytest.mark.parametrize(
    "key",
    ["", "../etc/passwd", "a/../../b", "/abs", "a//b", "a/", "a\\b", "a/b\x00", "семья/1", ".hidden", "a/.", "x" * 600],
)
def test_bad_keys_are_refused(store: LocalBlobStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        store.put(key, io.BytesIO(b"x"))
    with pytest.raises(InvalidKey):
        store.open(key)
    with pytest.raises(InvalidKey):
        validate_key(key)


def test_symlink_out_of_the_root_is_refused(store: LocalBlobStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    (store.root / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        store.put("link/new", io.BytesIO(b"x"))
    with pytest.raises(InvalidKey):
        store.open("link/secret")
    assert not store.exists("link/secret")
    assert not (outside / "new").exists()


def test_missing_blob(store: LocalBlobStore) -> None:
    with pytest.raises(BlobNotFound):
        store.open("no/such")
    assert isinstance(BlobNotFound("x"), StorageError)
    assert not store.exists("no/such")


def test_delete_is_idempotent(store: LocalBlobStore) -> None:
    store.put("a/b", io.BytesIO(b"x"))
    store.delete("a/b")
    store.delete("a/b")
    assert not store.exists("a/b")


def test_iter_keys_sorted_under_prefix(store: LocalBlobStore) -> None:
    for key in ("2026/04-05/002/3/v1", "2026/04-05/001/1/v2", "2026/04-05/001/1/v1", "2025/01-01/001/9/v1"):
        store.put(key, io.BytesIO(b"x"))
    assert list(store.iter_keys("2026/")) == ["2026/04-05/001/1/v1", "2026/04-05/001/1/v2", "2026/04-05/002/3/v1"]


def test_version_key_follows_the_nomenclature() -> None:
    assert version_key(2026, "04-05", 17, 123, 3) == "2026/04-05/017/123/v3"
    assert version_key(2026, "04-05", 1234, 1, 1) == "2026/04-05/1234/1/v1"
    for bad_index in ("04/05", "Иванов", "../x", ""):
        with pytest.raises(InvalidKey):
            version_key(2026, bad_index, 1, 1, 1)
    with pytest.raises(InvalidKey):
        version_key(2026, "04-05", 0, 1, 1)
