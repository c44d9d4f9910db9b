"""Electronic signatures of document versions: who may sign in which role, signing, and checking a signature
again, now, against the bytes in storage."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from document_templates.manifest import Manifest
from storage import StorageError, version_key
from webapp.audit.services import record_event
from webapp.auth.deputies import acting_principal
from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.cases.permissions import can_write_case
from webapp.documents.models import DocumentVersion
from webapp.documents.services import get_version
from webapp.events import publish
from webapp.exceptions import Conflict, DomainError, Forbidden, NotFound, ValidationError
from webapp.extensions import db
from webapp.policy import Action, Actor, allowed
from webapp.runtime import blob_store, signing_authority
from webapp.signing import archive, cms, timestamps
from webapp.signing.events import VersionSigned
from webapp.signing.keys import active_certificates, revoke, signing_key
from webapp.signing.models import Signature, SigningCertificate
from webapp.signing.pki import ALGORITHM, Revoked, fingerprint

APPROVAL_ROLE = "утверждаю"
# Roles the department's staff sign electronically, and who may take them. The other roles of a form (the family's
# representative, those present, the director) sign the paper original, which is then scanned in.
STAFF_ROLES = {
    "составил": Action.SIGN_COMPILED,
    "специалист": Action.SIGN_COMPILED,
    # A commission's protocol (webapp.hearings): its chair is the head; its secretary is one of the staff who
    # writes the commission's protocols case.
    "председатель": Action.SIGN_APPROVAL,
    "секретарь": Action.SIGN_COMPILED,
    APPROVAL_ROLE: Action.SIGN_APPROVAL,
}
DEFAULT_ROLES = ("составил", APPROVAL_ROLE)
# A signature whose certificate has since expired, or been revoked after its trusted timestamp (CAdES-T).
TIMESTAMPED = "Действительна на момент подписания (штамп времени)"
# A timestamp that no longer proves the time (its TSA certificate expired without an archive timestamp) leaves only
# the time the signer's CMS states, which proves nothing once the certificate has expired or been revoked.
TIME_UNPROVEN = (
    "Время подписания больше не доказано: сертификат истёк или отозван, а срок штампа времени вышел без архивного "
    "штампа (casefiles signatures restamp)"
)


@dataclass(frozen=True)
class Verdict:
    valid: bool
    code: str  # "valid" or why not
    reason: str  # a sentence for people
    archived_at: dt.datetime | None = None  # the latest archive timestamp (CAdES-A), when it holds


def signature_roles(version: DocumentVersion) -> list[str]:
    """The signature blocks of the form the version was rendered from (or the defaults for an upload), and
    always «утверждаю»: every document can be approved."""
    roles: list[str] = []
    if version.template_version is not None:
        manifest = Manifest.model_validate(version.template_version.manifest)
        roles = [field.role for field in manifest.fields if field.type == "signature"]
    roles = roles or list(DEFAULT_ROLES)
    return list(dict.fromkeys([*roles, APPROVAL_ROLE]))


def electronic_roles(user: User, version: DocumentVersion) -> list[str]:
    """The roles of this version the user may sign electronically (whether signing is allowed now aside)."""
    return [role for role in signature_roles(version) if role in STAFF_ROLES and _may_sign_as(user, role)]


def _may_sign_as(user: User, role: str) -> bool:
    """The role's action is the user's own, or «утверждаю» for a principal they stand in for today."""
    return allowed(user, STAFF_ROLES[role]) or (role == APPROVAL_ROLE and _acting_for(user, role) is not None)


def _acting_for(user: User, role: str) -> User | None:
    """Whom a signature in this role is made for: a deputy's «утверждаю» is the absent head's (None: the
    signer's own)."""
    return acting_principal(user, Action.SIGN_APPROVAL) if role == APPROVAL_ROLE else None


def sign_version(actor: User, document_id: int, number: int, role: str, pin: str | None = None) -> Signature:
    """Sign with the actor's key, opened with their PIN (or the one given to `keys.given_pin`): PinNotSet,
    PinRequired, WrongPin (webapp.signing.keys) when it cannot be."""
    version = get_version(actor, document_id, number)
    document = version.document
    _require_may_sign(actor, version, role)
    content = _read_verified(version)
    certificate, private_key = signing_key(actor, pin)
    certificate = timestamps.renewed(actor, certificate)  # CASEFILES_CERT_YEARS: the same key, a new certificate
    signer_certificate = x509.load_pem_x509_certificate(certificate.certificate_pem.encode("ascii"))
    der = cms.sign_detached(content, signer_certificate, private_key)
    der, stamped = timestamps.stamp(der)  # before anything is written: no TSA, no signature
    signed = cms.read_signature(der)
    case = document.case
    key = f"{version_key(case.year, case.entry.index, case.sequence, document.id, number)}-sig-{secrets.token_hex(4)}"
    stored = blob_store().put(key, io.BytesIO(der), media_type="application/pkcs7-signature")
    acting_for = _acting_for(actor, role)
    signature = Signature(
        version_id=version.id,
        signer_id=actor.id,
        acting_for_id=acting_for.id if acting_for else None,
        certificate_id=certificate.id,
        role=role,
        signed_at=signed.signing_time,
        timestamped_at=stamped.time,
        algorithm=ALGORITHM,
        file=StoredFile.of(stored, "signature", "application/pkcs7-signature"),
    )
    db.session.add(signature)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"Версия уже подписана в роли «{role}»", code="already_signed") from None
    acting = {"acting_for": acting_for.id} if acting_for else {}
    record_event(actor, "signature.create", "document", document.id, version=number, signature=signature.id, **acting)
    publish(VersionSigned(document.id, version.id, signature.id, actor.id))
    return signature


