"""`casefiles reindex` and `casefiles search check`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext

from webapp.cli.common import domain_errors


@click.command("reindex")
@with_appcontext
@domain_errors
def reindex_command() -> None:
    """Build a fresh search index from the database and storage beside the live one, then swap it in."""
    from webapp.search.services import reindex_all

    def progress(done: int, total: int) -> None:
        click.echo(f"reindex: {done}/{total} documents", err=True)

    click.echo(f"indexed {reindex_all(progress=progress)} documents")


search_group = AppGroup("search", help="The search index.")


@search_group.command("check")
@domain_errors
def search_check() -> None:
    """Compare the index with the database; exit 1 when they differ or the index cannot be read (then run
    `casefiles reindex`)."""
    from search_index import IndexMissing, IndexUnavailable
    from webapp.search.services import check_index

    try:
        drift = check_index()
    except IndexUnavailable as exc:
        state = "missing" if isinstance(exc, IndexMissing) else "damaged: its files cannot be read"
        click.echo(f"the search index is {state}; searches answer 503 until it is rebuilt")
        click.echo("run `casefiles reindex` to rebuild it from the database and storage")
        sys.exit(1)
    for label, ids in (("missing", drift.missing), ("stale", drift.stale), ("extra", drift.extra)):
        shown = ", ".join(str(document_id) for document_id in ids[:20]) + (" ..." if len(ids) > 20 else "")
        click.echo(f"{label}: {len(ids)}" + (f" (document ids: {shown})" if ids else ""))
    click.echo(f"queued changes: {drift.queued}")
    if not drift.clean:
        click.echo("the index differs from the database: run `casefiles reindex`")
        sys.exit(1)
    click.echo("index matches the database")


@search_group.command("migrate")
@click.option("--to", "target", type=click.Choice(["postgres"]), required=True, help="The index to move to.")
@domain_errors
def search_migrate(target: str) -> None:
    """Build the search index in PostgreSQL from the database while the current one keeps serving, then switch
    to it: processes started from now on search there (CASEFILES_SEARCH=auto). Restart every web and worker
    process within a day; what those still running change meanwhile is caught up at their restart."""
    from webapp.search.services import migrate_to_postgres

    def progress(done: int, total: int) -> None:
        click.echo(f"search migrate: {done}/{total} documents", err=True)

    count = migrate_to_postgres(progress=progress)
    click.echo(f"indexed {count} documents in PostgreSQL; searches switch to it as each process restarts")
    click.echo("restart every web and worker process now (within a day at the latest)")
