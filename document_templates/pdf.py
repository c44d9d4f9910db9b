"""PDF renditions with LibreOffice headless. Each conversion gets its own profile folder, so two never collide.

The caller runs the program (`run`, like subprocess.run with captured output): the application runs it so that
it dies with the job or the worker that started it (webapp.jobs.programs.run_program)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

CONVERT_TIMEOUT = 180
# LibreOffice's PDF export filter with its options as JSON (LibreOffice 7.4 and later): SelectPdfVersion 2 is
# PDF/A-2b, which embeds every font and writes the XMP metadata (pdfaid) and an sRGB OutputIntent (docs/pdfa.md).
# The filter is named per module: Writer's refuses a spreadsheet.
PDFA_OPTIONS = '{"SelectPdfVersion":{"type":"long","value":"2"}}'
CALC_SUFFIXES = frozenset({".xlsx", ".xls", ".ods", ".csv"})


def pdf_filter(source: Path) -> str:
    """The --convert-to argument making a PDF/A-2b copy of `source`."""
    name = "calc_pdf_Export" if source.suffix.lower() in CALC_SUFFIXES else "writer_pdf_Export"
    return f"pdf:{name}:{PDFA_OPTIONS}"


class RunProgram(Protocol):
    def __call__(self, command: list[str], *, timeout: float) -> subprocess.CompletedProcess[bytes]: ...


class ConversionUnavailable(RuntimeError):
    """LibreOffice is not installed."""


class ConversionFailed(RuntimeError):
    pass


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(source: Path, out_dir: Path, *, run: RunProgram) -> Path:
    """Convert `source` (DOCX, ODT, XLSX, text) into a PDF/A-2b `out_dir`/<stem>.pdf and return that path."""
    program = soffice_path()
    if program is None:
        raise ConversionUnavailable("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="casefiles-lo-") as profile:
        command = [
            program,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            pdf_filter(source),
            "--outdir",
            str(out_dir),
            str(source),
        ]
        try:
            completed = run(command, timeout=CONVERT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ConversionFailed("LibreOffice did not finish in time") from None
    target = out_dir / f"{source.stem}.pdf"
    if completed.returncode != 0 or not target.exists():
        raise ConversionFailed(f"LibreOffice failed with exit code {completed.returncode}")
    return target
