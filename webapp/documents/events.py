"""Facts the documents area publishes (webapp.events); who reacts is decided in webapp.wiring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VersionAdded:
    """A new version (the first one of a new document too) was stored and its row written."""

    document_id: int
    version_id: int
    number: int
    media_type: str
    actor_id: int | None


@dataclass(frozen=True)
class DocumentTransitioned:
    """A step of the approval workflow; each step has its own type below."""

    document_id: int
    version_number: int
    actor_id: int | None


@dataclass(frozen=True)
class DocumentSubmitted(DocumentTransitioned):
    """The author sent the latest version to the head."""


@dataclass(frozen=True)
class DocumentApproved(DocumentTransitioned):
    """The head approved the version they had read."""


@dataclass(frozen=True)
class DocumentReturned(DocumentTransitioned):
    """The head returned the document for rework."""


@dataclass(frozen=True)
class DocumentAnnulled(DocumentTransitioned):
    """The head annulled the document: no new versions are accepted."""


@dataclass(frozen=True)
class ApprovalReset(DocumentTransitioned):
    """A new version put a submitted or approved document back to draft."""


@dataclass(frozen=True)
class DocumentEdited:
    """A document's details (title, type, date) were corrected; its versions' bytes did not change."""

    document_id: int
    case_id: int
    actor_id: int | None
    fields: tuple[str, ...]  # the names of the fields changed


@dataclass(frozen=True)
class DocumentMoved:
    """A misfiled document, with all its versions, was moved to another case (webapp.documents.moves)."""

    document_id: int
    from_case_id: int
    to_case_id: int
    actor_id: int | None
