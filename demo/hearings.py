"""The demo's commissions: the institution's prevention council (its protocols filed in the 04-11 case), the
town's КДН и ЗП (external members only), and the council's next hearing, planned for next Monday with two
families on its agenda."""

from __future__ import annotations

import datetime as dt

from demo.people import DEPUTY_DIRECTOR, GALIEV, ORLOVA, PSYCHOLOGIST, SOKOLOVA
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.hearings.schemas import CommissionInput, HearingInput, ItemInput, MemberInput
from webapp.hearings.services import (
    add_item,
    create_commission,
    create_hearing,
    ensure_default_questions,
    list_questions,
)

COUNCIL = "Совет профилактики учреждения"
KDN = "Территориальная комиссия по делам несовершеннолетних и защите их прав города Кедровогорска"


def load_commissions(cases: list[Case], users: dict[str, User], today: dt.date) -> None:
    head = users[ORLOVA.username]
    protocols = next(case for case in cases if case.entry.index == "04-11" and not case.is_closed)
    council = create_commission(
        head,
        CommissionInput(
            name=COUNCIL,
            kind="council",
            protocols_case_id=protocols.id,
            members=[
                MemberInput(username=ORLOVA.username, role="chair"),
                MemberInput(username=SOKOLOVA.username, role="secretary"),
                MemberInput(username=GALIEV.username),
                MemberInput(name=DEPUTY_DIRECTOR, position="заместитель директора", organization="учреждение"),
                MemberInput(name=PSYCHOLOGIST, position="педагог-психолог", organization="учреждение"),
            ],
        ),
    )
    create_commission(
        head,
        CommissionInput(
            name=KDN,
            kind="kdn",
            members=[
                MemberInput(
                    name="В.С. Ильина", role="chair", position="заместитель главы города", organization="администрация"
                ),
                MemberInput(name="П.А. Сорокин", position="инспектор ПДН", organization="ОМВД России по городу"),
            ],
        ),
    )
    ensure_default_questions()
    monday = today + dt.timedelta(days=7 - today.weekday())
    hearing = create_hearing(
        head,
        HearingInput(
            commission_id=council.id,
            starts_at=dt.datetime.combine(monday, dt.time(14, 30)),
            place="ул. Геологов, д. 11, каб. 12",
            number="6",  # the 04-11 case holds the paper protocols № 1-5 of this year
        ),
    )
    questions = list_questions()
    families = [case for case in cases if case.entry.index == "04-05" and not case.is_closed][:2]
    for case, question in zip(families, (questions[1], questions[0]), strict=False):
        add_item(head, hearing.id, ItemInput(case_id=case.id, question_id=question.id))
