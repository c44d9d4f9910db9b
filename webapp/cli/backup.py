"""`casefiles backup DEST`, `casefiles backup verify SRC`, `casefiles backup list SRC`, `casefiles backup prune
DEST` and `casefiles restore SRC` (README, «Backup and restore»)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from webapp.cli.common import domain_errors
from webapp.exceptions import DomainError


class _BackupGroup(AppGroup):
    """`casefiles backup DEST` takes a backup; `casefiles backup verify|list|prune ...` are its subcommands (a
    folder named like one of them: `casefiles backup take verify`)."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[Any, Any, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "take", self.commands["take"], args
        return super().resolve_command(ctx, args)


backup_group = _BackupGroup(
    "backup",
    help="Backups: `casefiles backup DEST` writes one; verify, list and prune work on a backup folder.",
)


def _progress(stage: str, done: int, total: int) -> None:
    if done % 100 == 0 or done == total:
        click.echo(f"{stage}: {done}/{total}", err=True)


@backup_group.command("take")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@domain_errors
def take_command(dest: Path) -> None:
    """Write one consistent, encrypted backup into the folder DEST (created if missing): the database, the CA
    folder and session key, and the local blobs not already in DEST; then keep CASEFILES_BACKUP_KEEP_DAILY daily
    and CASEFILES_BACKUP_KEEP_MONTHLY monthly backups. Safe while the application runs. Exit 1 when a stored file
    the database expects is missing or changed in the storage (the backup is written, and names it)."""
    from webapp.backups.services import take_backup

    report = take_backup(dest.resolve(), _progress)
    click.echo(f"backup {report.set_name} written to {report.root}")
    click.echo(
        f"blobs: {report.blobs} expected, {report.copied} copied ({report.bytes_copied} bytes), "
        f"{report.reused} already in the folder, {report.in_bucket} left to the S3 bucket"
        + (f", {report.gone} deleted on purpose meanwhile" if report.gone else "")
    )
    if report.pruned_sets or report.pruned_copies:
        click.echo(f"retention: {len(report.pruned_sets)} old backups and {report.pruned_copies} blob copies removed")
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}")
    if not report.ok:
        sys.exit(1)


@backup_group.command("verify")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--set", "set_name", help="the backup to check (a folder name in SRC/sets/); default the newest")
@with_appcontext
@domain_errors
def verify_command(src: Path, set_name: str | None) -> None:
    """Check a backup without restoring it: every file's SHA-256 against its manifest, the database copy
    readable (needs CASEFILES_BACKUP_PASSPHRASE or CASEFILES_BACKUP_IDENTITY). Exit 1 naming each damaged file."""
    from flask import current_app

    from webapp.backups.services import check_backup

    report = check_backup(src.resolve(), set_name, current_app.config["CASEFILES"], _progress)
    for problem in report.problems:
        click.echo(f"DAMAGED: {problem}")
    if not report.ok:
        sys.exit(1)
    click.echo(f"OK: backup {report.set_name}, {report.files} files match the manifest; {report.database}")


@backup_group.command("list")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@domain_errors
def list_command(src: Path) -> None:
    """The backups in a folder, oldest first, with their counts."""
    from webapp.backups import archive

    for name in archive.sets(src):
        manifest = archive.read_manifest(src, name)
        copies = sum(1 for blob in manifest["blobs"] if "copy" in blob)
        problems = f", {len(manifest['problems'])} problems" if manifest.get("problems") else ""
        click.echo(
            f"{name}  {manifest['database']['kind']}  schema {manifest['schema_revision']}  "
            f"{len(manifest['blobs'])} blobs ({copies} in the folder){problems}"
        )


@backup_group.command("prune")
@click.argument("dest", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--keep-daily", type=click.IntRange(0), help="default CASEFILES_BACKUP_KEEP_DAILY (7)")
@click.option("--keep-monthly", type=click.IntRange(0), help="default CASEFILES_BACKUP_KEEP_MONTHLY (12)")
@with_appcontext
@domain_errors
def prune_command(dest: Path, keep_daily: int | None, keep_monthly: int | None) -> None:
    """Delete backups retention does not keep (the newest of each of the last N days and M months, and always the
    newest), then blob copies no kept backup lists. `casefiles backup` does this after each backup."""
    from flask import current_app

    from webapp.backups import archive

    settings = current_app.config["CASEFILES"]
    daily = settings.backup_keep_daily if keep_daily is None else keep_daily
    monthly = settings.backup_keep_monthly if keep_monthly is None else keep_monthly
    with archive.locked(dest.resolve()):
        dropped, copies = archive.prune(dest.resolve(), daily, monthly)
    click.echo(f"removed {len(dropped)} backups ({', '.join(dropped) or 'none'}) and {copies} blob copies")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--set", "set_name", help="the backup to restore (a folder name in SRC/sets/); default the newest")
def restore_command(src: Path, set_name: str | None) -> None:
    """Restore a backup into the configured data folder and database, which must be empty, then check it: fixity
    of every blob, the audit chain, a sample of signatures, the search index rebuilt. Exit 1 naming the first
    problem."""
    from webapp.backups.services import restore_backup
    from webapp.config import load_settings
    from webapp.filemodes import restrict_new_files

    restrict_new_files()  # as create_app would: what the restore writes is the owner's alone
    try:
        report = restore_backup(src.resolve(), set_name, load_settings(), _progress)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"restored backup {report.set_name}")
    for line in report.lines:
        click.echo(line)
    if not report.ok:
        click.echo(f"PROBLEM: {report.problems[0]}")
        for problem in report.problems[1:]:
            click.echo(f"also: {problem}")
        sys.exit(1)
    click.echo("OK: the restore checks out")
