"""Timestamps on the institution's signatures (CAdES-T) and signers' short-lived certificates.

- `stamp`: every new signature gets an RFC 3161 token over its SignatureValue, from ``CASEFILES_TSA_URL`` or
  the own TSA (``webapp.signing.tsa``); without one the signature is not made (503 ``tsa_unavailable``).
- `trusted_time`: what a signature's token proves when it is checked again: the moment, when the token holds, its
  TSA is trusted (issued by the institution's CA, or by a CA on «Доверенные УЦ») and its certificate is in force
  now, or an archive timestamp that holds (CAdES-A, ``webapp.signing.archive``) was made before it expired.
- `renewed`: a signer's certificate lives ``CASEFILES_CERT_YEARS``; signing within 30 days of its end (or after)
  re-issues it for the same key, so the key's PIN protection goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.exceptions import StorageUnavailable
from webapp.extensions import db
from webapp.runtime import signing_authority
from webapp.signing import archive, cms, tsa
from webapp.signing.models import SigningCertificate, TrustedAuthority
from webapp.signing.pki import fingerprint

RENEWAL = dt.timedelta(days=30)
log = logging.getLogger(__name__)


class TimeStampingUnavailable(StorageUnavailable):
    """No timestamp could be had: nothing was signed (503, like storage that does not answer)."""

    code = "tsa_unavailable"


@dataclass(frozen=True)
class TrustedTime:
    """What a signature's token says when checked: `time` when it proves one; `broken`: a token is there but
    does not hold (changed, or over another signature), which makes the signature suspect."""

    time: dt.datetime | None
    broken: bool = False
    archived_at: dt.datetime | None = None  # the latest archive timestamp's time, when it holds


def stamp(der: bytes) -> tuple[bytes, tsa.Timestamp]:
    """The CMS with a timestamp token over its signature value, and the timestamp."""
    try:
        stamped = tsa.timestamp(cms.signature_value(der), authority())
    except tsa.TimestampUnavailable as exc:  # the message is technical: no personal data
        log.warning("time-stamping authority: %s", exc)
        raise TimeStampingUnavailable(
            "Служба штампов времени недоступна: подпись не создана, повторите позже", code="tsa_unavailable"
        ) from exc
    return cms.with_timestamp(der, stamped.token), stamped


def authority() -> tsa.Authority:
    settings = current_app.config["CASEFILES"]
    if settings.tsa_url:
        return tsa.HttpAuthority(settings.tsa_url)
    ca = signing_authority()
    certificate, key = ca.time_stamping(settings.institution_name)
    return tsa.LocalAuthority(certificate, key, ca.certificate)


def trusted_time(signed: cms.SignedContent, der: bytes = b"", content: archive.Content | None = None) -> TrustedTime:
    """What the signature's timestamp proves now; its archive timestamps are checked too when the CMS (`der`) and
    the signed `content` are given (StorageError when the content cannot be read)."""
    if signed.timestamp_token is None:
        return TrustedTime(None)
    try:
        stamped = tsa.read_token(signed.timestamp_token, signed.signature_value)
        archived = archive.archive_timestamps(der, content) if der and content is not None else []
    except tsa.BadToken:
        return TrustedTime(None, broken=True)
    time = archive.proven_time([stamped, *archived], trusted_tsa_check(), now())
    return TrustedTime(time, archived_at=archived[-1].time if archived else None)


def trusted_tsa_check() -> Callable[[x509.Certificate], bool]:
    """Whether a TSA's certificate was issued by the institution's CA or a CA on «Доверенные УЦ» (read once, and
    only when a TSA is not the own one: a page of signatures by the own TSA costs no query for them)."""
    ca = signing_authority()
    issuers: list[x509.Certificate] | None = None

    def trusted(certificate: x509.Certificate) -> bool:
        nonlocal issuers
        if ca.issued_by_me(certificate):
            return True
        if issuers is None:
            issuers = trusted_issuers()
        return any(issued_by(certificate, issuer) for issuer in issuers)

    return trusted


def trusted_issuers() -> list[x509.Certificate]:
    """The CAs on «Доверенные УЦ» now (an external TSA's root is trusted there)."""
    authorities = db.session.scalars(select(TrustedAuthority).where(TrustedAuthority.removed_at.is_(None))).all()
    return [x509.load_pem_x509_certificate(trusted.certificate_pem.encode()) for trusted in authorities]


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def signer_lifetime() -> dt.timedelta:
    """CASEFILES_CERT_YEARS as a span (a leap day every four years)."""
    years: int = current_app.config["CASEFILES"].cert_years
    return dt.timedelta(days=365 * years + years // 4)


def now() -> dt.datetime:
    """The clock verification and renewal read (one place, so a test can move it)."""
    return dt.datetime.now(dt.UTC)


def renewed(user: User, certificate: SigningCertificate) -> SigningCertificate:
    """`certificate`, or, within RENEWAL of its end or past it, a new certificate for the same key and subject
    (the key stays as it is encrypted: under the signer's PIN). The old one is left to expire, not revoked:
    signatures it made stay valid at their timestamps."""
    if _utc(certificate.not_after) - now() > RENEWAL:
        return certificate
    old = x509.load_pem_x509_certificate(certificate.certificate_pem.encode("ascii"))
    public_key = old.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey), "signers' keys are ECDSA P-256"
    issued = signing_authority().certify(public_key, old.subject, signer_lifetime())
    renewal = SigningCertificate(
        user_id=user.id,
        serial_number=format(issued.serial_number, "x"),
        sha256=fingerprint(issued),
        subject=issued.subject.rfc4514_string(),
        certificate_pem=issued.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        encrypted_key_pem=certificate.encrypted_key_pem,
        key_protection=certificate.key_protection,
        pin_salt=certificate.pin_salt,
        not_after=issued.not_valid_after_utc,
    )
    db.session.add(renewal)
    db.session.flush()
    record_event(user, "certificate.renew", "user", user.id, certificate=renewal.id, replaces=certificate.id)
    return renewal


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
