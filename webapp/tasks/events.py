"""Facts the tasks area publishes (webapp.events); who reacts is decided in webapp.wiring."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskAssigned:
    """A task was given to `assignee_id`: a new one, or an open one given to another colleague or moved to another
    due date."""

    task_id: int
    assignee_id: int
    actor_id: int


@dataclass(frozen=True)
class TaskClosed:
    """A task was closed: done or declined by its assignee, or cancelled (declined) by whoever gave it."""

    task_id: int
    status: str
    actor_id: int
