"""Stored bytes checked on their way out. Every read that hands a blob on (a download, a PDF copy, an export)
hashes it and compares it with the SHA-256 recorded when it was written; a mismatch marks the blob failed in
fixity, as `casefiles fixity` would, and stops the read instead of passing changed bytes on as genuine."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session

from storage import ContentMismatch, verified_chunks
from storage.base import HASH_CHUNK
from webapp.blobs.models import StoredFile
from webapp.extensions import db
from webapp.runtime import blob_store

if TYPE_CHECKING:
    from webapp.documents.models import DocumentVersion

log = logging.getLogger(__name__)
Chunks = Generator[bytes, None, None]


@dataclass(frozen=True)
class BlobRef:
    """A blob a row refers to, with the SHA-256 (and size) the row recorded; None where none was recorded."""

    kind: str  # what the blob is: version, rendition, signature, export, ...
    key: str
    sha256: str | None
    media_type: str = "application/octet-stream"
    size: int | None = None


@dataclass(frozen=True)
class OpenBlob:
    """A blob open for reading with what was recorded of it; `ref` is None for bytes made on the spot from
    checked ones (a PDF copy with its signature sheet), which have nothing recorded to compare with."""

    stream: BinaryIO
    ref: BlobRef | None


def file_ref(file: StoredFile) -> BlobRef:
    return BlobRef(file.kind, file.key, file.sha256, file.media_type, file.size)


def version_ref(version: DocumentVersion) -> BlobRef:
    return file_ref(version.file)


def open_blob(ref: BlobRef) -> OpenBlob:
    return OpenBlob(blob_store().open(ref.key), ref)


def checked_chunks(blob: OpenBlob, chunk_size: int = HASH_CHUNK) -> Chunks:
    """The blob's bytes in chunks (the stream closed at the end), checked as they pass: the last chunk comes only
    once the whole blob matched its record (storage.verified_chunks). A mismatch is logged (the key only) and
    marked in fixity, then ContentMismatch is raised in place of the last chunk."""
    ref = blob.ref
    if ref is None or ref.sha256 is None:
        return _plain(blob.stream, chunk_size)
    # The engine is taken now: a response's chunks are read after the request's context has gone.
    chunks = verified_chunks(blob.stream, ref.key, ref.sha256, size=ref.size, chunk_size=chunk_size)
    return _recording(chunks, ref, db.engine)


def read_checked(blob: OpenBlob) -> bytes:
    """The whole blob, checked before anything is made of it or answered: ContentMismatch, recorded, when it no
    longer matches its record (a request answers it 503 `blob_corrupted`, webapp.errors)."""
    return b"".join(checked_chunks(blob))


def copy_checked(ref: BlobRef, target: Path) -> None:
    """Copy the blob into a file (a work folder's), checked on the way: ContentMismatch, recorded, when it no
    longer matches its record; the caller says what that means for its work."""
    blob = OpenBlob(blob_store().open(ref.key), ref)
    with target.open("wb") as out:
        for chunk in checked_chunks(blob):
            out.write(chunk)


def record_check(
    session: Session | scoped_session[Any], ref: BlobRef, outcome: str, found: str | None, now: dt.datetime
) -> None:
    """The outcome of reading the blob back, on its stored file's record (the latest check)."""
    file = session.scalar(select(StoredFile).where(StoredFile.key == ref.key))
    if file is not None:
        file.last_checked_at, file.outcome, file.found_sha256 = now, outcome, found


def _recording(chunks: Chunks, ref: BlobRef, engine: Engine) -> Chunks:
    try:
        yield from chunks
    except ContentMismatch as exc:
        _record_mismatch(engine, ref, exc.found)
        raise


def _record_mismatch(engine: Engine, ref: BlobRef, found: str) -> None:
    """In a transaction of its own: the reader's is rolled back by the error that follows, or long gone."""
    log.warning("blob %s does not match its recorded SHA-256: not handed out, marked in fixity", ref.key)
    try:
        with Session(engine) as session:
            record_check(session, ref, "mismatch", found, dt.datetime.now(dt.UTC))
            session.commit()
    except SQLAlchemyError as exc:
        log.error("blob %s: the fixity record could not be written (%s)", ref.key, type(exc).__name__)


def _plain(stream: BinaryIO, chunk_size: int) -> Chunks:
    with stream:
        while chunk := stream.read(chunk_size):
            yield chunk
