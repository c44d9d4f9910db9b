"""The command line per API.md: init, user add, token create, nomenclature import, demo, reindex."""

from __future__ import annotations

import datetime as dt
import re
import stat
from pathlib import Path

import pytest
from flask import Flask

from webapp.auth.models import User
from webapp.cases.models import Case
from webapp.cli import main
from webapp.documents.models import Document, DocumentVersion
from webapp.extensions import db
from webapp.nomenclature.models import NomenclatureEntry


@pytest.fixture
def run(app: Flask):  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


def test_init_is_idempotent(run) -> None:  # type: ignore[no-untyped-def]
    first = run("init")
    assert first.exit_code == 0, first.output
    assert "database:" in first.output
    second = run("init")
    assert second.exit_code == 0
    assert "up to date" in second.output
    assert "signing CA:" in first.output and "(created)" in first.output and "(present)" in second.output


def test_init_creates_the_signing_ca_with_a_private_key(run, app: Flask) -> None:  # type: ignore[no-untyped-def]
    assert run("init").exit_code == 0
    folder = app.config["CASEFILES"].ca_dir
    assert stat.S_IMODE((folder / "ca-key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "user-keys.secret").stat().st_mode) == 0o600
    assert (folder / "ca.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert not (folder / "ca.crl").exists()  # rendered from the database when asked: /api/v1/ca.crl
    assert (folder / "seal.pem").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")  # made here, read later


def test_user_deactivate_blocks_login_and_revokes(run) -> None:  # type: ignore[no-untyped-def]
    from webapp.signing.models import SigningCertificate
    from webapp.signing.pin import set_signing_pin

    assert run("user", "add", "petrova", "--role", "specialist", input="s3cret-pass\n").exit_code == 0
    set_signing_pin(db.session.scalars(db.select(User).where(User.username == "petrova")).one(), "petrova-pin")
    db.session.commit()
    result = run("user", "deactivate", "petrova", "--reason", "Уволена")
    assert result.exit_code == 0, result.output
    assert "1 certificate(s) revoked" in result.output
    user = db.session.scalars(db.select(User).where(User.username == "petrova")).one()
    assert not user.is_active
    certificate = db.session.scalars(db.select(SigningCertificate)).one()
    assert certificate.revoked_at is not None and certificate.revocation_reason == "Уволена"
    assert run("user", "deactivate", "nobody").exit_code == 1


def test_user_add_reads_password_from_stdin(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "user",
        "add",
        "petrova",
        "--role",
        "specialist",
        "--district",
        "u7",
        "--full-name",
        "Петрова А. А.",
        input="s3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(db.select(User).where(User.username == "petrova")).one()
    assert user.full_name == "Петрова А. А."
    assert user.district_codes == frozenset({"u7"})
    assert "s3cret-pass" not in user.password_hash


def test_user_add_errors_are_one_line(run) -> None:  # type: ignore[no-untyped-def]
    assert run("user", "add", "x", "--role", "head", input="short\n").exit_code == 1
    short = run("user", "add", "petrova", "--role", "head", input="short\n")
    assert short.exit_code == 1
    assert "не короче" in short.output
    assert run("user", "add", "petrova", "--role", "head", input="long-enough\n").exit_code == 0
    duplicate = run("user", "add", "petrova", "--role", "head", input="long-enough\n")
    assert duplicate.exit_code == 1
    assert "уже есть" in duplicate.output


def test_token_create_prints_the_token_alone(app: Flask, run) -> None:  # type: ignore[no-untyped-def]
    run("user", "add", "head1", "--role", "head", input="long-enough\n")
    result = run("token", "create", "head1")
    assert result.exit_code == 0
    token = result.output.strip()
    assert re.fullmatch(r"cf_[A-Za-z0-9_-]{40,}", token)
    assert result.output == token + "\n"
    response = app.test_client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert run("token", "create", "nobody").exit_code == 1


def test_nomenclature_import_all_or_nothing(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.csv"
    good.write_text("index,title,retention,article,note\n04-05,Личные дела,75 ЭПК,ст. 448,\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("index,title,retention,article,note\n04-06,Акты,5,,\n04-07,,x,,\n", encoding="utf-8")
    assert run("nomenclature", "import", str(good), "--year", "2026").exit_code == 0
    result = run("nomenclature", "import", str(bad), "--year", "2026")
    assert result.exit_code == 1
    assert "строка 3" in result.output
    assert [e.index for e in db.session.scalars(db.select(NomenclatureEntry))] == ["04-05"]


def test_demo_loads_once_and_is_searchable(app: Flask, run) -> None:  # type: ignore[no-untyped-def]
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "password: demo-2026" in result.output
    cases = db.session.scalar(db.select(db.func.count(Case.id)))
    documents = db.session.scalar(db.select(db.func.count(Document.id)))
    versions = db.session.scalar(db.select(db.func.count(DocumentVersion.id)))
    assert 15 <= cases <= 22
    assert 45 <= documents <= 60
    closed = db.session.scalar(db.select(db.func.count(Case.id)).where(Case.status == "closed"))
    assert closed == db.session.scalar(db.select(db.func.count(Case.id)).where(Case.closed_on.is_not(None))) >= 6
    assert db.session.scalar(db.select(db.func.count(Case.id)).where(Case.legal_hold_since.is_not(None))) == 1
    assert versions > documents
    assert app.extensions["casefiles.search_index"].count() == documents
    # The head has approved and signed forms, and an inspection act waits in her queue.
    from webapp.documents.workflow import approval_queue
    from webapp.signing.services import checked_signatures
    from webapp.support.schemas import DeadlineFilters
    from webapp.support.services import find_deadlines

    head = db.session.scalars(db.select(User).where(User.username == "orlova")).one()
    assert [document.type for document in approval_queue(head)] == ["inspection_act"]
    approved = db.session.scalars(db.select(Document).where(Document.status == "approved")).all()
    assert len(approved) == 3
    last_quarter = (dt.date.today().month - 1) // 3 or 4
    report = next(document for document in approved if document.title.startswith("Статистический отчёт за"))
    assert report.title.startswith(f"Статистический отчёт за {('I', 'II', 'III', 'IV')[last_quarter - 1]} квартал")
    assert report.versions[0].form_data["indicator_4"] > 0  # home visits from the demo journals
    # Deadlines near today: some missed, some still to come, whenever the demo is loaded.
    statuses = [
        item.deadline.status for item in find_deadlines(head, DeadlineFilters(outstanding=True), dt.date.today())
    ]
    assert "overdue" in statuses and "open" in statuses
    for document in approved:
        checked = checked_signatures(document.versions[-1])
        assert sorted(s.role for s, _ in checked) == ["составил", "утверждаю"]
        assert all(verdict.valid for _, verdict in checked)
    again = run("demo")
    assert again.exit_code == 1
    assert run("demo", "--skip-if-loaded").exit_code == 0
    assert db.session.scalar(db.select(db.func.count(Case.id))) == cases
    reindexed = run("reindex")
    assert reindexed.stdout.strip() == f"indexed {documents} documents"
    assert f"reindex: {documents}/{documents} documents" in reindexed.stderr  # progress
    checked = run("search", "check")
    assert checked.exit_code == 0 and "index matches the database" in checked.stdout
