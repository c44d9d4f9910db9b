"""Every CSV the application writes goes through `csv_writer`: a commission opens it in Excel or LibreOffice, which
take a cell starting with = + - @ (or a tab or a carriage return) for a formula, so a document titled
=cmd|' /C calc'!A0 would run. Such a text cell is written with a leading apostrophe (OWASP's advice on CSV
injection) and opens as text.

Numbers stay numbers: only strings are changed, so a column of amounts or counts is written from int or Decimal
values, never from text, and a negative amount keeps its minus.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: object) -> object:
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class SafeCsvWriter:
    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralised(cell) for cell in row])


def csv_writer(out: TextIO, **options: Any) -> SafeCsvWriter:
    """csv.writer(out, **options) whose text cells can never be read as formulas."""
    return SafeCsvWriter(out, **options)
