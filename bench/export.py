"""Export benchmark: a generated case of 50 and of 200 documents exported as the PDF case file and as the ZIP
package, with the time, the exporting process's peak RSS growth, and a baseline measured in the same run.

    .venv/bin/python -m bench.export [--sizes 50,200] [--json]

Set-up (not timed): one data folder per size, made with the application's own services (`casefiles init`, users,
the demo nomenclature, the built-in form templates). The case holds, in turn: a filled inspection act, family
passport, cooperation agreement or IPPSU conclusion (DOCX made from the templates), a scanned paper of 1-4 pages
(a PDF with an embedded photo-like image per page, as scanners make them), and a photo (PNG); every third form
is approved and signed. A PDF rendition of each form is what the worker would have made at upload: LibreOffice
converts one filled document per template once, and that PDF is kept as the rendition of every form of the
template (converting 100 DOCX files would take minutes of set-up and measure LibreOffice, not the export).

Measured, each in a fresh child process (`python -m bench.export --measure ...`) so that peaks do not mix:

* `pdf`, `zip`: webapp.exports.services.write_export, exactly what the export job and `casefiles export` run;
* `baseline`: reading every blob the export reads (each included version, rendition and signature) from the store
  and writing it to one file: the I/O floor of any export of that case.

Peak RSS growth: VmHWM (reset through /proc/self/clear_refs right before the export) minus VmRSS just before.
Targets from the issue: under 20 s for 200 documents; memory that does not grow with the size of the case
(the 200-document growth close to the 50-document one, not 4x). Nothing passes or fails here: the targets are
printed for the reader. Everything is written to a temporary folder removed at the end."""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CASE_TITLE = "Личное дело получателя социальных услуг (сгенерировано для замера)"
FORMS = ("inspection_act", "family_passport", "cooperation_agreement", "ippsu_conclusion")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50,200", help="documents per generated case, comma-separated")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--measure", nargs=3, metavar=("DATA_DIR", "CASE_NUMBER", "KIND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(Path(args.measure[0]), args.measure[1], args.measure[2])))
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    results: dict[int, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="casefiles-bench-export-") as root:
        for size in sizes:
            data_dir = Path(root) / f"case-{size}"
            started = time.perf_counter()
            number = _generate(data_dir, size)
            print(f"generated a case of {size} documents in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            results[size] = {kind: _child(data_dir, number, kind) for kind in ("baseline", "pdf", "zip")}
    _report(results)
    if args.json:
        print(json.dumps(results, indent=1))


def _report(results: dict[int, dict[str, dict[str, Any]]]) -> None:
    print()
    print(f"{'documents':>9} {'what':>8} {'seconds':>8} {'x baseline':>10} {'RSS +MB':>8} {'pages':>6} {'MB out':>7}")
    for size, kinds in results.items():
        base = kinds["baseline"]["seconds"]
        for kind, result in kinds.items():
            ratio = result["seconds"] / base if base else float("nan")
            print(
                f"{size:>9} {kind:>8} {result['seconds']:>8.2f} {ratio:>10.1f} {result['rss_growth_mb']:>8.1f} "
                f"{result.get('pages', ''):>6} {result['bytes'] / 1e6:>7.1f}"
            )
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for kind in ("pdf", "zip"):
            grow = results[large][kind]["rss_growth_mb"] / max(0.1, results[small][kind]["rss_growth_mb"])
            print(f"RSS growth {kind}: {large} / {small} documents = {grow:.2f}x (case size {large / small:.0f}x)")
    print("targets: 200 documents under 20 s; memory that does not grow with the case size")


def _child(data_dir: Path, number: str, kind: str) -> dict[str, Any]:
    environment = {**os.environ, "CASEFILES_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "bench.export", "--measure", str(data_dir), number, kind]
    run = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)  # noqa: S603 - ourselves
    output = run.stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


# --- in the child: one measurement ----------------------------------------------------------------------------


def _measure(data_dir: Path, number: str, kind: str) -> dict[str, Any]:
    from sqlalchemy import select

    from webapp import create_app
    from webapp.cases.models import Case
    from webapp.extensions import db

    app = create_app()
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        work = Path(tempfile.mkdtemp(prefix="work-", dir=data_dir))
        out = work / f"out.{kind}"
        _warm_up()
        before = _rss_kb("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        started = time.perf_counter()
        if kind == "baseline":
            _copy_every_blob(case, out)
        else:
            from webapp.exports.services import write_export

            write_export([case], kind, "approved", out, work, prepared_by=("Замер", "Специалист"))
        seconds = time.perf_counter() - started
        peak = _rss_kb("VmHWM")
        result: dict[str, Any] = {
            "seconds": seconds,
            "rss_growth_mb": (peak - before) / 1024,
            "bytes": out.stat().st_size,
        }
        if kind == "pdf":
            from pypdf import PdfReader

            result["pages"] = len(PdfReader(out).pages)
        shutil.rmtree(work)
        return result


def _warm_up() -> None:
    """Load the modules and fonts an export uses, so their one-time memory is not counted as its growth."""
    from webapp.exports import package, sheets  # noqa: F401
    from webapp.printing.pdf import start_pdf

    start_pdf("warm-up", "", __import__("datetime").date(2026, 1, 1)).output()


def _copy_every_blob(case: Any, out: Path) -> None:
    from webapp.exports.build import included_versions
    from webapp.renditions.services import rendition_of
    from webapp.runtime import blob_store

    keys = []
    for item in included_versions(case, "approved"):
        keys.append(item.version.blob_key)
        rendition = rendition_of(item.version)
        if rendition is not None:
            keys.append(rendition.file.key)
        keys += [signature.file.key for signature in item.version.signatures]
    with out.open("wb") as target:
        for key in keys:
            with blob_store().open(key) as stream:
                shutil.copyfileobj(stream, target, 1024 * 1024)


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


# --- set-up: a generated case ---------------------------------------------------------------------------------


def _generate(data_dir: Path, documents: int) -> str:
    data_dir.mkdir(parents=True)
    environment = {**os.environ, "CASEFILES_DATA_DIR": str(data_dir)}
    casefiles = str(Path(sys.executable).with_name("casefiles"))
    subprocess.run([casefiles, "init"], env=environment, check=True, capture_output=True)  # noqa: S603 - our own CLI
    os.environ["CASEFILES_DATA_DIR"] = str(data_dir)
    from webapp import create_app

    app = create_app({"AUTO_PDF": False, "AUTO_OCR": False, "JOBS_IMMEDIATE": True})
    with app.app_context():
        return _fill_case(documents)


def _fill_case(documents: int) -> str:
    import datetime as dt

    from demo.content import nomenclature_csv_path
    from document_templates import example_values
    from webapp.auth.services import create_user, ensure_district
    from webapp.blobs.models import StoredFile
    from webapp.cases.schemas import CaseInput
    from webapp.cases.services import open_case
    from webapp.documents import workflow
    from webapp.documents.media import PDF
    from webapp.documents.schemas import DocumentMeta, Upload
    from webapp.documents.services import add_document
    from webapp.extensions import db
    from webapp.forms.services import create_form_document, sync_builtin_templates
    from webapp.nomenclature.services import import_csv
    from webapp.policy import SYSTEM
    from webapp.renditions.models import Rendition
    from webapp.renditions.services import ensure_rendition
    from webapp.runtime import blob_store
    from webapp.signing.services import sign_version, signable_roles
    from webapp.uow import commit

    rng = random.Random(2026)  # noqa: S311 - test data, not secrets
    ensure_district("u1", "Участок № 1")
    password = secrets.token_urlsafe(12)
    specialist = create_user("spec", role="specialist", password=password, district_codes=["u1"])
    head = create_user("head", role="head", password=password, full_name="Заведующая Отделением")
    with nomenclature_csv_path().open("rb") as csv_file:
        import_csv(SYSTEM, csv_file, 2026)
    sync_builtin_templates()
    case = open_case(specialist, CaseInput(nomenclature_index="04-05", year=2026, title=CASE_TITLE, district="u1"))
    commit()
    renditions: dict[str, Rendition] = {}
    for position in range(documents):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=position % 300)
        kind = position % 3
        if kind == 0:
            code = FORMS[(position // 3) % len(FORMS)]
            document = create_form_document(specialist, case.id, code, example_values(code), dated_on=day)
            commit()
            version = document.versions[-1]
            if code not in renditions:
                renditions[code] = ensure_rendition(version)
            else:
                made = renditions[code]
                with blob_store().open(made.file.key) as stream:
                    stored = blob_store().put(f"{version.blob_key}.bench.pdf", stream)
                db.session.add(Rendition(version_id=version.id, file=StoredFile.of(stored, "rendition", PDF)))
            if position % 9 == 0:
                workflow.submit(specialist, document)
                workflow.approve(head, document, version.number)
                used: set[str] = set()
                for signer in (specialist, head):
                    for role in [role for role in signable_roles(signer, version) if role not in used][:1]:
                        sign_version(signer, document.id, version.number, role)
                        used.add(role)
            commit()
        elif kind == 1:
            meta = DocumentMeta(title=f"Скан документа № {position}", type="scan", date=day)
            add_document(specialist, case.id, meta, Upload(io.BytesIO(_scan(rng, rng.randint(1, 4))), "scan.pdf"))
            commit()
        else:
            meta = DocumentMeta(title=f"Фото № {position}", type="other", date=day)
            add_document(specialist, case.id, meta, Upload(io.BytesIO(_photo(rng)), "photo.png"))
            commit()
    return case.number


def _photo(rng: random.Random) -> bytes:
    from PIL import Image

    image = Image.effect_noise((480, 360), 40 + rng.random() * 20).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _scan(rng: random.Random, pages: int) -> bytes:
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        page = Image.effect_noise((850, 1200), 30 + rng.random() * 30).convert("L")
        pdf.image(page, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


if __name__ == "__main__":
    main()
