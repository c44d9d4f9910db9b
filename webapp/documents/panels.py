"""What each document's card on the case page offers to correct it: «Изменить сведения», «Восстановить» on earlier
versions, «Взять на редактирование» and the line of who holds it, «Отменить редактирование», «Снять блокировку».
The services decide again on every request; these flags only keep the page from offering what they would refuse."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from webapp.auth.models import User
from webapp.cases.permissions import can_write_case
from webapp.documents.corrections import case_refusal
from webapp.documents.models import Document, DocumentCheckout
from webapp.extensions import db
from webapp.policy import Action, allowed


@dataclass(frozen=True)
class CorrectionPanel:
    revision: int  # the document's, sent back with «Изменить сведения»
    may_edit: bool
    title_only: bool  # the archivist in a closed case: the title, with a reason
    type_fixed: bool  # made from a form: its type is the form's
    may_restore: bool
    checkout: DocumentCheckout | None
    may_check_out: bool
    may_cancel: bool  # the holder
    may_break: bool  # the head, someone else's


def correction_panels(actor: User, documents: list[Document]) -> dict[int, CorrectionPanel]:
    ids = [document.id for document in documents]
    held = {
        c.document_id: c
        for c in db.session.scalars(select(DocumentCheckout).where(DocumentCheckout.document_id.in_(ids)))
    }
    panels = {}
    for document in documents:
        case = document.case
        refusal = case_refusal(case)
        writes = can_write_case(actor, case)
        archival = refusal is not None and case.status != "destroyed" and allowed(actor, Action.KEEP_ARCHIVE)
        checkout = held.get(document.id)
        free = checkout is None or checkout.holder_id == actor.id
        versions_open = case.status == "open" and writes and document.status != "annulled"
        panels[document.id] = CorrectionPanel(
            revision=document.revision,
            may_edit=(refusal is None and writes) or archival,
            title_only=refusal is not None,
            type_fixed=any(version.template_version_id for version in document.versions),
            may_restore=versions_open and free and len(document.versions) > 1,
            checkout=checkout,
            may_check_out=versions_open and refusal is None and checkout is None,
            may_cancel=checkout is not None and checkout.holder_id == actor.id,
            may_break=checkout is not None
            and checkout.holder_id != actor.id
            and allowed(actor, Action.BREAK_CHECKOUTS),
        )
    return panels
