"""Streaming stored bytes to the client (API and pages alike)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from flask import Response

from webapp.auth.models import User
from webapp.documents import services
from webapp.documents.media import EXTENSIONS
from webapp.uow import commit

CHUNK_SIZE = 256 * 1024


def stream_version(actor: User, document_id: int, number: int, *, as_attachment: bool = True) -> Response:
    version, stream = services.open_version_content(actor, document_id, number)
    commit()  # the read is on record before the first byte leaves
    # The file name is generic on purpose: titles may carry personal data.
    filename = f"document-{document_id}-v{number}{EXTENSIONS.get(version.media_type, '')}"
    response = stream_blob(stream, version.media_type, filename, as_attachment=as_attachment)
    response.headers["Content-Length"] = str(version.size)
    response.headers["ETag"] = f'"{version.sha256}"'
    return response


def stream_blob(stream: BinaryIO, media_type: str, filename: str, *, as_attachment: bool = True) -> Response:
    disposition = "attachment" if as_attachment else "inline"
    response = Response(_chunks(stream), mimetype=media_type, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(CHUNK_SIZE):
            yield chunk
