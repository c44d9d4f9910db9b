"""The `casefiles` command line (a Flask CLI group: `casefiles run`, `casefiles routes` work too)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup
from sqlalchemy import select

from storage import StorageError
from storage.base import BucketStorage, RetentionLocks
from webapp import create_app
from webapp.audit.services import record_event
from webapp.auth import access_requests
from webapp.auth import services as auth_services
from webapp.exceptions import DomainError
from webapp.extensions import db
from webapp.runtime import blob_store
from webapp.signing.pki import ensure_ca
from webapp.signing.services import deactivate_user
from webapp.uow import commit

F = TypeVar("F", bound=Callable[..., Any])


def _app_factory() -> Flask:
    try:
        return create_app()
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


def domain_errors(func: F) -> F:
    """Show a domain error as a one-line message and exit 1, with the transaction rolled back."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            lines = [exc.message] + [_detail_line(detail) for detail in exc.details]
            raise click.ClickException("\n".join(lines)) from None
        except StorageError as exc:  # its message names a key and an S3 code at most, never personal data
            db.session.rollback()
            raise click.ClickException(f"storage: {exc}") from None

    return wrapper  # type: ignore[return-value]


def _detail_line(detail: Any) -> str:
    if isinstance(detail, dict):
        where = f"строка {detail['line']}: " if "line" in detail else ""
        return f"  {where}{detail.get('field', '')}: {detail.get('message', '')}"
    return f"  {detail}"


main = FlaskGroup(create_app=_app_factory, add_version_option=False, help="casefiles: электронный архив дел.")


@main.command("init")
@domain_errors
def init_command() -> None:
    """Create or upgrade the schema, the search index and the storage, and make every file of the data and CA
    folders the owner's alone; safe to run again."""
    from webapp.filemodes import restrict_existing
    from webapp.forms.services import sync_builtin_templates
    from webapp.schema import current_revision, upgrade_to_head
    from webapp.search.services import open_index

    settings = current_app.config["CASEFILES"]
    storage_state = _prepare_storage(settings)  # first: registering templates writes to the storage
    before = current_revision(db.engine)
    upgrade_to_head(db.engine)
    after = current_revision(db.engine)
    updated = sync_builtin_templates()
    commit()
    index_state = open_index()
    state = "up to date" if before == after else f"upgraded {before or 'empty'} -> {after}"
    click.echo(f"database: {state}")
    click.echo(f"storage: {storage_state}")
    click.echo(f"search index: {settings.index_dir} ({INDEX_STATES[index_state]})")
    click.echo(f"form templates: {', '.join(updated) + ' registered' if updated else 'up to date'}")
    _, created = ensure_ca(settings.ca_dir, settings.institution_name)
    click.echo(f"signing CA: {settings.ca_dir / 'ca.pem'} ({'created' if created else 'present'})")
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


user_group = AppGroup("user", help="Manage users.")
main.add_command(user_group)


@user_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["specialist", "head", "archivist", "admin"]))
@click.option("--district", "districts", multiple=True, help="District code; repeat for several.")
@click.option("--full-name", default="", help="Full name (ФИО) shown in the interface and signatures.")
@domain_errors
def user_add(username: str, role: str, districts: tuple[str, ...], full_name: str) -> None:
    """Add a user; the password is read from standard input."""
    password = _read_password()
    user = auth_services.create_user(
        username, role=role, password=password, full_name=full_name, district_codes=districts
    )
    commit()
    click.echo(f"user {user.username} added ({user.role})")


@user_group.command("set-access")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["specialist", "head", "archivist", "admin"]))
@click.option("--district", "districts", multiple=True, help="District code; repeat for several (none: none).")
@domain_errors
def user_set_access(username: str, role: str, districts: tuple[str, ...]) -> None:
    """Set a user's role and districts at once (on the web, widening access waits for a head's confirmation)."""
    user = auth_services.find_user(username)
    access_requests.apply_access(user, role, districts)
    record_event(None, "user.update", "user", user.id, role=role, districts=sorted(districts))
    commit()
    click.echo(f"user {user.username}: {user.role}, districts: {', '.join(sorted(user.district_codes)) or '-'}")


@user_group.command("deactivate")
@click.argument("username")
@click.option("--reason", default="Пользователь деактивирован", help="Why: kept with the revocation.")
@domain_errors
def user_deactivate(username: str, reason: str) -> None:
    """Block a user's login and tokens and revoke their signing certificates (earlier signatures stay valid)."""
    user = auth_services.find_user(username)
    revoked = deactivate_user(None, user, reason)
    commit()
    click.echo(f"user {user.username} deactivated; {revoked} certificate(s) revoked")


def _read_password() -> str:
    if sys.stdin.isatty():
        value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return value
    return sys.stdin.readline().rstrip("\r\n")


token_group = AppGroup("token", help="Manage API tokens.")
main.add_command(token_group)


