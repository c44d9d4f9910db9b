"""The browser suite: the real application served on localhost by a thread, driven by Debian's chromium through
Playwright (the `playwright` package from PyPI, pointed at /usr/bin/chromium: no downloaded browser)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fpdf import FPDF
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from webapp import create_app
from webapp.config import Settings
from webapp.extensions import db

PASSWORD = "browser-password-1"
PIN = "browser-pin-1"  # every user's signing PIN: the signing forms ask for it
USERS = {
    "spec": ("specialist", "Соколова Марина Викторовна", ("u1",)),
    "head": ("head", "Орлова Татьяна Сергеевна", ()),
    "archivist": ("archivist", "Белова Ирина Павловна", ()),
    "admin": ("admin", "Кузнецов Андрей Олегович", ()),
    "spec2": ("specialist", "Галиев Рустам Ильдарович", ("u2",)),  # another district's: sees none of u1's cases
}


@dataclass(frozen=True)
class LiveServer:
    url: str
    screenshots: Path


@pytest.fixture
def live_server(settings: Settings, tmp_path: Path) -> Iterator[LiveServer]:
    from demo.content import nomenclature_csv_path
    from webapp.auth.services import create_user, ensure_district
    from webapp.forms.services import sync_builtin_templates
    from webapp.hearings.services import ensure_default_questions
    from webapp.nomenclature.services import import_csv
    from webapp.policy import SYSTEM
    from webapp.signing.pin import set_signing_pin

    # Background jobs run in the request (exports, PDF copies), as a worker would run them a moment later.
    app = create_app({"JOBS_IMMEDIATE": True, "AUTO_PDF": False, "AUTO_OCR": False}, settings=settings)
    with app.app_context():
        ensure_district("u1", "Участок № 1")
        ensure_district("u2", "Участок № 2")
        for username, (role, full_name, districts) in USERS.items():
            user = create_user(username, role=role, password=PASSWORD, full_name=full_name, district_codes=districts)
            set_signing_pin(user, PIN)
        with nomenclature_csv_path().open("rb") as csv_file:
            import_csv(SYSTEM, csv_file, dt.date.today().year)
        sync_builtin_templates()
        ensure_default_questions()  # as `casefiles init` does
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shots = Path(os.environ.get("CASEFILES_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", shots)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")  # Playwright's sync API runs an event loop in this thread while it is open
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is needed (scripts/test.sh installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU", accept_downloads=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield opened
    context.close()
    assert errors == [], f"the browser reported errors: {errors}"


def log_in(page: Page, server: LiveServer, username: str) -> None:
    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")


def log_out(page: Page) -> None:
    page.click("text=Выйти")
    page.wait_for_url("**/login")


def write_pdf(path: Path, text: str) -> None:
    """A one-page PDF with `text`, to upload as a scanned document."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    pdf.output(str(path))
