"""The end of a unit of work: commit, then the after-commit hooks (registered in webapp.wiring) that must follow
the commit, such as handing new jobs to the queue and applying the search outbox; or roll back, then the
after-rollback hooks (the jobs the failed unit created are forgotten)."""

from __future__ import annotations

from webapp.events import run_after_commit, run_after_rollback
from webapp.extensions import db


def commit() -> None:
    db.session.commit()
    run_after_commit()


def rollback() -> None:
    db.session.rollback()
    run_after_rollback()
