"""The workflow and signing panel of each document on the case page: its steps, its checked signatures, and what
the viewer may do with it now (submit, approve or return, sign in which roles)."""

from __future__ import annotations

from dataclasses import dataclass, field

from webapp.auth.deputies import may_take
from webapp.auth.models import User
from webapp.cases.permissions import can_write_case
from webapp.cases.serializers import Disclosure, Record
from webapp.documents import workflow
from webapp.documents.models import Document
from webapp.documents.serializers import transition_json
from webapp.policy import Action, allowed
from webapp.signing import external, services
from webapp.signing.models import ExternalSignature, Signature
from webapp.signing.services import Verdict

TRANSITION_LABELS = {
    "submit": "Направлен на утверждение",
    "approve": "Утверждён",
    "return": "Возвращён на доработку",
    "annul": "Аннулирован",
    "new_version": "Новая версия — снова черновик",
}
PAPER_ROWS = 4


@dataclass(frozen=True)
class DocumentPanel:
    """What the case page shows and offers for one document."""

    transitions: list[Record]  # the workflow's steps as the viewer is shown them (webapp/documents/serializers.py)
    checked: dict[int, list[tuple[Signature, Verdict]]]  # by version number
    roles: list[str]  # every signature role of the latest version (for the paper form)
    signable: list[str]  # the roles the viewer may sign the latest version in now
    may_submit: bool
    may_decide: bool  # approve or return: the head, or a deputy in force for them
    may_annul: bool  # the head's own
    # Signatures from outside as their last check found them, by version number (webapp.signing.external)
    external: dict[int, list[ExternalSignature]] = field(default_factory=dict)


def document_panels(actor: User, documents: list[Document], shown: Disclosure) -> dict[int, DocumentPanel]:
    panels = {}
    steps = workflow.transitions_of(documents)
    may_approve = may_take(actor, Action.APPROVE_DOCUMENTS)  # once for the page: a deputy's asks the database
    readable = [v.id for document in documents if document.case.status != "destroyed" for v in document.versions]
    arrived = external.signatures_of_versions(readable)
    for document in documents:
        latest = document.latest_version
        if latest is None:
            continue
        is_open = document.case.status == "open"
        panels[document.id] = DocumentPanel(
            transitions=[transition_json(step, document.case, shown) for step in steps[document.id]],
            checked={
                version.number: services.checked_signatures(version)
                for version in document.versions
                if version.signatures and document.case.status != "destroyed"
            },
            roles=services.signature_roles(latest),
            signable=services.signable_roles(actor, latest),
            may_submit=is_open and document.status == "draft" and can_write_case(actor, document.case),
            may_decide=is_open and may_approve,
            may_annul=is_open and allowed(actor, Action.APPROVE_DOCUMENTS),
            external={version.number: arrived[version.id] for version in document.versions if version.id in arrived},
        )
    return panels
