"""Facts the blobs area publishes (webapp.events); who reacts is decided in webapp.wiring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IntegrityFailed:
    """A fixity check found `count` stored files changed or missing (their keys stay in the fixity record)."""

    count: int
    actor_id: int | None = None
