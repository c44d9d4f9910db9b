"""JSON input of the form endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic

from webapp.validation import RecordId, StrictInput


class FormDocumentInput(StrictInput):
    template: str = pydantic.Field(min_length=1, max_length=64)
    fields: dict[str, Any]
    title: str | None = pydantic.Field(default=None, max_length=500)
    date: dt.date | None = None


class FormVersionInput(StrictInput):
    base_version: RecordId
    fields: dict[str, Any]
    comment: str = pydantic.Field(default="", max_length=2000)
