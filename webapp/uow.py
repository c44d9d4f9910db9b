"""The end of a unit of work: the before-commit hooks (registered in webapp.wiring: indexing into a search index
kept in the database), commit, then the after-commit hooks that must follow the commit, such as handing new jobs
to the queue and applying the search outbox; or roll back, then the after-rollback hooks (the jobs the failed
unit created are forgotten)."""

from __future__ import annotations

from webapp.events import run_after_commit, run_after_rollback, run_before_commit
from webapp.extensions import db


def commit() -> None:
    run_before_commit()
    db.session.commit()
    run_after_commit()


def rollback() -> None:
    db.session.rollback()
    run_after_rollback()
