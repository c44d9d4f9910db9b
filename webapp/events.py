"""The event bus: an area publishes a fact (a small frozen dataclass declared in its `events.py`), and the
subscribers registered for that fact's type react. Which reaction follows which fact is decided in one place,
`webapp.wiring`; a publishing service never calls another area's reaction.

Subscribers run synchronously in the publisher's transaction, so what they write (outbox rows, job rows) commits
or rolls back with the fact itself. Work that must wait for the commit (handing jobs to the queue, applying the
search outbox) is registered with `on_commit` and run by `webapp.uow.commit` once the transaction has committed;
what must instead join the transaction at its very end (indexing into a search index kept in the database) is
registered with `before_commit`; what must be forgotten when it is rolled back instead (the jobs it created) is
registered with `on_rollback` and run by whoever rolls back a failed unit of work (webapp.errors). Housekeeping
that runs every few minutes whatever happens (purging expired exports) is registered with `every_ten_minutes` and
scheduled by the job queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")
Subscriber = Callable[[Any], None]
Hook = Callable[[], None]

_subscribers: dict[type, list[Subscriber]] = {}
_before_commit: list[Hook] = []
_after_commit: list[Hook] = []
_after_rollback: list[Hook] = []


def subscribe(event_type: type[E], subscriber: Callable[[E], None]) -> None:
    """Call `subscriber` with every published event of exactly this type; registering it again does nothing."""
    subscribers = _subscribers.setdefault(event_type, [])
    if subscriber not in subscribers:
        subscribers.append(subscriber)


def unsubscribe(event_type: type[E], subscriber: Callable[[E], None]) -> None:
    if subscriber in _subscribers.get(event_type, []):
        _subscribers[event_type].remove(subscriber)


def publish(event: object) -> None:
    """Run the event's subscribers, in the order they were registered, inside the caller's transaction."""
    for subscriber in list(_subscribers.get(type(event), [])):
        subscriber(event)


def subscribers_of(event_type: type) -> list[Subscriber]:
    return list(_subscribers.get(event_type, []))


def before_commit(hook: Hook) -> None:
    """Run `hook` inside every unit of work just before it commits (webapp.uow.commit), so what it writes commits
    with it; registering it again does nothing."""
    if hook not in _before_commit:
        _before_commit.append(hook)


def run_before_commit() -> None:
    for hook in list(_before_commit):
        hook()


def on_commit(hook: Hook) -> None:
    """Run `hook` after every committed unit of work (webapp.uow.commit); registering it again does nothing."""
    if hook not in _after_commit:
        _after_commit.append(hook)


def run_after_commit() -> None:
    for hook in list(_after_commit):
        hook()


def on_rollback(hook: Hook) -> None:
    """Run `hook` after a failed unit of work is rolled back (webapp.errors); registering it again does nothing."""
    if hook not in _after_rollback:
        _after_rollback.append(hook)


def run_after_rollback() -> None:
    for hook in list(_after_rollback):
        hook()


Chore = Callable[[], object]  # what it returns (a count of what it purged, say) is not used
_housekeeping: list[Chore] = []


def every_ten_minutes(hook: Chore) -> None:
    """Run `hook` every ten minutes in the worker, as a unit of work of its own (webapp.jobs.queue); registering it
    again does nothing."""
    if hook not in _housekeeping:
        _housekeeping.append(hook)


def housekeeping() -> list[Chore]:
    return list(_housekeeping)
