"""The hearing pages: «Заседания» (list, month calendar, a new hearing), the hearing page (agenda builder, sending,
holding, decisions), «Комиссии», and the case page's «Заседания»; who sees and does what on them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask.testing import FlaskClient
from fpdf import FPDF

from tests.conftest import World
from tests.webapp.test_hearing_protocol import REMOVAL, _approve, _decide, _render, _setup
from tests.webapp.test_pages import _csrf, forget_request_state, login
from webapp.auth.models import User
from webapp.extensions import db
from webapp.hearings import services
from webapp.hearings.models import Commission, Hearing, HearingItem, HearingQuestion
from webapp.hearings.schemas import CommissionInput, HearingInput, ItemInput, MemberInput


def _user(username: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == username))


def _commission(*members: MemberInput) -> Commission:
    data = CommissionInput(name="Совет профилактики", kind="council", members=list(members))
    commission = services.create_commission(_user("head"), data)
    db.session.commit()
    return commission


def _hearing(commission: Commission, starts_at: dt.datetime | None = None) -> Hearing:
    moment = starts_at or dt.datetime.now() + dt.timedelta(days=3)
    hearing = services.create_hearing(
        _user("head"), HearingInput(commission_id=commission.id, starts_at=moment.replace(second=0, microsecond=0))
    )
    db.session.commit()
    return hearing


def _item(hearing: Hearing, case_id: int) -> HearingItem:
    item = services.add_item(_user("head"), hearing.id, ItemInput(case_id=case_id, question="Оценка положения семьи"))
    db.session.commit()
    return item


def _another(client: FlaskClient, username: str) -> FlaskClient:
    """Another browser, logged in as `username`."""
    forget_request_state()
    other = client.application.test_client()
    login(other, username)
    return other


def _page(client: FlaskClient, url: str, status: int = 200) -> str:
    forget_request_state()
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _post(client: FlaskClient, url: str, form: dict[str, Any], page: str) -> Any:
    forget_request_state()
    return client.post(url, data={"csrf_token": _csrf(page), **form})


def _flash(client: FlaskClient, url: str) -> str:
    """The page's last message (those before it were the earlier actions')."""
    messages = re.findall(r'<div class="flash (\w+)" role="alert">([^<]*)</div>', _page(client, url))
    assert messages, "no message on the page"
    return f"{messages[-1][0]}: {messages[-1][1]}"


def test_a_new_hearing_from_the_list_appears_there_and_in_its_months_calendar(
    client: FlaskClient, world: World
) -> None:
    commission = _commission()
    login(client, "head")
    listing = _page(client, "/hearings")
    assert "Новое заседание" in listing and "Предстоящих заседаний нет" in listing
    when = (dt.datetime.now() + dt.timedelta(days=40)).replace(hour=14, minute=30)
    answer = _post(
        client,
        "/hearings",
        {"commission_id": commission.id, "starts_at": when.strftime("%Y-%m-%dT%H:%M"), "place": "Зал № 2"},
        listing,
    )
    assert answer.status_code == 302
    hearing_url = answer.headers["Location"]
    hearing = db.session.scalar(db.select(Hearing))
    assert hearing_url.endswith(f"/hearings/{hearing.id}") and hearing.place == "Зал № 2"
    page = _page(client, hearing_url)
    assert "Заседание № 1" in page and when.strftime("%d.%m.%Y 14:30") in page and "Запланировано" in page
    listing = _page(client, "/hearings")
    upcoming = listing.split('id="upcoming"')[1].split("</section>")[0]
    assert f"/hearings/{hearing.id}" in upcoming
    this_month = listing.split('id="calendar"')[1].split("</section>")[0]
    assert f"/hearings/{hearing.id}" not in this_month  # 40 days ahead: another month
    calendar = _page(client, f"/hearings?month={when:%Y-%m}").split('id="calendar"')[1].split("</section>")[0]
    assert "14:30 Совет профилактики" in calendar
    day_cell = re.search(rf'<div class="muted">{when.day}</div>\s*<div><a href="/hearings/{hearing.id}"', calendar)
    assert day_cell, "the hearing is not on its day"
    assert _page(client, "/hearings?month=2026-13", status=400)
    assert _page(client, "/hearings?month=июнь", status=400)


def test_a_bad_new_hearing_is_a_message_and_a_specialist_may_not_plan_one(client: FlaskClient, world: World) -> None:
    commission = _commission()
    login(client, "head")
    listing = _page(client, "/hearings")
    answer = _post(client, "/hearings", {"commission_id": commission.id, "starts_at": "завтра"}, listing)
    assert answer.status_code == 302
    assert "error: starts_at" in _flash(client, "/hearings")
    assert db.session.scalar(db.select(db.func.count(Hearing.id))) == 0

    other = _another(client, "spec1")
    listing = _page(other, "/hearings")
    assert "Новое заседание" not in listing
    answer = _post(other, "/hearings", {"commission_id": commission.id, "starts_at": "2026-06-01T10:00"}, listing)
    assert answer.status_code == 403
    assert db.session.scalar(db.select(db.func.count(Hearing.id))) == 0


def test_the_agenda_builder_finds_a_case_by_surname_and_presents_its_default_documents(
    client: FlaskClient, world: World
) -> None:
    case = world.open_case(title="Личное дело семьи", subject={"name": "Ромашкина Ольга Петровна"})
    passport = world.upload(case["id"], b"passport", title="Социальный паспорт семьи", type="family_passport")
    letter = world.upload(case["id"], b"letter", title="Письмо из школы")
    hearing = _hearing(_commission())
    login(client, "head")
    page = _page(client, f"/hearings/{hearing.id}")
    found = _post(client, f"/hearings/{hearing.id}/find", {"q": "ромашкина"}, page)
    assert found.status_code == 200  # rendered, so the words never are in an address
    text = found.get_data(as_text=True)
    assert f"/hearings/{hearing.id}?case={case['id']}#agenda-builder" in text.replace("&amp;", "&")
    assert "ромашкина" not in "".join(re.findall(r'href="([^"]*)"', text)).casefold()
    chosen = _page(client, f"/hearings/{hearing.id}?case={case['id']}")
    for document in (passport, letter):  # the case was never heard: everything is new, and presented by default
        box = re.search(rf'<input type="checkbox" name="document_id" value="{document["id"]}" ([a-z]*)>', chosen)
        assert box and box.group(1) == "checked"
    assert chosen.count("новое</span>") == 2
    answer = _post(
        client,
        f"/hearings/{hearing.id}/items",
        {"case_id": case["id"], "question_id": "", "question": "Оценка положения", "document_id": [passport["id"]]},
        chosen,
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#agenda")
    item = db.session.scalar(db.select(HearingItem))
    assert item.question == "Оценка положения" and [d.document_id for d in item.documents] == [passport["id"]]
    assert item.speaker is not None and item.speaker.username == "spec1"  # the case's responsible specialist
    page = _page(client, f"/hearings/{hearing.id}")
    assert "Повестка (1)" in page and f"№ {case['number']}" in page


def test_finding_nothing_and_a_case_the_secretary_may_not_see(client: FlaskClient, world: World) -> None:
    hidden = world.open_case("spec2", "u2", title="Дело соседнего участка")
    commission = _commission(MemberInput(username="spec1", role="secretary"))
    hearing = _hearing(commission)
    login(client, "spec1")  # the secretary builds the agenda, within the cases she sees
    page = _page(client, f"/hearings/{hearing.id}")
    assert "Найти дело" in page
    found = _post(client, f"/hearings/{hearing.id}/find", {"q": "соседнего"}, page).get_data(as_text=True)
    assert "Дел не найдено" in found and hidden["number"] not in found
    _page(client, f"/hearings/{hearing.id}?case={hidden['id']}", status=404)
    answer = _post(client, f"/hearings/{hearing.id}/items", {"case_id": hidden["id"], "question": "Вопрос"}, page)
    assert answer.status_code == 404
    assert db.session.scalar(db.select(db.func.count(HearingItem.id))) == 0


def test_an_item_the_viewer_may_not_see_is_said_to_be_there_and_no_more(client: FlaskClient, world: World) -> None:
    own = world.open_case("spec1", "u1", title="Дело семьи Лютиковых")
    other = world.open_case("spec2", "u2", title="Дело семьи Васильковых")
    hearing = _hearing(_commission())
    _item(hearing, own["id"])
    _item(hearing, other["id"])
    login(client, "spec1")
    page = _page(client, f"/hearings/{hearing.id}")
    assert "Лютиковых" in page and "Васильковых" not in page and other["number"] not in page
    assert "Вопрос по делу, к которому у вас нет доступа" in page
    assert "Разослать повестку" not in page and "Найти дело" not in page
    forget_request_state()
    assert client.post(f"/hearings/{hearing.id}/send", data={"csrf_token": _csrf(page)}).status_code == 403
    stranger = _another(client, "archivist")
    _page(stranger, f"/hearings/{hearing.id}")  # the archivist sees every case
    outsider = _another(client, "admin")
    _page(outsider, f"/hearings/{hearing.id}", status=404)


def test_send_hold_and_decide_in_the_page(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    hearing = _hearing(_commission())
    login(client, "head")
    page = _page(client, f"/hearings/{hearing.id}")
    _post(client, f"/hearings/{hearing.id}/held", {}, page)
    assert _flash(client, f"/hearings/{hearing.id}") == "error: Заседание с пустой повесткой не проводится"
    item = _item(hearing, case["id"])
    page = _page(client, f"/hearings/{hearing.id}")
    assert 'data-confirm="Разослать повестку?' in page and 'data-confirm="Отметить заседание проведённым?' in page
    _post(client, f"/hearings/{hearing.id}/send", {}, page)
    assert "Повестка разослана" in _flash(client, f"/hearings/{hearing.id}")
    page = _page(client, f"/hearings/{hearing.id}")
    _post(client, f"/hearings/{hearing.id}/held", {}, page)
    page = _page(client, f"/hearings/{hearing.id}")
    assert "Проведено" in page and "Решение по вопросу" in page and "Исключить из повестки" not in page
    refused = {"kind": "repeat_hearing", "decision": "Рассмотреть повторно", "repeat_on": ""}
    _post(client, f"/hearings/{hearing.id}/items/{item.id}/decision", refused, page)
    assert "repeat_on" in _flash(client, f"/hearings/{hearing.id}")
    decision = {"kind": "programme_approved", "heard": "Соколову М.В.", "spoke": "", "decision": "Утвердить ИППСУ"}
    answer = _post(client, f"/hearings/{hearing.id}/items/{item.id}/decision", decision, page)
    assert answer.headers["Location"].endswith(f"#item-{item.id}")
    db.session.expire_all()
    assert (item.decision_kind, item.heard, item.decision) == ("programme_approved", "Соколову М.В.", "Утвердить ИППСУ")
    page = _page(client, f"/hearings/{hearing.id}")
    assert "Утвердить индивидуальную программу</strong>: Утвердить ИППСУ" in page
    case_page = _page(client, f"/cases/{case['id']}")
    section = case_page.split('id="hearings"')[1].split("</section>")[0]
    assert "Совет профилактики" in section and "Оценка положения семьи" in section
    assert "Утвердить индивидуальную программу" in section


def test_documents_of_an_item_chosen_again_and_an_item_removed(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    first = world.upload(case["id"], b"one", title="Акт первый")
    second = world.upload(case["id"], b"two", title="Акт второй")
    hearing = _hearing(_commission())
    item = _item(hearing, case["id"])
    login(client, "head")
    page = _page(client, f"/hearings/{hearing.id}")
    _post(client, f"/hearings/{hearing.id}/items/{item.id}/documents", {"document_id": [second["id"]]}, page)
    db.session.expire_all()
    assert [d.document_id for d in item.documents] == [second["id"]]
    _post(client, f"/hearings/{hearing.id}/items/{item.id}/documents", {"document_id": ["999999"]}, page)
    assert "нет документа" in _flash(client, f"/hearings/{hearing.id}")
    assert first["id"]
    page = _page(client, f"/hearings/{hearing.id}")
    assert f'data-confirm="Исключить вопрос по делу № {case["number"]} из повестки?"' in page
    _post(client, f"/hearings/{hearing.id}/items/{item.id}/remove", {}, page)
    assert db.session.scalar(db.select(db.func.count(HearingItem.id))) == 0


def test_the_head_keeps_commissions_members_and_questions(client: FlaskClient, world: World) -> None:
    login(client, "head")
    page = _page(client, "/commissions")
    assert "Комиссий пока нет" in page
    case = world.open_case("head", "u1", title="Протоколы совета")
    _post(client, "/commissions", {"name": "КДН и ЗП", "kind": "kdn", "protocols_case": "04-05/2099/999"}, page)
    assert _flash(client, "/commissions") == "error: Дело № 04-05/2099/999 не найдено"
    form = {"name": "КДН и ЗП", "kind": "kdn", "access_days": "7", "protocols_case": case["number"]}
    _post(client, "/commissions", form, page)
    commission = db.session.scalar(db.select(Commission))
    assert (commission.kind, commission.access_days, commission.protocols_case_id) == ("kdn", 7, case["id"])
    page = _page(client, "/commissions")
    members = f"/commissions/{commission.id}/members"
    _post(client, members, {"kind": "user", "username": "spec2", "role": "secretary"}, page)
    external = {"kind": "external", "name": "Иванов Иван Иванович", "position": "инспектор", "organization": "ОМВД"}
    _post(client, members, {**external, "role": "member"}, page)
    _post(client, members, {"kind": "external", "name": "", "role": "member"}, page)
    assert "error: body: укажите либо username" in _flash(client, "/commissions")
    db.session.refresh(commission)
    assert [(m.display_name, m.role) for m in commission.current_members] == [
        ("Тест spec2", "secretary"),
        ("Иванов Иван Иванович", "member"),
    ]
    page = _page(client, "/commissions")
    assert 'Иванов Иван Иванович <span class="muted">(внешний участник)</span>' in page
    assert "инспектор, ОМВД" in page and 'data-confirm="Вывести Иванов Иван Иванович из состава комиссии?"' in page
    outsider = commission.current_members[1]
    _post(client, f"{members}/{outsider.id}/remove", {}, page)
    db.session.refresh(commission)
    assert [m.display_name for m in commission.current_members] == ["Тест spec2"]

    _post(client, "/hearing-questions", {"title": "Об организации летнего отдыха"}, page)
    question = db.session.scalar(db.select(HearingQuestion).where(HearingQuestion.title.like("Об организации%")))
    assert question is not None and question.active
    assert "Об организации летнего отдыха" in _page(client, "/commissions")
    _post(client, f"/hearing-questions/{question.id}/retire", {}, page)
    db.session.refresh(question)
    assert not question.active


def test_a_specialist_sees_commissions_and_changes_nothing(client: FlaskClient, world: World) -> None:
    commission = _commission(MemberInput(name="Петров П.П.", organization="ОМВД"))
    login(client, "spec1")
    page = _page(client, "/commissions")
    assert "Совет профилактики" in page and "Петров П.П." in page
    assert "Новая комиссия" not in page and "Добавить участника" not in page
    for url, form in (
        ("/commissions", {"name": "Своя комиссия", "kind": "other", "access_days": "5"}),
        (f"/commissions/{commission.id}/members", {"kind": "external", "name": "Кто-то"}),
        (f"/commissions/{commission.id}/members/{commission.members[0].id}/remove", {}),
        ("/hearing-questions", {"title": "Свой вопрос"}),
    ):
        assert _post(client, url, form, page).status_code == 403, url
    db.session.refresh(commission)
    assert len(db.session.scalars(db.select(Commission)).all()) == 1 and len(commission.current_members) == 1


def test_every_page_has_the_menu_entry(client: FlaskClient, world: World) -> None:
    login(client, "spec1")
    assert '<a href="/hearings">Заседания</a>' in _page(client, "/")


def _scan() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Report")
    return bytes(pdf.output())


def test_the_package_built_in_the_page_and_read_by_managers_and_members(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    world.upload(case["id"], _scan(), filename="report.pdf", title="Отчёт")
    hearing = _hearing(_commission(MemberInput(username="spec2")))
    _item(hearing, case["id"])
    login(client, "head")
    page = _page(client, f"/hearings/{hearing.id}")
    assert "Пакет ещё не сформирован" in page
    answer = client.get(f"/hearings/{hearing.id}/package")
    assert answer.status_code == 302
    assert _flash(client, f"/hearings/{hearing.id}") == "error: Пакет материалов заседания ещё не сформирован"
    page = _page(client, f"/hearings/{hearing.id}")
    _post(client, f"/hearings/{hearing.id}/package", {}, page)  # the test queue runs the job at once
    page = _page(client, f"/hearings/{hearing.id}")
    assert f'href="/hearings/{hearing.id}/package">Открыть пакет (PDF)' in page and 'http-equiv="refresh"' not in page
    answer = client.get(f"/hearings/{hearing.id}/package")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf" and answer.data.startswith(b"%PDF")
    assert answer.headers["Content-Disposition"].startswith("inline")

    member = _another(client, "spec2")
    page = _page(member, f"/hearings/{hearing.id}")  # the agenda is not sent: the member sees that there is one
    assert "Вопрос по делу, к которому у вас нет доступа" in page and "Открыть пакет" not in page
    forget_request_state()
    assert member.get(f"/hearings/{hearing.id}/package").status_code == 403
    forget_request_state()
    services.send_agenda(_user("head"), hearing.id)
    db.session.commit()
    assert "Открыть пакет (PDF)" in _page(member, f"/hearings/{hearing.id}")
    forget_request_state()
    assert member.get(f"/hearings/{hearing.id}/package").data.startswith(b"%PDF")
    specialist = _another(client, "spec1")  # sees the case, is no member: the hearing yes, the package no
    page = _page(specialist, f"/hearings/{hearing.id}")
    assert "Открыть пакет" not in page
    forget_request_state()
    assert specialist.get(f"/hearings/{hearing.id}/package").status_code == 403


def test_an_external_members_link_is_shown_once_and_revoked(client: FlaskClient, world: World) -> None:
    case = world.open_case()
    commission = _commission(MemberInput(name="Внешняя Анна", organization="ОМВД"))
    hearing = _hearing(commission)
    _item(hearing, case["id"])
    external = commission.members[0].id
    login(client, "head")
    page = _page(client, f"/hearings/{hearing.id}")
    assert "выдаётся после рассылки повестки" in page
    _post(client, f"/hearings/{hearing.id}/members/{external}/link", {}, page)
    assert _flash(client, f"/hearings/{hearing.id}") == "error: Ссылка выдаётся после рассылки повестки"
    services.send_agenda(_user("head"), hearing.id)
    db.session.commit()
    page = _page(client, f"/hearings/{hearing.id}")
    made = _post(client, f"/hearings/{hearing.id}/members/{external}/link", {}, page)
    assert made.status_code == 200  # the page itself: the link is in no address and no kept message
    url = re.search(r'<input type="text" readonly value="([^"]+)"', made.get_data(as_text=True))
    assert url and "/l/" in url.group(1)
    token = url.group(1).rsplit("/", 1)[1]
    page = _page(client, f"/hearings/{hearing.id}")
    assert token not in page and "не открывалась" in page and "Отозвать" in page
    forget_request_state()
    assert client.application.test_client().get(f"/l/{token}").status_code == 200
    page = _page(client, f"/hearings/{hearing.id}")
    assert "открыта 1 раз" in page
    assert 'data-confirm="Отозвать ссылку Внешняя Анна? По ней больше ничего не откроется."' in page
    _post(client, f"/hearings/{hearing.id}/members/{external}/link/revoke", {}, page)
    assert "Ссылка отозвана" in _flash(client, f"/hearings/{hearing.id}")
    forget_request_state()
    assert client.application.test_client().get(f"/l/{token}").status_code == 410
    assert "отозвана" in _page(client, f"/hearings/{hearing.id}")


def test_the_protocol_rendered_in_the_page_once_every_item_is_decided(client: FlaskClient, world: World) -> None:
    protocols = world.open_case("head", "u1", title="Протоколы совета")
    case = world.open_case()
    commission = services.create_commission(
        _user("head"), CommissionInput(name="Совет профилактики", protocols_case_id=protocols["id"])
    )
    hearing = _hearing(commission)
    item = _item(hearing, case["id"])
    services.mark_held(_user("head"), hearing.id)
    db.session.commit()
    login(client, "head")
    page = _page(client, f"/hearings/{hearing.id}")
    assert "Сформировать протокол" in page
    _post(client, f"/hearings/{hearing.id}/protocol", {}, page)
    assert "Не внесено решение по вопросу № 1" in _flash(client, f"/hearings/{hearing.id}")
    decision = {"kind": "other", "decision": "Принять к сведению"}
    _post(client, f"/hearings/{hearing.id}/items/{item.id}/decision", decision, page)
    _post(client, f"/hearings/{hearing.id}/protocol", {}, page)
    assert "Протокол составлен" in _flash(client, f"/hearings/{hearing.id}")
    db.session.expire_all()
    document = hearing.protocol_document
    assert document is not None and document.case_id == protocols["id"]
    page = _page(client, f"/hearings/{hearing.id}")
    assert f'href="/cases/{protocols["id"]}#document-{document.id}">{document.title}</a>' in page
    assert 'data-confirm="Составить протокол заново по решениям?' in page


def test_a_case_removed_from_support_is_proposed_to_close_on_the_first_screen(
    client: FlaskClient, world: World
) -> None:
    scene = _setup(world, cases=2)
    _decide(world, scene, 0, REMOVAL)
    _decide(world, scene, 1, {"kind": "other", "decision": "Принять к сведению"})
    document = _render(world, scene).get_json()["document"]["id"]
    assert _approve(world, document, 1).status_code == 200
    removed, kept = scene["cases"]
    for username in ("head", "spec1"):  # the head, and the specialist responsible for the case
        reader = _another(client, username)
        board = _page(reader, "/").split('id="close-proposals"')[1].split("</div>")[0]
        assert "Предложено закрыть: 1" in board and removed["number"] in board and kept["number"] not in board
        assert f"Совет профилактики, заседание № {scene['hearing']['number']}" in board
    assert 'id="close-proposals"' not in _page(_another(client, "spec2"), "/")


def test_the_hearing_page_says_which_case_took_no_extract(client: FlaskClient, world: World) -> None:
    scene = _setup(world, cases=2)
    _decide(world, scene, 0, REMOVAL)
    _decide(world, scene, 1, {"kind": "other", "decision": "Принять к сведению"})
    closed = scene["cases"][1]
    answer = world["archivist"].post(f"/api/v1/cases/{closed['id']}/close", json={"closed_on": str(dt.date.today())})
    assert answer.status_code == 200
    document = _render(world, scene).get_json()["document"]["id"]
    assert _approve(world, document, 1).status_code == 200
    page = _page(_another(client, "head"), f"/hearings/{scene['hearing']['id']}")
    note = f"Выписка не подшита: дело {closed['number']} на момент утверждения протокола было закрыто"
    assert page.count(note) == 1 and page.count(">в деле</a>") == 1


def test_an_item_planned_for_a_repeat_hearing_is_put_on_the_agenda(client: FlaskClient, world: World) -> None:
    own = world.open_case("spec1", "u1")
    other = world.open_case("spec2", "u2")
    commission = _commission(MemberInput(username="spec1", role="secretary"))
    hearing = _hearing(commission)
    for case in (own, other):  # as a repeat decision files them back
        planned_on = dt.date.today()
        db.session.add(
            HearingItem(commission_id=commission.id, case_id=case["id"], question="Повторно", planned_on=planned_on)
        )
    db.session.commit()
    planned = db.session.scalars(db.select(HearingItem).order_by(HearingItem.id)).all()
    login(client, "spec1")  # the secretary is offered the planned item of her own case only
    page = _page(client, f"/hearings/{hearing.id}")
    assert "Запланированы к повторному рассмотрению" in page
    assert own["number"] in page and other["number"] not in page
    _post(client, f"/hearings/{hearing.id}/planned/{planned[0].id}", {}, page)
    assert _flash(client, f"/hearings/{hearing.id}") == "success: Запланированный вопрос включён в повестку"
    db.session.expire_all()
    assert (planned[0].hearing_id, planned[1].hearing_id) == (hearing.id, None)
    assert "Запланированы к повторному рассмотрению" not in _page(client, f"/hearings/{hearing.id}")
