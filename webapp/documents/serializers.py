"""JSON records of documents, their versions and workflow steps, as each viewer is shown them
(webapp/cases/serializers.py `Disclosure`)."""

from __future__ import annotations

from collections.abc import Mapping

from webapp.cases.models import Case
from webapp.cases.serializers import Disclosure, Record, iso
from webapp.documents.models import Document, DocumentCheckout, DocumentTransition, DocumentVersion
from webapp.extensions import db
from webapp.signing.serializers import signature_json

DOCUMENT_METADATA = frozenset({"id", "case_id", "title", "type", "date", "status", "revision", "checkout", "versions"})
VERSION_METADATA = frozenset(
    {
        "number",
        "sha256",
        "size",
        "media_type",
        "created_at",
        "author",
        "author_name",
        "template",
        "status",
        "signatures",
        "signed_on_paper",
    }
)
TRANSITION_METADATA = frozenset(
    {"version", "action", "from_status", "to_status", "actor", "actor_name", "acting_for", "acting_for_name", "at"}
)


def document_json(
    document: Document, shown: Disclosure, *, checkouts: Mapping[int, DocumentCheckout] | None = None
) -> Record:
    """`checkouts`: those of many documents read at once by the caller (a document missing has none); else looked up."""
    checkout = checkouts.get(document.id) if checkouts is not None else db.session.get(DocumentCheckout, document.id)
    record = {
        "id": document.id,
        "case_id": document.case_id,
        "title": document.title,
        "type": document.type,
        "date": iso(document.dated_on),
        "status": document.status,
        "revision": document.revision,
        "checkout": checkout_json(checkout),
        "versions": [version_json(version, shown) for version in document.versions],
    }
    return shown.cut(document.case, record, DOCUMENT_METADATA)


def checkout_json(checkout: DocumentCheckout | None) -> Record | None:
    """Who has the document checked out, since when (staff, not family data: metadata)."""
    if checkout is None:
        return None
    return {"holder": checkout.holder.username, "holder_name": checkout.holder.full_name, "since": iso(checkout.since)}


def version_json(version: DocumentVersion, shown: Disclosure) -> Record:
    record = {
        "number": version.number,
        "sha256": version.sha256,
        "size": version.size,
        "media_type": version.media_type,
        "created_at": version.created_at.isoformat(),
        "author": version.author.username,
        "author_name": version.author.full_name,
        "comment": version.comment,
        "template": (
            {"id": version.template_version.template.code, "version": version.template_version.number}
            if version.template_version
            else None
        ),
        "status": version.document.version_status(version),
        "signatures": [signature_json(signature, shown) for signature in version.signatures],
        "signed_on_paper": version.signed_on_paper,
        "paper_signatures": [{"name": paper.name, "role": paper.role} for paper in version.paper_signatures],
    }
    return shown.cut(version.document.case, record, VERSION_METADATA)


def transition_json(transition: DocumentTransition, case: Case, shown: Disclosure) -> Record:
    """A step of the workflow of a document of `case`."""
    record = {
        "version": transition.version_number,
        "action": transition.action,
        "from_status": transition.from_status,
        "to_status": transition.to_status,
        "actor": transition.actor.username,
        "actor_name": transition.actor.full_name,
        # A deputy's step: whom they stood in for (webapp.auth.deputies); None for one's own.
        "acting_for": transition.acting_for.username if transition.acting_for else None,
        "acting_for_name": transition.acting_for.full_name if transition.acting_for else None,
        "at": transition.occurred_at.isoformat(),
        "comment": transition.comment,
    }
    return shown.cut(case, record, TRANSITION_METADATA)
