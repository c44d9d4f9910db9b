"""JSON records of electronic signatures, as each viewer is shown them (webapp/cases/serializers.py
`Disclosure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webapp.cases.serializers import Disclosure, Record
from webapp.signing.models import ExternalSignature, Signature

if TYPE_CHECKING:
    from webapp.signing.services import Verdict

# Electronic signatures are made by the department's staff, in the roles of the form's signature blocks.
SIGNATURE_METADATA = frozenset(
    {
        "id",
        "origin",
        "document_id",
        "version",
        "signer",
        "signer_username",
        "acting_for",
        "role",
        "signed_at",
        "timestamped_at",
        "archived_at",
        "algorithm",
        "certificate_sha256",
        "certificate_serial",
        "valid",
        "status",
        "reason",
        "trusted",
    }
)


def signature_json(signature: Signature, shown: Disclosure, verdict: Verdict | None = None) -> Record:
    record: Record = {
        "id": signature.id,
        "origin": "internal",
        "document_id": signature.version.document_id,
        "version": signature.version.number,
        "signer": signature.signer.full_name,
        "signer_username": signature.signer.username,
        "acting_for": signature.acting_for.username if signature.acting_for else None,  # a deputy's: for whom
        "role": signature.role,
        "signed_at": signature.signed_at.isoformat(),
        "timestamped_at": signature.timestamped_at.isoformat() if signature.timestamped_at else None,
        "algorithm": signature.algorithm,
        "certificate_sha256": signature.certificate.sha256,
        "certificate_serial": signature.certificate.serial_number,
    }
    if verdict is not None:
        # Trusted: the certificate chains to the institution's CA (the API's list shows outside ones beside it).
        trusted = verdict.code not in ("chain_broken", "bad_signature", "signature_unavailable")
        record.update(valid=verdict.valid, status=verdict.code, reason=verdict.reason, trusted=trusted)
        # The latest archive timestamp (CAdES-A, `casefiles signatures restamp`) that holds over the signature.
        record["archived_at"] = verdict.archived_at.isoformat() if verdict.archived_at else None
    return shown.cut(signature.version.document.case, record, SIGNATURE_METADATA)


# A signature from outside: the signer and organisation come from someone else's certificate and are case data.
EXTERNAL_METADATA = frozenset(
    {
        "id",
        "origin",
        "form",
        "document_id",
        "version",
        "signed_at",
        "archived_at",
        "algorithm",
        "status",
        "trusted",
        "checked_at",
    }
)
EXTERNAL_REASONS = {
    "": "Подпись верна",
    "content_changed": "Содержимое документа не совпадает с подписанным",
    "bad_signature": "Подпись не сходится с сертификатом подписанта",
    "no_certificate": "В подписи нет сертификата подписанта",
    "certificate_expired": "Подписано вне срока действия сертификата подписанта",
    "malformed": "Файл подписи повреждён",
    "unsupported_algorithm": "Алгоритм подписи не поддерживается",
    "needs_gost_engine": "Документ слишком велик для проверки по ГОСТ без модуля libengine-gost-openssl на сервере",
    "signature_unavailable": "Файл подписи недоступен в хранилище",
    "content_unavailable": "Содержимое версии недоступно: проверить нельзя",
}


def external_signature_json(signature: ExternalSignature, shown: Disclosure) -> Record:
    record: Record = {
        "id": signature.id,
        "origin": "external",
        "form": signature.form,  # "detached" (a .sig/.p7s beside the file) or "attached" (the file is the CMS)
        "document_id": signature.version.document_id,
        "version": signature.version.number,
        "signer": signature.signer,
        "organization": signature.organization,
        "signed_at": signature.signed_at.isoformat() if signature.signed_at else None,
        "timestamped_at": None,
        "archived_at": None,  # kept as it came: never restamped
        "algorithm": signature.algorithm,
        "certificate_sha256": signature.certificate_sha256,
        "valid": signature.status == "valid",
        "status": signature.status,
        "reason": external_reason(signature),
        "trusted": signature.trusted,
        "checked_at": signature.checked_at.isoformat() if signature.checked_at else None,
    }
    return shown.cut(signature.version.document.case, record, EXTERNAL_METADATA)


def external_reason(signature: ExternalSignature) -> str:
    if signature.status == "valid":
        return "Подпись верна" if signature.trusted else "Подпись верна, цепочка сертификатов не доверенная"
    return EXTERNAL_REASONS.get(signature.detail, "Подпись не проверена")
