"""Archive timestamps for the institution's signatures (`casefiles signatures restamp`, run yearly; CAdES-A,
``webapp.signing.archive``): a signature's timestamp proves when it was made only while the TSA certificate behind
it is in force. Before the latest one expires, the signature gets an archive timestamp over all of it, with the
validation data of what came before embedded first.

A signature's stored bytes are never changed: the extended CMS is a new blob, and the signature points at it in
the same transaction that records it; then the old bytes are deleted (as restamped exports' are: the new CMS holds
every byte of the signed part and every earlier token) and their stored file is marked deleted. Signatures from
outside (``ExternalSignature``) are kept as they came and never restamped."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from storage import StorageError
from storage.base import RetentionLocks
from webapp.audit.services import record_event
from webapp.blobs.models import BlobRelocation, StoredFile
from webapp.blobs.retention import JOB_KIND as RETENTION_JOB
from webapp.dbtypes import utcnow
from webapp.exceptions import StorageUnavailable
from webapp.extensions import db
from webapp.jobs.services import create_job
from webapp.policy import SYSTEM
from webapp.runtime import blob_store, signing_authority
from webapp.signing import archive, cms, services, timestamps, tsa
from webapp.signing.models import Signature

MEDIA_TYPE = "application/pkcs7-signature"


@dataclass
class SignatureRestampReport:
    checked: int = 0  # signatures looked at (those whose version's bytes are kept)
    restamped: int = 0
    untimestamped: int = 0  # made before timestamps: no proof of time to carry forward
    not_valid: int = 0  # a signature that does not verify now is not stamped (it would look vouched for)
    deferred: int = 0  # unreadable now, or its files on their way to another case's keys: the next run


def restamp_signatures(margin: dt.timedelta, now: dt.datetime | None = None) -> SignatureRestampReport:
    """Add an archive timestamp to every kept signature whose latest timestamp's TSA certificate expires within
    `margin`; each is committed as it is done. StorageUnavailable (503 `tsa_unavailable`) when the TSA does not
    answer: what was done stays."""
    now = now or utcnow()
    report = SignatureRestampReport()
    authority, anchors = timestamps.authority(), _Anchors.now()
    relocating = set(db.session.scalars(select(BlobRelocation.file_id)))
    for signature_id in db.session.scalars(select(Signature.id).order_by(Signature.id)).all():
        signature = db.session.get(Signature, signature_id)
        if signature is None or signature.version.file.deleted_at is not None:  # a destroyed case's: no content
            continue
        report.checked += 1
        try:
            der = _read(signature.file.key)
            due = _due(der, now, margin)
        except StorageError:
            report.deferred += 1
            continue
        if due is None:
            report.untimestamped += 1
        elif due and {signature.file_id, signature.version.file_id} & relocating:
            report.deferred += 1
        elif due:
            outcome = _restamp(signature, der, authority, anchors)
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _due(der: bytes, now: dt.datetime, margin: dt.timedelta) -> bool | None:
    """Whether the latest timestamp's TSA certificate expires within `margin`; None without a timestamp."""
    try:
        stamps = archive.timestamp_certificates(der)
    except (cms.MalformedSignature, tsa.BadToken, ValueError):
        return True  # let the check say what is wrong with it
    if not stamps:
        return None
    return stamps[-1].not_valid_after_utc - now <= margin


def _restamp(signature: Signature, der: bytes, authority: tsa.Authority, anchors: _Anchors) -> str:
    """Stamp one signature, if it verifies now; the report's field to count it in."""
    content = services.version_content(signature.version)
    content_sha256 = services.stored_sha256(content)
    verdict = services.verify(signature, content_sha256, content)
    if content_sha256 is None or verdict.code in ("signature_unavailable", "content_unavailable"):
        return "deferred"
    if not verdict.valid:
        return "not_valid"
    try:
        extended, stamped = archive.add_archive_timestamp(
            der, content, authority, anchors.certificates(der), [anchors.crl]
        )
    except tsa.TimestampUnavailable as exc:  # technical, without personal data
        raise StorageUnavailable(
            f"Служба штампов времени недоступна: архивная метка не добавлена ({exc})", code="tsa_unavailable"
        ) from None
    archive.archive_timestamps(extended, content)  # what was written holds, before it is kept
    stored = blob_store().put(_new_key(signature.file.key), io.BytesIO(extended), media_type=MEDIA_TYPE)
    old = signature.file
    signature.file = StoredFile.of(stored, "signature", MEDIA_TYPE)
    db.session.flush()
    case = signature.version.document.case
    record_event(
        SYSTEM, "signature.archive_timestamp", "document", signature.version.document_id,
        signature=signature.id, file=signature.file_id, replaces=old.id,
        archived_at=stamped.time.isoformat(),
    )  # fmt: skip
    if case.status in ("closed", "transferred") and isinstance(blob_store(), RetentionLocks):
        create_job(RETENTION_JOB, {"case_id": case.id})  # the new object is locked as the case's others are
    db.session.commit()
    _retire(old)
    return "restamped"


def _retire(old: StoredFile) -> None:
    """Delete the replaced CMS's bytes after the commit; its record stays, marked. A store that refuses (a
    retention lock) keeps them: the record then stays as it is, its bytes still there for fixity."""
    with contextlib.suppress(StorageError):
        blob_store().delete(old.key)
        old.deleted_at = utcnow()
        db.session.commit()


def _new_key(key: str) -> str:
    """Beside the old one, under the same version key (relocation and retention find it the same way)."""
    stem = key.rsplit("-sig-", 1)[0] if "-sig-" in key else key
    return f"{stem}-sig-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class _Anchors:
    """What verifying a signature and its timestamps later needs besides the CMS, without this server: the
    institution CA's certificate and its revocation list now, and the CAs that issued the TSAs' certificates (the
    institution's, or one on «Доверенные УЦ»)."""

    ca: x509.Certificate
    issuers: tuple[x509.Certificate, ...]
    crl: bytes  # DER

    @classmethod
    def now(cls) -> _Anchors:
        crl = x509.load_pem_x509_crl(services.revocation_list()).public_bytes(serialization.Encoding.DER)
        return cls(signing_authority().certificate, tuple(timestamps.trusted_issuers()), crl)

    def certificates(self, der: bytes) -> list[bytes]:
        """The CA's certificate, the TSA certificates of the signature's tokens and their issuers (DER)."""
        found = archive.timestamp_certificates(der)
        issuers = [ca for ca in (self.ca, *self.issuers) if any(timestamps.issued_by(c, ca) for c in found)]
        return [c.public_bytes(serialization.Encoding.DER) for c in dict.fromkeys([self.ca, *found, *issuers])]


def _read(key: str) -> bytes:
    with blob_store().open(key) as stream:
        data: bytes = stream.read()
    return data
