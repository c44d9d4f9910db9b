"""The ZIP package of one case or of a hearing's cases: a BagIt bag holding the original bytes of every included
version, the detached signatures, the CA certificate, each case's PDF file and inventory, and manifest.json.

Layout (short names: no case numbers, titles or user file names, so no path limit or forbidden character)::

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/manifest.json          every file: path, SHA-256, size, document, version, signers
    data/ca.pem                 the certificate the signers' certificates chain to
    data/index.pdf              a hearing package: the list of its cases
    data/c01/case-file.pdf      the PDF case file (cover, inventory, documents, signature sheets, certification)
    data/c01/inventory.csv      the internal inventory, for spreadsheets
    data/c01/d51-v2.docx        an original version
    data/c01/d51-v2-s1.p7s      its first detached signature
    data/c01/d51-v2-x1.p7s      a detached signature that arrived from outside with it (an attached one: the original)
    data/trusted-cas.pem        the CAs trusted for signatures from outside («Доверенные УЦ»), when there are any
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit

from storage import ContentMismatch
from webapp.blobs.integrity import BlobRef, copy_checked, file_ref, version_ref
from webapp.cases.models import Case
from webapp.documents.media import EXTENSIONS
from webapp.exports.build import CaseFile, Item, damaged, write_case_file
from webapp.exports.seal import Seal
from webapp.exports.sheets import CaseFacts, HearingCase, hearing_index_pdf
from webapp.exports.verify import TAGMANIFEST, TRUSTED_CAS, file_sha256, tagmanifest_comment
from webapp.jobs.services import JobFailed
from webapp.runtime import signing_authority
from webapp.signing import external
from webapp.spreadsheets import csv_writer

MANIFEST = "manifest.json"
FORMAT = "casefiles-export"
_STORED = (".pdf", ".docx", ".xlsx", ".odt", ".png", ".jpg", ".tif", ".p7s")  # compressed already


@dataclass(frozen=True)
class PackageInfo:
    export_id: int | None
    institution: str
    title: str  # a hearing's name (may be empty)
    versions: str
    created_at: dt.datetime


def build_package(
    cases: list[tuple[Case, CaseFacts]],
    versions: str,
    info: PackageInfo,
    work: Path,
    out: Path,
    progress: Callable[[float], None],
    seal: Seal | None = None,
) -> None:
    """Write the bag for `cases` (in agenda order) as a ZIP at `out`; each case's PDF sealed when a seal is given."""
    bag = work / "bag"
    bag.mkdir()
    files: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    for position, (case, facts) in enumerate(cases):
        folder = f"c{position + 1:02d}"
        (bag / folder).mkdir()
        pages = work / f"pages-{folder}"
        pages.mkdir()

        def step(fraction: float, position: int = position) -> None:
            progress(0.9 * (position + fraction) / len(cases))

        case_file = write_case_file(case, versions, pages, bag / folder / "case-file.pdf", facts, step, seal)
        shutil.rmtree(pages)  # the pages are in the PDF now
        files.append(_entry(bag, f"{folder}/case-file.pdf", "case_file", case=case.number))
        _write_inventory(bag / folder / "inventory.csv", case_file)
        files.append(_entry(bag, f"{folder}/inventory.csv", "inventory", case=case.number))
        for item in case_file.items:
            files += _originals(bag, folder, case, item)
        summaries.append(
            {"folder": folder, "number": case.number, "title": case.title, "sheets": case_file.layout.total}
        )
    (bag / "ca.pem").write_bytes(signing_authority().pem)
    files.append(_entry(bag, "ca.pem", "ca"))
    _write_trusted_authorities(bag, files)
    if len(cases) > 1:
        index = [HearingCase(n, s["number"], s["title"], s["sheets"], s["folder"]) for n, s in enumerate(summaries, 1)]
        (bag / "index.pdf").write_bytes(hearing_index_pdf(info.title, info.institution, index, info.created_at.date()))
        files.append(_entry(bag, "index.pdf", "index"))
    manifest = {
        "format": FORMAT,
        "format_version": 1,
        "export_id": info.export_id,
        "created_at": info.created_at.isoformat(),
        "institution": info.institution,
        "title": info.title,
        "versions": info.versions,
        "cases": summaries,
        "files": files,
    }
    (bag / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    bagit.make_bag(
        str(bag),
        {"Source-Organization": info.institution or "casefiles", "External-Description": "casefiles case file export"},
        checksums=["sha256"],
    )
    progress(0.95)
    _zip(bag, out)


def _originals(bag: Path, folder: str, case: Case, item: Item) -> list[dict[str, Any]]:
    """The version's original bytes and its detached signatures, each with its manifest entry; each checked
    against its recorded SHA-256 (JobFailed naming the document when one changed)."""
    version, document = item.version, item.document
    stem = f"{folder}/d{document.id}-v{version.number}"
    original = stem + EXTENSIONS.get(version.media_type, ".bin")
    _copy(version_ref(version), bag / original, item)
    signers = []
    signature_files = []
    for number, signature in enumerate(version.signatures, start=1):
        path = f"{stem}-s{number}.p7s"
        _copy(file_ref(signature.file), bag / path, item)
        signer = {
            "name": signature.signer.full_name,
            "role": signature.role,
            "signed_at": signature.signed_at.isoformat(),
            "certificate_sha256": signature.certificate.sha256,
            "signature": path,
        }
        signers.append(signer)
        signature_files.append(
            _entry(bag, path, "signature", case=case.number, document=document.id, version=version.number)
            | {"signs": original, "signer": signer["name"], "role": signature.role}
        )
    arrived, arrived_files = _external_signatures(bag, stem, original, item)
    entry = _entry(bag, original, "original", case=case.number, document=document.id, version=version.number) | {
        "title": document.title,
        "type": document.type,
        "media_type": version.media_type,
        "recorded_sha256": version.sha256,
        "signers": signers,
        "paper_signers": [{"name": paper.name, "role": paper.role} for paper in version.paper_signatures],
        "external_signatures": arrived,
        "attached_signature": any(signature["form"] == "attached" for signature in arrived),
    }
    return [entry, *signature_files, *arrived_files]


def _external_signatures(
    bag: Path, stem: str, original: str, item: Item
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Signatures that arrived from outside, as their last check found them: a detached one copied beside the
    original (``-x1.p7s``) with its own entry; an attached one is the original itself."""
    version = item.version
    described, entries = [], []
    for number, signature in enumerate(external.signatures_of(version), start=1):
        record = {
            "form": signature.form,
            "signer": signature.signer,
            "organization": signature.organization,
            "algorithm": signature.algorithm,
            "signed_at": signature.signed_at.isoformat() if signature.signed_at else None,
            "status": signature.status,
            "trusted": signature.trusted,
            "signature": original,
        }
        if signature.file is not None:
            path = record["signature"] = f"{stem}-x{number}.p7s"
            _copy(file_ref(signature.file), bag / path, item)
            facts = {"document": version.document_id, "version": version.number, "signs": original}
            entries.append(_entry(bag, path, "external_signature", **facts) | {"status": signature.status})
        described.append(record)
    return described, entries


def _write_trusted_authorities(bag: Path, files: list[dict[str, Any]]) -> None:
    """The CAs trusted for signatures from outside at export time, so verify-export can say which still chain."""
    authorities = external.trusted_authorities()
    if authorities:
        (bag / TRUSTED_CAS).write_text("".join(a.certificate_pem for a in authorities), encoding="ascii")
        files.append(_entry(bag, TRUSTED_CAS, "trusted_cas"))


def _copy(ref: BlobRef, target: Path, item: Item) -> None:
    try:
        copy_checked(ref, target)
    except ContentMismatch:
        raise JobFailed(damaged(item)) from None


def _entry(bag: Path, path: str, kind: str, **facts: Any) -> dict[str, Any]:
    return {"path": path, "kind": kind, "sha256": file_sha256(bag / path), "size": (bag / path).stat().st_size, **facts}


def _write_inventory(path: Path, case_file: CaseFile) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:  # the BOM makes spreadsheets read UTF-8
        writer = csv_writer(out, delimiter=";")  # titles are people's text: never formulas
        writer.writerow(["№ п/п", "Индекс документа", "Дата", "Заголовок", "Листы дела", "Примечание"])
        for row in case_file.rows:
            writer.writerow([row.ordinal, row.index, row.date, row.title, row.sheets, row.note])


def _zip(bag: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.comment = tagmanifest_comment(file_sha256(bag / TAGMANIFEST))
        for path in sorted(p for p in bag.rglob("*") if p.is_file()):
            name = path.relative_to(bag).as_posix()
            compress = zipfile.ZIP_STORED if path.suffix in _STORED else zipfile.ZIP_DEFLATED
            archive.write(path, name, compress_type=compress)