@token_group.command("create")
@click.argument("username")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None, help="Expire after N days.")
@domain_errors
def token_create(username: str, expires_days: int | None) -> None:
    """Print a new API token for USERNAME, alone on one line."""
    token = auth_services.create_api_token(auth_services.find_user(username), expires_in_days=expires_days)
    commit()
    click.echo(token)


nomenclature_group = AppGroup("nomenclature", help="Manage the file nomenclature.")
main.add_command(nomenclature_group)


@nomenclature_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", required=True, type=click.IntRange(1990, 2100))
@domain_errors
def nomenclature_import(file: Path, year: int) -> None:
    """Load entries from CSV (index,title,retention,article,note): all lines or none."""
    from webapp.nomenclature.services import import_csv

    with file.open("rb") as raw:
        entries = import_csv(None, raw, year)
    commit()
    click.echo(f"imported {len(entries)} nomenclature entries for {year}")


@nomenclature_group.command("copy")
@click.option("--from", "from_year", required=True, type=click.IntRange(1990, 2100))
@click.option("--to", "to_year", required=True, type=click.IntRange(1990, 2100))
@domain_errors
def nomenclature_copy(from_year: int, to_year: int) -> None:
    """Start next year's nomenclature as a copy of another year's."""
    from webapp.nomenclature.services import copy_year

    entries = copy_year(None, from_year, to_year)
    commit()
    click.echo(f"copied {len(entries)} nomenclature entries from {from_year} to {to_year}")


@main.command("demo")
@click.option("--password", default="demo-2026", show_default=True, help="Password of every demo user.")
@click.option("--skip-if-loaded", is_flag=True, help="Exit quietly when the demo is already there.")
@domain_errors
def demo_command(password: str, skip_if_loaded: bool) -> None:
    """Load a realistic demo institution (users, nomenclature, cases, documents)."""
    from demo.loader import demo_is_loaded, load_demo

    if skip_if_loaded and demo_is_loaded():
        click.echo("demo data already loaded")
        return
    click.echo(load_demo(password=password))


@main.command("reindex")
@domain_errors
def reindex_command() -> None:
    """Build a fresh search index from the database and storage beside the live one, then swap it in."""
    from webapp.search.services import reindex_all

    def progress(done: int, total: int) -> None:
        click.echo(f"reindex: {done}/{total} documents", err=True)

    click.echo(f"indexed {reindex_all(progress=progress)} documents")


search_group = AppGroup("search", help="The search index.")
main.add_command(search_group)


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


@main.command("fixity")
@click.option("--sample", type=click.IntRange(1), help="check this many blobs chosen at random")
@click.option("--unchecked-days", type=click.IntRange(0), help="check only blobs not checked for this many days")
@domain_errors
def fixity_command(sample: int | None, unchecked_days: int | None) -> None:
    """Read back stored blobs, compare their SHA-256 with the database and record the outcome; exit 1 on any
    changed or missing blob, or one the storage could not read."""
    from webapp.blobs.services import run_fixity

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
main.add_command(storage_group)


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
    import datetime as dt

    from webapp.blobs.services import UNFINISHED_GRACE, collect_garbage

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
    import dataclasses

    from webapp.blobs.services import migrate_blobs
    from webapp.config import record_switch
    from webapp.storage_setup import build_blob_store

    settings = current_app.config["CASEFILES"]
    source = blob_store()
    if isinstance(source, BucketStorage):
        raise click.ClickException("the storage is S3 already")
    if not settings.s3_bucket:
        raise click.ClickException("set CASEFILES_S3_BUCKET (and the endpoint, region and credentials) first")
    destination = build_blob_store(dataclasses.replace(settings, storage="s3"))
    assert isinstance(destination, BucketStorage)

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            click.echo(f"migrate: {done}/{total} blobs", err=True)

    destination.ensure_bucket()
    summary = migrate_blobs(source, destination, progress=progress)
    click.echo(
        f"{summary.total} blobs: {summary.copied} copied, {summary.already_there} already there, "
        f"{len(summary.failed)} failed"
    )
    if not summary.clean:
        for key in summary.failed:
            click.echo(f"failed: {key}")
        raise click.ClickException("not switched: run the command again (and `casefiles fixity` for the failures)")
    record_switch(settings.data_dir, target)
    click.echo(f"switched: this data folder now uses {target}; restart the web processes and workers")


@storage_group.command("retention")
@domain_errors
def storage_retention() -> None:
    """Lock every closed case's objects until its retention date (permanent ones re-extended) and set legal
    holds, where the bucket has Object Lock; safe to run again (locks are only extended)."""
    from webapp.blobs.retention import apply_retention
    from webapp.cases.models import Case

    store = blob_store()
    if not isinstance(store, RetentionLocks) or not store.object_lock_enabled():
        raise click.ClickException("retention locks need CASEFILES_STORAGE=s3 and a bucket with Object Lock")
    cases = db.session.scalars(select(Case).where(Case.status.in_(("closed", "transferred")))).all()
    objects = sum(apply_retention(case, store) for case in cases)
    click.echo(f"locked {objects} objects of {len(cases)} closed cases")


