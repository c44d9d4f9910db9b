"""The end of a unit of work: commit, then the side effects that must follow the commit."""

from __future__ import annotations

from webapp.extensions import db
from webapp.jobs.services import enqueue_committed_jobs
from webapp.search.services import drain_outbox


def commit() -> None:
    db.session.commit()
    enqueue_committed_jobs()
    drain_outbox(inline=True)
