"""Keeping the yearly file nomenclature."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import func, select

from webapp.audit.services import record_event
from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.exceptions import Conflict, NotFound, ValidationError
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry, NomenclatureSection
from webapp.nomenclature.schemas import EntryInput, EntryUpdate
from webapp.pagination import paginate
from webapp.policy import Action, Actor, require
from webapp.validation import parse_input

CSV_COLUMNS = ("index", "title", "retention", "article", "note")
_SECTION_CODE_RE = re.compile(r"^\d{1,3}$")
_RETENTION_RE = re.compile(r"^(?:(?P<years>\d{1,3})\s*(?:лет|года|год|л\.)?|(?P<permanent>постоянно))\s*(?P<epk>эпк)?$")


def list_entries(year: int | None, *, page: int, per_page: int) -> tuple[Sequence[NomenclatureEntry], int]:
    query = select(NomenclatureEntry)
    if year is not None:
        query = query.where(NomenclatureEntry.year == year)
    return paginate(query, NomenclatureEntry.year.desc(), NomenclatureEntry.index, page=page, per_page=per_page)


def find_entry(index: str, year: int) -> NomenclatureEntry:
    entry = db.session.scalar(
        select(NomenclatureEntry).where(NomenclatureEntry.index == index, NomenclatureEntry.year == year)
    )
    if entry is None:
        raise ValidationError("Нет такой статьи номенклатуры за этот год", code="unknown_nomenclature")
    return entry


def create_entry(actor: Actor, data: EntryInput) -> NomenclatureEntry:
    require(actor, Action.EDIT_NOMENCLATURE)
    if _entry_exists(data.index, data.year):
        raise Conflict("Статья номенклатуры с таким индексом за этот год уже есть", code="duplicate_index")
    entry = NomenclatureEntry(
        year=data.year,
        index=data.index,
        title=data.title,
        retention_years=data.retention_years,
        is_permanent=data.permanent,
        is_epk=data.epk,
        article=data.article,
        note=data.note,
    )
    db.session.add(entry)
    db.session.flush()
    record_event(actor, "nomenclature.create", "nomenclature_entry", entry.id)
    return entry


def import_csv(actor: Actor, raw: IO[bytes], year: int) -> list[NomenclatureEntry]:
    """Validate every line first, then import all of them or none."""
    rows = _read_csv_rows(raw)
    inputs: list[EntryInput] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    sections: dict[str, str] = {}
    for line_number, row in rows:
        if _is_section_row(row):
            _collect_section(row, line_number, year, sections, errors)
            continue
        try:
            data = parse_input(EntryInput, _row_to_input(row, year))
        except ValidationError as exc:
            errors.extend({"line": line_number, **detail} for detail in exc.details or [{"message": exc.message}])
            continue
        if data.index in seen or _entry_exists(data.index, year):
            errors.append({"line": line_number, "field": "index", "message": "индекс повторяется"})
        seen.add(data.index)
        inputs.append(data)
    if errors:
        first = errors[0]
        raise ValidationError(
            f"Файл не загружен: ошибок {len(errors)}; строка {first['line']}: {first['message']}",
            code="invalid_csv",
            details=errors,
        )
    if not inputs:
        raise ValidationError("В файле нет ни одной статьи номенклатуры", code="invalid_csv")
    db.session.add_all(NomenclatureSection(year=year, code=code, title=title) for code, title in sections.items())
    return [create_entry(actor, data) for data in inputs]


def _is_section_row(row: dict[str, Any]) -> bool:
    """A line with a bare department code and no retention names a section: "04,Отделение ...,,,"."""
    return bool(_SECTION_CODE_RE.match((row.get("index") or "").strip())) and not (row.get("retention") or "").strip()


def _collect_section(
    row: dict[str, Any], line_number: int, year: int, sections: dict[str, str], errors: list[dict[str, Any]]
) -> None:
    code, title = (row.get("index") or "").strip(), (row.get("title") or "").strip()
    if not title:
        errors.append({"line": line_number, "field": "title", "message": "у раздела нет названия"})
    elif code in sections or _section_exists(code, year):
        errors.append({"line": line_number, "field": "index", "message": "раздел повторяется"})
    sections[code] = title


def _section_exists(code: str, year: int) -> bool:
    query = select(NomenclatureSection.id).where(NomenclatureSection.code == code, NomenclatureSection.year == year)
    return db.session.scalar(query) is not None


@dataclass(frozen=True)
class TreeSection:
    code: str
    title: str
    entries: list[tuple[NomenclatureEntry, int]]  # each entry with its number of cases


def nomenclature_tree(year: int) -> list[TreeSection]:
    """The year's nomenclature by section, each entry with how many cases are filed under it."""
    counts: dict[int, int] = dict(
        db.session.execute(
            select(Case.entry_id, func.count(Case.id))
            .join(Case.entry)
            .where(NomenclatureEntry.year == year)
            .group_by(Case.entry_id)
        ).all()
    )
    titles: dict[str, str] = dict(
        db.session.execute(
            select(NomenclatureSection.code, NomenclatureSection.title).where(NomenclatureSection.year == year)
        ).all()
    )
    entries = db.session.scalars(select(NomenclatureEntry).where(NomenclatureEntry.year == year)).all()
    grouped: dict[str, list[tuple[NomenclatureEntry, int]]] = {}
    for entry in sorted(entries, key=lambda e: e.sort_key):
        grouped.setdefault(entry.section_code, []).append((entry, counts.get(entry.id, 0)))
    return [TreeSection(code, titles.get(code, ""), grouped[code]) for code in sorted(grouped, key=int)]


