"""PDF/A for the long term (docs/pdfa.md): PDF copies (LibreOffice's and the plain-text ones laid out here) and the
PDFs casefiles draws itself declare PDF/A-2b in their XMP metadata, carry an sRGB OutputIntent and embed every
font, as `pdfinfo -meta` and `pdffonts` (poppler-utils, installed by scripts/test.sh) report."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from asn1crypto import x509 as asn1_x509
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    SignatureCoverageLevel,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.ades import AdESLTAValidationResult, ades_lta_validation
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from pypdf import PdfReader
from sqlalchemy import select

from document_templates.pdf import soffice_path
from tests.conftest import World
from tests.tsa_server import TestTsa, running_tsa
from tests.webapp.test_timestamps import trust
from webapp.cli import main
from webapp.exports.models import Export
from webapp.extensions import db
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


@pytest.fixture
def external_tsa(app: Flask) -> Iterator[TestTsa]:
    """CASEFILES_TSA_URL set to a TSA on localhost whose root the administrator added to «Доверенные УЦ»."""
    with running_tsa() as server:
        trust(server)
        app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], tsa_url=server.url)
        yield server


def _exported_pdf(world: World) -> bytes:
    case = world.open_case(title="Личное дело семьи Архивных")
    world.upload(case["id"], "Акт обследования".encode(), filename="act.txt", title="Акт", date="2026-03-05")
    answer = world["spec1"].post(f"/api/v1/cases/{case['id']}/exports", json={"format": "pdf", "versions": "all"})
    assert answer.status_code == 202, answer.get_json()
    status = world["spec1"].get(f"/api/v1/jobs/{answer.get_json()['id']}").get_json()
    assert status["status"] == "done", status
    return _download(world, status["download_url"])


def _download(world: World, url: str) -> bytes:
    download = world["spec1"].get(url)
    assert download.status_code == 200
    data: bytes = download.data
    return data


def _roots(server: TestTsa | None) -> list[asn1_x509.Certificate]:
    """casefiles' CA, and the external TSA's root when there is one."""
    from webapp.runtime import signing_authority

    roots = [signing_authority().certificate]
    if server is not None:
        roots.append(x509.load_pem_x509_certificate(server.ca_pem))
    return [asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER)) for root in roots]


def _trust(server: TestTsa | None) -> ValidationContext:
    return ValidationContext(
        trust_roots=_roots(server),
        allow_fetching=False,
        revocation_mode="soft-fail",  # the AdES validation below requires the revocation data in the file (DSS)
    )


def _lta_validation(seal: EmbeddedPdfSignature, server: TestTsa | None) -> AdESLTAValidationResult:
    """ETSI EN 319 102-1 LTA validation from the data in the file alone (no fetching, revocation data required)."""
    return asyncio.run(
        ades_lta_validation(
            seal,
            PdfSignatureValidationSpec(
                SignatureValidationSpec(
                    cert_validation_policy=CertValidationPolicySpec(
                        trust_manager=SimpleTrustManager.build(trust_roots=_roots(server)),
                        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy.from_legacy("hard-fail")),
                    ),
                    revinfo_gathering_policy=RevocationInfoGatheringSpec(
                        online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
                    ),
                )
            ),
        )
    )


def test_the_exported_case_file_is_sealed_pades_b_lta(app: Flask, world: World, external_tsa: TestTsa) -> None:
    """The seal has a signature timestamp (B-T), its validation data in the DSS (B-LT) and a document timestamp over
    all of it (B-LTA); pyHanko validates each offline from the data in the file alone."""
    data = _exported_pdf(world)
    reader = PdfFileReader(io.BytesIO(data))
    signatures = reader.embedded_regular_signatures
    timestamps = reader.embedded_timestamp_signatures
    assert len(signatures) == 1 and len(timestamps) == 1
    [seal], [document_timestamp] = signatures, timestamps
    assert "/DSS" in reader.root
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.crls and dss.certs, "the institution CA's revocation list and the chains are embedded"

    trust = _trust(external_tsa)
    status = validate_pdf_signature(seal, trust, ts_validation_context=trust)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.valid, status.pretty_print_details()
    assert status.timestamp_validity.trusted
    # what came after the seal in the file is validation data and timestamps only
    assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    stamped = validate_pdf_timestamp(document_timestamp, validation_context=trust)
    assert stamped.intact and stamped.valid and stamped.trusted, stamped.pretty_print_details()
    assert stamped.coverage == SignatureCoverageLevel.ENTIRE_REVISION  # then the TSA's own validation data
    assert stamped.modification_level == ModificationLevel.LTA_UPDATES
    assert len(external_tsa.requests) >= 2  # the signature's and the document timestamp (pyHanko asks once more first)

    level = _lta_validation(seal, external_tsa)
    assert level.ades_subindic == AdESPassed.OK, level
    assert level.oldest_evidence_record_timestamp is not None


def test_without_a_tsa_url_the_own_tsa_makes_the_seal_pades_b_lta(world: World) -> None:
    """No CASEFILES_TSA_URL: casefiles' own TSA key under its CA stamps the seal and the document; the file then
    validates against the institution's ca.pem alone."""
    reader = PdfFileReader(io.BytesIO(_exported_pdf(world)))
    [seal], [document_timestamp] = reader.embedded_regular_signatures, reader.embedded_timestamp_signatures
    trust = _trust(None)
    status = validate_pdf_signature(seal, trust, ts_validation_context=trust)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert validate_pdf_timestamp(document_timestamp, validation_context=trust).trusted
    assert _lta_validation(seal, None).ades_subindic == AdESPassed.OK


