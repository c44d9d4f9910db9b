"""Text of stored documents for the index: DOCX (paragraphs and tables), PDF, plain text."""

from __future__ import annotations

import codecs
import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

log = logging.getLogger(__name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
_SPOOL_LIMIT = 8 * 1024 * 1024
_CHUNK = 1024 * 1024


def extractable(media_type: str) -> bool:
    """Whether the file has text to extract; callers skip fetching anything else (scans) from storage."""
    return _kind(media_type) in _EXTRACTORS


def extract_text(stream: BinaryIO, media_type: str, *, max_chars: int = 2_000_000) -> str:
    kind = _kind(media_type)
    if kind not in _EXTRACTORS:
        return ""
    extractor, needs_seek = _EXTRACTORS[kind]
    parts: list[str] = []
    length = 0
    try:
        with _seekable(stream) if needs_seek else contextlib.nullcontext(stream) as source:
            for part in extractor(source):
                parts.append(part)
                length += len(part)
                if length >= max_chars:
                    break
    except Exception as exc:  # corrupt files are common among scans; name no content in the log
        log.warning("text extraction failed for a %s file: %s", kind, type(exc).__name__)
        return ""
    return "".join(parts)[:max_chars].strip()


def _kind(media_type: str) -> str:
    return media_type.split(";")[0].strip().lower()


@contextlib.contextmanager
def _seekable(stream: BinaryIO) -> Iterator[BinaryIO]:
    """pypdf and python-docx need to seek; spool streams that cannot (e.g. S3 bodies) to a temporary file."""
    if stream.seekable():
        yield stream
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT) as spool:
        shutil.copyfileobj(stream, spool)
        spool.seek(0)
        yield spool  # type: ignore[misc]


def _docx_parts(stream: BinaryIO) -> Iterator[str]:
    import docx

    document = docx.Document(stream)
    for paragraph in document.paragraphs:
        if paragraph.text.strip():
            yield paragraph.text + "\n"
    for table in document.tables:
        for row in table.rows:
            cells = dict.fromkeys(cell.text.strip() for cell in row.cells)  # merged cells repeat
            line = " | ".join(cell for cell in cells if cell)
            if line:
                yield line + "\n"


def _pdf_parts(stream: BinaryIO) -> Iterator[str]:
    from pypdf import PdfReader

    for page in PdfReader(stream).pages:
        yield (page.extract_text() or "") + "\n"


def _text_parts(stream: BinaryIO) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while chunk := stream.read(_CHUNK):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


# kind -> (text parts, whether the parser must seek); plain text is read only as far as max_chars
_EXTRACTORS = {DOCX: (_docx_parts, True), PDF: (_pdf_parts, True), "text/plain": (_text_parts, False)}
