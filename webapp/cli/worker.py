"""`casefiles worker`: run background jobs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 32), default=2, show_default=True)
@with_appcontext
def worker_command(threads: int) -> None:
    """Run background jobs (PDF renditions, exports) until stopped; requeues jobs left waiting, and those of
    workers that died."""
    from webapp.jobs.worker import run_worker
    from webapp.wiring import wire

    wire()  # as create_app() does: the jobs it runs publish facts and commit units of work too
    run_worker(current_app._get_current_object(), threads, click.echo)  # type: ignore[attr-defined]
