"""Streaming stored bytes to the client (API and pages alike)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, redirect
from werkzeug.wrappers import Response as BaseResponse

from storage.base import PresignedDownloads
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.integrity import Chunks, OpenBlob, checked_chunks
from webapp.documents import services
from webapp.documents.media import EXTENSIONS
from webapp.documents.models import DocumentVersion
from webapp.runtime import blob_store
from webapp.uow import commit

CHUNK_SIZE = 256 * 1024


def stream_version(actor: User, document_id: int, number: int, *, as_attachment: bool = True) -> Response:
    version, blob = services.open_version_content(actor, document_id, number)
    # What the answer names is read before the commit, which expires the (immutable) version: reading it after
    # would load it again, with its file, author, signatures and paper signatures.
    media_type, filename, size, sha256 = version.media_type, version_filename(version), version.size, version.sha256
    commit()  # the read is on record before the first byte leaves
    response = stream_blob(blob, media_type, filename, as_attachment=as_attachment)
    response.headers["Content-Length"] = str(size)
    response.headers["ETag"] = f'"{sha256}"'
    return response


def redirect_to_version(actor: User, document_id: int, number: int) -> BaseResponse | None:
    """With presigned downloads configured and a store that can sign them (S3), a redirect to a short-lived URL
    of the version's bytes, the read recorded first; None when downloads go through the app."""
    seconds = current_app.config["CASEFILES"].s3_presign_seconds
    store = blob_store()
    if not seconds or not isinstance(store, PresignedDownloads):
        return None
    version = services.get_version(actor, document_id, number)
    url = store.download_url(
        version.blob_key, seconds=seconds, filename=version_filename(version), media_type=version.media_type
    )
    record_event(actor, "version.read", "document", document_id, version=number)
    commit()
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def version_filename(version: DocumentVersion) -> str:
    """Generic on purpose: titles may carry personal data."""
    return f"document-{version.document_id}-v{version.number}{EXTENSIONS.get(version.media_type, '')}"


def stream_blob(blob: OpenBlob, media_type: str, filename: str, *, as_attachment: bool = True) -> Response:
    """The blob as the response body, checked against its recorded SHA-256 as it streams (see checked_chunks).
    A blob of one chunk is checked whole before anything is answered, so a changed one gets an error page; of a
    larger one the last chunk is held back until the hash is known, and on a mismatch the body raises instead:
    the server drops the connection and the client sees a broken transfer (fewer bytes than Content-Length, or
    chunked encoding never ended), never a complete one."""
    chunks = checked_chunks(blob, CHUNK_SIZE)
    first = next(chunks, b"")  # read now: a failure before the first byte is still an error response
    disposition = "attachment" if as_attachment else "inline"
    response = Response(_body(first, chunks), content_type=media_type, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _body(first: bytes, rest: Chunks) -> Iterator[bytes]:
    try:
        yield first
        yield from rest
    finally:
        rest.close()  # a client that went away: the stored stream is closed now, not whenever it is collected
