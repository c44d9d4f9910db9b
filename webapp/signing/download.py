"""A signature file as a download (API and pages alike)."""

from __future__ import annotations

from flask import Response

from webapp.signing.models import ExternalSignature, Signature


def cms_response(signature: Signature, der: bytes) -> Response:
    return _download(der, f"signature-{signature.id}.p7s")


def external_cms_response(signature: ExternalSignature, data: bytes) -> Response:
    """A signature that arrived from outside, as it came (DER, PEM or Base64)."""
    version = signature.version
    return _download(data, f"d{version.document_id}-v{version.number}-x{signature.id}.p7s")


def _download(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pkcs7-signature")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
