"""Facts the cases area publishes (webapp.events); who reacts is decided in webapp.wiring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseFact:
    """Something happened to a case; each fact has its own type below."""

    case_id: int
    actor_id: int | None


@dataclass(frozen=True)
class CaseOpened(CaseFact):
    pass


@dataclass(frozen=True)
class CaseClosed(CaseFact):
    """Closed, with its retention date set (none for a permanent file)."""


@dataclass(frozen=True)
class CaseReopened(CaseFact):
    pass


@dataclass(frozen=True)
class HoldSet(CaseFact):
    """A legal hold: the case may not be destroyed until it is released."""


@dataclass(frozen=True)
class HoldReleased(CaseFact):
    pass


@dataclass(frozen=True)
class RetentionExtended(CaseFact):
    """The expert commission extended the retention of a closed case."""


@dataclass(frozen=True)
class CaseEdited(CaseFact):
    """A case's details were corrected (webapp.cases.corrections); `fields` names what changed: `title`,
    `subject`, `district`, `responsible`, `nomenclature_index`, `number`."""

    fields: tuple[str, ...]


@dataclass(frozen=True)
class CaseRenumbered(CaseFact):
    """Filed under another nomenclature entry: the case has a new number; `old_number` is kept as a former one."""

    old_number: str


@dataclass(frozen=True)
class ResponsibleAssigned(CaseFact):
    """The head made `user_id` the case's responsible specialist (on its profile or by a correction); opening a
    case with its responsible is CaseOpened."""

    user_id: int


@dataclass(frozen=True)
class CaseGranted(CaseFact):
    """The head opened the case to `user_id` beyond their role (webapp.cases.grants); the grants a hearing's
    agenda gives its members are AgendaSent's."""

    user_id: int
    grant_id: int
