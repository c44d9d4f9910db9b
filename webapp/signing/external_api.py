"""Signatures that arrive from outside (a detached .sig/.p7s added to a version, checked again on demand, read back
as they came) and the trusted certification authorities for them."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from flask import Response, request

from webapp.api import actor, api, shown
from webapp.exceptions import ValidationError
from webapp.signing import external
from webapp.signing.download import external_cms_response
from webapp.signing.models import TrustedAuthority
from webapp.signing.serializers import external_signature_json
from webapp.uow import commit


@api.post("/documents/<int:document_id>/versions/<int:number>/attached-signatures")
def add_external_signature(document_id: int, number: int) -> tuple[dict[str, Any], int]:
    version = external.writable_version(actor(), document_id, number)
    signature = external.attach_detached(actor(), version, _single_file("signature"))
    commit()
    return external_signature_json(signature, shown()), 201


@api.post("/external-signatures/<int:signature_id>/check")
def check_external_signature(signature_id: int) -> dict[str, Any]:
    signature = external.check(actor(), signature_id)
    commit()
    return external_signature_json(signature, shown())


@api.get("/external-signatures/<int:signature_id>/cms")
def external_signature_cms(signature_id: int) -> Response:
    signature, data = external.read_signature(actor(), signature_id)
    commit()
    return external_cms_response(signature, data)


@api.get("/trusted-authorities")
def trusted_authorities() -> dict[str, Any]:
    external.require_may_trust(actor())
    items = [authority_json(authority) for authority in external.trusted_authorities()]
    return {"items": items, "total": len(items)}


@api.post("/trusted-authorities")
def add_trusted_authority() -> tuple[dict[str, Any], int]:
    external.require_may_trust(actor())
    data = _single_file("certificate").read(external.MAX_CERTIFICATE_BYTES + 1)
    authority = external.add_authority(actor(), data, request.form.get("name", ""))
    commit()
    return authority_json(authority), 201


@api.delete("/trusted-authorities/<int:authority_id>")
def remove_trusted_authority(authority_id: int) -> tuple[str, int]:
    external.remove_authority(actor(), authority_id)
    commit()
    return "", 204


def authority_json(authority: TrustedAuthority) -> dict[str, Any]:
    return {
        "id": authority.id,
        "name": authority.name,
        "sha256": authority.sha256,
        "not_after": authority.not_after.isoformat(),
        "added_at": authority.added_at.isoformat(),
    }


def _single_file(name: str) -> BinaryIO:
    files = request.files.getlist(name)
    if len(files) != 1:
        raise ValidationError(f"Приложите ровно один файл в поле {name}", code="missing_file")
    return cast(BinaryIO, files[0].stream)
