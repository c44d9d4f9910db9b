"""LocalBlobStore: streaming, hashing, atomic immutable writes, never outside its root."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO, cast

import pytest

import storage
from storage import (
    BlobExists,
    BlobNotFound,
    BlobStore,
    InvalidKey,
    LocalBlobStore,
    StorageError,
    StoredBlob,
)

CHUNK = 16


class ChunkOnlyStream:
    """A source that only serves bounded reads and has no other file method, so any read(), read(-1),
    readall() or iteration by the store fails the test instead of silently loading the whole payload."""

    def __init__(self, data: bytes, limit: int) -> None:
        self.data = data
        self.limit = limit
        self.position = 0
        self.sizes: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.sizes.append(size)
        if not 0 < size <= self.limit:
            raise AssertionError(f"read({size}) is not a bounded chunk")
        chunk = self.data[self.position : self.position + size]
        self.position += len(chunk)
        return chunk


class FailingStream:
    """Serves two chunks, then fails the way a dropped upload does."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 2:
            raise self.error
        return b"x" * size


def as_binary(stream: object) -> BinaryIO:
    return cast(BinaryIO, stream)


def read_blob(store: LocalBlobStore, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


def temp_leftovers(store: LocalBlobStore) -> list[Path]:
    return list((store.root / ".tmp").iterdir())


def all_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if not path.is_dir())


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", chunk_size=CHUNK)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret").write_bytes(b"secret")
    return folder


# -- construction --------------------------------------------------------------------------------------------


def test_creates_a_missing_root(tmp_path: Path) -> None:
    root = tmp_path / "deep" / "er" / "blobs"
    LocalBlobStore(root)
    assert root.is_dir()
    assert (root / ".tmp").is_dir()


def test_chunk_size_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        LocalBlobStore(tmp_path, chunk_size=0)


def test_is_a_blob_store_and_the_package_exports_the_interface(store: LocalBlobStore) -> None:
    assert isinstance(store, BlobStore)
    assert set(storage.__all__) == {
        "StoredBlob",
        "BlobStore",
        "LocalBlobStore",
        "StorageError",
        "BlobNotFound",
        "BlobExists",
        "BlobInfo",
        "InvalidKey",
        "ContentMismatch",
        "verified_chunks",
        "version_key",
        "rehome_key",
        "validate_key",
    }
    assert issubclass(BlobNotFound, StorageError)
    assert issubclass(BlobExists, StorageError)


