"""Page images of document versions: derived data, rendered in the background and regenerated at will
(`casefiles previews rebuild`); each page image is a stored file (kind "preview") like any other blob."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.blobs.models import StoredFile
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base

PREVIEW_STATUSES = ("pending", "ready", "failed")


class PagePreview(Base):
    """The page images of one version: whether they are ready, how many pages, how far rendering got."""

    __tablename__ = "page_previews"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # one of PREVIEW_STATUSES
    page_count: Mapped[int | None]  # known once the source is opened
    error: Mapped[str] = mapped_column(Text, default="")  # a message for people, never personal data
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    pages: Mapped[list[PreviewPage]] = relationship(
        back_populates="preview", order_by="PreviewPage.number", lazy="selectin", cascade="all, delete-orphan"
    )


class PreviewPage(Base):
    """One page: its thumbnail (about 200 px wide) and its page image (about 1400 px wide), and its text where the
    source has a text layer (to open a search hit at the page that matched)."""

    __tablename__ = "preview_pages"
    __table_args__ = (UniqueConstraint("preview_id", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    preview_id: Mapped[int] = mapped_column(ForeignKey("page_previews.id"), index=True)
    number: Mapped[int]  # from 1
    thumbnail_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    image_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    width: Mapped[int]  # of the page image, in pixels
    height: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")

    preview: Mapped[PagePreview] = relationship(back_populates="pages")
    thumbnail_file: Mapped[StoredFile] = relationship(foreign_keys=[thumbnail_file_id], lazy="joined")
    image_file: Mapped[StoredFile] = relationship(foreign_keys=[image_file_id], lazy="joined")
