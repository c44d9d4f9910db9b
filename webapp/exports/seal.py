"""Sealing an exported PDF case file with the institution's electronic seal: a PDF signature (pyHanko, PAdES
baseline) by a certificate of the institution's CA, so PDF readers show the file as signed and any change after
sealing as a broken signature. The seal is added as an incremental update: the pages stay byte for byte."""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME = "Seal"


@dataclass(frozen=True)
class Seal:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    ca_certificate: x509.Certificate
    location: str  # the institution

    def apply(self, source: Path, target: Path, reason: str) -> None:
        """Write `source` sealed to `target`."""
        seal_pdf(source, target, self, reason)


def seal_pdf(source: Path, target: Path, seal: Seal, reason: str) -> None:
    """pyHanko signs through asyncio.run(), which refuses to start inside a running event loop (an async server,
    a browser driver in the same thread): there, the signing runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _sign(source, target, seal, reason)
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_sign, source, target, seal, reason).result()


def _sign(source: Path, target: Path, seal: Seal, reason: str) -> None:
    certificate, key, ca_certificate = seal.certificate, seal.key, seal.ca_certificate
    chain = SimpleCertificateStore()  # type: ignore[no-untyped-call]  # pyhanko-certvalidator is untyped here
    chain.register(_asn1_certificate(ca_certificate))
    signer = signers.SimpleSigner(
        signing_cert=_asn1_certificate(certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=chain,
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, reason=reason, location=seal.location, subfilter=SigSeedSubFilter.PADES
    )
    # Read-write: pyHanko fills in the signature in place; given a write-only stream it would buffer the file in memory.
    with source.open("rb") as unsealed, target.open("w+b") as sealed:
        signers.sign_pdf(IncrementalPdfFileWriter(unsealed), metadata, signer=signer, output=sealed)


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
