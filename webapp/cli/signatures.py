"""`casefiles signatures restamp`: archive timestamps before timestamp certificates expire (run yearly)."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from webapp.cli.common import domain_errors

signatures_group = AppGroup("signatures", help="Signatures and seals kept for the long term.")


@signatures_group.command("restamp")
@click.option(
    "--within-days",
    type=click.IntRange(min=1),
    default=730,
    show_default=True,
    help="restamp what a timestamp certificate stops vouching for within this many days",
)
@domain_errors
def restamp_command(within_days: int) -> None:
    """Add an archive timestamp to each signature (CAdES-A, archive-time-stamp v2) and each sealed PDF export and
    hearing package (PAdES-LTA document timestamp) whose latest timestamp certificate expires within
    --within-days. Run yearly (docs/signatures.md)."""
    from webapp.exports.restamp import restamp_exports
    from webapp.exports.services import export_seal
    from webapp.hearings.package import restamp_packages
    from webapp.signing.restamp import restamp_signatures

    margin = dt.timedelta(days=within_days)
    signed = restamp_signatures(margin)
    click.echo(
        f"signatures checked: {signed.checked}, restamped: {signed.restamped}, "
        f"without a timestamp (nothing to extend): {signed.untimestamped}, not valid (left as they are): "
        f"{signed.not_valid}, deferred to the next run: {signed.deferred}"
    )
    if export_seal() is None:
        click.echo("PDF exports and hearing packages: not sealed (CASEFILES_EXPORT_SEAL=0), nothing to restamp")
        return
    for label, restamp in (("PDF exports", restamp_exports), ("hearing packages", restamp_packages)):
        report = restamp(margin)
        click.echo(
            f"{label} checked: {report.checked}, restamped: {report.restamped}, "
            f"sealed without a timestamp (nothing to extend): {report.not_lta}"
        )