def _entry_exists(index: str, year: int) -> bool:
    query = select(NomenclatureEntry.id).where(NomenclatureEntry.index == index, NomenclatureEntry.year == year)
    return db.session.scalar(query) is not None


def _read_csv_rows(raw: IO[bytes]) -> list[tuple[int, dict[str, str]]]:
    text = _decode(raw.read())
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = tuple((name or "").strip().lower() for name in reader.fieldnames or ())
    if header[: len(CSV_COLUMNS)] != CSV_COLUMNS:
        raise ValidationError(f"Первая строка должна быть заголовком: {','.join(CSV_COLUMNS)}", code="invalid_csv")
    reader.fieldnames = list(header)
    return [(reader.line_num, row) for row in reader if any((value or "").strip() for value in row.values())]


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), or Windows-1251 as Excel saves CSV on Russian systems."""
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("Файл должен быть в кодировке UTF-8 или Windows-1251", code="invalid_csv")


def _row_to_input(row: dict[str, Any], year: int) -> dict[str, Any]:
    if None in row:
        raise ValidationError("лишние столбцы", details=[{"field": "row", "message": "лишние столбцы"}])
    retention = (row.get("retention") or "").strip().lower()
    match = _RETENTION_RE.match(retention)
    if match is None:
        message = "срок хранения: число лет (можно с «ЭПК») или «постоянно»"
        raise ValidationError(message, details=[{"field": "retention", "message": message}])
    return {
        "index": (row.get("index") or "").strip(),
        "title": (row.get("title") or "").strip(),
        "year": year,
        "retention_years": int(match["years"]) if match["years"] else None,
        "permanent": match["permanent"] is not None,
        "epk": match["epk"] is not None,
        "article": (row.get("article") or "").strip(),
        "note": (row.get("note") or "").strip(),
    }


def copy_year(actor: Actor, from_year: int, to_year: int) -> list[NomenclatureEntry]:
    """Next year's nomenclature starts as a copy of this year's, to be edited; nothing is copied over
    entries the target year already has, so the copy is all or nothing."""
    require(actor, Action.EDIT_NOMENCLATURE)
    if from_year == to_year:
        raise ValidationError("Годы должны различаться", code="same_year")
    source = db.session.scalars(select(NomenclatureEntry).where(NomenclatureEntry.year == from_year)).all()
    if not source:
        raise ValidationError(f"Номенклатуры за {from_year} год нет", code="empty_year")
    if db.session.scalar(select(NomenclatureEntry.id).where(NomenclatureEntry.year == to_year)) is not None:
        raise Conflict(f"Номенклатура за {to_year} год уже есть", code="year_exists")
    sections = db.session.scalars(select(NomenclatureSection).where(NomenclatureSection.year == from_year)).all()
    db.session.add_all(NomenclatureSection(year=to_year, code=s.code, title=s.title) for s in sections)
    return [
        create_entry(
            actor,
            EntryInput(index=entry.index, year=to_year, **entry_values(entry)),
        )
        for entry in sorted(source, key=lambda e: e.index)
    ]


RETENTION_FIELDS = frozenset({"retention_years", "permanent", "epk"})


def entry_values(entry: NomenclatureEntry) -> dict[str, Any]:
    """What an archivist may edit in an entry, as the inputs name it."""
    return {
        "title": entry.title,
        "retention_years": entry.retention_years,
        "permanent": entry.is_permanent,
        "epk": entry.is_epk,
        "article": entry.article,
        "note": entry.note,
    }


def get_entry(entry_id: int) -> NomenclatureEntry:
    entry = db.session.get(NomenclatureEntry, entry_id)
    if entry is None:
        raise NotFound("Статья номенклатуры не найдена")
    return entry


def update_entry(actor: User, entry_id: int, changes: EntryUpdate) -> NomenclatureEntry:
    """Heading, article and note may always change; the retention only while no case under the entry has been
    closed (closed cases carry retention dates computed from it)."""
    require(actor, Action.EDIT_NOMENCLATURE)
    entry = get_entry(entry_id)
    given = changes.model_dump(exclude_unset=True)
    merged = {"index": entry.index, "year": entry.year, **entry_values(entry), **given}
    # Giving one side of "years or permanent" switches the other off.
    if given.get("permanent") and "retention_years" not in given:
        merged["retention_years"] = None
    if given.get("retention_years") is not None and "permanent" not in given:
        merged["permanent"] = False
    data = parse_input(EntryInput, merged)
    retention_changed = (data.retention_years, data.permanent, data.epk) != (
        entry.retention_years,
        entry.is_permanent,
        entry.is_epk,
    )
    if retention_changed and _has_closed_cases(entry):
        raise Conflict(
            "По статье уже закрыты дела: срок хранения и отметку ЭПК изменить нельзя", code="entry_has_closed_cases"
        )
    entry.title, entry.article, entry.note = data.title, data.article, data.note
    entry.retention_years, entry.is_permanent, entry.is_epk = data.retention_years, data.permanent, data.epk
    record_event(actor, "nomenclature.update", "nomenclature_entry", entry.id)
    return entry


def _has_closed_cases(entry: NomenclatureEntry) -> bool:
    query = select(Case.id).where(Case.entry_id == entry.id, Case.status != "open").limit(1)
    return db.session.scalar(query) is not None


def delete_entry(actor: User, entry_id: int) -> None:
    require(actor, Action.EDIT_NOMENCLATURE)
    entry = get_entry(entry_id)
    if db.session.scalar(select(Case.id).where(Case.entry_id == entry.id).limit(1)) is not None:
        raise Conflict("По этой статье уже заведены дела: удалить её нельзя", code="entry_in_use")
    record_event(actor, "nomenclature.delete", "nomenclature_entry", entry.id)
    db.session.delete(entry)
