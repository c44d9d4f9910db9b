"""People, their districts and their API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base

ROLES = ("specialist", "head", "archivist", "admin")

ROLE_LABELS = {
    "specialist": "Специалист",
    "head": "Заведующий отделением",
    "archivist": "Архивариус",
    "admin": "Администратор",
}

user_districts = Table(
    "user_districts",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class District(Base):
    __tablename__ = "districts"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of every session's id: raising it (deactivation, a new password) ends the user's sessions everywhere.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    districts: Mapped[list[District]] = relationship(secondary=user_districts, lazy="selectin")

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def district_codes(self) -> frozenset[str]:
        return frozenset(d.code for d in self.districts)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class ApiToken(Base):
    """Only a SHA-256 of the token is kept: tokens are 256-bit random, so a slow KDF adds nothing."""

    __tablename__ = "api_tokens"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed logins counted per username and per client address (kept as SHA-256, never in clear): too many in
    a window lock further attempts for a while, whatever the password."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
