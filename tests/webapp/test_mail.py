"""E-mail of notifications over a real SMTP server (tests.mail_server: aiosmtpd on localhost, STARTTLS required,
a password, a certificate from a throwaway CA): immediate messages, the outbox's retries with backoff, the daily
digest, and no personal data in anything sent about the demo's cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import World
from tests.mail_server import MAIL_FROM, PASSWORD, Collector, MailServer, free_port, with_mail
from webapp.auth.models import User
from webapp.cases.events import CaseOpened
from webapp.cases.models import Case
from webapp.config import Settings
from webapp.dbtypes import utcnow
from webapp.events import subscribe, unsubscribe
from webapp.extensions import db
from webapp.notifications import mail
from webapp.notifications.digest import send_digests
from webapp.notifications.kinds import KINDS
from webapp.notifications.models import DailyMark, MailMessage, Notification, NotificationSetting
from webapp.notifications.services import notify
from webapp.notifications.smtp import SendFailed, parse_smtp_url, send
from webapp.uow import commit

ZONE = "Asia/Yekaterinburg"  # UTC+5: the digest hour is the institution's, not the server's
DIGEST_HOUR = 8


@pytest.fixture
def settings(settings: Settings, mail_server: MailServer) -> Settings:
    return with_mail(settings, mail_server, timezone=ZONE, digest_hour=DIGEST_HOUR)


def _address(user: User) -> str:
    return f"user{user.id}@cf.example.ru"


def _give_addresses() -> list[User]:
    users = list(db.session.scalars(select(User).order_by(User.id)))
    for user in users:
        user.email = _address(user)
    db.session.commit()
    return users


def _user(username: str) -> User:
    found = db.session.scalar(select(User).where(User.username == username))
    assert found is not None
    return found


def _tell_head_of_new_cases(opened: CaseOpened) -> None:
    """A stand-in subscriber (whatever the real wiring says of a case opened): the head is told."""
    case = db.session.get(Case, opened.case_id)
    notify("case_assigned", [_user("head")], actor_id=opened.actor_id, case=case)


@pytest.fixture
def head_told_of_new_cases() -> Iterator[None]:
    subscribe(CaseOpened, _tell_head_of_new_cases)
    yield
    unsubscribe(CaseOpened, _tell_head_of_new_cases)


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    markup = message.get_body(("html",))
    assert text is not None and markup is not None
    return str(text.get_content()), str(markup.get_content())


def _outbox() -> list[MailMessage]:
    db.session.expire_all()  # the job sent it in a session of its own
    return list(db.session.scalars(select(MailMessage).order_by(MailMessage.id)))


def test_a_notification_arrives_over_starttls_in_text_and_html(
    app: Flask, world: World, mail_server: MailServer, head_told_of_new_cases: None
) -> None:
    _give_addresses()
    case = world.open_case("spec1", title="Личное дело получателя: семья Заречных")

    assert len(mail_server.messages) == 1
    message = mail_server.messages[0]
    head = _user("head")
    assert message["To"] == _address(head) and message["From"] == MAIL_FROM
    assert message["Subject"] == "casefiles: Вам открыто дело"
    assert message.get_content_type() == "multipart/alternative"
    text, markup = _parts(message)
    link = f"https://cf.example.ru/cases/{case['id']}"
    assert f"Вам открыт доступ к делу № {case['number']}" in text and link in text
    assert f'<a href="{link}">' in markup and case["number"] in markup
    for personal in ("Заречн", "Личное дело", "Тест spec1", "spec1"):  # the title, the actor's name and login
        assert personal not in message.as_string() and personal not in text + markup
    [record] = _outbox()
    assert (record.status, record.attempts, record.category, record.user_id) == ("sent", 1, "immediate", head.id)
    told = db.session.scalar(select(Notification).where(Notification.user_id == head.id))
    assert told is not None and told.digested_at is not None  # e-mailed already: the digest leaves it out


def test_no_address_or_app_only_means_no_mail(app: Flask, world: World, mail_server: MailServer) -> None:
    users = _give_addresses()
    head, spec2 = _user("head"), _user("spec2")
    spec2.email = None
    db.session.add(NotificationSetting(user_id=head.id, kind="integrity_failed", channel="app"))
    notify("integrity_failed", [head, spec2, _user("admin")], params={"count": 2})
    commit()
    assert [message["To"] for message in mail_server.messages] == [_address(_user("admin"))]
    assert len(users) == 5 and all(user.email for user in users if user.id != spec2.id)


def test_an_unreachable_server_makes_the_message_wait_not_the_request_fail(
    app: Flask, world: World, mail_server: MailServer, head_told_of_new_cases: None
) -> None:
    _give_addresses()
    mail_server.stop()
    before = utcnow()
    world.open_case("spec1")  # 201: asserted by the helper
    [waiting] = _outbox()
    assert (waiting.status, waiting.attempts) == ("waiting", 1)
    assert waiting.last_error == "почтовый сервер недоступен (ConnectionRefusedError)"
    assert before + dt.timedelta(minutes=1) <= waiting.next_attempt_at <= utcnow() + dt.timedelta(minutes=1)

    mail_server.start()
    assert mail.send_due_mail() == 0  # not due yet: the backoff holds
    assert mail.send_due_mail(utcnow() + dt.timedelta(minutes=2)) == 1
    [sent] = _outbox()
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, "")
    assert len(mail_server.messages) == 1
    assert mail.send_due_mail(utcnow() + dt.timedelta(hours=2)) == 0  # sent once, never again


def test_backoff_then_failure_after_a_day_on_record(app: Flask, world: World, mail_server: MailServer) -> None:
    _give_addresses()
    mail_server.stop()
    notify("integrity_failed", [_user("admin")], params={"count": 1})
    commit()  # the job's attempt fails: the 1st
    [message] = _outbox()
    written, tried_at = message.created_at, []
    assert dt.timedelta(seconds=55) < message.next_attempt_at - written < dt.timedelta(seconds=65)  # 1 minute
    while message.status == "waiting":
        due = message.next_attempt_at
        assert mail.send_due_mail(due - dt.timedelta(seconds=1)) == 0  # nothing before its time
        assert mail.send_due_mail(due) == 0
        tried_at.append(due)
        [message] = _outbox()
    gaps = [round((later - earlier).total_seconds() / 60) for earlier, later in itertools.pairwise(tried_at)]
    assert gaps[:3] == [5, 15, 60] and set(gaps[3:]) == {60}
    assert tried_at[-2] - written < dt.timedelta(days=1) <= tried_at[-1] - written  # given up a day on
    assert message.status == "failed" and message.sent_at is None
    assert message.attempts == len(tried_at) + 1 == 4 + 24
    assert message.last_error == "почтовый сервер недоступен (ConnectionRefusedError)"
    mail_server.start()
    assert mail.send_due_mail(utcnow() + dt.timedelta(days=3)) == 0  # failed is final
    assert mail_server.messages == []


def test_retry_delays() -> None:
    assert [mail.retry_delay(n) for n in range(1, 8)] == [
        dt.timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 60, 60, 60)
    ]


def test_password_is_percent_decoded_and_never_recorded(app: Flask, mail_server: MailServer) -> None:
    assert "p%40ss%3Aw%2Frd" in mail_server.url  # the fixture's password needs decoding to be accepted
    message = _plain("проверка")
    send(message, mail_server.url, ca_file=mail_server.ca_file)
    assert [received["Subject"] for received in mail_server.messages] == ["проверка"]
    mail_server.stop()
    with pytest.raises(SendFailed) as failed:
        send(message, mail_server.url, ca_file=mail_server.ca_file)
    assert PASSWORD not in str(failed.value) and "p%40ss" not in str(failed.value)


def test_an_unknown_certificate_is_refused(app: Flask, mail_server: MailServer) -> None:
    with pytest.raises(SendFailed, match="сертификат почтового сервера не прошёл проверку"):
        send(_plain("x"), mail_server.url, ca_file=None)
    assert mail_server.messages == []


def test_smtps_speaks_tls_from_the_start(app: Flask, smtps_server: MailServer) -> None:
    assert smtps_server.url.startswith("smtps://")
    send(_plain("по TLS"), smtps_server.url, ca_file=smtps_server.ca_file)
    assert [received["Subject"] for received in smtps_server.messages] == ["по TLS"]


def test_starttls_required_is_never_skipped(app: Flask) -> None:
    """A server without STARTTLS: smtp+starttls:// refuses to send; smtp:// sends in clear, but no password."""
    received: list[EmailMessage] = []
    port = free_port()
    clear = Controller(Collector(received), hostname="127.0.0.1", port=port)
    clear.start()
    try:
        with pytest.raises(SendFailed, match="не предлагает STARTTLS: письмо не отправлено"):
            send(_plain("a"), f"smtp+starttls://127.0.0.1:{port}")
        with pytest.raises(SendFailed, match="пароль не отправлен открытым текстом"):
            send(_plain("b"), f"smtp://user:secret@127.0.0.1:{port}")
        send(_plain("c"), f"smtp://127.0.0.1:{port}")
    finally:
        clear.stop()
    assert [message["Subject"] for message in received] == ["c"]


