"""`casefiles audit verify`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

audit_group = AppGroup("audit", help="The audit log.")


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