def test_restamp_adds_an_archive_timestamp_before_the_tsa_certificate_expires(
    app: Flask, world: World, external_tsa: TestTsa
) -> None:
    """`casefiles signatures restamp`: the test TSA's certificate lives 10 years, so the yearly run (2 years ahead)
    leaves the file alone, and a run looking 11 years ahead adds a second document timestamp; the seal and the
    LTA validation still hold."""
    first = _exported_pdf(world)
    export = db.session.scalars(select(Export)).one()
    url = f"/api/v1/exports/{export.id}/download"
    assert _download(world, url) == first
    runner = CliRunner()

    yearly = runner.invoke(main, ["signatures", "restamp"])
    assert yearly.exit_code == 0, yearly.output
    assert "PDF exports checked: 1, restamped: 0" in yearly.output
    assert _download(world, url) == first

    ahead = runner.invoke(main, ["signatures", "restamp", "--within-days", str(11 * 365)])
    assert ahead.exit_code == 0, ahead.output
    assert "PDF exports checked: 1, restamped: 1" in ahead.output
    restamped = _download(world, url)
    assert restamped.startswith(first)  # an incremental update: every earlier byte kept
    reader = PdfFileReader(io.BytesIO(restamped))
    assert len(reader.embedded_timestamp_signatures) == 2
    [seal] = reader.embedded_regular_signatures
    trust = _trust(external_tsa)
    status = validate_pdf_signature(seal, trust, ts_validation_context=trust)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    for stamp in reader.embedded_timestamp_signatures:
        checked = validate_pdf_timestamp(stamp, validation_context=trust)
        assert checked.intact and checked.valid and checked.trusted, checked.pretty_print_details()
    assert _lta_validation(seal, external_tsa).ades_subindic == AdESPassed.OK


def test_restamp_without_the_seal_skips_exports(app: Flask, world: World) -> None:
    app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], export_seal=False)
    result = CliRunner().invoke(main, ["signatures", "restamp"])
    assert result.exit_code == 0 and "not sealed (CASEFILES_EXPORT_SEAL=0), nothing to restamp" in result.output


def test_our_pdfs_are_the_same_bytes_when_made_a_second_later() -> None:
    """fpdf2 dates the XMP ModifyDate now and hashes it into the file identifier; finish_pdf pins both."""
    from webapp.printing.text import text_pdf

    first = text_pdf("Акт обследования", dt.date(2026, 3, 2))
    time.sleep(1.1)
    again = text_pdf("Акт обследования", dt.date(2026, 3, 2))
    assert first == again
    assert b'xmp:ModifyDate="2026-03-02' in first
    assert len(PdfReader(io.BytesIO(first)).pages) == 1
