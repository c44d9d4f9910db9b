"""The protocol of a hearing: rendered from the decisions entered per item into the commission's protocols case,
as a document of the form «Протокол заседания» (the institution may replace its layout on «Шаблоны»). Rendered
again, it becomes a new version of the same document. Approval and signatures (the chair «председатель», the
secretary «секретарь», the head «утверждаю») go through the documents' workflow and signing like any document's;
approval files the decisions back into the cases (webapp.hearings.filing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.exceptions import Conflict
from webapp.forms.services import add_form_version, create_form_document
from webapp.hearings.models import Commission, CommissionMember, Hearing, HearingItem
from webapp.hearings.services import managed_hearing
from webapp.runtime import local_time

PROTOCOL_FORM = "hearing_protocol"
RENDERED_AGAIN = "Протокол составлен заново по решениям заседания"


def render_protocol(actor: User, hearing_id: int) -> Hearing:
    """The hearing's protocol (`hearing.protocol_document`) from its decisions: a new document of the commission's
    protocols case, or a new version of the one rendered before (a new protocol if that one was annulled)."""
    hearing = managed_hearing(actor, hearing_id)
    if hearing.status != "held":
        raise Conflict("Протокол составляется по проведённому заседанию до его утверждения", code="hearing_status")
    _require_decisions(hearing)
    case = protocols_case(hearing.commission)
    values = protocol_values(hearing)
    document = hearing.protocol_document
    if document is None or document.status == "annulled":
        document = create_form_document(
            actor, case.id, PROTOCOL_FORM, values, title=protocol_title(hearing), dated_on=hearing_day(hearing)
        )
        hearing.protocol_document = document
    else:
        latest = document.latest_version
        assert latest is not None
        add_form_version(actor, document.id, latest.number, values, RENDERED_AGAIN)
    number = document.latest_version.number if document.latest_version else 1
    record_event(actor, "hearing.protocol", "hearing", hearing.id, document=document.id, version=number)
    return hearing


def _require_decisions(hearing: Hearing) -> None:
    for position, item in enumerate(hearing.items, 1):
        if not item.decision_kind or not item.decision:
            raise Conflict(
                f"Не внесено решение по вопросу № {position} повестки: протокол составляется, когда решены все",
                code="undecided_item",
                details=[{"position": position, "item_id": item.id}],
            )


def protocols_case(commission: Commission) -> Case:
    case = commission.protocols_case
    if case is None:
        raise Conflict(
            "У комиссии не указано дело для протоколов: укажите его в настройках комиссии", code="no_protocols_case"
        )
    if case.status != "open":
        raise Conflict(f"Дело для протоколов {case.number} закрыто: укажите комиссии открытое дело", code="case_closed")
    return case


def hearing_day(hearing: Hearing) -> dt.date:
    """The hearing's date in the institution's zone (a late evening's hearing is not the next day's)."""
    return local_time(hearing.starts_at).date()


def protocol_title(hearing: Hearing) -> str:
    return f"Протокол заседания № {hearing.number} от {hearing_day(hearing):%d.%m.%Y}: {hearing.commission.name}"[:500]


def institution_name() -> str:
    name: str = current_app.config["CASEFILES"].institution_name
    return name


def protocol_values(hearing: Hearing) -> dict[str, Any]:
    """The form's values: who was there, the agenda, and per item what was heard, said and decided."""
    commission = hearing.commission
    chair, secretary = _member(commission, "chair"), _member(commission, "secretary")
    members = [m for m in commission.current_members if m.role == "member"]
    return {
        "institution": institution_name(),
        "commission": commission.name,
        "number": hearing.number,
        "hearing_date": hearing_day(hearing).isoformat(),
        "hearing_time": f"{local_time(hearing.starts_at):%H:%M}",
        "place": hearing.place,
        "chair": _introduced(chair) if chair else "",
        "secretary": _introduced(secretary) if secretary else "",
        "members": "\n".join(_introduced(member) for member in members),
        "invited": "\n".join(_invited(hearing)),
        "agenda": [_agenda_row(item) for item in hearing.items],
        "items": [_item_row(item) for item in hearing.items],
        "chair_signature": chair.display_name if chair else "",
        "secretary_signature": secretary.display_name if secretary else "",
    }


def _member(commission: Commission, role: str) -> CommissionMember | None:
    return next((m for m in commission.current_members if m.role == role), None)


def _introduced(member: CommissionMember) -> str:
    return ", ".join(part for part in (member.display_name, member.position, member.organization) if part)


def _invited(hearing: Hearing) -> list[str]:
    """The items' speakers who are not members of the commission, each once."""
    members = {m.user_id for m in hearing.commission.current_members if m.user_id is not None}
    speakers = {item.speaker.id: item.speaker for item in hearing.items if item.speaker is not None}
    return [f"{user.full_name} (докладчик)" for user_id, user in speakers.items() if user_id not in members]


def _agenda_row(item: HearingItem) -> dict[str, Any]:
    speaker = item.speaker.full_name if item.speaker is not None else ""
    return {"question": item.question, "case_number": item.case.number, "speaker": speaker}


def _item_row(item: HearingItem) -> dict[str, Any]:
    return {
        "question": f"{item.question} (дело № {item.case.number})",
        "heard": item.heard,
        "spoke": item.spoke,
        "decided": item.decision,
    }