@main.command("export")
@click.argument("case_numbers", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["pdf", "zip"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@click.option("--all-versions", is_flag=True, help="every version of each document, not only the approved one")
@click.option("--title", default="", help="a hearing package's name (several cases; ZIP only)")
@click.option("--user", "username", help="export as this user: their access applies, their name is on the cover")
@domain_errors
def export_command(
    case_numbers: tuple[str, ...], fmt: str, output: Path, all_versions: bool, title: str, username: str | None
) -> None:
    """Write the complete case file (PDF) or the verifiable package (ZIP; several cases make a hearing package)."""
    import tempfile

    from webapp.audit.services import record_event
    from webapp.cases.models import Case
    from webapp.cases.permissions import can_read_case
    from webapp.exceptions import NotFound, ValidationError
    from webapp.exports.services import write_export
    from webapp.jobs.services import JobFailed

    if len(case_numbers) > 1 and fmt != "zip":
        raise ValidationError("Несколько дел к заседанию выгружаются только ZIP-пакетом (--format zip)")
    actor = auth_services.find_user(username) if username else None
    cases = []
    for number in case_numbers:
        case = db.session.scalar(select(Case).where(Case.number == number))
        if case is None or (actor is not None and not can_read_case(actor, case)):
            raise NotFound(f"Дело {number} не найдено")
        if case.status == "destroyed":
            raise ValidationError(f"Дело {number} уничтожено по акту: выгружать нечего")
        cases.append(case)
    for case in cases:
        record_event(actor, "case.export", "case", case.id, format=fmt, via="cli")
    commit()
    prepared_by = (actor.full_name, actor.role_label) if actor else ("", "")

    def progress(fraction: float) -> None:
        click.echo(f"\rexport: {fraction:4.0%}", nl=fraction >= 1, err=True)

    with tempfile.TemporaryDirectory(prefix="casefiles-export-", dir=output.resolve().parent) as work:
        built = Path(work) / f"export.{fmt}"
        versions = "all" if all_versions else "approved"
        try:
            write_export(
                cases, fmt, versions, built, Path(work), prepared_by=prepared_by, title=title, progress=progress
            )
        except JobFailed as exc:  # a message for people: a damaged file, a layout that would not settle
            raise click.ClickException(str(exc)) from None
        built.replace(output)  # whole or not at all
    click.echo(f"written: {output}")


@main.command("verify-export", with_appcontext=False)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_export_command(path: Path) -> None:
    """Check an exported ZIP offline: every file's SHA-256 and every signature (against the package's ca.pem).
    Exit 0 only if all hold."""
    from webapp.exports.verify import verify_export

    report = verify_export(path)
    for problem in report.problems:
        click.echo(f"FAILED {problem.path}: {problem.message}")
    click.echo(f"files: {report.files}, signatures: {report.signatures}, problems: {len(report.problems)}")
    if not report.ok:
        sys.exit(1)
    click.echo("OK: every hash and signature holds")


audit_group = AppGroup("audit", help="The audit log.")
main.add_command(audit_group)


@audit_group.command("verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain from the first event; exit 1 naming the first event that breaks it."""
    from webapp.audit.chain import verify_chain

    def progress(checked: int) -> None:
        click.echo(f"audit: {checked} events checked", err=True)

    report = verify_chain(progress)
    if not report.ok:
        click.echo(f"BROKEN at event {report.broken_at}: {report.reason} ({report.checked} events before it hold)")
        sys.exit(1)
    click.echo(f"OK: {report.checked} events, the chain holds")


exports_group = AppGroup("exports", help="Exported case files.")
main.add_command(exports_group)


@exports_group.command("purge")
@domain_errors
def exports_purge() -> None:
    """Delete exported files past CASEFILES_EXPORT_TTL_HOURS (the worker does this every 10 minutes)."""
    from webapp.exports.services import purge_expired_exports

    purged = purge_expired_exports()
    commit()
    click.echo(f"deleted {purged} expired exports")


@main.command("worker")
@click.option("--threads", type=click.IntRange(1, 32), default=2, show_default=True)
def worker_command(threads: int) -> None:
    """Run background jobs (PDF renditions, exports) until stopped; requeues jobs left waiting, and those of
    workers that died."""
    from webapp.jobs.worker import run_worker
    from webapp.wiring import wire

    wire()  # as create_app() does: the jobs it runs publish facts and commit units of work too
    run_worker(current_app._get_current_object(), threads, click.echo)  # type: ignore[attr-defined]


@main.command("make-migration", hidden=True)
@click.option("-m", "--message", required=True)
def make_migration(message: str) -> None:
    """Developers: autogenerate an Alembic migration from the models."""
    from webapp.schema import make_revision

    make_revision(db.engine, message)
