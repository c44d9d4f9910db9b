"""Correcting what was filed, in a real browser: a specialist fixes a case's heading, checks a document out and
back in with a new file, restores the earlier version, and moves the document to the case it belongs to."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, log_in


def _open_case(page: Page, server: LiveServer, title: str) -> str:
    page.goto(server.url + "/cases/new")
    page.select_option("select[name=nomenclature_index]", "04-05")
    page.fill("input[name=title]", title)
    page.click("text=Открыть дело")
    expect(page.locator("h1")).to_contain_text("Дело №")
    return page.locator("h1").inner_text().removeprefix("Дело № ").strip()


def test_a_heading_corrected_a_version_restored_a_document_moved(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    page.on("dialog", lambda dialog: dialog.accept())  # every destructive step asks first: the user agrees
    log_in(page, live_server, "spec")
    target_number = _open_case(page, live_server, "Личное дело: семья Верных")
    _open_case(page, live_server, "Личное дело: семья Ошибкиных")
    case_url = page.url

    # The heading had a typo.
    page.click("text=Изменить сведения дела")
    page.fill("#edit input[name=title]", "Личное дело: семья Ошибкиных-Исправленных")
    page.fill("#edit input[name=reason]", "опечатка в фамилии")
    page.click("text=Сохранить изменения")
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("body")).to_contain_text("семья Ошибкиных-Исправленных")
    page.click("text=История дела")
    expect(page.locator("body")).to_contain_text("опечатка в фамилии")

    # A document, checked out, edited outside the browser and checked back in as version 2.
    first, second = tmp_path / "act.txt", tmp_path / "act-edited.txt"
    first.write_text("Акт обследования: первая редакция", encoding="utf-8")
    second.write_text("Акт обследования: ошибочная правка", encoding="utf-8")
    page.click("#upload summary")
    page.set_input_files("#upload input[type=file]", str(first))
    page.fill("#upload input[name=title]", "Акт обследования")
    page.click("#upload button[type=submit]")
    expect(page.locator("section.document h3")).to_contain_text("Акт обследования")
    page.click("text=Взять на редактирование")
    expect(page.locator(".checkout")).to_contain_text("На редактировании у Соколова Марина Викторовна")
    page.set_input_files("section.document input[name=file]", str(second))
    page.click("text=Сохранить как версию 2 и вернуть")
    expect(page.locator(".checkout")).to_have_count(0)

    # The edit was wrong: version 1 comes back as version 3.
    page.click("section.document table.versions button:has-text('Восстановить')")
    expect(page.locator("section.document table.versions")).to_contain_text("Восстановлена из версии 1")
    expect(page.locator("section.document table.versions tbody tr")).to_have_count(3)

    # And the act belongs to the other family's case.
    page.check("section.document input[name=document]")
    page.click("text=Перенести отмеченные в другое дело")
    page.fill("input[name=q]", "верных")
    page.click("button:has-text('Найти')")
    page.check(f"label:has-text('{target_number}') input[name=target]")
    page.fill("input[name=reason]", "подшит не к той семье")
    page.click("button:has-text('Перенести')")
    expect(page.locator("h1")).to_contain_text(target_number)
    expect(page.locator(".flash.success")).to_contain_text("Перенесено документов: 1")
    expect(page.locator("section.document table.versions tbody tr")).to_have_count(3)
    page.screenshot(path=str(live_server.screenshots / "20-document-moved.png"), full_page=True)
    page.goto(case_url)
    expect(page.locator("section.document")).to_have_count(0)
