"""Signatures of versions, the CA certificate and CRL, and the approval workflow of documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request

from webapp.api import actor, api, json_body, shown
from webapp.auth.models import User
from webapp.documents import workflow
from webapp.documents.models import Document
from webapp.documents.serializers import document_json, transition_json
from webapp.documents.services import get_document, get_version
from webapp.runtime import signing_authority
from webapp.signing import external, services
from webapp.signing.download import cms_response
from webapp.signing.keys import given_pin
from webapp.signing.pin import pin_attempt
from webapp.signing.schemas import ApproveInput, SignInput, WorkflowInput
from webapp.signing.serializers import external_signature_json, signature_json
from webapp.uow import commit
from webapp.validation import parse_input


@api.post("/documents/<int:document_id>/versions/<int:number>/signatures")
def sign(document_id: int, number: int) -> tuple[dict[str, Any], int]:
    data = parse_input(SignInput, json_body())
    with pin_attempt(actor(), request.remote_addr or ""):
        signature = services.sign_version(actor(), document_id, number, data.role, data.pin)
    commit()
    return signature_json(signature, shown()), 201


@api.get("/documents/<int:document_id>/versions/<int:number>/signatures")
def signatures(document_id: int, number: int) -> dict[str, Any]:
    checked = services.signatures_of(actor(), document_id, number)
    # Signatures from outside as their last check found them (POST /external-signatures/{id}/check checks again).
    arrived = external.signatures_of(get_version(actor(), document_id, number))
    commit()
    cut = shown()
    items = [signature_json(signature, cut, verdict) for signature, verdict in checked]
    items += [external_signature_json(signature, cut) for signature in arrived]
    return {"items": items, "total": len(items)}


@api.get("/signatures/<int:signature_id>/cms")
def signature_cms(signature_id: int) -> Response:
    signature, der = services.signature_cms(actor(), signature_id)
    commit()
    return cms_response(signature, der)


@api.get("/ca.pem")
def ca_certificate() -> Response:
    return Response(signing_authority().pem, mimetype="application/x-pem-file")


@api.get("/ca.crl")
def ca_crl() -> Response:
    """The revocation list, rendered from the database: the same on every node (webapp.signing.pki.crl_pem)."""
    return Response(services.revocation_list(), mimetype="application/pkix-crl")


@api.get("/documents/<int:document_id>/workflow")
def document_workflow(document_id: int) -> dict[str, Any]:
    document = get_document(actor(), document_id)
    items = workflow.transitions(document)
    cut = shown()
    steps = [transition_json(item, document.case, cut) for item in items]
    return {"status": document.status, "items": steps, "total": len(steps)}


@api.get("/approvals")
def approval_queue() -> dict[str, Any]:
    documents = workflow.approval_queue(actor())
    cut = shown()
    return {"items": [document_json(document, cut) for document in documents], "total": len(documents)}


def _step(document_id: int, move: Callable[[User, Document, WorkflowInput], Document]) -> dict[str, Any]:
    data = parse_input(WorkflowInput, json_body() if request.content_length else {})
    document = move(actor(), get_document(actor(), document_id), data)
    commit()
    return document_json(document, shown())


@api.post("/documents/<int:document_id>/submit")
def submit(document_id: int) -> dict[str, Any]:
    return _step(document_id, lambda user, document, data: workflow.submit(user, document, data.comment))


@api.post("/documents/<int:document_id>/return")
def return_for_rework(document_id: int) -> dict[str, Any]:
    return _step(document_id, lambda user, document, data: workflow.return_for_rework(user, document, data.comment))


@api.post("/documents/<int:document_id>/annul")
def annul(document_id: int) -> dict[str, Any]:
    return _step(document_id, lambda user, document, data: workflow.annul(user, document, data.comment))


@api.post("/documents/<int:document_id>/approve")
def approve(document_id: int) -> dict[str, Any]:
    data = parse_input(ApproveInput, json_body())
    if data.pin:
        with pin_attempt(actor(), request.remote_addr or ""), given_pin(actor(), data.pin):
            document = workflow.approve(actor(), get_document(actor(), document_id), data.version, data.comment)
    else:
        document = workflow.approve(actor(), get_document(actor(), document_id), data.version, data.comment)
    commit()
    return document_json(document, shown())
