"""The roles of the department's accounts. Stored and sent as their plain strings (a StrEnum)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SPECIALIST = "specialist"
    HEAD = "head"
    ARCHIVIST = "archivist"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[str, str] = {
    Role.SPECIALIST: "Специалист",
    Role.HEAD: "Заведующий отделением",
    Role.ARCHIVIST: "Архивариус",
    Role.ADMIN: "Администратор",
}
