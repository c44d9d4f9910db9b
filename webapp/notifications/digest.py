"""The daily digest: once a day per user, at or after CASEFILES_DIGEST_HOUR in the institution's time, one e-mail
summing up the notifications since their last digest that did not already go out by e-mail on their own and are
still unread (what was read in the app needs no reminder): how many
of each kind, the case numbers, links by ids. Nothing to sum up, no e-mail. A user without an address, or an
installation without SMTP, gets none. The day's DailyMark("digest:<user id>") makes a second run send nothing."""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from webapp.auth.models import User
from webapp.dbtypes import utcnow
from webapp.extensions import db
from webapp.jobs.services import create_job
from webapp.notifications.kinds import KINDS
from webapp.notifications.mail import JOB_KIND, SIGNATURE, mail_enabled, settings, write_message
from webapp.notifications.models import DailyMark, MailMessage, Notification
from webapp.runtime import institution_zone


@dataclass
class _KindSummary:
    count: int = 0
    cases: dict[int, str] = field(default_factory=dict)  # case id -> number, in order of first mention


def send_digests(now: dt.datetime | None = None) -> int:
    """Chore (every ten minutes): write today's digest of each user who has an address and not had it yet, once
    the digest hour has come; each goes out by a job after commit. Returns how many digests were written."""
    if not mail_enabled():
        return 0
    local_now = (now or utcnow()).astimezone(institution_zone())
    if local_now.hour < settings().digest_hour:
        return 0
    today = local_now.date()
    users = db.session.scalars(
        select(User).where(User.is_active.is_(True), User.email.is_not(None), User.email != "").order_by(User.id)
    ).all()
    written = 0
    for user in users:
        mark = f"digest:{user.id}"
        if db.session.get(DailyMark, (mark, today)) is not None:
            continue
        db.session.add(DailyMark(name=mark, day=today))
        message = _digest_for(user, today)
        if message is not None:
            db.session.flush()
            create_job(JOB_KIND, {"message_id": message.id})
            written += 1
    db.session.flush()
    return written


def _digest_for(user: User, today: dt.date) -> MailMessage | None:
    pending = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.digested_at.is_(None), Notification.read_at.is_(None))
        .order_by(Notification.created_at, Notification.id)
    ).all()
    if not pending:
        return None
    summary: dict[str, _KindSummary] = defaultdict(_KindSummary)
    for notification in pending:
        entry = summary[notification.kind]
        entry.count += 1
        if notification.case is not None:
            entry.cases.setdefault(notification.case.id, notification.case.number)
        notification.digested_at = utcnow()
    subject = f"casefiles: сводка уведомлений за {today:%d.%m.%Y} ({len(pending)})"
    address = (user.email or "").strip()
    return write_message(
        user.id, address, "digest", subject, _digest_text(summary, today), _digest_html(summary, today)
    )


def _heading(today: dt.date) -> str:
    return f"Сводка уведомлений casefiles за {today:%d.%m.%Y}."


def _digest_text(summary: dict[str, _KindSummary], today: dt.date) -> str:
    base = settings().public_url
    lines = [_heading(today), ""]
    for kind, entry in summary.items():
        lines.append(f"{KINDS[kind].label}: {entry.count}")
        for case_id, number in entry.cases.items():
            lines.append(f"  дело № {number}" + (f": {base}/cases/{case_id}" if base else ""))
    if base:
        lines += ["", f"Все уведомления: {base}/notifications"]
    return "\n".join([*lines, "", "--", SIGNATURE]) + "\n"


def _digest_html(summary: dict[str, _KindSummary], today: dt.date) -> str:
    base = settings().public_url
    parts = [f"<p>{html.escape(_heading(today))}</p>", "<ul>"]
    for kind, entry in summary.items():
        cases = ", ".join(_case_html(base, case_id, number) for case_id, number in entry.cases.items())
        parts.append(f"<li>{html.escape(KINDS[kind].label)}: {entry.count}" + (f" (дела: {cases})" if cases else ""))
    parts.append("</ul>")
    if base:
        parts.append(f'<p><a href="{html.escape(base)}/notifications">Все уведомления</a></p>')
    parts.append(f'<p style="color:#666">{html.escape(SIGNATURE)}</p>')
    return '<!DOCTYPE html>\n<html lang="ru"><body>\n' + "\n".join(parts) + "\n</body></html>\n"


def _case_html(base: str, case_id: int, number: str) -> str:
    label = html.escape(f"№ {number}")
    return f'<a href="{html.escape(base)}/cases/{case_id}">{label}</a>' if base else label