def _plain(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = MAIL_FROM, "someone@cf.example.ru", subject
    message.set_content("текст")
    return message


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(ZONE)).astimezone(dt.UTC)


def _app_only(user: User) -> None:
    for kind in KINDS:
        db.session.merge(NotificationSetting(user_id=user.id, kind=kind, channel="app"))


def test_digest_at_the_hour_once_a_day_nothing_when_nothing(app: Flask, world: World, mail_server: MailServer) -> None:
    _give_addresses()
    spec1, head = _user("spec1"), _user("head")
    _app_only(spec1)
    head.email = None  # no address: no digest
    first = world.open_case("head")
    second = world.open_case("head")
    cases = [db.session.get_one(Case, first["id"]), db.session.get_one(Case, second["id"])]
    for case in (cases[0], cases[0], cases[1]):
        notify("case_assigned", [spec1, head], case=case)
    notify("integrity_failed", [spec1], params={"count": 4})
    [read] = notify("task_closed", [spec1], case=cases[1])
    read.read_at = utcnow()  # read in the app already: no reminder by e-mail
    commit()
    assert mail_server.messages == []  # in the app only
    today = dt.datetime.now(ZoneInfo(ZONE)).date()

    assert send_digests(_local(today, DIGEST_HOUR - 1, 59)) == 0  # before the hour
    commit()
    assert send_digests(_local(today, DIGEST_HOUR, 5)) == 1
    commit()
    [digest] = mail_server.messages
    assert digest["To"] == _address(spec1)
    assert digest["Subject"] == f"casefiles: сводка уведомлений за {today:%d.%m.%Y} (4)"
    text, markup = _parts(digest)
    assert "Вам открыто дело: 3" in text and "Нарушена целостность хранилища: 1" in text
    assert "Задача закрыта" not in text
    for case in cases:
        assert f"дело № {case.number}: https://cf.example.ru/cases/{case.id}" in text
        assert f'<a href="https://cf.example.ru/cases/{case.id}">№ {case.number}</a>' in markup
    assert "Личное дело" not in text + markup
    [record] = [message for message in _outbox() if message.category == "digest"]
    assert (record.status, record.user_id) == ("sent", spec1.id)

    assert send_digests(_local(today, 23, 50)) == 0  # once a day
    commit()
    tomorrow = today + dt.timedelta(days=1)
    assert send_digests(_local(tomorrow, DIGEST_HOUR, 0)) == 0  # nothing new: nothing sent
    commit()
    assert len(mail_server.messages) == 1
    marks = db.session.scalars(select(DailyMark.name).where(DailyMark.day == tomorrow)).all()
    assert f"digest:{spec1.id}" in marks and f"digest:{head.id}" not in marks
    left = db.session.scalar(select(func.count()).where(Notification.digested_at.is_(None)))
    assert left == 4  # the head's, who has no address, and the one spec1 read in the app


