"""`casefiles user ...`: add users, set their access, deactivate them."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from webapp.auth import access_requests
from webapp.auth import services as auth_services
from webapp.auth.addresses import normalize_email, set_email
from webapp.auth.roles import Role
from webapp.cli.common import domain_errors
from webapp.policy import SYSTEM
from webapp.signing.services import deactivate_user
from webapp.uow import commit

user_group = AppGroup("user", help="Manage users.")


@user_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--district", "districts", multiple=True, help="District code; repeat for several.")
@click.option("--full-name", default="", help="Full name (ФИО) shown in the interface and signatures.")
@click.option("--email", default="", help="Where notifications are e-mailed (seen only by the user and admins).")
@domain_errors
def user_add(username: str, role: str, districts: tuple[str, ...], full_name: str, email: str) -> None:
    """Add a user; the password is read from standard input."""
    address = normalize_email(email)  # a mistyped address stops the command before the password is asked
    password = _read_password()
    user = auth_services.create_user(
        username, role=role, password=password, full_name=full_name, district_codes=districts
    )
    user.email = address
    commit()
    click.echo(f"user {user.username} added ({user.role})")


@user_group.command("set-access")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--district", "districts", multiple=True, help="District code; repeat for several (none: none).")
@domain_errors
def user_set_access(username: str, role: str, districts: tuple[str, ...]) -> None:
    """Set a user's role and districts at once (on the web, widening access waits for a head's confirmation)."""
    user = access_requests.set_access(SYSTEM, username, role, districts)
    commit()
    click.echo(f"user {user.username}: {user.role}, districts: {', '.join(sorted(user.district_codes)) or '-'}")


@user_group.command("set-email")
@click.argument("username")
@click.argument("email")
@domain_errors
def user_set_email(username: str, email: str) -> None:
    """Set the address a user's notifications are e-mailed to ("" removes it: no e-mail)."""
    user = set_email(SYSTEM, auth_services.find_user(username), email)
    commit()
    click.echo(f"user {user.username}: " + ("e-mail address set" if user.email else "no e-mail address"))


@user_group.command("deactivate")
@click.argument("username")
@click.option("--reason", default="Пользователь деактивирован", help="Why: kept with the revocation.")
@domain_errors
def user_deactivate(username: str, reason: str) -> None:
    """Block a user's login and tokens and revoke their signing certificates (earlier signatures stay valid)."""
    user = auth_services.find_user(username)
    revoked = deactivate_user(SYSTEM, user, reason)
    commit()
    click.echo(f"user {user.username} deactivated; {revoked} certificate(s) revoked")


def _read_password() -> str:
    if sys.stdin.isatty():
        value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return value
    return sys.stdin.readline().rstrip("\r\n")
