"""Input of the archive endpoints."""

from __future__ import annotations

from typing import Literal

import pydantic

from webapp.nomenclature.schemas import Year
from webapp.validation import RecordId, StrictInput


class InventoryInput(StrictInput):
    year: Year
    retention_class: Literal["permanent", "long", "temporary"]


class ActInput(StrictInput):
    """Without `case_ids`, the act lists every case ready for destruction."""

    case_ids: list[RecordId] | None = pydantic.Field(default=None, min_length=1, max_length=1000)
