"""`casefiles token create`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.auth import services as auth_services
from webapp.cli.common import domain_errors
from webapp.uow import commit

token_group = AppGroup("token", help="Manage API tokens.")


@token_group.command("create")
@click.argument("username")
@click.option("--expires-days", type=click.IntRange(1, 3650), default=None, help="Expire after N days.")
@domain_errors
def token_create(username: str, expires_days: int | None) -> None:
    """Print a new API token for USERNAME, alone on one line."""
    token = auth_services.create_api_token(auth_services.find_user(username), expires_in_days=expires_days)
    commit()
    click.echo(token)
