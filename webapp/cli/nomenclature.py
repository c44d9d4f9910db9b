"""`casefiles nomenclature ...`: import a CSV, copy a year."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from webapp.cli.common import domain_errors
from webapp.policy import SYSTEM
from webapp.uow import commit

nomenclature_group = AppGroup("nomenclature", help="Manage the file nomenclature.")


@nomenclature_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", required=True, type=click.IntRange(1990, 2100))
@domain_errors
def nomenclature_import(file: Path, year: int) -> None:
    """Load entries from CSV (index,title,retention,article,note): all lines or none."""
    from webapp.nomenclature.services import import_csv

    with file.open("rb") as raw:
        entries = import_csv(SYSTEM, raw, year)
    commit()
    click.echo(f"imported {len(entries)} nomenclature entries for {year}")


@nomenclature_group.command("copy")
@click.option("--from", "from_year", required=True, type=click.IntRange(1990, 2100))
@click.option("--to", "to_year", required=True, type=click.IntRange(1990, 2100))
@domain_errors
def nomenclature_copy(from_year: int, to_year: int) -> None:
    """Start next year's nomenclature as a copy of another year's."""
    from webapp.nomenclature.services import copy_year

    entries = copy_year(SYSTEM, from_year, to_year)
    commit()
    click.echo(f"copied {len(entries)} nomenclature entries from {from_year} to {to_year}")
