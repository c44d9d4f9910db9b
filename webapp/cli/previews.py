"""`casefiles previews rebuild`: regenerate the page images the viewer shows."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.cli.common import domain_errors

previews_group = AppGroup("previews", help="Page images of documents for the viewer.")


@previews_group.command("rebuild")
@click.option("--all", "everything", is_flag=True, help="Every version of every document.")
@click.option("--document", "document_id", type=int, help="The versions of this document (its id).")
@click.option("--now", is_flag=True, help="Render here, version by version, instead of queueing worker jobs.")
@domain_errors
def rebuild_command(everything: bool, document_id: int | None, now: bool) -> None:
    """Regenerate the page images of every version (--all) or of one document's versions (--document ID): their
    old images are deleted and new ones rendered, by the worker (queued jobs) or here (--now)."""
    from webapp.previews.services import rebuild_previews

    if everything == (document_id is not None):
        raise click.UsageError("give either --all or --document ID")

    def progress(version_id: int, done: int, total: int) -> None:
        click.echo(f"previews: version {version_id}: {done}/{total} pages", err=True)

    summary = rebuild_previews(document_id=document_id, now=now, progress=progress)
    if now:
        click.echo(f"rendered the pages of {summary.ready} of {summary.versions} versions, {summary.failed} failed")
    else:
        click.echo(f"queued {summary.queued} of {summary.versions} versions for the worker")
