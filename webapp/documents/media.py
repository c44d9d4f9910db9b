"""Recognising what an upload is from its bytes, never from its name."""

from __future__ import annotations

import zipfile
from typing import BinaryIO

from webapp.exceptions import UnsupportedMediaType, ValidationError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
PDF = "application/pdf"
TEXT = "text/plain; charset=utf-8"
CMS = "application/pkcs7-mime"  # an attached signature: the signed content inside (webapp.signing.external)
_SIGNED_DATA_OID = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"

_MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
_HEAD_SIZE = 8192

EXTENSIONS = {
    DOCX: ".docx",
    XLSX: ".xlsx",
    ODT: ".odt",
    PDF: ".pdf",
    TEXT: ".txt",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    CMS: ".p7m",
}


def sniff_media_type(stream: BinaryIO) -> str:
    """Return the media type of a seekable stream and rewind it; refuse what we do not keep."""
    head = stream.read(_HEAD_SIZE)
    stream.seek(0)
    if not head:
        raise ValidationError("Файл пуст", code="empty_file")
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head.startswith(b"PK\x03\x04"):
        return _office_type(stream)
    if head.startswith(b"\x30") and _SIGNED_DATA_OID in head[:24]:
        return CMS
    if _looks_like_text(head):
        return TEXT
    raise UnsupportedMediaType("Формат файла не поддерживается: загрузите PDF, DOCX, XLSX, ODT, текст или изображение")


# An office document is a ZIP: one whose parts would unpack to more than this, or to many times its own size, or
# that has absurdly many parts, is refused at the door (a zip bomb), so no reader (index, page count, LibreOffice)
# ever meets one. Python's zipfile never unpacks a part beyond the size its directory declares.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200
MAX_PARTS = 10_000


def _office_type(stream: BinaryIO) -> str:
    try:
        with zipfile.ZipFile(stream) as archive:
            check_unpacked_size(archive)
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:200].decode("ascii", "replace") if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, KeyError, EOFError):
        raise UnsupportedMediaType("Повреждённый архив или неизвестный формат файла") from None
    finally:
        stream.seek(0)
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    if mimetype.strip() == ODT:
        return ODT
    raise UnsupportedMediaType("Архивы не принимаются: загрузите документ или скан")


def check_unpacked_size(archive: zipfile.ZipFile) -> None:
    parts = archive.infolist()
    unpacked = sum(part.file_size for part in parts)
    packed = sum(part.compress_size for part in parts) or 1
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_RATIO * packed + 1024 * 1024:
        raise ValidationError(
            "Файл распаковывается в недопустимо большой объём (похоже на «zip-бомбу») и не принят",
            code="archive_too_large",
        )


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may cut a multi-byte character in two at its very end.
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


def is_scan(media_type: str) -> bool:
    """A scan of paper: a PDF or a raster image."""
    return media_type == PDF or media_type.startswith("image/")
