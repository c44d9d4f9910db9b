"""Notifications in a real browser, with a real SMTP server on localhost: the specialist gives an address and takes
approvals by e-mail, submits a document; the head's bell shows 1, the head approves from the inbox's link; the
specialist's bell shows it and the e-mail they chose for it arrives, with the case's number and no name or title.
Screenshots of the settings and the inbox are kept (CASEFILES_SCREENSHOTS, or the test's temporary folder)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PIN, LiveServer, log_in, log_out, write_pdf
from tests.mail_server import MailServer, mail_server, with_mail
from webapp.config import Settings

__all__ = ["mail_server"]  # the fixture, used by `settings` below

TITLE = "Заявление семьи Проверкиных"


@pytest.fixture
def settings(settings: Settings, mail_server: MailServer) -> Settings:
    """The live server sends its e-mail through the test's SMTP server (STARTTLS, a login)."""
    return with_mail(settings, mail_server)


def test_submit_bell_approve_bell_and_mail(
    page: Page, live_server: LiveServer, mail_server: MailServer, tmp_path: Path
) -> None:
    log_in(page, live_server, "spec")
    expect(page.locator(".bell .bell-count")).to_have_text("")
    page.click(".bell")
    page.click("text=Настройка уведомлений и адрес электронной почты")
    page.fill("input[name=email]", "spec@example.ru")
    page.click("text=Сохранить адрес")
    expect(page.locator(".flash").first).to_contain_text("Адрес сохранён")
    page.check("input[name=document_approved][value=email]")
    page.click("#channels button[type=submit]")
    expect(page.locator(".flash").first).to_contain_text("сохранены")
    page.screenshot(path=str(live_server.screenshots / "notification-settings.png"), full_page=True)

    page.goto(live_server.url + "/")
    page.click("text=+ Новое дело")
    page.select_option("select[name=nomenclature_index]", "04-05")
    page.fill("input[name=title]", "Личное дело семьи Проверкиных")
    page.click("text=Открыть дело")
    case_number = page.locator("h1").inner_text().removeprefix("Дело № ").strip()
    scan = tmp_path / "application.pdf"
    write_pdf(scan, "Application")
    page.click("#upload summary")
    page.set_input_files("#upload input[type=file]", str(scan))
    page.fill("#upload input[name=title]", TITLE)
    page.click("#upload button[type=submit]")
    card = page.locator("section.document", has=page.locator("h3", has_text=TITLE))
    card.locator("button", has_text="Направить на утверждение").click()
    expect(page.locator(".flash").first).to_be_visible()
    log_out(page)

    log_in(page, live_server, "head")
    expect(page.locator(".bell .bell-count")).to_have_text("1")
    page.click(".bell")
    page.click(f"text=Документ по делу № {case_number} передан на утверждение")
    expect(page).to_have_url(re.compile(r"/cases/\d+#document-\d+$"))
    expect(page.locator(".bell .bell-count")).to_have_text("")  # opened: read
    document = page.locator(f"section.document:has(h3:has-text('{TITLE}'))")
    document.locator("form:has(input[name=action][value=approve]) input[name=pin]").first.fill(PIN)
    document.locator("button", has_text="Утвердить").first.click()
    expect(page.locator(".flash").first).to_contain_text("утвержд")
    log_out(page)

    log_in(page, live_server, "spec")
    expect(page.locator(".bell .bell-count")).to_have_text("2")  # approved, and signed «утверждаю» by the head
    page.click(".bell")
    listed = page.locator("table.notifications tbody tr")
    expect(listed).to_have_count(2)
    expect(listed.nth(0)).to_contain_text(f"Документ по делу № {case_number} подписан")
    expect(listed.nth(1)).to_contain_text(f"Документ по делу № {case_number} утверждён")
    page.screenshot(path=str(live_server.screenshots / "inbox.png"), full_page=True)

    deadline = time.monotonic() + 30
    while not mail_server.messages and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [message["To"] for message in mail_server.messages] == ["spec@example.ru"]
    message = mail_server.messages[0]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert f"Документ по делу № {case_number} утверждён" in text
    assert "https://cf.example.ru/cases/" in text
    assert "Проверкин" not in message.as_string() and "Соколова" not in text
