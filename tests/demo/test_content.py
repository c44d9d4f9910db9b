"""The demo generator: what `casefiles demo` loads must be plentiful, well-formed and repeatable."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from demo.content import DemoDocument, DemoInstitution, build_demo, nomenclature_csv_path
from webapp.printing.pdf import FONT_ENV, FontNotFoundError, find_font

YEAR = 2026
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
TEXT = "text/plain; charset=utf-8"
DOCUMENT_TYPES = {
    "inspection_act",
    "family_passport",
    "cooperation_agreement",
    "district_passport",
    "ippsu_conclusion",
    "statistical_report",
    "scan",
    "other",
}
CSV_HEADER = ["index", "title", "retention", "article", "note"]
INDEX = re.compile(r"^\d{1,3}(?:[-.]\d{1,3}){0,3}$")
RETENTION = re.compile(r"^(?:\d{1,3}(?: ЭПК)?|постоянно)$")
CYRILLIC = re.compile(r"[А-Яа-яЁё]{4,}")


@pytest.fixture(scope="module")
def demo() -> DemoInstitution:
    return build_demo(YEAR)


def _documents(demo: DemoInstitution) -> list[DemoDocument]:
    return [document for case in demo.cases for document in case.documents]


def _nomenclature() -> tuple[list[str], list[dict[str, str]]]:
    with nomenclature_csv_path().open(encoding="utf-8", newline="") as raw:
        reader = csv.DictReader(raw)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def test_people_and_districts(demo: DemoInstitution) -> None:
    assert [district.code for district in demo.districts] == ["u1", "u2"]
    assert all(district.name.startswith("Социальный участок № ") for district in demo.districts)
    assert sorted(user.role for user in demo.users) == [
        "admin",
        "archivist",
        "head",
        "specialist",
        "specialist",
    ]
    usernames = [user.username for user in demo.users]
    assert len(set(usernames)) == len(usernames)
    assert all(re.fullmatch(r"[a-z]+", name) for name in usernames)
    assert all(len(user.full_name.split()) == 3 and CYRILLIC.search(user.full_name) for user in demo.users)
    specialists = [user for user in demo.users if user.role == "specialist"]
    assert sorted(district for user in specialists for district in user.districts) == ["u1", "u2"]
    head = next(user for user in demo.users if user.role == "head")
    assert set(head.districts) == {"u1", "u2"}


def test_counts(demo: DemoInstitution) -> None:
    assert 9 <= len([case for case in demo.cases if case.closed_on is None]) <= 12
    assert 40 <= len(_documents(demo)) <= 55
    assert {case.district for case in demo.cases} == {"u1", "u2"}
    revised = [
        document
        for document in _documents(demo)
        if len(document.versions) >= 2
        and len({version.content for version in document.versions}) == len(document.versions)
    ]
    assert len(revised) >= 5
    assert {"family_passport", "inspection_act", "district_passport"} <= {document.type for document in revised}


def test_past_files_make_an_inventory_and_a_destruction_round(demo: DemoInstitution) -> None:
    """Closed last year: files of several retention classes to inventory. Closed long ago: expired files,
    among them an ЭПК one (needs expert review) and a held one; every closing date follows the file's documents."""
    _, rows = _nomenclature()
    retention = {row["index"]: row["retention"] for row in rows}
    closed = [case for case in demo.cases if case.closed_on is not None]
    last_year = [case for case in closed if case.closed_on and case.closed_on.year == 2025]
    assert {retention[case.nomenclature_index].split()[0] for case in last_year} >= {"постоянно", "3", "5"}
    expired = [case for case in closed if case.closed_on and case.closed_on.year <= 2020]
    assert len(expired) >= 4
    assert any("ЭПК" in retention[case.nomenclature_index] and not case.hold_reason for case in expired)
    assert any(case.hold_reason for case in expired)
    for case in closed:
        assert case.closed_on and all(case.opened_on <= document.date <= case.closed_on for document in case.documents)


def test_cases_are_filed_under_the_nomenclature(demo: DemoInstitution) -> None:
    _, rows = _nomenclature()
    indices = {row["index"] for row in rows}
    assert {case.nomenclature_index for case in demo.cases} <= indices


