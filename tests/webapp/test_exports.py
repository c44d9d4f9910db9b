"""Case files for commission hearings: the PDF dossier (cover, internal inventory, documents, signature sheets,
certification sheet; numbered sheets and bookmarks), the verifiable ZIP, hearing packages, access and expiry."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from fpdf import FPDF
from pypdf import PdfReader

from tests.conftest import PIN, World
from tests.webapp.test_forms import fill
from tests.webapp.test_pages import _csrf, login
from webapp.audit.models import AuditEvent
from webapp.cases.models import Case
from webapp.cli import main
from webapp.config import load_settings
from webapp.exceptions import ConfigurationError
from webapp.exports.models import Export
from webapp.exports.services import purge_expired_exports
from webapp.exports.verify import verify_export
from webapp.extensions import db
from webapp.runtime import blob_store
from webapp.spreadsheets import csv_writer

PDFTOTEXT = shutil.which("pdftotext")  # poppler-utils; scripts/test.sh installs it


def _scan(pages: int, marker: str) -> bytes:
    pdf = FPDF()
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("helvetica", size=14)
        pdf.cell(text=f"{marker} page {number}")
    return bytes(pdf.output())


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 400), (200, 220, 240)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def case_file(world: World) -> dict[str, Any]:
    """A case with an approved and signed act that has a newer draft, a two-page scan signed on paper, an
    image, and an annulled document that must stay out."""
    case = world.open_case(title="Личное дело семьи Тестовых")
    act = fill(world, case["id"]).get_json()
    assert world["spec1"].post(f"/api/v1/documents/{act['id']}/submit").status_code == 200
    assert world["head"].post(f"/api/v1/documents/{act['id']}/approve", json={"version": 1}).status_code == 200
    signed = world["spec1"].post(
        f"/api/v1/documents/{act['id']}/versions/1/signatures", json={"role": "составил", "pin": PIN}
    )
    assert signed.status_code == 201, signed.get_json()
    newer = world["spec1"].post(
        f"/api/v1/documents/{act['id']}/versions", json={"base_version": 1, "fields": _act_fields(world, act)}
    )
    assert newer.status_code == 201, newer.get_json()
    signers = json.dumps([{"name": "Тестова Анна Ивановна", "role": "получатель услуг"}])
    scan = world.upload(
        case["id"],
        _scan(2, "SCANMARK"),
        filename="s.pdf",
        title="Соглашение (скан)",
        date="2026-03-05",
        paper_signers=signers,
    )
    image = world.upload(case["id"], _png(), filename="p.png", title="Фото жилья", date="2026-03-06")
    annulled = world.upload(case["id"], b"annulled text", title="Ошибочный документ", date="2026-03-07")
    answer = world["head"].post(f"/api/v1/documents/{annulled['id']}/annul", json={"comment": "ошибка"})
    assert answer.status_code == 200, answer.get_json()
    return {"case": case, "act": act, "scan": scan, "image": image, "annulled": annulled}


def _act_fields(world: World, act: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = world["spec1"].get(f"/api/v1/documents/{act['id']}/versions/1/fields").get_json()["fields"]
    return fields


def _export(world: World, case_id: int, username: str = "spec1", **body: Any) -> tuple[dict[str, Any], bytes]:
    answer = world[username].post(f"/api/v1/cases/{case_id}/exports", json={"format": "pdf", **body})
    assert answer.status_code == 202, answer.get_json()
    job = answer.get_json()
    assert answer.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    status = world[username].get(f"/api/v1/jobs/{job['id']}").get_json()  # the test queue ran it already
    assert status["status"] == "done", status
    download = world[username].get(status["download_url"])
    assert download.status_code == 200
    assert (
        "case-file" in download.headers["Content-Disposition"] or "hearing" in download.headers["Content-Disposition"]
    )
    return job, download.data


def _sheet_number(pdf: Path, page: int) -> str:
    """The text in the top-right corner of a page, where archive practice puts the sheet number."""
    assert PDFTOTEXT, "pdftotext (poppler-utils) is needed"
    reader = PdfReader(pdf)
    box = reader.pages[page - 1].mediabox
    width = int(float(box.width))
    result = subprocess.run(
        [
            PDFTOTEXT,
            "-f",
            str(page),
            "-l",
            str(page),
            "-x",
            str(width - 110),
            "-y",
            "0",
            "-W",
            "110",
            "-H",
            "60",
            str(pdf),
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _inventory_total(reader: PdfReader) -> int:
    text = " ".join(page.extract_text() for page in reader.pages[1:3])
    match = re.search(r"Всего в деле (\d+) \(", text)
    assert match, text
    return int(match[1])


def test_pdf_case_file_is_numbered_bookmarked_and_adds_up(
    world: World, case_file: dict[str, Any], tmp_path: Path
) -> None:
    _, data = _export(world, case_file["case"]["id"])
    path = tmp_path / "case.pdf"
    path.write_bytes(data)
    qpdf = shutil.which("qpdf")
    assert qpdf, "qpdf is needed (scripts/test.sh installs it)"
    subprocess.run([qpdf, "--check", str(path)], check=True, capture_output=True)  # a well-formed PDF
    reader = PdfReader(path, strict=True)
    pages = len(reader.pages)
    assert _inventory_total(reader) == pages
    for page in range(1, pages + 1):
        assert _sheet_number(path, page) == str(page)

    outline = [(item.title, reader.get_destination_page_number(item)) for item in _flat(reader.outline)]
    titles = [title for title, _ in outline]
    assert titles[:2] == ["Обложка", "Внутренняя опись"] and titles[-1] == "Лист-заверитель"
    assert not any("Ошибочный" in title for title in titles)  # annulled: left out
    texts = [page.extract_text() for page in reader.pages]
    assert "ДЕЛО № " + case_file["case"]["number"] in texts[0]
    assert "ЛИСТ-ЗАВЕРИТЕЛЬ" in texts[-1]
    assert f"пронумеровано {pages} (" in texts[-1]
    documents = [(title, page) for title, page in outline[2:-1] if title != "Лист подписей"]
    rows = _inventory_rows(path)
    assert [row[0] for row in rows] == [int(title.split(".")[0]) for title, _ in documents]
    for (_, first_page), (_, first_sheet, _) in zip(documents, rows, strict=True):
        assert first_sheet == first_page + 1  # each bookmark opens the sheet the inventory names
    for title, page in outline:
        if title == "Лист подписей":
            assert "Лист подписей" in texts[page]
    scan_page = next(page for title, page in outline if title.endswith("Соглашение (скан)"))
    assert "SCANMARK page 1" in texts[scan_page] and "SCANMARK page 2" in texts[scan_page + 1]
    # The act as approved (version 1), not its newer draft, followed by the sheet of its electronic signature;
    # the scan by the sheet naming who signed its paper original.
    assert f"№ {case_file['act']['id']}, в. 1" in texts[1]
    for marker in ("Акт", "Соглашение"):
        position = next(n for n, (title, _) in enumerate(outline) if marker in title)
        assert outline[position + 1][0] == "Лист подписей"
    scan_position = next(n for n, (title, _) in enumerate(outline) if "Соглашение" in title)
    assert "Тестова Анна Ивановна" in texts[outline[scan_position + 1][1]]


def _inventory_rows(pdf: Path) -> list[tuple[int, int, int]]:
    """(ordinal, first sheet, last sheet) of each row of the internal inventory, read from its table's
    «Номера листов дела» column."""
    assert PDFTOTEXT
    text = subprocess.run(
        [PDFTOTEXT, "-layout", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = text.splitlines()
    column = next(line.index("Номера") for line in lines if "Номера" in line)
    rows = []
    for line in lines:
        match = re.match(r"(\d+)\s+№ \d+, в\. \d+", line)
        if match:
            first, _, last = line[column:].split()[0].partition("–")
            rows.append((int(match[1]), int(first), int(last or first)))
    return rows


def test_the_pdf_is_sealed_with_the_institutions_seal(
    app: Flask, world: World, case_file: dict[str, Any], tmp_path: Path
) -> None:
    """PDF readers show the case file as signed by the institution; a change after sealing breaks the seal."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _, data = _export(world, case_file["case"]["id"])
    trust = ValidationContext(trust_roots=[asn1_x509.Certificate.load(_ca_der())], allow_fetching=False)
    [seal] = PdfFileReader(io.BytesIO(data)).embedded_regular_signatures  # and a document timestamp (PAdES-B-LTA)
    status = validate_pdf_signature(seal, trust)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert "Электронная печать" in seal.signer_cert.subject.human_friendly
    assert len(PdfReader(io.BytesIO(data)).pages) == _inventory_total(PdfReader(io.BytesIO(data)))
    position = data.index(b"stream", len(data) // 3) + 20  # a byte of some page's content
    changed = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
    [broken] = PdfFileReader(io.BytesIO(changed), strict=False).embedded_regular_signatures
    assert not validate_pdf_signature(broken, trust).intact


def test_sealing_can_be_switched_off(app: Flask, world: World, case_file: dict[str, Any], tmp_path: Path) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    app.config["CASEFILES"] = dataclasses.replace(app.config["CASEFILES"], export_seal=False)
    _, data = _export(world, case_file["case"]["id"])
    assert PdfFileReader(io.BytesIO(data)).embedded_signatures == []
    with pytest.raises(ConfigurationError, match="CASEFILES_EXPORT_SEAL"):
        load_settings({"CASEFILES_DATA_DIR": str(tmp_path), "CASEFILES_EXPORT_SEAL": "yes"})


def _ca_der() -> bytes:
    from cryptography.hazmat.primitives import serialization

    from webapp.runtime import signing_authority

    return signing_authority().certificate.public_bytes(serialization.Encoding.DER)


def _flat(outline: list[Any]) -> list[Any]:
    items = []
    for item in outline:
        if isinstance(item, list):
            items += _flat(item)
        else:
            items.append(item)
    return items


def test_all_versions_on_request(world: World, case_file: dict[str, Any], tmp_path: Path) -> None:
    _, data = _export(world, case_file["case"]["id"], versions="all")
    reader = PdfReader(io.BytesIO(data))
    inventory = " ".join(" ".join(page.extract_text() for page in reader.pages[1:3]).split())
    act = case_file["act"]["id"]
    assert f"№ {act}, в. 1" in inventory and f"№ {act}, в. 2" in inventory
    assert "заменена следующей версией" in inventory
    assert _inventory_total(reader) == len(reader.pages)


def test_zip_package_verifies_offline_and_any_changed_byte_is_named(
    app: Flask, world: World, case_file: dict[str, Any], tmp_path: Path
) -> None:
    _, data = _export(world, case_file["case"]["id"], format="zip")
    package = tmp_path / "case.zip"
    package.write_bytes(data)
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("data/manifest.json"))
    assert {"bagit.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "data/ca.pem"} <= set(names)
    assert all(re.fullmatch(r"[a-z0-9./_-]+", name) and len(name) < 60 for name in names), names
    originals = [entry for entry in manifest["files"] if entry["kind"] == "original"]
    assert {entry["document"] for entry in originals} == {case_file[key]["id"] for key in ("act", "scan", "image")}
    act = next(entry for entry in originals if entry["document"] == case_file["act"]["id"])
    assert act["version"] == 1 and act["signers"][0]["role"] == "составил"
    scan = next(entry for entry in originals if entry["document"] == case_file["scan"]["id"])
    assert scan["paper_signers"] == [{"name": "Тестова Анна Ивановна", "role": "получатель услуг"}]

    openssl = shutil.which("openssl")
    assert openssl, "stock OpenSSL is the outside verifier (scripts/test.sh installs it)"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path / "bag")
    [signer] = act["signers"]
    checked = subprocess.run(
        [
            openssl,
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            signer["signature"],
            "-content",
            act["path"],
            "-CAfile",
            "ca.pem",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        cwd=tmp_path / "bag" / "data",
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr

    runner = CliRunner()
    clean = runner.invoke(main, ["verify-export", str(package)])
    assert clean.exit_code == 0, clean.output
    assert "signatures: 1" in clean.output

    for name in names:
        changed = tmp_path / "changed.zip"
        _flip_one_byte(package, changed, name)
        report = verify_export(changed)
        assert not report.ok, name
        assert any(problem.path == name for problem in report.problems), (name, report.problems)
    result = runner.invoke(main, ["verify-export", str(changed)])
    assert result.exit_code == 1 and f"FAILED {names[-1]}" in result.output


def _flip_one_byte(source: Path, target: Path, name: str) -> None:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        copy.comment = original.comment
        for info in original.infolist():
            data = original.read(info)
            if info.filename == name:
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
            copy.writestr(info, data)


def test_a_signature_that_does_not_match_its_file_is_named(
    world: World, case_file: dict[str, Any], tmp_path: Path
) -> None:
    """Hashes can be recomputed by whoever changes a file; the signature cannot."""
    _, data = _export(world, case_file["case"]["id"], format="zip")
    unpacked = tmp_path / "bag"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(unpacked)
    original = next(unpacked.glob("data/c01/d*-v1.docx"))
    original.write_bytes(original.read_bytes() + b"\0")
    import bagit

    bag = bagit.Bag(str(unpacked))
    manifest_path = unpacked / "data" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:  # a careful forger: every recorded hash made to fit
        target = unpacked / "data" / entry["path"]
        import hashlib

        entry["sha256"] = entry["recorded_sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
        entry["size"] = target.stat().st_size
    manifest_path.write_text(json.dumps(manifest))
    bag.save(manifests=True)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for path in sorted(unpacked.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(unpacked).as_posix())
    report = verify_export(forged)
    assert not report.ok
    assert [problem.path for problem in report.problems] == [
        f"data/{original.relative_to(unpacked / 'data').as_posix()}"
    ]


def test_hearing_package_holds_every_case_and_an_index(world: World, case_file: dict[str, Any], tmp_path: Path) -> None:
    second = world.open_case(title="Личное дело гражданина")
    world.upload(second["id"], _scan(1, "SECOND"), filename="x.pdf", title="Заявление")
    ids = [case_file["case"]["id"], second["id"]]
    refused = world["spec1"].post("/api/v1/exports", json={"case_ids": ids, "format": "pdf"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "invalid_format"
    answer = world["spec1"].post("/api/v1/exports", json={"case_ids": ids, "format": "zip", "title": "Заседание КДН"})
    assert answer.status_code == 202, answer.get_json()
    job = world["spec1"].get(f"/api/v1/jobs/{answer.get_json()['id']}").get_json()
    package = tmp_path / "hearing.zip"
    package.write_bytes(world["spec1"].get(job["download_url"]).data)
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        index = PdfReader(io.BytesIO(archive.read("data/index.pdf"))).pages[0].extract_text()
    assert {"data/c01/case-file.pdf", "data/c02/case-file.pdf", "data/index.pdf"} <= names
    assert case_file["case"]["number"] in index and second["number"] in index and "Заседание КДН" in index
    assert verify_export(package).ok


def test_only_readers_of_every_case_may_export_and_download(
    app: Flask, world: World, case_file: dict[str, Any]
) -> None:
    case_id = case_file["case"]["id"]
    assert world["spec2"].post(f"/api/v1/cases/{case_id}/exports", json={"format": "pdf"}).status_code == 404
    other = world.open_case("spec2", district="u2")
    mixed = world["spec1"].post("/api/v1/exports", json={"case_ids": [case_id, other["id"]], "format": "zip"})
    assert mixed.status_code == 404  # the other district's case does not exist for spec1
    job, _ = _export(world, case_id)
    export = db.session.scalar(db.select(Export).where(Export.job_id == job["id"]))
    assert export is not None
    assert world["head"].get(f"/api/v1/exports/{export.id}/download").status_code == 404  # not theirs
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.in_(["case.export", "export.download"])))
    recorded = [(event.action, event.object_id) for event in events]
    assert ("case.export", case_id) in recorded and ("export.download", export.id) in recorded
    assert "Тестов" not in str([event.details for event in db.session.scalars(db.select(AuditEvent))])


def test_bad_requests_are_clear_4xx(world: World, case_file: dict[str, Any]) -> None:
    case_id = case_file["case"]["id"]
    for body, code in (
        ({"format": "doc"}, "invalid_format"),
        ({"format": "pdf", "versions": "some"}, "invalid_versions"),
        ({"format": 3}, "invalid_body"),
    ):
        answer = world["spec1"].post(f"/api/v1/cases/{case_id}/exports", json=body)
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == code, body
    for case_ids in ("1", [], [case_id, case_id], [True], list(range(1, 60))):
        answer = world["spec1"].post("/api/v1/exports", json={"case_ids": case_ids, "format": "zip"})
        assert answer.status_code == 400, case_ids
    assert world["spec1"].post("/api/v1/cases/999999/exports", json={"format": "pdf"}).status_code == 404
    assert world["spec1"].get("/api/v1/exports/999999/download").status_code == 404


def test_exports_expire_and_are_deleted(app: Flask, world: World, case_file: dict[str, Any]) -> None:
    job, _ = _export(world, case_file["case"]["id"])
    export = db.session.scalar(db.select(Export).where(Export.job_id == job["id"]))
    assert export is not None and export.blob_key is not None
    key = export.blob_key
    assert key.startswith("exports/") and key.isascii()
    assert blob_store().exists(key)
    assert purge_expired_exports() == 0
    assert purge_expired_exports(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)) == 1
    db.session.commit()
    assert not blob_store().exists(key)
    gone = world["spec1"].get(f"/api/v1/exports/{export.id}/download")
    assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "export_expired"


def test_an_export_goes_when_its_case_is_destroyed(app: Flask, world: World, case_file: dict[str, Any]) -> None:
    job, _ = _export(world, case_file["case"]["id"])
    export = db.session.scalar(db.select(Export).where(Export.job_id == job["id"]))
    assert export is not None and export.blob_key is not None
    key = export.blob_key
    case = db.session.get(Case, case_file["case"]["id"])
    assert case is not None
    case.status = "destroyed"  # as the destruction job leaves it (it purges right after)
    assert purge_expired_exports() == 1
    db.session.commit()
    assert not blob_store().exists(key)
    refused = world["spec1"].post(f"/api/v1/cases/{case.id}/exports", json={"format": "pdf"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "case_destroyed"


def test_cli_export_and_verify(app: Flask, world: World, case_file: dict[str, Any], tmp_path: Path) -> None:
    runner = CliRunner()
    number = case_file["case"]["number"]
    pdf, package = tmp_path / "case.pdf", tmp_path / "case.zip"
    made = runner.invoke(main, ["export", number, "--format", "pdf", "-o", str(pdf), "--user", "spec1"])
    assert made.exit_code == 0, made.output
    reader = PdfReader(pdf)
    assert _inventory_total(reader) == len(reader.pages)
    assert runner.invoke(main, ["export", number, "--format", "zip", "-o", str(package)]).exit_code == 0
    assert runner.invoke(main, ["verify-export", str(package)]).exit_code == 0
    refused = runner.invoke(main, ["export", number, "--format", "pdf", "-o", str(pdf), "--user", "spec2"])
    assert refused.exit_code == 1 and "не найдено" in refused.output
    missing = runner.invoke(main, ["export", "04-05/1999/999", "--format", "pdf", "-o", str(tmp_path / "x.pdf")])
    assert missing.exit_code == 1 and not (tmp_path / "x.pdf").exists()
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"plain")
    broken = runner.invoke(main, ["verify-export", str(not_zip)])
    assert broken.exit_code == 1 and "FAILED not.zip" in broken.output


def test_pages_offer_the_export_and_its_progress(
    app: Flask, world: World, case_file: dict[str, Any], client: Any
) -> None:
    login(client, "spec1")
    case_id = case_file["case"]["id"]
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Сформировать дело для комиссии" in page
    token = _csrf(page)
    answer = client.post(
        "/exports", data={"csrf_token": token, "case_id": str(case_id), "format": "pdf", "back": "case"}
    )
    assert answer.status_code == 302 and "/exports/" in answer.headers["Location"]
    status_page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Скачать" in status_page
    export_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    download = client.get(f"/exports/{export_id}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    listing = client.get("/exports").get_data(as_text=True)
    assert case_file["case"]["number"] in listing
    cases_page = client.get("/").get_data(as_text=True)
    assert "Сформировать пакет к заседанию" in cases_page
    empty = client.post("/exports", data={"csrf_token": token, "format": "zip"})
    assert empty.status_code == 302
    assert "Укажите от 1" in client.get("/").get_data(as_text=True)


FORMULA_TITLES = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)"]


def test_inventory_csv_never_starts_a_cell_with_a_formula(world: World, tmp_path: Path) -> None:
    case = world.open_case()
    for number, title in enumerate([*FORMULA_TITLES, "Акт - без формулы"], start=1):
        world.upload(case["id"], _scan(1, f"T{number}"), filename="t.pdf", title=title, date=f"2026-03-0{number}")
    _, data = _export(world, case["id"], format="zip")
    package = tmp_path / "case.zip"
    package.write_bytes(data)
    with zipfile.ZipFile(package) as archive:
        text = archive.read("data/c01/inventory.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [row[3] for row in rows[1:]] == [*(f"'{title}" for title in FORMULA_TITLES), "Акт - без формулы"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5"]  # numbers are written as they are
    assert verify_export(package).ok  # hashed as written


def test_every_csv_cell_we_write_is_neutralised() -> None:
    out = io.StringIO()
    csv_writer(out, delimiter=";").writerow(["\tx", "\rx", "=1", "a=1", -5, Decimal("-12.50"), None])
    assert out.getvalue() == "'\tx;\"'\rx\";'=1;a=1;-5;-12.50;\r\n"
