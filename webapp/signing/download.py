"""A signature file as a download (API and pages alike)."""

from __future__ import annotations

from flask import Response

from webapp.signing.models import Signature


def cms_response(signature: Signature, der: bytes) -> Response:
    response = Response(der, mimetype="application/pkcs7-signature")
    response.headers["Content-Disposition"] = f'attachment; filename="signature-{signature.id}.p7s"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
