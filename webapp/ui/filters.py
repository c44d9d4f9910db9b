"""Jinja filters: dates and sizes the Russian way."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from webapp.runtime import local_time

MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


def ru_date(value: dt.date | str | None) -> str:
    """A date, or a date in ISO form as records carry it (webapp/cases/serializers.py and the areas' serializers)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value) if value else None
    return value.strftime("%d.%m.%Y") if value else "—"


def ru_date_long(value: dt.date | None) -> str:
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г." if value else "—"


def ru_datetime(value: dt.datetime | str | None) -> str:
    """A moment in the institution's time zone (CASEFILES_TIMEZONE); records carry it in UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if value else None
    return local_time(value).strftime("%d.%m.%Y %H:%M") if value else "—"


def file_size(size: int) -> str:
    for unit in ("Б", "КБ", "МБ"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "Б" else f"{size:.1f} {unit}".replace(".", ",")
        size = size / 1024  # type: ignore[assignment]
    return f"{size:.1f} ГБ".replace(".", ",")


def register_filters(app: Flask) -> None:
    app.add_template_filter(ru_date, "ru_date")
    app.add_template_filter(ru_date_long, "ru_date_long")
    app.add_template_filter(ru_datetime, "ru_datetime")
    app.add_template_filter(file_size, "file_size")
