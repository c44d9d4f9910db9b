"""verified_chunks: stored bytes checked against their recorded SHA-256 as they pass, the last chunk held back until
the hash is known, so a consumer never gets a changed blob whole."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from storage import ContentMismatch, StorageError, verified_chunks

CHUNK = 1024
DATA = os.urandom(5 * CHUNK + 100)
SHA = hashlib.sha256(DATA).hexdigest()


class Tracked(io.BytesIO):
    """Remembers whether whoever read it closed it."""


def received(stored: bytes, *, size: int | None = len(DATA)) -> tuple[bytes, ContentMismatch | None]:
    """What a consumer gets of `stored` checked against DATA's record before the chunks stop, and why they stop."""
    got = bytearray()
    try:
        for chunk in verified_chunks(io.BytesIO(stored), "k/v1", SHA, size=size, chunk_size=CHUNK):
            got += chunk
    except ContentMismatch as exc:
        return bytes(got), exc
    return bytes(got), None


def test_unchanged_bytes_pass_whole_and_the_stream_is_closed() -> None:
    stream = Tracked(DATA)
    assert b"".join(verified_chunks(stream, "k/v1", SHA, size=len(DATA), chunk_size=CHUNK)) == DATA
    assert stream.closed
    assert list(verified_chunks(io.BytesIO(b""), "k/v1", hashlib.sha256(b"").hexdigest(), size=0)) == []


def test_a_changed_byte_stops_the_chunks_before_the_last_one() -> None:
    changed = bytearray(DATA)
    changed[10] ^= 0xFF
    got, error = received(bytes(changed))
    assert isinstance(error, ContentMismatch) and isinstance(error, StorageError)
    assert (error.key, error.expected, error.found) == ("k/v1", SHA, hashlib.sha256(changed).hexdigest())
    assert got == bytes(changed[: 5 * CHUNK])  # everything but the last chunk: never the whole blob
    assert "k/v1" in str(error)


@pytest.mark.parametrize("size", [len(DATA), None], ids=["size-known", "size-unknown"])
def test_cut_short_or_grown_bytes_never_reach_the_recorded_size(size: int | None) -> None:
    got, error = received(DATA[:-50], size=size)
    assert error is not None and len(got) < len(DATA) - 50
    grown = DATA + os.urandom(3 * CHUNK)
    got, error = received(grown, size=size)
    assert error is not None and error.found == hashlib.sha256(grown).hexdigest()  # hashed whole for the record
    # With the size known, nothing past it; without, the last chunk is still held back.
    assert len(got) < (len(DATA) if size is not None else len(grown))


def test_a_changed_blob_of_one_chunk_gives_nothing() -> None:
    got, error = received(b"x" * 10, size=None)
    assert got == b"" and error is not None


def test_the_stream_is_closed_when_the_check_fails() -> None:
    stream = Tracked(b"changed")
    with pytest.raises(ContentMismatch):
        list(verified_chunks(stream, "k/v1", SHA))
    assert stream.closed
