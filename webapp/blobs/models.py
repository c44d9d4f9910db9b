"""One row per stored file: every blob the application writes, with what was recorded when it was written and
the outcome of its latest fixity check. Owners (versions, renditions, signatures, paperwork, exports, form
layouts) point at it by foreign key, so gc, fixity, storage migration and retention each read this one table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ColumnElement, ForeignKey, ScalarSelect, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage import StoredBlob
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base

FIXITY_OUTCOMES = {"ok": "в порядке", "mismatch": "содержимое изменено", "missing": "отсутствует"}
# What a stored file is, for the admin page and the fixity summary.
FILE_KINDS = (
    "version",
    "rendition",
    "signature",
    "preview",
    "template",
    "inventory",
    "destruction_act",
    "export",
    "hearing_package",
)


class StoredFile(Base):
    """A blob in the store. Written after its bytes and in the same transaction as its owner; never changed
    but for its fixity outcome, `deleted_at`, set when its bytes are deleted on purpose (a destroyed case's
    content, an expired export): the record stays for what it says, and gc never reuses its key; and its key,
    switched by a relocation once the same bytes were verified under the new one (BlobRelocation)."""

    __tablename__ = "stored_files"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # one of FILE_KINDS
    # None only for PDFs of archive paperwork kept before 0018, which recorded no digest for them.
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The latest fixity check: when the bytes were read back, what that showed (a key of FIXITY_OUTCOMES; None
    # before the first) and the SHA-256 found.
    last_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(20), index=True)
    found_sha256: Mapped[str | None] = mapped_column(String(64))

    @classmethod
    def of(cls, stored: StoredBlob, kind: str, media_type: str) -> StoredFile:
        """The record of a blob just written (`BlobStore.put`'s answer)."""
        return cls(key=stored.key, kind=kind, sha256=stored.sha256, size=stored.size, media_type=media_type)

    @property
    def expected_sha256(self) -> str | None:
        """What a check compares the bytes with."""
        return self.sha256

    @property
    def outcome_label(self) -> str:
        return FIXITY_OUTCOMES.get(self.outcome or "", self.outcome or "не проверялся")


class BlobRelocation(Base):
    """A stored file whose key must change because its document moved to another case or its case was
    renumbered (keys follow the nomenclature). Written in the transaction that moved it; the relocation job
    copies the bytes to `new_key`, verifies them, switches the file's key, drops this row and deletes the old
    bytes, so a crash at any point leaves the file readable under the key its row names, and a rerun finishes."""

    __tablename__ = "blob_relocations"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    new_key: Mapped[str] = mapped_column(String(512), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    file: Mapped[StoredFile] = relationship(lazy="joined")


def key_of(file_id: Mapped[int] | Mapped[int | None]) -> ScalarSelect[str]:
    """The key of the stored file an owner's column points at, for queries on the owner."""
    return select(StoredFile.key).where(StoredFile.id == file_id).scalar_subquery()


def live_key_of(file_id: Mapped[int | None]) -> ColumnElement[str | None]:
    """As key_of, but NULL once the file was deleted on purpose."""
    return select(StoredFile.key).where(StoredFile.id == file_id, StoredFile.deleted_at.is_(None)).scalar_subquery()
