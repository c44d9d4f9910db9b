"""Signatures that arrive with documents signed elsewhere (webapp.signing.foreign reads and checks them), and the
certification authorities the administrator trusts for them («Доверенные УЦ»).

A detached signature is kept as it came, as a blob beside its version; an attached one is the version's own bytes,
which are never changed. Each check records what it found on the row; the signer's name and organisation are case
data: never in the audit log.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from typing import BinaryIO

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from storage import StorageError, version_key
from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.cases.permissions import can_write_case
from webapp.dbtypes import utcnow
from webapp.documents.media import CMS, TEXT
from webapp.documents.models import DocumentVersion
from webapp.documents.services import get_version
from webapp.exceptions import Conflict, Forbidden, NotFound, ValidationError
from webapp.extensions import db
from webapp.policy import Action, require
from webapp.runtime import blob_store
from webapp.signing import foreign
from webapp.signing.models import ExternalSignature, TrustedAuthority

MAX_SIGNATURE_BYTES = 1024 * 1024  # a CMS with a certificate chain is a few KiB; CryptoPro's with CRLs, tens
MAX_CERTIFICATE_BYTES = 64 * 1024
MAX_ATTACHED_BYTES = 200 * 1024 * 1024  # an attached CMS is read whole to be checked
MEDIA_TYPE = "application/pkcs7-signature"


def writable_version(actor: User, document_id: int, number: int) -> DocumentVersion:
    """A version the caller may add a signature to: read access to its content and write access to its case."""
    version = get_version(actor, document_id, number)
    if not can_write_case(actor, version.document.case):
        raise Forbidden("Нет права изменять документы этого дела")
    return version


def attach_detached(actor: User, version: DocumentVersion, stream: BinaryIO) -> ExternalSignature:
    """A detached signature for a version the caller has just stored or may write to."""
    data = stream.read(MAX_SIGNATURE_BYTES + 1)
    if len(data) > MAX_SIGNATURE_BYTES:
        raise ValidationError("Файл подписи слишком велик (больше 1 МиБ)", code="signature_too_large")
    try:
        info = foreign.load(data)
    except foreign.MalformedSignature:
        raise ValidationError(
            "Файл подписи не распознан: ожидается подпись CMS (.sig, .p7s) в DER, Base64 или PEM",
            code="signature_unreadable",
        ) from None
    if foreign.attached_content(info) is not None:
        raise ValidationError(
            "Это присоединённая подпись (документ внутри неё): загрузите её как файл документа",
            code="signature_attached",
        )
    case = version.document.case
    key = f"{version_key(case.year, case.entry.index, case.sequence, version.document_id, version.number)}"
    stored = blob_store().put(f"{key}-sig-{secrets.token_hex(4)}", io.BytesIO(data), media_type=MEDIA_TYPE)
    signature = ExternalSignature(
        version=version, form="detached", added_by_id=actor.id, file=StoredFile.of(stored, "signature", MEDIA_TYPE)
    )
    return _added(actor, signature, info)


def after_upload(actor: User, version: DocumentVersion, signatures: list[BinaryIO]) -> list[ExternalSignature]:
    """The detached signatures uploaded beside a new version's file, or, with none, the file itself when it is an
    attached CMS."""
    if signatures:
        return [attach_detached(actor, version, stream) for stream in signatures]
    attached = recognise_attached(actor, version)
    return [attached] if attached else []


def recognise_attached(actor: User, version: DocumentVersion) -> ExternalSignature | None:
    """The version's own bytes when they are an attached CMS (the content inside): recorded and checked; None for
    any other file. Judged by content, so a ``.p7m``, ``.sig`` or a file with no name at all is recognised."""
    # Only a file the upload took for a CMS (DER) or for text (PEM, Base64) is read back from storage: a scan or an
    # office document never is.
    if version.media_type not in (CMS, TEXT) or (version.file.size or 0) > MAX_ATTACHED_BYTES:
        return None
    with blob_store().open(version.blob_key) as stream:
        head = stream.read(64)
        if not _may_be_cms(head):
            return None
        data = head + stream.read()
    try:
        info = foreign.load(data)
    except foreign.MalformedSignature:
        return None
    if foreign.attached_content(info) is None:
        return None
    return _added(actor, ExternalSignature(version=version, form="attached", added_by_id=actor.id), info)


def _may_be_cms(head: bytes) -> bool:
    """A cheap look at a file's first bytes before reading it whole: DER with the SignedData OID near the start, PEM,
    or the Base64 of that OID."""
    return (
        b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" in head
        or head.lstrip().startswith(b"-----BEGIN")
        or b"BgkqhkiG9w0BBwKg" in head
    )


def _added(actor: User, signature: ExternalSignature, info: asn1_cms.ContentInfo) -> ExternalSignature:
    db.session.add(signature)
    _record(signature, _finding(signature, info))
    db.session.flush()
    _audit(actor, "external_signature.add", signature)
    return signature


def check(actor: User, signature_id: int) -> ExternalSignature:
    """Check a kept signature again now, against the version's bytes in storage and today's trusted CAs."""
    signature = _get(signature_id)
    get_version(actor, signature.version.document_id, signature.version.number)  # read access to the content
    _record(signature, _recheck(signature))
    _audit(actor, "external_signature.check", signature)
    return signature


def _audit(actor: User, action: str, signature: ExternalSignature) -> None:
    """Ids and the status only: the signer's name is case data."""
    version = signature.version
    record_event(
        actor,
        action,
        "document",
        version.document_id,
        version=version.number,
        external_signature=signature.id,
        status=signature.status,
    )