def _require_may_sign(actor: User, version: DocumentVersion, role: str) -> None:
    refusal = _refusal(actor, version, role)
    if refusal is not None:
        raise refusal


def signable_roles(actor: User, version: DocumentVersion) -> list[str]:
    """The roles the actor may sign this version in right now."""
    return [role for role in electronic_roles(actor, version) if _refusal(actor, version, role) is None]


def _refusal(actor: User, version: DocumentVersion, role: str) -> DomainError | None:
    document = version.document
    roles = signature_roles(version)
    if role not in roles:
        return ValidationError(f"role: у этого документа нет роли «{role}»; есть: {', '.join(roles)}", code="invalid")
    action = STAFF_ROLES.get(role)
    if action is None:
        return Conflict(
            f"В роли «{role}» подписывают на бумаге: загрузите скан подписанного экземпляра новой версией",
            code="paper_role",
        )
    if not _may_sign_as(actor, role) or (role != APPROVAL_ROLE and not can_write_case(actor, document.case)):
        return Forbidden(f"Подписать в роли «{role}» может только {_who(action)}")
    if document.case.status != "open":
        return Conflict("Дело закрыто: документы в нём не подписываются", code="case_closed")
    if document.version_status(version) == "superseded":
        return Conflict("Версия заменена более новой: подписывается только последняя", code="version_superseded")
    if document.status == "annulled":
        return Conflict("Документ аннулирован и не подписывается", code="document_annulled")
    if role == APPROVAL_ROLE and document.status != "approved":
        return Conflict("Подпись «утверждаю» ставится на утверждённый документ", code="not_approved")
    if any(signature.role == role for signature in version.signatures):
        return Conflict(f"Версия уже подписана в роли «{role}»", code="already_signed")
    return None


def _who(action: Action) -> str:
    return "заведующий отделением" if action is Action.SIGN_APPROVAL else "специалист участка или заведующий"


def _read_verified(version: DocumentVersion) -> bytes:
    """The version's bytes, refusing to sign if they no longer match what was stored."""
    with blob_store().open(version.blob_key) as stream:
        content = stream.read()
    if hashlib.sha256(content).hexdigest() != version.sha256:
        raise Conflict(
            "Содержимое версии в хранилище не совпадает с записанной контрольной суммой: подписывать нельзя",
            code="fixity_mismatch",
        )
    return content


def signatures_of(actor: User, document_id: int, number: int) -> list[tuple[Signature, Verdict]]:
    """The version's signatures, each checked now against the stored bytes."""
    version = get_version(actor, document_id, number)
    record_event(actor, "signature.verify", "document", document_id, version=number)
    return checked_signatures(version)


def checked_signatures(version: DocumentVersion) -> list[tuple[Signature, Verdict]]:
    """Each signature of a version the caller has access to, checked now (the stored bytes are hashed once, and
    once more per prefix for archive timestamps)."""
    if not version.signatures:
        return []
    content = version_content(version)
    content_sha256 = stored_sha256(content)
    return [(signature, verify(signature, content_sha256, content)) for signature in version.signatures]


def version_content(version: DocumentVersion) -> archive.Content:
    """The version's bytes in storage now (not the recorded digest: a signature is checked against what is kept)."""
    key = version.blob_key
    return archive.Content(lambda: blob_store().open(key))


def verify(signature: Signature, content_sha256: str | None, content: archive.Content | None = None) -> Verdict:
    """Check a signature as an outside verifier would, from its CMS blob, plus the revocation list; its archive
    timestamps too when the content is given."""
    try:
        der = _read_blob(signature.file.key)
        signed = cms.read_signature(der)
    except StorageError:  # a verdict, not a failure: the other signatures of the version are still checked
        return Verdict(False, "signature_unavailable", "Файл подписи недоступен в хранилище")
    except (cms.MalformedSignature, InvalidSignature):
        return Verdict(False, "bad_signature", "Подпись повреждена: не сходится с сертификатом подписанта")
    try:  # a signature made before timestamps has none: as it was checked
        trusted = timestamps.trusted_time(signed, der, content if content_sha256 is not None else None)
    except StorageError:
        return Verdict(False, "content_unavailable", "Содержимое версии недоступно: проверить нельзя")
    verdict = _judge(signature, signed, trusted, content_sha256)
    return dataclasses.replace(verdict, archived_at=trusted.archived_at) if trusted.archived_at else verdict