def test_no_digest_without_smtp(app: Flask, world: World, mail_server: MailServer) -> None:
    _give_addresses()
    spec1 = _user("spec1")
    _app_only(spec1)
    notify("integrity_failed", [spec1], params={"count": 1})
    commit()
    app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], smtp_url="")
    assert send_digests(utcnow() + dt.timedelta(days=1)) == 0
    assert mail.send_due_mail() == 0
    assert db.session.scalar(select(func.count()).select_from(DailyMark)) == 0
    assert mail_server.messages == []


WORD = re.compile(r"[А-Яа-яЁё]+")
STEM_MIN = 5  # a name's stem (its last two letters cut) is sought when at least this long: Мельников(ых)


def _demo_personal_data() -> tuple[set[str], set[str]]:
    """From the loaded demo: the words of people's names (staff, citizens, families) and the headings, titles,
    addresses and notes of its cases and documents."""
    from webapp.documents.models import Document

    names: set[str] = set()
    phrases: set[str] = set()
    for user in db.session.scalars(select(User)):
        names.update(WORD.findall(user.full_name))
    for case in db.session.scalars(select(Case)):
        phrases.add(case.title)
        subject = case.subject or {}
        if subject.get("kind") in ("family", "citizen"):
            names.update(set(WORD.findall(subject.get("name", ""))) - {"Семья", "семья"})
        phrases.update(str(subject[key]) for key in ("name", "address", "note") if subject.get(key))
    phrases.update(db.session.scalars(select(Document.title)))
    return names, {phrase for phrase in phrases if phrase.strip()}