def test_storage_does_not_import_flask() -> None:
    code = "import sys, storage; print('flask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# -- writing and reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"x", b"y" * CHUNK, b"z" * (CHUNK + 1), bytes(range(256)) * 4],
    ids=["empty", "one-byte", "one-chunk", "chunk-plus-one", "many-chunks"],
)
def test_round_trip_with_hash_and_size(store: LocalBlobStore, data: bytes) -> None:
    key = "2026/04-05/001/1/v1"
    stored = store.put(key, io.BytesIO(data))
    assert stored == StoredBlob(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    assert read_blob(store, key) == data
    assert store.exists(key) is True
    assert store.sha256_of(key) == hashlib.sha256(data).hexdigest()
    assert temp_leftovers(store) == []


def test_reads_only_bounded_chunks(store: LocalBlobStore) -> None:
    data = os.urandom(1000)
    source = ChunkOnlyStream(data, limit=CHUNK)
    stored = store.put("a/b", as_binary(source))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == 1000
    assert len(source.sizes) >= 1000 // CHUNK  # really streamed in many reads
    assert set(source.sizes) == {CHUNK}
    assert read_blob(store, "a/b") == data


def test_default_chunk_is_one_mebibyte(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 5)
    source = ChunkOnlyStream(data, limit=1024 * 1024)
    stored = LocalBlobStore(tmp_path).put("big/scan", as_binary(source))
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert set(source.sizes) == {1024 * 1024}


def test_blob_files_are_read_only_and_folders_private(store: LocalBlobStore) -> None:
    store.put("2026/04-05/001/1/v1", io.BytesIO(b"x"))
    assert stat.S_IMODE((store.root / "2026/04-05/001/1/v1").stat().st_mode) == 0o400
    for folder in ("2026", "2026/04-05", "2026/04-05/001", "2026/04-05/001/1"):
        assert stat.S_IMODE((store.root / folder).stat().st_mode) & ~0o700 == 0


def test_open_is_a_context_manager_that_closes(store: LocalBlobStore) -> None:
    store.put("a/b", io.BytesIO(b"data"))
    with store.open("a/b") as stream:
        assert stream.read(2) == b"da"
    assert stream.closed


# -- immutability and races ----------------------------------------------------------------------------------


def test_blobs_are_immutable(store: LocalBlobStore) -> None:
    original = store.put("a/b", io.BytesIO(b"original"))
    with pytest.raises(BlobExists):
        store.put("a/b", io.BytesIO(b"replacement"))
    assert read_blob(store, "a/b") == b"original"
    assert store.sha256_of("a/b") == original.sha256
    assert temp_leftovers(store) == []


@pytest.mark.parametrize("early_check", [True, False], ids=["as-is", "racing-to-link"])
def test_concurrent_puts_of_one_key_have_one_winner(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch, early_check: bool
) -> None:
    if not early_check:
        # Every writer gets past the cheap existence check, so os.link alone has to pick the winner.
        monkeypatch.setattr("storage.local.os.path.lexists", lambda path: False)
    writers = 8
    payloads = {n: bytes([n]) * 5000 for n in range(writers)}
    outcomes: dict[int, str] = {}
    barrier = threading.Barrier(writers)

    def put(n: int) -> None:
        barrier.wait()
        try:
            store.put("race/key", io.BytesIO(payloads[n]))
            outcomes[n] = "won"
        except BlobExists:
            outcomes[n] = "exists"
        except Exception as exc:  # anything else is a failure the assertion below must show
            outcomes[n] = repr(exc)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["exists"] * (writers - 1) + ["won"]
    (winner,) = (n for n, outcome in outcomes.items() if outcome == "won")
    assert read_blob(store, "race/key") == payloads[winner]
    assert list(store.iter_keys()) == ["race/key"]
    assert temp_leftovers(store) == []


# -- failures leave nothing behind ---------------------------------------------------------------------------


def test_stream_failing_midway_leaves_nothing(store: LocalBlobStore) -> None:
    source = FailingStream(ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"))
    with pytest.raises(StorageError):
        store.put("a/b", as_binary(source))
    assert source.calls == 3  # it did fail midway, after two chunks were written
    assert not (store.root / "a" / "b").exists()
    assert store.exists("a/b") is False
    assert temp_leftovers(store) == []
    assert list(store.iter_keys()) == []


def test_other_stream_errors_propagate_unchanged_and_leave_nothing(store: LocalBlobStore) -> None:
    error = ValueError("upload aborted")
    with pytest.raises(ValueError) as caught:
        store.put("a/b", as_binary(FailingStream(error)))
    assert caught.value is error
    assert not (store.root / "a" / "b").exists()
    assert temp_leftovers(store) == []


def test_failed_directory_fsync_after_linking_unpublishes_the_blob(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put("a/first", io.BytesIO(b"first"))  # so that the folder exists and only the final fsync runs

    def broken_fsync(path: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr("storage.local._fsync_dir", broken_fsync)
    with pytest.raises(StorageError):
        store.put("a/b", io.BytesIO(b"data"))
    assert not os.path.lexists(store.root / "a" / "b")
    assert temp_leftovers(store) == []
    assert read_blob(store, "a/first") == b"first"


def test_os_errors_become_storage_errors_without_the_root_path(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused_link(src: Path, dst: Path) -> None:
        raise OSError(errno.EPERM, "Operation not permitted", str(dst))

    monkeypatch.setattr("storage.local.os.link", refused_link)
    with pytest.raises(StorageError) as caught:
        store.put("2026/04-05/001/1/v1", io.BytesIO(b"data"))
    assert type(caught.value) is StorageError
    message = str(caught.value)
    assert "2026/04-05/001/1/v1" in message
    assert "Operation not permitted" in message
    assert str(store.root) not in message
    assert temp_leftovers(store) == []
    assert not os.path.lexists(store.root / "2026/04-05/001/1/v1")


def test_a_removed_temp_folder_is_recreated(store: LocalBlobStore) -> None:
    (store.root / ".tmp").rmdir()
    store.put("a/b", io.BytesIO(b"x"))
    assert read_blob(store, "a/b") == b"x"


def test_a_blob_on_the_way_is_a_storage_error(store: LocalBlobStore) -> None:
    store.put("a/b", io.BytesIO(b"x"))
    with pytest.raises(StorageError):
        store.put("a/b/c", io.BytesIO(b"y"))
    assert read_blob(store, "a/b") == b"x"
    assert temp_leftovers(store) == []


# -- keys and the root boundary ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../etc/passwd",
        "a/../../b",
        "/abs",
        "a//b",
        "a/",
        "a\\b",
        "a/b\x00",
        "семья/1",
        ".tmp/x",
        "a\n",
        "x" * 600,
    ],
)
def test_bad_keys_are_refused_everywhere(store: LocalBlobStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        store.put(key, io.BytesIO(b"x"))
    with pytest.raises(InvalidKey):
        store.open(key)
    with pytest.raises(InvalidKey):
        store.exists(key)
    with pytest.raises(InvalidKey):
        store.delete(key)
    with pytest.raises(InvalidKey):
        store.sha256_of(key)
    assert [path.name for path in store.root.iterdir()] == [".tmp"]
    assert temp_leftovers(store) == []


def test_symlinked_folder_out_of_the_root_is_refused(store: LocalBlobStore, outside: Path) -> None:
    (store.root / "link").symlink_to(outside)
    for key in ("link/new", "link/sub/new"):
        with pytest.raises(InvalidKey):
            store.put(key, io.BytesIO(b"x"))
    with pytest.raises(InvalidKey):
        store.open("link/secret")
    with pytest.raises(InvalidKey):
        store.exists("link/secret")
    with pytest.raises(InvalidKey):
        store.delete("link/secret")
    with pytest.raises(InvalidKey):
        list(store.iter_keys("link/"))
    assert list(store.iter_keys()) == []
    # Nothing was created, overwritten or removed outside, not even a folder.
    assert sorted(path.name for path in outside.iterdir()) == ["secret"]
    assert (outside / "secret").read_bytes() == b"secret"


def test_symlinked_file_out_of_the_root_is_refused(store: LocalBlobStore, outside: Path) -> None:
    store.put("a/real", io.BytesIO(b"real"))
    (store.root / "a" / "leak").symlink_to(outside / "secret")
    with pytest.raises(InvalidKey):
        store.open("a/leak")
    with pytest.raises(InvalidKey):
        store.put("a/leak", io.BytesIO(b"overwrite"))
    with pytest.raises(InvalidKey):
        store.delete("a/leak")
    assert list(store.iter_keys()) == ["a/real"]
    assert (outside / "secret").read_bytes() == b"secret"


def test_symlinked_temp_folder_out_of_the_root_is_refused(store: LocalBlobStore, outside: Path) -> None:
    (store.root / ".tmp").rmdir()
    (store.root / ".tmp").symlink_to(outside)
    with pytest.raises(InvalidKey):
        store.put("a/b", io.BytesIO(b"personal data"))
    assert sorted(path.name for path in outside.iterdir()) == ["secret"]
    assert not os.path.lexists(store.root / "a" / "b")


def test_symlink_loop_is_refused(store: LocalBlobStore) -> None:
    (store.root / "loop").symlink_to(store.root / "loop")
    with pytest.raises(InvalidKey):
        store.open("loop/x")
    with pytest.raises(InvalidKey):
        store.put("loop/x", io.BytesIO(b"x"))


# -- missing blobs, delete -----------------------------------------------------------------------------------


def test_missing_blob(store: LocalBlobStore) -> None:
    store.put("a/b", io.BytesIO(b"x"))
    for key in ("no/such", "a", "a/b/c"):  # absent, a folder (a key prefix), below a blob
        with pytest.raises(BlobNotFound):
            store.open(key)
        with pytest.raises(BlobNotFound):
            store.sha256_of(key)
        assert store.exists(key) is False


def test_delete_is_idempotent(store: LocalBlobStore) -> None:
    store.put("a/b", io.BytesIO(b"x"))
    store.put("a/c", io.BytesIO(b"y"))
    store.delete("a/b")
    assert store.exists("a/b") is False
    with pytest.raises(BlobNotFound):
        store.open("a/b")
    store.delete("a/b")
    store.delete("never/written")
    assert list(store.iter_keys()) == ["a/c"]


def test_deleting_a_folder_prefix_deletes_nothing(store: LocalBlobStore) -> None:
    store.put("a/b", io.BytesIO(b"x"))
    store.delete("a")
    assert read_blob(store, "a/b") == b"x"


def test_a_deleted_key_can_be_written_again(store: LocalBlobStore) -> None:
    store.put("a/b", io.BytesIO(b"old"))
    store.delete("a/b")
    assert store.put("a/b", io.BytesIO(b"new")).size == 3
    assert read_blob(store, "a/b") == b"new"


# -- listing and fixity --------------------------------------------------------------------------------------


def test_iter_keys_sorted_under_prefix(store: LocalBlobStore) -> None:
    keys = ["2026/04-05/002/3/v1", "2026/04-05/001/1/v2", "2026/04-05/001/1/v1", "2025/01-01/001/9/v1"]
    for key in keys:
        store.put(key, io.BytesIO(b"x"))
    assert list(store.iter_keys()) == sorted(keys)
    assert list(store.iter_keys("2026/")) == [
        "2026/04-05/001/1/v1",
        "2026/04-05/001/1/v2",
        "2026/04-05/002/3/v1",
    ]
    assert list(store.iter_keys("2026/04-05/001/1/v")) == ["2026/04-05/001/1/v1", "2026/04-05/001/1/v2"]
    assert list(store.iter_keys("2026/04-05/00")) == [
        "2026/04-05/001/1/v1",
        "2026/04-05/001/1/v2",
        "2026/04-05/002/3/v1",
    ]
    assert list(store.iter_keys("202")) == sorted(keys)
    assert list(store.iter_keys("2027/")) == []
    assert list(store.iter_keys("2026/04-05/001/1/v1/")) == []  # a blob, not a folder


def test_iter_keys_sorts_by_the_whole_key_not_folder_by_folder(store: LocalBlobStore) -> None:
    # "-" sorts before "/", so "a-b" comes before "a/x" although the folder "a" holds "a/x".
    for key in ("a/x", "a-b", "a.c", "b"):
        store.put(key, io.BytesIO(b"x"))
    assert list(store.iter_keys()) == ["a-b", "a.c", "a/x", "b"]


def test_iter_keys_skips_temp_files_and_foreign_names(store: LocalBlobStore) -> None:
    store.put("a/b", io.BytesIO(b"x"))
    (store.root / ".tmp" / "put-leftover").write_bytes(b"half a file")
    (store.root / ".DS_Store").write_bytes(b"")
    (store.root / "a" / "b~").write_bytes(b"")
    (store.root / "a" / ".hidden").mkdir()
    (store.root / "a" / ".hidden" / "c").write_bytes(b"")
    assert list(store.iter_keys()) == ["a/b"]


def test_sweep_removes_only_old_temporary_files_of_unfinished_writes(store: LocalBlobStore) -> None:
    temporary = store.root / ".tmp"
    old, fresh, foreign = temporary / "put-old", temporary / "put-fresh", temporary / "notes"
    for path in (old, fresh, foreign):
        path.write_bytes(b"half an upload")
    two_hours_ago = time.time() - 2 * 3600
    for path in (old, foreign):
        os.utime(path, (two_hours_ago, two_hours_ago))
    assert store.sweep_unfinished(dt.timedelta(hours=1), dry_run=True) == 1 and old.exists()
    assert store.sweep_unfinished(dt.timedelta(hours=1)) == 1
    assert not old.exists() and fresh.exists() and foreign.exists()  # a write in progress; not ours
    assert store.sweep_unfinished(dt.timedelta(hours=1)) == 0


# A process killed (SIGKILL) 3 MiB into writing a blob, as a server is when an upload is under way.
KILLED_PUT = """
import io, os, signal, sys
from pathlib import Path
from storage import LocalBlobStore

class Dying:
    sent = 0

    def read(self, size):
        if self.sent >= 3 * 1024 * 1024:
            os.kill(os.getpid(), signal.SIGKILL)
        self.sent += size
        return (b"personal data " * (size // 14 + 1))[:size]

LocalBlobStore(Path(sys.argv[1])).put("2026/04-05/001/1/v1", Dying())
"""


def test_a_write_killed_midway_leaves_a_temporary_file_that_the_sweep_removes(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    died = subprocess.run(
        [sys.executable, "-c", KILLED_PUT, str(root)], cwd=Path(__file__).parents[2], capture_output=True, check=False
    )
    assert died.returncode == -signal.SIGKILL, died.stderr
    store = LocalBlobStore(root)
    (leftover,) = (root / ".tmp").iterdir()
    assert leftover.name.startswith("put-") and leftover.stat().st_size >= 3 * 1024 * 1024
    assert list(store.iter_keys()) == []
    assert store.sweep_unfinished(dt.timedelta(hours=1)) == 0  # just written: it could be a write in progress
    two_hours_ago = time.time() - 2 * 3600
    os.utime(leftover, (two_hours_ago, two_hours_ago))
    assert store.sweep_unfinished(dt.timedelta(hours=1)) == 1
    assert list((root / ".tmp").iterdir()) == []


def test_iter_keys_refuses_a_bad_prefix(store: LocalBlobStore) -> None:
    with pytest.raises(InvalidKey):
        store.iter_keys("../")


def test_sha256_of_detects_changed_bytes(store: LocalBlobStore) -> None:
    stored = store.put("a/b", io.BytesIO(b"original"))
    assert store.sha256_of("a/b") == stored.sha256 == hashlib.sha256(b"original").hexdigest()
    path = store.root / "a" / "b"
    path.chmod(0o640)
    path.write_bytes(b"tampered")
    assert store.sha256_of("a/b") == hashlib.sha256(b"tampered").hexdigest() != stored.sha256
