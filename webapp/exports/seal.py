"""Sealing an exported PDF case file with the institution's electronic seal: a PDF signature (pyHanko, PAdES
baseline) by a certificate of the institution's CA, so PDF readers show the file as signed and any change after
sealing as a broken signature. The seal is added as an incremental update: the pages stay byte for byte.

With a time-stamping authority (``Seal.authority``: CASEFILES_TSA_URL or casefiles' own TSA) the seal is
PAdES-B-LTA: the signature carries a timestamp over its value (B-T), the certificates and the revocation list that
validate it and its timestamp are embedded in the document security store (DSS, B-LT), and a document timestamp
covers all of it (B-LTA). `add_archive_timestamp` adds another document timestamp (with the validation data of the
previous one) before the last one's TSA certificate expires: `casefiles signatures restamp`, run yearly."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from webapp.jobs.services import JobFailed
from webapp.signing import tsa

FIELD_NAME = "Seal"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Seal:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    ca_certificate: x509.Certificate
    location: str  # the institution
    authority: tsa.Authority | None = None  # a TSA: the seal is PAdES-B-LTA; None: PAdES-B-B
    # Validation data embedded with a TSA: the CAs trusted besides the institution's (a TSA's root, from
    # «Доверенные УЦ») and the institution CA's current revocation list (DER).
    trust_roots: tuple[x509.Certificate, ...] = ()
    crl: bytes | None = None

    def apply(self, source: Path, target: Path, reason: str) -> None:
        """Write `source` sealed to `target`."""
        try:
            seal_pdf(source, target, self, reason)
        except tsa.TimestampUnavailable as exc:  # technical, without personal data
            log.warning("time-stamping authority for the seal: %s", exc)
            raise JobFailed("Служба штампов времени недоступна: PDF не заверен, повторите позже") from None


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
    timestamper = AuthorityTimeStamper(seal.authority) if seal.authority is not None else None
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason,
        location=seal.location,
        subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=timestamper is not None,
        use_pades_lta=timestamper is not None,
        validation_context=validation_context(seal) if timestamper is not None else None,
    )
    # Read-write: pyHanko fills in the signature in place; given a write-only stream it would buffer the file in memory.
    with source.open("rb") as unsealed, target.open("w+b") as sealed:
        signers.sign_pdf(
            IncrementalPdfFileWriter(unsealed), metadata, signer=signer, timestamper=timestamper, output=sealed
        )


def add_archive_timestamp(source: Path, target: Path, seal: Seal) -> None:
    """Write `source` (a sealed PDF) to `target` with the validation data of its latest timestamp added to the DSS
    and a new document timestamp over everything (PAdES-LTA's archive timestamp chain)."""
    assert seal.authority is not None, "an archive timestamp needs a TSA"
    timestamper = AuthorityTimeStamper(seal.authority)
    with source.open("rb") as sealed, target.open("w+b") as out:
        out.write(sealed.read())
        out.seek(0)
        signers.PdfTimeStamper(timestamper).update_archival_timestamp_chain(
            PdfFileReader(out), validation_context(seal), in_place=True
        )


def validation_context(seal: Seal) -> ValidationContext:
    """What pyHanko validates the seal and the timestamps with before embedding their validation data: offline,
    from the given roots and revocation list only."""
    return ValidationContext(
        trust_roots=[_asn1_certificate(root) for root in (seal.ca_certificate, *seal.trust_roots)],
        crls=[seal.crl] if seal.crl is not None else [],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


class AuthorityTimeStamper(TimeStamper):
    """pyHanko's timestamp client speaking to casefiles' TSA (webapp.signing.tsa: HTTP or the own one)."""

    def __init__(self, authority: tsa.Authority) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # pyHanko is untyped here
        self.authority = authority

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        answer = await asyncio.to_thread(self.authority.respond, req.dump())
        try:
            return tsp.TimeStampResp.load(answer, strict=True)
        except (ValueError, TypeError) as exc:
            raise tsa.TimestampUnavailable("the TSA's answer is not a TimeStampResp") from exc


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
