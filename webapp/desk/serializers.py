"""The API's and the case page's record of a case with its documents, as each viewer is shown it."""

from __future__ import annotations

from sqlalchemy import select

from webapp.cases.models import Case
from webapp.cases.serializers import Disclosure, Record, case_json
from webapp.documents.models import Document, DocumentCheckout
from webapp.documents.serializers import document_json
from webapp.extensions import db


def case_with_documents_json(case: Case, documents: list[Document], shown: Disclosure) -> Record:
    ids = [document.id for document in documents]
    # Who holds which, in one query for the page's documents instead of one a document.
    query = select(DocumentCheckout).where(DocumentCheckout.document_id.in_(ids))
    held = {checkout.document_id: checkout for checkout in db.session.scalars(query)} if ids else {}
    return {
        **case_json(case, shown),
        "documents": [document_json(document, shown, checkouts=held) for document in documents],
    }
