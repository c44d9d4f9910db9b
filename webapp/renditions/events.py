"""Facts the renditions area publishes (webapp.events); who reacts is decided in webapp.wiring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenditionMade:
    """A version's PDF copy was made and its row committed (its page images can be rendered from it now)."""

    version_id: int
    document_id: int
