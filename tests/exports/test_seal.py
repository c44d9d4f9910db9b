"""The institution's seal on exported PDFs: a valid PDF signature, made without holding the file in memory."""

from __future__ import annotations

import asyncio
import tracemalloc
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from fpdf import FPDF
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from webapp.exports.seal import Seal
from webapp.signing.pki import ensure_ca


def test_sealing_streams_a_large_pdf_and_the_seal_validates(tmp_path: Path) -> None:
    source = tmp_path / "case.pdf"
    pdf = FPDF()
    for _ in range(12):  # noise does not compress: about 1 MB a page
        pdf.add_page()
        pdf.image(Image.effect_noise((850, 1200), 40).convert("L"), x=0, y=0, w=210, h=297)
    pdf.output(str(source))
    size = source.stat().st_size
    assert size > 10_000_000
    authority, _ = ensure_ca(tmp_path / "ca", "Центр")
    certificate, key = authority.seal("Центр")
    seal = Seal(certificate, key, authority.certificate, "Центр")
    target = tmp_path / "sealed.pdf"
    tracemalloc.start()
    try:
        seal.apply(source, target, "Копия дела для комиссии")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < size / 5, f"sealing held {peak} bytes of a {size}-byte file"
    assert target.read_bytes().startswith(source.read_bytes())  # an incremental update: the pages stay as they were
    root = asn1_x509.Certificate.load(authority.certificate.public_bytes(serialization.Encoding.DER))
    with target.open("rb") as sealed:
        [signature] = PdfFileReader(sealed).embedded_signatures
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root], allow_fetching=False))
    assert status.intact and status.valid and status.trusted


def test_sealing_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    """As under an async server or a browser driver: pyHanko's asyncio.run() must not meet the running loop."""
    source = tmp_path / "case.pdf"
    pdf = FPDF()
    pdf.add_page()
    pdf.output(str(source))
    authority, _ = ensure_ca(tmp_path / "ca", "Центр")
    certificate, key = authority.seal("Центр")
    seal = Seal(certificate, key, authority.certificate, "Центр")

    async def inside() -> None:
        seal.apply(source, tmp_path / "sealed.pdf", "Копия")

    asyncio.run(inside())
    with (tmp_path / "sealed.pdf").open("rb") as sealed:
        assert len(PdfFileReader(sealed).embedded_signatures) == 1
