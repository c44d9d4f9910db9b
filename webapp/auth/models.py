"""People, their districts and their API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.roles import ROLE_LABELS, Role
from webapp.dbtypes import UTCDateTime, utcnow
from webapp.extensions import Base

ROLES = tuple(Role)

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
    # Where notifications are e-mailed (webapp.notifications); never shown to other users.
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of every session's id: raising it (deactivation, a new password) ends the user's sessions everywhere.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # A password an administrator set (a reset, a new account) is for one login: the user must change it first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    password_reset_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the last reset by an administrator
    password_reset_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    districts: Mapped[list[District]] = relationship(secondary=user_districts, lazy="selectin")
    password_reset_by: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[password_reset_by_id])

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


class AccessRequest(Base):
    """An administrator's change that would let an account read case content (a new specialist or head, a
    promotion, more districts). It takes effect only when a head confirms it; until then the account keeps what
    it had (a new account does not exist). The password of a new account is kept as its hash, for one login."""

    __tablename__ = "access_requests"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # None: a new account
    username: Mapped[str | None] = mapped_column(String(64))  # a new account's fields
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    district_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class Deputy(Base):
    """`deputy` stands in for `principal` from `starts_on` to `ends_on` (both included, the institution's dates):
    receives the principal's notifications and may act on the principal's approvals under their own name and
    signature, recorded as acting for the principal (webapp.auth.deputies)."""

    __tablename__ = "deputies"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    principal: Mapped[User] = relationship(foreign_keys=[principal_id], lazy="joined")
    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id], lazy="joined")

    def in_force(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on
