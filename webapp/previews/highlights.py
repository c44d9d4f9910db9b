"""Where a search's words are on a page, for the viewer to mark them over the page image: one rectangle per match,
as fractions of the page's width and height (0..1, origin top-left, as the page image shows the page, its /Rotate
applied), so the marks scale with any zoom.

Only a text layer can say where words are: the version's PDF, or the PDF copy of an office document; an image (or
a scan without text) has none, and gets no marks. The source is read through the integrity check, as the page
images' is, and only the one page is opened. PDFium is not thread-safe: every call into it holds the lock the
renderer holds (webapp.previews.render.PDFIUM_LOCK).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable

import pypdfium2 as pdfium

from storage import ContentMismatch, StorageError
from webapp.blobs.integrity import BlobRef, file_ref, open_blob, read_checked, version_ref
from webapp.documents.media import PDF
from webapp.documents.models import DocumentVersion
from webapp.previews.render import PDFIUM_LOCK
from webapp.previews.services import page_of
from webapp.renditions.services import rendition_of

log = logging.getLogger(__name__)

MAX_BOXES = 200  # per page: a word found everywhere marks the page no more than this
MIN_WORD = 2  # shorter words (a letter, an initial) are not marked: they would be found in every other word
_EDGES = "\"'«»„“”()[]{}<>.,;:!?*+-~|&^"

Box = tuple[float, float, float, float]  # x, y, width, height: fractions of the page, origin top-left


def word_boxes(version: DocumentVersion, page_number: int, words: str | Iterable[str]) -> list[Box]:
    """The rectangles of the words on page `page_number` (from 1) of the version, at most MAX_BOXES, in the
    order of the words then of their places on the page; [] where the version has no text layer, the page does
    not exist, or none of the words is on it (case-insensitive, ё as е)."""
    wanted = _words(words)
    if not wanted or page_number < 1 or version.file.deleted_at is not None:
        return []
    row = page_of(version, page_number)
    if row is not None and not any(_folded(word) in _folded(row.text) for word in wanted):
        return []  # the page's text, kept with its image, has none of them: no need to open the source
    ref = _source(version)
    if ref is None:
        return []
    try:
        data = read_checked(open_blob(ref))
    except ContentMismatch:  # recorded in fixity by the read; the marks are only a help
        return []
    except StorageError as exc:
        log.warning("marks of version %s: source not read (%s)", version.id, type(exc).__name__)
        return []
    try:
        return _boxes(data, page_number, wanted)
    except pdfium.PdfiumError:
        return []


def _source(version: DocumentVersion) -> BlobRef | None:
    """The PDF with the text layer: the version itself, or its PDF copy when one was made."""
    if version.media_type == PDF:
        return version_ref(version)
    if version.media_type.startswith("image/"):
        return None
    rendition = rendition_of(version)
    return file_ref(rendition.file) if rendition is not None and rendition.file.deleted_at is None else None


def _words(words: str | Iterable[str]) -> list[str]:
    found: list[str] = []
    for word in words.split() if isinstance(words, str) else words:
        word = unicodedata.normalize("NFC", word).strip(_EDGES)
        if len(word) >= MIN_WORD and _folded(word) not in {_folded(seen) for seen in found}:
            found.append(word)
    return found


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().replace("ё", "е")


def _spellings(word: str) -> list[str]:
    """What to ask PDFium for: its case-insensitive search may not fold every alphabet, and ё and е are one
    letter to a reader."""
    spellings: list[str] = []
    for base in (word, word.lower(), word.upper(), word.capitalize()):
        for spelling in (base, base.replace("ё", "е").replace("Ё", "Е"), base.replace("е", "ё").replace("Е", "Ё")):
            if spelling not in spellings:
                spellings.append(spelling)
    return spellings


def _boxes(data: bytes, page_number: int, words: list[str]) -> list[Box]:
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            if page_number > len(pdf):
                return []
            page = pdf[page_number - 1]
            try:
                textpage = page.get_textpage()
                try:
                    return _page_boxes(page, textpage, words)
                finally:
                    textpage.close()
            finally:
                page.close()
        finally:
            pdf.close()


def _page_boxes(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, words: list[str]) -> list[Box]:
    left, bottom, right, top = page.get_bbox()  # the shown part of the page, in its own units
    width, height = right - left, top - bottom
    if width <= 0 or height <= 0:
        return []
    rotation = page.get_rotation() % 360
    seen: set[tuple[int, int]] = set()
    boxes: list[Box] = []
    for word in words:
        for spelling in _spellings(word):
            searcher = textpage.search(spelling, match_case=False)
            try:
                while (found := searcher.get_next()) is not None:
                    if found in seen:
                        continue
                    seen.add(found)
                    box = _match_box(textpage, *found)
                    if box is None:
                        continue
                    at_left, at_bottom, at_right, at_top = box
                    x0, y0 = (at_left - left) / width, (top - at_top) / height  # top-left origin, unrotated
                    x1, y1 = (at_right - left) / width, (top - at_bottom) / height
                    boxes.append(_rotated(_clamped(x0, y0, x1, y1), rotation))
                    if len(boxes) >= MAX_BOXES:
                        return boxes
            finally:
                searcher.close()
    return boxes


def _match_box(textpage: pdfium.PdfTextPage, start: int, count: int) -> tuple[float, float, float, float] | None:
    """One rectangle around a match's characters (left, bottom, right, top in page units)."""
    lefts: list[float] = []
    bottoms: list[float] = []
    rights: list[float] = []
    tops: list[float] = []
    for index in range(start, start + count):
        left, bottom, right, top = textpage.get_charbox(index)
        if right <= left or top <= bottom:  # a space or a generated character has no box
            continue
        lefts.append(left)
        bottoms.append(bottom)
        rights.append(right)
        tops.append(top)
    if not lefts:
        return None
    return min(lefts), min(bottoms), max(rights), max(tops)


def _clamped(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    def inside(value: float) -> float:
        return min(1.0, max(0.0, value))

    return inside(min(x0, x1)), inside(min(y0, y1)), inside(max(x0, x1)), inside(max(y0, y1))


def _rotated(corners: tuple[float, float, float, float], rotation: int) -> Box:
    """The box as the page image shows the page: turned clockwise by the page's /Rotate."""
    x0, y0, x1, y1 = corners
    if rotation == 90:
        x0, y0, x1, y1 = 1 - y1, x0, 1 - y0, x1
    elif rotation == 180:
        x0, y0, x1, y1 = 1 - x1, 1 - y1, 1 - x0, 1 - y0
    elif rotation == 270:
        x0, y0, x1, y1 = y0, 1 - x1, y1, 1 - x0
    return round(x0, 5), round(y0, 5), round(x1 - x0, 5), round(y1 - y0, 5)
