"""The institution's yearly file nomenclature."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base


class NomenclatureEntry(Base):
    __tablename__ = "nomenclature_entries"
    __table_args__ = (UniqueConstraint("year", "index"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    index: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    retention_years: Mapped[int | None]
    is_permanent: Mapped[bool] = mapped_column(default=False)
    is_epk: Mapped[bool] = mapped_column(default=False)
    article: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Case numbers are drawn from this counter with an atomic UPDATE, so concurrent openings never collide.
    last_case_sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def section_code(self) -> str:
        """The department code the entry belongs to: "04" for "04-05"."""
        return re.split(r"[-.]", self.index, maxsplit=1)[0]

    @property
    def sort_key(self) -> list[int]:
        """Nomenclature order: 04-2 before 04-10."""
        return [int(part) for part in re.split(r"[-.]", self.index)]

    @property
    def retention_label(self) -> str:
        base = "постоянно" if self.is_permanent else years_ru(self.retention_years or 0)
        return f"{base} ЭПК" if self.is_epk else base


class NomenclatureSection(Base):
    """A section of the yearly nomenclature: a department code and its name ("04" — отделение ...)."""

    __tablename__ = "nomenclature_sections"
    __table_args__ = (UniqueConstraint("year", "code"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    code: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(500))


def years_ru(count: int) -> str:
    """1 год, 3 года, 5 лет, 21 год, 75 лет."""
    if count % 10 == 1 and count % 100 != 11:
        word = "год"
    elif count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        word = "года"
    else:
        word = "лет"
    return f"{count} {word}"
