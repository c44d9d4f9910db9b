"""Facts the hearings area publishes (webapp.events); who reacts is decided in webapp.wiring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgendaSent:
    """A hearing's agenda was sent: its internal members read its cases' documents from now until
    `access_until` (notifications to the members subscribe here)."""

    hearing_id: int
    actor_id: int | None


@dataclass(frozen=True)
class HearingHeld:
    """A hearing took place; decisions may be entered and its protocol rendered."""

    hearing_id: int
    actor_id: int | None


@dataclass(frozen=True)
class DecisionRecorded:
    """A decision was entered (or changed) for an agenda item; it counts once the protocol is approved."""

    hearing_id: int
    item_id: int
    actor_id: int | None


@dataclass(frozen=True)
class DecisionsFiledBack:
    """The hearing's protocol was approved and each case received its extract and what its decision starts."""

    hearing_id: int
    case_ids: tuple[int, ...]
    actor_id: int | None