def _everything_in(message: EmailMessage) -> str:
    import html

    headers = "\n".join(f"{name}: {value}" for name, value in message.items())  # decoded (policy.default)
    text, markup = _parts(message)
    return "\n".join([headers, text, markup, html.unescape(markup)]).casefold()


def _notify_every_kind(users: list[User], cases: list[Case], rounds: int) -> int:
    """Each kind about `rounds` of the cases (cycling), with the particulars the real subscribers give."""
    from webapp.hearings.models import Hearing
    from webapp.support.deadlines import DEADLINE_KINDS
    from webapp.tasks.models import TASK_STATUSES

    deadlines, statuses = list(DEADLINE_KINDS.values()), list(TASK_STATUSES.values())
    hearings = list(db.session.scalars(select(Hearing)))
    made = 0
    for step in range(rounds):
        for position, kind in enumerate(KINDS):
            case = cases[(step * len(KINDS) + position) % len(cases)]
            due = (dt.date(2026, 12, 1) + dt.timedelta(days=step)).strftime("%d.%m.%Y")
            params: dict[str, object] = {"due": due, "deadline": deadlines[(step + position) % len(deadlines)]}
            params.update(status=statuses[step % len(statuses)], count=step + 1)
            if kind == "agenda_sent":
                for hearing in hearings:
                    params.update(number=hearing.number or "б/н", date=hearing.starts_at.strftime("%d.%m.%Y"))
                    made += len(notify(kind, users, hearing_id=hearing.id, params=params))
            elif kind in ("integrity_failed", "backup_overdue"):  # about no case
                params.update(hours=26, last=due)
                made += len(notify(kind, users, params=params))
            else:
                document = next(iter(db.session.scalars(_documents_of(case))), None)
                made += len(notify(kind, users, case=case, document_id=document, params=params))
    commit()
    return made


def _act_for_real(users: list[User]) -> None:
    """What the wired subscribers announce: two drafts submitted, one returned, one approved; the day's deadlines."""
    from webapp.documents import workflow
    from webapp.documents.models import Document
    from webapp.notifications.deadlines import scan_deadlines_daily

    head = next(user for user in users if user.role == "head")
    drafts = db.session.scalars(
        select(Document)
        .join(Case)
        .where(Document.status == "draft", Case.status == "open", Document.created_by_id != head.id)
        .order_by(Document.id)
        .limit(2)
    ).all()
    assert len(drafts) == 2
    for document in drafts:
        workflow.submit(db.session.get_one(User, document.created_by_id), document)
    commit()
    workflow.return_for_rework(head, drafts[0], "Уточнить даты обследования")
    latest = drafts[1].latest_version
    assert latest is not None
    workflow.approve(head, drafts[1], latest.number)
    commit()
    assert scan_deadlines_daily() > 0
    commit()


def _documents_of(case: Case) -> object:
    from webapp.documents.models import Document

    return select(Document.id).where(Document.case_id == case.id).order_by(Document.id)


