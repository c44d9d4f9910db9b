"""`casefiles demo`: load the demo institution (the top-level `demo` package)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from webapp.cli.common import domain_errors


@click.command("demo")
@click.option("--password", default="demo-2026", show_default=True, help="Password of every demo user.")
@click.option("--skip-if-loaded", is_flag=True, help="Exit quietly when the demo is already there.")
@with_appcontext
@domain_errors
def demo_command(password: str, skip_if_loaded: bool) -> None:
    """Load a realistic demo institution (users, nomenclature, cases, documents)."""
    from demo.loader import demo_is_loaded, load_demo

    if skip_if_loaded and demo_is_loaded():
        click.echo("demo data already loaded")
        return
    click.echo(load_demo(password=password))
