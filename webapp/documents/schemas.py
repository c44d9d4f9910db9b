"""Input of the document endpoints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, BinaryIO

import pydantic

from webapp.documents.models import DOCUMENT_TYPES
from webapp.exceptions import ValidationError
from webapp.validation import RecordId, RecordIdText, StrictInput

_FORBIDDEN_NAME_CHARS = frozenset("/\\") | {chr(code) for code in range(32)} | {"\x7f"}


@dataclass(frozen=True)
class Upload:
    """An uploaded file: a seekable stream (Werkzeug spools large ones to disk) and the client's file name."""

    stream: BinaryIO
    filename: str


class PaperSigner(StrictInput):
    """Who signed the paper original by hand, and in what role (составил, представитель семьи, ...)."""

    name: str = pydantic.Field(min_length=2, max_length=200)
    role: str = pydantic.Field(min_length=2, max_length=100)


# A multipart form carries the signers as one JSON text field: [{"name": ..., "role": ...}, ...].
PaperSigners = pydantic.Json[Annotated[list[PaperSigner], pydantic.Field(min_length=1, max_length=20)]]


class DocumentMeta(StrictInput):
    title: str | None = pydantic.Field(default=None, max_length=500)
    type: str = "scan"
    date: dt.date | None = None
    comment: str = pydantic.Field(default="", max_length=2000)
    paper_signers: PaperSigners | None = None

    @pydantic.field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in DOCUMENT_TYPES:
            raise ValueError("неизвестный тип документа; допустимы: " + ", ".join(DOCUMENT_TYPES))
        return value


class VersionMeta(StrictInput):
    base_version: RecordIdText
    comment: str = pydantic.Field(default="", max_length=2000)
    paper_signers: PaperSigners | None = None


class RevisionInput(StrictInput):
    revision: RecordId


class RestoreInput(StrictInput):
    base_version: RecordId


class CancelCheckoutInput(StrictInput):
    reason: str = pydantic.Field(default="", max_length=2000)


def title_from_filename(filename: str) -> str:
    """A default title from the client's file name. The name is never used for storage."""
    if not filename or any(char in _FORBIDDEN_NAME_CHARS for char in filename):
        raise ValidationError("Недопустимое имя файла", code="invalid_filename")
    stem = filename.rsplit(".", 1)[0].strip(" .")
    if not stem:
        raise ValidationError("Недопустимое имя файла", code="invalid_filename")
    return stem[:500]


class MoveInput(StrictInput):
    """Where a misfiled document goes, and why (kept in both cases' histories)."""

    case_id: RecordIdText
    reason: str = pydantic.Field(min_length=1, max_length=2000)
    revision: RecordIdText | None = None  # the document's revision the mover saw: a move made meanwhile wins
