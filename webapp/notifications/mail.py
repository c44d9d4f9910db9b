"""E-mail of notifications: the outbox (MailMessage rows, written in the unit of work that made the notification),
the job that sends a message after commit, and the chore that retries what a failure left waiting.

What a message says is the notification's text (webapp.notifications.kinds: the kind, counts, case numbers and
dates, never a name, a heading or a title) and a link that carries ids only. A failure never reaches the request
that caused the notification: the message waits, with backoff, and is given up a day after it was written."""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app
from sqlalchemy import select, update

from webapp.config import Settings
from webapp.dbtypes import utcnow
from webapp.extensions import db
from webapp.jobs.models import Job
from webapp.jobs.services import create_job, runner
from webapp.notifications.kinds import KINDS, text_of
from webapp.notifications.models import MailMessage, Notification
from webapp.notifications.serializers import link_of
from webapp.notifications.smtp import SendFailed, send
from webapp.runtime import local_time

log = logging.getLogger(__name__)
JOB_KIND = "mail"
BACKOFF_MINUTES = (1, 5, 15, 60)  # after the 1st, 2nd, 3rd, 4th failure; hourly after that
GIVE_UP_AFTER = dt.timedelta(days=1)  # a message still not sent this long after it was written is failed
SENDING_LEASE = dt.timedelta(minutes=2)  # a claimed message is not claimed again meanwhile (sending takes < 1 min)
DUE_BATCH = 200  # messages one chore run sends at most
SIGNATURE = "Это письмо отправлено автоматически системой casefiles; отвечать на него не нужно."


def settings() -> Settings:
    configured: Settings = current_app.config["CASEFILES"]
    return configured


def mail_enabled() -> bool:
    return bool(settings().smtp_url)


def queue_immediate_mail(notifications: Iterable[Notification]) -> list[MailMessage]:
    """In the caller's unit of work: a waiting message for each notification its recipient takes by e-mail (and
    has an address for), and a job to send it after commit. Such a notification is thereby accounted for by
    e-mail: it is marked `digested_at` so that the daily digest does not repeat it."""
    if not mail_enabled():
        return []
    messages = []
    for notification in notifications:
        address = (notification.user.email or "").strip()
        if notification.channel != "email" or not address:
            continue
        subject, text, markup = compose_immediate(notification)
        messages.append(write_message(notification.user_id, address, "immediate", subject, text, markup))
        notification.digested_at = utcnow()
    db.session.flush()
    for message in messages:
        create_job(JOB_KIND, {"message_id": message.id})
    return messages


def write_message(
    user_id: int | None, address: str, category: str, subject: str, text: str, markup: str
) -> MailMessage:
    message = MailMessage(
        user_id=user_id,
        to_address=address,
        category=category,
        subject=subject[:200],
        body_text=text,
        body_html=markup,
        status="waiting",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def compose_immediate(notification: Notification) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one notification's e-mail."""
    when = local_time(notification.created_at or utcnow()).strftime("%d.%m.%Y %H:%M")
    lines = [text_of(notification) + ".", f"Время: {when} (местное)."]
    if notification.on_behalf_of_id is not None:
        lines.append("Вы получили это уведомление как заместитель отсутствующего сотрудника.")
    link = object_link(notification)
    subject = f"casefiles: {KINDS[notification.kind].label}"
    return subject, _text(lines, link), _html(lines, link)


def object_link(notification: Notification) -> str:
    """The page of what the notification is about (the inbox's link: ids only), else the inbox; "" without
    CASEFILES_PUBLIC_URL."""
    base = settings().public_url
    return f"{base}{link_of(notification) or '/notifications'}" if base else ""


def _text(lines: list[str], link: str) -> str:
    opening = [f"Открыть: {link}"] if link else []
    return "\n\n".join([*lines, *opening, "--", SIGNATURE]) + "\n"


def _html(lines: list[str], link: str) -> str:
    paragraphs = [f"<p>{html.escape(line)}</p>" for line in lines]
    if link:
        paragraphs.append(f'<p><a href="{html.escape(link)}">Открыть в casefiles</a></p>')
    paragraphs.append(f'<p style="color:#666">{html.escape(SIGNATURE)}</p>')
    return '<!DOCTYPE html>\n<html lang="ru"><body>\n' + "\n".join(paragraphs) + "\n</body></html>\n"


def as_email(message: MailMessage) -> EmailMessage:
    """The message as sent: plain text and HTML alternatives, From CASEFILES_MAIL_FROM."""
    sender = settings().mail_from
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(idstring=f"casefiles.{message.id}", domain=sender.rpartition("@")[2] or None)
    email["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email


@runner(JOB_KIND)
def send_job(job: Job) -> None:
    """The job written with a message: send it now; a failure leaves it waiting for the chore (the job is done)."""
    job.result = {"status": deliver(int(job.params["message_id"]))}


def deliver(message_id: int, now: dt.datetime | None = None) -> str:
    """Send one waiting message that is due, and record the outcome; returns its status. The message is claimed
    first (committed), so a job and the chore never send it twice, and no lock is held while the server talks."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.status == "waiting", MailMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + SENDING_LEASE)
    )
    db.session.commit()
    message = db.session.get(MailMessage, message_id)
    if message is None or getattr(claimed, "rowcount", 0) != 1:
        return message.status if message is not None else "missing"
    configured = settings()
    try:
        if not configured.smtp_url:
            raise SendFailed("отправка почты не настроена (CASEFILES_SMTP_URL)")
        send(as_email(message), configured.smtp_url, ca_file=configured.smtp_ca_file)
    except SendFailed as exc:
        _record_failure(message, str(exc), now)
    else:
        message.status, message.sent_at, message.last_error = "sent", utcnow(), ""
        message.attempts += 1
    db.session.commit()
    return message.status


def _record_failure(message: MailMessage, reason: str, now: dt.datetime) -> None:
    message.attempts += 1
    message.last_error = reason[:500]
    if now - message.created_at >= GIVE_UP_AFTER:
        message.status = "failed"
        log.warning("mail message %s failed for good after %s attempts", message.id, message.attempts)
        return
    message.next_attempt_at = now + retry_delay(message.attempts)
    log.info("mail message %s not sent (attempt %s), retried later", message.id, message.attempts)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long a message waits after its `attempts`-th failure: 1, 5, 15, 60 minutes, then hourly."""
    return dt.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def send_due_mail(now: dt.datetime | None = None) -> int:
    """Chore (every ten minutes): send every waiting message whose next attempt is due; returns how many went."""
    if not mail_enabled():
        return 0
    now = now or utcnow()
    due = db.session.scalars(
        select(MailMessage.id)
        .where(MailMessage.status == "waiting", MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(DUE_BATCH)
    ).all()
    return sum(deliver(message_id, now) == "sent" for message_id in due)


def outbox(limit: int = 50, status: str | None = None) -> list[MailMessage]:
    """The latest messages, newest first, of one status or all (the record `casefiles mail list` prints)."""
    query = select(MailMessage).order_by(MailMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(MailMessage.status == status)
    return list(db.session.scalars(query))


def queue_test_message(address: str) -> MailMessage:
    """A message to check the settings with (`casefiles mail test ADDRESS`), kept in the outbox like any other."""
    lines = ["Проверка отправки почты из casefiles: если вы читаете это письмо, настройки верны."]
    message = write_message(None, address, "test", "casefiles: проверка почты", _text(lines, ""), _html(lines, ""))
    db.session.flush()
    return message
