"""The outcome of the latest fixity check of each stored blob."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.dbtypes import UTCDateTime
from webapp.extensions import Base

FIXITY_OUTCOMES = {"ok": "в порядке", "mismatch": "содержимое изменено", "missing": "отсутствует"}


class FixityCheck(Base):
    """One row per blob key: when it was last read back and hashed, and what that showed."""

    __tablename__ = "fixity_checks"

    blob_key: Mapped[str] = mapped_column(String(512), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # what the blob is: version, rendition, signature, ...
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # a key of FIXITY_OUTCOMES
    expected_sha256: Mapped[str | None] = mapped_column(String(64))
    found_sha256: Mapped[str | None] = mapped_column(String(64))

    @property
    def outcome_label(self) -> str:
        return FIXITY_OUTCOMES.get(self.outcome, self.outcome)
