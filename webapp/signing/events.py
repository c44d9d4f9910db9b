"""Facts the signing area publishes (webapp.events); who reacts is decided in webapp.wiring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VersionSigned:
    """An electronic signature of a version was stored."""

    document_id: int
    version_id: int
    signature_id: int
    actor_id: int | None
