"""A simple structured document — the common ground of the DOCX, PDF and text renderers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Alignment = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: centred section heading, 2: left-aligned subsection heading


@dataclass(frozen=True)
class Paragraph:
    text: str
    align: Alignment = "left"
    bold: bool = False
    small: bool = False


@dataclass(frozen=True)
class Field:
    """«Label: value» — one filled-in line of a form."""

    label: str
    value: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...] = ()  # relative column widths; equal when empty
    header_row: bool = True  # False: the header is not shown (a two-column form of label/value rows)

    def all_rows(self) -> tuple[tuple[str, ...], ...]:
        """Header (when shown) and rows, each padded to the same number of columns."""
        rows = ((self.header,) if self.header_row else ()) + self.rows
        columns = max(len(row) for row in (self.header, *self.rows))
        return tuple(tuple(row) + ("",) * (columns - len(row)) for row in rows)

    def column_weights(self) -> tuple[int, ...]:
        columns = max(len(row) for row in (self.header, *self.rows))
        return self.widths if len(self.widths) == columns else (1,) * columns


@dataclass(frozen=True)
class Signature:
    role: str
    name: str
    date: str = ""

    def line(self) -> str:
        return f"{self.role} ________________ {self.name}" + (f"    {self.date}" if self.date else "")


Block = Heading | Paragraph | Field | Table | Signature


@dataclass(frozen=True)
class Form:
    title: str
    blocks: tuple[Block, ...]
    author: str = ""
    created: dt.date = dt.date(2000, 1, 1)
    stamp: tuple[str, ...] = field(default=())  # right-aligned lines above the title


def timestamp(day: dt.date) -> dt.datetime:
    """The fixed moment written into file metadata, so equal documents give equal bytes."""
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC)