def read_signature(actor: User, signature_id: int) -> tuple[ExternalSignature, bytes]:
    signature = _get(signature_id)
    get_version(actor, signature.version.document_id, signature.version.number)  # read access to the content
    record_event(
        actor, "external_signature.read", "document", signature.version.document_id, external_signature=signature.id
    )
    return signature, signature_bytes(signature)


def _get(signature_id: int) -> ExternalSignature:
    signature = db.session.get(ExternalSignature, signature_id)
    if signature is None:
        raise NotFound("Подпись не найдена")
    return signature


def signatures_of(version: DocumentVersion) -> list[ExternalSignature]:
    query = select(ExternalSignature).where(ExternalSignature.version_id == version.id).order_by(ExternalSignature.id)
    return list(db.session.scalars(query))


def signatures_of_versions(version_ids: list[int]) -> dict[int, list[ExternalSignature]]:
    """The signatures from outside of many versions in one query (the case page), by version id."""
    found: dict[int, list[ExternalSignature]] = {}
    if not version_ids:
        return found
    query = select(ExternalSignature).where(ExternalSignature.version_id.in_(version_ids))
    for signature in db.session.scalars(query.order_by(ExternalSignature.id)):
        found.setdefault(signature.version_id, []).append(signature)
    return found


def signature_bytes(signature: ExternalSignature) -> bytes:
    """The signature as it came: the detached file, or the attached CMS that is the version itself."""
    return _read(signature.file.key if signature.file else signature.version.blob_key)


def _recheck(signature: ExternalSignature) -> foreign.Finding:
    try:
        info = foreign.load(signature_bytes(signature))
    except StorageError:
        return foreign.Finding("invalid", "signature_unavailable")
    except foreign.MalformedSignature:
        return foreign.Finding("invalid", "malformed")
    return _finding(signature, info)


def _finding(signature: ExternalSignature, info: asn1_cms.ContentInfo) -> foreign.Finding:
    content = foreign.attached_content(info)
    if content is None:
        try:
            content = _read(signature.version.blob_key)
        except StorageError:
            return foreign.Finding("invalid", "content_unavailable")
    return foreign.verify(info, content, trusted_certificates())


def _record(signature: ExternalSignature, found: foreign.Finding) -> None:
    signature.status = found.status
    signature.detail = found.detail
    signature.trusted = found.trusted
    signature.checked_at = utcnow()
    if found.certificate_sha256:  # a signature unreadable now keeps what its earlier check read from it
        signature.algorithm = found.algorithm
        signature.signer = found.signer
        signature.organization = found.organization
        signature.signed_at = found.signed_at
        signature.certificate_sha256 = found.certificate_sha256


def _read(key: str) -> bytes:
    with blob_store().open(key) as stream:
        return stream.read()


# «Доверенные УЦ»


def trusted_authorities() -> list[TrustedAuthority]:
    query = select(TrustedAuthority).where(TrustedAuthority.removed_at.is_(None)).order_by(TrustedAuthority.id)
    return list(db.session.scalars(query))


def trusted_certificates() -> list[bytes]:
    return [
        x509.load_pem_x509_certificate(a.certificate_pem.encode()).public_bytes(serialization.Encoding.DER)
        for a in trusted_authorities()
    ]


def require_may_trust(actor: User) -> None:
    require(actor, Action.TRUST_AUTHORITIES)


def add_authority(actor: User, data: bytes, name: str = "") -> TrustedAuthority:
    """Trust a CA certificate (PEM or DER) for signatures from outside; named by its subject unless given a name."""
    require(actor, Action.TRUST_AUTHORITIES)
    certificate = _certificate(data)
    der = certificate.public_bytes(serialization.Encoding.DER)
    sha256 = hashlib.sha256(der).hexdigest()
    existing = db.session.scalar(select(TrustedAuthority).where(TrustedAuthority.sha256 == sha256))
    if existing is not None and existing.removed_at is None:
        raise Conflict("Этот удостоверяющий центр уже в списке доверенных", code="already_trusted")
    authority = existing or TrustedAuthority(sha256=sha256)
    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    default = str(common_names[0].value) if common_names else certificate.subject.rfc4514_string()
    authority.name = (name.strip() or default)[:300]
    authority.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    authority.not_after = certificate.not_valid_after_utc
    authority.added_by_id, authority.added_at = actor.id, utcnow()
    authority.removed_at, authority.removed_by_id = None, None
    db.session.add(authority)
    db.session.flush()
    record_event(actor, "trusted_authority.add", "trusted_authority", authority.id, sha256=sha256)
    return authority


def remove_authority(actor: User, authority_id: int) -> TrustedAuthority:
    require(actor, Action.TRUST_AUTHORITIES)
    authority = db.session.get(TrustedAuthority, authority_id)
    if authority is None or authority.removed_at is not None:
        raise NotFound("Удостоверяющий центр не найден в списке доверенных")
    authority.removed_at, authority.removed_by_id = utcnow(), actor.id
    record_event(actor, "trusted_authority.remove", "trusted_authority", authority.id, sha256=authority.sha256)
    return authority


def _certificate(data: bytes) -> x509.Certificate:
    """A CA certificate in PEM or DER. GOST certificates load too: only their key is beyond ``cryptography``."""
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise ValidationError("Файл сертификата слишком велик", code="certificate_unreadable")
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise ValidationError(
            "Сертификат не распознан: ожидается сертификат X.509 в PEM или DER", code="certificate_unreadable"
        ) from None
