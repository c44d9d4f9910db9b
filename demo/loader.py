"""Loading the demo institution through the same services the API uses."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from sqlalchemy import select

import document_templates as forms
from demo.content import DemoCase, DemoInstitution, build_demo, nomenclature_csv_path
from demo.hearings import load_commissions
from demo.journal import CATEGORIES, journal
from demo.people import BELOVA, ORLOVA, STAFF
from demo.tasks import load_tasks
from document_templates.manifest import STAGES
from webapp.auth.models import User
from webapp.auth.services import create_user, ensure_district
from webapp.cases.lifecycle import close_case, set_legal_hold
from webapp.cases.models import Case
from webapp.cases.schemas import CaseInput, SubjectInput
from webapp.cases.services import open_case
from webapp.documents import workflow
from webapp.documents.media import EXTENSIONS
from webapp.documents.models import Document
from webapp.documents.schemas import DocumentMeta, Upload, VersionMeta
from webapp.documents.services import add_document, add_version
from webapp.exceptions import Conflict
from webapp.extensions import db
from webapp.forms.services import add_form_version, create_form_document, sync_builtin_templates
from webapp.nomenclature.models import NomenclatureEntry
from webapp.nomenclature.services import import_csv
from webapp.policy import SYSTEM
from webapp.signing.pin import set_signing_pin
from webapp.signing.services import APPROVAL_ROLE, sign_version
from webapp.support.report import last_quarter
from webapp.support.schemas import SupportEventInput
from webapp.support.services import record_support_event, save_report
from webapp.uow import commit

DEMO_PIN = "246810"  # every demo user's signing PIN (webapp.signing.keys): the demo signs with it


def load_demo(*, password: str, today: dt.date | None = None) -> str:
    """Load everything in one transaction and return a summary with the demo logins and signing PINs."""
    year = (today or dt.date.today()).year
    institution = build_demo(year)
    if demo_is_loaded():
        raise Conflict("Демонстрационные данные уже загружены", code="demo_loaded")
    users = _load_people(institution, password)
    for user in users.values():
        set_signing_pin(user, DEMO_PIN)
    for nomenclature_year in sorted({case.opened_on.year for case in institution.cases} | {year}):
        if not _has_nomenclature(nomenclature_year):
            with nomenclature_csv_path().open("rb") as raw:
                import_csv(SYSTEM, raw, nomenclature_year)
    cases = [(_load_case(case, users), case) for case in institution.cases]
    filled = _load_forms(cases, users)
    documents = sum(len(demo.documents) for _, demo in cases) + len(filled)
    _approve_and_sign(filled, users[ORLOVA.username])
    day = today or dt.date.today()
    _load_journals(cases, users, day)
    _file_last_quarter_report(cases, users[ORLOVA.username], institution.name, day)
    _close_past_cases(cases, users[BELOVA.username], day)
    load_commissions([case for case, _ in cases], users, day)
    load_tasks([case for case, _ in cases], users, day)
    commit()
    logins = "\n".join(f"  {u.username:<12} {u.full_name} ({u.role})" for u in institution.users)
    return (
        f"demo: {len(institution.cases)} cases, {documents} documents loaded for {institution.name}\n"
        f"logins (password: {password}, signing PIN: {DEMO_PIN}):\n{logins}"
    )


def demo_is_loaded() -> bool:
    return db.session.scalar(select(User.id).where(User.username == STAFF[0].username)) is not None


def _load_people(institution: DemoInstitution, password: str) -> dict[str, User]:
    for district in institution.districts:
        ensure_district(district.code, district.name)
    return {
        person.username: create_user(
            person.username,
            role=person.role,
            password=password,
            full_name=person.full_name,
            district_codes=person.districts,
        )
        for person in institution.users
    }


def _has_nomenclature(year: int) -> bool:
    return db.session.scalar(select(NomenclatureEntry.id).where(NomenclatureEntry.year == year)) is not None


def _load_case(demo: DemoCase, users: dict[str, User]) -> Case:
    case = open_case(
        users[demo.created_by],
        CaseInput(
            nomenclature_index=demo.nomenclature_index,
            year=demo.opened_on.year,
            title=demo.title,
            district=demo.district,
            subject=SubjectInput.model_validate(demo.subject) if demo.subject else None,
            opened_on=demo.opened_on,
        ),
    )
    for demo_document in demo.documents:
        first, *later = demo_document.versions
        document = add_document(
            users[first.author],
            case.id,
            DocumentMeta(
                title=demo_document.title, type=demo_document.type, date=demo_document.date, comment=first.comment
            ),
            _upload(first.content, first.media_type),
        )
        for number, version in enumerate(later, start=1):
            add_version(
                users[version.author],
                document.id,
                VersionMeta(base_version=number, comment=version.comment),
                _upload(version.content, version.media_type),
            )
    return case


def _close_past_cases(cases: list[tuple[Case, DemoCase]], archivist: User, today: dt.date) -> None:
    for case, demo in cases:
        if demo.closed_on is not None:
            close_case(archivist, case.id, demo.closed_on, today=today)
        if demo.hold_reason:
            set_legal_hold(archivist, case.id, demo.hold_reason)


# Which demo case receives the filled example of each built-in form.
FORM_HOMES = {
    "inspection_act": "04-05",
    "family_passport": "04-05",
    "cooperation_agreement": "04-05",
    "ippsu_conclusion": "04-07",
    "district_passport": "04-09",
    "statistical_report": "04-04",
}


def _load_forms(cases: list[tuple[Case, DemoCase]], users: dict[str, User]) -> dict[str, tuple[Document, User]]:
    """A filled document of every form, with its author; the family passport grows over its three diagnostic
    stages."""
    sync_builtin_templates()
    filled = {}
    for code in [code for code in forms.builtin_ids() if code in FORM_HOMES]:
        case, demo = next((case, demo) for case, demo in cases if demo.nomenclature_index == FORM_HOMES[code])
        author = users[demo.created_by]
        example = forms.example_values(code)
        if code != "family_passport":
            filled[code] = create_form_document(author, case.id, code, example), author
            continue
        manifest = forms.load_manifest(code)
        document = create_form_document(author, case.id, code, _up_to_stage(manifest, example, 1))
        for number, comment in ((2, "Промежуточная диагностика"), (3, "Заключительная диагностика")):
            add_form_version(author, document.id, number - 1, _up_to_stage(manifest, example, number), comment)
        filled[code] = document, author
    return filled


# Forms the head has approved and signed in the demo; the inspection act waits in her approval queue.
APPROVED_FORMS = ("ippsu_conclusion", "statistical_report")
SUBMITTED_FORMS = ("inspection_act",)


def _approve_and_sign(filled: dict[str, tuple[Document, User]], head: User) -> None:
    for code in APPROVED_FORMS + SUBMITTED_FORMS:
        document, author = filled[code]
        number = document.versions[-1].number
        sign_version(author, document.id, number, "составил", DEMO_PIN)
        workflow.submit(author, document, "Прошу утвердить")
        if code in APPROVED_FORMS:
            workflow.approve(head, document, number)
            sign_version(head, document.id, number, APPROVAL_ROLE, DEMO_PIN)


def _load_journals(cases: list[tuple[Case, DemoCase]], users: dict[str, User], today: dt.date) -> None:
    recipients = [(case, demo) for case, demo in cases if demo.subject.get("name") in CATEGORIES]
    for number, (case, demo) in enumerate(recipients):
        author = users[demo.created_by]
        for entry in journal(demo.subject["name"], demo.subject["kind"], case.opened_on, today, number):
            data = SupportEventInput(kind=entry.kind, detail=entry.detail, occurred_on=entry.on, note=entry.note)
            record_support_event(author, case.id, data, today=today)


def _file_last_quarter_report(cases: list[tuple[Case, DemoCase]], head: User, institution: str, today: dt.date) -> None:
    """The last quarter's statistical report, computed from the journals, corrected where the case files cannot
    know (the staff list), approved and signed by the head."""
    home = next(case for case, demo in cases if demo.nomenclature_index == REPORTS_HOME)
    corrections = {"1.2": (1, "психолог отделения"), "1.3": (1, ""), "1.4": (0, "")}
    document = save_report(head, last_quarter(today).code, home.id, corrections, institution=institution, today=today)
    sign_version(head, document.id, 1, "составил", DEMO_PIN)
    workflow.submit(head, document, "Отчёт за квартал")
    workflow.approve(head, document, 1)
    sign_version(head, document.id, 1, APPROVAL_ROLE, DEMO_PIN)


REPORTS_HOME = "04-04"


def _up_to_stage(manifest: forms.Manifest, values: dict[str, Any], stages: int) -> dict[str, Any]:
    """The passport as filled after `stages` diagnostics: later stages still blank."""
    kept = STAGES[:stages]
    staged = dict(values)
    for spec in manifest.fields:
        if spec.type == "diagnostic" and values.get(spec.name):
            staged[spec.name] = {stage: values[spec.name].get(stage) if stage in kept else None for stage in STAGES}
    return staged


def _upload(content: bytes, media_type: str) -> Upload:
    return Upload(stream=io.BytesIO(content), filename="demo" + EXTENSIONS.get(media_type, ".bin"))
