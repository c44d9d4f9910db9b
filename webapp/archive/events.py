"""Facts the archive publishes (webapp.events); who reacts is decided in webapp.wiring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseDestroyed:
    """The case's content was destroyed by an approved act: its blobs deleted, only metadata left."""

    case_id: int
    document_ids: tuple[int, ...]
    actor_id: int | None