def test_cases_fit_the_input_rules(demo: DemoInstitution) -> None:
    usernames = {user.username for user in demo.users}
    latest = dt.date(YEAR, 12, 1)
    for case in demo.cases:
        if case.closed_on is None:
            assert case.opened_on.year == YEAR
        else:  # files of past years, closed before this year began
            assert case.opened_on.year < YEAR and case.closed_on < dt.date(YEAR, 1, 1)
        assert case.created_by in usernames
        assert 0 < len(case.title) <= 500
        assert set(case.subject) <= {"kind", "name", "address", "note", "categories"}
        assert case.subject["kind"] in {"family", "citizen", "district", "department"}
        assert len(case.subject.get("name", "")) <= 300 and len(case.subject.get("address", "")) <= 500
        assert case.documents
        for document in case.documents:
            assert document.type in DOCUMENT_TYPES
            assert 0 < len(document.title) <= 500
            assert case.opened_on <= document.date <= latest, (case.title, document.title)
            assert document.versions
            for version in document.versions:
                assert version.author in usernames
                assert version.comment
                assert version.media_type in {DOCX, PDF, TEXT}


def test_every_kind_of_form_is_there(demo: DemoInstitution) -> None:
    types = Counter(document.type for document in _documents(demo))
    assert set(types) == DOCUMENT_TYPES
    assert types["scan"] >= 2
    passports = [document for document in _documents(demo) if document.type == "family_passport"]
    assert max(len(document.versions) for document in passports) == 3
    comments = [version.comment for document in passports for version in document.versions]
    assert any(comment.startswith("Заключительная диагностика") for comment in comments)


def test_formats_are_mixed(demo: DemoInstitution) -> None:
    formats = Counter(document.versions[0].media_type for document in _documents(demo))
    total = sum(formats.values())
    assert 0.35 <= formats[DOCX] / total <= 0.6
    assert 0.2 <= formats[PDF] / total <= 0.45
    assert 0.1 <= formats[TEXT] / total <= 0.35


def _docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return "\n".join([*(paragraph.text for paragraph in document.paragraphs), *cells])


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_every_version_is_a_readable_document(demo: DemoInstitution) -> None:
    for document in _documents(demo):
        for version in document.versions:
            if version.media_type == DOCX:
                text = _docx_text(version.content)
            elif version.media_type == PDF:
                text = _pdf_text(version.content)
            else:
                text = version.content.decode("utf-8")
            assert CYRILLIC.search(text), document.title
            assert len(text) > 300, document.title


def test_forms_follow_the_templates(demo: DemoInstitution) -> None:
    act = next(d for d in _documents(demo) if d.type == "inspection_act" and d.versions[0].media_type == DOCX)
    text = _docx_text(act.versions[-1].content)
    assert "Акт обследования материально-бытовых условий" in text
    assert "Материальное положение" in text and "Вид полученного дохода" in text
    passport = next(d for d in _documents(demo) if d.type == "family_passport" and d.versions[0].media_type == DOCX)
    first, last = _docx_text(passport.versions[0].content), _docx_text(passport.versions[-1].content)
    assert "Промежуточная диагностика" in first and "Заключение совета профилактики" in first
    assert len(last) > len(first)
    report = next(d for d in _documents(demo) if d.type == "statistical_report" and d.versions[0].media_type == PDF)
    assert "Количество посещений граждан на дому" in _pdf_text(report.versions[0].content)


def test_nomenclature_csv() -> None:
    header, all_rows = _nomenclature()
    assert header == CSV_HEADER
    sections = [row for row in all_rows if "-" not in row["index"]]
    assert [row["index"] for row in sections] == ["01", "02", "03", "04", "05"]
    assert all(row["title"] and not row["retention"] for row in sections)
    rows = [row for row in all_rows if "-" in row["index"]]
    assert 25 <= len(rows) <= 40
    indices = [row["index"] for row in rows]
    assert len(set(indices)) == len(indices)
    for row in rows:
        assert None not in row and all(value is not None for value in row.values()), row
        assert INDEX.match(row["index"]), row
        assert RETENTION.match(row["retention"]), row
        assert row["title"].strip() and row["article"].startswith("ст. "), row
    retentions = {row["retention"] for row in rows}
    assert "постоянно" in retentions and "75 ЭПК" in retentions


def test_build_is_deterministic(demo: DemoInstitution) -> None:
    again = build_demo(YEAR)
    assert [case.title for case in again.cases] == [case.title for case in demo.cases]
    for first, second in zip(_documents(demo), _documents(again), strict=True):
        assert [v.content for v in first.versions] == [v.content for v in second.versions], first.title


def test_other_years_move_every_date() -> None:
    year = YEAR + 1
    later = build_demo(year)
    for case in later.cases:
        assert case.opened_on.year == year or (case.closed_on and case.closed_on.year < year)
        assert all(case.opened_on <= d.date <= (case.closed_on or dt.date(year, 12, 1)) for d in case.documents)
    assert {c.opened_on.year + 1 for c in build_demo(YEAR).cases} == {c.opened_on.year for c in later.cases}


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "no-such-font.ttf"))
    with pytest.raises(FontNotFoundError, match="DejaVuSans"):
        find_font()
