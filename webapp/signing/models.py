"""Signers' certificates and the electronic signatures made with them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.blobs.models import StoredFile
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.documents.models import DocumentVersion
from webapp.extensions import Base


class SigningCertificate(Base):
    """A signer's X.509 certificate from the institution's CA, with the signer's private key encrypted by the
    CA folder's secret (a copy of the database alone cannot sign)."""

    __tablename__ = "signing_certificates"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    serial_number: Mapped[str] = mapped_column(String(64), unique=True)  # hex
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(500))
    certificate_pem: Mapped[str] = mapped_column(Text)
    encrypted_key_pem: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship(lazy="joined")


class Signature(Base):
    """A detached CMS signature over the exact bytes of one version, kept as a blob; one per role and version."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("version_id", "role"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A deputy's signature: the absent user the signer stood in for («и. о.», webapp.auth.deputies).
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    certificate_id: Mapped[int] = mapped_column(ForeignKey("signing_certificates.id"))
    role: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    algorithm: Mapped[str] = mapped_column(String(60))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)  # the CMS (.p7s)

    version: Mapped[DocumentVersion] = relationship(lazy="joined", back_populates="signatures")
    signer: Mapped[User] = relationship(lazy="joined", foreign_keys=[signer_id])
    acting_for: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[acting_for_id])
    certificate: Mapped[SigningCertificate] = relationship(lazy="joined")
    file: Mapped[StoredFile] = relationship(lazy="joined")

    @property
    def cms_sha256(self) -> str:
        assert self.file.sha256 is not None
        return self.file.sha256
