"""`casefiles mail list` (the outbox: every e-mail sent, waiting or failed) and `casefiles mail test ADDRESS`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.auth.addresses import normalize_email
from webapp.auth.models import User
from webapp.cli.common import domain_errors
from webapp.extensions import db
from webapp.notifications.mail import deliver, mail_enabled, outbox, queue_test_message
from webapp.notifications.models import MAIL_STATUSES
from webapp.runtime import local_time
from webapp.uow import commit

mail_group = AppGroup("mail", help="The e-mail outbox.")


@mail_group.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--status", type=click.Choice(list(MAIL_STATUSES)), help="Only messages of this status.")
def mail_list(limit: int, status: str | None) -> None:
    """The latest e-mails, newest first: when, what, to whom (the login), the outcome and the last error."""
    for message in outbox(limit, status):
        user = db.session.get(User, message.user_id) if message.user_id is not None else None
        written = local_time(message.created_at).strftime("%d.%m.%Y %H:%M")
        outcome = f"{message.status} after {message.attempts} attempt(s)"
        error = f" — {message.last_error}" if message.last_error and message.status != "sent" else ""
        click.echo(
            f"{message.id:>6} {written} {message.category:<9} {user.username if user else '—':<14} "
            f"{outcome}{error} | {message.subject}"
        )


@mail_group.command("test")
@click.argument("address")
@domain_errors
def mail_test(address: str) -> None:
    """Send one test message to ADDRESS now, over CASEFILES_SMTP_URL; it stays in the outbox like any other."""
    if not mail_enabled():
        raise click.ClickException("CASEFILES_SMTP_URL is not set: no e-mail is sent")
    message = queue_test_message(normalize_email(address) or "")
    commit()
    status = deliver(message.id)
    db.session.refresh(message)
    if status != "sent":
        raise click.ClickException(f"not sent: {message.last_error} (message {message.id} will be retried)")
    click.echo(f"sent (message {message.id})")
