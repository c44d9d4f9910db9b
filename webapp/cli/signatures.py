"""`casefiles signatures restamp`: archive timestamps before timestamp certificates expire (run yearly)."""

from __future__ import annotations

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
    """Add an archive timestamp (PAdES-LTA document timestamp) to sealed PDF exports whose latest timestamp
    certificate expires within --within-days. Run yearly (docs/pdfa.md)."""
    import datetime as dt

    from webapp.exports.restamp import restamp_exports

    report = restamp_exports(dt.timedelta(days=within_days))
    click.echo(
        f"PDF exports checked: {report.checked}, restamped: {report.restamped}, "
        f"sealed without a timestamp (nothing to extend): {report.not_lta}"
    )
