"""The demo institution as pure data: districts, users, case files and their documents with versions.

No database and no Flask here: `casefiles demo` feeds the result into the services. Everything is invented
and deterministic for a given year; every date is in `year` (on or before 1 December) and no document is
dated before its case was opened."""

from __future__ import annotations

import datetime as dt
import pathlib
from dataclasses import dataclass
from typing import Any

from demo.people import DISTRICTS, INSTITUTION_SHORT, STAFF, Staff
from demo.render import render
from webapp.printing.layout import Form


@dataclass(frozen=True)
class DemoDistrict:
    code: str
    name: str


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str  # specialist | head | archivist | admin
    districts: tuple[str, ...]


@dataclass(frozen=True)
class DemoVersion:
    content: bytes
    media_type: str
    author: str  # username
    comment: str


@dataclass(frozen=True)
class DemoDocument:
    type: str
    title: str
    date: dt.date
    versions: tuple[DemoVersion, ...]


@dataclass(frozen=True)
class DemoCase:
    nomenclature_index: str
    district: str
    title: str
    subject: dict[str, Any]  # kind (family|citizen|district|department), name, address, note, categories
    opened_on: dt.date
    created_by: str  # username
    documents: tuple[DemoDocument, ...]
    closed_on: dt.date | None = None  # closed by the archivist on that day
    hold_reason: str = ""  # under a legal hold for that reason


@dataclass(frozen=True)
class DemoInstitution:
    name: str
    districts: tuple[DemoDistrict, ...]
    users: tuple[DemoUser, ...]
    cases: tuple[DemoCase, ...]


def nomenclature_csv_path() -> pathlib.Path:
    """The sample file nomenclature (index,title,retention,article,note) the demo cases are filed under."""
    return pathlib.Path(__file__).with_name("nomenclature.csv")


def version(form: Form, media_type: str, author: Staff, comment: str) -> DemoVersion:
    return DemoVersion(render(form, media_type), media_type, author.username, comment)


def document(type_: str, title: str, date: dt.date, *versions: DemoVersion) -> DemoDocument:
    if not versions:
        raise ValueError(f"{title}: a document needs at least one version")
    return DemoDocument(type_, title, date, tuple(versions))


def build_demo(year: int) -> DemoInstitution:
    """The whole demo for `year`; equal years give equal data (and equal bytes)."""
    from demo.cases_archive import archive_cases
    from demo.cases_families import family_cases
    from demo.cases_office import office_cases

    cases = (*family_cases(year), *office_cases(year), *archive_cases(year))
    return DemoInstitution(
        name=INSTITUTION_SHORT,
        districts=tuple(DemoDistrict(item.code, item.name) for item in DISTRICTS),
        users=tuple(DemoUser(s.username, s.full_name, s.role, s.districts) for s in STAFF),
        cases=tuple(sorted(cases, key=lambda case: (case.opened_on, case.nomenclature_index, case.title))),
    )
