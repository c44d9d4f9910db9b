"""The API's and the case page's record of a case with its documents, as each viewer is shown it."""

from __future__ import annotations

from webapp.cases.models import Case
from webapp.cases.serializers import Disclosure, Record, case_json
from webapp.documents.models import Document
from webapp.documents.serializers import document_json


def case_with_documents_json(case: Case, documents: list[Document], shown: Disclosure) -> Record:
    return {**case_json(case, shown), "documents": [document_json(document, shown) for document in documents]}
