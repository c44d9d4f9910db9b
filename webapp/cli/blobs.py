"""`casefiles fixity` and `casefiles storage ...`: garbage collection, migration to S3, retention locks."""

from __future__ import annotations

import datetime as dt
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from webapp.blobs.retention import apply_all_retention
from webapp.blobs.services import UNFINISHED_GRACE, collect_garbage, migrate_to_s3, run_fixity
from webapp.cli.common import domain_errors


@click.command("fixity")
@click.option("--sample", type=click.IntRange(1), help="check this many blobs chosen at random")
@click.option("--unchecked-days", type=click.IntRange(0), help="check only blobs not checked for this many days")
@with_appcontext
@domain_errors
def fixity_command(sample: int | None, unchecked_days: int | None) -> None:
    """Read back stored blobs, compare their SHA-256 with the database and record the outcome; exit 1 on any
    changed or missing blob, or one the storage could not read."""

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            click.echo(f"fixity: {done}/{total} blobs", err=True)

    summary = run_fixity(sample=sample, unchecked_days=unchecked_days, progress=progress)
    click.echo(
        f"checked {summary.checked}: {summary.ok} ok, {len(summary.mismatch)} changed, "
        f"{len(summary.missing)} missing, {len(summary.failed)} unreadable"
    )
    for label, keys in (("changed", summary.mismatch), ("missing", summary.missing), ("unreadable", summary.failed)):
        for key in keys:
            click.echo(f"{label}: {key}")
    if not summary.clean:
        sys.exit(1)


storage_group = AppGroup("storage", help="The blob storage.")


@storage_group.command("gc")
@click.option(
    "--grace-hours",
    type=click.IntRange(1),
    default=24,
    show_default=True,
    help="leave blobs younger than this alone (an upload may be in progress)",
)
@click.option("--dry-run", is_flag=True, help="only list what would be removed")
@domain_errors
def storage_gc(grace_hours: int, dry_run: bool) -> None:
    """Remove stored blobs that no row refers to (left by uploads whose transaction failed), and what uploads
    killed mid-write left in the storage's temporary folder."""
    summary = collect_garbage(grace=dt.timedelta(hours=grace_hours), dry_run=dry_run)
    for key in summary.removed:
        click.echo(f"{'would remove' if dry_run else 'removed'}: {key}")
    click.echo(
        f"scanned {summary.scanned} blobs: {len(summary.removed)} {'to remove' if dry_run else 'removed'}, "
        f"{summary.too_young} unreferenced but younger than {grace_hours} h left alone"
    )
    hours = UNFINISHED_GRACE.total_seconds() / 3600
    click.echo(
        f"unfinished uploads older than {hours:g} h: {summary.unfinished} {'to remove' if dry_run else 'removed'}"
    )


@storage_group.command("migrate")
@click.option("--to", "target", type=click.Choice(["s3"]), required=True)
@domain_errors
def storage_migrate(target: str) -> None:
    """Copy every blob from the local folder to the S3 bucket set by CASEFILES_S3_*, read each copy back to
    verify its SHA-256, then switch this data folder to S3. Safe to run again after an interruption."""

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            click.echo(f"migrate: {done}/{total} blobs", err=True)

    summary = migrate_to_s3(current_app.config["CASEFILES"], progress=progress)
    click.echo(
        f"{summary.total} blobs: {summary.copied} copied, {summary.already_there} already there, "
        f"{len(summary.failed)} failed"
    )
    if not summary.clean:
        for key in summary.failed:
            click.echo(f"failed: {key}")
        raise click.ClickException("not switched: run the command again (and `casefiles fixity` for the failures)")
    click.echo(f"switched: this data folder now uses {target}; restart the web processes and workers")


@storage_group.command("retention")
@domain_errors
def storage_retention() -> None:
    """Lock every closed case's objects until its retention date (permanent ones re-extended) and set legal
    holds, where the bucket has Object Lock; safe to run again (locks are only extended)."""
    objects, cases = apply_all_retention()
    click.echo(f"locked {objects} objects of {cases} closed cases")
