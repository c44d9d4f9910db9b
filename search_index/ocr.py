"""Text of scans by OCR: Tesseract (Debian `tesseract-ocr` with `tesseract-ocr-rus`) on images, and on the pages of
PDFs that carry no text layer, rendered by poppler's `pdftoppm`. The original file is only read.

The command-line tools are called directly: they are what Debian packages, and a wrapper library would add
nothing but another dependency. The caller runs them (`run`, like subprocess.run with captured output): the
application runs them so that they die with the job or the worker that started them."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from search_index.extract import PDF, extract_text

LANGUAGES = "rus+eng"
MAX_PAGES = 50
PAGE_TIMEOUT = 120  # seconds per page
RENDER_DPI = 300
# A PDF with fewer letters than this per page is a scan with at most a stray text layer (a stamp, a number).
MIN_LETTERS_PER_PAGE = 40
IMAGE_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tif"}


class RunProgram(Protocol):
    def __call__(self, command: list[str], *, timeout: float) -> subprocess.CompletedProcess[bytes]: ...


class OcrUnavailable(RuntimeError):
    """Tesseract (or pdftoppm for PDFs) is not installed."""


class OcrFailed(RuntimeError):
    """The file could not be read as an image or a PDF."""


def needs_ocr(stream: BinaryIO, media_type: str) -> bool:
    """Images always; PDFs when their text layer is (nearly) empty."""
    if media_type in IMAGE_SUFFIXES:
        return True
    if media_type != PDF:
        return False
    text = extract_text(stream, PDF)
    stream.seek(0)
    pages = max(1, text.count("\n"))
    return sum(char.isalpha() for char in text) < MIN_LETTERS_PER_PAGE * pages


def available() -> bool:
    return shutil.which("tesseract") is not None and shutil.which("pdftoppm") is not None


def ocr_text(stream: BinaryIO, media_type: str, *, run: RunProgram, max_pages: int = MAX_PAGES) -> str:
    """Recognised text of an image or a scanned PDF (its first max_pages pages)."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        raise OcrUnavailable("tesseract is not installed")
    with tempfile.TemporaryDirectory(prefix="casefiles-ocr-") as work:
        folder = Path(work)
        source = folder / ("source" + (".pdf" if media_type == PDF else IMAGE_SUFFIXES.get(media_type, ".img")))
        with source.open("wb") as out:
            shutil.copyfileobj(stream, out)
        images = _pages(run, source, folder, max_pages) if media_type == PDF else [source]
        return "\n".join(_recognise(run, tesseract, image) for image in images).strip()


def _pages(run: RunProgram, pdf: Path, folder: Path, max_pages: int) -> list[Path]:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise OcrUnavailable("pdftoppm (poppler-utils) is not installed")
    command = [pdftoppm, "-r", str(RENDER_DPI), "-gray", "-png", "-l", str(max_pages), str(pdf), str(folder / "page")]
    _run(run, command, timeout=PAGE_TIMEOUT * max_pages)
    return sorted(folder.glob("page*.png"))


def _recognise(run: RunProgram, tesseract: str, image: Path) -> str:
    return _run(run, [tesseract, str(image), "stdout", "-l", LANGUAGES, "--psm", "3"], timeout=PAGE_TIMEOUT)


def _run(run: RunProgram, command: list[str], *, timeout: int) -> str:
    try:
        done = run(command, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise OcrFailed("OCR took too long") from None
    if done.returncode != 0:
        # stderr may quote nothing of the content, but keep only the tool and the code: no file text in errors
        raise OcrFailed(f"{Path(command[0]).name} exited with {done.returncode}")
    return done.stdout.decode("utf-8", "replace")
