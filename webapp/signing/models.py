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
    # "server": the key is encrypted with the CA folder's secret alone (before signing PINs); "pin": with that
    # secret and a key derived from the signer's PIN and `pin_salt` (hex), which the server never keeps.
    key_protection: Mapped[str] = mapped_column(String(10), default="server", server_default="server")
    pin_salt: Mapped[str | None] = mapped_column(String(64))
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
    # The time of the RFC 3161 timestamp in the CMS (CAdES-T); None for a signature made before timestamps.
    timestamped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    version: Mapped[DocumentVersion] = relationship(lazy="joined", back_populates="signatures")
    signer: Mapped[User] = relationship(lazy="joined", foreign_keys=[signer_id])
    acting_for: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[acting_for_id])
    certificate: Mapped[SigningCertificate] = relationship(lazy="joined")
    file: Mapped[StoredFile] = relationship(lazy="joined")

    @property
    def cms_sha256(self) -> str:
        assert self.file.sha256 is not None
        return self.file.sha256


class ExternalSignature(Base):
    """A signature that arrived with a document signed elsewhere (a letter of the КДН, the police, ЗАГС): a detached
    CMS (.sig, .p7s: DER, Base64 or PEM) over a version's exact bytes, or the attached CMS the version itself is.
    Kept as it came (a blob); what its last check found is recorded here. The signer's name and organisation are
    case data: never in the audit log or an e-mail."""

    __tablename__ = "external_signatures"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"), unique=True)  # None: attached
    form: Mapped[str] = mapped_column(String(10))  # "detached" or "attached"
    algorithm: Mapped[str] = mapped_column(String(60), default="")
    signer: Mapped[str] = mapped_column(String(300), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    certificate_sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20), default="unchecked")  # valid, invalid, unsupported, unchecked
    trusted: Mapped[bool] = mapped_column(default=False)  # the certificate chains to a TrustedAuthority
    detail: Mapped[str] = mapped_column(String(500), default="")  # why invalid or unsupported (no personal data)
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[DocumentVersion] = relationship(lazy="joined")
    file: Mapped[StoredFile | None] = relationship(lazy="joined")
    added_by: Mapped[User] = relationship(lazy="joined")


class TrustedAuthority(Base):
    """A certification authority the administrator trusts for signatures that arrive from outside («Доверенные
    УЦ»), e.g. the Treasury's; removed ones are kept with the time they stopped counting."""

    __tablename__ = "trusted_authorities"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    certificate_pem: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
