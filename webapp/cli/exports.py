"""`casefiles export`, `casefiles verify-export` and `casefiles exports purge`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from webapp.audit.services import record_event
from webapp.auth import services as auth_services
from webapp.cli.common import domain_errors
from webapp.policy import SYSTEM
from webapp.uow import commit


@click.command("export")
@click.argument("case_numbers", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["pdf", "zip"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@click.option("--all-versions", is_flag=True, help="every version of each document, not only the approved one")
@click.option("--title", default="", help="a hearing package's name (several cases; ZIP only)")
@click.option("--user", "username", help="export as this user: their access applies, their name is on the cover")
@with_appcontext
@domain_errors
def export_command(
    case_numbers: tuple[str, ...], fmt: str, output: Path, all_versions: bool, title: str, username: str | None
) -> None:
    """Write the complete case file (PDF) or the verifiable package (ZIP; several cases make a hearing package)."""
    import tempfile

    from webapp.exports.services import cases_by_number, check_cases_exportable, check_export_request, write_export
    from webapp.jobs.services import JobFailed

    versions = "all" if all_versions else "approved"
    title = check_export_request(case_numbers, fmt, versions, title)
    actor = auth_services.find_user(username) if username else SYSTEM
    cases = cases_by_number(actor, case_numbers)
    check_cases_exportable(actor, cases)
    for case in cases:
        record_event(actor, "case.export", "case", case.id, format=fmt, via="cli")
    commit()
    prepared_by = (actor.full_name, actor.role_label)  # SYSTEM's are empty: no name on the sheets

    def progress(fraction: float) -> None:
        click.echo(f"\rexport: {fraction:4.0%}", nl=fraction >= 1, err=True)

    with tempfile.TemporaryDirectory(prefix="casefiles-export-", dir=output.resolve().parent) as work:
        built = Path(work) / f"export.{fmt}"
        try:
            write_export(
                cases, fmt, versions, built, Path(work), prepared_by=prepared_by, title=title, progress=progress
            )
        except JobFailed as exc:  # a message for people: a damaged file, a layout that would not settle
            raise click.ClickException(str(exc)) from None
        built.replace(output)  # whole or not at all
    click.echo(f"written: {output}")


@click.command("verify-export")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_export_command(path: Path) -> None:
    """Check an exported ZIP offline: every file's SHA-256 and every signature (against the package's ca.pem).
    Exit 0 only if all hold."""
    from webapp.exports.verify import verify_export

    report = verify_export(path)
    for problem in report.problems:
        click.echo(f"FAILED {problem.path}: {problem.message}")
    counts = f"files: {report.files}, signatures: {report.signatures} ({report.timestamps} timestamped"
    counts += f", {report.archive_timestamps} archive timestamps)" if report.archive_timestamps else ")"
    click.echo(f"{counts}, problems: {len(report.problems)}")
    if report.external_signatures:
        click.echo(f"signatures from outside: {report.external_signatures} ({report.external_trusted} trusted)")
    if not report.ok:
        sys.exit(1)
    click.echo("OK: every hash and signature holds")


exports_group = AppGroup("exports", help="Exported case files.")


@exports_group.command("purge")
@domain_errors
def exports_purge() -> None:
    """Delete exported files past CASEFILES_EXPORT_TTL_HOURS (the worker does this every 10 minutes)."""
    from webapp.exports.services import purge_expired_exports

    purged = purge_expired_exports()
    commit()
    click.echo(f"deleted {purged} expired exports")
