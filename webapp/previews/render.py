"""Page images of a document, rendered page by page: no Flask, no database.

`open_pages(stream, media_type)` opens a PDF (PDFium through pypdfium2) or a raster image (Pillow: JPEG, PNG,
multi-page TIFF, each frame a page, EXIF orientation honoured) and tells the page count at once; iterating it
renders one page at a time, so only one page's pixels are ever in memory, into a thumbnail (THUMBNAIL_WIDTH px
wide, WebP; PNG where Pillow lacks WebP) and a page image (PAGE_WIDTH px wide, JPEG: greyscale for a grey page),
with the page's text where a PDF has a text layer. The page image is JPEG because it is decoded and re-encoded with
the viewer's watermark on every request (webapp.previews.delivery), and JPEG's codec is about ten times faster than
WebP's at this size (docs/viewer-benchmark.md); a thumbnail is served as stored, so it keeps the smaller WebP.
A source that cannot be rendered (malformed, encrypted, not an image) raises RenderFailed.

PDFium is not thread-safe, not even across documents: every call into it holds PDFIUM_LOCK, one page at a time, so
jobs on several worker threads take turns page by page.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError, features

PAGE_WIDTH = 1400
THUMBNAIL_WIDTH = 200
MAX_ASPECT = 4  # a page image is at most this many times as high as it is wide (a receipt roll is cut down)
PDF = "application/pdf"
PDFIUM_LOCK = threading.RLock()
# Larger rasters than this are refused rather than decoded (Pillow's guard against decompression bombs).
MAX_IMAGE_PIXELS = 200_000_000

PAGE_MEDIA_TYPE = "image/jpeg"
PAGE_EXTENSION = "jpg"
PAGE_JPEG_QUALITY = 85
_WEBP = features.check("webp")
THUMBNAIL_MEDIA_TYPE = "image/webp" if _WEBP else "image/png"
THUMBNAIL_EXTENSION = "webp" if _WEBP else "png"


class RenderFailed(Exception):
    """The source cannot be rendered: a malformed or encrypted PDF, an unreadable image, an unknown type. The
    message names the reason in general words (never anything of the document's content)."""


@dataclass(frozen=True)
class RenderedPage:
    number: int  # from 1
    thumbnail: bytes  # encoded as THUMBNAIL_MEDIA_TYPE
    image: bytes  # encoded as PAGE_MEDIA_TYPE
    width: int  # of the page image, in pixels
    height: int
    text: str  # the page's text layer, "" where there is none (a scan)


class Pages:
    """An open source: `count` pages, rendered one at a time by iterating (from page `start`). Close it (or use
    it as a context manager) to release the source."""

    count: int

    def __init__(self, start: int = 1) -> None:
        self.start = max(1, start)

    def __iter__(self) -> Iterator[RenderedPage]:
        for number in range(self.start, self.count + 1):
            picture, text = self._render(number)
            page = _encode(number, picture, text)
            del picture
            _give_memory_back()
            yield page

    def _render(self, number: int) -> tuple[Image.Image, str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Pages:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def open_pages(stream: BinaryIO, media_type: str, *, start: int = 1) -> Pages:
    """The pages of a seekable stream of `media_type` (a PDF or an image/*), starting at page `start`. The
    stream stays the caller's: close it after the pages."""
    if media_type == PDF:
        return _PdfPages(stream, start)
    if media_type.startswith("image/"):
        return _ImagePages(stream, start)
    raise RenderFailed("unsupported media type")


class _PdfPages(Pages):
    """PDFium keeps every object it has parsed (a scan's page images too, compressed) for the life of the open
    document, so the document is opened afresh every REOPEN_EVERY pages: memory stays flat however many pages."""

    REOPEN_EVERY = 4

    def __init__(self, stream: BinaryIO, start: int) -> None:
        super().__init__(start)
        self._stream = stream
        with PDFIUM_LOCK:
            self._pdf = self._open()
            try:
                self.count = len(self._pdf)
            except pdfium.PdfiumError:
                self._pdf.close()
                raise RenderFailed("damaged PDF") from None
        self._rendered = 0
        if self.count < 1:
            self.close()
            raise RenderFailed("a PDF without pages")

    def _open(self) -> pdfium.PdfDocument:
        self._stream.seek(0)
        try:
            return pdfium.PdfDocument(self._stream)
        except pdfium.PdfiumError as exc:
            raise RenderFailed(_pdf_reason(exc)) from None

    def _render(self, number: int) -> tuple[Image.Image, str]:
        with PDFIUM_LOCK:
            if self._rendered and self._rendered % self.REOPEN_EVERY == 0:
                self._pdf.close()
                self._pdf = self._open()
            self._rendered += 1
            try:
                page = self._pdf[number - 1]
            except (pdfium.PdfiumError, IndexError):
                raise RenderFailed(f"page {number} cannot be read") from None
            try:
                width, height = page.get_size()
                if width <= 0 or height <= 0:
                    raise RenderFailed(f"page {number} has no size")
                scale = (_fit(width, height) - 0.01) / width  # PDFium rounds the size up: exactly the width
                bitmap = page.render(scale=scale, may_draw_forms=True)
                try:
                    picture = bitmap.to_pil().convert("RGB")  # a copy: the bitmap's buffer is freed below
                finally:
                    bitmap.close()
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_bounded()
                finally:
                    textpage.close()
            except pdfium.PdfiumError:
                raise RenderFailed(f"page {number} cannot be rendered") from None
            finally:
                page.close()
        return picture, _clean_text(text)

    def close(self) -> None:
        with PDFIUM_LOCK:
            self._pdf.close()


def _pdf_reason(exc: Exception) -> str:
    message = str(exc).lower()
    if "password" in message or "security" in message:
        return "encrypted PDF"
    return "damaged PDF"


class _ImagePages(Pages):
    def __init__(self, stream: BinaryIO, start: int) -> None:
        super().__init__(start)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                self._image = Image.open(stream)
                self.count = int(getattr(self._image, "n_frames", 1))
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            raise RenderFailed("unreadable image") from None
        except Image.DecompressionBombWarning:
            raise RenderFailed("image too large") from None

    def _render(self, number: int) -> tuple[Image.Image, str]:
        frame = self._image
        try:
            frame.seek(number - 1)
            width, height = frame.size
            if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
                raise RenderFailed(f"page {number}: image too large")
            target_width = _fit(width, height)
            if frame.format == "JPEG":  # decode at a fraction of the size where that still covers the target
                frame.draft("RGB", (target_width, max(1, round(height * target_width / width))))
            frame.load()
            upright = ImageOps.exif_transpose(frame)
            picture = _to_rgb(upright)
            if picture is frame:
                picture = frame.copy()
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            raise RenderFailed(f"page {number} of the image cannot be read") from None
        return picture, ""

    def close(self) -> None:
        self._image.close()


def _to_rgb(picture: Image.Image) -> Image.Image:
    if picture.mode == "RGB":
        return picture
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if picture.mode.startswith("I;16") or picture.mode in ("I", "F"):
        picture = ImageOps.autocontrast(picture.convert("I").point(lambda value: value / 256).convert("L"))
    return picture.convert("RGB")


def _fit(width: float, height: float) -> int:
    """The width of the page image: PAGE_WIDTH, less for a page more than MAX_ASPECT times as high as wide."""
    return max(1, min(PAGE_WIDTH, round(PAGE_WIDTH * MAX_ASPECT * width / height)))


def _scaled(picture: Image.Image, width: int) -> Image.Image:
    if abs(picture.width - width) <= 2:  # PDFium rounds a page's size: a pixel off is "about" the width
        return picture
    height = max(1, round(picture.height * width / picture.width))
    return picture.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)


def _encode(number: int, picture: Image.Image, text: str) -> RenderedPage:
    page = _scaled(picture, _fit(picture.width, picture.height))
    thumbnail = _scaled(page, min(THUMBNAIL_WIDTH, page.width))
    return RenderedPage(
        number=number,
        thumbnail=_encoded_thumbnail(thumbnail),
        image=_encoded_page(page),
        width=page.width,
        height=page.height,
        text=text,
    )


def _encoded_thumbnail(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    if _WEBP:
        picture.save(out, "WEBP", quality=80, method=0)  # the fastest method: larger, never worse
    else:
        picture.save(out, "PNG", optimize=False)
    return out.getvalue()


def _encoded_page(picture: Image.Image) -> bytes:
    """Baseline JPEG (not progressive, no optimised tables: both only slow decoding down), one channel for a grey
    page (a typed page, a black-and-white scan): a third of the pixels to decode on every request."""
    out = io.BytesIO()
    grey = picture if picture.mode == "L" else picture.convert("L") if _is_grey(picture) else picture
    grey.save(out, "JPEG", quality=PAGE_JPEG_QUALITY, optimize=False, progressive=False)
    return out.getvalue()


def _is_grey(picture: Image.Image) -> bool:
    """Whether every pixel of an RGB picture has equal red, green and blue."""
    red, green, blue = picture.split()
    return ImageChops.difference(red, green).getbbox() is None and ImageChops.difference(green, blue).getbbox() is None


def _load_libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _load_libc()


def _give_memory_back() -> None:
    """Return the freed pixels of the page just rendered to the system (glibc's malloc_trim), so that a worker's
    memory does not creep up with the page count: each page's buffers (tens of MB for a 300 dpi scan) are freed,
    but glibc would keep the fragmented heap. Elsewhere a no-op."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _clean_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
