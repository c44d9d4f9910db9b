"""PDF/A for the long term (docs/pdfa.md): PDF copies (LibreOffice's and the plain-text ones laid out here) and the
PDFs casefiles draws itself declare PDF/A-2b in their XMP metadata, carry an sRGB OutputIntent and embed every
font, as `pdfinfo -meta` and `pdffonts` (poppler-utils, installed by scripts/test.sh) report."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from document_templates.pdf import soffice_path
from tests.conftest import World
from webapp.printing.layout import Field, Form, Heading, Paragraph, Table
from webapp.printing.pdf import to_pdf
from webapp.printing.text import text_pdf

PDFINFO, PDFFONTS = shutil.which("pdfinfo"), shutil.which("pdffonts")


def _xmp(path: Path) -> str:
    assert PDFINFO, "pdfinfo (poppler-utils) is needed"
    return subprocess.run([PDFINFO, "-meta", str(path)], capture_output=True, text=True, check=True).stdout


def pdfa_declared(path: Path) -> tuple[str, str] | None:
    """(part, conformance) the XMP metadata declares, as elements or attributes; None when it declares none."""
    xmp = _xmp(path)
    part = re.search(r"pdfaid:part(?:>|=\")\s*(\d)", xmp)
    conformance = re.search(r"pdfaid:conformance(?:>|=\")\s*([ABUabu])", xmp)
    if part is None:
        return None
    return part[1], conformance[1].upper() if conformance else ""


def fonts(path: Path) -> list[tuple[str, str]]:
    """(name, emb) for each font `pdffonts` lists."""
    assert PDFFONTS, "pdffonts (poppler-utils) is needed"
    lines = subprocess.run([PDFFONTS, str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    header = lines[0]
    emb_at = header.index("emb")
    return [(line.split()[0], line[emb_at : emb_at + 3].strip()) for line in lines[2:] if line.strip()]


def assert_pdfa_2b(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "copy.pdf"
    path.write_bytes(data)
    assert pdfa_declared(path) == ("2", "B")
    listed = fonts(path)
    assert listed, "a PDF with text lists its fonts"
    assert all(emb == "yes" for _, emb in listed), listed
    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    intents = [intent.get_object() for intent in catalog["/OutputIntents"]]
    assert any(intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent for intent in intents), intents


def test_the_checks_tell_a_plain_pdf_from_a_pdfa(tmp_path: Path) -> None:
    """The helpers above do fail on an ordinary PDF with an unembedded standard font."""
    from fpdf import FPDF

    plain = FPDF()
    plain.add_page()
    plain.set_font("helvetica", size=12)
    plain.cell(text="plain")
    path = tmp_path / "plain.pdf"
    path.write_bytes(bytes(plain.output()))
    assert pdfa_declared(path) is None
    assert fonts(path) == [("Helvetica", "no")]
    with pytest.raises(AssertionError):
        assert_pdfa_2b(path.read_bytes(), tmp_path)


def test_a_plain_text_pdf_copy_is_pdfa_2b(world: World, tmp_path: Path) -> None:
    document = world.upload(world.open_case()["id"], "Справка о составе семьи\nИвановы".encode(), filename="n.txt")
    response = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_pdfa_2b(response.data, tmp_path)
    assert "Справка о составе семьи" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice is not installed (scripts/test.sh installs it)")
def test_a_libreoffice_pdf_copy_is_pdfa_2b_with_every_font_embedded(world: World, tmp_path: Path) -> None:
    source = docx.Document()
    source.add_heading("Акт обследования условий жизни", level=1)
    source.add_paragraph("Семья Петровых проживает в двухкомнатной квартире.")
    source.add_paragraph("Monospace text").runs[0].font.name = "Courier New"
    data = io.BytesIO()
    source.save(data)
    document = world.upload(world.open_case()["id"], data.getvalue(), filename="act.docx")
    response = world["spec1"].get(f"/api/v1/documents/{document['id']}/versions/1/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_pdfa_2b(response.data, tmp_path)
    assert "Семья Петровых" in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()


def test_pdfs_drawn_here_are_pdfa_2b(tmp_path: Path) -> None:
    """The renderer behind the signature sheet, the case file's cover, inventories and certification sheets."""
    form = Form(
        title="Лист подписей",
        blocks=(
            Heading("Электронные подписи", level=2),
            Field("Дело", "04-05/2026"),
            Table(header=("Подписант", "Роль"), rows=(("Иванова И. И.", "составил"),), widths=(3, 2)),
            Paragraph("Проверка стандартными средствами.", small=True),
        ),
        author="casefiles",
        created=dt.date(2026, 3, 5),
    )
    assert_pdfa_2b(to_pdf(form), tmp_path)
    assert_pdfa_2b(text_pdf("Текст", dt.date(2026, 3, 5)), tmp_path)
