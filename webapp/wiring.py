"""What follows what: every reaction to a published fact, and every after-commit hook, registered here and only
here (see webapp.events). A subscriber runs inside the publisher's transaction and writes rows that commit with
it (search outbox rows, job rows); an after-commit hook runs once a unit of work has committed (webapp.uow).

To react to a fact, write a subscriber (a function taking the event) in the area that reacts, and add one line
below. `create_app()` and the worker call `wire()`; calling it again does nothing.
"""

from __future__ import annotations

from webapp.events import on_commit
from webapp.jobs.services import enqueue_committed_jobs
from webapp.search.services import drain_after_commit


def wire() -> None:
    """Register every subscriber and after-commit hook (registering one again does nothing)."""
    # After commit, in this order: new jobs go to the queue, then the search outbox is applied.
    on_commit(enqueue_committed_jobs)
    on_commit(drain_after_commit)
