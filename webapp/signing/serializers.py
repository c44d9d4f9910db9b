"""JSON records of electronic signatures, as each viewer is shown them (webapp/cases/serializers.py
`Disclosure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webapp.cases.serializers import Disclosure, Record
from webapp.signing.models import Signature

if TYPE_CHECKING:
    from webapp.signing.services import Verdict

# Electronic signatures are made by the department's staff, in the roles of the form's signature blocks.
SIGNATURE_METADATA = frozenset(
    {
        "id",
        "document_id",
        "version",
        "signer",
        "signer_username",
        "acting_for",
        "role",
        "signed_at",
        "algorithm",
        "certificate_sha256",
        "certificate_serial",
        "valid",
        "status",
        "reason",
    }
)


def signature_json(signature: Signature, shown: Disclosure, verdict: Verdict | None = None) -> Record:
    record: Record = {
        "id": signature.id,
        "document_id": signature.version.document_id,
        "version": signature.version.number,
        "signer": signature.signer.full_name,
        "signer_username": signature.signer.username,
        "acting_for": signature.acting_for.username if signature.acting_for else None,  # a deputy's: for whom
        "role": signature.role,
        "signed_at": signature.signed_at.isoformat(),
        "algorithm": signature.algorithm,
        "certificate_sha256": signature.certificate.sha256,
        "certificate_serial": signature.certificate.serial_number,
    }
    if verdict is not None:
        record.update(valid=verdict.valid, status=verdict.code, reason=verdict.reason)
    return shown.cut(signature.version.document.case, record, SIGNATURE_METADATA)
