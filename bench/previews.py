"""Page images benchmark: a scanned PDF uploaded, then its `page_previews` job run in-process, timing the first page
and all pages from the upload returning, with the job's peak RSS growth, against baselines measured in the same run.

    .venv/bin/python -m bench.previews [--pages 20,60] [--page-mb 2] [--json]

For each page count, a fresh child process (`python -m bench.previews --measure DIR PAGES PAGE_MB`, so that peaks do
not mix) sets up a data folder with the application's own services (`casefiles init`, a specialist, the demo
nomenclature, a case), makes a scanned PDF of that many A4 pages at 300 dpi, each a distinct colour JPEG of
upsampled random noise (so it does not compress: ~`--page-mb` MB a page, ~40 MB for 20 pages) embedded as a
scanner does, warms the renderer up on a one-page PDF, and then:

* uploads it with `webapp.documents.services.add_document` and commits (the job is queued, as after an upload's
  answer): the clock starts when that returns;
* runs the queued job with `webapp.jobs.services.execute_job` in this process, as a worker would; a second thread
  polls the database every 10 ms through its own connection for the version's committed pages, recording when
  the first page and when all pages became visible (committed, readable by the page that shows them);
* baselines: reading the version's bytes through the integrity check into a file (what any job of it pays) and
  PDFium rendering every page at the same size into a bitmap without encoding or storing it (the renderer's
  floor); the job's time is printed as a ratio to them.

Peak RSS growth: VmHWM (reset through /proc/self/clear_refs right before the job) minus VmRSS just before (after
the heap the upload left is given back to the system, so that a large upload's freed buffers do not hide it). The
issue's targets: the first page within 2 s of the upload returning, all within 10 s on a 2-core machine (20 pages,
40 MB); RSS growth under 100 MB whatever the page count (rendering page by page: 60 pages close to 20). Nothing
passes or fails here: the targets are printed for the reader. Everything is written to a temporary folder removed
at the end."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from devtools.documents import scanned_pdf

MB = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="20,60", help="page counts of the scanned PDFs, comma-separated")
    parser.add_argument("--page-mb", type=float, default=2.0, help="about this many MB a page")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--measure", nargs=3, metavar=("DATA_DIR", "PAGES", "PAGE_MB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(Path(args.measure[0]), int(args.measure[1]), float(args.measure[2]))))
        return
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="casefiles-bench-previews-") as root:
        for pages in (int(count) for count in args.pages.split(",")):
            results[pages] = _child(Path(root) / f"pages-{pages}", pages, args.page_mb)
    _report(results)
    if args.json:
        print(json.dumps(results, indent=1))


def _report(results: dict[int, dict[str, Any]]) -> None:
    print()
    print(
        f"{'pages':>5} {'MB':>6} {'first s':>8} {'all s':>7} {'s/page':>7} {'copy s':>7} {'render s':>9} "
        f"{'all/render':>10} {'all/copy':>9} {'RSS +MB':>8} {'MB out':>7}"
    )
    for pages, result in results.items():
        print(
            f"{pages:>5} {result['source_mb']:>6.1f} {result['first_page_s']:>8.2f} {result['all_pages_s']:>7.2f} "
            f"{result['all_pages_s'] / pages:>7.3f} {result['baseline_copy_s']:>7.2f} "
            f"{result['baseline_render_s']:>9.2f} {result['all_pages_s'] / result['baseline_render_s']:>10.2f} "
            f"{result['all_pages_s'] / result['baseline_copy_s']:>9.1f} {result['rss_growth_mb']:>8.1f} "
            f"{result['images_mb']:>7.1f}"
        )
    counts = sorted(results)
    if len(counts) >= 2:
        small, large = counts[0], counts[-1]
        grow = results[large]["rss_growth_mb"] / max(0.1, results[small]["rss_growth_mb"])
        print(f"RSS growth: {large} / {small} pages = {grow:.2f}x (page count {large / small:.0f}x)")
    print("targets (20 pages, 40 MB): first page within 2 s, all within 10 s; RSS growth under 100 MB at any count")


def _child(data_dir: Path, pages: int, page_mb: float) -> dict[str, Any]:
    environment = {**os.environ, "CASEFILES_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "bench.previews", "--measure", str(data_dir), str(pages), str(page_mb)]
    run = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603 - ourselves
    if run.returncode != 0:
        raise SystemExit(f"the measurement of {pages} pages failed:\n{run.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


# --- in the child: one measurement ----------------------------------------------------------------------------


def _measure(data_dir: Path, pages: int, page_mb: float) -> dict[str, Any]:
    data_dir.mkdir(parents=True)
    casefiles = str(Path(sys.executable).with_name("casefiles"))
    subprocess.run([casefiles, "init"], check=True, capture_output=True)  # noqa: S603 - our own CLI
    from webapp import create_app

    app = create_app({"AUTO_PDF": False, "AUTO_OCR": False, "AUTO_PREVIEWS": True, "JOBS_IMMEDIATE": False})
    with app.app_context():
        specialist, case_id = _set_up()
        source = scanned_pdf(pages, page_mb)
        _warm_up()
        return _timed(specialist, case_id, source, pages, data_dir)


def _set_up() -> tuple[Any, int]:
    import secrets

    from demo.content import nomenclature_csv_path
    from webapp.auth.services import create_user, ensure_district
    from webapp.cases.schemas import CaseInput
    from webapp.cases.services import open_case
    from webapp.nomenclature.services import import_csv
    from webapp.policy import SYSTEM
    from webapp.uow import commit

    ensure_district("u1", "Участок № 1")
    specialist = create_user("spec", role="specialist", password=secrets.token_urlsafe(12), district_codes=["u1"])
    with nomenclature_csv_path().open("rb") as csv_file:
        import_csv(SYSTEM, csv_file, 2026)
    case = open_case(specialist, CaseInput(nomenclature_index="04-05", year=2026, title="Замер", district="u1"))
    commit()
    return specialist, case.id


def _timed(specialist: Any, case_id: int, source: bytes, pages: int, data_dir: Path) -> dict[str, Any]:
    import datetime as dt

    from sqlalchemy import select

    from webapp.documents.schemas import DocumentMeta, Upload
    from webapp.documents.services import add_document
    from webapp.extensions import db
    from webapp.jobs.models import Job
    from webapp.jobs.services import execute_job
    from webapp.previews.services import JOB_KIND
    from webapp.uow import commit

    meta = DocumentMeta(title="Скан", type="scan", date=dt.date(2026, 3, 1))
    document = add_document(specialist, case_id, meta, Upload(io.BytesIO(source), "scan.pdf"))
    commit()
    started = time.perf_counter()  # the upload has returned: its page images job is queued
    version = document.versions[-1]
    version_id = version.id
    job_id = db.session.scalars(select(Job.id).where(Job.kind == JOB_KIND)).one()
    watcher = _Watcher(db.engine, version_id, pages, started)
    watcher.start()
    _settle()
    before = _rss_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    execute_job(job_id)
    peak = _rss_kb("VmHWM")
    finished = time.perf_counter() - started
    watcher.join(timeout=5)
    job = db.session.get(Job, job_id)
    assert job is not None and job.status == "done", (job.status, job.error) if job else None
    copy_s, render_s = _baselines(version, data_dir)
    return {
        "pages": pages,
        "source_mb": len(source) / MB,
        "first_page_s": watcher.first if watcher.first is not None else float("nan"),
        "all_pages_s": watcher.last if watcher.last is not None else finished,
        "job_s": finished,
        "rss_growth_mb": (peak - before) / 1024,
        "baseline_copy_s": copy_s,
        "baseline_render_s": render_s,
        "images_mb": _images_bytes(version_id) / MB,
    }


class _Watcher(threading.Thread):
    """Polls the database, through a connection of its own, for the version's committed pages."""

    def __init__(self, engine: Any, version_id: int, pages: int, started: float) -> None:
        super().__init__(daemon=True)
        self.engine, self.version_id, self.pages, self.started = engine, version_id, pages, started
        self.first: float | None = None
        self.last: float | None = None

    def run(self) -> None:
        from sqlalchemy import func, select
        from sqlalchemy.exc import OperationalError

        from webapp.previews.models import PagePreview, PreviewPage

        query = (
            select(func.count(PreviewPage.id))
            .join(PagePreview, PagePreview.id == PreviewPage.preview_id)
            .where(PagePreview.version_id == self.version_id)
        )
        deadline = time.perf_counter() + 600
        while time.perf_counter() < deadline:
            try:
                with self.engine.connect() as connection:
                    count = connection.execute(query).scalar() or 0
            except OperationalError:  # the writer holds the lock for a moment
                count = 0
            now = time.perf_counter() - self.started
            if count and self.first is None:
                self.first = now
            if count >= self.pages:
                self.last = now
                return
            time.sleep(0.01)


