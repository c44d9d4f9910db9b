"""A deputy in a real browser: the head names a specialist of another district as deputy for today; the deputy
approves and signs «утверждаю» the head's waiting document; the signature sheet and the history say they acted for
the head."""

from __future__ import annotations

import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import PIN, LiveServer, log_in, log_out, write_pdf

TITLE = "Акт обследования условий жизни"


def test_the_head_names_a_deputy_who_approves_and_signs_for_them(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    log_in(page, live_server, "spec")
    page.click("text=+ Новое дело")
    page.select_option("select[name=nomenclature_index]", "04-05")
    page.fill("input[name=title]", "Личное дело семьи")
    page.click("text=Открыть дело")
    case_url = page.url
    scan = tmp_path / "act.pdf"
    write_pdf(scan, "Inspection act")
    page.click("#upload summary")
    page.set_input_files("#upload input[type=file]", str(scan))
    page.fill("#upload input[name=title]", TITLE)
    page.click("#upload button[type=submit]")
    card = page.locator("section.document", has=page.locator("h3", has_text=TITLE))
    card.locator("button", has_text="Направить на утверждение").click()
    expect(page.locator(".flash").first).to_contain_text("Направлено на утверждение")
    document_id = card.get_attribute("id", timeout=5_000)
    assert document_id is not None and document_id.startswith("document-")
    log_out(page)

    log_in(page, live_server, "head")
    page.click("header >> text=Заместители")
    form = page.locator("#name-deputy")
    form.locator("select[name=principal]").select_option("head")
    form.locator("select[name=deputy]").select_option("spec2")
    form.locator("input[name=ends_on]").fill(form.locator("input[name=starts_on]").input_value())
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash").first).to_contain_text("Заместитель назначен")
    expect(page.locator("#deputies tbody tr")).to_contain_text("Галиев Рустам Ильдарович")
    page.screenshot(path=str(live_server.screenshots / "deputies-01-named.png"), full_page=True)
    log_out(page)

    log_in(page, live_server, "spec2")  # district u2: without the deputyship this u1 case is not theirs to see
    page.click("header >> text=Заместители")
    expect(page.locator("#standing-in-for")).to_contain_text("Орлова Татьяна Сергеевна")
    page.click("#standing-in-for >> text=Документы на утверждении")
    queued = page.locator("section.document", has=page.locator("h3", has_text=TITLE))
    expect(queued.locator("input[name=sign]")).to_be_checked()
    queued.locator("input[name=pin]").fill(PIN)
    queued.locator("button", has_text="Утвердить версию 1").click()
    expect(page.locator(".flash").first).to_contain_text("Документ утверждён и подписан")
    log_out(page)

    log_in(page, live_server, "spec")
    page.goto(case_url)
    card = page.locator("section.document", has=page.locator("h3", has_text=TITLE))
    expect(card).to_contain_text("Галиев Рустам Ильдарович (и. о. за Орлова Татьяна Сергеевна)")
    card.locator("summary", has_text="Ход согласования").click()
    expect(card.locator(".history")).to_contain_text("Галиев Рустам Ильдарович (за Орлова Татьяна Сергеевна)")
    page.screenshot(path=str(live_server.screenshots / "deputies-02-signed.png"), full_page=True)
    number = document_id.removeprefix("document-")
    copy = page.request.get(f"{live_server.url}/documents/{number}/versions/1/pdf")
    assert copy.ok and copy.headers["content-type"] == "application/pdf"
    sheet = re.sub(r"\s+", " ", PdfReader(io.BytesIO(copy.body())).pages[-1].extract_text())
    assert "Лист подписей" in sheet and "утверждаю" in sheet
    assert "и. о. заведующего отделением (Орлова Татьяна Сергеевна)" in sheet, sheet
