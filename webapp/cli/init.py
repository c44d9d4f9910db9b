"""`casefiles init`, and `make-migration` for developers."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from storage.base import BucketStorage, RetentionLocks
from webapp.cli.common import domain_errors
from webapp.extensions import db
from webapp.runtime import blob_store
from webapp.signing.pki import ensure_ca
from webapp.uow import commit


@click.command("init")
@with_appcontext
@domain_errors
def init_command() -> None:
    """Create or upgrade the schema, the search index and the storage, and make every file of the data and CA
    folders the owner's alone; safe to run again."""
    from webapp.filemodes import restrict_existing
    from webapp.forms.services import sync_builtin_templates
    from webapp.hearings.services import ensure_default_questions
    from webapp.schema import current_revision, upgrade_to_head
    from webapp.search.services import open_index

    settings = current_app.config["CASEFILES"]
    storage_state = _prepare_storage(settings)  # first: registering templates writes to the storage
    before = current_revision(db.engine)
    upgrade_to_head(db.engine)
    after = current_revision(db.engine)
    updated = sync_builtin_templates()
    questions = ensure_default_questions()
    commit()
    index_state = open_index()
    state = "up to date" if before == after else f"upgraded {before or 'empty'} -> {after}"
    click.echo(f"database: {state}")
    click.echo(f"storage: {storage_state}")
    click.echo(f"search index: {settings.index_dir} ({INDEX_STATES[index_state]})")
    click.echo(f"form templates: {', '.join(updated) + ' registered' if updated else 'up to date'}")
    if questions:
        click.echo(f"hearing questions: {questions} to start with")
    authority, created = ensure_ca(settings.ca_dir, settings.institution_name)
    click.echo(f"signing CA: {settings.ca_dir / 'ca.pem'} ({'created' if created else 'present'})")
    if settings.export_seal and authority.ensure_seal(settings.institution_name):
        click.echo("seal for exported PDFs: made")
    if not settings.tsa_url and authority.ensure_time_stamping(settings.institution_name):
        click.echo("own time-stamping authority (CASEFILES_TSA_URL is empty): made")
    modes = restrict_existing(settings.data_dir, settings.ca_dir)
    click.echo(f"file modes: owner only ({modes.tightened} files and folders tightened)")
    if modes.failed:
        click.echo(f"file modes: {modes.failed} files or folders could not be changed (owned by another user)")


INDEX_STATES = {
    "ready": "ready",
    "created": "created",
    "missing": "missing: run `casefiles reindex`",
    "damaged": "damaged: run `casefiles reindex`",
}


def _prepare_storage(settings: Any) -> str:
    """The storage as init leaves it; a bucket is created when missing (StorageError says why not)."""
    store = blob_store()
    if not isinstance(store, BucketStorage):
        return f"local ({settings.blob_dir})"
    created = store.ensure_bucket()
    locking = isinstance(store, RetentionLocks) and store.object_lock_enabled()
    lock = "Object Lock enabled" if locking else "no Object Lock"
    return f"s3 bucket {store.bucket} ({'created' if created else 'present'}, {lock})"


@click.command("make-migration", hidden=True)
@click.option("-m", "--message", required=True)
@with_appcontext
def make_migration(message: str) -> None:
    """Developers: autogenerate an Alembic migration from the models."""
    from webapp.schema import make_revision

    make_revision(db.engine, message)