def _baselines(version: Any, data_dir: Path) -> tuple[float, float]:
    import pypdfium2 as pdfium

    from webapp.blobs.integrity import copy_checked, version_ref
    from webapp.previews.render import PAGE_WIDTH

    target = data_dir / "baseline.pdf"
    started = time.perf_counter()
    copy_checked(version_ref(version), target)
    copy_s = time.perf_counter() - started
    started = time.perf_counter()
    pdf = pdfium.PdfDocument(str(target))
    for index in range(len(pdf)):
        page = pdf[index]
        bitmap = page.render(scale=PAGE_WIDTH / page.get_width())
        bitmap.close()
        page.close()
    pdf.close()
    render_s = time.perf_counter() - started
    target.unlink()
    return copy_s, render_s


def _images_bytes(version_id: int) -> int:
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.previews.models import PagePreview

    preview = db.session.scalars(select(PagePreview).where(PagePreview.version_id == version_id)).one()
    return sum((page.image_file.size or 0) + (page.thumbnail_file.size or 0) for page in preview.pages)


def _warm_up() -> None:
    """Load PDFium, Pillow's codecs and the job's modules, so their one-time memory is not counted as growth."""
    from webapp.previews.render import open_pages

    with open_pages(io.BytesIO(scanned_pdf(1, 0.5)), "application/pdf") as pages:
        for _ in pages:
            pass


def _settle() -> None:
    """Give the heap the upload left behind back to the system first, so that the job's growth is its own (a
    large upload's freed buffers would otherwise hide it)."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


if __name__ == "__main__":
    main()
