"""PDF renditions with LibreOffice headless. Each conversion gets its own profile folder, so two never collide."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CONVERT_TIMEOUT = 180


class ConversionUnavailable(RuntimeError):
    """LibreOffice is not installed."""


class ConversionFailed(RuntimeError):
    pass


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(source: Path, out_dir: Path) -> Path:
    """Convert `source` (DOCX, ODT, XLSX, text) into `out_dir`/<stem>.pdf and return that path."""
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
            "pdf",
            "--outdir",
            str(out_dir),
            str(source),
        ]
        try:
            completed = subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            raise ConversionFailed("LibreOffice did not finish in time") from None
    target = out_dir / f"{source.stem}.pdf"
    if completed.returncode != 0 or not target.exists():
        raise ConversionFailed(f"LibreOffice failed with exit code {completed.returncode}")
    return target
