"""`casefiles serve`: the production server (gunicorn) as a real process."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
import pytest

from tests.serving import casefiles, log_in, start_serve
from webapp.cli.serve import web_workers

PASSWORD = "serve-test-2026"


def test_serve_answers_from_two_workers_logs_no_query_string_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "CASEFILES_DATA_DIR": str(tmp_path / "data")}
    for name in ("CASEFILES_DATABASE_URL", "CASEFILES_STORAGE", "CASEFILES_QUEUE_URL", "CASEFILES_SECRET_KEY"):
        env.pop(name, None)
    casefiles(env, "init")
    casefiles(env, "user", "add", "sokolova", "--role", "specialist", "--district", "u1", stdin=f"{PASSWORD}\n")
    server = start_serve(env, tmp_path / "serve.log", workers=2)
    try:
        browser = log_in(server, "sokolova", PASSWORD)
        page = browser.get(f"{server.url}/search?q=Иванова&district=u1", timeout=30)
        assert page.status_code == 200 and "Поиск" in page.text
    finally:
        status = server.stop()
    log = server.log.read_text()
    assert status == 0, log[-2000:]
    assert len(set(re.findall(r"Booting worker with pid: (\d+)", log))) == 2
    access = [line for line in log.splitlines() if '"GET ' in line or '"POST ' in line]
    assert any('"GET /search HTTP/1.1" ' in line for line in access), log[-2000:]
    assert any('"POST /login HTTP/1.1" 302' in line for line in access)
    assert not [line for line in access if "?" in line or "Иванова" in line or "%D0" in line]
    assert "Shutting down: Master" in log


def test_web_workers_default_to_the_cores_and_must_be_positive() -> None:
    assert web_workers("") == (os.cpu_count() or 1)
    assert web_workers("3") == 3
    for bad in ("0", "-2", "много"):
        with pytest.raises(click.ClickException, match="CASEFILES_WEB_WORKERS must be a positive whole number"):
            web_workers(bad)