def test_no_personal_data_in_any_mail_about_the_demo(app: Flask, mail_server: MailServer) -> None:
    from demo.loader import load_demo

    load_demo(password="demo-2026")  # what the wired subscribers tell meanwhile waits for the digests
    users = _give_addresses()
    cases = list(db.session.scalars(select(Case).where(Case.status != "destroyed").order_by(Case.id)))
    for user in users:  # immediate e-mail for every kind, whatever the role's default
        for kind in KINDS:
            db.session.merge(NotificationSetting(user_id=user.id, kind=kind, channel="email"))
    _act_for_real(users)
    assert len(mail_server.messages) >= 4  # submitted (to the head), returned and approved (to the authors), due
    assert _notify_every_kind(users, cases, rounds=2) > 0
    immediate = len(mail_server.messages)
    for user in users:
        _app_only(user)
    assert _notify_every_kind(users, cases, rounds=len(cases)) > 0  # every case, for the digests
    today = dt.datetime.now(ZoneInfo(ZONE)).date()
    assert send_digests(_local(today + dt.timedelta(days=1), 23)) == len(users)
    commit()

    outbox = _outbox()
    assert {message.status for message in outbox} == {"sent"}
    assert {message.category for message in outbox} == {"immediate", "digest"}
    assert len(mail_server.messages) == len(outbox) == immediate + len(users)
    subjects = {str(message["Subject"]) for message in mail_server.messages}
    assert {f"casefiles: {kind.label}" for kind in KINDS.values()} <= subjects  # every kind went out by itself
    names, phrases = _demo_personal_data()
    assert len(names) > 20 and len(phrases) > 40  # the demo's people, titles and headings were found
    sought = {name.casefold() for name in names} | {name[:-2].casefold() for name in names if len(name) - 2 >= STEM_MIN}
    assert [found for message in mail_server.messages for found in _personal(message, sought, phrases)] == []
    said = "\n".join(_everything_in(message) for message in mail_server.messages)
    assert {case.number for case in cases if case.number.casefold() not in said} == set()  # what may be said, is
    assert re.search(r"https://cf\.example\.ru/cases/\d+#document-\d+", said)  # links by ids
    assert re.search(r"https://cf\.example\.ru/hearings/\d+", said)
    control = mail_server.messages[-1]
    control.replace_header("Subject", f"{control['Subject']} ({cases[-1].title.split(':')[-1].strip()})")
    assert _personal(control, sought, phrases) != []  # the search would see a surname slipped in


def _personal(message: EmailMessage, sought: set[str], phrases: set[str]) -> list[str]:
    content = _everything_in(message)
    words = set(WORD.findall(content))
    found = [name for name in sought if name in words or (len(name) >= STEM_MIN and name in content)]
    return found + [phrase for phrase in phrases if phrase.casefold() in content]


def test_cli_sends_a_test_message_and_lists_the_outbox(app: Flask, world: World, mail_server: MailServer) -> None:
    from webapp.cli import main

    runner = app.test_cli_runner()
    sent = runner.invoke(main, ["mail", "test", "Admin@CF.example.ru"], catch_exceptions=False)
    assert sent.exit_code == 0 and sent.output.startswith("sent (message ")
    [received] = mail_server.messages
    assert received["To"] == "Admin@cf.example.ru" and received["Subject"] == "casefiles: проверка почты"
    assert runner.invoke(main, ["mail", "test", "not an address"]).exit_code == 1

    mail_server.stop()
    failed = runner.invoke(main, ["mail", "test", "admin@cf.example.ru"])
    assert failed.exit_code == 1
    assert "not sent: почтовый сервер недоступен (ConnectionRefusedError) (message 2 will be retried)" in failed.output
    listed = runner.invoke(main, ["mail", "list"], catch_exceptions=False).output.splitlines()
    assert [line.split()[3:6] for line in listed] == [["test", "—", "waiting"], ["test", "—", "sent"]]
    assert "почтовый сервер недоступен" in listed[0] and "cf.example.ru" not in "\n".join(listed)
    waiting = runner.invoke(main, ["mail", "list", "--status", "waiting"], catch_exceptions=False).output
    assert len(waiting.splitlines()) == 1


def test_mail_settings_from_the_environment(tmp_path: Path) -> None:
    from webapp.config import load_settings
    from webapp.exceptions import ConfigurationError

    ca = tmp_path / "mail-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {
        "CASEFILES_DATA_DIR": str(tmp_path),
        "CASEFILES_SMTP_URL": "smtp+starttls://robot:s%40cret@mail.example.ru:587",
        "CASEFILES_MAIL_FROM": MAIL_FROM,
        "CASEFILES_SMTP_CA_FILE": str(ca),
        "CASEFILES_DIGEST_HOUR": "7",
    }
    loaded = load_settings(env)
    assert (loaded.smtp_ca_file, loaded.digest_hour, loaded.mail_from) == (ca.resolve(), 7, MAIL_FROM)
    assert load_settings({**env, "CASEFILES_SMTP_CA_FILE": ""}).smtp_ca_file is None
    with pytest.raises(ConfigurationError, match="CASEFILES_SMTP_CA_FILE must name an existing file"):
        load_settings({**env, "CASEFILES_SMTP_CA_FILE": str(tmp_path / "missing.pem")})
    server = parse_smtp_url(loaded.smtp_url)
    assert (server.scheme, server.host, server.port, server.username, server.password) == (
        "smtp+starttls",
        "mail.example.ru",
        587,
        "robot",
        "s@cret",
    )
    assert "s@cret" not in repr(server)
    assert parse_smtp_url("smtps://mail.example.ru").port == 465 and parse_smtp_url("smtp://h").port == 25
