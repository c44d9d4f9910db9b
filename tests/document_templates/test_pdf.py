"""LibreOffice conversions (installed by scripts/test.sh): correct, and never colliding when run at once."""

from __future__ import annotations

import threading
from pathlib import Path

import docx
from pypdf import PdfReader

from document_templates.pdf import convert_to_pdf
from webapp.jobs.programs import run_program


def _docx(path: Path, text: str) -> Path:
    document = docx.Document()
    document.add_paragraph(text)
    document.save(str(path))
    return path


def test_two_conversions_at_once(tmp_path: Path) -> None:
    results: dict[int, str] = {}

    def convert(n: int) -> None:
        work = tmp_path / f"w{n}"
        work.mkdir()
        pdf = convert_to_pdf(_docx(work / "source.docx", f"Акт обследования номер {n}"), work, run=run_program)
        results[n] = PdfReader(str(pdf)).pages[0].extract_text()

    threads = [threading.Thread(target=convert, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "Акт обследования номер 1" in results[1]
    assert "Акт обследования номер 2" in results[2]