def _judge(
    signature: Signature, signed: cms.SignedContent, trusted: timestamps.TrustedTime, content_sha256: str | None
) -> Verdict:
    when = trusted.time or signed.signing_time
    if content_sha256 is None:
        return Verdict(False, "content_unavailable", "Содержимое версии недоступно: проверить нельзя")
    if not cms.content_matches(signed, content_sha256):
        return Verdict(False, "content_changed", "Содержимое версии изменено после подписания")
    if not signing_authority().issued_by_me(signed.certificate):
        return Verdict(False, "chain_broken", "Сертификат подписанта выдан не удостоверяющим центром учреждения")
    if not signed.certificate.not_valid_before_utc <= when <= signed.certificate.not_valid_after_utc:
        return Verdict(False, "certificate_expired", "Подписано вне срока действия сертификата")
    record = _certificate_record(signature, signed.certificate)
    if record is None:
        return Verdict(False, "chain_broken", "Сертификат подписанта не выдавался этой системой")
    if record.revoked_at is not None and record.revoked_at <= when:
        return Verdict(False, "revoked", "Сертификат отозван до момента подписания")
    if trusted.broken:
        return Verdict(False, "timestamp_invalid", "Штамп времени повреждён или относится к другой подписи")
    expired = timestamps.now() > signed.certificate.not_valid_after_utc
    if trusted.time is not None and (expired or record.revoked_at is not None):
        return Verdict(True, "valid_timestamped", TIMESTAMPED)
    if signed.timestamp_token is not None and trusted.time is None and (expired or record.revoked_at is not None):
        return Verdict(False, "time_unproven", TIME_UNPROVEN)
    return Verdict(True, "valid", "Подпись верна")


def _certificate_record(signature: Signature, certificate: x509.Certificate) -> SigningCertificate | None:
    """The row of the certificate in the CMS: the one the signature names, loaded with it, when it is that one (a
    page of signatures checks them without a query each); else looked up by fingerprint."""
    sha256 = fingerprint(certificate)
    if signature.certificate.sha256 == sha256:
        return signature.certificate
    return db.session.scalar(select(SigningCertificate).where(SigningCertificate.sha256 == sha256))


def stored_sha256(content: archive.Content) -> str | None:
    try:
        return content.digest("sha256").hex()
    except StorageError:  # a verdict says the content cannot be checked, rather than the page failing
        return None


def signature_cms(actor: User, signature_id: int) -> tuple[Signature, bytes]:
    signature = db.session.get(Signature, signature_id)
    if signature is None:
        raise NotFound("Подпись не найдена")
    get_version(actor, signature.version.document_id, signature.version.number)  # read access to the case
    der = _read_blob(signature.file.key)
    record_event(actor, "signature.read", "document", signature.version.document_id, signature=signature.id)
    return signature, der


def _read_blob(key: str) -> bytes:
    with blob_store().open(key) as stream:
        return stream.read()


def revoke_certificates(actor: Actor, user: User, reason: str) -> int:
    """Revoke every valid certificate of the user: signatures made before now stay valid, new ones fail."""
    certificates = active_certificates(user)
    for certificate in certificates:
        revoke(certificate, reason)
        record_event(actor, "certificate.revoke", "user", user.id, certificate=certificate.id)
    return len(certificates)


def revocation_list() -> bytes:
    """The current revocation list (PEM), rendered from the database when asked: every node answers the same,
    and nothing is written to the CA folder (a read-only mount on each machine)."""
    return signing_authority().crl_pem(_revoked())


def _revoked() -> Iterable[Revoked]:
    rows = db.session.scalars(select(SigningCertificate).where(SigningCertificate.revoked_at.is_not(None))).all()
    return [Revoked(int(row.serial_number, 16), row.revoked_at) for row in rows if row.revoked_at is not None]


def deactivate_user(actor: Actor, user: User, reason: str) -> int:
    """Block the user's login and API tokens, and revoke their certificates; returns how many were revoked."""
    if actor.id == user.id:
        raise Conflict("Нельзя деактивировать собственную учётную запись", code="self_deactivation")
    if user.is_active:
        user.is_active = False
        user.session_version += 1  # every open session ends
        record_event(actor, "user.deactivate", "user", user.id)
    return revoke_certificates(actor, user, reason or "Пользователь деактивирован")
