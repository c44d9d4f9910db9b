"""The `casefiles` command line (a Flask CLI group: `casefiles run`, `casefiles routes` work too).

One module per command group; each command parses its arguments, calls a service and prints the outcome."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from webapp import create_app
from webapp.cli import (
    audit,
    backup,
    blobs,
    demo,
    exports,
    init,
    mail,
    nomenclature,
    previews,
    search,
    serve,
    signatures,
    tokens,
    users,
    worker,
)
from webapp.exceptions import DomainError


def _app_factory() -> Flask:
    try:
        return create_app()
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


main = FlaskGroup(create_app=_app_factory, add_version_option=False, help="casefiles: электронный архив дел.")
for command in (
    init.init_command,
    init.make_migration,
    users.user_group,
    tokens.token_group,
    nomenclature.nomenclature_group,
    demo.demo_command,
    search.reindex_command,
    search.search_group,
    blobs.fixity_command,
    blobs.storage_group,
    exports.export_command,
    exports.verify_export_command,
    exports.exports_group,
    signatures.signatures_group,
    previews.previews_group,
    audit.audit_group,
    backup.backup_group,
    backup.restore_command,
    mail.mail_group,
    worker.worker_command,
    serve.serve_command,
):
    main.add_command(command)
